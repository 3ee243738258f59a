;; An integer-heavy loop closer to real scoring code: a 64-bit hash mix over
;; n rounds with a memory load and store per round (benchmark only).
(module
  (memory (export "memory") 1)
  (func (export "tao_abi_v1"))
  (func (export "alloc") (param i32) (result i32) i32.const 1024)
  (func (export "dealloc") (param i32 i32))
  (func (export "score") (param $p i32) (param $n i32) (result i64)
    (local $h i64) (local $i i32) (local $a i32)
    i64.const 0x9e3779b97f4a7c15
    local.set $h
    block
      loop
        local.get $i
        local.get $n
        i32.ge_u
        br_if 1
        local.get $i
        i32.const 255
        i32.and
        i32.const 3
        i32.shl
        local.tee $a
        local.get $a
        i64.load
        local.get $h
        i64.xor
        i64.const 0xbf58476d1ce4e5b9
        i64.mul
        local.tee $h
        local.get $h
        i64.const 31
        i64.shr_u
        i64.xor
        i64.const 0x94d049bb133111eb
        i64.mul
        i64.const 17
        i64.rotl
        local.tee $h
        i64.store
        local.get $h
        local.get $i
        i64.extend_i32_u
        i64.add
        local.set $h
        local.get $i
        i32.const 1
        i32.add
        local.set $i
        br 0
      end
    end
    local.get $h)
)
