package instrument

import (
	"github.com/taorun/taorun/abi"
	"github.com/taorun/taorun/plugins/internal/wasmbin"
)

// emitter appends the injected instruction sequences.
//
// Layout of an instrumented body (R: the function's results):
//
//	block $stack            ;; a branch here: stack overflow
//	  block $gas            ;; a branch here: out of gas
//	    stack check (br_if $stack), charge the frame cost
//	    block (result R)    ;; the original body; its final end closes it
//	      ... charges: gas < c? br_if $gas; gas -= c ...
//	    end
//	    refund the frame cost
//	    return
//	  end
//	  oog = OOGOutOfGas; unreachable
//	end
//	oog = OOGStackOverflow; unreachable
//	end
//
// A check that fails branches forward to one shared trap after the body
// instead of trapping in line, so that in both engines a check that passes
// falls through: a compare and a branch not taken. Each engine lays out an
// in-line trap on the fall-through path of one of the two if shapes:
// wazero's compiler for "if (gas < c) { trap }", which made every charge
// jump over the trap and doubled the time of a tight loop (BenchmarkMetering
// count), and wasmtime for "if (gas >= c) {} else { trap }". Both place the
// code after a br_if right after it, and its target where the target
// stands, here after the body. (wazero 1.12 then materialises the compare,
// setb and test, because it rebuilds a branch to a block with several
// predecessors when it splits that edge; still no taken branch.) Only the
// injected checks can reach $gas and $stack: every label of the original
// code lies inside the wrapping block.
type emitter struct {
	b  []byte
	in *inst
	// depth is the number of the original body's blocks open at the
	// current point, so $gas is label depth+1 and $stack label depth+2.
	depth uint32
	// cached: the function keeps a copy of the gas in local cache (the
	// package doc's gas cache); loaded: the entry charge has loaded it.
	cached, loaded bool
	cache          uint32
}

// getGas pushes the gas left: the cached copy once loaded, else the global
// (loading the copy on the way, at the entry charge).
func (e *emitter) getGas() {
	switch {
	case !e.cached:
		e.opU(wasmbin.OpGlobalGet, e.in.gGas)
	case e.loaded:
		e.opU(wasmbin.OpLocalGet, e.cache)
	default:
		e.opU(wasmbin.OpGlobalGet, e.in.gGas)
		e.opU(wasmbin.OpLocalTee, e.cache)
		e.loaded = true
	}
}

// setGas pops the new gas into the global, and into the cache first when
// there is one (write-through: the global stays exact).
func (e *emitter) setGas() {
	if e.cached {
		e.opU(wasmbin.OpLocalTee, e.cache)
	}
	e.opU(wasmbin.OpGlobalSet, e.in.gGas)
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

// prologue opens $stack and $gas, charges the frame cost and opens the
// block that wraps the original body, of block type bt.
func (e *emitter) prologue(frameCost uint32, bt int64) {
	e.op(wasmbin.OpBlock)
	e.b = append(e.b, 0x40)
	e.op(wasmbin.OpBlock)
	e.b = append(e.b, 0x40)
	e.stackEnter(frameCost)
	e.op(wasmbin.OpBlock)
	e.b = wasmbin.AppendS64(e.b, bt)
}

// epilogue follows the original final end (which closed the wrapping
// block): refund, return, then the two shared traps.
func (e *emitter) epilogue(frameCost uint32) {
	e.stackLeave(frameCost)
	e.op(wasmbin.OpReturn)
	e.op(wasmbin.OpEnd) // $gas
	e.trap(abi.OOGOutOfGas)
	e.op(wasmbin.OpEnd) // $stack
	e.trap(abi.OOGStackOverflow)
	e.op(wasmbin.OpEnd) // the function
}

// trap emits: oog = code; unreachable.
func (e *emitter) trap(code int32) {
	e.i32(code)
	e.opU(wasmbin.OpGlobalSet, e.in.gOOG)
	e.op(wasmbin.OpUnreachable)
}

// track follows the original body's block nesting after instruction op.
func (e *emitter) track(op wasmbin.Op) {
	switch op {
	case wasmbin.OpBlock, wasmbin.OpLoop, wasmbin.OpIf:
		e.depth++
	case wasmbin.OpEnd:
		e.depth-- // wraps after the final end; nothing is emitted after it
	}
}

// charge emits the static CHARGE(c) sequence (spec 4a): trap with
// OOGOutOfGas if gas < c, else gas -= c. The test comes before the
// subtraction, unsigned, so that it holds for any u64 gas the host sets and
// a failing charge leaves the gas untouched.
func (e *emitter) charge(c uint64) {
	e.getGas()
	e.i64(c)
	e.op(wasmbin.OpI64LtU)
	e.opU(wasmbin.OpBrIf, e.depth+1) // $gas
	e.getGas()
	e.i64(c)
	e.op(wasmbin.OpI64Sub)
	e.setGas()
}

// dynamic emits a charge computed from the i32 count on top of the stack
// (pages for memory.grow, bytes for bulk memory), leaving the count in
// place: cost = u64(count) op k, where op is i64.mul or i64.shr_u. The
// product cannot overflow (CostTable bounds k), so no saturation is needed.
func (e *emitter) dynamic(tmp32, tmp64 uint32, op wasmbin.Op, k uint64) {
	e.opU(wasmbin.OpLocalTee, tmp32)
	e.op(wasmbin.OpI64ExtendI32U)
	if !(op == wasmbin.OpI64ShrU && k == 0) {
		e.i64(k)
		e.op(op)
	}
	e.opU(wasmbin.OpLocalTee, tmp64)
	e.getGas()
	e.op(wasmbin.OpI64GtU)
	e.opU(wasmbin.OpBrIf, e.depth+1) // $gas
	e.getGas()
	e.opU(wasmbin.OpLocalGet, tmp64)
	e.op(wasmbin.OpI64Sub)
	e.setGas()
	e.opU(wasmbin.OpLocalGet, tmp32)
}

// stackEnter charges the frame cost to the stack budget, branching to
// $stack if the budget is smaller. It runs inside $gas, outside the
// wrapping block.
func (e *emitter) stackEnter(cost uint32) {
	s := e.in.gStack
	e.opU(wasmbin.OpGlobalGet, s)
	e.i32(int32(cost))
	e.op(wasmbin.OpI32LtU)
	e.opU(wasmbin.OpBrIf, 1) // $stack
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
