;; host.wat: an ABI v1 module that calls every taorun host function, for
;; the host package's tests. It exports the metering globals but charges no
;; gas itself, so a call's gas is exactly what the host functions charged.
;;
;; Entry inputs are little-endian; "cap" is the caller buffer's capacity.
;; Outputs that report a host function's i64 result start with those 8 bytes,
;; followed by the caller buffer (cap bytes, zero unless the host wrote it).
(module
  (import "env" "log" (func $log (param i32 i32 i32)))
  (import "env" "abort" (func $abort (param i32 i32)))
  (import "env" "block_info" (func $block_info (param i32 i32) (result i64)))
  (import "env" "sha256" (func $sha256 (param i32 i32 i32)))
  (import "env" "blake2b" (func $blake2b (param i32 i32 i32)))
  (import "env" "gas_left" (func $gas_left (result i64)))
  (import "env" "state_get" (func $state_get (param i32 i32 i32 i32) (result i64)))
  (import "env" "state_set" (func $state_set (param i32 i32 i32 i32)))
  (import "env" "state_remove" (func $state_remove (param i32 i32)))
  (import "env" "metagraph" (func $metagraph (param i32 i32) (result i64)))
  (import "env" "runner_invoke" (func $runner_invoke (param i32 i32 i32 i32) (result i64)))
  (import "env" "runner_submit" (func $runner_submit (param i32 i32 i32 i32) (result i64)))
  (import "env" "runner_wait" (func $runner_wait (param i64) (result i64)))
  (import "env" "runner_result" (func $runner_result (param i32 i32) (result i64)))
  (import "env" "time_now" (func $time_now (result i64)))

  (global (export "__tao_gas") (mut i64) (i64.const 0))
  (global (export "__tao_oog") (mut i32) (i32.const 0))
  (global (export "__tao_stack") (mut i32) (i32.const 0))
  (global $heap (mut i32) (i32.const 1024))

  (memory (export "memory") 1 64)

  (func (export "tao_abi_v1"))

  ;; $alloc bumps $heap, growing memory as needed.
  (func $alloc (param $n i32) (result i32) (local $p i32) (local $end i32)
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
  (func (export "alloc") (param $n i32) (result i32) (call $alloc (local.get $n)))
  (func (export "dealloc") (param i32 i32))

  (func $pack (param $p i32) (param $n i32) (result i64)
    (i64.or (i64.shl (i64.extend_i32_u (local.get $p)) (i64.const 32))
            (i64.extend_i32_u (local.get $n))))

  ;; $u32 reads a u32 at p.
  (func $u32 (param $p i32) (result i32) (i32.load (local.get $p)))

  ;; $ret8 returns an 8-byte output holding v.
  (func $ret8 (param $v i64) (result i64) (local $o i32)
    (local.set $o (call $alloc (i32.const 8)))
    (i64.store (local.get $o) (local.get $v))
    (call $pack (local.get $o) (i32.const 8)))

  ;; block_info, metagraph, runner_result: in = cap; out = ret | buf.
  (func (export "block_info") (param $p i32) (param $n i32) (result i64) (local $cap i32) (local $o i32)
    (local.set $cap (call $u32 (local.get $p)))
    (local.set $o (call $alloc (i32.add (i32.const 8) (local.get $cap))))
    (i64.store (local.get $o) (call $block_info (i32.add (local.get $o) (i32.const 8)) (local.get $cap)))
    (call $pack (local.get $o) (i32.add (i32.const 8) (local.get $cap))))
  (func (export "metagraph") (param $p i32) (param $n i32) (result i64) (local $cap i32) (local $o i32)
    (local.set $cap (call $u32 (local.get $p)))
    (local.set $o (call $alloc (i32.add (i32.const 8) (local.get $cap))))
    (i64.store (local.get $o) (call $metagraph (i32.add (local.get $o) (i32.const 8)) (local.get $cap)))
    (call $pack (local.get $o) (i32.add (i32.const 8) (local.get $cap))))
  (func (export "runner_result") (param $p i32) (param $n i32) (result i64) (local $cap i32) (local $o i32)
    (local.set $cap (call $u32 (local.get $p)))
    (local.set $o (call $alloc (i32.add (i32.const 8) (local.get $cap))))
    (i64.store (local.get $o) (call $runner_result (i32.add (local.get $o) (i32.const 8)) (local.get $cap)))
    (call $pack (local.get $o) (i32.add (i32.const 8) (local.get $cap))))

  ;; metagraph_twice asks for the metagraph's length, then fetches it: out =
  ;; ret1 | ret2 | buf.
  (func (export "metagraph_twice") (param $p i32) (param $n i32) (result i64) (local $len i32) (local $o i32)
    (local.set $len (i32.wrap_i64 (call $metagraph (i32.const 0) (i32.const 0))))
    (local.set $o (call $alloc (i32.add (i32.const 16) (local.get $len))))
    (i64.store (local.get $o) (i64.extend_i32_u (local.get $len)))
    (i64.store offset=8 (local.get $o) (call $metagraph (i32.add (local.get $o) (i32.const 16)) (local.get $len)))
    (call $pack (local.get $o) (i32.add (i32.const 16) (local.get $len))))

  ;; sha256, blake2b: in = data; out = the 32-byte digest.
  (func (export "sha256") (param $p i32) (param $n i32) (result i64) (local $o i32)
    (local.set $o (call $alloc (i32.const 32)))
    (call $sha256 (local.get $p) (local.get $n) (local.get $o))
    (call $pack (local.get $o) (i32.const 32)))
  (func (export "blake2b") (param $p i32) (param $n i32) (result i64) (local $o i32)
    (local.set $o (call $alloc (i32.const 32)))
    (call $blake2b (local.get $p) (local.get $n) (local.get $o))
    (call $pack (local.get $o) (i32.const 32)))

  ;; sha256_at: in = in_ptr | in_len | out_ptr, raw pointers (bounds tests).
  (func (export "sha256_at") (param $p i32) (param $n i32) (result i64)
    (call $sha256 (call $u32 (local.get $p)) (call $u32 (i32.add (local.get $p) (i32.const 4)))
                  (call $u32 (i32.add (local.get $p) (i32.const 8))))
    (call $pack (i32.const 0) (i32.const 0)))

  ;; sha256_loop: in = count; hashes 32 bytes count times (benchmarks).
  (func (export "sha256_loop") (param $p i32) (param $n i32) (result i64) (local $i i32)
    (local.set $i (call $u32 (local.get $p)))
    (block $done
      (loop $l
        (br_if $done (i32.eqz (local.get $i)))
        (call $sha256 (i32.const 0) (i32.const 32) (i32.const 32))
        (local.set $i (i32.sub (local.get $i) (i32.const 1)))
        (br $l)))
    (call $pack (i32.const 0) (i32.const 0)))

  ;; gas_loop: in = count; calls gas_left count times (benchmarks).
  (func (export "gas_loop") (param $p i32) (param $n i32) (result i64) (local $i i32)
    (local.set $i (call $u32 (local.get $p)))
    (block $done
      (loop $l
        (br_if $done (i32.eqz (local.get $i)))
        (drop (call $gas_left))
        (local.set $i (i32.sub (local.get $i) (i32.const 1)))
        (br $l)))
    (call $pack (i32.const 0) (i32.const 0)))

  (func (export "gas_left") (param $p i32) (param $n i32) (result i64)
    (call $ret8 (call $gas_left)))
  (func (export "time_now") (param $p i32) (param $n i32) (result i64)
    (call $ret8 (call $time_now)))

  ;; state_get: in = cap | key; out = ret | buf.
  (func (export "state_get") (param $p i32) (param $n i32) (result i64) (local $cap i32) (local $o i32)
    (local.set $cap (call $u32 (local.get $p)))
    (local.set $o (call $alloc (i32.add (i32.const 8) (local.get $cap))))
    (i64.store (local.get $o)
      (call $state_get (i32.add (local.get $p) (i32.const 4)) (i32.sub (local.get $n) (i32.const 4))
                       (i32.add (local.get $o) (i32.const 8)) (local.get $cap)))
    (call $pack (local.get $o) (i32.add (i32.const 8) (local.get $cap))))

  ;; state_set: in = key_len | key | value.
  (func (export "state_set") (param $p i32) (param $n i32) (result i64) (local $k i32)
    (local.set $k (call $u32 (local.get $p)))
    (call $state_set (i32.add (local.get $p) (i32.const 4)) (local.get $k)
                     (i32.add (i32.add (local.get $p) (i32.const 4)) (local.get $k))
                     (i32.sub (i32.sub (local.get $n) (i32.const 4)) (local.get $k)))
    (call $pack (i32.const 0) (i32.const 0)))

  ;; state_remove: in = key.
  (func (export "state_remove") (param $p i32) (param $n i32) (result i64)
    (call $state_remove (local.get $p) (local.get $n))
    (call $pack (i32.const 0) (i32.const 0)))

  ;; runner_invoke: in = cap | name_len | name | payload;
  ;; out = invoke's ret | runner_result's ret | buf.
  (func (export "runner_invoke") (param $p i32) (param $n i32) (result i64) (local $cap i32) (local $k i32) (local $o i32)
    (local.set $cap (call $u32 (local.get $p)))
    (local.set $k (call $u32 (i32.add (local.get $p) (i32.const 4))))
    (local.set $o (call $alloc (i32.add (i32.const 16) (local.get $cap))))
    (i64.store (local.get $o)
      (call $runner_invoke (i32.add (local.get $p) (i32.const 8)) (local.get $k)
                           (i32.add (i32.add (local.get $p) (i32.const 8)) (local.get $k))
                           (i32.sub (i32.sub (local.get $n) (i32.const 8)) (local.get $k))))
    (i64.store offset=8 (local.get $o) (call $runner_result (i32.add (local.get $o) (i32.const 16)) (local.get $cap)))
    (call $pack (local.get $o) (i32.add (i32.const 16) (local.get $cap))))

  ;; runner_submit_wait: in = cap | name_len | name | payload; submits,
  ;; waits; out = submit's ret | wait's ret | runner_result's ret | buf.
  (func (export "runner_submit_wait") (param $p i32) (param $n i32) (result i64) (local $cap i32) (local $k i32) (local $o i32)
    (local.set $cap (call $u32 (local.get $p)))
    (local.set $k (call $u32 (i32.add (local.get $p) (i32.const 4))))
    (local.set $o (call $alloc (i32.add (i32.const 24) (local.get $cap))))
    (i64.store (local.get $o)
      (call $runner_submit (i32.add (local.get $p) (i32.const 8)) (local.get $k)
                           (i32.add (i32.add (local.get $p) (i32.const 8)) (local.get $k))
                           (i32.sub (i32.sub (local.get $n) (i32.const 8)) (local.get $k))))
    (i64.store offset=8 (local.get $o) (call $runner_wait (i64.load (local.get $o))))
    (i64.store offset=16 (local.get $o) (call $runner_result (i32.add (local.get $o) (i32.const 24)) (local.get $cap)))
    (call $pack (local.get $o) (i32.add (i32.const 24) (local.get $cap))))

  ;; runner_wait: in = job (i64); out = wait's ret.
  (func (export "runner_wait") (param $p i32) (param $n i32) (result i64)
    (call $ret8 (call $runner_wait (i64.load (local.get $p)))))

  ;; log: in = level | count | msg; logs msg count times.
  (func (export "log") (param $p i32) (param $n i32) (result i64) (local $i i32)
    (local.set $i (call $u32 (i32.add (local.get $p) (i32.const 4))))
    (block $done
      (loop $l
        (br_if $done (i32.eqz (local.get $i)))
        (call $log (call $u32 (local.get $p)) (i32.add (local.get $p) (i32.const 8)) (i32.sub (local.get $n) (i32.const 8)))
        (local.set $i (i32.sub (local.get $i) (i32.const 1)))
        (br $l)))
    (call $pack (i32.const 0) (i32.const 0)))

  ;; abort: in = msg.
  (func (export "abort") (param $p i32) (param $n i32) (result i64)
    (call $abort (local.get $p) (local.get $n))
    (call $pack (i32.const 0) (i32.const 0)))
)
