;; Trap tests: "out of bounds memory access" for loads, stores and bulk memory
;; operations, including effective addresses (address + offset) at and beyond
;; 4 GiB, accesses straddling the end, and zero-length bulk operations that start
;; past the end. Memory: 1 page (64 KiB), growable to 4. Case N is selected by N
;; extra arguments and called through call_indirect.
(module
  (import "wasi_snapshot_preview1" "args_sizes_get"
    (func $args_sizes_get (param i32 i32) (result i32)))
  (memory (export "memory") 1 4)
  (data $seg "abcd")
  (type $case (func))
  (table $cases funcref (elem
    $load_i32_at_end $load_i32_straddling_end $load_i64_straddling_end
    $load8_one_past_end $store_i32_at_end $store_i64_straddling_end $store8_one_past_end
    $load_offset_past_end $load_offset_max_plus_one $load_address_near_4gib
    $load_max_address_max_offset $store_offset_max $load_negative_address
    $load_past_grown_end
    $fill_past_end $fill_length_wraps $fill_empty_beyond_end
    $copy_source_past_end $copy_destination_past_end $copy_empty_beyond_end
    $init_past_segment_end $init_destination_past_end $init_dropped_segment))
  (global $sink (mut i64) (i64.const 0))

  (func $start (export "_start")
    (drop (call $args_sizes_get (i32.const 0) (i32.const 4)))
    (call_indirect (type $case) (i32.sub (i32.load (i32.const 0)) (i32.const 1))))

  (func $load_i32_at_end
    (global.set $sink (i64.load32_u (i32.const 65536))))
  (func $load_i32_straddling_end
    (global.set $sink (i64.extend_i32_u (i32.load (i32.const 65534)))))
  (func $load_i64_straddling_end
    (global.set $sink (i64.load (i32.const 65529))))
  (func $load8_one_past_end
    (global.set $sink (i64.extend_i32_u (i32.load8_u (i32.const 65536)))))
  (func $store_i32_at_end
    (i32.store (i32.const 65536) (i32.const 1)))
  (func $store_i64_straddling_end
    (i64.store (i32.const 65532) (i64.const 1)))
  (func $store8_one_past_end
    (i32.store8 (i32.const 65536) (i32.const 1)))
  (func $load_offset_past_end
    (global.set $sink (i64.extend_i32_u (i32.load offset=65536 (i32.const 0)))))
  ;; 1 + 0xffffffff = 4 GiB exactly: must not wrap around to 0.
  (func $load_offset_max_plus_one
    (global.set $sink (i64.extend_i32_u (i32.load offset=0xffffffff (i32.const 1)))))
  (func $load_address_near_4gib
    (global.set $sink (i64.load offset=8 (i32.const 0xfffffffc))))
  ;; The largest effective address there is: 0xffffffff + 0xffffffff.
  (func $load_max_address_max_offset
    (global.set $sink (i64.load offset=0xffffffff (i32.const -1))))
  (func $store_offset_max
    (i64.store offset=0xfffffff8 (i32.const 0) (i64.const 1)))
  (func $load_negative_address
    (global.set $sink (i64.extend_i32_u (i32.load (i32.const -4)))))
  ;; Grow to 2 pages: the new pages work, the byte after them does not.
  (func $load_past_grown_end
    (drop (memory.grow (i32.const 1)))
    (i32.store (i32.const 131068) (i32.const 7))
    (global.set $sink (i64.extend_i32_u (i32.load (i32.const 131069)))))
  (func $fill_past_end
    (memory.fill (i32.const 65530) (i32.const 0) (i32.const 10)))
  (func $fill_length_wraps
    (memory.fill (i32.const 0xffffffff) (i32.const 0) (i32.const 2)))
  (func $fill_empty_beyond_end
    (memory.fill (i32.const 65537) (i32.const 0) (i32.const 0)))
  (func $copy_source_past_end
    (memory.copy (i32.const 0) (i32.const 65530) (i32.const 10)))
  (func $copy_destination_past_end
    (memory.copy (i32.const 65530) (i32.const 0) (i32.const 10)))
  (func $copy_empty_beyond_end
    (memory.copy (i32.const 65537) (i32.const 0) (i32.const 0)))
  (func $init_past_segment_end
    (memory.init $seg (i32.const 0) (i32.const 2) (i32.const 3)))
  (func $init_destination_past_end
    (memory.init $seg (i32.const 65534) (i32.const 0) (i32.const 4)))
  (func $init_dropped_segment
    (data.drop $seg)
    (memory.init $seg (i32.const 0) (i32.const 0) (i32.const 1)))
)
