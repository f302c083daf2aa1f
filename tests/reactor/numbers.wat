;; A reactor (exports `_initialize`, no `_start`) for `aotc --invoke`: every numeric
;; parameter and result type, multiple results, side effects of `_initialize`, a trap
;; and a proc_exit inside the invoked function; `bump` changes the instance's state, so
;; several --invoke in one run show they share it. Used by tests/reactor.rs.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (global $base (mut i32) (i32.const 0))
  (global (export "answer") i32 (i32.const 42))
  (data (i32.const 64) "init\n")
  (data (i32.const 80) "nothing\n")
  (data (i32.const 96) "bye\n")

  (func $print (param $ptr i32) (param $len i32)
    (i32.store (i32.const 0) (local.get $ptr))
    (i32.store (i32.const 4) (local.get $len))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))

  ;; Visible to `add`: it adds the base set here.
  (func $init (export "_initialize")
    (call $print (i32.const 64) (i32.const 5))
    (global.set $base (i32.const 1000)))

  (func $echo (export "echo") (param i32 i64 f32 f64 v128) (result i32 i64 f32 f64 v128)
    local.get 0 local.get 1 local.get 2 local.get 3 local.get 4)

  ;; (i64(a) * b, f64(c) + d): the arguments are used as numbers, not only copied.
  (func $mix (export "mix") (param $a i32) (param $b i64) (param $c f32) (param $d f64) (result i64 f64)
    (i64.mul (i64.extend_i32_s (local.get $a)) (local.get $b))
    (f64.add (f64.promote_f32 (local.get $c)) (local.get $d)))

  (func $add (export "add") (param i32 i32) (result i32)
    (i32.add (global.get $base) (i32.add (local.get 0) (local.get 1))))

  ;; Adds one to the base `add` adds and returns it.
  (func $bump (export "bump") (result i32)
    (global.set $base (i32.add (global.get $base) (i32.const 1)))
    (global.get $base))

  (func $nothing (export "nothing")
    (call $print (i32.const 80) (i32.const 8)))

  (func $div (export "div") (param i32 i32) (result i32)
    (i32.div_s (local.get 0) (local.get 1)))

  (func $exit_with (export "exit_with") (param i32)
    (call $print (i32.const 96) (i32.const 4))
    (call $proc_exit (local.get 0)))

  (func $takes_ref (export "takes_ref") (param externref) (result i32)
    (i32.const 0))

  (func $lanes (export "lanes") (param i32 i32 i32 i32) (result v128)
    (i32x4.replace_lane 3
      (i32x4.replace_lane 2
        (i32x4.replace_lane 1
          (i32x4.splat (local.get 0)) (local.get 1)) (local.get 2)) (local.get 3)))
)
