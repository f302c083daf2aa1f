//! `aotc run`: a module run through aotc's JIT must behave exactly like the executable
//! aotc builds from it — same stdout, same exit status, same trap report (message,
//! function, exit 134), same sandbox (a read-only grant refuses writes with
//! ENOTCAPABLE and leaves the host tree unchanged) — and the command's own errors are
//! one `aotc: error:` line.
//!
//! Each check runs both: the executable (`build_ok`) and `aotc run` with the same
//! capability flags, in the same working directory, with the same arguments.

mod common;

use common::*;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// Runs `module` through `aotc run flags -- args` in `cwd` (environment `env` only).
fn jit_run(
    module: &Path,
    flags: &[&str],
    args: &[&str],
    cwd: &Path,
    env: &[(&str, &str)],
) -> Output {
    let mut argv: Vec<OsString> = vec!["run".into(), module.into()];
    argv.extend(flags.iter().map(OsString::from));
    argv.push("--".into());
    argv.extend(args.iter().map(OsString::from));
    let mut run = Run::new(aotc_bin()).args(&argv).cwd(cwd);
    for (k, v) in env {
        run = run.env(k, v);
    }
    run.output()
}

/// Runs the executable built from `module` with `flags`, the same way.
fn exe_run(
    module: &Path,
    flags: &[&str],
    args: &[&str],
    cwd: &Path,
    env: &[(&str, &str)],
) -> Output {
    let exe = build_ok(module, flags);
    let mut run = Run::new(&exe).args(args).cwd(cwd);
    for (k, v) in env {
        run = run.env(k, v);
    }
    run.output()
}

/// Both runs agree on exit status and stdout, neither crashed; returns the JIT run.
#[track_caller]
fn assert_same(
    module: &Path,
    flags: &[&str],
    args: &[&str],
    cwd: &Path,
    env: &[(&str, &str)],
) -> Output {
    let exe = exe_run(module, flags, args, cwd, env);
    let jit = jit_run(module, flags, args, cwd, env);
    assert_clean_exit(&exe);
    assert_no_crash_text(&jit);
    check(
        &jit,
        jit.code() == exe.code(),
        &format!(
            "exit status differs from the executable's:\n{}",
            exe.describe()
        ),
    );
    check(
        &jit,
        jit.stdout == exe.stdout,
        &format!("stdout differs from the executable's:\n{}", exe.describe()),
    );
    jit
}

#[test]
fn hello_world_matches_the_executable() {
    let wasm = wasm_from_c(&examples_path("hello.c"), &[]);
    let dir = tempdir();
    let out = assert_same(&wasm, &[], &[], dir.path(), &[]);
    assert_exit(&out, 0);
    assert_stdout(&out, "Hello, world!\n");
    check(&out, out.stderr.is_empty(), "nothing on stderr");
}

#[test]
fn arguments_and_environment_match_the_executable() {
    let wasm = wasi_program("args_env.c", &[]);
    let dir = tempdir();
    let flags = [
        "--env",
        "BAKED=a b=c",
        "--allow-env",
        "PASSED",
        "--allow-env",
        "UNSET",
    ];
    // Guest arguments that look like aotc flags stay the guest's.
    let args = ["--allow-dir", "/", "with space", "-O3", "--", ""];
    let env = [("PASSED", "from host"), ("NOT_ALLOWED", "x")];
    let out = assert_same(&wasm, &flags, &args, dir.path(), &env);
    assert_exit(&out, 0);
    let text = out.stdout();
    for line in [
        "argc=7",
        "arg[1]=--allow-dir",
        "arg[3]=with space",
        "arg[5]=--",
        "arg[6]=",
        "preopens=0",
        "env[0]=BAKED=a b=c",
        "env[1]=PASSED=from host",
        "sizes=ok",
    ] {
        check(
            &out,
            text.lines().any(|l| l == line),
            &format!("missing line `{line}`"),
        );
    }
    check(
        &out,
        !text.contains("NOT_ALLOWED"),
        "an unlisted variable leaked",
    );
}

#[test]
fn argv0_is_the_module_file_name() {
    let dir = tempdir();
    let wat = dir.path().join("show-argv0.wat");
    std::fs::write(&wat, PRINT_ARGV0_WAT).unwrap();
    let out = jit_run(&wat, &[], &["x"], dir.path(), &[]);
    assert_exit(&out, 0);
    assert_stdout(&out, "show-argv0.wat");
}

/// A fresh tree: `base/ro/input.txt` ("hello\n") granted read-only as `ro`.
fn read_only_tree() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempdir();
    let base = tmp.path().join("base");
    std::fs::create_dir_all(base.join("ro")).unwrap();
    std::fs::write(base.join("ro/input.txt"), "hello\n").unwrap();
    (tmp, base)
}

#[test]
fn read_only_grant_reads_and_refuses_writes_like_the_executable() {
    let wasm = wasi_program("fs_ops.c", &[]);
    let (_tmp, base) = read_only_tree();
    let before = snapshot(&base);
    let cases = [
        "read:input.txt",
        "write:input.txt",
        "trunc:input.txt",
        "create:new.txt",
        "read:../outside.txt",
    ];
    let mut args = vec!["ro"];
    args.extend(cases);
    let out = assert_same(&wasm, &["--allow-dir", "ro:ro"], &args, &base, &[]);
    assert_exit(&out, 0);
    assert_stdout(
        &out,
        "read:input.txt -> ok 6\n\
         write:input.txt -> ENOTCAPABLE\n\
         trunc:input.txt -> ENOTCAPABLE\n\
         create:new.txt -> ENOTCAPABLE\n\
         read:../outside.txt -> ENOTCAPABLE\n",
    );
    assert_eq!(snapshot(&base), before, "the host tree changed");
}

#[test]
fn manifest_file_grants_the_same() {
    let wasm = wasi_program("fs_ops.c", &[]);
    let (_tmp, base) = read_only_tree();
    std::fs::write(base.join("caps.toml"), "dirs = [\"ro::data:ro\"]\n").unwrap();
    let out = jit_run(
        &wasm,
        &["--manifest", "caps.toml"],
        &["data", "read:input.txt", "write:x"],
        &base,
        &[],
    );
    assert_exit(&out, 0);
    assert_stdout(&out, "read:input.txt -> ok 6\nwrite:x -> ENOTCAPABLE\n");
}

#[test]
fn proc_exit_status_is_aotcs_status() {
    let dir = tempdir();
    for code in [0, 3, 42, 255] {
        let wat = dir.path().join(format!("exit{code}.wat"));
        std::fs::write(
            &wat,
            format!(
                r#"(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (func (export "_start") (call $exit (i32.const {code}))))"#
            ),
        )
        .unwrap();
        let out = assert_same(&wat, &[], &[], dir.path(), &[]);
        assert_exit(&out, code);
    }
    // A `_start` that returns: 0.
    let wat = dir.path().join("returns.wat");
    std::fs::write(&wat, "(module (func (export \"_start\")))").unwrap();
    assert_exit(&assert_same(&wat, &[], &[], dir.path(), &[]), 0);
}

/// Number of cases of a trap file: the entries of its dispatch table (case N is
/// selected by N extra arguments, see tests/traps.rs).
fn trap_cases(wat: &Path) -> usize {
    use wasmparser::{Parser, Payload};
    let bytes = wasm_bytes(wat);
    for payload in Parser::new(0).parse_all(&bytes) {
        if let Payload::ElementSection(reader) = payload.expect("parse") {
            let first = reader
                .into_iter()
                .next()
                .expect("a segment")
                .expect("segment");
            return match first.items {
                wasmparser::ElementItems::Functions(f) => f.count(),
                wasmparser::ElementItems::Expressions(_, e) => e.count(),
            } as usize;
        }
    }
    panic!("{} has no dispatch table", wat.display());
}

/// Every case of a trap file: the JIT run reports the same trap in the same function
/// as the executable (first two stderr lines), prints a backtrace, and exits 134.
fn traps_match(file: &str) {
    let wat = tests_path(&format!("traps/{file}"));
    let dir = tempdir();
    let n = trap_cases(&wat);
    assert!(n > 0);
    for case in 0..n {
        let args: Vec<&str> = std::iter::repeat_n("x", case).collect();
        let exe = exe_run(&wat, &[], &args, dir.path(), &[]);
        let jit = jit_run(&wat, &[], &args, dir.path(), &[]);
        assert_exit(&exe, 134);
        assert_exit(&jit, 134);
        let head = |o: &Output| {
            o.stderr()
                .lines()
                .take(2)
                .map(str::to_string)
                .collect::<Vec<_>>()
        };
        check(
            &jit,
            head(&jit) == head(&exe) && head(&jit).len() == 2,
            &format!(
                "{file} case {case}: trap report differs from the executable's:\n{}",
                exe.describe()
            ),
        );
        check(
            &jit,
            jit.stdout.is_empty(),
            "a trapping case prints nothing on stdout",
        );
        check(
            &jit,
            jit.stderr().contains("wasm backtrace:\n  #0 "),
            "the backtrace names JIT-compiled wasm functions",
        );
    }
}

#[test]
fn unreachable_traps_match() {
    traps_match("unreachable.wat");
}

#[test]
fn integer_traps_match() {
    traps_match("int_div.wat");
    traps_match("trunc.wat");
}

#[test]
fn memory_traps_match() {
    traps_match("memory_oob.wat");
}

#[test]
fn table_and_indirect_call_traps_match() {
    traps_match("table_oob.wat");
    traps_match("call_indirect.wat");
}

#[test]
fn stack_exhaustion_traps_match() {
    traps_match("stack.wat");
}

/// Frames far larger than a page must still hit the guard (the JIT honours
/// `probe-stack`), reported as "call stack exhausted" in the recursing function.
#[test]
fn stack_exhaustion_with_large_frames_traps() {
    let dir = tempdir();
    let wat = dir.path().join("big_frames.wat");
    let mut body = String::new();
    let live = 600;
    for i in 1..=live {
        body.push_str(&format!(
            "(local.set {i} (i64.add (local.get 0) (i64.load offset={} (i32.const 0))))\n",
            (i * 8) % 60000
        ));
    }
    body.push_str("(i64.store (i32.const 0) (call $big (i64.add (local.get 0) (i64.const 1))))\n(i64.load (i32.const 0))\n");
    for i in 1..=live {
        body.push_str(&format!("(local.get {i}) i64.add\n"));
    }
    let locals = " i64".repeat(live);
    std::fs::write(
        &wat,
        format!(
            "(module (memory 1)\n (func (export \"_start\") (drop (call $big (i64.const 1))))\n (func $big (param i64) (result i64) (local{locals})\n{body}))"
        ),
    )
    .unwrap();
    let out = jit_run(&wat, &[], &[], dir.path(), &[]);
    assert_exit(&out, 134);
    let lines = out.stderr_lines();
    check(
        &out,
        lines.first().map(String::as_str) == Some("wasm trap: call stack exhausted")
            && lines.get(1).map(|l| l.trim()) == Some("in wasm function big"),
        "expected `call stack exhausted` in `big`",
    );
}

#[test]
fn a_module_without_start_is_refused_in_one_line() {
    let dir = tempdir();
    let wat = dir.path().join("lib.wat");
    std::fs::write(&wat, "(module (func (export \"add\") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))").unwrap();
    let out = aotc_in(dir.path(), ["run", "lib.wat"]);
    assert_aotc_error_mentions(&out, &["lib.wat", "not a WASI command", "_start"]);
}

#[test]
fn command_errors_are_one_line() {
    let dir = tempdir();
    let wat = dir.path().join("ok.wat");
    std::fs::write(&wat, "(module (func (export \"_start\")))").unwrap();
    assert_aotc_error_mentions(
        &aotc_in(dir.path(), ["run", "missing.wasm"]),
        &["missing.wasm"],
    );
    assert_aotc_error_mentions(
        &aotc_in(dir.path(), ["run", "ok.wat", "--allow-dir", "::x"]),
        &["--allow-dir"],
    );
    assert_aotc_error_mentions(
        &aotc_in(dir.path(), ["run", "ok.wat", "--target-cpu", "pentium4"]),
        &["32-bit"],
    );
    std::fs::write(
        dir.path().join("bad.wat"),
        "(module (func (export \"_start\") i32.add))",
    )
    .unwrap();
    assert_aotc_error(&aotc_in(dir.path(), ["run", "bad.wat"]));
    std::fs::write(
        dir.path().join("unknown.wat"),
        "(module (import \"env\" \"f\" (func)) (func (export \"_start\")))",
    )
    .unwrap();
    assert_aotc_error_mentions(&aotc_in(dir.path(), ["run", "unknown.wat"]), &["env"]);
    // Module arguments only after `--`.
    assert_usage_error(&aotc_in(dir.path(), ["run", "ok.wat", "arg"]));
}

#[test]
fn a_missing_granted_directory_stops_the_start_like_the_executable() {
    let dir = tempdir();
    let wat = dir.path().join("ok.wat");
    std::fs::write(&wat, "(module (func (export \"_start\")))").unwrap();
    let out = jit_run(&wat, &["--allow-dir", "nope"], &[], dir.path(), &[]);
    assert_exit(&out, 125);
    assert_eq!(
        out.stderr_lines(),
        ["aotc: error: cannot open granted directory 'nope' (seen by the module as 'nope'): No such file or directory"],
        "{}",
        out.describe()
    );
}

#[test]
fn stdin_reaches_the_module() {
    let dir = tempdir();
    let out = Run::new(aotc_bin())
        .args(["run".as_ref(), examples_path("echo.wat").as_os_str()])
        .cwd(dir.path())
        .stdin("line one\nline two\n")
        .output();
    assert_exit(&out, 0);
    assert_stdout(&out, "line one\nline two\n");
}

#[test]
fn verbose_prints_phase_times_before_the_module_runs() {
    let wasm = wasm_from_c(&examples_path("hello.c"), &[]);
    let dir = tempdir();
    let out = jit_run(&wasm, &["-v", "-O1"], &[], dir.path(), &[]);
    assert_exit(&out, 0);
    assert_stdout(&out, "Hello, world!\n");
    let err = out.stderr();
    for phase in ["translate", "jit compile", "ready to start"] {
        check(
            &out,
            err.lines()
                .any(|l| l.starts_with("aotc: time: ") && l.contains(phase)),
            phase,
        );
    }
}
