;; Trap tests: integer division and remainder by zero ("integer divide by zero") and
;; signed division overflow ("integer overflow"). Case N is selected by N extra
;; arguments and called through call_indirect (never inlined into _start).
;; Operands come from linear memory (opaque to the optimiser) except in the
;; *_const cases, which check that constant folding keeps the trap.
(module
  (import "wasi_snapshot_preview1" "args_sizes_get"
    (func $args_sizes_get (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; 16: i32 0, 20: i32 INT_MIN, 24: i32 -1, 32: i64 0, 40: i64 INT64_MIN, 48: i64 -1,
  ;; 56: i32 7, 64: i64 7
  (data (i32.const 16) "\00\00\00\00" "\00\00\00\80" "\ff\ff\ff\ff" "\00\00\00\00")
  (data (i32.const 32) "\00\00\00\00\00\00\00\00" "\00\00\00\00\00\00\00\80"
                       "\ff\ff\ff\ff\ff\ff\ff\ff")
  (data (i32.const 56) "\07\00\00\00\00\00\00\00" "\07\00\00\00\00\00\00\00")
  (type $case (func))
  (table $cases funcref (elem
    $i32_div_s_by_zero $i32_div_u_by_zero $i32_rem_s_by_zero $i32_rem_u_by_zero
    $i64_div_s_by_zero $i64_div_u_by_zero $i64_rem_s_by_zero $i64_rem_u_by_zero
    $i32_div_u_by_zero_const $i64_rem_s_by_zero_const
    $i32_div_s_overflow $i64_div_s_overflow $i32_div_s_overflow_const
    $i64_div_s_overflow_const))
  (global $sink (mut i64) (i64.const 0))

  (func $start (export "_start")
    (drop (call $args_sizes_get (i32.const 0) (i32.const 4)))
    (call_indirect (type $case) (i32.sub (i32.load (i32.const 0)) (i32.const 1))))

  (func $i32_div_s_by_zero
    (global.set $sink (i64.extend_i32_s
      (i32.div_s (i32.load (i32.const 56)) (i32.load (i32.const 16))))))
  (func $i32_div_u_by_zero
    (global.set $sink (i64.extend_i32_s
      (i32.div_u (i32.load (i32.const 56)) (i32.load (i32.const 16))))))
  (func $i32_rem_s_by_zero
    (global.set $sink (i64.extend_i32_s
      (i32.rem_s (i32.load (i32.const 56)) (i32.load (i32.const 16))))))
  (func $i32_rem_u_by_zero
    (global.set $sink (i64.extend_i32_s
      (i32.rem_u (i32.load (i32.const 56)) (i32.load (i32.const 16))))))
  (func $i64_div_s_by_zero
    (global.set $sink (i64.div_s (i64.load (i32.const 64)) (i64.load (i32.const 32)))))
  (func $i64_div_u_by_zero
    (global.set $sink (i64.div_u (i64.load (i32.const 64)) (i64.load (i32.const 32)))))
  (func $i64_rem_s_by_zero
    (global.set $sink (i64.rem_s (i64.load (i32.const 64)) (i64.load (i32.const 32)))))
  (func $i64_rem_u_by_zero
    (global.set $sink (i64.rem_u (i64.load (i32.const 64)) (i64.load (i32.const 32)))))
  (func $i32_div_u_by_zero_const
    (global.set $sink (i64.extend_i32_u (i32.div_u (i32.const 1) (i32.const 0)))))
  (func $i64_rem_s_by_zero_const
    (global.set $sink (i64.rem_s (i64.const -5) (i64.const 0))))
  (func $i32_div_s_overflow
    (global.set $sink (i64.extend_i32_s
      (i32.div_s (i32.load (i32.const 20)) (i32.load (i32.const 24))))))
  (func $i64_div_s_overflow
    (global.set $sink (i64.div_s (i64.load (i32.const 40)) (i64.load (i32.const 48)))))
  (func $i32_div_s_overflow_const
    (global.set $sink (i64.extend_i32_s
      (i32.div_s (i32.const 0x80000000) (i32.const -1)))))
  (func $i64_div_s_overflow_const
    (global.set $sink (i64.div_s (i64.const 0x8000000000000000) (i64.const -1))))
)
