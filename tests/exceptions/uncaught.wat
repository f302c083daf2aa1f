;; An exception no handler catches (tag 1, thrown by $thrower two frames down, past a
;; try_table whose clause is for another tag): a trap-like report and exit 134.
(module
  (tag $other)
  (tag $error (param i32))
  (func $thrower (throw $error (i32.const 3)))
  (func $middle (call $thrower))
  (func (export "_start")
    (block $h
      (try_table (catch $other $h)
        (call $middle))))
)
