;; A loop address `x + c + 16*i` (wrapping i32 arithmetic) is computed as the 64-bit
;; `zext(x) + c + 16*i` only when an access at `x` ran before the loop: it did not
;; trap, so x is far below 2^32 and x + c cannot wrap (aotc/llvm/passes.cpp,
;; startAfterEarlierAccess). Without that access, x + c may wrap to a low address
;; that wasm reads without trapping, and the loop must run. The running sum is
;; stored at 1024 in every iteration, so what ran before a trap can be read back.
(module
  (memory 1)
  ;; every 4-byte word holds its own address
  (func $fill (local $a i32)
    (loop $l
      (i32.store (local.get $a) (local.get $a))
      (br_if $l (i32.ne (local.tee $a (i32.add (local.get $a) (i32.const 4))) (i32.const 65536)))))
  (func (export "stored") (result i32) (i32.load (i32.const 1024)))

  ;; (The trip count is a parameter so that the loops are not unrolled away.)
  ;; The access at x comes after the loop: x = -4 makes x + 4 wrap to 0, the loop
  ;; reads the words at 0, 16, 32, 48, and only the access after it traps.
  (func (export "after") (param $x i32) (param $n i32) (result i32) (local $i i32) (local $sum i32)
    (call $fill)
    (loop $l
      (local.set $sum (i32.add (local.get $sum)
        (i32.load (i32.add (i32.add (local.get $x) (i32.const 4))
                           (i32.shl (local.get $i) (i32.const 4))))))
      (i32.store (i32.const 1024) (local.get $sum))
      (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
    (i32.add (local.get $sum) (i32.load (local.get $x))))

  ;; The access at x comes first: the loop reads from x + 4 upwards and traps where
  ;; its own address leaves memory, after the iterations before it stored their sums.
  (func (export "before") (param $x i32) (param $n i32) (result i32) (local $i i32) (local $sum i32)
    (call $fill)
    (local.set $sum (i32.load (local.get $x)))
    (loop $l
      (local.set $sum (i32.add (local.get $sum)
        (i32.load (i32.add (i32.add (local.get $x) (i32.const 4))
                           (i32.shl (local.get $i) (i32.const 4))))))
      (i32.store (i32.const 1024) (local.get $sum))
      (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
    (local.get $sum))
)

(assert_trap (invoke "after" (i32.const -4) (i32.const 4)) "out of bounds memory access")
(assert_return (invoke "stored") (i32.const 96))
(assert_return (invoke "after" (i32.const 1000) (i32.const 4)) (i32.const 5112))
(assert_return (invoke "before" (i32.const 1000) (i32.const 4)) (i32.const 5112))
(assert_trap (invoke "before" (i32.const -4) (i32.const 4)) "out of bounds memory access")
(assert_return (invoke "stored") (i32.const 1024))
(assert_trap (invoke "before" (i32.const 65496) (i32.const 4)) "out of bounds memory access")
(assert_return (invoke "stored") (i32.const 262044))
