;; The first of two chained providers: `mid.wat` imports from it.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 100) "lib: start\n")
  (func $start
    (i32.store (i32.const 0) (i32.const 100))
    (i32.store (i32.const 4) (i32.const 11))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))
  (start $start)
  (func (export "double") (param i64) (result i64)
    (i64.add (local.get 0) (local.get 0)))
)
