;; Exceptions thrown through several frames and caught by every kind of handler, in
;; both the WebAssembly 3.0 form (try_table) and the legacy one (try/catch/delegate).
;; Exit status 0 when every check holds, else the number of the first failing check.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (tag $values (param i32 i64 f32 f64 v128))
  (tag $code (param i32))
  (tag $empty)

  ;; Throws $code(n) after `depth` more frames.
  (func $throw_code (param $depth i32) (param $n i32)
    (if (i32.eqz (local.get $depth))
      (then (throw $code (local.get $n))))
    (call $throw_code (i32.sub (local.get $depth) (i32.const 1)) (local.get $n)))

  (func $throw_values (param $depth i32)
    (if (i32.eqz (local.get $depth))
      (then (throw $values (i32.const -7) (i64.const 0x123456789) (f32.const 1.5)
                           (f64.const -2.25) (v128.const i32x4 1 2 3 4))))
    (call $throw_values (i32.sub (local.get $depth) (i32.const 1))))

  (func $fail (param $check i32) (call $exit (local.get $check)))

  ;; 1: catch with a payload of every value type, 6 frames down.
  (func $check_values
    (local $v128 v128) (local $f64 f64) (local $f32 f32) (local $i64 i64) (local $i32 i32)
    (block $caught (result i32 i64 f32 f64 v128)
      (try_table (catch $values $caught)
        (call $throw_values (i32.const 6)))
      (return (call $fail (i32.const 1))))
    (local.set $v128) (local.set $f64) (local.set $f32) (local.set $i64) (local.set $i32)
    (if (i32.ne (local.get $i32) (i32.const -7)) (then (call $fail (i32.const 2))))
    (if (i64.ne (local.get $i64) (i64.const 0x123456789)) (then (call $fail (i32.const 3))))
    (if (f32.ne (local.get $f32) (f32.const 1.5)) (then (call $fail (i32.const 4))))
    (if (f64.ne (local.get $f64) (f64.const -2.25)) (then (call $fail (i32.const 5))))
    (if (i32.ne (i32x4.extract_lane 3 (local.get $v128)) (i32.const 4))
      (then (call $fail (i32.const 6)))))

  ;; A clause for another tag is skipped; the inner try_table does not catch $code,
  ;; the outer one does.
  (func $nested (result i32)
    (block $outer (result i32)
      (try_table (catch $code $outer)
        (block $inner
          (try_table (catch $empty $inner)
            (call $throw_code (i32.const 3) (i32.const 99))))
        (call $fail (i32.const 7)))
      (i32.const -1)))

  ;; catch_ref then throw_ref: the same exception, caught again further out.
  (func $rethrow_ref (result i32)
    (block $outer (result i32)
      (try_table (catch $code $outer)
        (block $inner (result i32 exnref)
          (try_table (catch_ref $code $inner)
            (call $throw_code (i32.const 2) (i32.const 55)))
          (return (i32.const -1)))
        (throw_ref)
      )
      (i32.const -2)))

  ;; catch_all and catch_all_ref.
  (func $all (result i32)
    (block $a
      (try_table (catch_all $a) (call $throw_code (i32.const 1) (i32.const 1))))
    (block $b (result exnref)
      (try_table (catch_all_ref $b) (throw $empty))
      (return (i32.const -1)))
    (drop)
    (i32.const 12))

  ;; Legacy: try/catch with payload, catch_all, rethrow, delegate.
  (func $legacy (result i32)
    (local $sum i32)
    try
      (call $throw_code (i32.const 4) (i32.const 10))
    catch $empty
      (call $fail (i32.const 20))
    catch $code
      (local.set $sum)
    end
    try
      try
        (throw $empty)
      catch_all
        (local.set $sum (i32.add (local.get $sum) (i32.const 100)))
        (rethrow 0)
      end
    catch $empty
      (local.set $sum (i32.add (local.get $sum) (i32.const 1000)))
    end
    try
      try
        (call $throw_code (i32.const 0) (i32.const 5))
      delegate 0
      (call $fail (i32.const 21))
    catch $code
      (local.set $sum (i32.add (local.get $sum)))
    end
    (local.get $sum))

  (func (export "_start")
    (call $check_values)
    (if (i32.ne (call $nested) (i32.const 99)) (then (call $fail (i32.const 8))))
    (if (i32.ne (call $rethrow_ref) (i32.const 55)) (then (call $fail (i32.const 9))))
    (if (i32.ne (call $all) (i32.const 12)) (then (call $fail (i32.const 10))))
    (if (i32.ne (call $legacy) (i32.const 1115)) (then (call $fail (i32.const 11))))
    (call $exit (i32.const 0)))
)
