;; Tail calls between functions of different signatures, N times in a loop:
;; `run N` goes ping → pong → relay (indirect) → ping ..., each step a tail call,
;; and returns a checksum of every step. With `call` in place of the tail calls
;; (`run_calls`), the same loop needs N frames and exhausts the stack.
(module
  (type $ping_t (func (param i64 i64) (result i64)))
  (type $relay_t (func (param i32 f64 i64 i64 i32 i32 i32 i32 i32 i32) (result i64)))
  (table funcref (elem $relay))

  ;; (steps left, checksum)
  (func $ping (type $ping_t)
    (if (i64.eqz (local.get 0)) (then (return (local.get 1))))
    (return_call $pong
      (f64.convert_i64_u (local.get 0))
      (i64.sub (local.get 0) (i64.const 1))
      (i32.wrap_i64 (local.get 1))
      (i64.add (local.get 1) (local.get 0))))

  ;; Four parameters of three types, the checksum split in two.
  (func $pong (param f64 i64 i32 i64) (result i64)
    (return_call_indirect (type $relay_t)
      (i32.const 7)
      (local.get 0)
      (local.get 1)
      (local.get 3)
      (i32.const 1) (i32.const 2) (i32.const 3) (i32.const 4) (i32.const 5)
      (local.get 2)
      (i32.const 0)))

  ;; Ten parameters: several are passed on the stack, which the jump must reuse.
  (func $relay (type $relay_t)
    (return_call $ping
      (local.get 2)
      (i64.add
        (i64.xor (local.get 3) (i64.extend_i32_u (local.get 0)))
        (i64.extend_i32_u
          (i32.add (local.get 4) (i32.add (local.get 5) (i32.add (local.get 6)
            (i32.add (local.get 7) (local.get 8)))))))))

  (func (export "run") (param i64) (result i64)
    (call $ping (local.get 0) (i64.const 0)))

  ;; The same loop with ordinary calls.
  (func $ping_calls (param i64 i64) (result i64)
    (if (i64.eqz (local.get 0)) (then (return (local.get 1))))
    (call $pong_calls (f64.convert_i64_u (local.get 0))
      (i64.sub (local.get 0) (i64.const 1))
      (i64.add (local.get 1) (local.get 0))))
  (func $pong_calls (param f64 i64 i64) (result i64)
    (call $ping_calls (local.get 1) (i64.xor (local.get 2) (i64.const 7))))
  (func (export "run_calls") (param i64) (result i64)
    (call $ping_calls (local.get 0) (i64.const 0)))

  ;; Three results through a tail call, the most returned in registers.
  (func $triple (param i32) (result i32 i64 i32)
    (local.get 0) (i64.extend_i32_u (local.get 0)) (i32.mul (local.get 0) (i32.const 3)))
  (func $to_triple (param i64 i32) (result i32 i64 i32)
    (if (i64.eqz (local.get 0)) (then (return_call $triple (local.get 1))))
    (return_call $to_triple (i64.sub (local.get 0) (i64.const 1))
      (i32.add (local.get 1) (i32.const 1))))
  (func (export "triple") (param i64) (result i32 i64 i32)
    (call $to_triple (local.get 0) (i32.const 0)))
)
