;; Harness of the hostile-pointer tests (tests/hostile.rs). The test fills in the
;; lines marked `;; @...`: the imports (all 46 WASI preview1 functions and every
;; import of WasmEdge's socket extension, generated from the contract tables in
;; aotc_abi::wasi), the memory declaration, the data
;; segments, `$setup` (opens the fds the cases need) and the cases: one function per
;; case, each making one WASI call and returning its errno, listed in table `$cases`.
;;
;; _start fills two canaries with 0xAA, runs $setup, calls every case through
;; call_indirect and prints `<index> <errno>` per case on stdout (one fd_write per
;; line, so a crash still leaves every earlier line), then `canaries <low> <high>`
;; (1 = intact) and `done`. Before each case the valid output area is filled with
;; 0x55; a case answering EFAULT must leave it so, or its line says 1021 (EFAULT,
;; but something was written first).
;;
;; Memory layout (the first page; tests/hostile.rs names the same addresses):
;;   [0, 1024)       low canary: where an address that wrapped past 4 GiB would land
;;   [1024, 1280)    iovec arrays, good and hostile
;;   [2048, 2176)    data buffers ("LEAKED-PARTIAL!!" must never reach a file, "pong")
;;   [3072, 3584)    path strings (no NUL)
;;   [3584, 3632)    one poll_oneoff subscription (a relative monotonic clock, 0 ns)
;;   [4096, 8192)    the valid output area
;;   [8192, 9216)    printing scratch (this file's own)
;;   [9216, 65280)   the test's own (the socket extension module's data)
;;   [65280, 65536)  high canary: where a write straddling the end of memory would start
(module
  ;; @IMPORTS
  ;; @MEMORY
  ;; @DATA
  (data (i32.const 8704) "canaries ")
  (data (i32.const 8720) "done\n")

  (global $file (mut i32) (i32.const -1))
  (global $sock (mut i32) (i32.const -1))
  (type $case (func (result i32)))

  ;; Writes [ptr, ptr+len) to stdout.
  (func $write (param $ptr i32) (param $len i32)
    (i32.store (i32.const 9200) (local.get $ptr))
    (i32.store (i32.const 9204) (local.get $len))
    (drop (call $fd_write (i32.const 1) (i32.const 9200) (i32.const 1) (i32.const 9208))))

  ;; Writes the decimal digits of $n at $at; returns the address after them.
  (func $utoa (param $n i32) (param $at i32) (result i32)
    (local $len i32) (local $t i32)
    (local.set $t (local.get $n))
    (local.set $len (i32.const 1))
    (block $counted
      (loop $count
        (br_if $counted (i32.lt_u (local.get $t) (i32.const 10)))
        (local.set $t (i32.div_u (local.get $t) (i32.const 10)))
        (local.set $len (i32.add (local.get $len) (i32.const 1)))
        (br $count)))
    (local.set $t (i32.add (local.get $at) (local.get $len)))
    (loop $digit
      (local.set $t (i32.sub (local.get $t) (i32.const 1)))
      (i32.store8 (local.get $t)
        (i32.add (i32.const 48) (i32.rem_u (local.get $n) (i32.const 10))))
      (local.set $n (i32.div_u (local.get $n) (i32.const 10)))
      (br_if $digit (i32.ne (local.get $t) (local.get $at))))
    (i32.add (local.get $at) (local.get $len)))

  ;; 1 when every byte of [p, p+n) is still $fill.
  (func $filled (param $p i32) (param $n i32) (param $fill i32) (result i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $p) (local.get $n)))
    (block $bad
      (loop $byte
        (br_if $bad (i32.ne (i32.load8_u (local.get $p)) (local.get $fill)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br_if $byte (i32.lt_u (local.get $p) (local.get $end))))
      (return (i32.const 1)))
    (i32.const 0))

  ;; @SETUP

  ;; @CASES

  (func (export "_start")
    (local $i i32) (local $e i32) (local $end i32)
    (memory.fill (i32.const 0) (i32.const 0xAA) (i32.const 1024))
    (memory.fill (i32.const 65280) (i32.const 0xAA) (i32.const 256))
    (call $setup)
    (block $finished
      (loop $next
        (br_if $finished (i32.ge_u (local.get $i) (table.size $cases)))
        (memory.fill (i32.const 4096) (i32.const 0x55) (i32.const 4096))
        (local.set $e (call_indirect $cases (type $case) (local.get $i)))
        (if (i32.and (i32.eq (local.get $e) (i32.const 21))
                     (i32.eqz (call $filled (i32.const 4096) (i32.const 4096) (i32.const 0x55))))
          (then (local.set $e (i32.const 1021))))
        (local.set $end (call $utoa (local.get $i) (i32.const 8192)))
        (i32.store8 (local.get $end) (i32.const 32))
        (local.set $end (call $utoa (local.get $e) (i32.add (local.get $end) (i32.const 1))))
        (i32.store8 (local.get $end) (i32.const 10))
        (call $write (i32.const 8192)
          (i32.sub (i32.add (local.get $end) (i32.const 1)) (i32.const 8192)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    ;; "canaries <low> <high>\n"
    (memory.copy (i32.const 8192) (i32.const 8704) (i32.const 9))
    (local.set $end (call $utoa (call $filled (i32.const 0) (i32.const 1024) (i32.const 0xAA)) (i32.const 8201)))
    (i32.store8 (local.get $end) (i32.const 32))
    (local.set $end (call $utoa (call $filled (i32.const 65280) (i32.const 256) (i32.const 0xAA))
      (i32.add (local.get $end) (i32.const 1))))
    (i32.store8 (local.get $end) (i32.const 10))
    (call $write (i32.const 8192) (i32.sub (i32.add (local.get $end) (i32.const 1)) (i32.const 8192)))
    (call $write (i32.const 8720) (i32.const 5)))
)
