;; hooks.wat: a plain (uninstrumented) ABI v1 module for the registry and
;; chain/modules tests. on_epoch's behaviour is chosen by the input's Netuid
;; (its first two bytes):
;;   0  keep Yuma's split
;;   1  resplit paying 1 rao to every neuron (breaks conservation)
;;   2  loop forever (out of gas)
;;   3  write storage "k" = "v", then trap
;;   4  write storage "k" = "v", then keep Yuma's split
;;   5  return an output the wire decoder rejects (bool byte 2)
;;   6+ answer "not implemented"
;; on_register writes "r" = "v" and denies with the reason "nope!".
;; validate_weights is not exported.
(module
  (import "env" "state_set" (func $state_set (param i32 i32 i32 i32)))
  (memory (export "memory") 2)
  (global $heap (mut i32) (i32.const 8192))
  (data (i32.const 16) "kvr")
  (data (i32.const 32) "\00\00\00\00\00")
  (data (i32.const 48) "\02")
  (data (i32.const 64) "\00\05\00\00\00nope!")
  (data (i32.const 96) "not here")

  (func (export "tao_abi_v1"))
  (func $alloc (export "alloc") (param $n i32) (result i32) (local $p i32)
    (local.set $p (global.get $heap))
    (global.set $heap (i32.add (local.get $p) (local.get $n)))
    (local.get $p))
  (func (export "dealloc") (param i32 i32))
  (func $pack (param $p i32) (param $n i32) (result i64)
    (i64.or (i64.shl (i64.extend_i32_u (local.get $p)) (i64.const 32))
            (i64.extend_i32_u (local.get $n))))

  (func (export "on_epoch") (param $in i32) (param $len i32) (result i64)
    (local $n i32) (local $out i32) (local $i i32)
    (block $notimpl (block $bad (block $write (block $writetrap (block $spin (block $ones (block $keep
      (br_table $keep $ones $spin $writetrap $write $bad $notimpl (i32.load16_u (local.get $in))))
      ;; 0: keep
      (return (call $pack (i32.const 32) (i32.const 5))))
    ;; 1: one rao per neuron
    (local.set $n (i32.load offset=18 (local.get $in)))
    (local.set $out (call $alloc (i32.add (i32.const 5) (i32.shl (local.get $n) (i32.const 3)))))
    (i32.store8 (local.get $out) (i32.const 1))
    (i32.store offset=1 (local.get $out) (local.get $n))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (i64.store offset=5 (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 3))) (i64.const 1))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l)))
    (return (call $pack (local.get $out) (i32.add (i32.const 5) (i32.shl (local.get $n) (i32.const 3))))))
    ;; 2: spin
    (loop $l (br $l))
    (unreachable))
    ;; 3: write, then trap
    (call $state_set (i32.const 16) (i32.const 1) (i32.const 17) (i32.const 1))
    (unreachable))
    ;; 4: write, then keep
    (call $state_set (i32.const 16) (i32.const 1) (i32.const 17) (i32.const 1))
    (return (call $pack (i32.const 32) (i32.const 5))))
    ;; 5: invalid output
    (return (call $pack (i32.const 48) (i32.const 1))))
    ;; 6+: not implemented
    (i64.or (i64.const 0xc000000000000000) (call $pack (i32.const 96) (i32.const 8))))

  (func (export "on_register") (param $in i32) (param $len i32) (result i64)
    (call $state_set (i32.const 18) (i32.const 1) (i32.const 17) (i32.const 1))
    (call $pack (i32.const 64) (i32.const 10))))
