;; nomarker.wat: ABI v1 exports but no tao_abi_v1 marker.
(module
  (global (export "__tao_gas") (mut i64) (i64.const 0))
  (global (export "__tao_oog") (mut i32) (i32.const 0))
  (global (export "__tao_stack") (mut i32) (i32.const 0))
  (memory (export "memory") 1)
  (func (export "alloc") (param i32) (result i32) (i32.const 0))
  (func (export "dealloc") (param i32 i32)))
