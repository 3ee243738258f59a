package plugins

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"

	"github.com/taorun/taorun/plugins/internal/instrument"
)

// Limits are the upload policy's numeric bounds (spec/wasm.md 4.0). They are
// part of consensus: every node must use the same values for the same
// block, so they change only by a versioned governance decision.
type Limits struct {
	// MaxModuleBytes bounds the uploaded module.
	MaxModuleBytes int
	// MaxInstrumentedBytes bounds the module after instrumentation.
	MaxInstrumentedBytes int
	// MaxFunctions bounds the defined functions.
	MaxFunctions int
	// MaxImports bounds the imports.
	MaxImports int
	// MaxLocalsPerFunction bounds the locals one function declares
	// (parameters excluded); MaxTotalLocals bounds their sum.
	MaxLocalsPerFunction int
	MaxTotalLocals       int
	// MaxBodyBytes bounds one function body.
	MaxBodyBytes int
	// MaxBlocksPerFunction bounds block, loop and if instructions in one
	// function.
	MaxBlocksPerFunction int
	// MaxTableElems bounds the single table's minimum size; its maximum is
	// rewritten to its minimum.
	MaxTableElems uint64
	// MaxMemoryPages bounds the memory's minimum and becomes its maximum
	// when the module declares none or a larger one.
	MaxMemoryPages uint64
	// Costs is the gas cost table.
	Costs instrument.CostTable
}

// DefaultLimits returns the limits of policy version 1: sized so a Go
// (GOOS=wasip1) module of a few MB fits.
func DefaultLimits() Limits {
	return Limits{
		MaxModuleBytes:       4 << 20,
		MaxInstrumentedBytes: 8 << 20,
		MaxFunctions:         20_000,
		MaxImports:           64,
		MaxLocalsPerFunction: 1_000,
		MaxTotalLocals:       200_000,
		MaxBodyBytes:         512 << 10,
		MaxBlocksPerFunction: 16_384,
		MaxTableElems:        16_384,
		MaxMemoryPages:       1_024,
		Costs:                instrument.CostTableV1(),
	}
}

// InstrumenterVersion numbers the rewriting algorithm; it changes whenever
// the instrumented bytes for some input would change. Version 2 charges the
// same gas, traps at the same points and keeps the same stack budget as
// version 1, with faster code: charges whose common path falls through, and
// a copy of the gas in a local in functions that loop without calling.
const InstrumenterVersion = 2

// validate rejects limits that could not be enforced.
func (l *Limits) validate() error {
	for _, f := range []struct {
		name string
		v    int
	}{{"MaxModuleBytes", l.MaxModuleBytes}, {"MaxInstrumentedBytes", l.MaxInstrumentedBytes},
		{"MaxFunctions", l.MaxFunctions}, {"MaxLocalsPerFunction", l.MaxLocalsPerFunction},
		{"MaxTotalLocals", l.MaxTotalLocals}, {"MaxBodyBytes", l.MaxBodyBytes},
		{"MaxBlocksPerFunction", l.MaxBlocksPerFunction}} {
		if f.v <= 0 {
			return fmt.Errorf("limits: %s must be positive, is %d", f.name, f.v)
		}
	}
	if l.MaxImports < 0 {
		return fmt.Errorf("limits: MaxImports must not be negative")
	}
	if l.MaxMemoryPages == 0 || l.MaxMemoryPages > 65536 {
		return fmt.Errorf("limits: MaxMemoryPages must be in 1..65536, is %d", l.MaxMemoryPages)
	}
	if l.MaxTableElems > 1<<32-1 {
		return fmt.Errorf("limits: MaxTableElems %d exceeds 2^32-1", l.MaxTableElems)
	}
	return l.Costs.Validate()
}

// Hash identifies the instrumenter version, the limits and the cost table:
// every input of the rewrite besides the module bytes.
func (l *Limits) Hash() [32]byte {
	var b []byte
	b = binary.LittleEndian.AppendUint32(b, InstrumenterVersion)
	for _, v := range []int{l.MaxModuleBytes, l.MaxInstrumentedBytes, l.MaxFunctions, l.MaxImports,
		l.MaxLocalsPerFunction, l.MaxTotalLocals, l.MaxBodyBytes, l.MaxBlocksPerFunction} {
		b = binary.LittleEndian.AppendUint64(b, uint64(v))
	}
	b = binary.LittleEndian.AppendUint64(b, l.MaxTableElems)
	b = binary.LittleEndian.AppendUint64(b, l.MaxMemoryPages)
	h := l.Costs.Hash()
	b = append(b, h[:]...)
	return sha256.Sum256(b)
}
