;; Regression (differential seed 6446): table.grow by 1.6 billion elements must fail
;; (-1) the same way in aotc and the reference interpreter (10 million element limit).
(module
  (type (;0;) (func (param f64)))
  (func (;0;) (type 0) (param f64)
    (local f32)
    global.get 5
    i32.eqz
    if  ;; label = @1
      unreachable
    end
    global.get 5
    i32.const 1
    i32.sub
    global.set 5
    f64.const -0x1.006306748adecp+988 (;=-2.61994e+297;)
    ref.null extern
    i32.const 1616989056
    table.grow 0
    f32.convert_i32_u
    f32.nearest
    i32.trunc_f32_s
    i64.extend_i32_s
    i64.extend8_s
    i64.popcnt
    i64.eqz
    local.get 0
    f32.demote_f64
    local.set 1
    global.get 0
    global.get 0
    f32.sub
    loop  ;; label = @1
      global.get 5
      i32.eqz
      if  ;; label = @2
        unreachable
      end
      global.get 5
      i32.const 1
      i32.sub
      global.set 5
      block  ;; label = @2
        f64.const 0x1.p-1058 (;=3.23791e-319;)
        local.get 1
        br 2 (;@0;)
        i64.trunc_sat_f32_u
        f32.convert_i64_u
        i64.trunc_sat_f32_s
        f32.convert_i64_s
        f32.ceil
        i32.trunc_f32_u
        i32.ctz
        if  ;; label = @3
          i64.const 5149787484565609409
          i64.extend32_s
          return
          i64.ctz
          f64.convert_i64_u
          f64.sqrt
          f64.floor
          i32.trunc_sat_f64_s
          local.get 1
          local.get 1
          f32.trunc
          global.get 0
          f32.floor
          i64.trunc_sat_f32_s
          local.get 0
          i32.trunc_f64_u
          i32.const -2049
          i64.extend_i32_u
          f64.const 0x1.ad19576b0be23p+788 (;=2.72869e+237;)
          i64.const 1073741824
          f64.const -0x1.a2bdd85c2997fp+356 (;=-2.40096e+107;)
          f64.const -0x1p+1017 (;=-1.40445e+306;)
          f64.floor
          i32.trunc_sat_f64_u
          i64.extend_i32_s
          f64.convert_i64_u
          i64.trunc_f64_s
          i64.extend8_s
          global.get 1
          i64.xor
          global.set 1
          i64.reinterpret_f64
          global.get 2
          i64.xor
          global.set 2
          global.get 1
          i64.xor
          global.set 1
          i64.reinterpret_f64
          global.get 2
          i64.xor
          global.set 2
          global.get 1
          i64.xor
          global.set 1
          global.get 3
          i32.xor
          global.set 3
          global.get 1
          i64.xor
          global.set 1
          i32.reinterpret_f32
          global.get 4
          i32.xor
          global.set 4
          i32.reinterpret_f32
          global.get 4
          i32.xor
          global.set 4
          global.get 3
          i32.xor
          global.set 3
        end
        i64.reinterpret_f64
        global.get 2
        i64.xor
        global.set 2
      end
    end
    i32.reinterpret_f32
    global.get 4
    i32.xor
    global.set 4
    global.get 3
    i32.xor
    global.set 3
    i64.reinterpret_f64
    global.get 2
    i64.xor
    global.set 2)
  (table (;0;) 0 externref)
  (global (;0;) f32 (f32.const -0x1.828f28p+61 (;=-3.48182e+18;)))
  (global (;1;) (mut i64) (i64.const 0))
  (global (;2;) (mut i64) (i64.const 0))
  (global (;3;) (mut i32) (i32.const 0))
  (global (;4;) (mut i32) (i32.const 0))
  (global (;5;) (mut i32) (i32.const 10000))
  (export "" (func 0))
  (export "1" (table 0))
  (export "2" (global 0))
  (export "\13" (global 1))
  (export "4" (global 2))
  (export "qB" (global 3))
  (export "6" (global 4)))
