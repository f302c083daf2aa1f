;; Trap tests for addresses that move by a constant step through a loop, which aotc
;; computes in 64 bits (aotc-widen-addresses): each loop searches for a value no
;; memory holds, so it runs until its address leaves memory, upwards past the end
;; or downwards through address 0, where the 32-bit address wraps to the top of the
;; range. Every case must trap out of bounds in its own function, as wasm does.
;; Memory: 2 pages (128 KiB), growable to 65535. Case N is selected by N extra
;; arguments and called through call_indirect.
(module
  (import "wasi_snapshot_preview1" "args_sizes_get"
    (func $args_sizes_get (param i32 i32) (result i32)))
  (memory (export "memory") 2 65535)
  (type $case (func))
  (table $cases funcref (elem
    $up_past_end $up_from_top $up_past_end_of_largest_memory
    $down_through_zero $down_32k_through_zero
    $down_offset_through_zero $down_offset_before_plain_load))
  (global $sink (mut i32) (i32.const 0))
  (global $absent i32 (i32.const 0x5eed1e55))

  (func $start (export "_start")
    (drop (call $args_sizes_get (i32.const 0) (i32.const 4)))
    (call_indirect (type $case) (i32.sub (i32.load (i32.const 0)) (i32.const 1))))

  ;; Upwards by 4 from 64 bytes before the end of memory.
  (func $up_past_end (local $p i32)
    (local.set $p (i32.const 131008))
    (loop $scan
      (local.set $p (i32.add (local.get $p) (i32.const 4)))
      (br_if $scan (i32.ne (i32.load (local.get $p)) (global.get $absent))))
    (global.set $sink (local.get $p)))
  ;; Upwards from far above the end: the first access traps.
  (func $up_from_top (local $p i32)
    (local.set $p (i32.const 0xfffffff0))
    (loop $scan
      (local.set $p (i32.add (local.get $p) (i32.const 4)))
      (br_if $scan (i32.ne (i32.load (local.get $p)) (global.get $absent))))
    (global.set $sink (local.get $p)))
  ;; Memory grown to 65535 pages (4 GiB - 64 KiB), upwards by 8 across its end.
  (func $up_past_end_of_largest_memory (local $p i32)
    (global.set $sink (memory.grow (i32.const 65533)))
    (local.set $p (i32.const 0xfffeffc0))
    (loop $scan
      (local.set $p (i32.add (local.get $p) (i32.const 8)))
      (br_if $scan (i64.ne (i64.load (local.get $p)) (i64.const 0x5eed1e55))))
    (global.set $sink (local.get $p)))
  ;; Downwards by 4 from 64: after 0 the address wraps to 0xfffffffc.
  (func $down_through_zero (local $p i32)
    (local.set $p (i32.const 68))
    (loop $scan
      (local.set $p (i32.sub (local.get $p) (i32.const 4)))
      (br_if $scan (i32.ne (i32.load (local.get $p)) (global.get $absent))))
    (global.set $sink (local.get $p)))
  ;; Downwards by 32 KiB, the largest step aotc widens: after 0 it wraps to
  ;; 0xffff8000 (the 64-bit address is 32 KiB below the memory's base).
  (func $down_32k_through_zero (local $p i32)
    (local.set $p (i32.const 131072))
    (loop $scan
      (local.set $p (i32.sub (local.get $p) (i32.const 32768)))
      (br_if $scan (i32.ne (i32.load (local.get $p)) (global.get $absent))))
    (global.set $sink (local.get $p)))
  ;; Downwards through a load at offset 8: at 0xfffffffc it reads 4 GiB + 4, out
  ;; of bounds, though 4 itself is a valid address.
  (func $down_offset_through_zero (local $p i32)
    (local.set $p (i32.const 68))
    (loop $scan
      (local.set $p (i32.sub (local.get $p) (i32.const 4)))
      (br_if $scan (i32.ne (i32.load offset=8 (local.get $p)) (global.get $absent))))
    (global.set $sink (local.get $p)))
  ;; The same with a plain load of the same address after the offset one: the
  ;; plain load proves nothing about the one before it.
  (func $down_offset_before_plain_load (local $p i32) (local $sum i32)
    (local.set $p (i32.const 68))
    (loop $scan
      (local.set $p (i32.sub (local.get $p) (i32.const 4)))
      (local.set $sum (i32.add (local.get $sum) (i32.load offset=8 (local.get $p))))
      (local.set $sum (i32.add (local.get $sum) (i32.load (local.get $p))))
      (br_if $scan (i32.ne (local.get $sum) (global.get $absent))))
    (global.set $sink (local.get $p))))
