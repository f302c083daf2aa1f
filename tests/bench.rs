//! `aotc bench`: the JSON report has an entry per runtime with positive times and the
//! output comparison, the table is aligned and readable, read-only grants stay
//! untouched even by runtimes without read-only directories, and the command's errors
//! are one line. wasmtime and node entries are checked only when they are on PATH.

mod common;

use common::*;
use serde_json::Value;
use std::ffi::OsString;
use std::path::Path;

/// Whether `name` is an executable in PATH (what `aotc bench` looks for).
fn on_path(name: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|p| {
        std::env::split_paths(&p).any(|d| {
            use std::os::unix::fs::PermissionsExt;
            std::fs::metadata(d.join(name))
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
    })
}

/// The other runtimes a bench run here will include.
fn others() -> Vec<&'static str> {
    ["wasmtime", "node"]
        .into_iter()
        .filter(|n| on_path(n))
        .collect()
}

/// Runs `aotc bench ARGS` in `cwd` with the caller's PATH (to find the runtimes).
fn bench(cwd: &Path, args: &[OsString]) -> Output {
    let mut run = Run::new(aotc_bin()).arg("bench").args(args).cwd(cwd);
    if let Some(path) = std::env::var_os("PATH") {
        run = run.env("PATH", path);
    }
    run.output()
}

fn os(args: &[&str]) -> Vec<OsString> {
    args.iter().map(OsString::from).collect()
}

/// The report's entry for `runtime`.
fn entry<'a>(report: &'a Value, runtime: &str) -> Option<&'a Value> {
    report["results"]
        .as_array()
        .expect("results array")
        .iter()
        .find(|r| r["runtime"] == runtime)
}

fn positive(v: &Value, key: &str) -> bool {
    v[key].as_f64().is_some_and(|x| x > 0.0)
}

#[track_caller]
fn json_report(out: &Output) -> Value {
    assert_exit(out, 0);
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON: {e}\n{}", out.describe()))
}

#[test]
fn json_report_has_every_runtime_with_times_and_matching_output() {
    let wasm = wasm_from_c(&examples_path("hello.c"), &[]);
    let dir = tempdir();
    let mut args = os(&["--json", "--runs", "2"]);
    args.push(wasm.into());
    let out = bench(dir.path(), &args);
    let report = json_report(&out);
    assert_eq!(report["runs"], 2);
    assert_eq!(report["reference"], "aotc");
    let mut expected = vec!["aotc", "aotc-jit"];
    expected.extend(others());
    for name in expected {
        let r =
            entry(&report, name).unwrap_or_else(|| panic!("no {name} entry\n{}", out.describe()));
        check(
            &out,
            r["error"].is_null(),
            &format!("{name} was not measured"),
        );
        for key in ["startup_ms", "median_ms", "min_ms", "max_ms"] {
            check(
                &out,
                positive(r, key),
                &format!("{name}: {key} must be positive"),
            );
        }
        check(
            &out,
            r["peak_rss_kib"].as_u64().is_some_and(|k| k > 0),
            &format!("{name}: peak RSS"),
        );
        check(
            &out,
            r["exit_status"] == 0,
            &format!("{name}: exit status 0"),
        );
        check(
            &out,
            r["matches_reference"] == true,
            &format!("{name}: output must match aotc's"),
        );
        check(
            &out,
            r["mismatch"].is_null(),
            &format!("{name}: no mismatch"),
        );
        check(
            &out,
            r["median_ms"].as_f64() >= r["min_ms"].as_f64(),
            &format!("{name}: median >= min"),
        );
    }
    // Compile times: aotc's compilation and the JIT's (from `aotc run -v`).
    for name in ["aotc", "aotc-jit"] {
        check(
            &out,
            positive(entry(&report, name).unwrap(), "compile_ms"),
            &format!("{name}: compile_ms"),
        );
    }
    // The JIT entry really runs `aotc run`.
    let jit = entry(&report, "aotc-jit").unwrap();
    let cmd: Vec<&str> = jit["command"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    check(&out, cmd.get(1) == Some(&"run"), "aotc-jit runs `aotc run`");
}

#[test]
fn table_is_aligned_and_names_the_reference() {
    let dir = tempdir();
    let wat = dir.path().join("hi.wat");
    std::fs::write(
        &wat,
        r#"(module
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 64) "hi\n")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 64))
    (i32.store (i32.const 4) (i32.const 3))
    (drop (call $write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))"#,
    )
    .unwrap();
    let out = bench(dir.path(), &os(&["hi.wat", "--runs", "1", "--", "an arg"]));
    assert_exit(&out, 0);
    let text = out.stdout();
    let lines: Vec<&str> = text.lines().collect();
    check(
        &out,
        lines[0].starts_with("aotc bench: hi.wat 'an arg' (1 run each"),
        "title line",
    );
    let header = lines
        .iter()
        .position(|l| l.starts_with("runtime "))
        .expect("header");
    let rows = &lines[header + 1..header + 3 + others().len()];
    check(
        &out,
        rows[0].starts_with("aotc ") && rows[0].ends_with("reference"),
        "aotc row is the reference",
    );
    check(
        &out,
        rows[1].starts_with("aotc-jit ") && rows[1].ends_with("same"),
        "aotc-jit row matches",
    );
    for (row, name) in rows[2..].iter().zip(others()) {
        check(
            &out,
            row.starts_with(name) && row.ends_with("same"),
            &format!("{name} row matches"),
        );
    }
    // Aligned: each column starts at the same offset in the header and every row.
    let col = lines[header].find("median").expect("median column");
    let end = col + "median".len();
    for row in rows {
        check(
            &out,
            row.as_bytes()
                .get(end - 1)
                .is_some_and(|b| !b.is_ascii_whitespace())
                && row
                    .as_bytes()
                    .get(end)
                    .is_some_and(|b| b.is_ascii_whitespace()),
            &format!("row not aligned under `median`: {row}"),
        );
    }
    check(
        &out,
        text.contains("start-up: "),
        "the start-up column is explained",
    );
}

#[test]
fn read_only_grants_stay_untouched_and_differences_are_reported() {
    let wasm = wasi_program("fs_ops.c", &[]);
    let dir = tempdir();
    std::fs::create_dir(dir.path().join("ro")).unwrap();
    std::fs::write(dir.path().join("ro/input.txt"), "hello\n").unwrap();
    let before = snapshot(dir.path());
    let mut args: Vec<OsString> = vec![wasm.into()];
    args.extend(os(&[
        "--allow-dir",
        "ro:ro",
        "--json",
        "--runs",
        "1",
        "--",
        "ro",
        "create:new.txt",
        "write:input.txt",
        "read:input.txt",
    ]));
    let out = bench(dir.path(), &args);
    let report = json_report(&out);
    assert_eq!(
        snapshot(dir.path()),
        before,
        "a bench run changed a read-only grant"
    );
    let jit = entry(&report, "aotc-jit").unwrap();
    check(
        &out,
        jit["matches_reference"] == true,
        "aotc-jit refuses the writes like aotc",
    );
    let notes = report["notes"].to_string();
    for name in others() {
        // Their copy is writable: the writes succeed there, and the table says so.
        let r = entry(&report, name).unwrap();
        check(
            &out,
            r["matches_reference"] == false,
            &format!("{name} must differ"),
        );
        check(
            &out,
            r["mismatch"]
                .as_str()
                .is_some_and(|m| m.contains("stdout differs at line 1")),
            &format!("{name}: the first differing line is named"),
        );
        check(
            &out,
            notes.contains(&format!("{name}: has no read-only directories")),
            "note",
        );
    }
}

#[test]
fn stdin_file_feeds_every_run() {
    let dir = tempdir();
    std::fs::write(dir.path().join("in.txt"), "some input\n").unwrap();
    let mut args = vec![examples_path("echo.wat").into_os_string()];
    args.extend(os(&["--stdin", "in.txt", "--json", "--runs", "1"]));
    let report = json_report(&bench(dir.path(), &args));
    for r in report["results"].as_array().unwrap() {
        assert_eq!(r["matches_reference"], true, "{r}");
    }
}

#[test]
fn errors_are_one_line() {
    let dir = tempdir();
    std::fs::write(
        dir.path().join("ok.wat"),
        "(module (func (export \"_start\")))",
    )
    .unwrap();
    std::fs::write(dir.path().join("lib.wat"), "(module (func (export \"f\")))").unwrap();
    let run = |a: &[&str]| bench(dir.path(), &os(a));
    assert_aotc_error_mentions(&run(&["ok.wat", "--listen", "127.0.0.1:1"]), &["--listen"]);
    assert_aotc_error_mentions(&run(&["lib.wat"]), &["not a WASI command"]);
    assert_aotc_error_mentions(
        &run(&["ok.wat", "--stdin", "missing.txt"]),
        &["missing.txt"],
    );
    assert_aotc_error_mentions(
        &run(&["ok.wat", "--wasmtime", "no-such-wasmtime"]),
        &["no-such-wasmtime"],
    );
    assert_aotc_error(&run(&["missing.wasm"]));
    assert_usage_error(&run(&["ok.wat", "--runs", "0"]));
    assert_usage_error(&run(&["ok.wat", "stray"]));
}

/// A module that prints its argv[0] gives the same output everywhere: the module's
/// file name (for a text input too: the other runtimes get its binary under that name).
#[test]
fn argv0_is_the_same_for_every_runtime() {
    let dir = tempdir();
    std::fs::write(dir.path().join("argv0.wat"), PRINT_ARGV0_WAT).unwrap();
    let out = bench(dir.path(), &os(&["argv0.wat", "--json", "--runs", "1"]));
    let report = json_report(&out);
    for r in report["results"].as_array().unwrap() {
        check(
            &out,
            r["matches_reference"] == true,
            &format!("{} sees another argv[0]", r["runtime"]),
        );
    }
}
