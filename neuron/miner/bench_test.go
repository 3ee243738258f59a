package miner_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/taorun/taorun/host/runner"
	"github.com/taorun/taorun/keys"
	"github.com/taorun/taorun/neuron/dendrite"
	"github.com/taorun/taorun/neuron/internal/neurontest"
	"github.com/taorun/taorun/neuron/miner"
)

// benchJobDelay is the time the echo worker takes per job (per batch).
const benchJobDelay = 100 * time.Millisecond

// echoScheduler starts a Scheduler with the "echo" runner: one
// examples/runners/echo worker that takes benchJobDelay per batch and
// accepts batches of up to maxBatch jobs (like a GPU worker that batches).
func echoScheduler(b *testing.B, maxBatch int) *runner.Scheduler {
	b.Helper()
	conf := filepath.Join(b.TempDir(), "taorun.toml")
	toml := fmt.Sprintf("[[runner]]\nname = \"echo\"\nkind = \"exec\"\ncommand = [%q, \"--delay\", %q, \"--max-batch\", \"%d\"]\ntimeout = \"60s\"\n",
		neurontest.EchoWorker(b), benchJobDelay.String(), maxBatch)
	if err := os.WriteFile(conf, []byte(toml), 0o644); err != nil {
		b.Fatal(err)
	}
	rcfg, err := runner.LoadConfig(conf, nil)
	if err != nil {
		b.Fatal(err)
	}
	sched, err := runner.New(rcfg, runner.Options{WorkerStderr: os.Stderr})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { sched.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := sched.WaitReady(ctx, "echo"); err != nil {
		b.Fatal(err)
	}
	return sched
}

// BenchmarkMinerConcurrentQueries measures a real miner (axon on
// loopback, the alternative module, whose solve of "echo:X" is one job on
// the echo runner, a real exec worker taking benchJobDelay per batch)
// answering 8 validators that query it at once, each with a dendrite of
// its own; one iteration is one such batch of 8 queries, every answer
// checked. max_workers=1 serialises the solves (8 runner jobs one after
// another); max_workers=8 lets them reach the runner together, which
// batches them when the worker takes batches: the gain comes from the
// runner's batching (or its devices), so with a worker that takes one job
// at a time the batch costs about as much as serial solves.
func BenchmarkMinerConcurrentQueries(b *testing.B) {
	const validators = 8
	for _, tc := range []struct{ workers, maxBatch int }{{1, 8}, {8, 8}, {8, 1}} {
		workers := tc.workers
		b.Run(fmt.Sprintf("max_workers=%d/runner_max_batch=%d", workers, tc.maxBatch), func(b *testing.B) {
			ctx := context.Background()
			src := &neurontest.Source{}
			src.Activate(neurontest.AltModule(b), 1)
			hot := keys.Dev("Bob")
			m, err := miner.New(miner.Config{Hotkey: hot, Netuid: 1, Addr: "127.0.0.1:0", Chain: &testChain{height: 10}, MaxWorkers: workers,
				Module: miner.ModuleConfig{Source: src, Registry: neurontest.SharedRegistry(b), Runners: echoScheduler(b, tc.maxBatch).HostRunners()}})
			if err != nil {
				b.Fatal(err)
			}
			if err := m.Start(ctx); err != nil {
				b.Fatal(err)
			}
			defer m.Shutdown(ctx)
			target := dendrite.Axon{Hotkey: hot.Public(), Addr: m.Addr()}
			ds := make([]*dendrite.Client, validators)
			for i := range ds {
				if ds[i], err = dendrite.New(dendrite.Config{Hotkey: validatorKey(b, fmt.Sprint(i))}); err != nil {
					b.Fatal(err)
				}
			}
			batch := func() {
				var wg sync.WaitGroup
				for i, d := range ds {
					wg.Add(1)
					go func() {
						defer wg.Done()
						task := fmt.Sprintf("echo:%d", i)
						if r := d.Query(ctx, target, miner.SynapseSolve, []byte(task), time.Minute); r.Err != nil || string(r.Body) != "alt:"+task[5:] {
							b.Errorf("validator %d: %q, %v", i, r.Body, r.Err)
						}
					}()
				}
				wg.Wait()
			}
			batch() // warm up: compile the module, create the instances
			b.ResetTimer()
			start := time.Now()
			for range b.N {
				batch()
			}
			b.ReportMetric(float64(time.Since(start).Milliseconds())/float64(b.N), "ms/batch")
		})
	}
}
