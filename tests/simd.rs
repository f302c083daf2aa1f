//! SIMD (the fixed-width `v128` instructions of WebAssembly 2.0) in compiled
//! executables: every instruction, with its edge cases, must print exactly what an
//! independent engine prints, whatever the optimisation level and target CPU.
//!
//! The programs are `tests/simd/{int,float,lanes}.wat`: each check prints one line
//! `tag: lanes` (see the helpers at the top of each file). The expected outputs,
//! `tests/simd/*.out`, were produced by Node 20's V8 (`run_node.mjs`); when `node`
//! is on the PATH, `expected_outputs_match_v8` runs them again, so the files cannot
//! drift from the programs.
//!
//! Each program is built in several ways, all of which must give the same output:
//! -O0 and -O2 at the default CPU; -O2 with the operands visible to the optimiser
//! (so LLVM constant-folds the operations instead of running them); -O2 for plain
//! `x86-64` (SSE2 only: the portable fallbacks of `pshufb`, `pmulhrsw`, `roundps`
//! …); and -O2 for `x86-64-v3` (AVX2) when this machine can run it.

mod common;

use common::*;
use std::path::PathBuf;

/// How one build differs: aotc flags, and whether operands are opaque.
struct Config {
    flags: &'static [&'static str],
    /// The `$x`/`$xi` operand wrappers replaced by plain identities.
    folded: bool,
}

const CONFIGS: &[Config] = &[
    Config {
        flags: &["-O0"],
        folded: false,
    },
    Config {
        flags: &["-O2"],
        folded: false,
    },
    Config {
        flags: &["-O2"],
        folded: true,
    },
    Config {
        flags: &["-O2", "--target-cpu", "x86-64"],
        folded: false,
    },
    Config {
        flags: &["-O2", "--target-cpu", "x86-64-v3"],
        folded: false,
    },
];

/// The indirect calls that hide operands from the optimiser (see the files).
const OPAQUE_CALLS: &[&str] = &[
    "(call_indirect $ids (type $vv) (local.get 0) (i32.const 0))",
    "(call_indirect $ids (type $ii) (local.get 0) (i32.const 1))",
];

fn host_runs(flags: &[&str]) -> bool {
    !flags.contains(&"x86-64-v3") || std::arch::is_x86_feature_detected!("avx2")
}

/// `tests/simd/<name>.wat`, or its folded variant written to the scratch dir.
fn source(name: &str, folded: bool) -> PathBuf {
    let path = tests_path(&format!("simd/{name}.wat"));
    if !folded {
        return path;
    }
    let mut text = std::fs::read_to_string(&path).expect("read SIMD test program");
    for call in OPAQUE_CALLS {
        assert!(text.contains(call), "{name}.wat: `{call}` not found");
        text = text.replace(call, "(local.get 0)");
    }
    let out = scratch_root().join(format!("{name}-folded.wat"));
    write_atomic(&out, text.as_bytes());
    out
}

/// Builds and runs `name` in every configuration; reports all mismatches at once.
fn check_program(name: &str) {
    let expected = std::fs::read_to_string(tests_path(&format!("simd/{name}.out")))
        .expect("read expected output");
    let mut failures = Vec::new();
    for config in CONFIGS {
        if !host_runs(config.flags) {
            eprintln!(
                "NOTE {name}: this machine cannot run {:?} code; that build is not run",
                config.flags
            );
            continue;
        }
        let exe = build_ok(&source(name, config.folded), config.flags);
        let out = Run::new(&exe).output();
        let what = format!(
            "{name} built with {:?} (folded: {})",
            config.flags, config.folded
        );
        if out.code() != Some(0) || out.stdout() != expected {
            let diff: Vec<String> = expected
                .lines()
                .zip(out.stdout().lines().chain(std::iter::repeat("<missing>")))
                .filter(|(e, g)| e != g)
                .take(10)
                .map(|(e, g)| format!("  expected {e}\n  got      {g}"))
                .collect();
            failures.push(format!(
                "=== {what}: status {:?}, first differences:\n{}\n{}",
                out.code(),
                diff.join("\n"),
                out.stderr()
            ));
        }
    }
    if !failures.is_empty() {
        panic!("{}", failures.join("\n"));
    }
}

#[test]
fn integer_lanes() {
    check_program("int");
}

#[test]
fn float_lanes() {
    check_program("float");
}

#[test]
fn lanes_memory_and_v128_values() {
    check_program("lanes");
}

/// `oob.wat`: case 0 exits 0, every other case traps, at -O0 and -O2.
#[test]
fn out_of_bounds_accesses_trap() {
    let wat = tests_path("simd/oob.wat");
    let cases = 13;
    for opt in ["-O0", "-O2"] {
        let exe = build_ok(&wat, &[opt]);
        for n in 0..cases {
            let out = Run::new(&exe).args(std::iter::repeat_n("x", n)).output();
            if n == 0 {
                assert_success(&out);
                continue;
            }
            check(&out, out.status.code().is_some(), "killed by a signal");
            assert_exit(&out, 134);
            let first = out.stderr_lines().first().cloned().unwrap_or_default();
            check(
                &out,
                first == "wasm trap: out of bounds memory access",
                &format!("{opt} case {n}: expected the out-of-bounds trap"),
            );
        }
    }
}

/// The expected outputs are V8's: rerun them when Node is available.
#[test]
fn expected_outputs_match_v8() {
    let node_ok = std::process::Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !node_ok {
        eprintln!("NOTE no `node` on PATH: tests/simd/*.out are not re-derived from V8");
        return;
    }
    let runner = tests_path("simd/run_node.mjs");
    for name in ["int", "float", "lanes"] {
        let wasm = scratch_root().join(format!("{name}.wasm"));
        write_atomic(&wasm, &wasm_bytes(&tests_path(&format!("simd/{name}.wat"))));
        let out = Run::new("node")
            .inherit_env()
            .arg("--single-threaded-gc")
            .arg(&runner)
            .arg(&wasm)
            .output();
        assert_success(&out);
        let expected = std::fs::read_to_string(tests_path(&format!("simd/{name}.out")))
            .expect("read expected output");
        assert_stdout(&out, &expected);
    }
}
