//! Compile-stress smoke tests: modules whose shape used to make LLVM superlinear
//! (thousands of live values, deep nesting, huge `br_table`s, long branch chains)
//! compile in bounded memory on every path — executables with `-j1` and `-j2`,
//! `aotc run`, and one-module textual output — at the effort the shape scan
//! (`translate::complexity`) chose, and still compute the right answer. `aotc run`
//! builds such modules as executables; one-module output marks the lowered function
//! `optnone` (the spec suite's JIT takes that path).
//!
//! Modules come from `benches/stress/gen.py`, which also prints the exit status each
//! module must end with (computed in Python, independently of any compiler). The
//! sizes here are the CI smoke mode: big enough that the old full-effort compile
//! took seconds to minutes and hundreds of MB to GB (locals 10,000 at -O2: 14.8 s,
//! 2.2 GB), small enough to take about a second each now. `benches/stress/run.py`
//! runs the full-size table against Wasmtime; `AOTC_STRESS_SCALE=N` multiplies the
//! sizes here for a longer run.

mod common;

use common::measured::{run_measured, Measured};
use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(300);

fn scale() -> u32 {
    std::env::var("AOTC_STRESS_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1)
}

/// Generates `kind` of size `n` (scaled) in `dir`; returns its path and the exit
/// status it must end with.
fn generate(dir: &Path, kind: &str, n: u32) -> (PathBuf, i32) {
    let n = n.saturating_mul(scale());
    let n = if kind == "locals" { n.min(49_999) } else { n };
    let path = dir.join(format!("{kind}{n}.wasm"));
    let out = Command::new("python3")
        .arg(root().join("benches/stress/gen.py"))
        .args([kind, &n.to_string()])
        .arg(&path)
        .output()
        .expect("python3 runs benches/stress/gen.py");
    assert!(out.status.success(), "gen.py {kind} {n}: {out:?}");
    let want = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
    (path, want)
}

/// `aotc ARGS`, measured.
fn aotc_measured(dir: &Path, args: &[&str]) -> Measured {
    let m = run_measured(
        Command::new(aotc_bin())
            .args(args)
            .arg("--no-cache")
            .current_dir(dir),
        TIMEOUT,
    );
    assert_eq!(m.status.code(), Some(0), "{}", m.describe());
    m
}

fn status_of(exe: &Path) -> i32 {
    let out = Command::new(exe).output().expect("run the executable");
    out.status
        .code()
        .unwrap_or_else(|| panic!("{} died: {out:?}", exe.display()))
}

/// `m` said `needle` on stderr and peaked at `bound` KiB (scaled) or less.
#[track_caller]
fn assert_said_within(m: &Measured, needle: &str, bound: i64, what: &str) {
    assert!(
        m.stderr.contains(needle),
        "{what}: expected `{needle}`\n{}",
        m.describe()
    );
    let bound = bound * i64::from(scale());
    assert!(
        m.max_rss_kib <= bound,
        "{what}: peak {} KiB above {bound} KiB\n{}",
        m.max_rss_kib,
        m.describe()
    );
}

const MIB: i64 = 1024;

/// (kind, size, the effort `-v` must report for the stress function, peak RSS bound).
const CASES: &[(&str, u32, &str, i64)] = &[
    // Before: 14.8 s and 2.2 GB at -O2 (issue 10); 5,000 took 5.4 s and 610 MB.
    ("locals", 10_000, "capped effort", 400 * MIB),
    // Before: 3.4 s in SimplifyCFG for 20,000; 100,000 took 253 s.
    ("nested", 20_000, "minimal effort", 600 * MIB),
    // Before: 16 s at -O2 for a million targets.
    ("brtable", 200_000, "minimal effort", 400 * MIB),
    // 480 KiB in one function: was one full-effort module (below the split size).
    ("blocks", 20_000, "capped effort", 600 * MIB),
];

#[test]
fn stress_shapes_compile_bounded_at_their_effort_with_any_thread_count() {
    let dir = tempdir();
    for &(kind, n, effort, bound) in CASES {
        let (wasm, want) = generate(dir.path(), kind, n);
        let mut exes = Vec::new();
        for jobs in ["-j1", "-j2"] {
            let exe = dir.path().join(format!("{kind}{jobs}"));
            let m = aotc_measured(
                dir.path(),
                &[
                    wasm.to_str().unwrap(),
                    "-O2",
                    jobs,
                    "-v",
                    "-o",
                    exe.to_str().unwrap(),
                ],
            );
            assert_said_within(&m, effort, bound, &format!("{kind} {n} {jobs}"));
            assert_eq!(status_of(&exe), want, "{kind} {n} {jobs}");
            exes.push(std::fs::read(&exe).unwrap());
        }
        assert!(
            exes[0] == exes[1],
            "{kind} {n}: -j1 and -j2 built different executables"
        );
    }
}

/// `aotc run` of a module with a lowered function builds it as an executable (the
/// JIT would hold it in one module at `-O2`) and runs it.
#[test]
fn aotc_run_compiles_stress_shapes_bounded() {
    let dir = tempdir();
    for &(kind, n, _, bound) in CASES {
        let (wasm, want) = generate(dir.path(), kind, n);
        let m = run_measured(
            Command::new(aotc_bin())
                .args(["run", "-O2", "-v"])
                .arg(&wasm)
                // A fresh compile cache: the build is measured, not a hit.
                .env("AOTC_CACHE_DIR", dir.path().join(format!("cache-{kind}")))
                .current_dir(dir.path()),
            TIMEOUT,
        );
        assert_eq!(m.status.code(), Some(want), "{}", m.describe());
        let what = format!("aotc run {kind} {n}");
        assert_said_within(&m, "compiled as an executable and run", bound, &what);
    }
}

#[test]
fn one_module_output_marks_only_the_lowered_function_optnone() {
    let dir = tempdir();
    let (wasm, _) = generate(dir.path(), "nested", 20_000);
    let ll = dir.path().join("nested.ll");
    aotc_measured(
        dir.path(),
        &[
            wasm.to_str().unwrap(),
            "-O2",
            "--emit",
            "llvm-ir",
            "-o",
            ll.to_str().unwrap(),
        ],
    );
    let text = std::fs::read_to_string(&ll).unwrap();
    // The stress function is wasm function 2 (after the import and `_start`).
    let define = |index: u32| {
        text.lines()
            .find(|l| l.starts_with("define") && l.contains(&format!("function[{index}]\"")))
            .unwrap_or_else(|| panic!("no definition of function {index}"))
            .to_string()
    };
    let attrs_of = |line: &str| {
        let group = line
            .rsplit('#')
            .next()
            .unwrap()
            .trim_end_matches(" {")
            .trim();
        text.lines()
            .find(|l| l.starts_with(&format!("attributes #{group} ")))
            .unwrap()
            .to_string()
    };
    assert!(attrs_of(&define(2)).contains("optnone"), "{}", define(2));
    assert!(!attrs_of(&define(1)).contains("optnone"), "{}", define(1));
}
