(module
  (func (export "f32_div") (param i32 i32) (result i64)
    f32.const 0
    f32.const 0
    f32.div
    i32.reinterpret_f32
    i64.extend_i32_u)
  (func (export "f32_sqrt") (param i32 i32) (result i64)
    f32.const -1
    f32.sqrt
    i32.reinterpret_f32
    i64.extend_i32_u)
  (func (export "f64_sub") (param i32 i32) (result i64)
    f64.const inf
    f64.const inf
    f64.sub
    i64.reinterpret_f64)
  (func (export "f64_mul_payload") (param i32 i32) (result i64)
    i64.const 0xfff0000000000123
    f64.reinterpret_i64
    f64.const 2
    f64.mul
    i64.reinterpret_f64)
  (func (export "f64_promote") (param i32 i32) (result i64)
    i32.const 0xffa00001
    f32.reinterpret_i32
    f64.promote_f32
    i64.reinterpret_f64)
  (func (export "f32_demote") (param i32 i32) (result i64)
    i64.const 0xfff8000000000001
    f64.reinterpret_i64
    f32.demote_f64
    i32.reinterpret_f32
    i64.extend_i32_u)
  (func (export "f64_min_nan") (param i32 i32) (result i64)
    f64.const nan:0x4
    f64.const 1
    f64.min
    i64.reinterpret_f64)
  (func (export "f32_neg_nan_kept") (param i32 i32) (result i64)
    i32.const 0xffc00001
    f32.reinterpret_i32
    f32.neg
    i32.reinterpret_f32
    i64.extend_i32_u)
  (func (export "f64_add_ok") (param i32 i32) (result i64)
    f64.const 1.5
    f64.const 2.25
    f64.add
    i64.reinterpret_f64)
  (func (export "score") (param i32 i32) (result i64) i64.const 0)
  (memory (export "memory") 1)
  (func (export "tao_abi_v1"))
  (func (export "alloc") (param i32) (result i32) i32.const 1024)
  (func (export "dealloc") (param i32 i32))
)
