;; Trap tests: call_indirect. An index past the table => "undefined element"; a null
;; entry => "uninitialized element"; an entry of another type => "indirect call type
;; mismatch". The table under test, $t: [0] $add (i32 i32)->i32, [1] null,
;; [2] $neg (i64)->i64, [3] $two_results (i32 i32)->(i32 i32); table 0 dispatches
;; the cases (case N is selected by N extra arguments).
(module
  (import "wasi_snapshot_preview1" "args_sizes_get"
    (func $args_sizes_get (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (type $case (func))
  (type $binop (func (param i32 i32) (result i32)))
  (type $unop64 (func (param i64) (result i64)))
  (table $cases funcref (elem
    $call_past_end $call_far_past_end $call_null_entry
    $call_with_wrong_params $call_with_wrong_results $call_with_wrong_arity))
  (table $t 4 funcref)
  (elem (table $t) (i32.const 0) func $add)
  (elem (table $t) (i32.const 2) func $neg $two_results)
  (global $sink (mut i64) (i64.const 0))

  (func $start (export "_start")
    (drop (call $args_sizes_get (i32.const 0) (i32.const 4)))
    (call_indirect (type $case) (i32.sub (i32.load (i32.const 0)) (i32.const 1))))

  (func $add (type $binop) (i32.add (local.get 0) (local.get 1)))
  (func $neg (type $unop64) (i64.sub (i64.const 0) (local.get 0)))
  (func $two_results (param i32 i32) (result i32 i32) (local.get 1) (local.get 0))

  (func $call_past_end
    (global.set $sink (i64.extend_i32_s
      (call_indirect $t (type $binop) (i32.const 1) (i32.const 2) (i32.const 4)))))
  (func $call_far_past_end
    (global.set $sink (i64.extend_i32_s
      (call_indirect $t (type $binop) (i32.const 1) (i32.const 2) (i32.const -1)))))
  (func $call_null_entry
    (global.set $sink (i64.extend_i32_s
      (call_indirect $t (type $binop) (i32.const 1) (i32.const 2) (i32.const 1)))))
  ;; $neg is (i64)->i64, called as (i32 i32)->i32.
  (func $call_with_wrong_params
    (global.set $sink (i64.extend_i32_s
      (call_indirect $t (type $binop) (i32.const 1) (i32.const 2) (i32.const 2)))))
  ;; $add is (i32 i32)->i32, called as (i64)->i64.
  (func $call_with_wrong_results
    (global.set $sink (call_indirect $t (type $unop64) (i64.const 1) (i32.const 0))))
  ;; $two_results has the right params but two results.
  (func $call_with_wrong_arity
    (global.set $sink (i64.extend_i32_s
      (call_indirect $t (type $binop) (i32.const 1) (i32.const 2) (i32.const 3)))))
)
