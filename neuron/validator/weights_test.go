package validator

import (
	"errors"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/taorun/taorun/abi/wire"
	"github.com/taorun/taorun/keys"
	"golang.org/x/crypto/blake2b"
)

func TestComputeWeightsExamples(t *testing.T) {
	cases := []struct {
		name          string
		scores        map[uint16]uint64
		n             uint16
		self          int
		minAllowed    uint16
		limit         uint16
		uids, values  []uint16
		wantErrNoWgts bool
	}{
		{"proportional, max to 65535", map[uint16]uint64{1: 1000, 2: 500}, 4, 0, 1, 65535, []uint16{1, 2}, []uint16{65535, 32768}, false},
		{"zero scores and self left out", map[uint16]uint64{0: 9, 1: 1000, 2: 0, 3: 250}, 4, 0, 1, 65535, []uint16{1, 3}, []uint16{65535, 16384}, false},
		{"padded with tried-and-failed first", map[uint16]uint64{3: 1000, 5: 0}, 8, 0, 3, 65535, []uint16{1, 3, 5}, []uint16{0, 65535, 0}, false},
		{"nothing scored", map[uint16]uint64{1: 0}, 4, 0, 1, 65535, nil, nil, true},
		{"uid beyond n ignored", map[uint16]uint64{9: 1000}, 4, 0, 1, 65535, nil, nil, true},
		// limit 1/2: 900 is clipped to the rest, 100+100 = 200 → 200, 100, 100.
		{"max weight limit clips", map[uint16]uint64{1: 900, 2: 100, 3: 100}, 4, 0, 1, 32768, []uint16{1, 2, 3}, []uint16{65535, 32768, 32768}, false},
		{"limit unreachable", map[uint16]uint64{1: 900, 2: 100}, 4, 0, 1, 20000, nil, nil, true},
		{"min allowed unreachable without self", map[uint16]uint64{1: 5}, 2, 0, 2, 65535, nil, nil, true},
	}
	for _, c := range cases {
		w, err := ComputeWeights(c.scores, c.n, c.self, c.minAllowed, c.limit)
		if c.wantErrNoWgts {
			if !errors.Is(err, ErrNoWeights) {
				t.Errorf("%s: err %v, want ErrNoWeights (got %v)", c.name, err, w)
			}
			continue
		}
		if err != nil || !slices.Equal(w.UIDs, c.uids) || !slices.Equal(w.Values, c.values) {
			t.Errorf("%s: %v %v (%v), want %v %v", c.name, w.UIDs, w.Values, err, c.uids, c.values)
		}
	}
}

// TestComputeWeightsProperties checks random inputs against the chain's
// rules: either ErrNoWeights, or a vector with the largest value 65535, the
// order of the scores kept, at least min(minAllowed, n) entries, and the
// chain's max-weight-limit check passing.
func TestComputeWeightsProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 3000 {
		n := uint16(1 + r.IntN(40))
		scores := map[uint16]uint64{}
		for range r.IntN(int(n) + 1) {
			scores[uint16(r.IntN(int(n)))] = r.Uint64N(wire.ScoreOne + 1)
		}
		minAllowed, limit := uint16(r.IntN(8)), uint16(1+r.IntN(65535))
		w, err := ComputeWeights(scores, n, 0, minAllowed, limit)
		if errors.Is(err, ErrNoWeights) {
			continue
		}
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		if err := checkMaxLimit(w.Values, limit); err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		if len(w.UIDs) < min(int(minAllowed), int(n)) || !slices.IsSorted(w.UIDs) || slices.Contains(w.UIDs, 0) {
			t.Fatalf("case %d: uids %v (min %d, n %d)", i, w.UIDs, minAllowed, n)
		}
		if slices.Max(w.Values) != U16One {
			t.Fatalf("case %d: values %v, want a 65535", i, w.Values)
		}
		for a := range w.UIDs {
			for b := range w.UIDs {
				if scores[w.UIDs[a]] > scores[w.UIDs[b]] && w.Values[a] < w.Values[b] {
					t.Fatalf("case %d: order broken: uid %d score %d weight %d, uid %d score %d weight %d", i,
						w.UIDs[a], scores[w.UIDs[a]], w.Values[a], w.UIDs[b], scores[w.UIDs[b]], w.Values[b])
				}
			}
		}
	}
}

func TestEMA(t *testing.T) {
	if got := ema(0, wire.ScoreOne, wire.ScoreOne/10); got != wire.ScoreOne/10 {
		t.Fatalf("ema from 0 = %d", got)
	}
	if got := ema(wire.ScoreOne, wire.ScoreOne, wire.ScoreOne/10); got != wire.ScoreOne {
		t.Fatalf("ema of a constant = %d", got)
	}
	if got := ema(3, 0, wire.ScoreOne/2); got != 2 { // 1.5 rounds half up
		t.Fatalf("ema(3, 0, 1/2) = %d, want 2", got)
	}
}

func TestSeedAndSample(t *testing.T) {
	hash, key := [32]byte{1, 2, 3}, keys.Dev("Alice").Public()
	want := blake2b.Sum256(append(hash[:], key[:]...))
	if Seed(hash, key) != want {
		t.Fatal("Seed is not BLAKE2b-256(hash ‖ hotkey)")
	}
	if Seed(hash, keys.Dev("Bob").Public()) == want {
		t.Fatal("two validators share a seed")
	}
	cands := []uint16{9, 3, 5, 1, 7, 2, 8}
	a := Sample(want, cands, 4)
	if !slices.Equal(a, Sample(want, slices.Clone(cands), 4)) || len(a) != 4 || !slices.IsSorted(a) {
		t.Fatalf("Sample not deterministic or malformed: %v", a)
	}
	for _, u := range a {
		if !slices.Contains(cands, u) {
			t.Fatalf("sampled %d, not a candidate", u)
		}
	}
	differs := false
	for i := range 20 {
		if !slices.Equal(Sample([32]byte{byte(i)}, cands, 4), a) {
			differs = true
		}
	}
	if !differs {
		t.Fatal("the sample does not depend on the seed")
	}
	if got := Sample(want, cands, 50); len(got) != len(cands) {
		t.Fatalf("k above the candidates: %v", got)
	}
}
