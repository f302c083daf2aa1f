;; A WASI command that also exports `_initialize` and a function: `--invoke hello`
;; must run `_initialize` and `hello`, never `_start`. Used by tests/reactor.rs.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 64) "start\n")
  (data (i32.const 80) "init\n")
  (data (i32.const 96) "invoked\n")
  (func $print (param $ptr i32) (param $len i32)
    (i32.store (i32.const 0) (local.get $ptr))
    (i32.store (i32.const 4) (local.get $len))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))
  (func $start (export "_start") (call $print (i32.const 64) (i32.const 6)))
  (func $init (export "_initialize") (call $print (i32.const 80) (i32.const 5)))
  (func $hello (export "hello") (result i32)
    (call $print (i32.const 96) (i32.const 8))
    (i32.const 5))
)
