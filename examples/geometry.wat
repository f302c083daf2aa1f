;; geometry.wat: a tiny WASI reactor (a library: `_initialize` and functions, no
;; `_start`) for `aotc --invoke`.
;;
;; Build and run (from the examples/ directory):
;;   aotc geometry.wat --invoke hypot -o hypot && ./hypot 3 4      # prints 5.0
;;   aotc geometry.wat --invoke divmod -o divmod && ./divmod 17 5  # prints 3, then 2
;;   aotc run geometry.wat --invoke scaled -- 7                    # prints 700
;; `_initialize` runs before the invoked function (here it sets the scale `scaled`
;; uses); the executable's arguments are the parameters, each result is one line.
(module
  (global $scale (mut i64) (i64.const 1))

  (func $initialize (export "_initialize")
    (global.set $scale (i64.const 100)))

  (func $hypot (export "hypot") (param $x f64) (param $y f64) (result f64)
    (f64.sqrt (f64.add (f64.mul (local.get $x) (local.get $x))
                       (f64.mul (local.get $y) (local.get $y)))))

  ;; Two results: quotient and remainder (a zero divisor traps).
  (func $divmod (export "divmod") (param $a i32) (param $b i32) (result i32 i32)
    (i32.div_s (local.get $a) (local.get $b))
    (i32.rem_s (local.get $a) (local.get $b)))

  (func $scaled (export "scaled") (param $v i64) (result i64)
    (i64.mul (local.get $v) (global.get $scale)))
)
