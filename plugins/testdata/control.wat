;; Control flow the instrumenter must preserve: br_table, nested if/else
;; with results, block parameters (multi-value), dead code after branches,
;; select with a type, call_indirect through the table, early return from
;; deep nesting, and memory.grow/size.
(module
  (type $un (func (param i32) (result i32)))
  (memory (export "memory") 1 4)
  (table 3 3 funcref)
  (elem (i32.const 0) $double $square $neg)
  (func $double (type $un) local.get 0 i32.const 2 i32.mul)
  (func $square (type $un) local.get 0 local.get 0 i32.mul)
  (func $neg (type $un) i32.const 0 local.get 0 i32.sub)
  (func $classify (param $x i32) (result i32)
    block $c
      block $b
        block $a
          local.get $x
          i32.const 3
          i32.rem_u
          br_table $a $b $c
          i32.const 99 ;; dead code after br_table
          drop
        end
        i32.const 10
        return
      end
      i32.const 20
      br 1 ;; to the function label
      unreachable
    end
    i32.const 30)
  (func $swapsum (param i32 i32) (result i32)
    local.get 0
    local.get 1
    block (param i32 i32) (result i32)
      i32.sub
    end)
  (func $deep (param $x i32) (result i64)
    (local $i i32)
    loop $l (result i64)
      local.get $x
      local.get $i
      i32.eq
      if
        local.get $i
        i64.extend_i32_u
        i64.const 1000
        i64.mul
        return
      end
      local.get $i
      i32.const 1
      i32.add
      local.tee $i
      i32.const 50
      i32.lt_u
      br_if $l
      i64.const -1
    end)
  (func (export "tao_abi_v1"))
  (func (export "alloc") (param i32) (result i32) i32.const 1024)
  (func (export "dealloc") (param i32 i32))
  (func (export "score") (param $p i32) (param $x i32) (result i64)
    (local $acc i64)
    local.get $x
    call $classify
    i64.extend_i32_u
    local.set $acc
    ;; call_indirect over every table slot
    local.get $acc
    local.get $x
    local.get $x
    i32.const 3
    i32.rem_u
    call_indirect (type $un)
    i64.extend_i32_s
    i64.add
    local.set $acc
    ;; if/else with a result and select t
    local.get $x
    i32.const 1
    i32.and
    if (result i64)
      i64.const 7
    else
      i64.const 11
    end
    local.get $acc
    local.get $x
    i32.const 4
    i32.gt_u
    select (result i64)
    local.get $x
    i32.const 5
    call $swapsum
    i64.extend_i32_s
    i64.add
    local.get $x
    call $deep
    i64.add
    ;; grow by x%2 pages (cap 4) and add the size
    local.get $x
    i32.const 1
    i32.and
    memory.grow
    drop
    memory.size
    i64.extend_i32_u
    i64.add)
)
