;; A trap inside a try_table with catch_all is not an exception: it is not caught.
;; With an argument, `throw_ref` of a null exnref traps instead.
(module
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes (param i32 i32) (result i32)))
  (memory 1)
  (tag $e)
  (func $divide (param i32) (result i32) (i32.div_u (i32.const 1) (local.get 0)))
  (func $null_ref (throw_ref (ref.null exn)))
  (func (export "_start")
    (drop (call $args_sizes (i32.const 0) (i32.const 4)))
    (block $h
      (try_table (catch_all $h)
        (if (i32.gt_u (i32.load (i32.const 0)) (i32.const 1))
          (then (call $null_ref)))
        (drop (call $divide (i32.const 0))))))
)
