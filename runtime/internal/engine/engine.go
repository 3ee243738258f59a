// Package engine is the small engine-specific core that each WebAssembly
// engine implements for package runtime: compile, instantiate, call an export
// with integer arguments, read and write exported globals, and view linear
// memory. Everything above it — the ABI v1 byte exchange, the gas protocol,
// error classification, host-function gas charging, the WASI shims and the
// caches — lives once in package runtime and is shared by every engine.
//
// Invariants every implementation keeps:
//   - No start function other than the module's own start section runs at
//     instantiation; the caller runs `_initialize` itself.
//   - A wasm trap is reported as a *Trap whose Code is engine-independent, so
//     the same fault gives the same error on every engine.
//   - A host function that returns an error stops the guest at once; Call then
//     returns a *Trap with Code TrapHost and the host's error as Cause.
//   - Memory returns a view of the whole linear memory that is valid until the
//     guest runs again (it may grow and move); callers copy what they keep.
//   - Instances are not safe for concurrent use; compiled modules are.
package engine

import (
	"context"
	"slices"

	"github.com/taorun/taorun/abi"
)

// ValType is a WebAssembly number type, encoded as in the binary format; it
// is abi.ValType, so host function signatures pass through unconverted.
type ValType = abi.ValType

// The four number types. The values are the binary-format encodings, which
// wazero's api.ValueType also uses.
const (
	I32 = abi.I32
	I64 = abi.I64
	F32 = abi.F32
	F64 = abi.F64
)

// FuncType is a function signature.
type FuncType struct {
	Params, Results []ValType
}

// Equal reports whether two signatures are identical.
func (t FuncType) Equal(o FuncType) bool {
	return slices.Equal(t.Params, o.Params) && slices.Equal(t.Results, o.Results)
}

// String renders the signature as "(i32, i32) -> (i64)".
func (t FuncType) String() string {
	return typeList(t.Params) + " -> " + typeList(t.Results)
}

func typeList(ts []ValType) string {
	s := "("
	for i, t := range ts {
		if i > 0 {
			s += ", "
		}
		s += t.String()
	}
	return s + ")"
}

// Import is one function import of a module.
type Import struct {
	Module, Name string
	Type         FuncType
}

// Exports describes what a compiled module exports that the runtime cares
// about.
type Exports struct {
	// Funcs maps each exported function name to its signature.
	Funcs map[string]FuncType
	// Memory is true when the module exports a memory named abi.MemoryExport.
	Memory bool
}

// HostFunc is a function the engine links under Module.Name for every
// instance.
type HostFunc struct {
	Module, Name string
	Type         FuncType
	// Fn runs the function. ctx is the context passed to the Instance.Call
	// that led here. stack holds the parameters on entry and receives the
	// results; its length is max(len(params), len(results)). A non-nil error
	// traps the guest (see the package invariants).
	Fn func(ctx context.Context, stack []uint64) error
}

// Config is what an engine needs to know when it is created.
type Config struct {
	// MaxMemoryPages is the backstop limit on every linear memory.
	MaxMemoryPages uint32
	// CacheDir, when not empty, is a node-local directory for compiled code.
	CacheDir string
	// Host lists every host function; one instance of each is shared.
	Host []HostFunc
}

// Engine compiles modules.
type Engine interface {
	// Compile validates and compiles wasm.
	Compile(ctx context.Context, wasm []byte) (Compiled, error)
	// Close releases the engine; compiled modules and instances must not be
	// used afterwards.
	Close(ctx context.Context) error
}

// Compiled is a compiled module; it is safe for concurrent use.
type Compiled interface {
	// Imports lists the function imports.
	Imports() []Import
	// Exports describes the function and memory exports.
	Exports() Exports
	// Instantiate links the host functions and creates an instance. It runs
	// the module's start section, if any, and nothing else.
	Instantiate(ctx context.Context) (Instance, error)
	// Close releases the compiled code. Instances created earlier stay
	// usable until they are closed.
	Close(ctx context.Context) error
}

// Instance is an instantiated module. It is not safe for concurrent use.
type Instance interface {
	// Call calls the exported function name, whose signature the caller has
	// checked, and returns its single result (0 if it has none; a 32-bit
	// result zero-extended).
	Call(ctx context.Context, name string, args ...uint64) (uint64, error)
	// Global returns the exported global name, or nil if there is none.
	Global(name string) Global
	// Memory returns the exported memory (see the package invariants), or
	// nil if there is none.
	Memory() []byte
	// Close releases the instance.
	Close(ctx context.Context) error
}

// Global is an exported global.
type Global interface {
	// Type is the global's value type.
	Type() ValType
	// Mutable reports whether Set is allowed.
	Mutable() bool
	// Get returns the value's bits (i32 values zero-extended).
	Get() uint64
	// Set stores v (truncated to 32 bits for i32).
	Set(v uint64)
}
