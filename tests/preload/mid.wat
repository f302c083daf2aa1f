;; The second chained provider: imports `lib.double`, exports `quad`.
(module
  (import "lib" "double" (func $double (param i64) (result i64)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 100) "mid: start\n")
  (func $start
    (i32.store (i32.const 0) (i32.const 100))
    (i32.store (i32.const 4) (i32.const 11))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))
  (start $start)
  (func (export "quad") (param i64) (result i64)
    (call $double (call $double (local.get 0))))
)
