package instrument

import (
	"github.com/taorun/taorun/abi"
	"github.com/taorun/taorun/plugins/internal/wasmbin"
)

// emitter appends the injected instruction sequences.
type emitter struct {
	b  []byte
	in *inst
}

func (e *emitter) op(op wasmbin.Op) {
	if op < 256 {
		e.b = append(e.b, byte(op))
		return
	}
	e.b = wasmbin.AppendU32(append(e.b, byte(op>>16)), uint32(op&0xffff))
}

func (e *emitter) opU(op wasmbin.Op, v uint32) { e.op(op); e.b = wasmbin.AppendU32(e.b, v) }
func (e *emitter) i32(v int32)                 { e.op(wasmbin.OpI32Const); e.b = wasmbin.AppendS64(e.b, int64(v)) }
func (e *emitter) i64(v uint64)                { e.op(wasmbin.OpI64Const); e.b = wasmbin.AppendS64(e.b, int64(v)) }

// trapIf emits: if (condition on the stack) { oog = code; unreachable }.
func (e *emitter) trapIf(code int32) {
	e.op(wasmbin.OpIf)
	e.b = append(e.b, 0x40)
	e.i32(code)
	e.opU(wasmbin.OpGlobalSet, e.in.gOOG)
	e.op(wasmbin.OpUnreachable)
	e.op(wasmbin.OpEnd)
}

// charge emits the static CHARGE(c) sequence (spec 4a): trap with
// OOGOutOfGas if gas < c, else gas -= c.
func (e *emitter) charge(c uint64) {
	g := e.in.gGas
	e.opU(wasmbin.OpGlobalGet, g)
	e.i64(c)
	e.op(wasmbin.OpI64LtU)
	e.trapIf(abi.OOGOutOfGas)
	e.opU(wasmbin.OpGlobalGet, g)
	e.i64(c)
	e.op(wasmbin.OpI64Sub)
	e.opU(wasmbin.OpGlobalSet, g)
}

// dynamic emits a charge computed from the i32 count on top of the stack
// (pages for memory.grow, bytes for bulk memory), leaving the count in
// place: cost = u64(count) op k, where op is i64.mul or i64.shr_u. The
// product cannot overflow (CostTable bounds k), so no saturation is needed.
func (e *emitter) dynamic(tmp32, tmp64 uint32, op wasmbin.Op, k uint64) {
	g := e.in.gGas
	e.opU(wasmbin.OpLocalTee, tmp32)
	e.op(wasmbin.OpI64ExtendI32U)
	if !(op == wasmbin.OpI64ShrU && k == 0) {
		e.i64(k)
		e.op(op)
	}
	e.opU(wasmbin.OpLocalTee, tmp64)
	e.opU(wasmbin.OpGlobalGet, g)
	e.op(wasmbin.OpI64GtU)
	e.trapIf(abi.OOGOutOfGas)
	e.opU(wasmbin.OpGlobalGet, g)
	e.opU(wasmbin.OpLocalGet, tmp64)
	e.op(wasmbin.OpI64Sub)
	e.opU(wasmbin.OpGlobalSet, g)
	e.opU(wasmbin.OpLocalGet, tmp32)
}

// stackEnter charges the frame cost to the stack budget, trapping with
// OOGStackOverflow if the budget is smaller.
func (e *emitter) stackEnter(cost uint32) {
	s := e.in.gStack
	e.opU(wasmbin.OpGlobalGet, s)
	e.i32(int32(cost))
	e.op(wasmbin.OpI32LtU)
	e.trapIf(abi.OOGStackOverflow)
	e.opU(wasmbin.OpGlobalGet, s)
	e.i32(int32(cost))
	e.op(wasmbin.OpI32Sub)
	e.opU(wasmbin.OpGlobalSet, s)
}

// stackLeave refunds the frame cost.
func (e *emitter) stackLeave(cost uint32) {
	s := e.in.gStack
	e.opU(wasmbin.OpGlobalGet, s)
	e.i32(int32(cost))
	e.op(wasmbin.OpI32Add)
	e.opU(wasmbin.OpGlobalSet, s)
}

// Canonical NaN bit patterns (spec 4c).
const (
	CanonicalNaN32 uint32 = 0x7fc00000
	CanonicalNaN64 uint64 = 0x7ff8000000000000
)

// canonNaN replaces a NaN on top of the stack by the canonical NaN:
// local.tee t; const NaN; local.get t; local.get t; eq; select.
func (e *emitter) canonNaN(tmp uint32, t wasmbin.ValType) {
	e.opU(wasmbin.OpLocalTee, tmp)
	x := wasmbin.Instr{Op: wasmbin.OpF32Const, A: uint64(CanonicalNaN32)}
	eq := wasmbin.OpF32Eq
	if t == wasmbin.F64 {
		x = wasmbin.Instr{Op: wasmbin.OpF64Const, A: CanonicalNaN64}
		eq = wasmbin.OpF64Eq
	}
	e.b = wasmbin.AppendInstr(e.b, &x)
	e.opU(wasmbin.OpLocalGet, tmp)
	e.opU(wasmbin.OpLocalGet, tmp)
	e.op(eq)
	e.op(wasmbin.OpSelect)
}
