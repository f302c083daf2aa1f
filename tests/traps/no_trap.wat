;; Edge cases that must NOT trap, each printed as "N=value" (value a signed decimal
;; i64) on stdout, in order; tests/traps.rs holds the expected values. Operands come
;; from linear memory (stored at run time, opaque to the optimiser) unless a case
;; says "const": both the folded and the executed path must follow the spec.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1 3)
  (data $seg "wxyz")
  (table $tab 1 2 funcref)
  (global $case (mut i32) (i32.const 0))

  ;; Output buffer at 1024; iovec at 0; nwritten at 8.
  (func $put_byte (param $pos i32) (param $b i32) (result i32)
    (i32.store8 (local.get $pos) (local.get $b))
    (i32.add (local.get $pos) (i32.const 1)))

  ;; Writes unsigned decimal digits of $v at $pos, returns the new position.
  (func $put_u64 (param $pos i32) (param $v i64) (result i32)
    (local $start i32) (local $end i32) (local $t i32)
    (local.set $start (local.get $pos))
    (loop $digits
      (local.set $pos (call $put_byte (local.get $pos)
        (i32.add (i32.const 48) (i32.wrap_i64 (i64.rem_u (local.get $v) (i64.const 10))))))
      (local.set $v (i64.div_u (local.get $v) (i64.const 10)))
      (br_if $digits (i64.ne (local.get $v) (i64.const 0))))
    ;; reverse [start, pos)
    (local.set $end (i32.sub (local.get $pos) (i32.const 1)))
    (block $done
      (loop $rev
        (br_if $done (i32.ge_u (local.get $start) (local.get $end)))
        (local.set $t (i32.load8_u (local.get $start)))
        (i32.store8 (local.get $start) (i32.load8_u (local.get $end)))
        (i32.store8 (local.get $end) (local.get $t))
        (local.set $start (i32.add (local.get $start) (i32.const 1)))
        (local.set $end (i32.sub (local.get $end) (i32.const 1)))
        (br $rev)))
    (local.get $pos))

  ;; Prints "<case>=<v>\n" and advances the case number.
  (func $out (param $v i64)
    (local $pos i32)
    (local.set $pos (call $put_u64 (i32.const 1024) (i64.extend_i32_u (global.get $case))))
    (local.set $pos (call $put_byte (local.get $pos) (i32.const 61)))
    (if (i64.lt_s (local.get $v) (i64.const 0))
      (then
        (local.set $pos (call $put_byte (local.get $pos) (i32.const 45)))
        ;; 0 - v as unsigned also handles INT64_MIN.
        (local.set $pos (call $put_u64 (local.get $pos) (i64.sub (i64.const 0) (local.get $v)))))
      (else
        (local.set $pos (call $put_u64 (local.get $pos) (local.get $v)))))
    (local.set $pos (call $put_byte (local.get $pos) (i32.const 10)))
    (i32.store (i32.const 0) (i32.const 1024))
    (i32.store (i32.const 4) (i32.sub (local.get $pos) (i32.const 1024)))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    (global.set $case (i32.add (global.get $case) (i32.const 1))))

  (func $out32 (param i32) (call $out (i64.extend_i32_s (local.get 0))))
  (func $out32u (param i32) (call $out (i64.extend_i32_u (local.get 0))))

  ;; Bounded recursion: returns its depth. 5000 frames must fit.
  (func $depth (param $n i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n))
      (then (i32.const 0))
      (else (i32.add (i32.const 1) (call $depth (i32.sub (local.get $n) (i32.const 1)))))))

  (func $no_trap (export "_start")
    ;; Operands, stored at run time: 64 i32 INT_MIN, 68 i32 -1, 72 i64 INT64_MIN,
    ;; 80 i64 -1, 88 i32 33, 92 i32 0x80000001, 96 f32 nan, 100 f32 inf,
    ;; 104 f64 -inf, 112 f64 -1.5, 120 f64 1e10, 128 f64 1e19, 136 f64 -2147483648.9,
    ;; 144 f64 2147483647.9, 152 f64 -0.9, 160 f64 4294967295.9, 168 f32 1e20,
    ;; 176 f64 nan, 184 f32 0.0
    (i32.store (i32.const 64) (i32.const 0x80000000))
    (i32.store (i32.const 68) (i32.const -1))
    (i64.store (i32.const 72) (i64.const 0x8000000000000000))
    (i64.store (i32.const 80) (i64.const -1))
    (i32.store (i32.const 88) (i32.const 33))
    (i32.store (i32.const 92) (i32.const 0x80000001))
    (f32.store (i32.const 96) (f32.const nan))
    (f32.store (i32.const 100) (f32.const inf))
    (f64.store (i32.const 104) (f64.const -inf))
    (f64.store (i32.const 112) (f64.const -1.5))
    (f64.store (i32.const 120) (f64.const 1e10))
    (f64.store (i32.const 128) (f64.const 1e19))
    (f64.store (i32.const 136) (f64.const -2147483648.9))
    (f64.store (i32.const 144) (f64.const 2147483647.9))
    (f64.store (i32.const 152) (f64.const -0.9))
    (f64.store (i32.const 160) (f64.const 4294967295.9))
    (f32.store (i32.const 168) (f32.const 1e20))
    (f64.store (i32.const 176) (f64.const nan))
    (f32.store (i32.const 184) (f32.const 0.0))

    ;; 0-3: remainder of INT_MIN by -1 is 0 (no overflow trap), loaded and const.
    (call $out32 (i32.rem_s (i32.load (i32.const 64)) (i32.load (i32.const 68))))
    (call $out32 (i32.rem_s (i32.const 0x80000000) (i32.const -1)))
    (call $out (i64.rem_s (i64.load (i32.const 72)) (i64.load (i32.const 80))))
    (call $out (i64.rem_s (i64.const 0x8000000000000000) (i64.const -1)))
    ;; 4-7: signs of division and remainder.
    (call $out32 (i32.rem_s (i32.const -7) (i32.load (i32.const 88))))      ;; -7 % 33
    (call $out32 (i32.div_s (i32.const -70) (i32.load (i32.const 88))))     ;; -70 / 33
    (call $out32u (i32.rem_u (i32.const -7) (i32.load (i32.const 88))))     ;; 4294967289 % 33
    (call $out32u (i32.div_u (i32.load (i32.const 68)) (i32.load (i32.const 68)))) ;; 1
    ;; 8-14: shift counts are taken modulo the width.
    (call $out32 (i32.shl (i32.const 1) (i32.load (i32.const 88))))         ;; by 33 => 2
    (call $out32 (i32.shl (i32.const 1) (i32.const 33)))                    ;; const
    (call $out32u (i32.shr_u (i32.load (i32.const 64)) (i32.const 63)))     ;; by 31 => 1
    (call $out32 (i32.shr_s (i32.load (i32.const 64)) (i32.const 32)))      ;; by 0
    (call $out (i64.shl (i64.const 1) (i64.extend_i32_u (i32.add (i32.load (i32.const 88)) (i32.const 32))))) ;; by 65 => 2
    (call $out (i64.shr_s (i64.load (i32.const 72)) (i64.const 127)))       ;; by 63 => -1
    (call $out32u (i32.rotl (i32.load (i32.const 92)) (i32.load (i32.const 88)))) ;; => 3
    ;; 15-23: saturating truncation never traps.
    (call $out32 (i32.trunc_sat_f32_s (f32.load (i32.const 96))))           ;; NaN => 0
    (call $out32 (i32.trunc_sat_f32_s (f32.load (i32.const 100))))          ;; +inf
    (call $out32 (i32.trunc_sat_f64_s (f64.load (i32.const 104))))          ;; -inf
    (call $out32u (i32.trunc_sat_f64_u (f64.load (i32.const 112))))         ;; -1.5 => 0
    (call $out32u (i32.trunc_sat_f64_u (f64.load (i32.const 120))))         ;; 1e10 => max
    (call $out (i64.trunc_sat_f64_s (f64.load (i32.const 128))))            ;; 1e19 => max
    (call $out (i64.trunc_sat_f64_s (f64.neg (f64.load (i32.const 128)))))  ;; -1e19 => min
    (call $out (i64.trunc_sat_f64_u (f64.load (i32.const 176))))            ;; NaN => 0
    (call $out (i64.trunc_sat_f32_u (f32.load (i32.const 168))))            ;; 1e20 => u64 max = -1
    ;; 24-28: trapping truncation at the edges of the range: still in range.
    (call $out32 (i32.trunc_f64_s (f64.load (i32.const 136))))              ;; -2147483648.9
    (call $out32 (i32.trunc_f64_s (f64.load (i32.const 144))))              ;; 2147483647.9
    (call $out32u (i32.trunc_f64_u (f64.load (i32.const 152))))             ;; -0.9 => 0
    (call $out32u (i32.trunc_f64_u (f64.load (i32.const 160))))             ;; 4294967295.9
    (call $out (i64.trunc_f64_s (f64.const -9223372036854775808.0)))
    ;; 29-37: memory.grow past the maximum returns -1 and changes nothing; a
    ;; successful grow returns the old size; new pages are zero and usable.
    (call $out32 (memory.grow (i32.const 3)))                               ;; 1+3 > 3 => -1
    (call $out32 (memory.size))                                             ;; 1
    (call $out32 (memory.grow (i32.const 2)))                               ;; old size 1
    (call $out32 (memory.size))                                             ;; 3
    (call $out32 (i32.load (i32.const 131072)))                             ;; new page: 0
    (i32.store (i32.const 196604) (i32.const 0x12345678))
    (call $out32 (i32.load (i32.const 196604)))                             ;; last word
    (call $out32 (memory.grow (i32.const 0)))                               ;; 3
    (call $out32 (memory.grow (i32.const 1)))                               ;; at max => -1
    (call $out32 (memory.grow (i32.const -1)))                              ;; huge => -1
    ;; 38-40: zero-length bulk operations exactly at the end are fine.
    (memory.fill (i32.const 196608) (i32.const 0) (i32.const 0))
    (call $out32 (i32.const 1))
    (memory.copy (i32.const 196608) (i32.const 196608) (i32.const 0))
    (call $out32 (i32.const 1))
    (memory.init $seg (i32.const 196608) (i32.const 4) (i32.const 0))
    (call $out32 (i32.const 1))
    ;; 41-43: table.grow past the maximum returns -1; within it, the old size.
    (call $out32 (table.grow $tab (ref.null func) (i32.const 2)))           ;; 1+2 > 2 => -1
    (call $out32 (table.grow $tab (ref.null func) (i32.const 1)))           ;; old size 1
    (call $out32 (table.size $tab))                                         ;; 2
    ;; 44-49: float edge cases (no fast-math): min(-0, 0) is -0, max(-0, 0) is 0;
    ;; max with NaN is NaN;
    ;; nearest rounds half to even; copysign.
    (call $out32 (i32.reinterpret_f32 (f32.min (f32.const -0.0) (f32.const 0.0))))
    (call $out32 (i32.reinterpret_f32 (f32.max (f32.const -0.0) (f32.load (i32.const 184)))))
    (call $out32 (f64.ne (f64.max (f64.load (i32.const 176)) (f64.const 1.0))
                         (f64.max (f64.load (i32.const 176)) (f64.const 1.0))))
    (call $out (i64.trunc_f64_s (f64.nearest (f64.const 2.5))))
    (call $out (i64.reinterpret_f64 (f64.nearest (f64.const -0.5))))
    (call $out32 (i32.trunc_f32_s (f32.copysign (f32.const 1.0) (f32.const -0.0))))
    ;; 50-52: conversions that wrap or extend.
    (call $out32 (i32.wrap_i64 (i64.const 0x100000005)))
    (call $out32 (i32.extend8_s (i32.const 0x80)))
    (call $out (i64.extend_i32_u (i32.load (i32.const 68))))
    ;; 53: 5000 nested calls are not a stack overflow.
    (call $out32 (call $depth (i32.const 5000)))
  )
)
