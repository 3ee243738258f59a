package plugins

import (
	"context"
	"errors"
	"testing"

	"github.com/taorun/taorun/abi"
	"github.com/taorun/taorun/runtime"
)

// TestTrapInEveryEntryPoint runs a module whose every entry point traps
// through the upload pipeline and every engine built in: each call stops with
// a trap (not a guest error, not out of gas), with the same message and the
// same gas everywhere.
func TestTrapInEveryEntryPoint(t *testing.T) {
	ctx := context.Background()
	m, err := Prepare(wat(t, "trapall"), DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	type outcome struct {
		msg string
		gas uint64
	}
	first := map[string]outcome{}
	for _, engine := range runtime.Engines() {
		rt, err := runtime.New(runtime.Config{Engine: engine})
		if err != nil {
			t.Fatal(err)
		}
		defer rt.Close(ctx)
		mod, err := rt.Compile(ctx, m.Instrumented)
		if err != nil {
			t.Fatalf("%s: %v", engine, err)
		}
		for _, e := range abi.Entries() {
			res := mod.Run(ctx, runtime.InstanceConfig{InitGas: 1_000_000}, e.Name, []byte("input"), 1_000_000)
			if !errors.Is(res.Err, runtime.ErrTrap) {
				t.Fatalf("%s %s: %v, want a trap", engine, e.Name, res.Err)
			}
			got := outcome{res.Err.Error(), res.GasUsed}
			if want, ok := first[e.Name]; !ok {
				first[e.Name] = got
			} else if got != want {
				t.Fatalf("%s %s: %+v, but the first engine gave %+v", engine, e.Name, got, want)
			}
		}
	}
	if len(first) != len(abi.Entries()) {
		t.Fatalf("ran %d entry points, want %d", len(first), len(abi.Entries()))
	}
}
