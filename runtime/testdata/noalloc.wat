;; noalloc.wat: misses the alloc export.
(module
  (memory (export "memory") 1)
  (func (export "tao_abi_v1"))
  (func (export "dealloc") (param i32 i32)))
