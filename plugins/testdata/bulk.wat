(module
  (func (export "score") (param $p i32) (param $n i32) (result i64)
    i32.const 0
    i32.const 7
    local.get $n
    memory.fill
    i32.const 100
    i32.const 0
    local.get $n
    memory.copy
    i32.const 100
    i64.load8_u)
  (memory (export "memory") 1)
  (func (export "tao_abi_v1"))
  (func (export "alloc") (param i32) (result i32) i32.const 1024)
  (func (export "dealloc") (param i32 i32))
)
