// Package instrument rewrites a decoded module so that it meters itself:
// gas charged per straight-line segment in an appended i64 global, a stack
// budget charged per call in an appended i32 global, and every
// NaN-producing float result replaced by the canonical NaN.
//
// Invariants:
//   - Append only: the three globals are appended after all existing
//     globals and exported under the names in package abi; scratch locals are
//     appended after each function's locals; a block type is appended to the
//     type section when a function returns several values. No existing
//     index changes, so instructions that are not rewritten are copied byte
//     for byte.
//   - Deterministic (consensus-critical): the output is a pure function of
//     the input bytes and the cost table. Nothing iterates a map.
//   - Termination: every loop iteration and every call passes a charge of at
//     least one unit (CostTable.Validate), so the starting gas bounds the
//     instructions executed; the stack budget bounds recursion.
//   - A failing gas or stack check branches to a trap shared by the whole
//     function, after its body (see emitter), which sets the oog flag and
//     executes unreachable; nothing runs between the check and the trap.
//   - The gas global is always exact: every charge writes it before the next
//     instruction of the original code runs, so a host function or a trap
//     other than out-of-gas sees the gas used so far. A failing charge traps
//     before it writes, leaving the gas it found.
//   - Gas cache: a function that contains a loop and no call keeps a copy of
//     the gas global in one more appended i64 local, so that engines can
//     hold it in a register rather than reload the global (a load waiting on
//     the previous iteration's store) on every iteration. Without calls
//     nothing else can change the global while the function runs, so the
//     copy, loaded by the entry charge and written through by every charge,
//     always equals it. Gas, traps and the gas left are unchanged, and the
//     local is left out of the frame cost, so stack budgets are too.
package instrument

import (
	"errors"
	"fmt"

	"github.com/taorun/taorun/abi"
	"github.com/taorun/taorun/plugins/internal/wasmbin"
)

// nanSlack is the operand-stack height the injected code needs on top of the
// original code's height (the NaN check holds three extra values).
const nanSlack = 3

// FuncReport describes one instrumented function.
type FuncReport struct {
	// Index is the function's index in the function index space.
	Index uint32
	// BodyBytes and NewBodyBytes are the body sizes before and after.
	BodyBytes, NewBodyBytes int
	// Blocks counts block, loop and if instructions.
	Blocks int
	// Locals counts declared locals (not parameters) before instrumenting.
	Locals uint64
	// MaxHeight is the maximum operand-stack height of the original body.
	MaxHeight int
	// FrameCost is what a call charges the stack budget, in 8-byte slots.
	FrameCost uint32
	// ChargePoints counts static gas charges; DynamicPoints counts
	// memory.grow and bulk-memory charges.
	ChargePoints, DynamicPoints int
	// StaticGas sums the static charges: the gas of running every segment
	// once.
	StaticGas uint64
}

// FuncError locates an error in a function body.
type FuncError struct {
	Index uint32 // function index
	Err   error
}

// Error prefixes the function index.
func (e *FuncError) Error() string { return fmt.Sprintf("function %d: %v", e.Index, e.Err) }

// Unwrap returns the underlying error.
func (e *FuncError) Unwrap() error { return e.Err }

// Instrument rewrites m in place (its Sections) and returns the new module
// bytes with a report per defined function. m must already have passed
// engine validation: the height pass trusts the types it reads.
//
// Consensus-critical: the bytes returned must be identical on every node.
func Instrument(m *wasmbin.Module, ct CostTable) ([]byte, []FuncReport, error) {
	return instrument(m, ct, true)
}

// instrument is Instrument with the gas cache optional, so that tests can
// check that the cache changes nothing observable.
func instrument(m *wasmbin.Module, ct CostTable, gasCache bool) ([]byte, []FuncReport, error) {
	if err := ct.Validate(); err != nil {
		return nil, nil, err
	}
	nGlobals := uint32(m.NumImported[wasmbin.KindGlobal] + len(m.Globals))
	in := &inst{m: m, ct: &ct, gGas: nGlobals, gOOG: nGlobals + 1, gStack: nGlobals + 2, nTypes: len(m.Types), gasCache: gasCache}
	code := wasmbin.AppendU32(nil, uint32(len(m.Codes)))
	reports := make([]FuncReport, len(m.Codes))
	for i := range m.Codes {
		fi := uint32(m.NumImported[wasmbin.KindFunc] + i)
		body, rep, err := in.function(fi, &m.Codes[i])
		if err != nil {
			return nil, nil, &FuncError{Index: fi, Err: err}
		}
		rep.Index = fi
		reports[i] = rep
		code = append(wasmbin.AppendU32(code, uint32(len(body))), body...)
	}

	globals := append([]wasmbin.Global(nil), m.Globals...)
	globals = append(globals,
		wasmbin.Global{GlobalType: wasmbin.GlobalType{Type: wasmbin.I64, Mutable: true}, Init: []byte{byte(wasmbin.OpI64Const), 0, byte(wasmbin.OpEnd)}},
		wasmbin.Global{GlobalType: wasmbin.GlobalType{Type: wasmbin.I32, Mutable: true}, Init: []byte{byte(wasmbin.OpI32Const), 0, byte(wasmbin.OpEnd)}},
		wasmbin.Global{GlobalType: wasmbin.GlobalType{Type: wasmbin.I32, Mutable: true}, Init: []byte{byte(wasmbin.OpI32Const), 0, byte(wasmbin.OpEnd)}},
	)
	exports := append([]wasmbin.Export(nil), m.Exports...)
	exports = append(exports,
		wasmbin.Export{Name: abi.GasGlobal, Kind: wasmbin.KindGlobal, Index: in.gGas},
		wasmbin.Export{Name: abi.OOGGlobal, Kind: wasmbin.KindGlobal, Index: in.gOOG},
		wasmbin.Export{Name: abi.StackGlobal, Kind: wasmbin.KindGlobal, Index: in.gStack},
	)
	if len(in.newTypes) > 0 {
		m.Types = append(m.Types, in.newTypes...)
		m.SetSection(wasmbin.SecType, wasmbin.AppendFuncTypes(nil, m.Types))
	}
	m.Globals = globals
	m.SetSection(wasmbin.SecGlobal, wasmbin.AppendGlobals(nil, globals))
	m.Exports = exports
	m.SetSection(wasmbin.SecExport, wasmbin.AppendExports(nil, exports))
	m.SetSection(wasmbin.SecCode, code)
	// Custom sections other than "name" (DWARF, producers, ...) describe
	// the original code offsets and would be stale.
	kept := m.Sections[:0]
	for _, s := range m.Sections {
		if s.ID != wasmbin.SecCustom || s.Name == "name" {
			kept = append(kept, s)
		}
	}
	m.Sections = kept
	return m.Encode(), reports, nil
}

// inst is the state of one module's instrumentation.
type inst struct {
	m  *wasmbin.Module
	ct *CostTable
	// gGas, gOOG and gStack are the appended globals' indices.
	gGas, gOOG, gStack uint32
	// nTypes is the original type count; newTypes are the block types
	// appended after it, in order of first use.
	nTypes   int
	newTypes []wasmbin.FuncType
	// gasCache enables the gas cache (package doc).
	gasCache bool
}

// ctl is one entry of the control stack during the analysis pass.
type ctl struct {
	op          wasmbin.Op
	height      int // operand height below the frame's parameters
	params      int
	results     int
	unreachable bool
	targeted    bool // a branch targets this (non-loop) label
}

// site marks what is injected before instruction i.
type site struct {
	at   int
	cost uint64
}

// scratch local kinds, in the fixed order they are appended.
const (
	scrI32 = iota
	scrI64
	scrF32
	scrF64
	numScratch
)

func (in *inst) blockArity(bt int64) (params, results int, err error) {
	switch {
	case bt == wasmbin.BlockEmpty:
		return 0, 0, nil
	case bt < 0:
		return 0, 1, nil
	case bt >= int64(len(in.m.Types)):
		return 0, 0, fmt.Errorf("block type index %d out of range", bt)
	}
	t := in.m.Types[bt]
	return len(t.Params), len(t.Results), nil
}

// function instruments one body and returns its new encoding.
func (in *inst) function(fi uint32, c *wasmbin.Code) ([]byte, FuncReport, error) {
	ft, err := in.m.FuncType(fi)
	if err != nil {
		return nil, FuncReport{}, err
	}
	rep := FuncReport{BodyBytes: len(c.Expr), Locals: c.NumLocals}
	ct := in.ct
	loops, calls := 0, 0

	// Pass 1: decode, compute operand heights, segments and injection
	// sites.
	var ins []wasmbin.Instr
	var pos []int
	r := wasmbin.NewReader(c.Expr, c.Offset)
	frames := []ctl{{op: wasmbin.OpBlock, results: len(ft.Results)}}
	h, maxH := 0, 0
	charges := []site{{at: 0, cost: uint64(ct.FuncEntry) + uint64(ct.PerLocal)*c.NumLocals}}
	cur := 0
	newSeg := func(at int) { charges = append(charges, site{at: at}); cur = len(charges) - 1 }
	var need [numScratch]bool
	pop := func(n int) {
		f := &frames[len(frames)-1]
		h -= n
		if h < f.height {
			if !f.unreachable {
				err = fmt.Errorf("operand stack underflow")
			}
			h = f.height
		}
	}
	push := func(n int) {
		h += n
		if h > maxH {
			maxH = h
		}
	}
	setUnreachable := func() {
		f := &frames[len(frames)-1]
		h = f.height
		f.unreachable = true
	}
	target := func(l uint32) error {
		if int(l) >= len(frames) {
			return fmt.Errorf("branch depth %d out of range", l)
		}
		f := &frames[len(frames)-1-int(l)]
		if f.op != wasmbin.OpLoop {
			f.targeted = true
		}
		return nil
	}
	for r.Len() > 0 {
		if len(frames) == 0 {
			return nil, rep, fmt.Errorf("instructions after the final end")
		}
		i := len(ins)
		pos = append(pos, r.Offset())
		ins = append(ins, wasmbin.Instr{})
		x := &ins[i]
		if err := wasmbin.DecodeInstr(r, x); err != nil {
			return nil, rep, err
		}
		info := x.Info()
		charges[cur].cost += uint64(ct.Class[info.Class])
		switch x.Op {
		case wasmbin.OpBlock, wasmbin.OpLoop, wasmbin.OpIf:
			rep.Blocks++
			if x.Op == wasmbin.OpLoop {
				loops++
			}
			if x.Op == wasmbin.OpIf {
				pop(1)
			}
			p, res, e := in.blockArity(int64(x.A))
			if e != nil {
				return nil, rep, e
			}
			pop(p)
			frames = append(frames, ctl{op: x.Op, height: h, params: p, results: res})
			push(p)
			if x.Op != wasmbin.OpBlock {
				newSeg(i + 1)
			}
		case wasmbin.OpElse:
			f := &frames[len(frames)-1]
			h, f.unreachable = f.height+f.params, false
			newSeg(i + 1)
		case wasmbin.OpEnd:
			f := frames[len(frames)-1]
			frames = frames[:len(frames)-1]
			h = f.height
			push(f.results)
			if len(frames) > 0 && (f.op == wasmbin.OpIf || f.targeted) {
				newSeg(i + 1)
			}
		case wasmbin.OpBr, wasmbin.OpBrIf:
			if e := target(uint32(x.A)); e != nil {
				return nil, rep, e
			}
			if x.Op == wasmbin.OpBrIf {
				// The fall-through path continues the segment: it was
				// charged up front, so a taken branch pays for the rest of
				// the segment too. Deterministic, and it halves the charges
				// in typical loops (test at the head, body after br_if).
				pop(1)
			} else {
				setUnreachable()
				newSeg(i + 1)
			}
		case wasmbin.OpBrTable:
			for _, l := range x.Labels {
				if e := target(l); e != nil {
					return nil, rep, e
				}
			}
			setUnreachable()
			newSeg(i + 1)
		case wasmbin.OpReturn, wasmbin.OpUnreachable:
			setUnreachable()
			newSeg(i + 1)
		case wasmbin.OpCall, wasmbin.OpCallIndirect:
			calls++
			var t wasmbin.FuncType
			if x.Op == wasmbin.OpCall {
				t, err = in.m.FuncType(uint32(x.A))
			} else if x.A < uint64(len(in.m.Types)) {
				pop(1)
				t = in.m.Types[x.A]
			} else {
				err = fmt.Errorf("call_indirect type index %d out of range", x.A)
			}
			if err != nil {
				return nil, rep, err
			}
			pop(len(t.Params))
			push(len(t.Results))
		default:
			pop(int(info.Pop))
			push(int(info.Push))
			switch {
			case x.Op == wasmbin.OpMemoryGrow:
				need[scrI32], need[scrI64] = true, true
				rep.DynamicPoints++
			case info.Class == wasmbin.ClassBulk:
				need[scrI32], need[scrI64] = true, true
				rep.DynamicPoints++
			case info.NaN == wasmbin.F32:
				need[scrF32] = true
			case info.NaN == wasmbin.F64:
				need[scrF64] = true
			}
		}
		if err != nil {
			return nil, rep, err
		}
	}
	if len(frames) != 0 {
		return nil, rep, fmt.Errorf("body ends before its final end")
	}
	pos = append(pos, len(c.Expr))
	rep.MaxHeight = maxH

	// Scratch locals, appended after the declared ones.
	locals := append([]wasmbin.LocalDecl(nil), c.Locals...)
	var scr [numScratch]uint32
	next := uint64(len(ft.Params)) + c.NumLocals
	for k, t := range [numScratch]wasmbin.ValType{wasmbin.I32, wasmbin.I64, wasmbin.F32, wasmbin.F64} {
		if need[k] {
			scr[k] = uint32(next)
			next++
			locals = append(locals, wasmbin.LocalDecl{Count: 1, Type: t})
		}
	}
	if next > wasmbin.MaxLocals {
		return nil, rep, errors.New("too many locals after instrumentation")
	}
	frame := max(uint64(ct.FrameBase)+next+uint64(maxH)+nanSlack, uint64(ct.FrameMin))
	if frame > 1<<30 {
		return nil, rep, fmt.Errorf("frame cost %d too large", frame)
	}
	rep.FrameCost = uint32(frame)

	// The gas cache (package doc) pays only where a charge repeats within
	// one activation, in loops. Functions that call are left out: the copy
	// would need a reload after every call (the callee and host functions
	// charge the global), which cost 4 % more code on the Go guest, and a
	// call costs far more than the load the copy saves. The local comes
	// after the scratch locals and is not in the frame cost computed above,
	// which stays what instrumenter version 1 charged.
	e := emitter{in: in}
	if in.gasCache && loops > 0 && calls == 0 && next < wasmbin.MaxLocals {
		e.cached, e.cache = true, uint32(next)
		locals = append(locals, wasmbin.LocalDecl{Count: 1, Type: wasmbin.I64})
	}

	// Pass 2: emit.
	e.b = wasmbin.AppendLocals(make([]byte, 0, len(c.Expr)*2+64), locals)
	e.prologue(rep.FrameCost, in.blockType(ft.Results))
	ci := 0
	for i := range ins {
		for ci < len(charges) && charges[ci].at == i {
			if charges[ci].cost > 0 {
				e.charge(charges[ci].cost)
				rep.ChargePoints++
				rep.StaticGas += charges[ci].cost
			}
			ci++
		}
		x := &ins[i]
		info := x.Info()
		switch {
		case x.Op == wasmbin.OpReturn:
			e.stackLeave(rep.FrameCost)
		case x.Op == wasmbin.OpMemoryGrow:
			e.dynamic(scr[scrI32], scr[scrI64], wasmbin.OpI64Mul, uint64(ct.GrowPerPage))
		case info.Class == wasmbin.ClassBulk:
			e.dynamic(scr[scrI32], scr[scrI64], wasmbin.OpI64ShrU, uint64(ct.BulkByteShift))
		}
		e.b = append(e.b, c.Expr[pos[i]:pos[i+1]]...)
		e.track(x.Op)
		switch info.NaN {
		case wasmbin.F32:
			e.canonNaN(scr[scrF32], wasmbin.F32)
		case wasmbin.F64:
			e.canonNaN(scr[scrF64], wasmbin.F64)
		}
	}
	// The original final end closed the wrapping block.
	e.epilogue(rep.FrameCost)
	rep.NewBodyBytes = len(e.b)
	return e.b, rep, nil
}

// blockType returns the block type of the wrapping block: the function's
// results, with no parameters.
func (in *inst) blockType(results []wasmbin.ValType) int64 {
	switch len(results) {
	case 0:
		return wasmbin.BlockEmpty
	case 1:
		return int64(int8(byte(results[0]) | 0x80)) // s33 of the value type byte
	}
	want := wasmbin.FuncType{Results: results}
	for i, t := range in.m.Types {
		if t.Equal(want) {
			return int64(i)
		}
	}
	for i, t := range in.newTypes {
		if t.Equal(want) {
			return int64(in.nTypes + i)
		}
	}
	in.newTypes = append(in.newTypes, want)
	return int64(in.nTypes + len(in.newTypes) - 1)
}
