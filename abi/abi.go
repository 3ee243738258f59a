// Package abi names the contract between taorun and a subnet's WebAssembly
// module, version 1: the exports a module must provide, the globals the
// instrumenter appends for metering, the bits of an entry point's packed
// result, and the host functions a module may import, with their exact
// signatures and where they may be called. docs/abi.md is the prose
// description of the same contract; this package is its single source in
// code, imported by the upload pipeline (plugins), the engines (runtime), the
// host functions (host) and the guest SDK.
//
// Invariants:
//   - Names and signatures here never change within ABI v1: a module that
//     passed the upload policy once passes it on every node and every later
//     release. Additions are new names; nothing is renumbered or reused.
//   - The tables are in a fixed order and are read, never mutated; lookups go
//     through the functions below, so iteration order is deterministic.
//   - This package imports nothing of taorun's and compiles for the host and
//     for GOOS=wasip1 guests alike.
package abi

// Version is the ABI version this package describes.
const Version = 1

// Exports every module provides (spec/wasm.md 4f).
const (
	// ABIMarker is exported by every ABI v1 module (a function () -> () or a
	// global); its presence tells the pipeline which contract applies.
	ABIMarker = "tao_abi_v1"
	// MemoryExport is the module's single linear memory.
	MemoryExport = "memory"
	// AllocExport is alloc(len i32) -> i32: the guest allocates len bytes the
	// host then fills with an entry point's input.
	AllocExport = "alloc"
	// DeallocExport is dealloc(ptr i32, len i32): the guest frees an output
	// buffer after the host has copied it.
	DeallocExport = "dealloc"
	// InitializeExport is the WASI reactor initialiser Go and TinyGo
	// c-shared guests export; the host runs it once per instance, metered.
	InitializeExport = "_initialize"
)

// Globals the instrumenter appends and exports, and the host sets before and
// reads after every top-level call (spec/wasm.md 4a, 4b).
const (
	// GasGlobal (i64, mutable) holds the gas left to the call.
	GasGlobal = "__tao_gas"
	// OOGGlobal (i32, mutable) says why the guest trapped on a meter:
	// OOGNone, OOGOutOfGas or OOGStackOverflow.
	OOGGlobal = "__tao_oog"
	// StackGlobal (i32, mutable) holds the stack budget left, in 8-byte
	// slots; each function takes its frame cost on entry and gives it back on
	// exit.
	StackGlobal = "__tao_stack"
	// ReservedPrefix starts every name the host owns; a module exporting a
	// name with this prefix is rejected at upload.
	ReservedPrefix = "__tao_"
)

// Values of OOGGlobal.
const (
	OOGNone          = 0
	OOGOutOfGas      = 1
	OOGStackOverflow = 2
)

// Bits of an entry point's i64 result, (ptr << 32) | len with len < 2^31:
// bit 63 set means the bytes are a UTF-8 error text instead of an output,
// and bit 62 (with 63) that the module does not implement the entry point.
const (
	ResultError          uint64 = 1 << 63
	ResultNotImplemented uint64 = 1 << 62
	// resultFlags are all flag bits; the pointer is what remains above bit 32.
	resultFlags = ResultError | ResultNotImplemented
)

// PackResult packs an entry point's result.
func PackResult(ptr, n uint32, isErr, notImplemented bool) uint64 {
	r := uint64(ptr)<<32 | uint64(n)
	if isErr {
		r |= ResultError
		if notImplemented {
			r |= ResultNotImplemented
		}
	}
	return r
}

// UnpackResult splits a packed entry point result.
func UnpackResult(r uint64) (ptr, n uint32, isErr, notImplemented bool) {
	return uint32((r &^ resultFlags) >> 32), uint32(r), r&ResultError != 0, r&ResultNotImplemented != 0
}

// Side says where an entry point runs and therefore which host functions it
// may call.
type Side uint8

const (
	// ChainSide entry points run inside blocks on every node: deterministic,
	// metered, and only deterministic host functions.
	ChainSide Side = iota + 1
	// NodeSide entry points run in a miner's or validator's own loop, where
	// runners and time are available.
	NodeSide
)

// String names the side.
func (s Side) String() string {
	switch s {
	case ChainSide:
		return "chain-side"
	case NodeSide:
		return "node-side"
	}
	return "unknown side"
}

// Entry is one entry point: exported as Name with signature
// (ptr i32, len i32) -> i64.
type Entry struct {
	Name string
	Side Side
	// Doc says what the entry point receives and returns (payload types in
	// package abi/wire).
	Doc string
}

// Entry point names.
const (
	EntryValidateWeights = "validate_weights"
	EntryOnEpoch         = "on_epoch"
	EntryOnRegister      = "on_register"
	EntryInit            = "init"
	EntryChallenge       = "challenge"
	EntrySolve           = "solve"
	EntryScore           = "score"
)

// entries is the entry point table, in a fixed order.
var entries = []Entry{
	{EntryValidateWeights, ChainSide, "ValidateWeightsInput -> ValidateWeightsOutput: accept, reject with a reason, or adjust a set-weights or reveal"},
	{EntryOnEpoch, ChainSide, "OnEpochInput -> OnEpochOutput: may re-split the epoch's miner emission; the chain checks conservation"},
	{EntryOnRegister, ChainSide, "OnRegisterInput -> OnRegisterOutput: allow or deny a registration with a reason"},
	{EntryInit, NodeSide, "module configuration bytes -> nothing: optional one-time set-up of a node-side instance"},
	{EntryChallenge, NodeSide, "ChallengeInput -> ChallengeOutput: a validator's task for miners, from a seed"},
	{EntrySolve, NodeSide, "SolveInput -> SolveOutput: a miner's answer, typically computed by runners"},
	{EntryScore, NodeSide, "ScoreInput -> ScoreOutput: a validator's scores for the miners' answers"},
}

// Entries returns the entry point table in its fixed order (a copy).
func Entries() []Entry { return append([]Entry(nil), entries...) }

// LookupEntry returns the entry point called name.
func LookupEntry(name string) (Entry, bool) {
	for _, e := range entries {
		if e.Name == name {
			return e, true
		}
	}
	return Entry{}, false
}

// ValType is a WebAssembly value type, as its binary-format byte. Host
// function signatures use only the four number types below; the runtime's
// engines also report other types (externref, say) in the same type.
type ValType byte

// The number types, with their binary encodings.
const (
	I32 ValType = 0x7f
	I64 ValType = 0x7e
	F32 ValType = 0x7d
	F64 ValType = 0x7c
)

// String returns the WebAssembly text name of the type.
func (t ValType) String() string {
	switch t {
	case I32:
		return "i32"
	case I64:
		return "i64"
	case F32:
		return "f32"
	case F64:
		return "f64"
	}
	// What fmt's "valtype(%#x)" gives, without importing fmt (guest modules
	// import this package).
	const hex = "0123456789abcdef"
	digits := []byte{hex[t>>4], hex[t&0xf]}
	if t < 0x10 {
		digits = digits[1:]
	}
	return "valtype(0x" + string(digits) + ")"
}

// Scope says which entry points may call a host function.
type Scope uint8

const (
	// AnySide functions are deterministic and may be called from every entry
	// point.
	AnySide Scope = iota + 1
	// ChainOnly functions read or write chain state (module storage, the
	// metagraph) and exist only during chain-side hooks; a node-side call
	// returns StatusUnavailable.
	ChainOnly
	// NodeOnly functions are not deterministic (runners, time). A module may
	// import them — a Go guest cannot import conditionally — but a call from
	// a chain-side hook returns StatusUnavailable without side effects, so
	// the hook sees the same answer on every node.
	NodeOnly
)

// String names the scope.
func (s Scope) String() string {
	switch s {
	case AnySide:
		return "any entry point"
	case ChainOnly:
		return "chain-side hooks only"
	case NodeOnly:
		return "node-side entry points only"
	}
	return "unknown scope"
}

// Allowed reports whether an entry point on side may call a function of
// scope s.
func (s Scope) Allowed(side Side) bool {
	switch s {
	case AnySide:
		return true
	case ChainOnly:
		return side == ChainSide
	case NodeOnly:
		return side == NodeSide
	}
	return false
}

// Status codes returned (as negative i64 values, -code) by host functions
// that return a length or a status; a length is always >= 0.
const (
	// StatusUnavailable: the function does not exist for this entry point's
	// side, or no runner of that name is configured.
	StatusUnavailable = 1
	// StatusRunnerFailed: the runner failed; runner_result returns its error
	// text.
	StatusRunnerFailed = 2
	// StatusNotFound: the key or job does not exist.
	StatusNotFound = 3
)

// HostModule is the import module name of every taorun host function.
const HostModule = "env"

// HostFunc describes one host function: its import name (in HostModule), its
// exact signature and its scope. Pointers and lengths are i32; a function
// that returns data writes it only into a buffer the caller supplies
// (out_ptr, out_cap) and returns the full length, writing nothing if it
// exceeds out_cap, so the guest can retry with a larger buffer and the host
// never calls the guest's allocator.
type HostFunc struct {
	Name    string
	Params  []ValType
	Results []ValType
	Scope   Scope
	Doc     string
}

// hostFuncs is the host import whitelist, in a fixed order.
var hostFuncs = []HostFunc{
	{"log", []ValType{I32, I32, I32}, nil, AnySide,
		"log(level, ptr, len): appends a UTF-8 line to the call's bounded log (0 debug, 1 info, 2 warn, 3 error)"},
	{"abort", []ValType{I32, I32}, nil, AnySide,
		"abort(ptr, len): stops the call with the UTF-8 message as a guest error"},
	{"block_info", []ValType{I32, I32}, []ValType{I64}, AnySide,
		"block_info(out_ptr, out_cap) -> len: the wire-encoded BlockInfo of the block in progress"},
	{"sha256", []ValType{I32, I32, I32}, nil, AnySide,
		"sha256(ptr, len, out32_ptr): writes the 32-byte SHA-256 of the input"},
	{"blake2b", []ValType{I32, I32, I32}, nil, AnySide,
		"blake2b(ptr, len, out32_ptr): writes the 32-byte BLAKE2b-256 of the input"},
	{"gas_left", nil, []ValType{I64}, AnySide,
		"gas_left() -> gas: the gas left to the call"},
	{"state_get", []ValType{I32, I32, I32, I32}, []ValType{I64}, ChainOnly,
		"state_get(key_ptr, key_len, out_ptr, out_cap) -> len: the value of a key in the subnet's module storage, or -StatusNotFound"},
	{"state_set", []ValType{I32, I32, I32, I32}, nil, ChainOnly,
		"state_set(key_ptr, key_len, val_ptr, val_len): writes a key of the subnet's module storage"},
	{"state_remove", []ValType{I32, I32}, nil, ChainOnly,
		"state_remove(key_ptr, key_len): deletes a key of the subnet's module storage"},
	{"metagraph", []ValType{I32, I32}, []ValType{I64}, ChainOnly,
		"metagraph(out_ptr, out_cap) -> len: the wire-encoded Metagraph of the subnet"},
	{"runner_invoke", []ValType{I32, I32, I32, I32}, []ValType{I64}, NodeOnly,
		"runner_invoke(name_ptr, name_len, in_ptr, in_len) -> len: runs a job on a local runner and waits; the result is then read with runner_result"},
	{"runner_submit", []ValType{I32, I32, I32, I32}, []ValType{I64}, NodeOnly,
		"runner_submit(name_ptr, name_len, in_ptr, in_len) -> job: starts a job on a local runner without waiting"},
	{"runner_wait", []ValType{I64}, []ValType{I64}, NodeOnly,
		"runner_wait(job) -> len: waits for a submitted job; the result is then read with runner_result"},
	{"runner_result", []ValType{I32, I32}, []ValType{I64}, NodeOnly,
		"runner_result(out_ptr, out_cap) -> len: copies the last runner result (or error text) into the caller's buffer"},
	{"time_now", nil, []ValType{I64}, NodeOnly,
		"time_now() -> unix_ms: the node's wall clock"},
}

// HostFuncs returns the host import whitelist in its fixed order (a copy).
func HostFuncs() []HostFunc { return append([]HostFunc(nil), hostFuncs...) }

// LookupHostFunc returns the host function imported as (module, name).
func LookupHostFunc(module, name string) (HostFunc, bool) {
	if module != HostModule {
		return HostFunc{}, false
	}
	for _, f := range hostFuncs {
		if f.Name == name {
			return f, true
		}
	}
	return HostFunc{}, false
}

// WASIModule is the import module of the WASI preview 1 functions Go's
// wasip1 port needs; the host provides them as deterministic shims (fixed
// clock, no randomness, no files, no network).
const WASIModule = "wasi_snapshot_preview1"

// wasiFuncs are the WASI preview 1 imports a Go (GOOS=wasip1) guest makes,
// with their exact signatures.
var wasiFuncs = []HostFunc{
	{"args_get", []ValType{I32, I32}, []ValType{I32}, AnySide, "no arguments"},
	{"args_sizes_get", []ValType{I32, I32}, []ValType{I32}, AnySide, "no arguments"},
	{"environ_get", []ValType{I32, I32}, []ValType{I32}, AnySide, "empty environment"},
	{"environ_sizes_get", []ValType{I32, I32}, []ValType{I32}, AnySide, "empty environment"},
	{"clock_time_get", []ValType{I32, I64, I32}, []ValType{I32}, AnySide, "a fixed clock"},
	{"fd_write", []ValType{I32, I32, I32, I32}, []ValType{I32}, AnySide, "stdout and stderr go to the bounded log"},
	{"random_get", []ValType{I32, I32}, []ValType{I32}, AnySide, "deterministic bytes"},
	{"proc_exit", []ValType{I32}, nil, AnySide, "stops the call"},
	{"sched_yield", nil, []ValType{I32}, AnySide, "no-op"},
	{"poll_oneoff", []ValType{I32, I32, I32, I32}, []ValType{I32}, AnySide, "clock subscriptions only, fixed clock"},
	{"fd_close", []ValType{I32}, []ValType{I32}, AnySide, "no files: EBADF"},
	{"fd_fdstat_get", []ValType{I32, I32}, []ValType{I32}, AnySide, "stdio only"},
	{"fd_fdstat_set_flags", []ValType{I32, I32}, []ValType{I32}, AnySide, "stdio only"},
	{"fd_prestat_get", []ValType{I32, I32}, []ValType{I32}, AnySide, "no preopens: EBADF"},
	{"fd_prestat_dir_name", []ValType{I32, I32, I32}, []ValType{I32}, AnySide, "no preopens: EBADF"},
	{"fd_read", []ValType{I32, I32, I32, I32}, []ValType{I32}, AnySide, "no input: EBADF"},
	{"fd_seek", []ValType{I32, I64, I32, I32}, []ValType{I32}, AnySide, "no files: EBADF"},
	{"path_open", []ValType{I32, I32, I32, I32, I32, I64, I64, I32, I32}, []ValType{I32}, AnySide, "no files: EBADF"},
}

// WASIFuncs returns the allowed WASI preview 1 imports in a fixed order (a
// copy).
func WASIFuncs() []HostFunc { return append([]HostFunc(nil), wasiFuncs...) }

// LookupImport returns the allowed import (module, name), from the taorun
// host functions or the WASI shims.
func LookupImport(module, name string) (HostFunc, bool) {
	if module == WASIModule {
		for _, f := range wasiFuncs {
			if f.Name == name {
				return f, true
			}
		}
		return HostFunc{}, false
	}
	return LookupHostFunc(module, name)
}
