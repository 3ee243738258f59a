package runtime

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"sync"
	"testing"

	"github.com/taorun/taorun/abi"
)

var ctx = context.Background()

// forEachEngine runs f as a subtest per engine built in.
func forEachEngine(t *testing.T, f func(t *testing.T, engine string)) {
	for _, eng := range Engines() {
		t.Run(eng, func(t *testing.T) { f(t, eng) })
	}
}

func TestNewErrors(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"unknown engine", Config{Engine: "v8"}, `unknown engine "v8"`},
		{"stack budget", Config{StackBudget: MaxStackBudget + 1}, "StackBudget 65537 is over MaxStackBudget 65536"},
		{"memory", Config{MaxMemoryPages: MaxMemoryPages + 1}, "MaxMemoryPages 16385 is over 16384"},
		{"duplicate host", Config{Host: []HostFunc{
			{Module: "env", Name: "f", Fn: func(Caller, []uint64) error { return nil }},
			{Module: "env", Name: "f", Fn: func(Caller, []uint64) error { return nil }},
		}}, "host function env.f is defined twice"},
		{"host shadows wasi", Config{Host: []HostFunc{
			{Module: abi.WASIModule, Name: "fd_write", Fn: func(Caller, []uint64) error { return nil }},
		}}, "host function wasi_snapshot_preview1.fd_write is defined twice"},
		{"host without Fn", Config{Host: []HostFunc{{Module: "env", Name: "f"}}}, "host function env.f has no Fn"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := New(tt.cfg)
			if err == nil {
				r.Close(ctx)
				t.Fatal("New succeeded")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
		})
	}
}

func TestDefaultEngine(t *testing.T) {
	r, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close(ctx)
	if r.Engine() != EngineWazero {
		t.Errorf("default engine %q", r.Engine())
	}
	got := strings.Join(Engines(), ",")
	if !strings.Contains(got, "wazero,wazero-interp") {
		t.Errorf("engines %s", got)
	}
}

func TestWasmtimeMissing(t *testing.T) {
	if _, ok := engines[EngineWasmtime]; ok {
		t.Skip("built with wasmtime")
	}
	_, err := New(Config{Engine: EngineWasmtime})
	if err == nil || err.Error() != "taorun was built without the wasmtime engine; rebuild with -tags wasmtime" {
		t.Fatalf("error %v", err)
	}
}

// TestModuleChecks covers the ABI checks made by Compile and Instantiate.
func TestModuleChecks(t *testing.T) {
	tests := []struct {
		module      string
		compileErr  string
		instanceErr string
	}{
		{module: "noalloc", compileErr: `does not export "alloc"`},
		{module: "badimport", compileErr: "imports env.no_such_function, which the host does not provide"},
		{module: "badsig", compileErr: "imports env.test_charge as (i32) -> (), but the host defines it as (i64) -> ()"},
		{module: "unmetered", instanceErr: "is not metered: it does not export __tao_gas"},
		{module: "partial", instanceErr: "exports only some of the metering globals"},
		{module: "nomarker", instanceErr: `does not export the ABI marker "tao_abi_v1"`},
	}
	forEachEngine(t, func(t *testing.T, eng string) {
		r := newRuntime(t, eng, nil)
		for _, tt := range tests {
			m, err := r.Compile(ctx, loadWasm(t, tt.module))
			if tt.compileErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.compileErr) {
					t.Errorf("%s: compile error %v, want %q", tt.module, err, tt.compileErr)
				}
				continue
			}
			if err != nil {
				t.Fatalf("%s: %v", tt.module, err)
			}
			_, err = m.Instantiate(ctx, InstanceConfig{})
			if err == nil || !strings.Contains(err.Error(), tt.instanceErr) {
				t.Errorf("%s: instantiate error %v, want %q", tt.module, err, tt.instanceErr)
			}
		}
	})
}

// TestInstanceReuse checks that state persists across calls on one
// instance, that _initialize runs once with its own gas, and that Run starts
// afresh every time.
func TestInstanceReuse(t *testing.T) {
	forEachEngine(t, func(t *testing.T, eng string) {
		r := newRuntime(t, eng, nil)
		m, err := r.Compile(ctx, loadWasm(t, "abi"))
		if err != nil {
			t.Fatal(err)
		}
		inst, err := m.Instantiate(ctx, InstanceConfig{InitGas: 5000})
		if err != nil {
			t.Fatal(err)
		}
		defer inst.Close(ctx)
		if inst.InitGasUsed() != 1000 {
			t.Errorf("init gas %d, want 1000", inst.InitGasUsed())
		}
		for want := uint32(1); want <= 3; want++ {
			res := inst.Call(ctx, "counter", nil, 100)
			if res.Err != nil || binary.LittleEndian.Uint32(res.Output) != want || res.GasUsed != 16 {
				t.Fatalf("call %d: %+v", want, res)
			}
		}
		// A trap leaves the instance usable.
		if res := inst.Call(ctx, "trap_unreachable", nil, 100); !errors.Is(res.Err, ErrTrap) {
			t.Fatalf("trap: %v", res.Err)
		}
		if res := inst.Call(ctx, "counter", nil, 100); binary.LittleEndian.Uint32(res.Output) != 4 {
			t.Fatalf("after trap: %+v", res)
		}
		for k := 0; k < 2; k++ {
			if res := m.Run(ctx, InstanceConfig{}, "counter", nil, 2000); binary.LittleEndian.Uint32(res.Output) != 1 {
				t.Fatalf("Run %d: %+v", k, res)
			}
		}
		inst.Close(ctx)
		if res := inst.Call(ctx, "counter", nil, 100); !errors.Is(res.Err, ErrABI) {
			t.Fatalf("call after close: %v", res.Err)
		}
	})
}

func TestInitOutOfGas(t *testing.T) {
	forEachEngine(t, func(t *testing.T, eng string) {
		r := newRuntime(t, eng, nil)
		m, err := r.Compile(ctx, loadWasm(t, "abi"))
		if err != nil {
			t.Fatal(err)
		}
		_, err = m.Instantiate(ctx, InstanceConfig{InitGas: 999})
		if !errors.Is(err, ErrOutOfGas) {
			t.Fatalf("error %v, want out of gas", err)
		}
	})
}

// TestCompileCache checks the in-memory tier: the same bytes give the same
// module, the LRU evicts by size but never pinned modules, and an evicted
// module still works (it is recompiled).
func TestCompileCache(t *testing.T) {
	forEachEngine(t, func(t *testing.T, eng string) {
		abiWasm := loadWasm(t, "abi")
		// Room for one abi module only.
		r := newRuntime(t, eng, func(c *Config) { c.CacheBytes = int64(len(abiWasm)) * (1 + compiledSizeFactor) })
		m1, err := r.Compile(ctx, abiWasm)
		if err != nil {
			t.Fatal(err)
		}
		if again, _ := r.Compile(ctx, abiWasm); again != m1 {
			t.Fatal("compiling the same bytes twice gave two modules")
		}
		if m1.ID() != IDOf(abiWasm) {
			t.Fatal("ID is not the SHA-256 of the bytes")
		}
		// A second module pushes the first out.
		variant := append([]byte(nil), abiWasm...)
		variant = append(variant, 0, 4, 3, 'p', 'a', 'd') // a custom section changes the ID only
		if _, err := r.Compile(ctx, variant); err != nil {
			t.Fatal(err)
		}
		if again, _ := r.Compile(ctx, abiWasm); again == m1 {
			t.Fatal("the LRU did not evict the older module")
		}
		// The evicted handle still runs.
		if res := m1.Run(ctx, InstanceConfig{}, "echo", []byte("x"), gasPlenty); string(res.Output) != "x" {
			t.Fatalf("evicted module: %+v", res)
		}
		// A pinned module stays, and does not count against the LRU.
		r.Pin(IDOf(variant))
		pv, _ := r.Compile(ctx, variant)
		pa, _ := r.Compile(ctx, abiWasm)
		if again, _ := r.Compile(ctx, variant); again != pv {
			t.Fatal("a pinned module was evicted")
		}
		if again, _ := r.Compile(ctx, abiWasm); again != pa {
			t.Fatal("a pinned module counted against the LRU")
		}
		// Unpinned, it competes again and evicts the other.
		r.Unpin(pv.ID())
		if again, _ := r.Compile(ctx, abiWasm); again == pa {
			t.Fatal("Unpin did not return the module to the LRU")
		}
		if res := pv.Run(ctx, InstanceConfig{}, "echo", []byte("y"), gasPlenty); string(res.Output) != "y" {
			t.Fatalf("unpinned module: %+v", res)
		}
	})
}

// TestCompileConcurrent compiles the same bytes from many goroutines (one
// module results) and runs it from many goroutines.
func TestCompileConcurrent(t *testing.T) {
	r := newRuntime(t, EngineWazero, nil)
	wasm := loadWasm(t, "abi")
	mods := make([]*Module, 8)
	var wg sync.WaitGroup
	for k := range mods {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m, err := r.Compile(ctx, wasm)
			if err != nil {
				t.Error(err)
			}
			mods[k] = m
		}()
	}
	wg.Wait()
	for _, m := range mods[1:] {
		if m != mods[0] {
			t.Fatal("concurrent compiles gave different modules")
		}
	}
	// One module runs on many goroutines at once, each on its own instance.
	for k := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			in := []byte{byte(k)}
			if res := mods[0].Run(ctx, InstanceConfig{}, "echo", in, gasPlenty); !bytes.Equal(res.Output, in) {
				t.Errorf("goroutine %d: %+v", k, res)
			}
		}()
	}
	wg.Wait()
}

// TestCacheDir checks that a disk cache survives a runtime and gives the
// same results.
func TestCacheDir(t *testing.T) {
	forEachEngine(t, func(t *testing.T, eng string) {
		dir := t.TempDir()
		wasm := loadWasm(t, "abi")
		var results []Result
		for k := 0; k < 2; k++ {
			r := newRuntime(t, eng, func(c *Config) { c.CacheDir = dir })
			m, err := r.Compile(ctx, wasm)
			if err != nil {
				t.Fatal(err)
			}
			results = append(results, m.Run(ctx, InstanceConfig{}, "loop", u32(5), gasPlenty))
			r.Close(ctx)
		}
		if d := diffResults(results[0], results[1]); d != "" || results[0].Err != nil {
			t.Fatalf("cached run differs: %s (%v)", d, results[0].Err)
		}
		var files int
		filepath.Walk(dir, func(_ string, fi os.FileInfo, _ error) error {
			if fi != nil && !fi.IsDir() {
				files++
			}
			return nil
		})
		// wazero's interpreter has no machine code to keep.
		if files == 0 && eng != EngineWazeroInterp {
			t.Fatal("nothing was written to the cache directory")
		}
	})
}

// TestEntryPoints lists the entry points of the test module.
func TestEntryPoints(t *testing.T) {
	r := newRuntime(t, EngineWazero, nil)
	m, err := r.Compile(ctx, loadWasm(t, "abi"))
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(m.EntryPoints(), ",")
	for _, want := range []string{"echo", "fail", "recurse"} {
		if !strings.Contains(got, want) {
			t.Errorf("entry points %s lack %s", got, want)
		}
	}
	for _, not := range []string{"alloc", "dealloc", "not_entry", "_initialize"} {
		for _, e := range m.EntryPoints() {
			if e == not {
				t.Errorf("%s listed as an entry point", not)
			}
		}
	}
}

// TestGoGuestWASI checks the deterministic WASI shims with a real Go guest:
// the same seed and time give the same output on every engine and every
// run, another seed gives other random bytes, and stdout and stderr land in
// the log.
func TestGoGuestWASI(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a Go guest")
	}
	wasm := loadGoGuest(t)
	const blockTime = 1_700_000_000_000_000_000
	run := func(eng string, seed byte) Result {
		r := newRuntime(t, eng, func(c *Config) { c.AllowUnmetered = true })
		m, err := r.Compile(ctx, wasm)
		if err != nil {
			t.Fatal(err)
		}
		res := m.Run(ctx, InstanceConfig{Time: blockTime, Seed: [32]byte{seed}}, "wasi", nil, gasPlenty)
		if res.Err != nil {
			t.Fatalf("%s: %v (log %q)", eng, res.Err, res.Log)
		}
		return res
	}
	first := run(Engines()[0], 1)
	t.Logf("output %q, gas %d, log %q", first.Output, first.GasUsed, first.Log)
	for _, eng := range Engines() {
		for k := 0; k < 2; k++ {
			if d := diffResults(first, run(eng, 1)); d != "" {
				t.Errorf("%s run %d differs: %s", eng, k, d)
			}
		}
	}
	out := string(first.Output)
	if !strings.HasPrefix(out, "time=1700000000001000000 ") || !strings.HasSuffix(out, " args=0 env=0") {
		t.Errorf("output %q: want the block time plus the 1ms slept, no args, no env", out)
	}
	if string(first.Log) != "hello from the guest\nand from stderr\n" {
		t.Errorf("log %q", first.Log)
	}
	other := run(Engines()[0], 2)
	if bytes.Equal(other.Output, first.Output) {
		t.Error("a different seed gave the same random bytes")
	}
}

// TestNaNBitsAgree checks that no engine canonicalises NaNs itself (the
// instrumenter does, once, for all of them): every engine returns the same
// bits, and on amd64 the x86 default NaN.
func TestNaNBitsAgree(t *testing.T) {
	var first []byte
	for _, eng := range Engines() {
		r := newRuntime(t, eng, nil)
		m, err := r.Compile(ctx, loadWasm(t, "abi"))
		if err != nil {
			t.Fatal(err)
		}
		res := m.Run(ctx, InstanceConfig{}, "nan", nil, gasPlenty)
		if res.Err != nil {
			t.Fatalf("%s: %v", eng, res.Err)
		}
		if first == nil {
			first = res.Output
		} else if !bytes.Equal(first, res.Output) {
			t.Errorf("%s: NaN bits %x, %s gave %x", eng, res.Output, Engines()[0], first)
		}
	}
	if goruntime.GOARCH == "amd64" {
		want := append(u32(0xffc00000), u64(0xfff8000000000000)...)
		if !bytes.Equal(first, want) {
			t.Errorf("NaN bits %x, want the x86 default NaNs %x", first, want)
		}
	}
}
