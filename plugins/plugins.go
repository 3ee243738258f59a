// Package plugins is the upload pipeline for subnet modules (spec/wasm.md
// 4.0): it checks an uploaded WebAssembly module against the feature and
// size policy and the ABI, instruments it for deterministic metering, and
// validates the result.
//
// # Metering contract (with package runtime)
//
// Prepare appends three mutable globals to every module and exports them
// under the names in package abi:
//
//   - abi.GasGlobal (i64): gas left. Every straight-line segment of code
//     charges its static cost at its start (function entry, loop heads,
//     if/else arms, after branches and after labels something branches
//     to); memory.grow charges Costs.GrowPerPage per requested page and
//     memory.copy/fill/init one unit per 2^Costs.BulkByteShift bytes, before
//     the operation. A charge larger than the gas left sets abi.OOGGlobal to
//     abi.OOGOutOfGas and traps (unreachable) without changing the gas.
//   - abi.OOGGlobal (i32): why the module trapped on a meter.
//   - abi.StackGlobal (i32): stack budget left, in 8-byte slots. Each
//     function subtracts its frame cost (Costs.FrameBase + parameters +
//     locals + maximum operand-stack height + a small constant for injected
//     code) on entry, trapping with abi.OOGStackOverflow if the budget is
//     smaller, and adds it back on every exit.
//
// The host sets all three before each top-level call and reads the gas
// after it. Float results of add, sub, mul, div, sqrt, min, max, ceil,
// floor, trunc, nearest, demote and promote are NaN-canonicalised to
// 0x7fc00000 / 0x7ff8000000000000, so both engines and all CPUs agree.
//
// # Invariants
//
//   - Consensus-critical: Prepare's result (acceptance, error message,
//     instrumented bytes) is a pure function of the module bytes and
//     Limits. No map iteration, clock or randomness is involved.
//   - Append only: no existing function, global, type or local index
//     changes; only code bodies, the type, global, export, memory and table
//     sections are re-encoded; custom sections other than "name" are
//     dropped.
//   - A module is validated by wazero both before instrumentation (so an
//     out-of-range index cannot become valid by our appends) and after.
package plugins

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"

	"github.com/tetratelabs/wazero"

	"github.com/taorun/taorun/plugins/internal/instrument"
	"github.com/taorun/taorun/plugins/internal/wasmbin"
)

// Re-exported for callers that tune metering.
type (
	// CostTable prices instructions in gas (see CostTableV1).
	CostTable = instrument.CostTable
)

// CostTableV1 returns the first versioned cost table.
func CostTableV1() CostTable { return instrument.CostTableV1() }

// PolicyError is a module's violation of the upload policy. Its message is
// part of consensus (it is recorded in the failed transaction's receipt), so
// it is deterministic.
type PolicyError struct {
	// Rule names the violated rule: "size", "decode", "validate", "feature",
	// "limits", "imports", "exports", "memory", "table", "start", or
	// "instrument" (the instrumenter failed: a bug of ours, still a
	// deterministic refusal).
	Rule string
	// Where locates the violation ("function 12", "import env.foo",
	// "export score", "module").
	Where string
	// Msg says what is wrong.
	Msg string
}

// Error formats the violation as "where: what", e.g. "function 12:
// instruction v128.load: SIMD is not allowed".
func (e *PolicyError) Error() string {
	if e.Where == "" {
		return e.Msg
	}
	return e.Where + ": " + e.Msg
}

func perr(rule, where, format string, args ...any) *PolicyError {
	return &PolicyError{Rule: rule, Where: where, Msg: fmt.Sprintf(format, args...)}
}

// Module is a module that passed the pipeline.
type Module struct {
	// ID is the SHA-256 of the original bytes: the module's identity.
	ID [32]byte
	// InstrumentedID is the SHA-256 of Instrumented, the cache key of
	// compiled code.
	InstrumentedID [32]byte
	// ConfigHash identifies the instrumenter version, limits and cost table
	// that produced Instrumented (Limits.Hash).
	ConfigHash [32]byte
	// Original is the uploaded module (the slice passed to Prepare, not a
	// copy); Instrumented is what engines run.
	Original, Instrumented []byte
	// Report describes the module for tools.
	Report Report
}

// Prepare runs the whole upload pipeline on original: size gate, decode and
// engine validation, policy, instrumentation, size and engine validation of
// the result. A module that breaks the policy yields a *PolicyError.
//
// Consensus-critical.
func Prepare(original []byte, lim Limits) (*Module, error) {
	if err := lim.validate(); err != nil {
		return nil, err
	}
	if len(original) > lim.MaxModuleBytes {
		return nil, perr("size", "module", "is %d bytes, more than the limit of %d", len(original), lim.MaxModuleBytes)
	}
	m, err := wasmbin.Decode(original)
	if err != nil {
		return nil, decodeError(err)
	}
	// Our own policy first, so that features the engine does not support
	// are refused with our (stable) message rather than the engine's.
	rep, err := checkPolicy(m, &lim)
	if err != nil {
		return nil, err
	}
	if err := engineValidate(original); err != nil {
		return nil, perr("validate", "module", "invalid: %v", err)
	}
	out, funcs, err := instrument.Instrument(m, lim.Costs)
	if err != nil {
		var fe *instrument.FuncError
		if errors.As(err, &fe) {
			return nil, bodyError(fe)
		}
		return nil, perr("instrument", "module", "%v", err)
	}
	for _, f := range funcs {
		if f.Blocks > lim.MaxBlocksPerFunction {
			return nil, perr("limits", fmt.Sprintf("function %d", f.Index), "has %d blocks, more than the limit of %d", f.Blocks, lim.MaxBlocksPerFunction)
		}
	}
	if len(out) > lim.MaxInstrumentedBytes {
		return nil, perr("size", "module", "is %d bytes after instrumentation, more than the limit of %d", len(out), lim.MaxInstrumentedBytes)
	}
	if err := engineValidate(out); err != nil {
		// Our own bug, never the uploader's: still a deterministic refusal.
		return nil, perr("instrument", "module", "instrumented module is invalid: %v", err)
	}
	rep.OriginalBytes, rep.InstrumentedBytes = len(original), len(out)
	rep.CostTableVersion = lim.Costs.Version
	rep.Functions = make([]FunctionReport, len(funcs))
	for i, f := range funcs {
		rep.Functions[i] = FunctionReport(f)
	}
	return &Module{
		ID:             sha256.Sum256(original),
		InstrumentedID: sha256.Sum256(out),
		ConfigHash:     lim.Hash(),
		Original:       original,
		Instrumented:   out,
		Report:         *rep,
	}, nil
}

// engineValidate compiles b with wazero's interpreter, which validates it
// fully (types, indices, features up to WebAssembly 2.0).
func engineValidate(b []byte) error {
	ctx := context.Background()
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigInterpreter())
	defer rt.Close(ctx)
	cm, err := rt.CompileModule(ctx, b)
	if err != nil {
		return err
	}
	return cm.Close(ctx)
}

func decodeError(err error) error {
	var be *wasmbin.BannedOpError
	if errors.As(err, &be) {
		return perr("feature", "module", "%s", be.Message())
	}
	return perr("decode", "module", "malformed: %v", err)
}

func bodyError(fe *instrument.FuncError) error {
	where := fmt.Sprintf("function %d", fe.Index)
	var be *wasmbin.BannedOpError
	if errors.As(fe.Err, &be) {
		return perr("feature", where, "%s", be.Message())
	}
	return perr("decode", where, "%v", fe.Err)
}
