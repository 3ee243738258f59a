package consensus

import (
	"bytes"
	"encoding/binary"
	"testing"
)

// byteStream hands out fuzzer bytes as numbers (zeros once exhausted).
type byteStream struct{ b []byte }

func (s *byteStream) u64(bits uint) uint64 {
	var buf [8]byte
	k := copy(buf[:], s.b)
	s.b = s.b[k:]
	v := binary.LittleEndian.Uint64(buf[:])
	if bits < 64 {
		v &= 1<<bits - 1
	}
	return v
}

func (s *byteStream) byte() byte {
	if len(s.b) == 0 {
		return 0
	}
	c := s.b[0]
	s.b = s.b[1:]
	return c
}

// fuzzInput decodes any byte string into a valid EpochInput of up to 16 neurons.
func fuzzInput(data []byte) *EpochInput {
	s := &byteStream{data}
	n := int(s.byte() % 17)
	flags := s.byte()
	in := &EpochInput{
		Block: s.u64(12), Tempo: uint16(s.u64(8)), RaoEmission: s.u64(64), ActivityCutoff: s.u64(12),
		LastMechanismStepBlock: s.u64(12), TaoWeight: s.u64(64), Params: DefaultHyperparameters(),
		Neurons: make([]Neuron, n), Weights: make([][]WeightEntry, n), Bonds: make([][]WeightEntry, n),
	}
	p := &in.Params
	p.Kappa, p.BondsPenalty = uint16(s.u64(16)), uint16(s.u64(16))
	p.BondsMovingAverage = s.u64(21)
	p.Yuma3Enabled, p.LiquidAlphaEnabled = flags&1 != 0, flags&2 != 0
	p.CommitRevealEnabled = flags&4 != 0
	p.AlphaLow, p.AlphaHigh, p.AlphaSigmoidSteepness = uint16(s.u64(16)), uint16(s.u64(16)), int16(s.u64(16))
	p.MaxAllowedValidators = uint16(s.u64(5))
	p.StakeThreshold = s.u64(8) * s.u64(8)
	if n > 0 && flags&8 != 0 {
		in.HasOwner, in.OwnerUID = true, uint16(s.byte())%uint16(n)
	}
	if flags&16 != 0 {
		in.CommitBlocks = make([]uint64, n)
	}
	for i := range n {
		nr := &in.Neurons[i]
		nr.Stake, nr.TaoStake = s.u64(54), s.u64(40)
		nr.LastUpdate, nr.BlockAtRegistration = s.u64(12), s.u64(12)
		nr.ValidatorPermit = s.byte()&1 != 0
		if in.CommitBlocks != nil {
			in.CommitBlocks[i] = s.u64(12)
		}
		for _, rows := range [][][]WeightEntry{in.Weights, in.Bonds} {
			mask := s.u64(16)
			for j := range n {
				if mask>>j&1 != 0 {
					rows[i] = append(rows[i], WeightEntry{uint16(j), uint16(s.u64(16))})
				}
			}
		}
	}
	return in
}

// FuzzEpoch: no panic on any input, and the output invariants hold for both epochs.
func FuzzEpoch(f *testing.F) {
	f.Add([]byte{3, 0})
	f.Add(bytes.Repeat([]byte{0xff}, 300))
	f.Add(append([]byte{8, 1 | 2 | 8}, bytes.Repeat([]byte{7, 200, 13, 0, 99}, 80)...))
	f.Add(append([]byte{16, 0x1f}, bytes.Repeat([]byte{1, 2, 3, 250, 128}, 200)...))
	f.Fuzz(func(t *testing.T, data []byte) {
		in := fuzzInput(data)
		for _, run := range []func(*EpochInput) (*EpochOutput, error){Epoch, EpochDense} {
			out, err := run(in)
			if err != nil {
				t.Fatal(err)
			}
			checkInvariants(t, in, out)
		}
	})
}

// FuzzParseEpochInput: arbitrary bytes never panic the parser, and whatever parses
// runs.
func FuzzParseEpochInput(f *testing.F) {
	f.Add([]byte(`{"neurons":[{"stake":1,"validator_permit":true},{}],"weights":[[[1,65535]],[]]}`))
	f.Add([]byte(`{"hyperparameters":{"kappa":1},"owner_uid":null}`))
	f.Add([]byte(`{"neurons":[{}],"bonds":[[[0,1],[0,2]]]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		in, err := ParseEpochInput(bytes.NewReader(data))
		if err != nil {
			return
		}
		if _, err := Epoch(in); err != nil {
			t.Fatalf("parsed input fails the epoch: %v", err)
		}
	})
}
