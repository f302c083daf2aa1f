;; Imports from two providers, one of which imports from the other; its own start
;; function runs after theirs. `--invoke compute` prints 4*10 + 2*10.
(module
  (import "mid" "quad" (func $quad (param i64) (result i64)))
  (import "lib" "double" (func $double (param i64) (result i64)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 100) "main: start\n")
  (func $start
    (i32.store (i32.const 0) (i32.const 100))
    (i32.store (i32.const 4) (i32.const 12))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))
  (start $start)
  (func (export "compute") (result i64)
    (i64.add (call $quad (i64.const 10)) (call $double (i64.const 10))))
)
