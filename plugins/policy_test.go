package plugins

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/taorun/taorun/internal/testfiles"
)

// TestRejectGolden checks that every hostile module in testdata/rejects.golden
// is refused with exactly the recorded rule and message.
func TestRejectGolden(t *testing.T) {
	lines := testfiles.Lines(t, "testdata/rejects.golden")
	for _, line := range lines {
		parts := strings.SplitN(line, "\t", 3)
		if len(parts) != 3 {
			t.Fatalf("bad golden line %q", line)
		}
		name, rule, want := parts[0], parts[1], parts[2]
		t.Run(name, func(t *testing.T) {
			lim := DefaultLimits()
			if name == "manylocals" {
				lim.MaxLocalsPerFunction = 2
			}
			_, err := Prepare(wat(t, name), lim)
			var pe *PolicyError
			if !errors.As(err, &pe) {
				t.Fatalf("got %v, want a PolicyError", err)
			}
			if pe.Rule != rule || pe.Error() != want {
				t.Errorf("got rule %q message\n  %q\nwant rule %q message\n  %q", pe.Rule, pe.Error(), rule, want)
			}
		})
	}
	if len(lines) < 20 {
		t.Fatalf("only %d golden cases", len(lines))
	}
}

// TestMalformed checks the messages for bytes that are not a well-formed
// module.
func TestMalformed(t *testing.T) {
	hdr := "\x00asm\x01\x00\x00\x00"
	cases := []struct {
		name, bin, want string
	}{
		{"empty", "", "module: malformed: not a WebAssembly module (bad magic)"},
		{"text", "(module)", "module: malformed: not a WebAssembly module (bad magic)"},
		{"version 2", "\x00asm\x02\x00\x00\x00", "module: malformed: unsupported WebAssembly version 02000000"},
		{"section past end", hdr + "\x01\x05\x01\x60", "module: malformed: at offset 10: section 1: unexpected end of input"},
		{"out of order", hdr + "\x03\x01\x00\x01\x01\x00", "module: malformed: at offset 11: section 1 out of order or duplicated"},
		{"unknown section", hdr + "\x0e\x00", "module: malformed: at offset 8: unknown section id 14"},
		{"bad body", hdr + "\x01\x04\x01\x60\x00\x00\x03\x02\x01\x00\x0a\x05\x01\x03\x00\x41\x80",
			"module: malformed: function body 0: does not end with end"},
		{"huge count", hdr + "\x01\x05\xff\xff\xff\xff\x0f", "module: malformed: at offset 15: type count 4294967295 exceeds the remaining 0 bytes"},
		{"non-func type", hdr + "\x01\x03\x01\x5f\x00", "module: type form 0x5f: GC is not allowed"},
	}
	for _, c := range cases {
		_, err := Prepare([]byte(c.bin), DefaultLimits())
		if err == nil || err.Error() != c.want {
			t.Errorf("%s: got %v, want %q", c.name, err, c.want)
		}
	}
}

// TestLimitRules tightens one limit at a time on valid modules and checks
// the refusal.
func TestLimitRules(t *testing.T) {
	cases := []struct {
		mod  string
		edit func(*Limits)
		want string
	}{
		{"count", func(l *Limits) { l.MaxModuleBytes = 100 }, "module: is {orig} bytes, more than the limit of 100"},
		{"count", func(l *Limits) { l.MaxInstrumentedBytes = 200 }, "module: is {inst} bytes after instrumentation, more than the limit of 200"},
		{"count", func(l *Limits) { l.MaxFunctions = 3 }, "module: defines 4 functions, more than the limit of 3"},
		{"count", func(l *Limits) { l.MaxBlocksPerFunction = 1 }, "function 0: has 2 blocks, more than the limit of 1"},
		{"count", func(l *Limits) { l.MaxBodyBytes = 20 }, "function 0: body is 31 bytes, more than the limit of 20"},
		{"count", func(l *Limits) { l.MaxMemoryPages = 0 }, "limits: MaxMemoryPages must be in 1..65536, is 0"},
		{"importmem", func(l *Limits) { l.MaxImports = 1 }, "module: has 2 imports, more than the limit of 1"},
		{"importmem", func(l *Limits) { l.MaxMemoryPages = 1 }, "memory 0: starts at 2 pages, more than the limit of 1"},
		{"control", func(l *Limits) { l.MaxTableElems = 2 }, "table 0: has 3 elements, more than the limit of 2"},
		{"control", func(l *Limits) { l.MaxTotalLocals = 1 }, "module: declares 2 locals in total, more than the limit of 1"},
	}
	for _, c := range cases {
		bin := wat(t, c.mod)
		ok, err := Prepare(bin, DefaultLimits())
		if err != nil {
			t.Fatal(err)
		}
		// Sizes depend on the assembler: fill them in.
		want := strings.NewReplacer("{orig}", fmt.Sprint(len(bin)), "{inst}", fmt.Sprint(len(ok.Instrumented))).Replace(c.want)
		lim := DefaultLimits()
		c.edit(&lim)
		_, err = Prepare(bin, lim)
		if err == nil || err.Error() != want {
			t.Errorf("%s: got %v, want %q", c.mod, err, want)
		}
	}
}
