package runtime

import (
	"testing"
)

// forEachEngineB runs f as a sub-benchmark per engine built in.
func forEachEngineB(b *testing.B, f func(b *testing.B, engine string)) {
	for _, eng := range Engines() {
		b.Run(eng, func(b *testing.B) { f(b, eng) })
	}
}

func abiInstance(b *testing.B, eng string) *Instance {
	r := newRuntime(b, eng, nil)
	m, err := r.Compile(ctx, loadWasm(b, "abi"))
	if err != nil {
		b.Fatal(err)
	}
	inst, err := m.Instantiate(ctx, InstanceConfig{InitGas: gasPlenty})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { inst.Close(ctx) })
	return inst
}

// BenchmarkHostCall measures one guest→host call of a no-op host function
// (ns/op is per host call; the guest loop adds about 1 ns).
func BenchmarkHostCall(b *testing.B) {
	forEachEngineB(b, func(b *testing.B, eng string) {
		inst := abiInstance(b, eng)
		b.ResetTimer()
		if res := inst.Call(ctx, "host_loop", u32(uint32(b.N)), gasPlenty); res.Err != nil {
			b.Fatal(res.Err)
		}
	})
}

// BenchmarkHostChargeGas measures a host call that charges gas through the
// module's gas global.
func BenchmarkHostChargeGas(b *testing.B) {
	forEachEngineB(b, func(b *testing.B, eng string) {
		inst := abiInstance(b, eng)
		b.ResetTimer()
		if res := inst.Call(ctx, "charge_loop", u32(uint32(b.N)), gasPlenty); res.Err != nil {
			b.Fatal(res.Err)
		}
	})
}

// BenchmarkCall measures a full ABI round trip (alloc, write 64 bytes,
// entry, copy out, dealloc) on a reused instance.
func BenchmarkCall(b *testing.B) {
	forEachEngineB(b, func(b *testing.B, eng string) {
		inst := abiInstance(b, eng)
		in := make([]byte, 64)
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			if res := inst.Call(ctx, "echo", in, gasPlenty); res.Err != nil {
				b.Fatal(res.Err)
			}
		}
	})
}

// BenchmarkRun measures Module.Run on a small module: a fresh instance,
// _initialize, one call, close.
func BenchmarkRun(b *testing.B) {
	forEachEngineB(b, func(b *testing.B, eng string) {
		r := newRuntime(b, eng, nil)
		m, err := r.Compile(ctx, loadWasm(b, "abi"))
		if err != nil {
			b.Fatal(err)
		}
		in := make([]byte, 64)
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			if res := m.Run(ctx, InstanceConfig{}, "echo", in, gasPlenty); res.Err != nil {
				b.Fatal(res.Err)
			}
		}
	})
}

func goModule(b *testing.B, eng string) *Module {
	r := newRuntime(b, eng, func(c *Config) { c.AllowUnmetered = true })
	m, err := r.Compile(ctx, loadGoGuest(b))
	if err != nil {
		b.Fatal(err)
	}
	return m
}

// BenchmarkGoRun measures a Go guest started from its cached compiled
// module: instantiate, _initialize (the Go runtime's start-up, which
// dominates), one echo call, close.
func BenchmarkGoRun(b *testing.B) {
	forEachEngineB(b, func(b *testing.B, eng string) {
		m := goModule(b, eng)
		in := make([]byte, 64)
		b.ResetTimer()
		for b.Loop() {
			if res := m.Run(ctx, InstanceConfig{}, "echo", in, gasPlenty); res.Err != nil {
				b.Fatal(res.Err)
			}
		}
	})
}

// BenchmarkGoCall measures an echo call on a reused, initialised Go guest
// instance: the cost once _initialize is amortised.
func BenchmarkGoCall(b *testing.B) {
	forEachEngineB(b, func(b *testing.B, eng string) {
		m := goModule(b, eng)
		inst, err := m.Instantiate(ctx, InstanceConfig{InitGas: gasPlenty})
		if err != nil {
			b.Fatal(err)
		}
		defer inst.Close(ctx)
		in := make([]byte, 64)
		b.ResetTimer()
		for b.Loop() {
			if res := inst.Call(ctx, "echo", in, gasPlenty); res.Err != nil {
				b.Fatal(res.Err)
			}
		}
	})
}

// BenchmarkGoCompile measures compiling the Go guest (~2.8 MB) with no
// cache, and loading it again from a warm disk cache (Config.CacheDir) in a
// new Runtime.
func BenchmarkGoCompile(b *testing.B) {
	wasm := loadGoGuest(b)
	for _, cached := range []bool{false, true} {
		name := "cold"
		if cached {
			name = "diskcache"
		}
		b.Run(name, func(b *testing.B) {
			forEachEngineB(b, func(b *testing.B, eng string) {
				dir := ""
				if cached {
					dir = b.TempDir()
					warm := newRuntime(b, eng, func(c *Config) { c.AllowUnmetered = true; c.CacheDir = dir })
					if _, err := warm.Compile(ctx, wasm); err != nil {
						b.Fatal(err)
					}
					warm.Close(ctx)
				}
				b.ResetTimer()
				for b.Loop() {
					r, err := New(Config{Engine: eng, CacheDir: dir, Host: testHost(), AllowUnmetered: true})
					if err != nil {
						b.Fatal(err)
					}
					if _, err := r.Compile(ctx, wasm); err != nil {
						b.Fatal(err)
					}
					r.Close(ctx)
				}
			})
		})
	}
}
