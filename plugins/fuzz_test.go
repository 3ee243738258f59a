package plugins

import (
	"bytes"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/taorun/taorun/abi"
	"github.com/taorun/taorun/plugins/internal/wasmbin"
)

// FuzzInstrument feeds mutated modules to Prepare. Whatever it accepts must
// be prepared identically twice, must be refused if uploaded again (its
// metering exports are reserved names), and must run score with the same
// result, gas and trap in wazero's interpreter and compiler.
func FuzzInstrument(f *testing.F) {
	paths, _ := filepath.Glob("testdata/*.wat")
	for _, p := range paths {
		f.Add(wat(f, strings.TrimSuffix(filepath.Base(p), ".wat")))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Prepare(b, DefaultLimits())
		if err != nil {
			var pe *PolicyError
			if !errors.As(err, &pe) {
				t.Fatalf("non-policy error: %v", err)
			}
			return
		}
		again, err := Prepare(b, DefaultLimits())
		if err != nil || !bytes.Equal(again.Instrumented, m.Instrumented) {
			t.Fatalf("second Prepare differs: %v", err)
		}
		if _, err := Prepare(m.Instrumented, DefaultLimits()); err == nil || !strings.Contains(err.Error(), abi.ReservedPrefix) {
			t.Fatalf("instrumented module accepted again: %v", err)
		}
		type outcome struct {
			res       []uint64
			gas       uint64
			oog       uint32
			trapped   bool
			stackLeft uint64
		}
		// The test host provides env.abort and WASI only.
		for _, im := range m.Report.Imports {
			if im.Module == abi.HostModule && im.Name != "abort" {
				return
			}
		}
		if dm, err := wasmbin.Decode(b); err != nil || dm.NumImported[wasmbin.KindMemory] != 0 {
			return
		}
		// Modules with only other entry points (hooks) pass the policy too.
		if !slices.Contains(m.Report.EntryPoints, "score") {
			return
		}
		var first *outcome
		for _, e := range engines {
			in := instantiate(t, e.cfg(), m.Instrumented, true)
			if in.mod.ExportedFunction("_initialize") != nil {
				in.call(100_000, 1000, "_initialize")
			}
			res, gas, oog, err := in.call(100_000, 1000, "score", 0, 0)
			o := &outcome{res, gas, oog, err != nil, in.stack.Get()}
			if first == nil {
				first = o
			} else if !slices.Equal(o.res, first.res) || o.gas != first.gas || o.oog != first.oog || o.trapped != first.trapped || o.stackLeft != first.stackLeft {
				t.Fatalf("engines disagree: %+v vs %+v", first, o)
			}
		}
	})
}
