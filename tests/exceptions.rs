//! WebAssembly exception handling in compiled executables (the spec suite covers the
//! JIT path: `tests/spec.rs`, `exceptions/`): exceptions thrown through several frames
//! with payloads of every value type and caught by every kind of handler, in both the
//! 3.0 form (`try_table`, `throw_ref`) and the legacy one (`try`/`catch`/`rethrow`/
//! `delegate`), at every optimisation level; an uncaught exception ends the program
//! like a trap (its own first line, exit 134); traps are never caught as exceptions.
//!
//! The programs are `tests/exceptions/*.wat`; `catch.wat` exits with the number of its
//! first failing check.

mod common;

use common::*;

#[test]
fn exceptions_are_caught_through_frames_at_every_level() {
    let wat = tests_path("exceptions/catch.wat");
    for opt in ["-O0", "-O1", "-O2", "-O3"] {
        let exe = build_ok(&wat, &[opt]);
        let out = Run::new(&exe).output();
        check(
            &out,
            out.code() == Some(0),
            &format!("every check passes at {opt}"),
        );
    }
}

#[test]
fn the_jit_catches_the_same_exceptions() {
    let out = aotc([
        "run".as_ref(),
        tests_path("exceptions/catch.wat").as_os_str(),
    ]);
    assert_success(&out);
}

#[test]
fn an_uncaught_exception_ends_the_program_like_a_trap() {
    let exe = build_ok(&tests_path("exceptions/uncaught.wat"), &[]);
    let out = Run::new(&exe).output();
    assert_exit(&out, 134);
    let lines = out.stderr_lines();
    check(
        &out,
        lines.first().map(String::as_str) == Some("wasm exception: uncaught exception (tag 1)"),
        "first line names the exception's tag",
    );
    check(
        &out,
        lines.get(1).map(String::as_str) == Some("  in wasm function thrower"),
        "second line names the function that threw",
    );
    check(
        &out,
        lines.iter().any(|l| l == "wasm backtrace:"),
        "a backtrace follows",
    );
}

#[test]
fn traps_are_not_exceptions() {
    let exe = build_ok(&tests_path("exceptions/trap_in_try.wat"), &[]);
    // A division by zero inside `try_table (catch_all ...)` still traps.
    let out = Run::new(&exe).output();
    assert_exit(&out, 134);
    check(
        &out,
        out.stderr()
            .starts_with("wasm trap: integer divide by zero\n"),
        "the trap is reported, not caught",
    );
    // `throw_ref` of a null reference is a trap, not an exception.
    let out = Run::new(&exe).args(["x"]).output();
    assert_exit(&out, 134);
    check(
        &out,
        out.stderr()
            .starts_with("wasm trap: null exception reference\n"),
        "throw_ref null traps",
    );
}

/// The instructions of the function `wasm:NAME` in the `--emit asm` of `wat` at -O2,
/// without labels and assembler directives; jump targets read `.L` (their numbering
/// depends on the blocks LLVM created).
fn function_instructions(wat: &str, name: &str) -> Vec<String> {
    let out = aotc([
        tests_path(wat).as_os_str(),
        "--emit".as_ref(),
        "asm".as_ref(),
        "-o".as_ref(),
        "-".as_ref(),
    ]);
    assert_success(&out);
    let text = out.stdout();
    let header = format!("\"wasm:{name}\":");
    let body = text
        .split_once(&header)
        .unwrap_or_else(|| panic!("no function {name} in the assembly of {wat}"))
        .1;
    let body = body.split(".Lfunc_end").next().expect("function end");
    body.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('.') && !l.ends_with(':'))
        .map(|l| match l.find(".LBB") {
            Some(at) => format!("{}.L", &l[..at]),
            None => l.to_string(),
        })
        .collect()
}

/// Zero cost when nothing is thrown: a try block around the calls changes nothing on
/// the path that does not throw; its landing pad is extra code after the function's
/// own, reached only by the unwinder.
#[test]
fn try_blocks_cost_nothing_when_nothing_is_thrown() {
    let plain = function_instructions("exceptions/fib_plain.wat", "fib");
    let with_try = function_instructions("exceptions/fib_try.wat", "fib");
    assert!(
        with_try.len() > plain.len() && with_try[..plain.len()] == plain[..],
        "the try block's function must be the plain one plus its landing pad\nplain:\n{}\nwith try:\n{}",
        plain.join("\n"),
        with_try.join("\n")
    );
    for wat in ["exceptions/fib_plain.wat", "exceptions/fib_try.wat"] {
        let out = Run::new(build_ok(&tests_path(wat), &[])).output();
        assert_exit(&out, 39088169 & 127);
    }
}
