// Package runtime runs taorun's subnet modules: WebAssembly compiled once,
// instantiated with a fixed set of host functions, and called with bytes in
// and out under deterministic gas. Two engines sit behind one API: wazero
// (the default, pure Go) and wasmtime (cgo, built with -tags wasmtime).
//
// The flow is Compile (bytes → *Module, cached by SHA-256), then either
// Module.Run (a fresh instance per call: the consensus default) or
// Module.Instantiate followed by many Instance.Call (node-side loops).
//
// # Invariants
//
//   - Determinism: for the same module bytes, input, instance history and
//     gas limit, every engine returns the same Result.Output, GasUsed and Err
//     (kind and message). Gas is counted by the module itself, in globals the
//     instrumenter appended (abi.GasGlobal, abi.OOGGlobal, abi.StackGlobal),
//     so it does not depend on the engine; engine traps are mapped to
//     engine-independent messages; WASI is replaced by deterministic shims
//     (see the WASI section); host functions charge the same global.
//   - Gas protocol: before every top-level guest call (`_initialize`,
//     alloc, the entry point, dealloc) the runtime sets the gas global to
//     what is left of the limit, the out-of-gas flag to 0 and the stack
//     global to Config.StackBudget, and afterwards reads the gas back. Out of
//     gas means the whole limit was used.
//   - Bounds: inputs, outputs and logs are capped (Config) and output
//     length and bounds are checked before anything is copied; memory is
//     capped by the engine as a backstop to the instrumenter's own cap.
//   - No re-entry: host functions never call into the guest; the runtime
//     calls alloc and dealloc only between guest calls.
//   - Unmetered modules (no gas globals) are refused unless
//     Config.AllowUnmetered is set, which only tests and tools do.
//   - Gas never depends on the caches: a module compiled fresh, loaded from
//     the disk cache or pinned in memory runs identically.
//
// # ABI v1
//
// A module exports `memory`, the marker abi.ABIMarker, `alloc(len i32) i32`,
// `dealloc(ptr i32, len i32)` and entry points `name(ptr i32, len i32) i64`
// returning (ptr<<32)|len (abi.UnpackResult); bit 63 set means the bytes
// are a UTF-8 error message (ErrGuest), and bit 62 with it that the module
// does not implement the entry point (ErrNotImplemented). A WASI reactor's
// `_initialize` runs once per instance, metered like any call. Host
// functions are Config.Host (taorun's set is listed in abi.HostFuncs) plus
// the WASI shims.
//
// # WASI
//
// Go guests built with GOOS=wasip1 import wasi_snapshot_preview1. Every
// engine links the same deterministic shims: a clock that reads
// InstanceConfig.Time and advances only when the guest sleeps, random bytes
// from SHA-256 of InstanceConfig.Seed and a counter, no arguments,
// environment or files, stdout and stderr captured into Result.Log, and
// proc_exit as a trap. Each shim charges WASICallGas, plus WASIByteGas per
// byte written or randomised.
package runtime
