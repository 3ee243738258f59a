(module
  (global $depth (export "depth") (mut i32) (i32.const 0))
  (func $r (param i32) (result i32)
    global.get $depth
    i32.const 1
    i32.add
    global.set $depth
    local.get 0
    i32.const 1
    i32.add
    call $r)
  (func (export "score") (param i32 i32) (result i64)
    i32.const 0
    call $r
    i64.extend_i32_u)
  (memory (export "memory") 1)
  (func (export "tao_abi_v1"))
  (func (export "alloc") (param i32) (result i32) i32.const 1024)
  (func (export "dealloc") (param i32 i32))
)
