package runner

import (
	"bytes"
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/taorun/taorun/abi"
	"github.com/taorun/taorun/host"
	"github.com/taorun/taorun/internal/testfiles"
	"github.com/taorun/taorun/runtime"
)

// BenchmarkHostFunctionDispatchEcho measures what a module's solve pays per
// runner job: one guest entry-point call whose body calls runner_invoke and
// runner_result (host/testdata/host.wat), through the host function, the
// scheduler's host.Runners adapter, the queue and an exec echo worker, and
// back into guest memory. It reports p50 and p99 (targets: p50 ≤ 1 ms,
// p99 ≤ 5 ms).
func BenchmarkHostFunctionDispatchEcho(b *testing.B) {
	dir := b.TempDir()
	if err := testfiles.AssembleAll(filepath.Join("..", "testdata"), dir); err != nil {
		b.Fatal(err)
	}
	wasm, err := os.ReadFile(filepath.Join(dir, "host.wasm"))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	rt, err := runtime.New(runtime.Config{Engine: runtime.EngineWazero, Host: host.Functions()})
	if err != nil {
		b.Fatal(err)
	}
	defer rt.Close(ctx)
	mod, err := rt.Compile(ctx, wasm)
	if err != nil {
		b.Fatal(err)
	}
	s, _ := start(b, echo("bench"))
	env := &host.Env{Side: abi.NodeSide, Runners: s.HostRunners()}
	callCtx := host.WithEnv(ctx, env)

	payload := bytes.Repeat([]byte{0xa5}, 256)
	name := []byte("bench")
	in := binary.LittleEndian.AppendUint32(nil, uint32(len(payload)))
	in = binary.LittleEndian.AppendUint32(in, uint32(len(name)))
	in = append(append(in, name...), payload...)

	// host.wat's bump allocator never frees, so a fresh instance serves
	// every batch of calls; instantiation is outside the measured calls.
	const callsPerInstance = 1000
	var inst *runtime.Instance
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		if i%callsPerInstance == 0 {
			b.StopTimer()
			if inst != nil {
				inst.Close(ctx)
			}
			if inst, err = mod.Instantiate(ctx, runtime.InstanceConfig{}); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
		t0 := time.Now()
		res := inst.Call(callCtx, "runner_invoke", in, 1<<40)
		lat = append(lat, time.Since(t0))
		if res.Err != nil {
			b.Fatal(res.Err)
		}
		if got := int64(binary.LittleEndian.Uint64(res.Output)); got < 0 {
			b.Fatalf("runner_invoke returned %d", got)
		}
		if !bytes.Equal(res.Output[16:], payload) {
			b.Fatalf("echoed %d bytes, not the payload", len(res.Output)-16)
		}
	}
	b.StopTimer()
	inst.Close(ctx)
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}
