//! Typed function references in executables (`tests/function_references/steps.wat`):
//! 10 million guaranteed tail calls through `return_call_ref` (via a table of
//! `(ref $t)` with an initialiser and an immutable `(ref $t)` global) run in constant
//! stack, as an executable and through `aotc run` (the JIT), and `call_ref` through
//! a `br_on_null`-guarded nullable reference gives the right values, printed with
//! fd_write. The same loop with ordinary `call_ref` must exhaust the stack (so the
//! first test can fail); `call_ref` and `ref.as_non_null` of null trap with the spec's
//! messages, exit 134, naming the function. The upstream proposal tests run in
//! `spec.rs` (`function-references`).

mod common;

use common::*;

/// `_start`'s output: the countdown's sum (even n added once, odd n twice), 3 × 14,
/// and the default 7 of a null reference.
const START_OUTPUT: &str = "tail calls: 75000005000000\ncall_ref: 42\nnull: 7\n";

fn steps() -> std::path::PathBuf {
    tests_path("function_references/steps.wat")
}

#[test]
fn ten_million_tail_calls_through_references_in_an_executable() {
    let exe = build_ok(&steps(), &[]);
    let out = Run::new(&exe).output();
    assert_clean_exit(&out);
    assert_success(&out);
    assert_stdout(&out, START_OUTPUT);
}

#[test]
fn ten_million_tail_calls_through_references_in_the_jit() {
    let module = steps();
    let out = aotc(["run", module.to_str().unwrap()]);
    assert_success(&out);
    assert_stdout(&out, START_OUTPUT);
}

#[test]
fn the_same_loop_with_call_ref_exhausts_the_stack() {
    let exe = build_ok(&steps(), &["--invoke", "run_calls"]);
    // Short runs work, so the trap below comes from depth alone.
    assert_stdout(&Run::new(&exe).arg("10").output(), "80\n");
    let out = Run::new(&exe).arg("10000000").output();
    assert_exit(&out, 134);
    check(
        &out,
        out.stderr().contains("wasm trap: call stack exhausted"),
        "a trap `call stack exhausted`",
    );
}

/// Exit 134, `wasm trap: <message>` first, then the function the trap is in.
#[track_caller]
fn assert_trap_in(out: &Output, message: &str, function: &str) {
    assert_exit(out, 134);
    let lines = out.stderr_lines();
    check(
        out,
        lines.first().map(String::as_str) == Some(&format!("wasm trap: {message}")),
        &format!("first stderr line must be `wasm trap: {message}`"),
    );
    check(
        out,
        lines.get(1).map(|l| l.trim()) == Some(&format!("in wasm function {function}")),
        &format!("second stderr line must name wasm function {function}"),
    );
    check(out, out.stdout.is_empty(), "nothing printed before the trap");
}

#[test]
fn call_ref_of_null_traps_naming_the_function() {
    let exe = build_ok(&steps(), &["--invoke", "call_null"]);
    let out = Run::new(&exe).arg("5").output();
    assert_trap_in(&out, "null function reference", "call_null");
}

#[test]
fn ref_as_non_null_of_null_traps_naming_the_function() {
    let exe = build_ok(&steps(), &["--invoke", "force_null"]);
    let out = Run::new(&exe).output();
    assert_trap_in(&out, "null reference", "force_null");
}
