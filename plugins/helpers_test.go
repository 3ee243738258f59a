package plugins

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"github.com/taorun/taorun/abi"
)

// wat assembles testdata/name.wat with wabt's wat2wasm (scripts/test.sh
// installs wabt). A file containing ";; no-check" is assembled without
// validation, to produce deliberately invalid modules.
func wat(t testing.TB, name string) []byte {
	t.Helper()
	bin, err := exec.LookPath("wat2wasm")
	if err != nil {
		t.Fatalf("wat2wasm (wabt) is required to build test modules; install it (apt-get install wabt or scripts/test.sh)")
	}
	src := filepath.Join("testdata", name+".wat")
	text, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), name+".wasm")
	args := []string{"--enable-all", "-o", out, src}
	if strings.Contains(string(text), ";; no-check") {
		args = append([]string{"--no-check"}, args...)
	}
	if msg, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
		t.Fatalf("wat2wasm %s: %v\n%s", src, err, msg)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// engines are the two wazero configurations whose gas must agree.
var engines = []struct {
	name string
	cfg  func() wazero.RuntimeConfig
}{
	{"interpreter", wazero.NewRuntimeConfigInterpreter},
	{"compiler", wazero.NewRuntimeConfigCompiler},
}

// instance is an instantiated module with its metering globals.
type instance struct {
	rt              api.Closer
	mod             api.Module
	gas, oog, stack api.MutableGlobal
}

func instantiate(t testing.TB, cfg wazero.RuntimeConfig, bin []byte, metered bool) *instance {
	t.Helper()
	ctx := context.Background()
	rt := wazero.NewRuntimeWithConfig(ctx, cfg)
	t.Cleanup(func() { rt.Close(ctx) })
	wasi_snapshot_preview1.MustInstantiate(ctx, rt)
	// env.abort, the one host function the test modules import.
	_, err := rt.NewHostModuleBuilder("env").NewFunctionBuilder().
		WithFunc(func(ctx context.Context, m api.Module, ptr, n uint32) { panic("guest abort") }).
		Export("abort").Instantiate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	mod, err := rt.InstantiateWithConfig(ctx, bin, wazero.NewModuleConfig().WithStartFunctions())
	if err != nil {
		t.Fatalf("instantiate: %v", err)
	}
	in := &instance{rt: rt, mod: mod}
	if metered {
		var ok bool
		for _, g := range []struct {
			name string
			dst  *api.MutableGlobal
		}{{abi.GasGlobal, &in.gas}, {abi.OOGGlobal, &in.oog}, {abi.StackGlobal, &in.stack}} {
			if *g.dst, ok = mod.ExportedGlobal(g.name).(api.MutableGlobal); !ok {
				t.Fatalf("instrumented module does not export mutable global %s", g.name)
			}
		}
	}
	return in
}

// call runs an export under the metering protocol and returns its results,
// the gas used, the oog flag and the call error.
func (in *instance) call(gas uint64, stack uint32, name string, args ...uint64) (res []uint64, used uint64, oog uint32, err error) {
	if in.gas != nil {
		in.gas.Set(gas)
		in.oog.Set(0)
		in.stack.Set(uint64(stack))
	}
	res, err = in.mod.ExportedFunction(name).Call(context.Background(), args...)
	if in.gas != nil {
		used = gas - in.gas.Get()
		oog = uint32(in.oog.Get())
	}
	return res, used, oog, err
}
