;; duplicate_imports.wat: the same WASI functions imported twice under two wasm
;; names, as AssemblyScript emits them (tests/wasi_compat.rs, issue 11). Prints
;; "a\n" through $write_a and "b\n" through $write_b, then exits 3 through the
;; second proc_exit import (the first is called only if a write failed).
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $write_a (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit_a (param i32)))
  (import "wasi_snapshot_preview1" "fd_write"
    (func $write_b (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit_b (param i32)))
  (memory (export "memory") 1)
  ;; iovecs at 0 ("a\n" at 64) and 8 ("b\n" at 66); nwritten at 16.
  (data (i32.const 0) "\40\00\00\00\02\00\00\00\42\00\00\00\02\00\00\00")
  (data (i32.const 64) "a\nb\n")
  (func (export "_start")
    (if (call $write_a (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 16))
      (then (call $exit_a (i32.const 10))))
    (if (call $write_b (i32.const 1) (i32.const 8) (i32.const 1) (i32.const 16))
      (then (call $exit_a (i32.const 11))))
    (call $exit_b (i32.const 3))))
