;; Benchmark and zero-cost check: recursive fib(38) whose calls are plain (fib_plain) or
;; inside a try_table with catch_all (fib_try); both can throw. Exit status fib(38) & 127.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (tag $t)
  (func $fib (param $n i32) (result i32)
    (if (i32.gt_u (local.get $n) (i32.const 1000)) (then (throw $t)))
    (if (result i32) (i32.lt_u (local.get $n) (i32.const 2))
      (then (local.get $n))
      (else
        (block $out (result i32) (block $h (br $out (try_table (result i32) (catch_all $h) (i32.add (call $fib (i32.sub (local.get $n) (i32.const 1))) (call $fib (i32.sub (local.get $n) (i32.const 2))))))) (i32.const -1)))))
  (func (export "_start")
    (call $exit (i32.and (call $fib (i32.const 38)) (i32.const 127))))
)
