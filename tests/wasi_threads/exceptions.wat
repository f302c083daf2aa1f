;; Guest of tests/wasi_threads.rs: wasm exceptions on spawned threads. The first
;; thread catches its own throw (42) and hands the value to `_start` through memory;
;; the second throws another tag without a handler, which ends the process like a trap.
(module
  (import "env" "memory" (memory 1 1 shared))
  (import "wasi" "thread-spawn" (func $spawn (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (tag $t (param i32))
  (tag $uncaught (param i32))
  (func $thrower (param i32) (throw $t (local.get 0)))
  (func $uncaught_thrower (param i32) (throw $uncaught (local.get 0)))
  (func (export "wasi_thread_start") (param i32 i32)
    (block $h (result i32)
      (try_table (catch $t $h) (call $thrower (i32.const 42)))
      (i32.const 0))
    (local.set 0) (drop (i32.atomic.rmw.add (i32.const 0) (local.get 0)))
    (if (local.get 1) (then (call $uncaught_thrower (i32.const 7))))
    (drop (memory.atomic.notify (i32.const 0) (i32.const 1))))
  (func (export "_start") (local $v i32)
    (drop (call $spawn (i32.const 0)))
    (loop $w
      (local.set $v (i32.atomic.load (i32.const 0)))
      (if (i32.eqz (local.get $v)) (then (drop (memory.atomic.wait32 (i32.const 0) (i32.const 0) (i64.const -1))) (br $w))))
    (if (i32.ne (local.get $v) (i32.const 42)) (then (call $exit (i32.const 3))))
    (drop (call $spawn (i32.const 1)))
    (loop $forever (drop (memory.atomic.wait32 (i32.const 4) (i32.const 0) (i64.const -1))) (br $forever))))
