;; SIMD loads and stores out of bounds must trap with "out of bounds memory access"
;; (exit 134), including accesses straddling the end of memory, the largest
;; effective address, and loads whose value is dropped or written to a local that
;; is never read (the optimiser must not delete them). Case 0 is in bounds and
;; must exit 0. Memory: 1 page. Case N is selected by N extra arguments.
(module
  (import "wasi_snapshot_preview1" "args_sizes_get"
    (func $args_sizes_get (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (type $case (func))
  (table $cases funcref (elem
    $in_bounds_at_end
    $load_straddling_end $load_offset_past_end $load_max_address_max_offset
    $store_straddling_end $load_dropped $load_into_unread_local
    $load8x8_straddling_end $load32_splat_straddling_end $load64_zero_straddling_end
    $load16_lane_straddling_end $store64_lane_straddling_end $store8_lane_one_past_end))
  (global $sink (mut v128) (v128.const i64x2 0 0))

  (func $start (export "_start")
    (drop (call $args_sizes_get (i32.const 0) (i32.const 4)))
    (call_indirect (type $case) (i32.sub (i32.load (i32.const 0)) (i32.const 1))))

  (func $in_bounds_at_end
    (v128.store (i32.const 65520) (v128.load offset=65519 (i32.const 1)))
    (v128.store8_lane 15 (i32.const 65535) (global.get $sink)))
  (func $load_straddling_end
    (global.set $sink (v128.load (i32.const 65521))))
  (func $load_offset_past_end
    (global.set $sink (v128.load offset=65536 (i32.const 0))))
  (func $load_max_address_max_offset
    (global.set $sink (v128.load offset=0xffffffff (i32.const -1))))
  (func $store_straddling_end
    (v128.store (i32.const 65530) (v128.const i64x2 -1 -1)))
  (func $load_dropped
    (drop (v128.load (i32.const 65535))))
  (func $load_into_unread_local
    (local $unread v128)
    (local.set $unread (i8x16.abs (v128.load offset=70000 (i32.const 0)))))
  (func $load8x8_straddling_end
    (global.set $sink (v128.load8x8_s (i32.const 65529))))
  (func $load32_splat_straddling_end
    (global.set $sink (v128.load32_splat (i32.const 65533))))
  (func $load64_zero_straddling_end
    (global.set $sink (v128.load64_zero (i32.const 65529))))
  (func $load16_lane_straddling_end
    (global.set $sink (v128.load16_lane 3 (i32.const 65535) (global.get $sink))))
  (func $store64_lane_straddling_end
    (v128.store64_lane 1 (i32.const 65532) (global.get $sink)))
  (func $store8_lane_one_past_end
    (v128.store8_lane 0 (i32.const 65536) (global.get $sink)))
)
