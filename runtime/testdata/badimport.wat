;; badimport.wat: imports a host function nobody provides.
(module
  (import "env" "no_such_function" (func))
  (memory (export "memory") 1)
  (func (export "tao_abi_v1"))
  (func (export "alloc") (param i32) (result i32) (i32.const 0))
  (func (export "dealloc") (param i32 i32)))
