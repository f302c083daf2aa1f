;; Imports functions from `host` (host.wat): prints through the host (its own
;; memory), then its own line with the host's sum. `crash` traps inside the host.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "host" "add" (func $add (param i32 i32) (result i32)))
  (import "host" "greet" (func $greet))
  (import "host" "divide" (func $divide (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 100) "main: 3 + 4 = ?\n")
  (func (export "_start")
    (call $greet)
    (i32.store8 (i32.const 114) (i32.add (i32.const 48) (call $add (i32.const 3) (i32.const 4))))
    (i32.store (i32.const 0) (i32.const 100))
    (i32.store (i32.const 4) (i32.const 16))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))
  (func (export "crash") (result i32) (call $divide (i32.const 1) (i32.const 0)))
)
