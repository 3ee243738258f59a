package instrument

import (
	"context"
	"crypto/sha256"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/taorun/taorun/abi"
	"github.com/taorun/taorun/plugins/internal/wasmbin"
)

// leafWasm assembles testdata/leaf.wat with wabt's wat2wasm, which the
// plugins tests need too (scripts/test.sh installs wabt).
func leafWasm(t testing.TB) []byte {
	t.Helper()
	bin, err := exec.LookPath("wat2wasm")
	if err != nil {
		t.Fatal("wat2wasm (wabt) is required; install it (apt-get install wabt or scripts/test.sh)")
	}
	out := filepath.Join(t.TempDir(), "leaf.wasm")
	if msg, err := exec.Command(bin, "--enable-all", "-o", out, "testdata/leaf.wat").CombinedOutput(); err != nil {
		t.Fatalf("wat2wasm: %v\n%s", err, msg)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// instrumentBytes decodes b and instruments it with or without the gas
// cache.
func instrumentBytes(t *testing.T, b []byte, gasCache bool) ([]byte, []FuncReport) {
	t.Helper()
	m, err := wasmbin.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	out, reps, err := instrument(m, CostTableV1(), gasCache)
	if err != nil {
		t.Fatal(err)
	}
	return out, reps
}

// outcome is everything a metered call leaves behind that the host or
// another node could observe.
type outcome struct {
	res            uint64
	gasLeft        uint64
	oog, stackLeft uint64
	trap           string // first line of the error; "" if none
	pages          uint32
	memory         [32]byte
}

// run instantiates compiled afresh and calls fn under the metering
// protocol.
func run(t *testing.T, rt wazero.Runtime, compiled wazero.CompiledModule, fn string, gas uint64, args ...uint64) outcome {
	t.Helper()
	ctx := context.Background()
	mod, err := rt.InstantiateModule(ctx, compiled, wazero.NewModuleConfig().WithName("").WithStartFunctions())
	if err != nil {
		t.Fatal(err)
	}
	defer mod.Close(ctx)
	g := func(name string) api.MutableGlobal { return mod.ExportedGlobal(name).(api.MutableGlobal) }
	gasG, oogG, stackG := g(abi.GasGlobal), g(abi.OOGGlobal), g(abi.StackGlobal)
	gasG.Set(gas)
	oogG.Set(0)
	stackG.Set(1000)
	var o outcome
	res, err := mod.ExportedFunction(fn).Call(ctx, args...)
	if err != nil {
		o.trap, _, _ = strings.Cut(err.Error(), "\n")
	} else {
		o.res = res[0]
	}
	o.gasLeft, o.oog, o.stackLeft = gasG.Get(), oogG.Get(), stackG.Get()
	mem, _ := mod.Memory().Read(0, mod.Memory().Size())
	o.pages, o.memory = mod.Memory().Size()/65536, sha256.Sum256(mem)
	return o
}

// TestGasCacheTransparent runs leaf.wat with and without the gas cache
// under every budget from zero to enough (in steps past the first few
// hundred), in wazero's interpreter and compiler, and requires identical
// outcomes: result, gas left (also after traps that are not out-of-gas,
// which shows the global is written through), oog flag, stack budget, trap,
// memory. It also requires that the runs do stop in each intended way.
func TestGasCacheTransparent(t *testing.T) {
	src := leafWasm(t)
	cached, _ := instrumentBytes(t, src, true)
	plain, _ := instrumentBytes(t, src, false)
	ctx := context.Background()
	const n = 12
	cases := []struct {
		fn   string
		mode uint64
		trap string // the trap the run with enough gas must end in
	}{
		{"score", 0, ""}, {"score", 1, "out of bounds memory access"},
		{"score", 2, "integer divide by zero"}, {"score", 3, ""},
		{"score", 4, ""}, {"score", 5, "unreachable"}, {"caller", 0, ""},
	}
	for _, cfg := range []struct {
		name string
		new  func() wazero.RuntimeConfig
	}{{"interpreter", wazero.NewRuntimeConfigInterpreter}, {"compiler", wazero.NewRuntimeConfigCompiler}} {
		rt := wazero.NewRuntimeWithConfig(ctx, cfg.new())
		defer rt.Close(ctx)
		cc, err := rt.CompileModule(ctx, cached)
		if err != nil {
			t.Fatal(err)
		}
		pc, err := rt.CompileModule(ctx, plain)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cases {
			const plenty = 1 << 40
			full := run(t, rt, pc, c.fn, plenty, c.mode, n)
			if !strings.Contains(full.trap, c.trap) || (c.trap == "") != (full.trap == "") || full.oog != 0 {
				t.Fatalf("%s %s mode %d: trap %q oog %d, want trap %q", cfg.name, c.fn, c.mode, full.trap, full.oog, c.trap)
			}
			used := plenty - full.gasLeft
			checked := 0
			for gas := uint64(0); gas <= used+1; {
				want := run(t, rt, pc, c.fn, gas, c.mode, n)
				if got := run(t, rt, cc, c.fn, gas, c.mode, n); got != want {
					t.Fatalf("%s %s mode %d gas %d: with the gas cache %+v, without %+v", cfg.name, c.fn, c.mode, gas, got, want)
				}
				if gas < used && want.oog != abi.OOGOutOfGas {
					t.Fatalf("%s %s mode %d gas %d < %d used: oog %d, want out of gas", cfg.name, c.fn, c.mode, gas, used, want.oog)
				}
				checked++
				switch {
				case gas < 600 || gas >= used-1:
					gas++
				default:
					gas = min(gas+37, used-1)
				}
			}
			if checked < 100 {
				t.Fatalf("%s %s mode %d: only %d budgets checked", cfg.name, c.fn, c.mode, checked)
			}
		}
	}
}

// TestGasCacheWhere checks which functions get the gas cache: only score
// (a loop and no call) gains one local; nothing else in the report
// changes, the frame cost included.
func TestGasCacheWhere(t *testing.T) {
	src := leafWasm(t)
	cached, rc := instrumentBytes(t, src, true)
	plain, rp := instrumentBytes(t, src, false)
	mc, err := wasmbin.Decode(cached)
	if err != nil {
		t.Fatal(err)
	}
	mp, err := wasmbin.Decode(plain)
	if err != nil {
		t.Fatal(err)
	}
	for i := range rc {
		a, b := rc[i], rp[i]
		a.NewBodyBytes, b.NewBodyBytes = 0, 0
		if a != b {
			t.Errorf("function %d: report with the cache %+v, without %+v", i, a, b)
		}
		extra := mc.Codes[i].NumLocals - mp.Codes[i].NumLocals
		if want := map[bool]uint64{true: 1, false: 0}[i == 0]; extra != want {
			t.Errorf("function %d: %d more locals with the cache, want %d", i, extra, want)
		}
	}
}

// TestChargeShape checks count.wasm's loop function (which has no if and
// one br_if of its own): each failing check branches forward to the shared
// trap of its kind ($gas for a gas check, an i64 compare; $stack for the
// stack check, an i32 compare) rather than trapping in line, and the gas
// global is read once, by the entry charge, because the loop charges the
// cached copy.
func TestChargeShape(t *testing.T) {
	out, _, err := Instrument(decode(t, "count.wasm"), CostTableV1())
	if err != nil {
		t.Fatal(err)
	}
	m, err := wasmbin.Decode(out)
	if err != nil {
		t.Fatal(err)
	}
	gas := uint32(m.NumImported[wasmbin.KindGlobal] + len(m.Globals) - 3)
	c := m.Codes[0]
	r := wasmbin.NewReader(c.Expr, c.Offset)
	// Open blocks by depth: the function body is depth 0, $stack 1, $gas 2.
	const stackLabel, gasLabel = 1, 2
	depth := 0
	var prev wasmbin.Op
	counts := map[string]int{}
	for r.Len() > 0 {
		var x wasmbin.Instr
		if err := wasmbin.DecodeInstr(r, &x); err != nil {
			t.Fatal(err)
		}
		switch x.Op {
		case wasmbin.OpBlock, wasmbin.OpLoop:
			depth++
		case wasmbin.OpEnd:
			depth--
		case wasmbin.OpIf, wasmbin.OpElse:
			t.Errorf("%s in the instrumented function: a check traps in line", x.Name())
		case wasmbin.OpBrIf:
			target := depth - int(x.A)
			switch prev {
			case wasmbin.OpI64LtU:
				counts["gas"]++
				if target != gasLabel {
					t.Errorf("gas check branches to depth %d, want $gas (%d)", target, gasLabel)
				}
			case wasmbin.OpI32LtU:
				counts["stack"]++
				if target != stackLabel {
					t.Errorf("stack check branches to depth %d, want $stack (%d)", target, stackLabel)
				}
			}
		case wasmbin.OpGlobalGet:
			if uint32(x.A) == gas {
				counts["gas reads"]++
			}
		case wasmbin.OpUnreachable:
			counts["traps"]++
		}
		prev = x.Op
	}
	// Entry charge, loop charge, charge after the loop; one stack check;
	// the two shared traps.
	want := map[string]int{"gas": 3, "stack": 1, "gas reads": 1, "traps": 2}
	for k, v := range want {
		if counts[k] != v {
			t.Errorf("%s: %d, want %d", k, counts[k], v)
		}
	}
}

// FuzzGasCache instruments mutated modules with and without the gas cache
// and calls every exported function (with zero arguments and a small gas
// budget) in wazero's interpreter and compiler: all four runs of a call
// must agree on its outcome, and the instrumented modules must validate.
func FuzzGasCache(f *testing.F) {
	paths, _ := filepath.Glob("../wasmbin/testdata/*.wasm")
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add(leafWasm(f))
	ctx := context.Background()
	interp := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigInterpreter())
	comp := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigCompiler())
	f.Cleanup(func() { interp.Close(ctx); comp.Close(ctx) })
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := wasmbin.Decode(b)
		if err != nil || len(m.Imports) > 0 {
			return
		}
		if c, err := interp.CompileModule(ctx, b); err != nil {
			return // Instrument requires a valid module
		} else {
			c.Close(ctx)
		}
		var bins [2][]byte
		for i, cache := range []bool{true, false} {
			m, _ := wasmbin.Decode(b)
			out, _, err := instrument(m, CostTableV1(), cache)
			if err != nil {
				return // beyond what the policy admits (features, sizes)
			}
			bins[i] = out
		}
		var names []string
		var want []outcome
		for _, rt := range []wazero.Runtime{interp, comp} {
			for i, bin := range bins {
				c, err := rt.CompileModule(ctx, bin)
				if err != nil {
					t.Fatalf("instrumented module (cache %v) is invalid: %v", i == 0, err)
				}
				if names == nil {
					for name, d := range c.ExportedFunctions() {
						if len(d.ResultTypes()) <= 1 {
							names = append(names, name)
						}
					}
					slices.Sort(names)
				}
				for k, name := range names {
					d := c.ExportedFunctions()[name]
					args := make([]uint64, len(d.ParamTypes()))
					o := runFuzz(t, rt, c, name, 5000, args)
					if len(want) <= k {
						want = append(want, o)
					} else if o != want[k] {
						t.Fatalf("%s: outcome %+v, first run %+v", name, o, want[k])
					}
				}
				c.Close(ctx)
			}
		}
	})
}

// runFuzz is run for FuzzGasCache: a fresh instance, no start function,
// any number of results (0 or 1).
func runFuzz(t *testing.T, rt wazero.Runtime, compiled wazero.CompiledModule, fn string, gas uint64, args []uint64) outcome {
	t.Helper()
	ctx := context.Background()
	mod, err := rt.InstantiateModule(ctx, compiled, wazero.NewModuleConfig().WithName("").WithStartFunctions())
	if err != nil {
		return outcome{trap: "instantiate: " + strings.SplitN(err.Error(), "\n", 2)[0]}
	}
	defer mod.Close(ctx)
	g := func(name string) api.MutableGlobal { return mod.ExportedGlobal(name).(api.MutableGlobal) }
	gasG, oogG, stackG := g(abi.GasGlobal), g(abi.OOGGlobal), g(abi.StackGlobal)
	gasG.Set(gas)
	oogG.Set(0)
	stackG.Set(1000)
	var o outcome
	res, err := mod.ExportedFunction(fn).Call(ctx, args...)
	if err != nil {
		o.trap, _, _ = strings.Cut(err.Error(), "\n")
	} else if len(res) == 1 {
		o.res = res[0]
	}
	o.gasLeft, o.oog, o.stackLeft = gasG.Get(), oogG.Get(), stackG.Get()
	if mem := mod.Memory(); mem != nil {
		b, _ := mem.Read(0, mem.Size())
		o.pages, o.memory = mem.Size()/65536, sha256.Sum256(b)
	}
	return o
}
