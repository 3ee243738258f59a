;; Loops for the gas-cache tests: score loops without calling (so it gets
;; the gas cache) and, by mode, stops in each way a metered loop can stop
;; other than by running out of gas; caller loops with a call (no cache).
(module
  (memory (export "memory") 1 3)
  (func (export "score") (param $mode i32) (param $n i32) (result i64)
    (local $i i32) (local $acc i64)
    block
      loop
        local.get $i
        local.get $n
        i32.ge_u
        br_if 1
        ;; Load at stride 8, or 8192 in mode 1: out of bounds at i = 8.
        local.get $acc
        local.get $i
        i32.const 8192
        i32.const 8
        local.get $mode
        i32.const 1
        i32.eq
        select
        i32.mul
        i64.load
        i64.add
        local.set $acc
        local.get $mode
        i32.const 2
        i32.eq
        if ;; divide by 5 - i: by zero at i = 5
          local.get $acc
          i64.const 5
          local.get $i
          i64.extend_i32_u
          i64.sub
          i64.div_s
          local.set $acc
        end
        local.get $mode
        i32.const 3
        i32.eq
        if ;; grow a page per pass: -1 once past the maximum
          i32.const 1
          memory.grow
          i64.extend_i32_s
          local.get $acc
          i64.add
          local.set $acc
        end
        local.get $mode
        i32.const 4
        i32.eq
        if ;; fill 64i bytes (a dynamic charge)
          i32.const 0
          i32.const 1
          local.get $i
          i32.const 64
          i32.mul
          memory.fill
        end
        local.get $mode
        i32.const 5
        i32.eq
        local.get $i
        i32.const 3
        i32.eq
        i32.and
        if
          unreachable
        end
        local.get $i
        i32.const 1
        i32.add
        local.set $i
        br 0
      end
    end
    local.get $acc)
  (func $id (param i64) (result i64) local.get 0)
  (func (export "caller") (param $mode i32) (param $n i32) (result i64)
    (local $acc i64)
    block
      loop
        local.get $n
        i32.eqz
        br_if 1
        local.get $acc
        local.get $n
        i64.extend_i32_u
        call $id
        i64.add
        local.set $acc
        local.get $n
        i32.const 1
        i32.sub
        local.set $n
        br 0
      end
    end
    local.get $acc)
)
