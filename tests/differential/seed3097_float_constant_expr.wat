;; Regression (differential seed 3097): translating f32/f64 arithmetic crashed LLVM when
;; an operand was a float constant expression rather than a plain constant.
(module
  (type (;0;) (func (param f32) (result i64 i32 i32)))
  (func (;0;) (type 0) (param f32) (result i64 i32 i32)
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
    f64.const -nan:0xfffffffffffef (;=-nan;)
    i64.trunc_f64_s
    i32.wrap_i64
    f32.reinterpret_i32
    memory.size
    f32.reinterpret_i32
    f32.add
    i32.trunc_f32_s
    loop (result funcref)  ;; label = @1
      global.get 5
      i32.eqz
      if  ;; label = @2
        unreachable
      end
      global.get 5
      i32.const 1
      i32.sub
      global.set 5
      global.get 0
      local.get 0
      i32.trunc_f32_s
      global.get 0
      ref.is_null
      i32.store8 offset=121457
      i64.const -2199023255552
      br 0 (;@1;)
      i64.popcnt
      block  ;; label = @2
        i32.const 262144
        br_if 1 (;@1;)
        i64.const 4096
        f32.convert_i64_s
        f64.promote_f32
        f64.sqrt
        global.get 0
        ref.is_null
        i64.load offset=208698
        global.get 0
        local.get 1
        call 0
        memory.grow
        i64.load32_s offset=18793
        i64.extend8_s
        i64.extend8_s
        i64.store32 offset=9039 align=1
        memory.size
        i32.load8_u offset=313797385
        f32.const -0x1.5c95d8p+54 (;=-2.45295e+16;)
        i32.reinterpret_f32
        block  ;; label = @3
          global.get 0
          br 0 (;@3;)
          block  ;; label = @4
            block  ;; label = @5
              loop (result f64)  ;; label = @6
                global.get 5
                i32.eqz
                if  ;; label = @7
                  unreachable
                end
                global.get 5
                i32.const 1
                i32.sub
                global.set 5
                br 1 (;@5;)
                memory.size
                memory.size
                br_if 0 (;@6;)
                f32.convert_i32_u
                f32.trunc
                call 0
                i64.load32_u offset=202880 align=1
                i64.store16 offset=164391
                memory.size
                i32.load8_u offset=173646
                if (result f32)  ;; label = @7
                  loop  ;; label = @8
                    global.get 5
                    i32.eqz
                    if  ;; label = @9
                      unreachable
                    end
                    global.get 5
                    i32.const 1
                    i32.sub
                    global.set 5
                    local.get 1
                    block  ;; label = @9
                      loop  ;; label = @10
                        global.get 5
                        i32.eqz
                        if  ;; label = @11
                          unreachable
                        end
                        global.get 5
                        i32.const 1
                        i32.sub
                        global.set 5
                        f64.const -0x1.8bef60abbabcap+497 (;=-6.32837e+149;)
                        loop  ;; label = @11
                          global.get 5
                          i32.eqz
                          if  ;; label = @12
                            unreachable
                          end
                          global.get 5
                          i32.const 1
                          i32.sub
                          global.set 5
                          memory.size
                          f64.const 0x1.ded086a027b73p+214 (;=4.92432e+64;)
                          block (result i64)  ;; label = @12
                            f64.const -0x1.0517d7c82596ep+438 (;=-7.23925e+131;)
                            i64.trunc_sat_f64_s
                            i64.extend16_s
                            ref.null func
                            global.get 0
                            f32.const -nan:0x7fffe0 (;=-nan;)
                            f32.abs
                            local.get 0
                            f32.neg
                            local.tee 0
                            f32.lt
                            memory.grow
                            i32.load16_s offset=71292
                            i32.load16_u offset=264317
                            i32.load16_u offset=173180 align=1
                            block (result funcref)  ;; label = @13
                              block  ;; label = @14
                              end
                              memory.size
                              i64.load32_s offset=154193
                              memory.size
                              i64.load16_s offset=726618746
                              i64.rotr
                              f32.convert_i64_s
                              block (param f32) (result i64 i32 i32)  ;; label = @14
                                i64.trunc_sat_f32_u
                                loop  ;; label = @15
                                  global.get 5
                                  i32.eqz
                                  if  ;; label = @16
                                    unreachable
                                  end
                                  global.get 5
                                  i32.const 1
                                  i32.sub
                                  global.set 5
                                  f32.const 0x1.p-129 (;=1.46937e-39;)
                                  local.get 1
                                  local.set 0
                                  i32.trunc_f32_s
                                  block (result i32)  ;; label = @16
                                    memory.size
                                    i64.load32_s offset=251816
                                    i32.wrap_i64
                                    i64.load16_s offset=84292 align=1
                                    f64.reinterpret_i64
                                    f64.neg
                                    ref.null func
                                    br 8 (;@8;)
                                    block (result f32)  ;; label = @17
                                      f32.const 0x1.4533acp-6 (;=0.0198487;)
                                      f64.const -nan:0xffffffffffffd (;=-nan;)
                                      br 12 (;@5;)
                                      ref.null extern
                                      i32.const -579654012
                                      local.get 0
                                      f32.nearest
                                      f64.const 0x1.ee1c28135d0e3p+435 (;=1.7125e+131;)
                                      i64.const -1099511627776
                                      i64.const -2305843009213693952
                                      local.get 1
                                      local.get 1
                                      f32.min
                                      i32.trunc_sat_f32_s
                                      f32.convert_i32_u
                                      loop (param f32) (result i64 i32 i32)  ;; label = @18
                                        global.get 5
                                        i32.eqz
                                        if  ;; label = @19
                                          unreachable
                                        end
                                        global.get 5
                                        i32.const 1
                                        i32.sub
                                        global.set 5
                                        i32.trunc_f32_u
                                        loop  ;; label = @19
                                          global.get 5
                                          i32.eqz
                                          if  ;; label = @20
                                            unreachable
                                          end
                                          global.get 5
                                          i32.const 1
                                          i32.sub
                                          global.set 5
                                          loop (result f64)  ;; label = @20
                                            global.get 5
                                            i32.eqz
                                            if  ;; label = @21
                                              unreachable
                                            end
                                            global.get 5
                                            i32.const 1
                                            i32.sub
                                            global.set 5
                                            f64.const 0x1.p-1073 (;=9.88131e-324;)
                                            br 16 (;@4;)
                                            i32.trunc_f64_s
                                            memory.size
                                            i32.gt_u
                                            if  ;; label = @21
                                              br 17 (;@4;)
                                            end
                                            global.get 0
                                            i64.const 4079115461601100044
                                            i64.clz
                                            loop  ;; label = @21
                                              global.get 5
                                              i32.eqz
                                              if  ;; label = @22
                                                unreachable
                                              end
                                              global.get 5
                                              i32.const 1
                                              i32.sub
                                              global.set 5
                                              i32.const 327696
                                              i32.clz
                                              i64.load32_s offset=75467 align=2
                                              loop  ;; label = @22
                                                global.get 5
                                                i32.eqz
                                                if  ;; label = @23
                                                  unreachable
                                                end
                                                global.get 5
                                                i32.const 1
                                                i32.sub
                                                global.set 5
                                                local.get 1
                                                f32.trunc
                                                f32.sqrt
                                                loop (result f64)  ;; label = @23
                                                  global.get 5
                                                  i32.eqz
                                                  if  ;; label = @24
                                                    unreachable
                                                  end
                                                  global.get 5
                                                  i32.const 1
                                                  i32.sub
                                                  global.set 5
                                                  f64.const 0x1.p-1067 (;=6.32404e-322;)
                                                  i64.trunc_f64_s
                                                  i32.const -2111776768
                                                  f32.load offset=270084 align=2
                                                  f32.abs
                                                  f32.trunc
                                                  local.set 1
                                                  i64.extend8_s
                                                  i64.eqz
                                                  i64.load32_u offset=303435 align=2
                                                  i64.popcnt
                                                  ref.null func
                                                  ref.is_null
                                                  block  ;; label = @24
                                                    i64.const 268435455
                                                    loop  ;; label = @25
                                                      global.get 5
                                                      i32.eqz
                                                      if  ;; label = @26
                                                        unreachable
                                                      end
                                                      global.get 5
                                                      i32.const 1
                                                      i32.sub
                                                      global.set 5
                                                      i32.const 701846279
                                                      i32.extend16_s
                                                      i32.extend8_s
                                                      br 2 (;@23;)
                                                      f32.const 0x1.afd7bp-106 (;=2.07925e-32;)
                                                      f32.ceil
                                                      i64.trunc_f32_u
                                                      i64.store8 offset=265657
                                                      br 16 (;@9;)
                                                      f32.const 0x1.8c3154p+27 (;=2.07719e+08;)
                                                      loop (result f32)  ;; label = @26
                                                        global.get 5
                                                        i32.eqz
                                                        if  ;; label = @27
                                                          unreachable
                                                        end
                                                        global.get 5
                                                        i32.const 1
                                                        i32.sub
                                                        global.set 5
                                                        ref.null func
                                                        loop (result funcref)  ;; label = @27
                                                          global.get 5
                                                          i32.eqz
                                                          if  ;; label = @28
                                                            unreachable
                                                          end
                                                          global.get 5
                                                          i32.const 1
                                                          i32.sub
                                                          global.set 5
                                                          ref.null extern
                                                          br 2 (;@25;)
                                                          block  ;; label = @28
                                                          end
                                                          f32.const 0x1.8b748p+3 (;=12.358;)
                                                          f32.nearest
                                                          local.tee 1
                                                          local.tee 1
                                                          f64.const 0x1.fffp-1062 (;=4.04689e-320;)
                                                          local.get 0
                                                          block (param f32) (result i64 i32 i32)  ;; label = @28
                                                            f32.abs
                                                            f64.const 0x1.fdfffffcp-1044 (;=1.05685e-314;)
                                                            i32.trunc_f64_s
                                                            i64.extend_i32_s
                                                            f64.convert_i64_u
                                                            global.get 0
                                                            br 27 (;@1;)
                                                            memory.size
                                                            i64.const 265181841362649923
                                                            local.get 0
                                                            i64.const 1297877151720648357
                                                            ref.null func
                                                            loop  ;; label = @29
                                                              global.get 5
                                                              i32.eqz
                                                              if  ;; label = @30
                                                                unreachable
                                                              end
                                                              global.get 5
                                                              i32.const 1
                                                              i32.sub
                                                              global.set 5
                                                            end
                                                            drop
                                                            global.get 1
                                                            i64.xor
                                                            global.set 1
                                                            i32.reinterpret_f32
                                                            global.get 2
                                                            i32.xor
                                                            global.set 2
                                                            global.get 1
                                                            i64.xor
                                                            global.set 1
                                                            global.get 3
                                                            i32.xor
                                                            global.set 3
                                                            drop
                                                            i64.reinterpret_f64
                                                            global.get 4
                                                            i64.xor
                                                            global.set 4
                                                            i32.reinterpret_f32
                                                            global.get 2
                                                            i32.xor
                                                            global.set 2
                                                            i64.const 1068358957496284290
                                                            i32.const 4194303
                                                            i32.const -268435457
                                                          end
                                                          global.get 3
                                                          i32.xor
                                                          global.set 3
                                                          global.get 3
                                                          i32.xor
                                                          global.set 3
                                                          global.get 1
                                                          i64.xor
                                                          global.set 1
                                                          i64.reinterpret_f64
                                                          global.get 4
                                                          i64.xor
                                                          global.set 4
                                                          i32.reinterpret_f32
                                                          global.get 2
                                                          i32.xor
                                                          global.set 2
                                                          drop
                                                          ref.null func
                                                        end
                                                        drop
                                                        drop
                                                        f32.const 0x1.deb678p+2 (;=7.47989;)
                                                      end
                                                      i32.reinterpret_f32
                                                      global.get 2
                                                      i32.xor
                                                      global.set 2
                                                      i32.reinterpret_f32
                                                      global.get 2
                                                      i32.xor
                                                      global.set 2
                                                    end
                                                    global.get 1
                                                    i64.xor
                                                    global.set 1
                                                  end
                                                  global.get 3
                                                  i32.xor
                                                  global.set 3
                                                  global.get 1
                                                  i64.xor
                                                  global.set 1
                                                  f64.const 0x1.fcp-1068 (;=6.27463e-322;)
                                                end
                                                i64.reinterpret_f64
                                                global.get 4
                                                i64.xor
                                                global.set 4
                                                i32.reinterpret_f32
                                                global.get 2
                                                i32.xor
                                                global.set 2
                                              end
                                              global.get 1
                                              i64.xor
                                              global.set 1
                                            end
                                            global.get 1
                                            i64.xor
                                            global.set 1
                                            drop
                                            f64.const -0x1.eec6cce05f01ep+478 (;=-1.50837e+144;)
                                          end
                                          i64.reinterpret_f64
                                          global.get 4
                                          i64.xor
                                          global.set 4
                                        end
                                        global.get 3
                                        i32.xor
                                        global.set 3
                                        i64.const 5569430141038920977
                                        i32.const -64
                                        i32.const 526182464
                                      end
                                      global.get 3
                                      i32.xor
                                      global.set 3
                                      global.get 3
                                      i32.xor
                                      global.set 3
                                      global.get 1
                                      i64.xor
                                      global.set 1
                                      global.get 1
                                      i64.xor
                                      global.set 1
                                      global.get 1
                                      i64.xor
                                      global.set 1
                                      i64.reinterpret_f64
                                      global.get 4
                                      i64.xor
                                      global.set 4
                                      i32.reinterpret_f32
                                      global.get 2
                                      i32.xor
                                      global.set 2
                                      global.get 3
                                      i32.xor
                                      global.set 3
                                      drop
                                      i64.reinterpret_f64
                                      global.get 4
                                      i64.xor
                                      global.set 4
                                    end
                                    i32.reinterpret_f32
                                    global.get 2
                                    i32.xor
                                    global.set 2
                                    drop
                                    i64.reinterpret_f64
                                    global.get 4
                                    i64.xor
                                    global.set 4
                                    i32.const 602010348
                                  end
                                  global.get 3
                                  i32.xor
                                  global.set 3
                                  global.get 3
                                  i32.xor
                                  global.set 3
                                end
                                i32.const 2097151
                                i32.const 433056193
                              end
                              global.get 3
                              i32.xor
                              global.set 3
                              global.get 3
                              i32.xor
                              global.set 3
                              global.get 1
                              i64.xor
                              global.set 1
                              ref.null func
                            end
                            drop
                            global.get 3
                            i32.xor
                            global.set 3
                            drop
                            drop
                          end
                          global.get 1
                          i64.xor
                          global.set 1
                          drop
                          global.get 3
                          i32.xor
                          global.set 3
                        end
                        i64.reinterpret_f64
                        global.get 4
                        i64.xor
                        global.set 4
                      end
                    end
                    i32.reinterpret_f32
                    global.get 2
                    i32.xor
                    global.set 2
                  end
                  f32.const 0x1.p-132 (;=1.83671e-40;)
                else
                  f32.const -0x1.b93552p-120 (;=-1.29659e-36;)
                end
                i32.reinterpret_f32
                global.get 2
                i32.xor
                global.set 2
                global.get 1
                i64.xor
                global.set 1
                f64.const 0x1.4dd0f8998c35fp-429 (;=9.40588e-130;)
              end
              i64.reinterpret_f64
              global.get 4
              i64.xor
              global.set 4
            end
          end
          drop
        end
        global.get 3
        i32.xor
        global.set 3
        global.get 3
        i32.xor
        global.set 3
        global.get 1
        i64.xor
        global.set 1
        drop
        global.get 1
        i64.xor
        global.set 1
        i64.reinterpret_f64
        global.get 4
        i64.xor
        global.set 4
      end
      global.get 1
      i64.xor
      global.set 1
      drop
      ref.null func
    end
    drop
    global.get 3
    i32.xor
    global.set 3
    i64.const 128
    i32.const 833775645
    i32.const 511)
  (memory (;0;) 5)
  (global (;0;) externref (ref.null extern))
  (global (;1;) (mut i64) (i64.const 0))
  (global (;2;) (mut i32) (i32.const 0))
  (global (;3;) (mut i32) (i32.const 0))
  (global (;4;) (mut i64) (i64.const 0))
  (global (;5;) (mut i32) (i32.const 10000))
  (export "[\18\ed\95\a1" (func 0))
  (export "" (memory 0))
  (export "2" (global 0))
  (export "3" (global 1))
  (export "\17b\e5\b8\a3\08" (global 2))
  (export "@\15" (global 3))
  (export "?\ee\89\b9\1c\01\0c" (global 4)))
