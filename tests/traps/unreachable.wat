;; Trap test: `unreachable`. Case N (selected by passing N extra arguments; _start
;; calls the N-th function of the dispatch table through call_indirect, so no case
;; can be inlined into _start) must trap with "unreachable" naming that function.
(module
  (import "wasi_snapshot_preview1" "args_sizes_get"
    (func $args_sizes_get (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (type $case (func))
  (table $cases funcref (elem $unreachable_direct $unreachable_after_work $unreachable_in_callee))
  (global $limit (mut i32) (i32.const 1000))

  (func $start (export "_start")
    (drop (call $args_sizes_get (i32.const 0) (i32.const 4)))
    (call_indirect (type $case) (i32.sub (i32.load (i32.const 0)) (i32.const 1))))

  (func $unreachable_direct
    unreachable)

  ;; Loops on a run-time bound, then reaches `unreachable` on the taken branch.
  (func $unreachable_after_work
    (local $i i32)
    (loop $l
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (global.get $limit))))
    (if (i32.eq (local.get $i) (global.get $limit))
      (then unreachable)))

  ;; The trap is in the callee: the callee is the function to name.
  (func $unreachable_in_callee
    (call $callee_that_traps (i32.const 1)))
  (func $callee_that_traps (param i32)
    (if (local.get 0) (then unreachable)))
)
