;; echo.wat: copies standard input to standard output, calling WASI directly (no libc).
;;
;; Build and run (from the examples/ directory):
;;   aotc echo.wat -o echo
;;   printf 'one\ntwo\n' | ./echo
;; Expected output: the input, byte for byte. Exit status 0 at end of input,
;; 1 if a read or write fails.
(module
  (import "wasi_snapshot_preview1" "fd_read"
    (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit"
    (func $proc_exit (param i32)))

  ;; Layout: 0..8 read iovec, 8..16 write iovec, 16 nread, 20 nwritten,
  ;; 1024.. a 4 KiB buffer.
  (memory (export "memory") 1)

  (func $echo (export "_start")
    (local $n i32)
    (local $off i32)
    (loop $read_more
      ;; iovec { buf = 1024, len = 4096 }
      (i32.store (i32.const 0) (i32.const 1024))
      (i32.store (i32.const 4) (i32.const 4096))
      (if (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 16))
        (then (call $proc_exit (i32.const 1))))
      (local.set $n (i32.load (i32.const 16)))
      ;; 0 bytes read: end of input.
      (if (i32.eqz (local.get $n)) (then (return)))
      (local.set $off (i32.const 0))
      ;; Write the chunk out, looping over short writes.
      (loop $write_more
        (i32.store (i32.const 8) (i32.add (i32.const 1024) (local.get $off)))
        (i32.store (i32.const 12) (i32.sub (local.get $n) (local.get $off)))
        (if (call $fd_write (i32.const 1) (i32.const 8) (i32.const 1) (i32.const 20))
          (then (call $proc_exit (i32.const 1))))
        (local.set $off (i32.add (local.get $off) (i32.load (i32.const 20))))
        (br_if $write_more (i32.lt_u (local.get $off) (local.get $n))))
      (br $read_more)))
)
