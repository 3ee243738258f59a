package wasmbin

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// ValType is a value type byte.
type ValType byte

// Value types. V128 and the GC reference types decode only to be rejected.
const (
	I32       ValType = 0x7f
	I64       ValType = 0x7e
	F32       ValType = 0x7d
	F64       ValType = 0x7c
	V128      ValType = 0x7b
	FuncRef   ValType = 0x70
	ExternRef ValType = 0x6f
)

// String returns the text name of the type.
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
	case V128:
		return "v128"
	case FuncRef:
		return "funcref"
	case ExternRef:
		return "externref"
	}
	return fmt.Sprintf("type 0x%02x", byte(t))
}

// checkValType rejects types outside MVP numbers, funcref and externref,
// naming the proposal that introduced them.
func checkValType(t ValType, off int) error {
	switch t {
	case I32, I64, F32, F64, FuncRef, ExternRef:
		return nil
	case V128:
		return &BannedOpError{Offset: off, Name: "value type v128", Feature: "SIMD"}
	}
	return &BannedOpError{Offset: off, Name: fmt.Sprintf("value type 0x%02x", byte(t)), Feature: "GC"}
}

// Block types other than a type index, as s33 values.
const (
	BlockEmpty int64 = -64 // 0x40
)

// Instr is one decoded instruction. Immediates are in A, B, Labels and
// Types according to the opcode's ImmKind:
//
//	ImmBlock: A = s33 block type (negative: BlockEmpty or -(0x80-valtype))
//	ImmLabel, ImmFunc, ImmLocal, ImmGlobal, ImmTable, ImmData, ImmElem: A
//	ImmCallIndirect: A type, B table;  ImmMemArg: A align, B offset
//	ImmMemIdx: A memory;  ImmDataMem, ImmElemTable: A, B;  ImmMemMem, ImmTableTable: A, B
//	ImmI32, ImmI64: A (two's complement);  ImmF32, ImmF64: A (bits)
//	ImmBrTable: Labels (targets then default);  ImmSelectT: Types;  ImmRefNull: A (heap type byte)
type Instr struct {
	Op     Op
	A, B   uint64
	Labels []uint32
	Types  []ValType
}

// BlockValType returns the single result type of a non-index block type.
func BlockValType(bt int64) ValType { return ValType(byte(bt) & 0x7f) }

// Info returns the opcode's description (never nil for a decoded Instr).
func (in *Instr) Info() *Info { return Lookup(in.Op) }

// DecodeInstr reads one instruction. Instructions of rejected proposals
// return a *BannedOpError; malformed bytes an error naming the offset.
func DecodeInstr(r *Reader, in *Instr) error {
	start := r.Pos()
	b, err := r.Byte("opcode")
	if err != nil {
		return err
	}
	op := Op(b)
	switch b {
	case PrefixMisc, PrefixSIMD, PrefixAtomic, PrefixGC:
		sub, err := r.U32("opcode")
		if err != nil {
			return err
		}
		if b != PrefixMisc || sub >= uint32(len(misc)) || misc[sub] == nil {
			return bannedPrefixed(b, sub, start)
		}
		op = Op(b)<<16 | Op(sub)
	default:
		if single[b] == nil {
			if n := bannedSingle[b]; n.name != "" {
				return &BannedOpError{Offset: start, Name: n.name, Feature: n.feature, Instr: true}
			}
			return &BannedOpError{Offset: start, Name: fmt.Sprintf("0x%02x", b), Feature: "unknown opcode"}
		}
	}
	info := Lookup(op)
	*in = Instr{Op: op}
	if info.Banned != "" {
		return &BannedOpError{Offset: start, Name: info.Name, Feature: info.Banned, Instr: true}
	}
	// Immediate names are static strings: building them per instruction
	// would allocate on the hot path; errors get the instruction's name
	// added once, below.
	u32 := func(what string) (uint64, error) {
		v, err := r.U32(what)
		return uint64(v), err
	}
	memIdx := func() (uint64, error) {
		v, err := u32("memory index")
		if err == nil && v != 0 {
			return 0, &BannedOpError{Offset: start, Name: info.Name + " on memory " + fmt.Sprint(v), Feature: "multi-memory"}
		}
		return v, err
	}
	switch info.Imm {
	case ImmNone:
	case ImmBlock:
		pos := r.Pos()
		v, err := r.S33("block type")
		if err != nil {
			return err
		}
		if v < 0 && v != BlockEmpty {
			if err := checkValType(BlockValType(v), pos); err != nil {
				return err
			}
		}
		in.A = uint64(v)
	case ImmLabel, ImmFunc, ImmLocal, ImmGlobal, ImmTable, ImmData, ImmElem:
		in.A, err = u32("index")
	case ImmCallIndirect, ImmElemTable, ImmTableTable:
		if in.A, err = u32("index"); err == nil {
			in.B, err = u32("index")
		}
	case ImmMemArg:
		var align uint32
		if align, err = r.U32("alignment"); err != nil {
			return fmt.Errorf("%s: %w", info.Name, err)
		}
		if align >= 64 {
			return &BannedOpError{Offset: start, Name: info.Name + " with a memory index", Feature: "multi-memory"}
		}
		in.A = uint64(align)
		in.B, err = u32("offset")
	case ImmMemIdx:
		in.A, err = memIdx()
	case ImmDataMem:
		if in.A, err = u32("data index"); err == nil {
			in.B, err = memIdx()
		}
	case ImmMemMem:
		if in.A, err = memIdx(); err == nil {
			in.B, err = memIdx()
		}
	case ImmI32:
		var v int32
		v, err = r.S32("i32.const value")
		in.A = uint64(int64(v))
	case ImmI64:
		var v int64
		v, err = r.S64("i64.const value")
		in.A = uint64(v)
	case ImmF32:
		var p []byte
		if p, err = r.Take(4, "f32.const value"); err == nil {
			in.A = uint64(binary.LittleEndian.Uint32(p))
		}
	case ImmF64:
		var p []byte
		if p, err = r.Take(8, "f64.const value"); err == nil {
			in.A = binary.LittleEndian.Uint64(p)
		}
	case ImmBrTable:
		var n uint32
		if n, err = r.U32("br_table length"); err != nil {
			return err
		}
		if int(n) > r.Len() { // each label takes at least one byte
			return r.eof("br_table labels")
		}
		in.Labels = make([]uint32, 0, n+1)
		for i := uint32(0); i <= n; i++ {
			l, err := r.U32("br_table label")
			if err != nil {
				return err
			}
			in.Labels = append(in.Labels, l)
		}
	case ImmSelectT:
		var n uint32
		if n, err = r.U32("select type count"); err != nil {
			return err
		}
		if n != 1 {
			return r.errf("select must have exactly one type, has %d", n)
		}
		pos := r.Pos()
		t, err := r.Byte("select type")
		if err != nil {
			return err
		}
		if err := checkValType(ValType(t), pos); err != nil {
			return err
		}
		in.Types = []ValType{ValType(t)}
	case ImmRefNull:
		pos := r.Pos()
		t, err := r.Byte("ref.null type")
		if err != nil {
			return err
		}
		if ValType(t) != FuncRef && ValType(t) != ExternRef {
			return &BannedOpError{Offset: pos, Name: fmt.Sprintf("ref.null 0x%02x", t), Feature: "GC"}
		}
		in.A = uint64(t)
	}
	if err != nil {
		var be *BannedOpError
		if !errors.As(err, &be) {
			err = fmt.Errorf("%s: %w", info.Name, err)
		}
	}
	return err
}

// AppendInstr appends the canonical (minimal LEB128) encoding of in.
func AppendInstr(b []byte, in *Instr) []byte {
	if in.Op < 256 {
		b = append(b, byte(in.Op))
	} else {
		b = append(b, byte(in.Op>>16))
		b = AppendU32(b, uint32(in.Op&0xffff))
	}
	switch Lookup(in.Op).Imm {
	case ImmBlock, ImmI32, ImmI64:
		b = AppendS64(b, int64(in.A))
	case ImmLabel, ImmFunc, ImmLocal, ImmGlobal, ImmTable, ImmData, ImmElem, ImmMemIdx:
		b = AppendU32(b, uint32(in.A))
	case ImmCallIndirect, ImmElemTable, ImmTableTable, ImmDataMem, ImmMemMem:
		b = AppendU32(AppendU32(b, uint32(in.A)), uint32(in.B))
	case ImmMemArg:
		b = AppendU32(AppendU32(b, uint32(in.A)), uint32(in.B))
	case ImmF32:
		b = binary.LittleEndian.AppendUint32(b, uint32(in.A))
	case ImmF64:
		b = binary.LittleEndian.AppendUint64(b, in.A)
	case ImmBrTable:
		b = AppendU32(b, uint32(len(in.Labels)-1))
		for _, l := range in.Labels {
			b = AppendU32(b, l)
		}
	case ImmSelectT:
		b = AppendU32(b, uint32(len(in.Types)))
		for _, t := range in.Types {
			b = append(b, byte(t))
		}
	case ImmRefNull:
		b = append(b, byte(in.A))
	}
	return b
}

// Name returns the instruction's text name.
func (in *Instr) Name() string { return Lookup(in.Op).Name }
