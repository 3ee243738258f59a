(module
  (func (export "score") (param i32 i32) (result i64)
    loop
      br 0
    end
    i64.const 0)
  (memory (export "memory") 1)
  (func (export "tao_abi_v1"))
  (func (export "alloc") (param i32) (result i32) i32.const 1024)
  (func (export "dealloc") (param i32 i32))
)
