package host

import (
	"context"
	"testing"

	"github.com/taorun/taorun/abi"
	"github.com/taorun/taorun/runtime"
)

// BenchmarkHostCall measures the cost of one host call from the guest on
// wazero: the guest loops b.N times over the call inside a single entry point
// call, so ns/op is the per-call overhead (the loop's few instructions
// included). The target for gas_left is 50 ns or less.
func BenchmarkHostCall(b *testing.B) {
	for _, bc := range []struct{ name, entry string }{
		{"gas_left", "gas_loop"},
		{"sha256_32B", "sha256_loop"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			m := compileHost(b, runtime.EngineWazero)
			ctx := context.Background()
			inst, err := m.Instantiate(ctx, runtime.InstanceConfig{})
			if err != nil {
				b.Fatal(err)
			}
			defer inst.Close(ctx)
			env := &Env{Side: abi.NodeSide}
			b.ReportAllocs()
			b.ResetTimer()
			res := inst.Call(WithEnv(ctx, env), bc.entry, u32(uint32(b.N)), 1<<62)
			if res.Err != nil {
				b.Fatal(res.Err)
			}
		})
	}
}
