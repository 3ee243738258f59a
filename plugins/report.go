package plugins

import (
	"github.com/taorun/taorun/plugins/internal/wasmbin"
)

// Report describes a prepared module, for `taorun module check` and logs.
type Report struct {
	// OriginalBytes and InstrumentedBytes are the module sizes.
	OriginalBytes, InstrumentedBytes int
	// CostTableVersion is the cost table the gas figures use.
	CostTableVersion uint32
	// Imports and Exports list the module's imports and exports in order.
	Imports []ImportReport
	Exports []ExportReport
	// EntryPoints are the exported entry points, in abi.Entries order.
	EntryPoints []string
	// Memory is the memory's limits after the policy's rewrite (pages).
	Memory MemoryLimits
	// Functions describe every defined function's metering.
	Functions []FunctionReport
}

// MemoryLimits are page limits.
type MemoryLimits = wasmbin.Limits

// ImportReport is one import.
type ImportReport struct {
	Module, Name, Signature string
	// Scope says which entry points may call it (abi.Scope.String).
	Scope string
}

// ExportReport is one export; Signature is set for functions.
type ExportReport struct {
	Name, Kind, Signature string
}

// FunctionReport is one function's metering: sizes, frame cost, charge
// points and the static gas of running each segment once.
type FunctionReport struct {
	// Index is the function's index in the function index space.
	Index uint32
	// BodyBytes and NewBodyBytes are the body sizes before and after.
	BodyBytes, NewBodyBytes int
	// Blocks counts block, loop and if instructions.
	Blocks int
	// Locals counts declared locals (not parameters).
	Locals uint64
	// MaxHeight is the maximum operand-stack height of the original body.
	MaxHeight int
	// FrameCost is the stack budget one call takes, in 8-byte slots.
	FrameCost uint32
	// ChargePoints and DynamicPoints count static and dynamic gas charges.
	ChargePoints, DynamicPoints int
	// StaticGas sums the static charges.
	StaticGas uint64
}
