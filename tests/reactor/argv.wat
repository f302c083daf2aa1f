;; A reactor with a C-style `main(argc, argv)` for `aotc --invoke-main main`: prints
;; each argv string on its own line (after `initialized` when `_initialize` ran), then
;; exits with argc + 100 when argv[argc] is 0 (1 otherwise). `malloc` is a bump
;; allocator that fills each block with 0xee.
;; Used by tests/reactor.rs.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (global $heap (mut i32) (i32.const 4096))
  (global $initialized (mut i32) (i32.const 0))
  (data (i32.const 48) "initialized\n")
  (data (i32.const 16) "\n")

  (func $malloc (export "malloc") (param $n i32) (result i32) (local $p i32)
    (local.set $p (global.get $heap))
    (global.set $heap
      (i32.and (i32.add (i32.add (global.get $heap) (local.get $n)) (i32.const 7)) (i32.const -8)))
    ;; Poison the block, so a missing argv[argc] = 0 would show.
    (memory.fill (local.get $p) (i32.const 0xee) (local.get $n))
    (local.get $p))

  (func $init (export "_initialize") (global.set $initialized (i32.const 1)))

  (func $strlen (param $s i32) (result i32) (local $n i32)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (i32.load8_u (i32.add (local.get $s) (local.get $n)))))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (br $next)))
    (local.get $n))

  (func $print (param $ptr i32) (param $len i32)
    (i32.store (i32.const 0) (local.get $ptr))
    (i32.store (i32.const 4) (local.get $len))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))

  (func $main (export "main") (param $argc i32) (param $argv i32) (result i32)
    (local $i i32) (local $s i32)
    (if (global.get $initialized)
      (then (call $print (i32.const 48) (i32.const 12))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $argc)))
        (local.set $s (i32.load (i32.add (local.get $argv) (i32.shl (local.get $i) (i32.const 2)))))
        (call $print (local.get $s) (call $strlen (local.get $s)))
        (call $print (i32.const 16) (i32.const 1))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (if (result i32)
      (i32.eqz (i32.load (i32.add (local.get $argv) (i32.shl (local.get $argc) (i32.const 2)))))
      (then (i32.add (local.get $argc) (i32.const 100)))
      (else (i32.const 1))))

  (func $not_main (export "not_main") (param i32) (result i32) (local.get 0))
)
