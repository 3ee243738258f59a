package instrument

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"

	"github.com/taorun/taorun/plugins/internal/wasmbin"
)

// CostTable prices instructions in gas units. It is versioned: any change
// makes a new version, and its Hash is part of an instrumented module's
// identity, so modules instrumented under different tables never share a
// cache entry.
type CostTable struct {
	// Version numbers the table; it is hashed with the prices.
	Version uint32
	// Class is the static cost of one instruction of each class.
	Class [wasmbin.NumClasses]uint32
	// FuncEntry is charged once per function call, on entry.
	FuncEntry uint32
	// PerLocal is charged per declared local on entry (locals are zeroed).
	PerLocal uint32
	// GrowPerPage is the dynamic charge per page memory.grow requests,
	// charged before the grow whether or not it succeeds.
	GrowPerPage uint32
	// BulkByteShift sets the dynamic charge of memory.copy, memory.fill and
	// memory.init: one unit per 2^BulkByteShift bytes, rounded down, on top
	// of the static ClassBulk cost.
	BulkByteShift uint8
	// FrameBase is the constant part of a function's stack frame cost, in
	// 8-byte slots (return address, frame pointer).
	FrameBase uint32
	// FrameMin is the least frame cost of any function. It bounds the call
	// depth by budget/FrameMin, which must stay below the shallowest
	// engine's own frame limit (wazero's interpreter stops at 2,000
	// frames): with FrameMin 10 a budget of up to 19,990 slots is safe.
	FrameMin uint32
}

// maxPrice bounds every price so that the i64 arithmetic of dynamic charges
// (a u32 count times a price) cannot overflow: 2^32 · 2^30 < 2^63.
const maxPrice = 1 << 30

// CostTableV1 is the first cost table. Prices are relative: simple integer
// ops cost 1; float ops whose result is NaN-canonicalised cost more because
// of the code injected around them.
func CostTableV1() CostTable {
	var c CostTable
	c.Version = 1
	p := map[wasmbin.Class]uint32{ // read by key only, never iterated
		wasmbin.ClassNone: 0, wasmbin.ClassBase: 1, wasmbin.ClassControl: 2, wasmbin.ClassCall: 10,
		wasmbin.ClassCallIndirect: 15, wasmbin.ClassGlobal: 1, wasmbin.ClassLoad: 2, wasmbin.ClassStore: 2,
		wasmbin.ClassIntDiv: 4, wasmbin.ClassFloat: 2, wasmbin.ClassFloatNaN: 5, wasmbin.ClassFloatDiv: 8,
		wasmbin.ClassConvert: 2, wasmbin.ClassMemSize: 2, wasmbin.ClassMemGrow: 100, wasmbin.ClassBulk: 10,
		wasmbin.ClassTable: 2,
	}
	for k := wasmbin.Class(0); k < wasmbin.NumClasses; k++ {
		c.Class[k] = p[k]
	}
	c.FuncEntry = 5
	c.PerLocal = 1
	c.GrowPerPage = 1000
	c.BulkByteShift = 3
	c.FrameBase = 2
	c.FrameMin = 10
	return c
}

// Validate checks that every price is within bounds and that every
// instruction that can loop or call costs at least one unit, which is what
// makes gas bound execution time.
func (c *CostTable) Validate() error {
	if c.Version == 0 {
		return fmt.Errorf("cost table: version must not be 0")
	}
	for k, v := range c.Class {
		if v > maxPrice {
			return fmt.Errorf("cost table: class %d price %d exceeds %d", k, v, maxPrice)
		}
	}
	if c.Class[wasmbin.ClassNone] != 0 {
		return fmt.Errorf("cost table: structural instructions (block, else, end) must cost 0")
	}
	for _, k := range []wasmbin.Class{wasmbin.ClassControl, wasmbin.ClassCall, wasmbin.ClassCallIndirect} {
		if c.Class[k] == 0 {
			return fmt.Errorf("cost table: class %d (branches and calls) must cost at least 1", k)
		}
	}
	if c.FuncEntry == 0 {
		return fmt.Errorf("cost table: function entry must cost at least 1")
	}
	if c.FrameMin == 0 {
		return fmt.Errorf("cost table: minimum frame cost must be at least 1")
	}
	for _, v := range []uint32{c.FuncEntry, c.PerLocal, c.GrowPerPage, c.FrameBase, c.FrameMin} {
		if v > maxPrice {
			return fmt.Errorf("cost table: price %d exceeds %d", v, maxPrice)
		}
	}
	if c.BulkByteShift > 32 {
		return fmt.Errorf("cost table: bulk byte shift %d exceeds 32", c.BulkByteShift)
	}
	return nil
}

// Hash is the SHA-256 of the table's canonical little-endian encoding.
func (c *CostTable) Hash() [32]byte {
	var b []byte
	b = binary.LittleEndian.AppendUint32(b, c.Version)
	for _, v := range c.Class {
		b = binary.LittleEndian.AppendUint32(b, v)
	}
	for _, v := range []uint32{c.FuncEntry, c.PerLocal, c.GrowPerPage, uint32(c.BulkByteShift), c.FrameBase, c.FrameMin} {
		b = binary.LittleEndian.AppendUint32(b, v)
	}
	return sha256.Sum256(b)
}
