package wasmbin

import (
	"bytes"
	"fmt"
	"slices"
)

// Section IDs.
const (
	SecCustom    = 0
	SecType      = 1
	SecImport    = 2
	SecFunction  = 3
	SecTable     = 4
	SecMemory    = 5
	SecGlobal    = 6
	SecExport    = 7
	SecStart     = 8
	SecElement   = 9
	SecCode      = 10
	SecData      = 11
	SecDataCount = 12
	SecTag       = 13
)

// External kinds of imports and exports.
const (
	KindFunc   = 0
	KindTable  = 1
	KindMemory = 2
	KindGlobal = 3
	KindTag    = 4
)

// KindName names an external kind.
func KindName(k byte) string {
	switch k {
	case KindFunc:
		return "function"
	case KindTable:
		return "table"
	case KindMemory:
		return "memory"
	case KindGlobal:
		return "global"
	case KindTag:
		return "tag"
	}
	return fmt.Sprintf("kind 0x%02x", k)
}

// order gives each known section's required position; custom sections may
// appear anywhere.
var order = [...]int{SecType: 1, SecImport: 2, SecFunction: 3, SecTable: 4, SecMemory: 5,
	SecGlobal: 6, SecExport: 7, SecStart: 8, SecElement: 9, SecDataCount: 10, SecCode: 11, SecData: 12, SecTag: 0}

// Order returns the position a known section must take in a module (0 for
// custom sections, which may appear anywhere).
func Order(id byte) int {
	if int(id) < len(order) {
		return order[id]
	}
	return 0
}

// Magic is the module header: "\0asm" and version 1.
var Magic = []byte{0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00}

// Section is one section as it appeared in the module.
type Section struct {
	ID byte
	// Raw is the whole section: id byte, size and payload, byte for byte.
	Raw []byte
	// Payload is the section's contents, a sub-slice of Raw.
	Payload []byte
	// Offset is the position of Payload in the module.
	Offset int
	// Name is a custom section's name.
	Name string
}

// FuncType is a function signature.
type FuncType struct{ Params, Results []ValType }

// Equal reports whether two signatures are identical.
func (t FuncType) Equal(u FuncType) bool {
	return slices.Equal(t.Params, u.Params) && slices.Equal(t.Results, u.Results)
}

// String formats the signature as "(i32, i32) -> i64".
func (t FuncType) String() string {
	s := "("
	for i, p := range t.Params {
		if i > 0 {
			s += ", "
		}
		s += p.String()
	}
	s += ") -> "
	switch len(t.Results) {
	case 0:
		s += "()"
	case 1:
		s += t.Results[0].String()
	default:
		s += "("
		for i, r := range t.Results {
			if i > 0 {
				s += ", "
			}
			s += r.String()
		}
		s += ")"
	}
	return s
}

// Limits are a memory's or table's size limits.
type Limits struct {
	Min    uint64
	Max    uint64
	HasMax bool
}

// Table is a table type.
type Table struct {
	Elem ValType
	Limits
}

// GlobalType is a global's type.
type GlobalType struct {
	Type    ValType
	Mutable bool
}

// Import is one import.
type Import struct {
	Module, Name string
	Kind         byte
	TypeIndex    uint32 // KindFunc
	Table        Table  // KindTable
	Memory       Limits // KindMemory
	Global       GlobalType
}

// Global is a module-defined global; Init is its constant initialiser,
// including the final end opcode.
type Global struct {
	GlobalType
	Init []byte
}

// Export is one export.
type Export struct {
	Name  string
	Kind  byte
	Index uint32
}

// LocalDecl is a run of Count locals of one type.
type LocalDecl struct {
	Count uint32
	Type  ValType
}

// Code is one function body.
type Code struct {
	// Locals are the body's local declarations.
	Locals []LocalDecl
	// NumLocals is the total of Locals' counts.
	NumLocals uint64
	// Expr is the instruction sequence, ending with end.
	Expr []byte
	// Offset is the position of Expr in the module.
	Offset int
}

// Module is a decoded module. Sections keeps every section's raw bytes so
// that Encode reproduces the input exactly; the other fields are parsed
// views of the sections the pipeline reads.
type Module struct {
	Sections []Section
	Types    []FuncType
	Imports  []Import
	// Funcs are the type indices of the module-defined functions.
	Funcs    []uint32
	Tables   []Table
	Memories []Limits
	Globals  []Global
	Exports  []Export
	HasStart bool
	Start    uint32
	Codes    []Code
	// NumImported counts imports by kind (KindFunc .. KindTag).
	NumImported [5]int
}

// MaxVector bounds any vector length the decoder accepts before allocating,
// in addition to the check that enough bytes remain.
const MaxVector = 1 << 24

func vecLen(r *Reader, what string, minBytes int) (int, error) {
	n, err := r.U32(what + " count")
	if err != nil {
		return 0, err
	}
	if n > MaxVector || int(n)*minBytes > r.Len() {
		return 0, r.errf("%s count %d exceeds the remaining %d bytes", what, n, r.Len())
	}
	return int(n), nil
}

// Decode parses a module. It checks the binary structure (header, section
// order and sizes, the contents of the sections it parses) and rejects
// features of disallowed proposals it meets on the way (as *BannedOpError);
// full validation is the engine's job.
func Decode(b []byte) (*Module, error) {
	if len(b) < 8 || !bytes.Equal(b[:4], Magic[:4]) {
		return nil, fmt.Errorf("not a WebAssembly module (bad magic)")
	}
	if !bytes.Equal(b[4:8], Magic[4:]) {
		return nil, fmt.Errorf("unsupported WebAssembly version %x", b[4:8])
	}
	m := &Module{}
	r := NewReader(b, 0)
	r.off = 8
	last := 0
	for r.Len() > 0 {
		start := r.Offset()
		id, _ := r.Byte("section id")
		size, err := r.U32("section size")
		if err != nil {
			return nil, err
		}
		off := r.Offset()
		payload, err := r.Take(int(size), fmt.Sprintf("section %d", id))
		if err != nil {
			return nil, err
		}
		s := Section{ID: id, Raw: b[start:r.Offset()], Payload: payload, Offset: off}
		if id > SecTag {
			return nil, fmt.Errorf("at offset %d: unknown section id %d", start, id)
		}
		if id == SecTag {
			return nil, &BannedOpError{Offset: start, Name: "tag section", Feature: "exception handling"}
		}
		if id != SecCustom {
			if o := Order(id); o <= last {
				return nil, fmt.Errorf("at offset %d: section %d out of order or duplicated", start, id)
			} else {
				last = o
			}
		}
		if err := m.parseSection(&s); err != nil {
			return nil, err
		}
		m.Sections = append(m.Sections, s)
	}
	if len(m.Codes) != len(m.Funcs) {
		return nil, fmt.Errorf("function section declares %d functions but the code section has %d bodies", len(m.Funcs), len(m.Codes))
	}
	return m, nil
}

func (m *Module) parseSection(s *Section) error {
	r := NewReader(s.Payload, s.Offset)
	var err error
	switch s.ID {
	case SecCustom:
		s.Name, err = r.Name("custom section name")
		return err
	case SecType:
		err = m.parseTypes(r)
	case SecImport:
		err = m.parseImports(r)
	case SecFunction:
		var n int
		if n, err = vecLen(r, "function", 1); err != nil {
			return err
		}
		m.Funcs = make([]uint32, n)
		for i := range m.Funcs {
			if m.Funcs[i], err = r.U32("function type index"); err != nil {
				return err
			}
		}
	case SecTable:
		var n int
		if n, err = vecLen(r, "table", 2); err != nil {
			return err
		}
		for i := 0; i < n; i++ {
			t, err := parseTable(r)
			if err != nil {
				return err
			}
			m.Tables = append(m.Tables, t)
		}
	case SecMemory:
		var n int
		if n, err = vecLen(r, "memory", 2); err != nil {
			return err
		}
		for i := 0; i < n; i++ {
			l, err := parseLimits(r, "memory")
			if err != nil {
				return err
			}
			m.Memories = append(m.Memories, l)
		}
	case SecGlobal:
		var n int
		if n, err = vecLen(r, "global", 3); err != nil {
			return err
		}
		for i := 0; i < n; i++ {
			gt, err := parseGlobalType(r)
			if err != nil {
				return err
			}
			init, err := ConstExpr(r)
			if err != nil {
				return err
			}
			m.Globals = append(m.Globals, Global{gt, init})
		}
	case SecExport:
		var n int
		if n, err = vecLen(r, "export", 3); err != nil {
			return err
		}
		for i := 0; i < n; i++ {
			var e Export
			if e.Name, err = r.Name("export name"); err != nil {
				return err
			}
			if e.Kind, err = r.Byte("export kind"); err != nil {
				return err
			}
			if e.Kind == KindTag {
				return &BannedOpError{Offset: r.Pos() - 1, Name: "tag export", Feature: "exception handling"}
			}
			if e.Index, err = r.U32("export index"); err != nil {
				return err
			}
			m.Exports = append(m.Exports, e)
		}
	case SecStart:
		m.HasStart = true
		m.Start, err = r.U32("start function index")
	case SecCode:
		err = m.parseCode(r)
	default:
		return nil // element, data, data count: kept raw, validated by the engine
	}
	if err != nil {
		return err
	}
	if r.Len() != 0 {
		return r.errf("section %d has %d trailing bytes", s.ID, r.Len())
	}
	return nil
}

func (m *Module) parseTypes(r *Reader) error {
	n, err := vecLen(r, "type", 1)
	if err != nil {
		return err
	}
	m.Types = make([]FuncType, 0, n)
	for i := 0; i < n; i++ {
		pos := r.Pos()
		form, err := r.Byte("type form")
		if err != nil {
			return err
		}
		if form != 0x60 {
			return &BannedOpError{Offset: pos, Name: fmt.Sprintf("type form 0x%02x", form), Feature: "GC"}
		}
		var ft FuncType
		for _, dst := range []*[]ValType{&ft.Params, &ft.Results} {
			k, err := vecLen(r, "value type", 1)
			if err != nil {
				return err
			}
			*dst = make([]ValType, k)
			for j := range *dst {
				p := r.Pos()
				t, _ := r.Byte("value type")
				if err := checkValType(ValType(t), p); err != nil {
					return err
				}
				(*dst)[j] = ValType(t)
			}
		}
		m.Types = append(m.Types, ft)
	}
	return nil
}

func (m *Module) parseImports(r *Reader) error {
	n, err := vecLen(r, "import", 4)
	if err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		var im Import
		if im.Module, err = r.Name("import module"); err != nil {
			return err
		}
		if im.Name, err = r.Name("import name"); err != nil {
			return err
		}
		if im.Kind, err = r.Byte("import kind"); err != nil {
			return err
		}
		switch im.Kind {
		case KindFunc:
			im.TypeIndex, err = r.U32("import type index")
		case KindTable:
			im.Table, err = parseTable(r)
		case KindMemory:
			im.Memory, err = parseLimits(r, "memory")
		case KindGlobal:
			im.Global, err = parseGlobalType(r)
		case KindTag:
			return &BannedOpError{Offset: r.Pos() - 1, Name: "tag import", Feature: "exception handling"}
		default:
			return r.errf("unknown import kind 0x%02x", im.Kind)
		}
		if err != nil {
			return err
		}
		m.NumImported[im.Kind]++
		m.Imports = append(m.Imports, im)
	}
	return nil
}

func parseTable(r *Reader) (Table, error) {
	p := r.Pos()
	t, err := r.Byte("table element type")
	if err != nil {
		return Table{}, err
	}
	if ValType(t) != FuncRef && ValType(t) != ExternRef {
		return Table{}, &BannedOpError{Offset: p, Name: fmt.Sprintf("table element type 0x%02x", t), Feature: "GC"}
	}
	l, err := parseLimits(r, "table")
	return Table{ValType(t), l}, err
}

func parseLimits(r *Reader, what string) (Limits, error) {
	p := r.Pos()
	flags, err := r.Byte(what + " limits")
	if err != nil {
		return Limits{}, err
	}
	switch {
	case flags&0x02 != 0:
		return Limits{}, &BannedOpError{Offset: p, Name: what, Feature: "shared memory"}
	case flags&0x04 != 0:
		return Limits{}, &BannedOpError{Offset: p, Name: what, Feature: "memory64"}
	case flags&0x08 != 0:
		return Limits{}, &BannedOpError{Offset: p, Name: what, Feature: "custom page sizes"}
	case flags > 1:
		return Limits{}, r.errf("%s limits: unknown flags 0x%02x", what, flags)
	}
	var l Limits
	v, err := r.U32(what + " minimum")
	if err != nil {
		return l, err
	}
	l.Min = uint64(v)
	if flags == 1 {
		v, err = r.U32(what + " maximum")
		l.Max, l.HasMax = uint64(v), true
	}
	return l, err
}

func parseGlobalType(r *Reader) (GlobalType, error) {
	p := r.Pos()
	t, err := r.Byte("global type")
	if err != nil {
		return GlobalType{}, err
	}
	if err := checkValType(ValType(t), p); err != nil {
		return GlobalType{}, err
	}
	mut, err := r.Byte("global mutability")
	if err != nil {
		return GlobalType{}, err
	}
	if mut > 1 {
		return GlobalType{}, r.errf("global mutability must be 0 or 1, is %d", mut)
	}
	return GlobalType{ValType(t), mut == 1}, nil
}

// ConstExpr reads a constant expression up to and including its end and
// returns its bytes.
func ConstExpr(r *Reader) ([]byte, error) {
	start := r.Offset()
	var in Instr
	for {
		if err := DecodeInstr(r, &in); err != nil {
			return nil, err
		}
		switch in.Op {
		case OpEnd:
			return r.Bytes()[start:r.Offset()], nil
		case OpBlock, OpLoop, OpIf, OpElse:
			return nil, r.errf("%s is not allowed in a constant expression", in.Name())
		}
	}
}

// MaxLocals bounds the locals one body may declare; the decoder refuses more
// before the policy's own, lower limit applies.
const MaxLocals = 1 << 20

func (m *Module) parseCode(r *Reader) error {
	n, err := vecLen(r, "code", 1)
	if err != nil {
		return err
	}
	m.Codes = make([]Code, 0, n)
	for i := 0; i < n; i++ {
		size, err := r.U32("body size")
		if err != nil {
			return err
		}
		off := r.Pos()
		body, err := r.Take(int(size), "function body")
		if err != nil {
			return err
		}
		br := NewReader(body, off)
		k, err := vecLen(br, "local declaration", 2)
		if err != nil {
			return fmt.Errorf("function body %d: %w", i, err)
		}
		c := Code{Locals: make([]LocalDecl, k)}
		for j := range c.Locals {
			cnt, err := br.U32("local count")
			if err != nil {
				return fmt.Errorf("function body %d: %w", i, err)
			}
			p := br.Pos()
			t, err := br.Byte("local type")
			if err != nil {
				return fmt.Errorf("function body %d: %w", i, err)
			}
			if err := checkValType(ValType(t), p); err != nil {
				return err
			}
			c.NumLocals += uint64(cnt)
			if c.NumLocals > MaxLocals {
				return fmt.Errorf("function body %d: declares more than %d locals", i, MaxLocals)
			}
			c.Locals[j] = LocalDecl{cnt, ValType(t)}
		}
		c.Expr = body[br.Offset():]
		c.Offset = br.Pos()
		if len(c.Expr) == 0 || c.Expr[len(c.Expr)-1] != byte(OpEnd) {
			return fmt.Errorf("function body %d: does not end with end", i)
		}
		m.Codes = append(m.Codes, c)
	}
	return nil
}

// FuncType returns the signature of function index fi (imports first).
func (m *Module) FuncType(fi uint32) (FuncType, error) {
	var ti uint32
	if int(fi) < m.NumImported[KindFunc] {
		k := 0
		for _, im := range m.Imports {
			if im.Kind == KindFunc {
				if k == int(fi) {
					ti = im.TypeIndex
					break
				}
				k++
			}
		}
	} else if d := int(fi) - m.NumImported[KindFunc]; d < len(m.Funcs) {
		ti = m.Funcs[d]
	} else {
		return FuncType{}, fmt.Errorf("function index %d out of range", fi)
	}
	if int(ti) >= len(m.Types) {
		return FuncType{}, fmt.Errorf("type index %d out of range", ti)
	}
	return m.Types[ti], nil
}

// Encode returns the module's bytes: the header and every section's raw
// bytes. For a module returned by Decode this is exactly the input.
func (m *Module) Encode() []byte {
	n := len(Magic)
	for _, s := range m.Sections {
		n += len(s.Raw)
	}
	out := make([]byte, 0, n)
	out = append(out, Magic...)
	for _, s := range m.Sections {
		out = append(out, s.Raw...)
	}
	return out
}

// NewSection builds a section from a payload.
func NewSection(id byte, payload []byte) Section {
	raw := append(AppendU32([]byte{id}, uint32(len(payload))), payload...)
	return Section{ID: id, Raw: raw, Payload: raw[len(raw)-len(payload):]}
}

// SetSection replaces the section with id (not custom) by one holding
// payload, inserting it in its required position if the module has none.
func (m *Module) SetSection(id byte, payload []byte) {
	s := NewSection(id, payload)
	for i := range m.Sections {
		if m.Sections[i].ID == id {
			m.Sections[i] = s
			return
		}
	}
	at := len(m.Sections)
	for i, t := range m.Sections {
		if t.ID != SecCustom && Order(t.ID) > Order(id) {
			at = i
			break
		}
	}
	m.Sections = append(m.Sections[:at], append([]Section{s}, m.Sections[at:]...)...)
}

// AppendFuncTypes encodes a type section payload.
func AppendFuncTypes(b []byte, ts []FuncType) []byte {
	b = AppendU32(b, uint32(len(ts)))
	for _, t := range ts {
		b = append(b, 0x60)
		for _, v := range [][]ValType{t.Params, t.Results} {
			b = AppendU32(b, uint32(len(v)))
			for _, x := range v {
				b = append(b, byte(x))
			}
		}
	}
	return b
}

// AppendLimits encodes limits.
func AppendLimits(b []byte, l Limits) []byte {
	if l.HasMax {
		return AppendU64(AppendU64(append(b, 1), l.Min), l.Max)
	}
	return AppendU64(append(b, 0), l.Min)
}

// AppendImports encodes an import section payload.
func AppendImports(b []byte, ims []Import) []byte {
	b = AppendU32(b, uint32(len(ims)))
	for _, im := range ims {
		b = append(AppendName(AppendName(b, im.Module), im.Name), im.Kind)
		switch im.Kind {
		case KindFunc:
			b = AppendU32(b, im.TypeIndex)
		case KindTable:
			b = AppendLimits(append(b, byte(im.Table.Elem)), im.Table.Limits)
		case KindMemory:
			b = AppendLimits(b, im.Memory)
		case KindGlobal:
			b = append(b, byte(im.Global.Type), boolByte(im.Global.Mutable))
		}
	}
	return b
}

// AppendTables encodes a table section payload.
func AppendTables(b []byte, ts []Table) []byte {
	b = AppendU32(b, uint32(len(ts)))
	for _, t := range ts {
		b = AppendLimits(append(b, byte(t.Elem)), t.Limits)
	}
	return b
}

// AppendMemories encodes a memory section payload.
func AppendMemories(b []byte, ms []Limits) []byte {
	b = AppendU32(b, uint32(len(ms)))
	for _, l := range ms {
		b = AppendLimits(b, l)
	}
	return b
}

// AppendGlobals encodes a global section payload.
func AppendGlobals(b []byte, gs []Global) []byte {
	b = AppendU32(b, uint32(len(gs)))
	for _, g := range gs {
		b = append(append(b, byte(g.Type), boolByte(g.Mutable)), g.Init...)
	}
	return b
}

// AppendExports encodes an export section payload.
func AppendExports(b []byte, es []Export) []byte {
	b = AppendU32(b, uint32(len(es)))
	for _, e := range es {
		b = AppendU32(append(AppendName(b, e.Name), e.Kind), e.Index)
	}
	return b
}

// AppendLocals encodes a body's local declarations.
func AppendLocals(b []byte, ls []LocalDecl) []byte {
	b = AppendU32(b, uint32(len(ls)))
	for _, l := range ls {
		b = append(AppendU32(b, l.Count), byte(l.Type))
	}
	return b
}

func boolByte(v bool) byte {
	if v {
		return 1
	}
	return 0
}

// Scan decodes every instruction of a body without keeping them, returning
// the first decoding error (a *BannedOpError for a disallowed instruction).
func (c *Code) Scan() error {
	r := NewReader(c.Expr, c.Offset)
	var in Instr
	for r.Len() > 0 {
		if err := DecodeInstr(r, &in); err != nil {
			return err
		}
	}
	return nil
}
