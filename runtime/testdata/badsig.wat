;; badsig.wat: imports a host function with the wrong signature.
(module
  (import "env" "test_charge" (func (param i32)))
  (memory (export "memory") 1)
  (func (export "tao_abi_v1"))
  (func (export "alloc") (param i32) (result i32) (i32.const 0))
  (func (export "dealloc") (param i32 i32)))
