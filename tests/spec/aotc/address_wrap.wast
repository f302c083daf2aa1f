;; Address arithmetic wraps around 2^32 exactly as wasm says, also where aotc proves
;; that a sum cannot wrap and computes it in 64 bits
;; (aotc/src/translate/func/address_facts.rs): only after an access at the same value,
;; on the same straight-line path, while the local still holds it.
(module
  (memory 1)
  (data (i32.const 0) "\01\02\03\04\05\06\07\08\09\0a\0b\0c\0d\0e\0f\10")
  ;; nothing proves p: p + 16 wraps to 8 when p = -8
  (func $unproven (export "unproven") (param $p i32) (result i32)
    (i32.load8_u (i32.add (local.get $p) (i32.const 16))))
  ;; an access at p proves p < 4 GiB - 64 KiB, so p + 8 cannot wrap
  (func $proven (export "proven") (param $p i32) (result i32)
    (i32.add (i32.load8_u (local.get $p))
             (i32.load8_u (i32.add (local.get $p) (i32.const 8)))))
  ;; an access on one path only proves nothing after the paths join
  (func (export "one_path") (param $p i32) (param $c i32) (result i32)
    (if (local.get $c) (then (drop (i32.load8_u (local.get $p)))))
    (i32.load8_u (i32.add (local.get $p) (i32.const 9))))
  ;; nor after the local is written again
  (func (export "rewritten") (param $p i32) (param $q i32) (result i32)
    (drop (i32.load8_u (local.get $p)))
    (local.set $p (local.get $q))
    (i32.load8_u (i32.add (local.get $p) (i32.const 10))))
  ;; a tee'd value that was accessed keeps its fact through the local
  (func (export "teed") (param $p i32) (result i32)
    (local $x i32)
    (drop (i32.load8_u (local.tee $x (local.get $p))))
    (i32.load8_u (i32.add (local.get $x) (i32.const 3))))
  ;; sums of sums, plus a memarg offset
  (func (export "chained") (param $p i32) (result i32)
    (drop (i32.load8_u (local.get $p)))
    (i32.load8_u offset=1 (i32.add (i32.add (local.get $p) (i32.const 2)) (i32.const 3))))
  ;; a loop stepping a pointer from accessed values, as clang's unrolled loops do
  (func (export "sum_pairs") (param $p i32) (param $n i32) (result i32)
    (local $s i32)
    (loop $l
      (local.set $s (i32.add (local.get $s) (i32.load8_u (local.get $p))))
      (local.set $s (i32.add (local.get $s) (i32.load8_u (i32.add (local.get $p) (i32.const 1)))))
      (local.set $p (i32.add (local.get $p) (i32.const 2)))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (local.get $s))
)
(assert_return (invoke "unproven" (i32.const -8)) (i32.const 9))
(assert_return (invoke "unproven" (i32.const 0)) (i32.const 0))
(assert_return (invoke "proven" (i32.const 0)) (i32.const 10))
(assert_return (invoke "proven" (i32.const 7)) (i32.const 24))
(assert_trap (invoke "proven" (i32.const -8)) "out of bounds memory access")
(assert_trap (invoke "proven" (i32.const 65530)) "out of bounds memory access")
(assert_return (invoke "one_path" (i32.const -8) (i32.const 0)) (i32.const 2))
(assert_return (invoke "one_path" (i32.const 0) (i32.const 1)) (i32.const 10))
(assert_trap (invoke "one_path" (i32.const -8) (i32.const 1)) "out of bounds memory access")
(assert_return (invoke "rewritten" (i32.const 0) (i32.const -8)) (i32.const 3))
(assert_return (invoke "teed" (i32.const 0)) (i32.const 4))
(assert_trap (invoke "teed" (i32.const -2)) "out of bounds memory access")
(assert_return (invoke "chained" (i32.const 4)) (i32.const 11))
(assert_return (invoke "sum_pairs" (i32.const 0) (i32.const 4)) (i32.const 36))
(assert_trap (invoke "sum_pairs" (i32.const 65530) (i32.const 4)) "out of bounds memory access")
(assert_trap (invoke "sum_pairs" (i32.const -2) (i32.const 2)) "out of bounds memory access")

;; A 32-bit memory that starts below 4 GiB grows to 65535 pages at most, the bound the
;; proofs above rest on (the spec lets memory.grow fail at any size).
(module
  (memory 1)
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "load_last") (result i32) (i32.load8_u (i32.const 0xfffeffff))))
(assert_return (invoke "grow" (i32.const 65535)) (i32.const -1))
(assert_return (invoke "grow" (i32.const 65534)) (i32.const 1))
(assert_return (invoke "load_last") (i32.const 0))
(assert_return (invoke "grow" (i32.const 1)) (i32.const -1))
(assert_return (invoke "grow" (i32.const 0)) (i32.const 65535))
