//! Translator unit tests: modules covering every instruction category must produce
//! verified LLVM IR at every optimisation level and a loadable object.

use super::*;

fn opts(opt_level: u8, emit: Emit) -> CodegenOptions {
    CodegenOptions {
        opt_level,
        target_cpu: "x86-64-v2".to_string(),
        manifest: aotc_abi::manifest::Manifest::default().encode(),
        emit,
        embedding: Embedding::Command,
        strict_load_traps: false,
    }
}

fn compile_wat(src: &str, opt_level: u8, emit: Emit) -> Result<Vec<u8>> {
    let wasm = wat::parse_str(src).expect("test WAT parses");
    compile(&wasm, &opts(opt_level, emit))
}

const KITCHEN_SINK: &str = r#"
(module
  (type $bin (func (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory 1 10)
  (table 4 funcref)
  (global $g (mut i32) (i32.const 7))
  (global $c i64 (i64.const -1))
  (elem (i32.const 0) $add $sub)
  (elem $passive func $add)
  (data (i32.const 16) "hello")
  (data $pd "passive")
  (func $add (type $bin) (i32.add (local.get 0) (local.get 1)))
  (func $sub (type $bin) (i32.sub (local.get 0) (local.get 1)))
  (func $pair (param i32) (result i32 i64) (local.get 0) (i64.const 3))
  (func $math (param f64 f32 i64) (result f64)
    (f64.add (f64.min (local.get 0) (f64.const nan)) (f64.promote_f32 (f32.nearest (local.get 1))))
    (f64.convert_i64_u (i64.rotl (local.get 2) (i64.const 3)))
    f64.copysign
    (i32.trunc_f64_s (local.get 0)) drop
    (i64.trunc_sat_f64_u (local.get 0)) drop
    (i32.div_s (i32.const 1) (i32.const 0)) drop
    (i64.rem_s (local.get 2) (i64.const -1)) drop
    (i32.extend8_s (i32.const 255)) drop)
  (func $ctl (param i32) (result i32)
    (local $acc i32)
    (block $out (result i32)
      (loop $l
        (local.set $acc (i32.add (local.get $acc) (i32.const 1)))
        (br_if $l (i32.lt_u (local.get $acc) (local.get 0)))
        (br_table 1 1 1 (local.get $acc) (local.get 0)) (i32.const 9) drop)
      (i32.const 5))
    drop
    (if (result i32) (local.get 0) (then (i32.const 1)) (else (unreachable))))
  (func $mem (param i32)
    (i32.store offset=4 (local.get 0) (i32.load8_s (local.get 0)))
    (i64.store32 (local.get 0) (i64.load (i32.const 8)))
    (drop (memory.grow (i32.const 1)))
    (drop (memory.size))
    (memory.fill (i32.const 0) (i32.const 1) (i32.const 8))
    (memory.copy (i32.const 0) (i32.const 8) (i32.const 8))
    (memory.init $pd (i32.const 0) (i32.const 0) (i32.const 3))
    (data.drop $pd))
  (func $tab (result i32)
    (table.set (i32.const 2) (ref.func $add))
    (drop (table.grow (ref.null func) (i32.const 2)))
    (table.fill (i32.const 0) (ref.null func) (i32.const 1))
    (table.copy (i32.const 0) (i32.const 1) (i32.const 1))
    (table.init $passive (i32.const 0) (i32.const 0) (i32.const 1))
    (elem.drop $passive)
    (drop (ref.is_null (table.get (i32.const 1))))
    (call_indirect (type $bin) (i32.const 1) (i32.const 2) (i32.const 0)))
  (func (export "_start")
    (global.set $g (i32.add (global.get $g) (call $tab)))
    (call $pair (i32.const 1)) drop drop
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 0)))
    (call $proc_exit (global.get $g)))
)
"#;

#[test]
fn kitchen_sink_translates_at_every_level() {
    for level in 0..=3 {
        let ir = compile_wat(KITCHEN_SINK, level, Emit::LlvmIr).unwrap();
        let ir = String::from_utf8(ir).unwrap();
        assert!(ir.contains("define void @aotc_run_start"), "level {level}");
    }
    let obj = compile_wat(KITCHEN_SINK, 2, Emit::Object).unwrap();
    assert_eq!(&obj[..4], b"\x7fELF");
}

#[test]
fn unknown_imports_are_listed() {
    let err = compile_wat(
        r#"(module (import "env" "a" (func)) (import "env" "m" (memory 1))
             (import "wasi_snapshot_preview1" "nope" (func)) (func (export "_start")))"#,
        0,
        Emit::LlvmIr,
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("env.a (function)"), "{err}");
    assert!(err.contains("env.m (memory)"), "{err}");
    assert!(err.contains("wasi_snapshot_preview1.nope"), "{err}");
}

#[test]
fn invalid_bodies_name_function_and_offset() {
    let wasm =
        wat::parse_str(r#"(module (func $f) (func $bad (result i32) (i64.const 1)))"#).unwrap();
    let err = compile(&wasm, &opts(0, Emit::LlvmIr))
        .unwrap_err()
        .to_string();
    assert!(err.contains("in function 1 `bad`"), "{err}");
    assert!(err.contains("byte offset 0x"), "{err}");
}

#[test]
fn wasm_names_cannot_capture_libcalls() {
    // LLVM lowers memory.copy to a call to `memcpy`; a wasm function of that name
    // must not receive it (it did once, corrupting every C program's start-up).
    let ir = compile_wat(
        r#"(module (memory 1)
             (func $memcpy (param i32 i32 i32) (result i32) (local.get 0))
             (func (export "_start")
               (memory.copy (i32.const 0) (i32.const 8) (i32.const 64))
               (drop (call $memcpy (i32.const 0) (i32.const 0) (i32.const 0)))))"#,
        2,
        Emit::LlvmIr,
    )
    .unwrap();
    let ir = String::from_utf8(ir).unwrap();
    assert!(ir.contains("@\"wasm:memcpy\""), "{ir}");
    assert!(!ir.contains("define internal i32 @memcpy"), "{ir}");
}
