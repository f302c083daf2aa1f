;; Trap tests: float-to-integer truncation. NaN => "invalid conversion to integer";
;; a value outside the target range => "integer overflow". Case N is selected by N
;; extra arguments and called through call_indirect. Operands are loaded from linear
;; memory (opaque to the optimiser) except in the *_const cases.
(module
  (import "wasi_snapshot_preview1" "args_sizes_get"
    (func $args_sizes_get (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (type $case (func))
  (table $cases funcref (elem
    $i32_trunc_f32_s_nan $i32_trunc_f64_u_nan $i64_trunc_f64_s_nan $i64_trunc_f32_u_nan
    $i32_trunc_f32_s_nan_const
    $i32_trunc_f64_s_too_big $i32_trunc_f64_s_too_small $i32_trunc_f32_u_negative
    $i32_trunc_f64_u_too_big $i64_trunc_f64_s_too_big $i64_trunc_f64_u_too_big
    $i64_trunc_f32_s_infinity $i32_trunc_f64_s_too_big_const))
  (global $sink (mut i64) (i64.const 0))

  (func $start (export "_start")
    (drop (call $args_sizes_get (i32.const 0) (i32.const 4)))
    ;; Operands, stored at run time so the optimiser cannot see them.
    (f32.store (i32.const 64) (f32.const nan))
    (f64.store (i32.const 72) (f64.const nan))
    (f64.store (i32.const 80) (f64.const 2147483648.0))
    (f64.store (i32.const 88) (f64.const -2147483649.0))
    (f32.store (i32.const 96) (f32.const -1.0))
    (f64.store (i32.const 104) (f64.const 4294967296.0))
    (f64.store (i32.const 112) (f64.const 9223372036854775808.0))
    (f64.store (i32.const 120) (f64.const 18446744073709551616.0))
    (f32.store (i32.const 128) (f32.const inf))
    (call_indirect (type $case) (i32.sub (i32.load (i32.const 0)) (i32.const 1))))

  (func $i32_trunc_f32_s_nan
    (global.set $sink (i64.extend_i32_s (i32.trunc_f32_s (f32.load (i32.const 64))))))
  (func $i32_trunc_f64_u_nan
    (global.set $sink (i64.extend_i32_s (i32.trunc_f64_u (f64.load (i32.const 72))))))
  (func $i64_trunc_f64_s_nan
    (global.set $sink (i64.trunc_f64_s (f64.load (i32.const 72)))))
  (func $i64_trunc_f32_u_nan
    (global.set $sink (i64.trunc_f32_u (f32.load (i32.const 64)))))
  (func $i32_trunc_f32_s_nan_const
    (global.set $sink (i64.extend_i32_s (i32.trunc_f32_s (f32.const nan)))))
  (func $i32_trunc_f64_s_too_big
    (global.set $sink (i64.extend_i32_s (i32.trunc_f64_s (f64.load (i32.const 80))))))
  (func $i32_trunc_f64_s_too_small
    (global.set $sink (i64.extend_i32_s (i32.trunc_f64_s (f64.load (i32.const 88))))))
  (func $i32_trunc_f32_u_negative
    (global.set $sink (i64.extend_i32_s (i32.trunc_f32_u (f32.load (i32.const 96))))))
  (func $i32_trunc_f64_u_too_big
    (global.set $sink (i64.extend_i32_s (i32.trunc_f64_u (f64.load (i32.const 104))))))
  (func $i64_trunc_f64_s_too_big
    (global.set $sink (i64.trunc_f64_s (f64.load (i32.const 112)))))
  (func $i64_trunc_f64_u_too_big
    (global.set $sink (i64.trunc_f64_u (f64.load (i32.const 120)))))
  (func $i64_trunc_f32_s_infinity
    (global.set $sink (i64.trunc_f32_s (f32.load (i32.const 128)))))
  (func $i32_trunc_f64_s_too_big_const
    (global.set $sink (i64.extend_i32_s (i32.trunc_f64_s (f64.const 2147483648.0)))))
)
