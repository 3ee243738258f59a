package sim

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/taorun/taorun/consensus"
)

// EpochRecord is what one simulated epoch saw and produced.
type EpochRecord struct {
	// Epoch is the epoch index (0-based); Block the block it ran at.
	Epoch int
	Block uint64
	// Stake is each uid's alpha stake (rao) going into the epoch.
	Stake []uint64
	// SetWeights marks the uids that set new weights just before the epoch.
	SetWeights []bool
	// Weights are the weight rows stored going into the epoch (rows are shared with
	// other records and must not be modified).
	Weights [][]consensus.WeightEntry
	// Out is consensus.Epoch's output.
	Out *consensus.EpochOutput
}

// Result is a completed run.
type Result struct {
	Scenario *Scenario
	Epochs   []EpochRecord
}

// Run simulates s.Epochs epochs. Before epoch e (at block (e+1)*Tempo) every validator
// whose schedule allows it sets weights from its strategy, one block before the epoch;
// the epoch's bonds and validator permits become the next epoch's inputs, and with
// Compound the emission is added to stake. Weights stay stored until replaced, so a
// validator that skips epochs keeps voting with outdated weights until the activity
// cutoff makes it inactive. Run fails only if the epoch rejects its input.
func Run(s *Scenario) (*Result, error) {
	n := len(s.Neurons)
	stake := make([]uint64, n)
	permits := make([]bool, n)
	lastUpdate := make([]uint64, n)
	weights := make([][]consensus.WeightEntry, n)
	bonds := make([][]consensus.WeightEntry, n)
	for i, ns := range s.Neurons {
		stake[i], permits[i] = ns.StakeRao, ns.Permit
	}
	// One generator for the whole run, drawn in uid order: reproducible from the seed.
	rng := rand.New(rand.NewPCG(s.Seed, 0x7461_6f72_756e)) // stream "taorun"
	res := &Result{Scenario: s, Epochs: make([]EpochRecord, 0, s.Epochs)}
	var prev *consensus.EpochOutput
	for e := 0; e < s.Epochs; e++ {
		block := uint64(e+1) * uint64(s.Tempo)
		stored := slices.Clone(weights) // rows as of the previous epoch, for copiers
		set := make([]bool, n)
		for i, ns := range s.Neurons {
			st := ns.Weights
			if st == nil || e%st.Every != st.Offset {
				continue
			}
			if row := generate(s, i, e, rng, prev, stored); row != nil {
				weights[i], lastUpdate[i], set[i] = row, block-1, true
			}
		}
		in := &consensus.EpochInput{
			Block: block, Tempo: s.Tempo, RaoEmission: s.EmissionRao,
			ActivityCutoff: s.ActivityCutoff, Params: s.Params,
			Neurons: make([]consensus.Neuron, n), Weights: weights, Bonds: bonds,
		}
		if e > 0 {
			in.LastMechanismStepBlock = block - uint64(s.Tempo)
		}
		for i := range in.Neurons {
			in.Neurons[i] = consensus.Neuron{Stake: stake[i], LastUpdate: lastUpdate[i], ValidatorPermit: permits[i]}
		}
		out, err := consensus.Epoch(in)
		if err != nil {
			return nil, fmt.Errorf("epoch %d: %w", e, err)
		}
		res.Epochs = append(res.Epochs, EpochRecord{Epoch: e, Block: block, Stake: slices.Clone(stake), SetWeights: set, Weights: slices.Clone(weights), Out: out})
		bonds, permits, prev = out.Bonds, out.ValidatorPermit, out
		if s.Compound {
			for i, em := range out.Emission {
				stake[i] = satAdd(stake[i], em)
			}
		}
	}
	return res, nil
}

// generate returns validator i's new weight row for epoch e, or nil when it has nothing
// to set (a copier before the first epoch, nothing of positive quality).
func generate(s *Scenario, i, e int, rng *rand.Rand, prev *consensus.EpochOutput, stored [][]consensus.WeightEntry) []consensus.WeightEntry {
	st := s.Neurons[i].Weights
	var targets []uint16
	var vals []uint64
	switch st.Kind {
	case StrategyHonest:
		for j, nj := range s.Neurons {
			q := qualityAt(nj.Quality, e)
			if j == i || q == 0 {
				continue
			}
			if st.NoisePPM > 0 {
				u := rng.Uint64N(2*st.NoisePPM + 1) // factor (ppm - noise + u) / ppm
				q = q * (ppm - st.NoisePPM + u) / ppm
			}
			targets, vals = append(targets, uint16(j)), append(vals, q)
		}
	case StrategyCopier:
		if st.Source >= 0 {
			for _, w := range stored[st.Source] {
				if int(w.UID) != i {
					targets, vals = append(targets, w.UID), append(vals, uint64(w.Value))
				}
			}
		} else if prev != nil {
			for j, c := range prev.Consensus {
				if j != i && c > 0 {
					targets, vals = append(targets, uint16(j)), append(vals, uint64(c))
				}
			}
		}
	case StrategyColluding:
		for _, t := range st.Targets {
			targets, vals = append(targets, t), append(vals, 1)
		}
	case StrategyExplicit:
		k := 0
		for k+1 < len(st.Schedule) && st.Schedule[k+1].From <= e {
			k++
		}
		targets, vals = st.Schedule[k].Targets, st.Schedule[k].Values
	}
	return maxUpscale(targets, vals)
}

// qualityAt returns the quality step in force at epoch e.
func qualityAt(steps []Step, e int) uint64 {
	q := uint64(0)
	for _, s := range steps {
		if s.From <= e {
			q = s.Value
		}
	}
	return q
}

// maxUpscale scales vals so that the largest becomes 65535 (rounding to nearest), as
// set_weights stores rows, dropping zero entries. It returns nil if every value is zero.
func maxUpscale(targets []uint16, vals []uint64) []consensus.WeightEntry {
	m := uint64(0)
	for _, v := range vals {
		m = max(m, v)
	}
	if m == 0 {
		return nil
	}
	row := make([]consensus.WeightEntry, 0, len(vals))
	for k, v := range vals {
		// v <= 2e12 (quality ppm times noise factor), so v*65535 fits in a uint64.
		if w := (v*65535 + m/2) / m; w > 0 {
			row = append(row, consensus.WeightEntry{UID: targets[k], Value: uint16(w)})
		}
	}
	return row
}

func satAdd(a, b uint64) uint64 {
	if s := a + b; s >= a {
		return s
	}
	return ^uint64(0)
}
