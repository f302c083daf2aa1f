;; Trap tests: "out of bounds table access" for table.get/set/fill/copy/init and
;; table.init from a dropped segment. The table under test, $t, has 2 entries (max
;; 3); table 0 is the case dispatch table. Case N is selected by N extra arguments.
(module
  (import "wasi_snapshot_preview1" "args_sizes_get"
    (func $args_sizes_get (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (type $case (func))
  (table $cases funcref (elem
    $table_get_past_end $table_get_far_past_end $table_set_past_end
    $table_fill_past_end $table_copy_past_end $table_init_past_end
    $table_init_past_segment_end $table_init_dropped_segment))
  (table $t 2 3 funcref)
  (elem $seg func $f $f)
  (global $sink (mut i32) (i32.const 0))

  (func $start (export "_start")
    (drop (call $args_sizes_get (i32.const 0) (i32.const 4)))
    (call_indirect (type $case) (i32.sub (i32.load (i32.const 0)) (i32.const 1))))

  (func $f)

  (func $table_get_past_end
    (global.set $sink (ref.is_null (table.get $t (i32.const 2)))))
  (func $table_get_far_past_end
    (global.set $sink (ref.is_null (table.get $t (i32.const -1)))))
  (func $table_set_past_end
    (table.set $t (i32.const 2) (ref.null func)))
  (func $table_fill_past_end
    (table.fill $t (i32.const 1) (ref.null func) (i32.const 2)))
  (func $table_copy_past_end
    (table.copy $t $t (i32.const 0) (i32.const 1) (i32.const 2)))
  (func $table_init_past_end
    (table.init $t $seg (i32.const 1) (i32.const 0) (i32.const 2)))
  (func $table_init_past_segment_end
    (table.init $t $seg (i32.const 0) (i32.const 1) (i32.const 2)))
  (func $table_init_dropped_segment
    (elem.drop $seg)
    (table.init $t $seg (i32.const 0) (i32.const 0) (i32.const 1)))
)
