package consensus

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
)

// benchInput is a subnet of n uids whose first v uids are permitted validators that
// weight every miner, in steady state (bonds from a previous epoch).
func benchInput(n, v int, yuma3 bool) *EpochInput {
	rng := rand.New(rand.NewPCG(uint64(n), uint64(v)))
	in := &EpochInput{Block: 10_000, Tempo: 360, RaoEmission: 1e9, ActivityCutoff: 5000,
		Params: DefaultHyperparameters(), Neurons: make([]Neuron, n),
		Weights: make([][]WeightEntry, n), Bonds: make([][]WeightEntry, n)}
	in.Params.MaxAllowedValidators = uint16(v)
	in.Params.Yuma3Enabled = yuma3
	for i := range n {
		in.Neurons[i] = Neuron{LastUpdate: 9_990, BlockAtRegistration: uint64(rng.IntN(5000))}
		if i < v {
			in.Neurons[i].Stake = 1e12 + rng.Uint64N(1e12)
			in.Neurons[i].ValidatorPermit = true
			row := make([]WeightEntry, 0, n-v)
			for j := v; j < n; j++ {
				row = append(row, WeightEntry{uint16(j), uint16(rng.IntN(65536))})
			}
			in.Weights[i] = row
		}
	}
	out, err := Epoch(in)
	if err != nil {
		panic(err)
	}
	in.Bonds = out.Bonds
	in.Block += 360
	return in
}

func BenchmarkEpoch(b *testing.B) {
	for _, c := range []struct {
		n, v  int
		yuma3 bool
	}{{256, 64, false}, {256, 64, true}, {1024, 64, false}, {4096, 64, false}, {4096, 256, false}} {
		b.Run(fmt.Sprintf("uids=%d/validators=%d/yuma3=%v", c.n, c.v, c.yuma3), func(b *testing.B) {
			in := benchInput(c.n, c.v, c.yuma3)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Epoch(in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkEpochDense256(b *testing.B) {
	in := benchInput(256, 64, false)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := EpochDense(in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSweep1024Subnets runs the epochs of 1,024 subnets of 256 uids (64
// validators each) on two workers; one op is the whole sweep.
func BenchmarkSweep1024Subnets(b *testing.B) {
	const subnets, workers = 1024, 2
	inputs := make([]*EpochInput, 8) // distinct states, reused round-robin
	for i := range inputs {
		inputs[i] = benchInput(256, 64, i%2 == 0)
	}
	b.ReportAllocs()
	for b.Loop() {
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				for s := w; s < subnets; s += workers {
					if _, err := Epoch(inputs[s%len(inputs)]); err != nil {
						panic(err)
					}
				}
			})
		}
		wg.Wait()
	}
}
