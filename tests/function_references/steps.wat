;; Typed function references in a WASI command (see tests/function_references.rs).
;;
;; `_start` runs 10 million steps of a countdown as guaranteed tail calls through
;; `return_call_ref`, alternating between $even and $odd ($even reaches $odd through a
;; table of `(ref $step)` whose initialiser is the only reference to $odd, $odd reaches
;; $even through an immutable global of `(ref $step)`), then applies `call_ref` through a nullable reference guarded by
;; `br_on_null`, and prints the results with fd_write. Each step maps (n, acc) to
;; (n - 1, acc + n) for even n and (n - 1, acc + 2n) for odd n.
;; Other exports (run with --invoke): the same countdown with ordinary `call_ref`
;; (must exhaust the stack), and `call_ref` / `ref.as_non_null` of null (must trap).
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "tail calls: ")
  (data (i32.const 16) "call_ref: ")
  (data (i32.const 32) "null: ")

  (type $step (func (param i64 i64) (result i64)))
  (type $unop (func (param i64) (result i64)))

  ;; Every slot starts as $odd.
  (table $steps 2 (ref $step) (ref.func $odd))
  (global $to_even (ref $step) (ref.func $even))
  (elem declare func $triple $even_calls $odd_calls)

  (func $even (type $step)
    (if (result i64) (i64.eqz (local.get 0))
      (then (local.get 1))
      (else
        (return_call_ref $step
          (i64.sub (local.get 0) (i64.const 1))
          (i64.add (local.get 1) (local.get 0))
          (table.get $steps (i32.const 1))))))

  (func $odd (type $step)
    (return_call_ref $step
      (i64.sub (local.get 0) (i64.const 1))
      (i64.add (local.get 1) (i64.shl (local.get 0) (i64.const 1)))
      (global.get $to_even)))

  (func $triple (type $unop) (i64.mul (local.get 0) (i64.const 3)))

  ;; f(x), or `default` when f is null.
  (func $apply_or (param $f (ref null $unop)) (param $x i64) (param $default i64)
    (result i64)
    (block $null
      (return (call_ref $unop (local.get $x) (br_on_null $null (local.get $f)))))
    (local.get $default))

  ;; Writes `label` then `v` in decimal and a newline to stdout.
  (func $print (param $label i32) (param $len i32) (param $v i64)
    (local $p i32)
    (drop (call $fd_write (i32.const 1) (call $iovec (local.get $label) (local.get $len))
      (i32.const 1) (i32.const 200)))
    (local.set $p (i32.const 190))
    (i32.store8 (local.get $p) (i32.const 10))
    (loop $digit
      (local.set $p (i32.sub (local.get $p) (i32.const 1)))
      (i32.store8 (local.get $p)
        (i32.add (i32.const 48) (i32.wrap_i64 (i64.rem_u (local.get $v) (i64.const 10)))))
      (local.set $v (i64.div_u (local.get $v) (i64.const 10)))
      (br_if $digit (i64.ne (local.get $v) (i64.const 0))))
    (drop (call $fd_write (i32.const 1)
      (call $iovec (local.get $p) (i32.sub (i32.const 191) (local.get $p)))
      (i32.const 1) (i32.const 200))))

  ;; One iovec at 208 describing [ptr, ptr + len).
  (func $iovec (param $ptr i32) (param $len i32) (result i32)
    (i32.store (i32.const 208) (local.get $ptr))
    (i32.store (i32.const 212) (local.get $len))
    (i32.const 208))

  (func $start (export "_start")
    (call $print (i32.const 0) (i32.const 12)
      (call_ref $step (i64.const 10000000) (i64.const 0) (global.get $to_even)))
    (call $print (i32.const 16) (i32.const 10)
      (call $apply_or (ref.func $triple) (i64.const 14) (i64.const 0)))
    (call $print (i32.const 32) (i32.const 6)
      (call $apply_or (ref.null $unop) (i64.const 14) (i64.const 7))))

  ;; The same countdown with ordinary calls through references.
  (func $even_calls (type $step)
    (if (result i64) (i64.eqz (local.get 0))
      (then (local.get 1))
      (else
        (call_ref $step
          (i64.sub (local.get 0) (i64.const 1))
          (i64.add (local.get 1) (local.get 0))
          (ref.func $odd_calls)))))
  (func $odd_calls (type $step)
    (call_ref $step
      (i64.sub (local.get 0) (i64.const 1))
      (i64.add (local.get 1) (i64.shl (local.get 0) (i64.const 1)))
      (ref.func $even_calls)))
  (func $run_calls (export "run_calls") (param i64) (result i64)
    (call $even_calls (local.get 0) (i64.const 0)))

  ;; A reference that is null at run time (the optimiser cannot see it).
  (global $maybe (mut (ref null $step)) (ref.null $step))
  (func $call_null (export "call_null") (param i64) (result i64)
    (call_ref $step (local.get 0) (i64.const 0) (global.get $maybe)))
  (func $force_null (export "force_null") (result i32)
    (drop (ref.as_non_null (global.get $maybe)))
    (i32.const 1))
)
