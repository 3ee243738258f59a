package wasmbin

import "fmt"

// Op identifies an instruction: the opcode byte for single-byte opcodes, or
// prefix<<16 | sub-opcode for prefixed ones (0xFC, 0xFD, 0xFE, 0xFB).
type Op uint32

// Prefix bytes of multi-byte opcodes.
const (
	PrefixGC     = 0xFB
	PrefixMisc   = 0xFC
	PrefixSIMD   = 0xFD
	PrefixAtomic = 0xFE
)

// Instructions the instrumenter and policy refer to by name.
const (
	OpUnreachable   Op = 0x00
	OpNop           Op = 0x01
	OpBlock         Op = 0x02
	OpLoop          Op = 0x03
	OpIf            Op = 0x04
	OpElse          Op = 0x05
	OpEnd           Op = 0x0b
	OpBr            Op = 0x0c
	OpBrIf          Op = 0x0d
	OpBrTable       Op = 0x0e
	OpReturn        Op = 0x0f
	OpCall          Op = 0x10
	OpCallIndirect  Op = 0x11
	OpDrop          Op = 0x1a
	OpSelect        Op = 0x1b
	OpLocalGet      Op = 0x20
	OpLocalSet      Op = 0x21
	OpLocalTee      Op = 0x22
	OpGlobalGet     Op = 0x23
	OpGlobalSet     Op = 0x24
	OpMemoryGrow    Op = 0x40
	OpI32Const      Op = 0x41
	OpI64Const      Op = 0x42
	OpF32Const      Op = 0x43
	OpF64Const      Op = 0x44
	OpI32LtS        Op = 0x48
	OpI32LtU        Op = 0x49
	OpI64LtS        Op = 0x53
	OpI64LtU        Op = 0x54
	OpI64GeU        Op = 0x5a
	OpI64GtU        Op = 0x56
	OpF32Eq         Op = 0x5b
	OpF64Eq         Op = 0x61
	OpI32Add        Op = 0x6a
	OpI32Sub        Op = 0x6b
	OpI64Sub        Op = 0x7d
	OpI64Mul        Op = 0x7e
	OpI64ShrU       Op = 0x88
	OpI64ExtendI32U Op = 0xad
	OpMemoryInit    Op = PrefixMisc<<16 | 8
	OpMemoryCopy    Op = PrefixMisc<<16 | 10
	OpMemoryFill    Op = PrefixMisc<<16 | 11
)

// ImmKind is the shape of an instruction's immediates.
type ImmKind uint8

// Immediate kinds.
const (
	ImmNone         ImmKind = iota
	ImmBlock                // block type (s33)
	ImmLabel                // label index
	ImmBrTable              // vector of labels, then the default label
	ImmFunc                 // function index
	ImmCallIndirect         // type index, table index
	ImmLocal                // local index
	ImmGlobal               // global index
	ImmTable                // table index
	ImmMemArg               // alignment, offset
	ImmMemIdx               // memory index (must be 0)
	ImmI32                  // s32
	ImmI64                  // s64
	ImmF32                  // 4 bytes
	ImmF64                  // 8 bytes
	ImmSelectT              // vector of value types
	ImmRefNull              // heap type
	ImmDataMem              // data index, memory index (memory.init)
	ImmData                 // data index (data.drop)
	ImmMemMem               // two memory indices (memory.copy)
	ImmElemTable            // element index, table index (table.init)
	ImmElem                 // element index (elem.drop)
	ImmTableTable           // two table indices (table.copy)
)

// Class groups instructions that cost the same under a cost table.
type Class uint8

// Cost classes.
const (
	ClassNone         Class = iota // structural: end, else, block (cost 0)
	ClassBase                      // simple integer ops, locals, constants
	ClassControl                   // br, br_if, br_table, if, loop, return
	ClassCall                      // call
	ClassCallIndirect              // call_indirect
	ClassGlobal                    // global.get/set
	ClassLoad                      // memory loads
	ClassStore                     // memory stores
	ClassIntDiv                    // integer div/rem
	ClassFloat                     // float ops that never produce a new NaN
	ClassFloatNaN                  // float ops whose NaN result is canonicalised
	ClassFloatDiv                  // float div and sqrt (canonicalised too)
	ClassConvert                   // conversions
	ClassMemSize                   // memory.size
	ClassMemGrow                   // memory.grow (plus a per-page dynamic charge)
	ClassBulk                      // memory.copy/fill/init (plus a per-byte dynamic charge)
	ClassTable                     // table.get/size, ref ops
	NumClasses
)

// Stack effects that are not a fixed count.
const (
	// Special marks an operand count the height pass computes from the
	// immediates or the control stack.
	Special = -1
)

// Info describes one opcode: its text name, immediates, operand-stack
// effect, cost class, whether its result is NaN-canonicalised, and, for
// opcodes the policy rejects, the feature that bans it.
type Info struct {
	Name      string
	Imm       ImmKind
	Pop, Push int8 // Special when computed from context
	Class     Class
	// NaN is F32 or F64 when the result must be NaN-canonicalised.
	NaN ValType
	// Banned names the disallowed feature ("SIMD", "threads", ...); empty
	// for allowed opcodes.
	Banned string
}

var (
	single [256]*Info
	misc   [32]*Info
)

func def(op Op, name string, imm ImmKind, pop, push int8, c Class) *Info {
	in := &Info{Name: name, Imm: imm, Pop: pop, Push: push, Class: c}
	if op < 256 {
		single[op] = in
	} else {
		misc[op&0xffff] = in
	}
	return in
}

// seq defines consecutive opcodes sharing a shape.
func seq(first Op, names []string, imm ImmKind, pop, push int8, c Class) {
	for i, n := range names {
		def(first+Op(i), n, imm, pop, push, c)
	}
}

func init() {
	S := int8(Special)
	def(0x00, "unreachable", ImmNone, 0, 0, ClassControl)
	def(0x01, "nop", ImmNone, 0, 0, ClassBase)
	def(0x02, "block", ImmBlock, S, S, ClassNone)
	def(0x03, "loop", ImmBlock, S, S, ClassControl)
	def(0x04, "if", ImmBlock, S, S, ClassControl)
	def(0x05, "else", ImmNone, S, S, ClassNone)
	def(0x0b, "end", ImmNone, S, S, ClassNone)
	def(0x0c, "br", ImmLabel, S, S, ClassControl)
	def(0x0d, "br_if", ImmLabel, S, S, ClassControl)
	def(0x0e, "br_table", ImmBrTable, S, S, ClassControl)
	def(0x0f, "return", ImmNone, S, S, ClassControl)
	def(0x10, "call", ImmFunc, S, S, ClassCall)
	def(0x11, "call_indirect", ImmCallIndirect, S, S, ClassCallIndirect)
	def(0x1a, "drop", ImmNone, 1, 0, ClassBase)
	def(0x1b, "select", ImmNone, 3, 1, ClassBase)
	def(0x1c, "select", ImmSelectT, 3, 1, ClassBase)
	def(0x20, "local.get", ImmLocal, 0, 1, ClassBase)
	def(0x21, "local.set", ImmLocal, 1, 0, ClassBase)
	def(0x22, "local.tee", ImmLocal, 1, 1, ClassBase)
	def(0x23, "global.get", ImmGlobal, 0, 1, ClassGlobal)
	def(0x24, "global.set", ImmGlobal, 1, 0, ClassGlobal)
	def(0x25, "table.get", ImmTable, 1, 1, ClassTable)
	def(0x26, "table.set", ImmTable, 2, 0, ClassTable).Banned = "table mutation"
	seq(0x28, []string{"i32.load", "i64.load", "f32.load", "f64.load",
		"i32.load8_s", "i32.load8_u", "i32.load16_s", "i32.load16_u",
		"i64.load8_s", "i64.load8_u", "i64.load16_s", "i64.load16_u", "i64.load32_s", "i64.load32_u"},
		ImmMemArg, 1, 1, ClassLoad)
	seq(0x36, []string{"i32.store", "i64.store", "f32.store", "f64.store",
		"i32.store8", "i32.store16", "i64.store8", "i64.store16", "i64.store32"},
		ImmMemArg, 2, 0, ClassStore)
	def(0x3f, "memory.size", ImmMemIdx, 0, 1, ClassMemSize)
	def(0x40, "memory.grow", ImmMemIdx, 1, 1, ClassMemGrow)
	def(0x41, "i32.const", ImmI32, 0, 1, ClassBase)
	def(0x42, "i64.const", ImmI64, 0, 1, ClassBase)
	def(0x43, "f32.const", ImmF32, 0, 1, ClassBase)
	def(0x44, "f64.const", ImmF64, 0, 1, ClassBase)
	def(0x45, "i32.eqz", ImmNone, 1, 1, ClassBase)
	seq(0x46, []string{"i32.eq", "i32.ne", "i32.lt_s", "i32.lt_u", "i32.gt_s", "i32.gt_u",
		"i32.le_s", "i32.le_u", "i32.ge_s", "i32.ge_u"}, ImmNone, 2, 1, ClassBase)
	def(0x50, "i64.eqz", ImmNone, 1, 1, ClassBase)
	seq(0x51, []string{"i64.eq", "i64.ne", "i64.lt_s", "i64.lt_u", "i64.gt_s", "i64.gt_u",
		"i64.le_s", "i64.le_u", "i64.ge_s", "i64.ge_u"}, ImmNone, 2, 1, ClassBase)
	seq(0x5b, []string{"f32.eq", "f32.ne", "f32.lt", "f32.gt", "f32.le", "f32.ge"}, ImmNone, 2, 1, ClassFloat)
	seq(0x61, []string{"f64.eq", "f64.ne", "f64.lt", "f64.gt", "f64.le", "f64.ge"}, ImmNone, 2, 1, ClassFloat)
	seq(0x67, []string{"i32.clz", "i32.ctz", "i32.popcnt"}, ImmNone, 1, 1, ClassBase)
	seq(0x6a, []string{"i32.add", "i32.sub", "i32.mul"}, ImmNone, 2, 1, ClassBase)
	seq(0x6d, []string{"i32.div_s", "i32.div_u", "i32.rem_s", "i32.rem_u"}, ImmNone, 2, 1, ClassIntDiv)
	seq(0x71, []string{"i32.and", "i32.or", "i32.xor", "i32.shl", "i32.shr_s", "i32.shr_u",
		"i32.rotl", "i32.rotr"}, ImmNone, 2, 1, ClassBase)
	seq(0x79, []string{"i64.clz", "i64.ctz", "i64.popcnt"}, ImmNone, 1, 1, ClassBase)
	seq(0x7c, []string{"i64.add", "i64.sub", "i64.mul"}, ImmNone, 2, 1, ClassBase)
	seq(0x7f, []string{"i64.div_s", "i64.div_u", "i64.rem_s", "i64.rem_u"}, ImmNone, 2, 1, ClassIntDiv)
	seq(0x83, []string{"i64.and", "i64.or", "i64.xor", "i64.shl", "i64.shr_s", "i64.shr_u",
		"i64.rotl", "i64.rotr"}, ImmNone, 2, 1, ClassBase)
	for _, w := range []struct {
		base Op
		p    string
		t    ValType
	}{{0x8b, "f32.", F32}, {0x99, "f64.", F64}} {
		def(w.base+0, w.p+"abs", ImmNone, 1, 1, ClassFloat)
		def(w.base+1, w.p+"neg", ImmNone, 1, 1, ClassFloat)
		for i, n := range []string{"ceil", "floor", "trunc", "nearest"} {
			def(w.base+2+Op(i), w.p+n, ImmNone, 1, 1, ClassFloatNaN).NaN = w.t
		}
		def(w.base+6, w.p+"sqrt", ImmNone, 1, 1, ClassFloatDiv).NaN = w.t
		def(w.base+7, w.p+"add", ImmNone, 2, 1, ClassFloatNaN).NaN = w.t
		def(w.base+8, w.p+"sub", ImmNone, 2, 1, ClassFloatNaN).NaN = w.t
		def(w.base+9, w.p+"mul", ImmNone, 2, 1, ClassFloatNaN).NaN = w.t
		def(w.base+10, w.p+"div", ImmNone, 2, 1, ClassFloatDiv).NaN = w.t
		def(w.base+11, w.p+"min", ImmNone, 2, 1, ClassFloatNaN).NaN = w.t
		def(w.base+12, w.p+"max", ImmNone, 2, 1, ClassFloatNaN).NaN = w.t
		def(w.base+13, w.p+"copysign", ImmNone, 2, 1, ClassFloat)
	}
	seq(0xa7, []string{"i32.wrap_i64", "i32.trunc_f32_s", "i32.trunc_f32_u", "i32.trunc_f64_s", "i32.trunc_f64_u",
		"i64.extend_i32_s", "i64.extend_i32_u", "i64.trunc_f32_s", "i64.trunc_f32_u", "i64.trunc_f64_s", "i64.trunc_f64_u",
		"f32.convert_i32_s", "f32.convert_i32_u", "f32.convert_i64_s", "f32.convert_i64_u", "f32.demote_f64",
		"f64.convert_i32_s", "f64.convert_i32_u", "f64.convert_i64_s", "f64.convert_i64_u", "f64.promote_f32",
		"i32.reinterpret_f32", "i64.reinterpret_f64", "f32.reinterpret_i32", "f64.reinterpret_i64"},
		ImmNone, 1, 1, ClassConvert)
	single[0xb6].NaN = F32 // f32.demote_f64
	single[0xbb].NaN = F64 // f64.promote_f32
	seq(0xc0, []string{"i32.extend8_s", "i32.extend16_s", "i64.extend8_s", "i64.extend16_s", "i64.extend32_s"},
		ImmNone, 1, 1, ClassBase)
	def(0xd0, "ref.null", ImmRefNull, 0, 1, ClassTable)
	def(0xd1, "ref.is_null", ImmNone, 1, 1, ClassTable)
	def(0xd2, "ref.func", ImmFunc, 0, 1, ClassTable)
	seq(PrefixMisc<<16, []string{"i32.trunc_sat_f32_s", "i32.trunc_sat_f32_u", "i32.trunc_sat_f64_s", "i32.trunc_sat_f64_u",
		"i64.trunc_sat_f32_s", "i64.trunc_sat_f32_u", "i64.trunc_sat_f64_s", "i64.trunc_sat_f64_u"},
		ImmNone, 1, 1, ClassConvert)
	def(OpMemoryInit, "memory.init", ImmDataMem, 3, 0, ClassBulk)
	def(PrefixMisc<<16|9, "data.drop", ImmData, 0, 0, ClassBase)
	def(OpMemoryCopy, "memory.copy", ImmMemMem, 3, 0, ClassBulk)
	def(OpMemoryFill, "memory.fill", ImmMemIdx, 3, 0, ClassBulk)
	def(PrefixMisc<<16|12, "table.init", ImmElemTable, 3, 0, ClassTable).Banned = "table mutation"
	def(PrefixMisc<<16|13, "elem.drop", ImmElem, 0, 0, ClassTable).Banned = "table mutation"
	def(PrefixMisc<<16|14, "table.copy", ImmTableTable, 3, 0, ClassTable).Banned = "table mutation"
	def(PrefixMisc<<16|15, "table.grow", ImmTable, 2, 1, ClassTable).Banned = "table mutation"
	def(PrefixMisc<<16|16, "table.size", ImmTable, 0, 1, ClassTable)
	def(PrefixMisc<<16|17, "table.fill", ImmTable, 3, 0, ClassTable).Banned = "table mutation"
}

// bannedSingle names single-byte opcodes of proposals the policy rejects;
// their immediates are never decoded.
var bannedSingle = [256]struct{ name, feature string }{
	0x06: {"try", "exception handling"},
	0x07: {"catch", "exception handling"},
	0x08: {"throw", "exception handling"},
	0x09: {"rethrow", "exception handling"},
	0x0a: {"throw_ref", "exception handling"},
	0x12: {"return_call", "tail calling"},
	0x13: {"return_call_indirect", "tail calling"},
	0x14: {"call_ref", "typed function references"},
	0x15: {"return_call_ref", "tail calling"},
	0x18: {"delegate", "exception handling"},
	0x19: {"catch_all", "exception handling"},
	0x1f: {"try_table", "exception handling"},
	0xd3: {"ref.as_non_null", "typed function references"},
	0xd4: {"br_on_null", "typed function references"},
	0xd5: {"ref.eq", "GC"},
	0xd6: {"br_on_non_null", "typed function references"},
}

// simdNames names a few common SIMD opcodes so errors read naturally.
var simdNames = map[uint32]string{
	0: "v128.load", 11: "v128.store", 12: "v128.const", 13: "i8x16.shuffle",
	15: "i8x16.splat", 17: "i32x4.splat", 18: "i64x2.splat", 19: "f32x4.splat", 20: "f64x2.splat",
	174: "i32x4.add", 228: "f32x4.add", 240: "f64x2.add",
}

// atomicNames names a few threads-proposal opcodes.
var atomicNames = map[uint32]string{
	0: "memory.atomic.notify", 1: "memory.atomic.wait32", 2: "memory.atomic.wait64", 3: "atomic.fence",
	0x10: "i32.atomic.load", 0x11: "i64.atomic.load", 0x17: "i32.atomic.store", 0x18: "i64.atomic.store",
	0x1e: "i32.atomic.rmw.add", 0x1f: "i64.atomic.rmw.add", 0x48: "i32.atomic.rmw.cmpxchg", 0x49: "i64.atomic.rmw.cmpxchg",
}

// Lookup returns the description of an allowed or decodable op, or nil.
func Lookup(op Op) *Info {
	if op < 256 {
		return single[op]
	}
	if op>>16 == PrefixMisc && op&0xffff < Op(len(misc)) {
		return misc[op&0xffff]
	}
	return nil
}

// BannedOpError reports an instruction from a proposal the policy rejects
// (or an unknown opcode). Decoding stops at it because its immediates are
// not known.
type BannedOpError struct {
	Offset  int    // position in the module
	Name    string // text name, or a hex description when unknown
	Feature string // the proposal ("SIMD", "threads", ...), or "unknown opcode"
	// Instr is set when Name is an instruction (rather than a type, section
	// or limits description).
	Instr bool
}

// Error includes the offset; Message is the same without it.
func (e *BannedOpError) Error() string {
	if e.Feature == "unknown opcode" {
		return fmt.Sprintf("at offset %d: unknown opcode %s", e.Offset, e.Name)
	}
	return fmt.Sprintf("at offset %d: %s", e.Offset, e.Message())
}

// Message is the error without its offset, e.g. "instruction v128.load:
// SIMD is not allowed".
func (e *BannedOpError) Message() string {
	switch {
	case e.Feature == "unknown opcode":
		return "unknown opcode " + e.Name
	case e.Instr:
		return fmt.Sprintf("instruction %s: %s is not allowed", e.Name, e.Feature)
	}
	return fmt.Sprintf("%s: %s is not allowed", e.Name, e.Feature)
}

func bannedPrefixed(prefix byte, sub uint32, off int) *BannedOpError {
	var name, feature string
	switch prefix {
	case PrefixSIMD:
		name, feature = simdNames[sub], "SIMD"
	case PrefixAtomic:
		name, feature = atomicNames[sub], "atomic memory access"
	case PrefixGC:
		feature = "GC"
	case PrefixMisc:
		feature = "unknown opcode"
		if sub >= 19 && sub <= 22 {
			feature = "wide arithmetic"
			name = [...]string{"i64.add128", "i64.sub128", "i64.mul_wide_s", "i64.mul_wide_u"}[sub-19]
		}
	}
	if name == "" {
		name = fmt.Sprintf("0x%02x 0x%02x", prefix, sub)
	}
	return &BannedOpError{Offset: off, Name: name, Feature: feature, Instr: true}
}

// Ops returns every opcode the table describes (allowed or banned), in
// numeric order.
func Ops() []Op {
	var ops []Op
	for op := Op(0); op < 256; op++ {
		if single[op] != nil {
			ops = append(ops, op)
		}
	}
	for sub := Op(0); sub < Op(len(misc)); sub++ {
		if misc[sub] != nil {
			ops = append(ops, PrefixMisc<<16|sub)
		}
	}
	return ops
}
