;; abi.wat: a hand-metered ABI v1 module exercising every outcome the
;; runtime classifies. It declares the metering globals itself and charges
;; gas through $charge, as the instrumenter would.
(module
  (import "env" "test_charge" (func $host_charge (param i64)))
  (import "env" "test_fail" (func $host_fail))
  (import "env" "test_log" (func $host_log (param i32 i32)))
  (import "env" "test_nop" (func $host_nop))
  (import "env" "test_abort" (func $host_abort (param i32 i32)))

  (global $gas (export "__tao_gas") (mut i64) (i64.const 0))
  (global $oog (export "__tao_oog") (mut i32) (i32.const 0))
  (global $stack (export "__tao_stack") (mut i32) (i32.const 0))
  (global $heap (mut i32) (i32.const 4096))
  (global $inited (mut i32) (i32.const 0))

  (memory (export "memory") 1 16)
  (data (i32.const 16) "something went wrong")
  (data (i32.const 64) "bad \ff utf-8")

  (type $i2i (func (param i32) (result i32)))
  (table 1 1 funcref)
  (elem (i32.const 0) $nop)
  (func $nop)

  ;; $charge takes c gas or flags out-of-gas and traps.
  (func $charge (param $c i64)
    (if (i64.lt_u (global.get $gas) (local.get $c))
      (then (global.set $oog (i32.const 1)) (unreachable)))
    (global.set $gas (i64.sub (global.get $gas) (local.get $c))))

  ;; $enter and $leave charge and refund 10 stack units.
  (func $enter
    (if (i32.lt_u (global.get $stack) (i32.const 10))
      (then (global.set $oog (i32.const 2)) (unreachable)))
    (global.set $stack (i32.sub (global.get $stack) (i32.const 10))))
  (func $leave
    (global.set $stack (i32.add (global.get $stack) (i32.const 10))))

  (func $pack (param $p i32) (param $n i32) (result i64)
    (i64.or (i64.shl (i64.extend_i32_u (local.get $p)) (i64.const 32))
            (i64.extend_i32_u (local.get $n))))

  (func (export "tao_abi_v1"))

  (func (export "_initialize")
    (call $charge (i64.const 1000))
    (global.set $inited (i32.const 1)))

  ;; alloc bumps $heap, growing memory as needed.
  (func (export "alloc") (param $n i32) (result i32) (local $p i32) (local $end i32)
    (call $charge (i64.const 10))
    (local.set $p (global.get $heap))
    (local.set $end (i32.add (local.get $p) (local.get $n)))
    (global.set $heap (i32.and (i32.add (local.get $end) (i32.const 7)) (i32.const -8)))
    (if (i32.gt_u (local.get $end) (i32.mul (memory.size) (i32.const 65536)))
      (then
        (if (i32.eq (i32.const -1)
              (memory.grow (i32.sub (i32.shr_u (i32.add (local.get $end) (i32.const 65535)) (i32.const 16))
                                    (memory.size))))
          (then (unreachable)))))
    (local.get $p))

  ;; dealloc frees the whole arena: the runtime deallocates the output last.
  (func (export "dealloc") (param i32 i32)
    (call $charge (i64.const 5))
    (global.set $heap (i32.const 4096)))

  ;; echo returns its input; it costs 20 plus 1 per byte.
  (func (export "echo") (param $p i32) (param $n i32) (result i64)
    (call $charge (i64.add (i64.const 20) (i64.extend_i32_u (local.get $n))))
    (call $pack (local.get $p) (local.get $n)))

  ;; inited reports whether _initialize ran (one byte).
  (func (export "inited") (param $p i32) (param $n i32) (result i64)
    (call $charge (i64.const 1))
    (i32.store8 (i32.const 0) (global.get $inited))
    (call $pack (i32.const 0) (i32.const 1)))

  ;; counter returns how many times it has been called on this instance.
  (global $count (mut i32) (i32.const 0))
  (func (export "counter") (param $p i32) (param $n i32) (result i64)
    (call $charge (i64.const 1))
    (global.set $count (i32.add (global.get $count) (i32.const 1)))
    (i32.store (i32.const 0) (global.get $count))
    (call $pack (i32.const 0) (i32.const 4)))

  (func (export "fail") (param $p i32) (param $n i32) (result i64)
    (call $charge (i64.const 1))
    (i64.or (i64.const 0x8000000000000000) (call $pack (i32.const 16) (i32.const 20))))

  (func (export "fail_utf8") (param $p i32) (param $n i32) (result i64)
    (call $charge (i64.const 1))
    (i64.or (i64.const 0x8000000000000000) (call $pack (i32.const 64) (i32.const 11))))

  (func (export "trap_unreachable") (param $p i32) (param $n i32) (result i64)
    (call $charge (i64.const 1))
    (unreachable))

  (func (export "trap_divzero") (param $p i32) (param $n i32) (result i64)
    (call $charge (i64.const 1))
    (drop (i32.div_u (i32.const 1) (local.get $n)))
    (i64.const 0))

  (func (export "trap_overflow") (param $p i32) (param $n i32) (result i64)
    (call $charge (i64.const 1))
    (drop (i32.div_s (i32.const 0x80000000) (i32.sub (local.get $n) (i32.const 1))))
    (i64.const 0))

  (func (export "trap_conversion") (param $p i32) (param $n i32) (result i64)
    (call $charge (i64.const 1))
    (drop (i32.trunc_f32_s (f32.div (f32.const 0) (f32.convert_i32_u (local.get $n)))))
    (i64.const 0))

  (func (export "trap_oob") (param $p i32) (param $n i32) (result i64)
    (call $charge (i64.const 1))
    (drop (i32.load (i32.const 0xfffffff0)))
    (i64.const 0))

  (func (export "trap_table") (param $p i32) (param $n i32) (result i64)
    (call $charge (i64.const 1))
    (call_indirect (i32.const 5))
    (i64.const 0))

  (func (export "trap_signature") (param $p i32) (param $n i32) (result i64)
    (call $charge (i64.const 1))
    (drop (call_indirect (type $i2i) (i32.const 0) (i32.const 0)))
    (i64.const 0))

  ;; burn loops forever, charging 7 per iteration.
  (func (export "burn") (param $p i32) (param $n i32) (result i64)
    (loop $l (call $charge (i64.const 7)) (br $l))
    (i64.const 0))

  ;; loop runs input[0..4] (u32) iterations at 7 gas each.
  (func (export "loop") (param $p i32) (param $n i32) (result i64) (local $i i32)
    (call $charge (i64.const 2))
    (local.set $i (i32.load (local.get $p)))
    (block $done
      (loop $l
        (br_if $done (i32.eqz (local.get $i)))
        (call $charge (i64.const 7))
        (local.set $i (i32.sub (local.get $i) (i32.const 1)))
        (br $l)))
    (call $pack (local.get $p) (i32.const 0)))

  ;; grow grows memory by input[0..4] pages and returns memory.grow's result.
  (func (export "grow") (param $p i32) (param $n i32) (result i64)
    (call $charge (i64.const 1))
    (i32.store (i32.const 0) (memory.grow (i32.load (local.get $p))))
    (call $pack (i32.const 0) (i32.const 4)))

  ;; not_implemented says the module does not implement it.
  (func (export "not_implemented") (param $p i32) (param $n i32) (result i64)
    (call $charge (i64.const 1))
    (i64.or (i64.const 0xc000000000000000) (call $pack (i32.const 16) (i32.const 9))))

  ;; huge claims an output of input[0..4] bytes at address 0.
  (func (export "huge") (param $p i32) (param $n i32) (result i64)
    (call $charge (i64.const 1))
    (call $pack (i32.const 0) (i32.load (local.get $p))))

  ;; outside claims 100 bytes just below the 1 GiB mark.
  (func (export "outside") (param $p i32) (param $n i32) (result i64)
    (call $charge (i64.const 1))
    (call $pack (i32.const 0x3fffff00) (i32.const 100)))

  ;; host_charge asks the host to charge input[0..8] (u64) gas.
  (func (export "host_charge") (param $p i32) (param $n i32) (result i64)
    (call $charge (i64.const 1))
    (call $host_charge (i64.load (local.get $p)))
    (call $pack (local.get $p) (i32.const 0)))

  (func (export "host_fail") (param $p i32) (param $n i32) (result i64)
    (call $charge (i64.const 1))
    (call $host_fail)
    (i64.const 0))

  ;; host_abort aborts with its input as the message.
  (func (export "host_abort") (param $p i32) (param $n i32) (result i64)
    (call $charge (i64.const 1))
    (call $host_abort (local.get $p) (local.get $n))
    (i64.const 0))

  ;; log_outside asks the host to log bytes that are not all in memory.
  (func (export "log_outside") (param $p i32) (param $n i32) (result i64)
    (call $charge (i64.const 1))
    (call $host_log (i32.const 0xfff0) (i32.const 100))
    (i64.const 0))

  ;; log logs its input through the host.
  (func (export "log") (param $p i32) (param $n i32) (result i64)
    (call $charge (i64.const 1))
    (call $host_log (local.get $p) (local.get $n))
    (call $pack (local.get $p) (i32.const 0)))

  ;; host_loop calls the no-op host function input[0..4] times (benchmarks).
  (func (export "host_loop") (param $p i32) (param $n i32) (result i64) (local $i i32)
    (local.set $i (i32.load (local.get $p)))
    (block $done
      (loop $l
        (br_if $done (i32.eqz (local.get $i)))
        (call $host_nop)
        (local.set $i (i32.sub (local.get $i) (i32.const 1)))
        (br $l)))
    (call $pack (local.get $p) (i32.const 0)))

  ;; charge_loop asks the host to charge 1 gas input[0..4] times (benchmarks).
  (func (export "charge_loop") (param $p i32) (param $n i32) (result i64) (local $i i32)
    (local.set $i (i32.load (local.get $p)))
    (block $done
      (loop $l
        (br_if $done (i32.eqz (local.get $i)))
        (call $host_charge (i64.const 1))
        (local.set $i (i32.sub (local.get $i) (i32.const 1)))
        (br $l)))
    (call $pack (local.get $p) (i32.const 0)))

  ;; recurse recurses input[0..4] frames deep, 10 stack units and 3 gas each.
  (func $rec (param $d i32)
    (call $enter)
    (call $charge (i64.const 3))
    (if (local.get $d) (then (call $rec (i32.sub (local.get $d) (i32.const 1)))))
    (call $leave))
  (func (export "recurse") (param $p i32) (param $n i32) (result i64)
    (call $charge (i64.const 1))
    (call $rec (i32.load (local.get $p)))
    (call $pack (local.get $p) (i32.const 0)))

  ;; nan returns the bits of f32 0/0 and f64 sqrt(-1), which the engines
  ;; must leave uncanonicalised (the instrumenter canonicalises).
  (func (export "nan") (param $p i32) (param $n i32) (result i64)
    (call $charge (i64.const 1))
    (f32.store (i32.const 0) (f32.div (f32.const 0) (f32.convert_i32_u (local.get $n))))
    (f64.store (i32.const 4) (f64.sqrt (f64.convert_i32_s (i32.sub (local.get $n) (i32.const 1)))))
    (call $pack (i32.const 0) (i32.const 12)))

  ;; cheat gives itself more gas than it was given.
  (func (export "cheat") (param $p i32) (param $n i32) (result i64)
    (global.set $gas (i64.const -1))
    (i64.const 0))

  ;; not_entry has the wrong signature for an entry point.
  (func (export "not_entry") (param i32) (result i32) (local.get 0))
)
