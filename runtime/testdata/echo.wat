;; echo.wat: the smallest metered ABI v1 module, used by the package
;; example. echo returns its input and costs 10 gas plus 1 per byte; the
;; bump allocator costs 5 and never frees.
(module
  (global $gas (export "__tao_gas") (mut i64) (i64.const 0))
  (global $oog (export "__tao_oog") (mut i32) (i32.const 0))
  (global (export "__tao_stack") (mut i32) (i32.const 0))
  (global $heap (mut i32) (i32.const 1024))
  (memory (export "memory") 1 1)

  (func $charge (param $c i64)
    (if (i64.lt_u (global.get $gas) (local.get $c))
      (then (global.set $oog (i32.const 1)) (unreachable)))
    (global.set $gas (i64.sub (global.get $gas) (local.get $c))))

  (func (export "tao_abi_v1"))
  (func (export "alloc") (param $n i32) (result i32) (local $p i32)
    (call $charge (i64.const 5))
    (local.set $p (global.get $heap))
    (global.set $heap (i32.add (local.get $p) (local.get $n)))
    (local.get $p))
  (func (export "dealloc") (param i32 i32))
  (func (export "echo") (param $p i32) (param $n i32) (result i64)
    (call $charge (i64.add (i64.const 10) (i64.extend_i32_u (local.get $n))))
    (i64.or (i64.shl (i64.extend_i32_u (local.get $p)) (i64.const 32))
            (i64.extend_i32_u (local.get $n))))
  (func (export "spin") (param i32 i32) (result i64)
    (loop $l (call $charge (i64.const 1)) (br $l))
    (i64.const 0)))
