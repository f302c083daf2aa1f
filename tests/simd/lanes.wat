;; SIMD lanes and memory: v128.const, shuffle, swizzle, splat, extract/replace lane,
;; every load and store form at unaligned addresses, and v128 values in globals,
;; locals, select, loops, blocks, multi-value and indirect calls. Expected output:
;; lanes.out, produced by an independent engine (see tests/simd.rs).
(module
  ;; ---- Output helpers, the same in every tests/simd/*.wat ----
  ;; Each check prints one line "tttt: lane lane …" (tag in hex, lane 0 first).
  ;; Float lanes print their bits, except a NaN prints as "nan" (quiet bit set) or
  ;; "snan" (clear), whatever its sign and payload: the spec leaves those open for
  ;; computed NaNs. Operands go through $x/$xi, an indirect call the optimiser
  ;; cannot see through, so the operations run as compiled code; tests/simd.rs
  ;; also builds each file with $x/$xi replaced by plain identities, so that LLVM
  ;; folds the same operations as constants.
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (type $vv (func (param v128) (result v128)))
  (type $ii (func (param i32) (result i32)))
  (table $ids 2 funcref)
  (elem (table $ids) (i32.const 0) func $id_v $id_i)
  (func $id_v (param v128) (result v128) (local.get 0))
  (func $id_i (param i32) (result i32) (local.get 0))
  (func $x (param v128) (result v128) (call_indirect $ids (type $vv) (local.get 0) (i32.const 0)))
  (func $xi (param i32) (result i32) (call_indirect $ids (type $ii) (local.get 0) (i32.const 1)))

  ;; memory: iovec at 0, nwritten at 8, scratch v128 at 16, line buffer at 64.
  (global $pos (mut i32) (i32.const 64))
  (func $ch (param $c i32)
    (i32.store8 (global.get $pos) (local.get $c))
    (global.set $pos (i32.add (global.get $pos) (i32.const 1))))
  ;; the low $n hex digits of $v, most significant first
  (func $hex (param $v i64) (param $n i32)
    (local $d i32)
    (loop $digit
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (local.set $d (i32.wrap_i64 (i64.and (i64.const 15)
        (i64.shr_u (local.get $v) (i64.extend_i32_u (i32.shl (local.get $n) (i32.const 2)))))))
      (call $ch (i32.add (local.get $d)
        (select (i32.const 48) (i32.const 87) (i32.lt_u (local.get $d) (i32.const 10)))))
      (br_if $digit (local.get $n))))
  (func $begin (param $tag i32)
    (call $hex (i64.extend_i32_u (local.get $tag)) (i32.const 4))
    (call $ch (i32.const 58)))
  (func $end
    (call $ch (i32.const 10))
    (i32.store (i32.const 0) (i32.const 64))
    (i32.store (i32.const 4) (i32.sub (global.get $pos) (i32.const 64)))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    (global.set $pos (i32.const 64)))
  ;; lanes of $bits bits; with $float, NaN lanes as "nan"/"snan"
  (func $lanes (param $tag i32) (param $v v128) (param $bits i32) (param $float i32)
    (local $at i32) (local $lane i64) (local $mask i64) (local $exp i64) (local $quiet i64)
    (call $begin (local.get $tag))
    (v128.store (i32.const 16) (local.get $v))
    (local.set $mask (i64.const -1))
    (if (i32.lt_u (local.get $bits) (i32.const 64))
      (then (local.set $mask (i64.sub (i64.shl (i64.const 1) (i64.extend_i32_u (local.get $bits)))
                                      (i64.const 1)))))
    (local.set $exp (select (i64.const 0x7f800000) (i64.const 0x7ff0000000000000)
                            (i32.eq (local.get $bits) (i32.const 32))))
    (local.set $quiet (select (i64.const 0x400000) (i64.const 0x8000000000000)
                              (i32.eq (local.get $bits) (i32.const 32))))
    (loop $each
      (call $ch (i32.const 32))
      (local.set $lane (i64.and (local.get $mask)
        (i64.load (i32.add (i32.const 16) (local.get $at)))))
      (if (i32.and (local.get $float)
            (i32.and
              (i64.eq (i64.and (local.get $lane) (local.get $exp)) (local.get $exp))
              (i64.ne (i64.and (local.get $lane)
                        (i64.xor (local.get $exp) (i64.shr_u (local.get $mask) (i64.const 1))))
                      (i64.const 0))))
        (then
          (if (i64.eqz (i64.and (local.get $lane) (local.get $quiet)))
            (then (call $ch (i32.const 115))))
          (call $ch (i32.const 110)) (call $ch (i32.const 97)) (call $ch (i32.const 110)))
        (else (call $hex (local.get $lane) (i32.shr_u (local.get $bits) (i32.const 2)))))
      (local.set $at (i32.add (local.get $at) (i32.shr_u (local.get $bits) (i32.const 3))))
      (br_if $each (i32.lt_u (local.get $at) (i32.const 16))))
    (call $end))
  (func $v8 (param i32 v128) (call $lanes (local.get 0) (local.get 1) (i32.const 8) (i32.const 0)))
  (func $v16 (param i32 v128) (call $lanes (local.get 0) (local.get 1) (i32.const 16) (i32.const 0)))
  (func $v32 (param i32 v128) (call $lanes (local.get 0) (local.get 1) (i32.const 32) (i32.const 0)))
  (func $v64 (param i32 v128) (call $lanes (local.get 0) (local.get 1) (i32.const 64) (i32.const 0)))
  (func $f32 (param i32 v128) (call $lanes (local.get 0) (local.get 1) (i32.const 32) (i32.const 1)))
  (func $f64 (param i32 v128) (call $lanes (local.get 0) (local.get 1) (i32.const 64) (i32.const 1)))
  (func $i (param $tag i32) (param $v i32)
    (call $begin (local.get $tag)) (call $ch (i32.const 32))
    (call $hex (i64.extend_i32_u (local.get $v)) (i32.const 8)) (call $end))
  (func $l (param $tag i32) (param $v i64)
    (call $begin (local.get $tag)) (call $ch (i32.const 32))
    (call $hex (local.get $v) (i32.const 16)) (call $end))
  ;; ---- end of output helpers ----


  (data (i32.const 1024)
    "\80\81\82\83\84\85\86\87\88\89\8a\8b\8c\8d\8e\8f\90\91\92\93\94\95\96\97\98\99\9a\9b\9c\9d\9e\9f"
    "\00\01\02\03\04\05\06\07\08\09\0a\0b\0c\0d\0e\0f")
  (global $gc v128 (v128.const i32x4 0x01020304 -1 0 0x7fffffff))
  (global $gv (mut v128) (v128.const i32x4 10 20 30 0xffffffff))
  (type $vvv (func (param v128 v128) (result v128)))
  (table $vtab 1 funcref)
  (elem (table $vtab) (i32.const 0) func $mul_i32)
  (func $mul_i32 (type $vvv) (i32x4.mul (local.get 0) (local.get 1)))

  ;; Adds splat(i) for i = 1..n in a loop whose accumulator is a v128.
  (func $sum_loop (param $n i32) (result v128)
    (local $acc v128) (local $i i32)
    (loop $more
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (local.set $acc (i32x4.add (local.get $acc)
        (i32x4.mul (i32x4.splat (local.get $i)) (v128.const i32x4 1 2 3 4))))
      (br_if $more (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $acc))

  ;; Multi-value: returns (b, a) and their sum through a block with v128 params.
  (func $pair (param v128 v128) (result v128 v128) (local.get 1) (local.get 0))
  (func $swap_add (param v128 v128) (result v128)
    (call $pair (local.get 0) (local.get 1))
    (block $b (param v128 v128) (result v128)
      i64x2.sub))

  ;; v128 values through if/else with block parameters and br_if.
  (func $branchy (param $v v128) (param $c i32) (result v128)
    (local.get $v)
    (if (param v128) (result v128) (local.get $c)
      (then (i32x4.shl (i32.const 4)))
      (else (block (param v128) (result v128)
        (br_if 0 (i32x4.neg) (i32.const 1))
        (drop) (v128.const i32x4 0 0 0 0)))))

  (func (export "_start")
    ;; 01: v128.const in every lane format
    (call $v8 (i32.const 0x0101) (call $x (v128.const i8x16 -1 0 1 -128 127 255 2 3 4 5 6 7 8 9 10 11)))
    (call $v8 (i32.const 0x0102) (call $x (v128.const i16x8 -1 0x8000 0x7fff 1 2 3 4 -32768)))
    (call $v8 (i32.const 0x0103) (call $x (v128.const i32x4 -1 0x80000000 1 2)))
    (call $v8 (i32.const 0x0104) (call $x (v128.const i64x2 -1 0x8000000000000000)))
    (call $v8 (i32.const 0x0105) (call $x (v128.const f32x4 -0 1.5 inf nan:0x123456)))
    (call $v8 (i32.const 0x0106) (call $x (v128.const f64x2 -0x1p-1074 nan:0x4000000000000)))

    ;; 02: shuffle: lanes from either operand, repeated, reversed
    (call $v8 (i32.const 0x0201) (i8x16.shuffle 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 (call $x (v128.const i8x16 0x00 0x11 0x22 0x33 0x44 0x55 0x66 0x77 0x88 0x99 0xaa 0xbb 0xcc 0xdd 0xee 0xff)) (call $x (v128.const i8x16 0xf0 0xe1 0xd2 0xc3 0xb4 0xa5 0x96 0x87 0x78 0x69 0x5a 0x4b 0x3c 0x2d 0x1e 0x0f))))
    (call $v8 (i32.const 0x0202) (i8x16.shuffle 31 30 29 28 27 26 25 24 23 22 21 20 19 18 17 16 (call $x (v128.const i8x16 0x00 0x11 0x22 0x33 0x44 0x55 0x66 0x77 0x88 0x99 0xaa 0xbb 0xcc 0xdd 0xee 0xff)) (call $x (v128.const i8x16 0xf0 0xe1 0xd2 0xc3 0xb4 0xa5 0x96 0x87 0x78 0x69 0x5a 0x4b 0x3c 0x2d 0x1e 0x0f))))
    (call $v8 (i32.const 0x0203) (i8x16.shuffle 0 16 1 17 2 18 3 19 4 20 5 21 6 22 7 23 (call $x (v128.const i8x16 0x00 0x11 0x22 0x33 0x44 0x55 0x66 0x77 0x88 0x99 0xaa 0xbb 0xcc 0xdd 0xee 0xff)) (call $x (v128.const i8x16 0xf0 0xe1 0xd2 0xc3 0xb4 0xa5 0x96 0x87 0x78 0x69 0x5a 0x4b 0x3c 0x2d 0x1e 0x0f))))
    (call $v8 (i32.const 0x0204) (i8x16.shuffle 15 15 15 15 0 0 0 0 31 31 16 16 7 8 23 24 (call $x (v128.const i8x16 0x00 0x11 0x22 0x33 0x44 0x55 0x66 0x77 0x88 0x99 0xaa 0xbb 0xcc 0xdd 0xee 0xff)) (call $x (v128.const i8x16 0xf0 0xe1 0xd2 0xc3 0xb4 0xa5 0x96 0x87 0x78 0x69 0x5a 0x4b 0x3c 0x2d 0x1e 0x0f))))
    (call $v8 (i32.const 0x0205) (i8x16.shuffle 4 5 6 7 0 1 2 3 12 13 14 15 8 9 10 11 (call $x (v128.const i8x16 0x00 0x11 0x22 0x33 0x44 0x55 0x66 0x77 0x88 0x99 0xaa 0xbb 0xcc 0xdd 0xee 0xff)) (call $x (v128.const i8x16 0xf0 0xe1 0xd2 0xc3 0xb4 0xa5 0x96 0x87 0x78 0x69 0x5a 0x4b 0x3c 0x2d 0x1e 0x0f))))

    ;; 03: swizzle: indices >= 16 (also 0x80, 0xff) give 0
    (call $v8 (i32.const 0x0301) (i8x16.swizzle (call $x (v128.const i8x16 0x00 0x11 0x22 0x33 0x44 0x55 0x66 0x77 0x88 0x99 0xaa 0xbb 0xcc 0xdd 0xee 0xff)) (call $x (v128.const i8x16 15 14 13 12 11 10 9 8 7 6 5 4 3 2 1 0))))
    (call $v8 (i32.const 0x0302) (i8x16.swizzle (call $x (v128.const i8x16 0x00 0x11 0x22 0x33 0x44 0x55 0x66 0x77 0x88 0x99 0xaa 0xbb 0xcc 0xdd 0xee 0xff)) (call $x (v128.const i8x16 16 17 0x7f 0x80 0x81 0xff 0xf0 0x70 15 31 32 0x10 0x0f 1 0x8f 0x40))))
    (call $v8 (i32.const 0x0303) (i8x16.swizzle (call $x (v128.const i8x16 0x00 0x11 0x22 0x33 0x44 0x55 0x66 0x77 0x88 0x99 0xaa 0xbb 0xcc 0xdd 0xee 0xff)) (call $x (v128.const i8x16 0 0 0 0 1 1 1 1 0x1f 0x20 0x2f 0x60 0xe0 0x7e 3 3))))

    ;; 04: splat (narrow lanes take the low bits), extract_lane_s/_u, replace_lane
    (call $v8 (i32.const 0x0401) (i8x16.splat (call $xi (i32.const 0x1ff))))
    (call $v16 (i32.const 0x0402) (i16x8.splat (call $xi (i32.const 0x18000))))
    (call $v32 (i32.const 0x0403) (i32x4.splat (call $xi (i32.const -7))))
    (call $v64 (i32.const 0x0404) (i64x2.splat (i64.const 0x123456789abcdef0)))
    (call $v32 (i32.const 0x0405) (f32x4.splat (f32.const -0)))
    (call $v64 (i32.const 0x0406) (f64x2.splat (f64.const nan:0x4000000000001)))
    (call $i (i32.const 0x0407) (i8x16.extract_lane_s 0 (call $x (v128.const i8x16 0x00 0x11 0x22 0x33 0x44 0x55 0x66 0x77 0x88 0x99 0xaa 0xbb 0xcc 0xdd 0xee 0xff))))
    (call $i (i32.const 0x0408) (i8x16.extract_lane_u 0 (call $x (v128.const i8x16 0x00 0x11 0x22 0x33 0x44 0x55 0x66 0x77 0x88 0x99 0xaa 0xbb 0xcc 0xdd 0xee 0xff))))
    (call $i (i32.const 0x0409) (i8x16.extract_lane_s 7 (call $x (v128.const i8x16 0x00 0x11 0x22 0x33 0x44 0x55 0x66 0x77 0x88 0x99 0xaa 0xbb 0xcc 0xdd 0xee 0xff))))
    (call $i (i32.const 0x040a) (i8x16.extract_lane_u 7 (call $x (v128.const i8x16 0x00 0x11 0x22 0x33 0x44 0x55 0x66 0x77 0x88 0x99 0xaa 0xbb 0xcc 0xdd 0xee 0xff))))
    (call $i (i32.const 0x040b) (i8x16.extract_lane_s 15 (call $x (v128.const i8x16 0x00 0x11 0x22 0x33 0x44 0x55 0x66 0x77 0x88 0x99 0xaa 0xbb 0xcc 0xdd 0xee 0xff))))
    (call $i (i32.const 0x040c) (i8x16.extract_lane_u 15 (call $x (v128.const i8x16 0x00 0x11 0x22 0x33 0x44 0x55 0x66 0x77 0x88 0x99 0xaa 0xbb 0xcc 0xdd 0xee 0xff))))
    (call $i (i32.const 0x040d) (i16x8.extract_lane_s 0 (call $x (v128.const i8x16 0x00 0x11 0x22 0x33 0x44 0x55 0x66 0x77 0x88 0x99 0xaa 0xbb 0xcc 0xdd 0xee 0xff))))
    (call $i (i32.const 0x040e) (i16x8.extract_lane_u 0 (call $x (v128.const i8x16 0x00 0x11 0x22 0x33 0x44 0x55 0x66 0x77 0x88 0x99 0xaa 0xbb 0xcc 0xdd 0xee 0xff))))
    (call $i (i32.const 0x040f) (i16x8.extract_lane_s 3 (call $x (v128.const i8x16 0x00 0x11 0x22 0x33 0x44 0x55 0x66 0x77 0x88 0x99 0xaa 0xbb 0xcc 0xdd 0xee 0xff))))
    (call $i (i32.const 0x0410) (i16x8.extract_lane_u 3 (call $x (v128.const i8x16 0x00 0x11 0x22 0x33 0x44 0x55 0x66 0x77 0x88 0x99 0xaa 0xbb 0xcc 0xdd 0xee 0xff))))
    (call $i (i32.const 0x0411) (i16x8.extract_lane_s 7 (call $x (v128.const i8x16 0x00 0x11 0x22 0x33 0x44 0x55 0x66 0x77 0x88 0x99 0xaa 0xbb 0xcc 0xdd 0xee 0xff))))
    (call $i (i32.const 0x0412) (i16x8.extract_lane_u 7 (call $x (v128.const i8x16 0x00 0x11 0x22 0x33 0x44 0x55 0x66 0x77 0x88 0x99 0xaa 0xbb 0xcc 0xdd 0xee 0xff))))
    (call $i (i32.const 0x0413) (i32x4.extract_lane 3 (call $x (v128.const i8x16 0x00 0x11 0x22 0x33 0x44 0x55 0x66 0x77 0x88 0x99 0xaa 0xbb 0xcc 0xdd 0xee 0xff))))
    (call $l (i32.const 0x0414) (i64x2.extract_lane 1 (call $x (v128.const i8x16 0x00 0x11 0x22 0x33 0x44 0x55 0x66 0x77 0x88 0x99 0xaa 0xbb 0xcc 0xdd 0xee 0xff))))
    (call $i (i32.const 0x0415) (i32.reinterpret_f32 (f32x4.extract_lane 2 (call $x (v128.const i32x4 1 2 0x7fa00001 4)))))
    (call $l (i32.const 0x0416) (i64.reinterpret_f64 (f64x2.extract_lane 0 (call $x (v128.const i64x2 0xfff4000000000001 4)))))
    (call $v8 (i32.const 0x0417) (i8x16.replace_lane 15 (call $x (v128.const i8x16 0x00 0x11 0x22 0x33 0x44 0x55 0x66 0x77 0x88 0x99 0xaa 0xbb 0xcc 0xdd 0xee 0xff)) (call $xi (i32.const 0x1234))))
    (call $v16 (i32.const 0x0418) (i16x8.replace_lane 0 (call $x (v128.const i8x16 0x00 0x11 0x22 0x33 0x44 0x55 0x66 0x77 0x88 0x99 0xaa 0xbb 0xcc 0xdd 0xee 0xff)) (call $xi (i32.const 0xabcdef))))
    (call $v32 (i32.const 0x0419) (i32x4.replace_lane 2 (call $x (v128.const i8x16 0x00 0x11 0x22 0x33 0x44 0x55 0x66 0x77 0x88 0x99 0xaa 0xbb 0xcc 0xdd 0xee 0xff)) (i32.const -1)))
    (call $v64 (i32.const 0x041a) (i64x2.replace_lane 1 (call $x (v128.const i8x16 0x00 0x11 0x22 0x33 0x44 0x55 0x66 0x77 0x88 0x99 0xaa 0xbb 0xcc 0xdd 0xee 0xff)) (i64.const 7)))
    (call $v32 (i32.const 0x041b) (f32x4.replace_lane 1 (call $x (v128.const i8x16 0x00 0x11 0x22 0x33 0x44 0x55 0x66 0x77 0x88 0x99 0xaa 0xbb 0xcc 0xdd 0xee 0xff)) (f32.reinterpret_i32 (i32.const 0x7fa00001))))
    (call $v64 (i32.const 0x041c) (f64x2.replace_lane 0 (call $x (v128.const i8x16 0x00 0x11 0x22 0x33 0x44 0x55 0x66 0x77 0x88 0x99 0xaa 0xbb 0xcc 0xdd 0xee 0xff)) (f64.const -0)))

    ;; 05: loads at unaligned addresses: whole, extending, splat, zero, lane
    (call $v8 (i32.const 0x0501) (v128.load offset=1021 (call $xi (i32.const 6))))
    (call $v16 (i32.const 0x0502) (v128.load8x8_s offset=1021 (call $xi (i32.const 6))))
    (call $v16 (i32.const 0x0503) (v128.load8x8_u offset=1021 (call $xi (i32.const 6))))
    (call $v32 (i32.const 0x0504) (v128.load16x4_s offset=1021 (call $xi (i32.const 6))))
    (call $v32 (i32.const 0x0505) (v128.load16x4_u offset=1021 (call $xi (i32.const 6))))
    (call $v64 (i32.const 0x0506) (v128.load32x2_s offset=1021 (call $xi (i32.const 6))))
    (call $v64 (i32.const 0x0507) (v128.load32x2_u offset=1021 (call $xi (i32.const 6))))
    (call $v8 (i32.const 0x0508) (v128.load8_splat offset=1021 (call $xi (i32.const 6))))
    (call $v8 (i32.const 0x0509) (v128.load16_splat offset=1021 (call $xi (i32.const 6))))
    (call $v8 (i32.const 0x050a) (v128.load32_splat offset=1021 (call $xi (i32.const 6))))
    (call $v8 (i32.const 0x050b) (v128.load64_splat offset=1021 (call $xi (i32.const 6))))
    (call $v8 (i32.const 0x050c) (v128.load32_zero offset=1021 (call $xi (i32.const 6))))
    (call $v8 (i32.const 0x050d) (v128.load64_zero offset=1021 (call $xi (i32.const 6))))
    (call $v8 (i32.const 0x050e) (v128.load8_lane offset=1024 13 (call $xi (i32.const 3)) (call $x (v128.const i8x16 0xf0 0xe1 0xd2 0xc3 0xb4 0xa5 0x96 0x87 0x78 0x69 0x5a 0x4b 0x3c 0x2d 0x1e 0x0f))))
    (call $v8 (i32.const 0x050f) (v128.load16_lane offset=1024 6 (call $xi (i32.const 3)) (call $x (v128.const i8x16 0xf0 0xe1 0xd2 0xc3 0xb4 0xa5 0x96 0x87 0x78 0x69 0x5a 0x4b 0x3c 0x2d 0x1e 0x0f))))
    (call $v8 (i32.const 0x0510) (v128.load32_lane offset=1024 1 (call $xi (i32.const 3)) (call $x (v128.const i8x16 0xf0 0xe1 0xd2 0xc3 0xb4 0xa5 0x96 0x87 0x78 0x69 0x5a 0x4b 0x3c 0x2d 0x1e 0x0f))))
    (call $v8 (i32.const 0x0511) (v128.load64_lane offset=1024 1 (call $xi (i32.const 3)) (call $x (v128.const i8x16 0xf0 0xe1 0xd2 0xc3 0xb4 0xa5 0x96 0x87 0x78 0x69 0x5a 0x4b 0x3c 0x2d 0x1e 0x0f))))

    ;; 06: stores: whole and single lanes, read back
    (v128.store offset=2 (call $xi (i32.const 2047)) (call $x (v128.const i8x16 0x00 0x11 0x22 0x33 0x44 0x55 0x66 0x77 0x88 0x99 0xaa 0xbb 0xcc 0xdd 0xee 0xff)))
    (call $v8 (i32.const 0x0601) (v128.load (i32.const 2048)))
    (call $v8 (i32.const 0x0602) (v128.load (i32.const 2049)))
    (v128.store8_lane offset=1 9 (call $xi (i32.const 2048)) (call $x (v128.const i8x16 0xf0 0xe1 0xd2 0xc3 0xb4 0xa5 0x96 0x87 0x78 0x69 0x5a 0x4b 0x3c 0x2d 0x1e 0x0f)))
    (call $v8 (i32.const 0x0603) (v128.load (i32.const 2048)))
    (v128.store16_lane offset=1 3 (call $xi (i32.const 2048)) (call $x (v128.const i8x16 0xf0 0xe1 0xd2 0xc3 0xb4 0xa5 0x96 0x87 0x78 0x69 0x5a 0x4b 0x3c 0x2d 0x1e 0x0f)))
    (call $v8 (i32.const 0x0604) (v128.load (i32.const 2048)))
    (v128.store32_lane offset=1 2 (call $xi (i32.const 2048)) (call $x (v128.const i8x16 0xf0 0xe1 0xd2 0xc3 0xb4 0xa5 0x96 0x87 0x78 0x69 0x5a 0x4b 0x3c 0x2d 0x1e 0x0f)))
    (call $v8 (i32.const 0x0605) (v128.load (i32.const 2048)))
    (v128.store64_lane offset=1 1 (call $xi (i32.const 2048)) (call $x (v128.const i8x16 0xf0 0xe1 0xd2 0xc3 0xb4 0xa5 0x96 0x87 0x78 0x69 0x5a 0x4b 0x3c 0x2d 0x1e 0x0f)))
    (call $v8 (i32.const 0x0606) (v128.load (i32.const 2048)))

    ;; 07: v128 through globals, locals, select, blocks, loops, calls
    (call $v32 (i32.const 0x0701) (global.get $gc))
    (global.set $gv (i32x4.add (global.get $gv) (call $x (v128.const i32x4 1 1 1 1))))
    (call $v32 (i32.const 0x0702) (global.get $gv))
    (call $v8 (i32.const 0x0703) (select (call $x (v128.const i8x16 0x00 0x11 0x22 0x33 0x44 0x55 0x66 0x77 0x88 0x99 0xaa 0xbb 0xcc 0xdd 0xee 0xff)) (call $x (v128.const i8x16 0xf0 0xe1 0xd2 0xc3 0xb4 0xa5 0x96 0x87 0x78 0x69 0x5a 0x4b 0x3c 0x2d 0x1e 0x0f)) (call $xi (i32.const 1))))
    (call $v8 (i32.const 0x0704) (select (result v128) (call $x (v128.const i8x16 0x00 0x11 0x22 0x33 0x44 0x55 0x66 0x77 0x88 0x99 0xaa 0xbb 0xcc 0xdd 0xee 0xff)) (call $x (v128.const i8x16 0xf0 0xe1 0xd2 0xc3 0xb4 0xa5 0x96 0x87 0x78 0x69 0x5a 0x4b 0x3c 0x2d 0x1e 0x0f)) (call $xi (i32.const 0))))
    (call $v32 (i32.const 0x0705) (call $sum_loop (call $xi (i32.const 10))))
    (call $v64 (i32.const 0x0706) (call $swap_add (call $x (v128.const i64x2 1 2)) (call $x (v128.const i64x2 10 20))))
    (call $v32 (i32.const 0x0707) (call_indirect $vtab (type $vvv) (call $x (v128.const i32x4 1 2 3 4)) (call $x (v128.const i32x4 10 20 30 40)) (call $xi (i32.const 0))))
    (call $v32 (i32.const 0x0708) (call $branchy (call $x (v128.const i32x4 5 6 7 8)) (call $xi (i32.const 1))))
    (call $v32 (i32.const 0x0709) (call $branchy (call $x (v128.const i32x4 5 6 7 8)) (call $xi (i32.const 0)))))
)
