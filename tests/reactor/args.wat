;; A reactor whose `show_args` export takes no parameters and prints the argv WASI's
;; args_get reports, one string per line (after `init` when `_initialize` ran), then
;; `argc=N`; `_initialize` runs first. For `aotc --invoke show_args`, compared with
;; `wasmtime run --invoke show_args`. Used by tests/reactor.rs.
(module
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $args_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (global $initialized (mut i32) (i32.const 0))
  (data (i32.const 32) "init\n")
  (data (i32.const 40) "\n")
  (data (i32.const 48) "argc=")
  ;; 0..8: an iovec; 8..16: the two sizes; 64..: decimal digits;
  ;; 1024..: the pointer array; 8192..: the strings.

  (func (export "_initialize") (global.set $initialized (i32.const 1)))

  (func $print (param $ptr i32) (param $len i32)
    (i32.store (i32.const 0) (local.get $ptr))
    (i32.store (i32.const 4) (local.get $len))
    (if (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 16))
      (then (call $proc_exit (i32.const 70)))))

  (func $strlen (param $s i32) (result i32) (local $n i32)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (i32.load8_u (i32.add (local.get $s) (local.get $n)))))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (br $next)))
    (local.get $n))

  ;; Prints `n` (< 10^8) in decimal and a newline.
  (func $print_u32 (param $n i32) (local $at i32)
    (local.set $at (i32.const 72))
    (i32.store8 (local.get $at) (i32.const 10))
    (loop $digit
      (local.set $at (i32.sub (local.get $at) (i32.const 1)))
      (i32.store8 (local.get $at) (i32.add (i32.const 48) (i32.rem_u (local.get $n) (i32.const 10))))
      (local.set $n (i32.div_u (local.get $n) (i32.const 10)))
      (br_if $digit (local.get $n)))
    (call $print (local.get $at) (i32.sub (i32.const 73) (local.get $at))))

  (func (export "show_args") (local $argc i32) (local $i i32) (local $s i32)
    (if (global.get $initialized)
      (then (call $print (i32.const 32) (i32.const 5))))
    (if (call $args_sizes_get (i32.const 8) (i32.const 12))
      (then (call $proc_exit (i32.const 71))))
    (local.set $argc (i32.load (i32.const 8)))
    (if (call $args_get (i32.const 1024) (i32.const 8192))
      (then (call $proc_exit (i32.const 72))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $argc)))
        (local.set $s (i32.load (i32.add (i32.const 1024) (i32.shl (local.get $i) (i32.const 2)))))
        (call $print (local.get $s) (call $strlen (local.get $s)))
        (call $print (i32.const 40) (i32.const 1))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (call $print (i32.const 48) (i32.const 5))
    (call $print_u32 (local.get $argc)))
)
