;; Loads whose value a loop carries to its next iteration (a C compiler keeps a[i+1]
;; in a register to serve as the next a[i]) move above the stores before them when
;; those provably write other bytes (aotc/llvm/passes.cpp, hoistCarriedLoads), so
;; LLVM's vectoriser can take the loop. A load that overlaps the store before it by
;; any byte must stay after it and see the stored bytes. Expected values: Wasmtime's.
(module
  (memory 1)
  ;; bytes 0..4096 = 7i + 3 (mod 256)
  (func $fill (local $i i32)
    (loop $l
      (i32.store8 (local.get $i) (i32.add (i32.mul (local.get $i) (i32.const 7)) (i32.const 3)))
      (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const 4096)))))
  ;; a hash of the 8-byte words at 0..4096
  (func $hash (result i64) (local $i i32) (local $h i64)
    (loop $l
      (local.set $h (i64.mul (i64.xor (local.get $h) (i64.load (local.get $i))) (i64.const 0x100000001b3)))
      (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 8))) (i32.const 4096))))
    (local.get $h))
  ;; The load overlaps the 4 high bytes of the store before it: it must see them.
  (func (export "overlapping") (param $n i32) (result i64) (local $p i32) (local $end i32) (local $prev i64)
    (call $fill)
    (local.set $p (i32.const 64))
    (local.set $end (i32.add (i32.const 64) (i32.shl (local.get $n) (i32.const 3))))
    (local.set $prev (i64.load (i32.const 64)))
    (loop $l
      (i64.store (local.get $p) (i64.add (i64.mul (local.get $prev) (i64.const 3)) (i64.const 1)))
      (local.set $prev (i64.load offset=4 (local.get $p)))
      (br_if $l (i32.ne (local.tee $p (i32.add (local.get $p) (i32.const 8))) (local.get $end))))
    (i64.xor (call $hash) (local.get $prev)))
  ;; The load reads the 4 bytes below the store and its low 4 bytes.
  (func (export "overlapping_below") (param $n i32) (result i64) (local $p i32) (local $end i32) (local $prev i32)
    (call $fill)
    (local.set $p (i32.const 64))
    (local.set $end (i32.add (i32.const 64) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $prev (i32.load (i32.const 64)))
    (loop $l
      (i32.store offset=2 (local.get $p) (i32.add (i32.mul (local.get $prev) (i32.const 5)) (i32.const 7)))
      (local.set $prev (i32.load (local.get $p)))
      (br_if $l (i32.ne (local.tee $p (i32.add (local.get $p) (i32.const 4))) (local.get $end))))
    (i64.xor (call $hash) (i64.extend_i32_u (local.get $prev))))
  ;; The next word: other bytes, so the load may move above the store, and it reads
  ;; what the previous iteration did not write.
  (func (export "adjacent") (param $n i32) (result i64) (local $p i32) (local $end i32) (local $prev i64)
    (call $fill)
    (local.set $p (i32.const 64))
    (local.set $end (i32.add (i32.const 64) (i32.shl (local.get $n) (i32.const 3))))
    (local.set $prev (i64.load (i32.const 64)))
    (loop $l
      (i64.store (local.get $p) (i64.add (i64.mul (local.get $prev) (i64.const 3)) (i64.const 1)))
      (local.set $prev (i64.load offset=8 (local.get $p)))
      (br_if $l (i32.ne (local.tee $p (i32.add (local.get $p) (i32.const 8))) (local.get $end))))
    (i64.xor (call $hash) (local.get $prev)))
  ;; Jacobi step from the doubles at 2048 to those at 64, unrolled by two as clang
  ;; compiles it: a[i-1] and a[i] carried, a[i+2] loaded after the store to b[i].
  (func (export "jacobi") (param $n i32) (result i64)
    (local $p i32) (local $end i32) (local $left f64) (local $mid f64) (local $r1 f64) (local $r2 f64)
    (call $fill)
    (local.set $p (i32.const 64))
    (local.set $end (i32.add (i32.const 64) (i32.shl (local.get $n) (i32.const 4))))
    (local.set $left (f64.convert_i32_u (i32.load8_u (i32.const 2040))))
    (local.set $mid (f64.convert_i32_u (i32.load8_u (i32.const 2048))))
    (loop $l
      (local.set $r1 (f64.load offset=1992 (local.get $p)))
      (f64.store (local.get $p)
        (f64.mul (f64.add (f64.add (local.get $left) (local.get $mid)) (local.get $r1)) (f64.const 0.25)))
      (local.set $r2 (f64.load offset=2000 (local.get $p)))
      (f64.store offset=8 (local.get $p)
        (f64.mul (f64.add (f64.add (local.get $mid) (local.get $r1)) (local.get $r2)) (f64.const 0.25)))
      (local.set $left (local.get $r1))
      (local.set $mid (local.get $r2))
      (br_if $l (i32.ne (local.tee $p (i32.add (local.get $p) (i32.const 16))) (local.get $end))))
    (call $hash))
  ;; The carried load runs out of memory while the store is still inside it.
  (func (export "carried_past_end") (local $p i32) (local $prev i64)
    (local.set $p (i32.const 65472))
    (loop $l
      (i64.store (local.get $p) (i64.add (local.get $prev) (i64.const 1)))
      (local.set $prev (i64.load offset=8 (local.get $p)))
      (local.set $p (i32.add (local.get $p) (i32.const 8)))
      (br $l)))
)
(assert_return (invoke "overlapping" (i32.const 1)) (i64.const -9166626916381595098))
(assert_return (invoke "overlapping" (i32.const 3)) (i64.const 9023290642959004210))
(assert_return (invoke "overlapping" (i32.const 100)) (i64.const 2531572428776269436))
(assert_return (invoke "overlapping" (i32.const 250)) (i64.const -49482819035017514))
(assert_return (invoke "overlapping_below" (i32.const 1)) (i64.const 6733709086816165059))
(assert_return (invoke "overlapping_below" (i32.const 3)) (i64.const 8994857180494230643))
(assert_return (invoke "overlapping_below" (i32.const 100)) (i64.const 496071279341892301))
(assert_return (invoke "overlapping_below" (i32.const 250)) (i64.const 3344835380814073546))
(assert_return (invoke "adjacent" (i32.const 1)) (i64.const -4835311779405177790))
(assert_return (invoke "adjacent" (i32.const 3)) (i64.const 1030570104812052036))
(assert_return (invoke "adjacent" (i32.const 100)) (i64.const -778114130707605233))
(assert_return (invoke "adjacent" (i32.const 250)) (i64.const 8598233116175653813))
(assert_return (invoke "jacobi" (i32.const 1)) (i64.const -7591017732140837496))
(assert_return (invoke "jacobi" (i32.const 3)) (i64.const -4405606436563260728))
(assert_return (invoke "jacobi" (i32.const 100)) (i64.const 83121102817820344))
(assert_return (invoke "jacobi" (i32.const 120)) (i64.const -7376686155690978216))
(assert_trap (invoke "carried_past_end") "out of bounds memory access")
