//! Typed function references in executables (`tests/function_references/steps.wat`):
//! 10 million guaranteed tail calls through `return_call_ref` (via a table of
//! `(ref $t)` with an initialiser and an immutable `(ref $t)` global) run in constant
//! stack, as an executable and through `aotc run` (the JIT), and `call_ref` through
//! a `br_on_null`-guarded nullable reference gives the right values, printed with
//! fd_write. The same loop with ordinary `call_ref` must exhaust the stack (so the
//! first test can fail); `call_ref` and `ref.as_non_null` of null trap with the spec's
//! messages, exit 134, naming the function. In the JIT, a reference from a module
//! with another calling convention for its type is called with the callee's (without
//! that, the last test crashes). The upstream proposal tests run in `spec.rs`
//! (`function-references`).

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
fn a_split_build_behaves_the_same() {
    // Partitions share function records (the table initialiser's among them).
    let exe = build_ok(&steps(), &["--partitions", "3", "-j2"]);
    let out = Run::new(&exe).output();
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
    check(
        out,
        out.stdout.is_empty(),
        "nothing printed before the trap",
    );
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

/// Exports of `wat` by name, loaded in the JIT with `imports`.
fn jit_load(
    wat: &str,
    imports: &[(aotc::jit::ImportAddr, Option<aotc::translate::ConstVal>)],
) -> (aotc::jit::Instance, Vec<String>) {
    let wasm = wat::parse_str(wat).expect("valid module");
    let info = aotc::translate::module_info::read_module(&wasm).expect("aotc validates it");
    let names = info.exports.iter().map(|e| e.name.clone()).collect();
    let instance = aotc::jit::load(&wasm, imports, 2)
        .expect("compiles")
        .expect("instantiates");
    (instance, names)
}

/// Calls export `name` (one i64 parameter, one i64 result) of a JIT instance.
fn jit_call_i64(instance: &aotc::jit::Instance, names: &[String], name: &str, arg: i64) -> i64 {
    let k = names.iter().position(|n| n == name).expect("export exists");
    let mut slots = [0u8; 16];
    slots[..8].copy_from_slice(&arg.to_le_bytes());
    let call = instance.calls[k].expect("a function export");
    aotc::jit::call(call, slots.as_mut_ptr()).expect("no trap");
    i64::from_le_bytes(slots[..8].try_into().unwrap())
}

/// Modules linked in one process (the JIT) may disagree on a type's calling
/// convention: $t takes part in tail calls in the caller but not in the exporter of
/// the reference. `call_ref` and `return_call_ref` must follow the callee's.
#[test]
fn references_across_modules_with_different_conventions() {
    let exporter = r#"(module
      (type $t (func (param i64) (result i64)))
      (func $add1 (type $t) (i64.add (local.get 0) (i64.const 1)))
      (global (export "add1") (ref $t) (ref.func $add1)))"#;
    let (a, a_names) = jit_load(exporter, &[]);
    let storage = a.exports[a_names.iter().position(|n| n == "add1").unwrap()];
    // SAFETY: a global export is the address of its storage, which holds a reference.
    let value = unsafe { *(storage as *const usize) };
    let caller = r#"(module
      (type $t (func (param i64) (result i64)))
      (import "a" "add1" (global $add1 (ref $t)))
      (elem declare func $double_then_add1)
      (func $double_then_add1 (type $t)
        (return_call_ref $t (i64.mul (local.get 0) (i64.const 2)) (global.get $add1)))
      (func (export "tail") (param i64) (result i64)
        (return_call_ref $t (local.get 0) (global.get $add1)))
      (func (export "plain") (param i64) (result i64)
        (call_ref $t (local.get 0) (global.get $add1)))
      (func (export "own") (param i64) (result i64)
        (call_ref $t (local.get 0) (ref.func $double_then_add1))))"#;
    let imports = [(
        aotc::jit::ImportAddr::Storage(storage),
        Some(aotc::translate::ConstVal::Ref(value)),
    )];
    let (b, b_names) = jit_load(caller, &imports);
    assert_eq!(jit_call_i64(&b, &b_names, "plain", 41), 42);
    assert_eq!(jit_call_i64(&b, &b_names, "tail", 99), 100);
    assert_eq!(jit_call_i64(&b, &b_names, "own", 20), 41);
}
