//! Tail calls (`return_call`, `return_call_indirect`) are guaranteed: a loop of 10
//! million tail calls between functions of different signatures (ten parameters,
//! some passed on the stack, one hop through a table) runs in constant stack, as an
//! executable and through `aotc run` (the JIT), with the right checksum. The same
//! loop written with ordinary calls must exhaust the stack, so the test can fail.
//! A tail call LLVM could not make a jump (more results than registers) is one
//! compile error line. The upstream proposal tests run in `spec.rs` (`tail-call`).

mod common;

use common::*;

const STEPS: &str = "10000000";
/// `run 10000000`: each step maps (n, acc) to (n - 1, ((acc + n) ^ 7) + 15).
const CHECKSUM: &str = "50000155000000\n";

fn ping_pong() -> std::path::PathBuf {
    tests_path("tail_calls/ping_pong.wat")
}

fn jit(export: &str, args: &[&str]) -> Output {
    let module = ping_pong();
    let mut argv = vec!["run", module.to_str().unwrap(), "--invoke", export, "--"];
    argv.extend(args);
    aotc(argv)
}

#[test]
fn ten_million_tail_calls_in_an_executable() {
    let exe = build_ok(&ping_pong(), &["--invoke", "run"]);
    let out = Run::new(&exe).arg(STEPS).output();
    assert_success(&out);
    assert_stdout(&out, CHECKSUM);
    // Short runs check the checksum step by step.
    assert_stdout(&Run::new(&exe).arg("1").output(), "21\n");
    assert_stdout(&Run::new(&exe).arg("5").output(), "83\n");
}

#[test]
fn ten_million_tail_calls_through_the_jit() {
    let out = jit("run", &[STEPS]);
    assert_success(&out);
    assert_stdout(&out, CHECKSUM);
}

#[test]
fn several_results_through_tail_calls() {
    let exe = build_ok(&ping_pong(), &["--invoke", "triple"]);
    let out = Run::new(&exe).arg(STEPS).output();
    assert_success(&out);
    assert_stdout(&out, "10000000\n10000000\n30000000\n");
    let out = jit("triple", &[STEPS]);
    assert_stdout(&out, "10000000\n10000000\n30000000\n");
}

#[test]
fn the_same_loop_with_calls_exhausts_the_stack() {
    let exe = build_ok(&ping_pong(), &["--invoke", "run_calls"]);
    for out in [
        Run::new(&exe).arg(STEPS).output(),
        jit("run_calls", &[STEPS]),
    ] {
        assert_exit(&out, 134);
        check(
            &out,
            out.stderr().contains("call stack exhausted"),
            "a trap `call stack exhausted`",
        );
    }
}

#[test]
fn a_tail_call_with_too_many_results_is_one_error_line() {
    let dir = tempdir();
    let wat = dir.path().join("four.wat");
    std::fs::write(
        &wat,
        r#"(module
  (func $four (result i32 i32 i64 i64) (i32.const 1) (i32.const 2) (i64.const 3) (i64.const 4))
  (func (export "f") (result i32 i32 i64 i64) (return_call $four)))"#,
    )
    .unwrap();
    let out = aotc_in(dir.path(), [wat.to_str().unwrap(), "--invoke", "f"]);
    assert_aotc_error_mentions(&out, &["function 1", "tail call", "4 integer", "results"]);
}
