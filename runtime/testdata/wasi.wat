;; wasi.wat: calls the WASI shims directly, to pin down their exact answers.
;; Every entry writes its results from address 0 and returns them. Scratch
;; memory: 0..256 results, 256..512 call arguments, input from 4096.
(module
  (import "wasi_snapshot_preview1" "clock_time_get" (func $clock (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "random_get" (func $random (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes (param i32 i32) (result i32)))

  (global (export "__tao_gas") (mut i64) (i64.const 0))
  (global (export "__tao_oog") (mut i32) (i32.const 0))
  (global (export "__tao_stack") (mut i32) (i32.const 0))
  (memory (export "memory") 1 1)

  (func (export "tao_abi_v1"))
  (func (export "alloc") (param i32) (result i32) (i32.const 4096))
  (func (export "dealloc") (param i32 i32))

  (func $out (param $n i32) (result i64) (i64.extend_i32_u (local.get $n)))

  ;; clock: input u32 clock id -> errno u32, time u64.
  (func (export "clock") (param $p i32) (param $n i32) (result i64)
    (i32.store (i32.const 0) (call $clock (i32.load (local.get $p)) (i64.const 0) (i32.const 4)))
    (call $out (i32.const 12)))

  ;; random: input u32 n -> errno u32, n bytes.
  (func (export "random") (param $p i32) (param $n i32) (result i64)
    (i32.store (i32.const 0) (call $random (i32.const 4) (i32.load (local.get $p))))
    (call $out (i32.add (i32.const 4) (i32.load (local.get $p)))))

  ;; sleep: input u64 ns -> errno u32, nevents u32, userdata u64, event errno
  ;; u16 + type u8 (padded to u32), monotonic time after u64.
  (func (export "sleep") (param $p i32) (param $n i32) (result i64)
    ;; subscription at 256: userdata 42, tag 0 (clock), id 1, timeout, flags 0
    (i64.store (i32.const 256) (i64.const 42))
    (i32.store8 (i32.const 264) (i32.const 0))
    (i32.store (i32.const 272) (i32.const 1))
    (i64.store (i32.const 280) (i64.load (local.get $p)))
    (i32.store16 (i32.const 296) (i32.const 0))
    (i32.store (i32.const 0) (call $poll (i32.const 256) (i32.const 320) (i32.const 1) (i32.const 4)))
    (i64.store (i32.const 8) (i64.load (i32.const 320)))
    (i32.store (i32.const 16) (i32.load (i32.const 328)))
    (drop (call $clock (i32.const 1) (i64.const 0) (i32.const 20)))
    (call $out (i32.const 28)))

  ;; write: input u32 fd, then bytes -> errno u32, nwritten u32.
  (func (export "write") (param $p i32) (param $n i32) (result i64)
    (i32.store (i32.const 256) (i32.add (local.get $p) (i32.const 4)))
    (i32.store (i32.const 260) (i32.sub (local.get $n) (i32.const 4)))
    (i32.store (i32.const 0) (call $write (i32.load (local.get $p)) (i32.const 256) (i32.const 1) (i32.const 4)))
    (call $out (i32.const 8)))

  ;; write_fault: an iovec pointing outside memory -> errno u32.
  (func (export "write_fault") (param $p i32) (param $n i32) (result i64)
    (i32.store (i32.const 256) (i32.const 0xfff0))
    (i32.store (i32.const 260) (i32.const 100))
    (i32.store (i32.const 0) (call $write (i32.const 1) (i32.const 256) (i32.const 1) (i32.const 4)))
    (call $out (i32.const 4)))

  ;; read: fd_read on stdin -> errno u32.
  (func (export "read") (param $p i32) (param $n i32) (result i64)
    (i32.store (i32.const 0) (call $read (i32.const 0) (i32.const 256) (i32.const 1) (i32.const 4)))
    (call $out (i32.const 4)))

  ;; args: args_sizes_get -> errno u32, argc u32, bytes u32.
  (func (export "args") (param $p i32) (param $n i32) (result i64)
    (i64.store (i32.const 4) (i64.const -1))
    (i32.store (i32.const 0) (call $args_sizes (i32.const 4) (i32.const 8)))
    (call $out (i32.const 12)))
)
