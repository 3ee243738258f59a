package wasmbin

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// seeds are the modules under testdata (assembled from plugins/testdata).
func seeds(t testing.TB) map[string][]byte {
	paths, err := filepath.Glob("testdata/*.wasm")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no seed modules: %v", err)
	}
	out := map[string][]byte{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(p)] = b
	}
	return out
}

// checkRoundTrip asserts the decoder's contract on one module: Encode gives
// back the input, and every instruction re-encodes canonically to bytes
// that decode to the same instruction.
func checkRoundTrip(t testing.TB, b []byte) error {
	m, err := Decode(b)
	if err != nil {
		return err
	}
	if !bytes.Equal(m.Encode(), b) {
		t.Fatalf("Encode differs from the input")
	}
	for i := range m.Codes {
		r := NewReader(m.Codes[i].Expr, m.Codes[i].Offset)
		for r.Len() > 0 {
			var in, again Instr
			if err := DecodeInstr(r, &in); err != nil {
				return err
			}
			enc := AppendInstr(nil, &in)
			r2 := NewReader(enc, 0)
			if err := DecodeInstr(r2, &again); err != nil || r2.Len() != 0 {
				t.Fatalf("function %d: %s re-encoded as %x does not decode back: %v", i, in.Name(), enc, err)
			}
			if !reflect.DeepEqual(in, again) {
				t.Fatalf("function %d: %+v re-decoded as %+v", i, in, again)
			}
		}
	}
	return nil
}

func TestRoundTrip(t *testing.T) {
	for name, b := range seeds(t) {
		if err := checkRoundTrip(t, b); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestSectionRebuild checks that re-encoding the parsed sections from their
// fields gives the same payloads for canonical inputs.
func TestSectionRebuild(t *testing.T) {
	for name, b := range seeds(t) {
		m, err := Decode(b)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range m.Sections {
			var got []byte
			switch s.ID {
			case SecType:
				got = AppendFuncTypes(nil, m.Types)
			case SecImport:
				got = AppendImports(nil, m.Imports)
			case SecMemory:
				got = AppendMemories(nil, m.Memories)
			case SecTable:
				got = AppendTables(nil, m.Tables)
			case SecGlobal:
				got = AppendGlobals(nil, m.Globals)
			case SecExport:
				got = AppendExports(nil, m.Exports)
			default:
				continue
			}
			if !bytes.Equal(got, s.Payload) {
				t.Errorf("%s: section %d rebuilt as %x, was %x", name, s.ID, got, s.Payload)
			}
		}
	}
}

// TestOpcodeTable checks the table's internal consistency: every allowed
// opcode has a name, a known stack effect or Special, and encodes and
// decodes with zero immediates.
func TestOpcodeTable(t *testing.T) {
	n := 0
	for op := Op(0); op < 256; op++ {
		if in := Lookup(op); in != nil {
			n++
			if in.Name == "" {
				t.Errorf("opcode %#x has no name", op)
			}
		}
	}
	for sub := Op(0); sub < Op(len(misc)); sub++ {
		if Lookup(PrefixMisc<<16|sub) != nil {
			n++
		}
	}
	// MVP (172 with select t), sign-ext 5, ref types 3 + table.get/set,
	// sat-trunc 8, bulk memory 4 + table ops 6.
	if n != 201 {
		t.Errorf("%d opcodes in the table, want 201", n)
	}
}

// TestBannedNames checks the errors for instructions of rejected proposals.
func TestBannedNames(t *testing.T) {
	cases := []struct {
		code []byte
		want string
	}{
		{[]byte{0xfd, 0x0c}, "instruction v128.const: SIMD is not allowed"},
		{[]byte{0xfd, 0x99, 0x01}, "instruction 0xfd 0x99: SIMD is not allowed"},
		{[]byte{0xfe, 0x10}, "instruction i32.atomic.load: atomic memory access is not allowed"},
		{[]byte{0x12, 0x00}, "instruction return_call: tail calling is not allowed"},
		{[]byte{0x06, 0x40}, "instruction try: exception handling is not allowed"},
		{[]byte{0xfb, 0x00}, "instruction 0xfb 0x00: GC is not allowed"},
		{[]byte{0xfc, 0x0f, 0x00}, "instruction table.grow: table mutation is not allowed"},
		{[]byte{0xfc, 0x13}, "instruction i64.add128: wide arithmetic is not allowed"},
		{[]byte{0x28, 0x40, 0x01, 0x00}, "i32.load with a memory index: multi-memory is not allowed"},
		{[]byte{0x3f, 0x01}, "memory.size on memory 1: multi-memory is not allowed"},
		{[]byte{0x02, 0x7b}, "value type v128: SIMD is not allowed"},
		{[]byte{0xc5}, "unknown opcode 0xc5"},
		{[]byte{0xfc, 0x40}, "unknown opcode 0xfc 0x40"},
	}
	for _, c := range cases {
		var in Instr
		err := DecodeInstr(NewReader(c.code, 0), &in)
		var be *BannedOpError
		if !errors.As(err, &be) || be.Message() != c.want {
			t.Errorf("%x: got %v, want %q", c.code, err, c.want)
		}
	}
}

// FuzzDecode: arbitrary bytes never panic; whatever decodes round-trips.
func FuzzDecode(f *testing.F) {
	for _, b := range seeds(f) {
		f.Add(b)
	}
	f.Add([]byte("\x00asm\x01\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		_ = checkRoundTrip(t, b)
	})
}
