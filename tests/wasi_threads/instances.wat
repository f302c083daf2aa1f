;; Guest of tests/wasi_threads.rs: what a spawned thread's instance shares with the
;; main one and what it has of its own. Memory (shared) layout:
;;   0: instantiations (the start function counts them)   4: threads finished
;;   8: sum of what the threads saw ($g and the table)     12: sum of the thread ids
;;   32: a byte an active data segment sets at each instantiation
;; `_start` spawns three threads and exits 0 when everything is as the wasi-threads
;; model says (else a distinct status per check); with an argument, it spawns one
;; thread that recurses without end (its stack must trap, not crash).
(module
  (import "env" "memory" (memory 1 1 shared))
  (import "wasi" "thread-spawn" (func $spawn (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes (param i32 i32) (result i32)))
  (global $g (mut i32) (i32.const 5))
  (table 1 funcref)
  (elem (i32.const 0) $five)
  (data (i32.const 32) "A")
  (type $to_i32 (func (result i32)))
  (func $five (result i32) (i32.const 5))
  (start $count_instantiation)
  (func $count_instantiation
    (drop (i32.atomic.rmw.add (i32.const 0) (i32.const 1))))
  (func $recurse (param i32) (result i32)
    (i32.add (call $recurse (i32.add (local.get 0) (i32.const 1))) (i32.const 1)))
  (func (export "wasi_thread_start") (param $tid i32) (param $arg i32)
    (if (local.get $arg) (then (drop (call $recurse (i32.const 0)))))
    ;; A fresh instance: $g starts at 5 (main set its own to 7), the table is filled.
    (drop (i32.atomic.rmw.add (i32.const 8)
      (i32.add (global.get $g) (call_indirect (type $to_i32) (i32.const 0)))))
    (global.set $g (local.get $tid))
    (drop (i32.atomic.rmw.add (i32.const 12) (global.get $g)))
    (drop (i32.atomic.rmw.add (i32.const 4) (i32.const 1)))
    (drop (memory.atomic.notify (i32.const 4) (i32.const 1))))
  (func $check (param $ok i32) (param $status i32)
    (if (i32.eqz (local.get $ok)) (then (call $exit (local.get $status)))))
  (func (export "_start") (local $tids i32) (local $tid i32) (local $i i32) (local $done i32)
    (drop (call $args_sizes (i32.const 16) (i32.const 20)))
    (if (i32.gt_u (i32.load (i32.const 16)) (i32.const 1))
      (then
        (drop (call $spawn (i32.const 1)))
        (loop $forever
          (drop (memory.atomic.wait32 (i32.const 24) (i32.const 0) (i64.const -1)))
          (br $forever))))
    (global.set $g (i32.const 7))
    (i32.store8 (i32.const 32) (i32.const 66))
    (loop $spawning
      (local.set $tid (call $spawn (i32.const 0)))
      (call $check (i32.gt_s (local.get $tid) (i32.const 0)) (i32.const 10))
      (local.set $tids (i32.add (local.get $tids) (local.get $tid)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $spawning (i32.lt_u (local.get $i) (i32.const 3))))
    (block $all_done
      (loop $waiting
        (local.set $done (i32.atomic.load (i32.const 4)))
        (br_if $all_done (i32.eq (local.get $done) (i32.const 3)))
        (drop (memory.atomic.wait32 (i32.const 4) (local.get $done) (i64.const -1)))
        (br $waiting)))
    ;; Start function once per instance: main + 3 threads.
    (call $check (i32.eq (i32.atomic.load (i32.const 0)) (i32.const 4)) (i32.const 11))
    ;; Each thread saw $g = 5 and the table's 5.
    (call $check (i32.eq (i32.atomic.load (i32.const 8)) (i32.const 30)) (i32.const 12))
    ;; The ids the threads got are the ids thread-spawn returned.
    (call $check (i32.eq (i32.atomic.load (i32.const 12)) (local.get $tids)) (i32.const 13))
    ;; Main's $g is its own.
    (call $check (i32.eq (global.get $g) (i32.const 7)) (i32.const 14))
    ;; Each instantiation applied the active data segment again (as Wasmtime does).
    (call $check (i32.eq (i32.load8_u (i32.const 32)) (i32.const 65)) (i32.const 15))
    (call $exit (i32.const 0))))
