;; Every ABI v1 entry point traps: the instrumented module must stop each
;; call with the same trap and the same gas on every engine.
(module
  (memory (export "memory") 1)
  (func (export "tao_abi_v1"))
  (func (export "alloc") (param i32) (result i32) i32.const 1024)
  (func (export "dealloc") (param i32 i32))
  (func $trap (param i32 i32) (result i64)
    ;; some work first, so the gas used is not trivially the same
    (drop (i32.add (local.get 0) (local.get 1)))
    unreachable)
  (export "validate_weights" (func $trap))
  (export "on_epoch" (func $trap))
  (export "on_register" (func $trap))
  (export "init" (func $trap))
  (export "challenge" (func $trap))
  (export "solve" (func $trap))
  (export "score" (func $trap))
)
