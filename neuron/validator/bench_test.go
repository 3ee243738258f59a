package validator_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	goruntime "runtime"
	"testing"
	"time"

	"github.com/taorun/taorun/host"
	"github.com/taorun/taorun/keys"
	"github.com/taorun/taorun/neuron/internal/neurontest"
	"github.com/taorun/taorun/neuron/miner"
	"github.com/taorun/taorun/neuron/validator"
)

// benchMiners is the subnet size of BenchmarkValidatorStep64.
const benchMiners = 64

// BenchmarkValidatorStep64 times one validator step against 64 real miners
// on loopback: each a miner.Miner with its own axon and its own instance of
// the pocsubnet module (32×32 matrices), queried through the real dendrite,
// challenged and scored by the real module. Sub-benchmarks pick how the
// miners compute:
//
//   - matmul-cpu: the module's solve sends the job to the "matmul" runner,
//     a pool of matmul-cpu worker processes (one per CPU) shared by the
//     miners: the path a real miner takes (module → runner host call →
//     worker), with the workers standing in for each miner's GPU;
//   - in-module: no runners, so solve multiplies inside the module (the
//     fallback of a node without runners).
//
// Besides ns/op it reports the step's phases per op (StepReport.Took):
// challenge, query (the fan-out, which on one machine includes all 64
// miners' solves sharing its CPUs), score, update (EMA and the state
// file's fsynced save) and weights (computed and set once per weights
// interval, so mostly zero).
func BenchmarkValidatorStep64(b *testing.B) {
	for _, mode := range []struct {
		name    string
		runners func(b *testing.B) host.Runners
	}{
		{"matmul-cpu", func(b *testing.B) host.Runners {
			return neurontest.MatmulPool(b, goruntime.GOMAXPROCS(0)).HostRunners()
		}},
		{"in-module", func(*testing.B) host.Runners { return nil }},
	} {
		b.Run(mode.name, func(b *testing.B) { benchStep(b, mode.runners(b)) })
	}
}

// benchStep starts the subnet (a validator and benchMiners miners using
// runners), then times b.N steps at successive blocks.
func benchStep(b *testing.B, runners host.Runners) {
	ctx := context.Background()
	reg := neurontest.SharedRegistry(b)
	src := &neurontest.Source{}
	src.Activate(neurontest.PocModule(b), 1)
	initCfg := neurontest.PocConfig(32, 10_000)
	vkey := keys.Dev("Alice")
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil)) // 65 neurons' start-up lines would bury the figures
	chain := &testChain{height: 9, params: validator.Params{MinAllowedWeights: 1, MaxWeightLimit: 65535},
		hash: testCommitHash, hotkey: vkey.Public()}
	chain.neurons = append(chain.neurons, validator.Neuron{UID: 0, Hotkey: vkey.Public(), Stake: 1000, ValidatorPermit: true})
	for i := range benchMiners {
		key, err := keys.FromURI(fmt.Sprintf("//BenchMiner%d", i))
		if err != nil {
			b.Fatal(err)
		}
		m, err := miner.New(miner.Config{Hotkey: key, Netuid: 1, Addr: "127.0.0.1:0", Chain: chain,
			Module: miner.ModuleConfig{Source: src, Registry: reg, Runners: runners, InitConfig: initCfg}, Logger: quiet})
		if err != nil {
			b.Fatal(err)
		}
		if err := m.Start(ctx); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { m.Shutdown(context.Background()) })
		_, _ = m.Solve(ctx, nil) // instantiate and init the module before the timed steps
		chain.neurons = append(chain.neurons, validator.Neuron{UID: uint16(i + 1), Hotkey: key.Public(), Axon: m.Addr(), Stake: 10})
	}
	v, err := validator.New(validator.Config{Hotkey: vkey, Netuid: 1, DataDir: b.TempDir(), Chain: chain,
		Module: validator.ModuleConfig{Source: src, Registry: reg, InitConfig: initCfg}, SampleSize: benchMiners,
		CommitHash: testCommitHash, Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { v.Close(context.Background()) })
	// One untimed step: the validator's module instance, the dendrite's
	// connections.
	chain.setHeight(10)
	if _, err := v.Step(ctx); err != nil {
		b.Fatal(err)
	}

	var sum validator.Phases
	b.ResetTimer()
	for i := range b.N {
		chain.setHeight(11 + uint64(i))
		rep, err := v.Step(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if rep.Skipped != "" || len(rep.Queried) != benchMiners || len(rep.Failed) != 0 {
			b.Fatalf("block %d: skipped %q, %d queried, failed %v", rep.Block, rep.Skipped, len(rep.Queried), rep.Failed)
		}
		for uid, s := range rep.Scores {
			if s == 0 {
				b.Fatalf("block %d: miner %d scored 0", rep.Block, uid)
			}
		}
		sum.Challenge += rep.Took.Challenge
		sum.Query += rep.Took.Query
		sum.Score += rep.Took.Score
		sum.Update += rep.Took.Update
		sum.Weights += rep.Took.Weights
	}
	b.StopTimer()
	for _, m := range []struct {
		d    time.Duration
		unit string
	}{
		{sum.Challenge, "challenge-ns/op"}, {sum.Query, "query-ns/op"}, {sum.Score, "score-ns/op"},
		{sum.Update, "update-ns/op"}, {sum.Weights, "weights-ns/op"},
	} {
		b.ReportMetric(float64(m.d.Nanoseconds())/float64(b.N), m.unit)
	}
}
