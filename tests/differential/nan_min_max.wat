;; Regression: min/max of a signalling NaN must return a quiet (arithmetic) NaN;
;; the memory store keeps the exact bits so the memory comparison sees them.
(module
  (memory (export "memory") 1)
  (func (export "min") (result i32)
    (f32.store (i32.const 0) (f32.min (f32.const nan:0x200000) (f32.const 1)))
    (i32.and (i32.load (i32.const 0)) (i32.const 0x7fc00000)))
  (func (export "max") (result i64)
    (f64.store (i32.const 8) (f64.max (f64.const 2) (f64.const -nan:0x4000000000000)))
    (i64.and (i64.load (i32.const 8)) (i64.const 0x7ff8000000000000)))
  (func (export "sub_zero") (param f32) (result i32)
    (i32.and (i32.reinterpret_f32 (f32.sub (f32.reinterpret_i32 (i32.const 0x7fa00000)) (f32.const 0)))
             (i32.const 0x7fc00000))))
