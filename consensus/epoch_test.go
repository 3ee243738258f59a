package consensus

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/taorun/taorun/consensus/fixed"
	"github.com/taorun/taorun/consensus/internal/mat"
)

// graph512 builds the upstream test_512_graph state: 64 validators with equal stake and
// 448 servers; validators weight every server with the stored value valueOf(v, s).
func graph512(validators []int, serverSelf bool, stake uint64, valueOf func(v, s int) uint16) *EpochInput {
	const n = 512
	in := &EpochInput{Block: 1, Tempo: 65534, RaoEmission: 1_000_000_000,
		ActivityCutoff: ActivityCutoff(DefaultActivityCutoffFactorMilli, 65534),
		Params:         DefaultHyperparameters(),
		Neurons:        make([]Neuron, n), Weights: make([][]WeightEntry, n), Bonds: make([][]WeightEntry, n)}
	in.Params.MaxAllowedValidators = 64
	in.Params.CommitRevealEnabled = false
	isValidator := make([]bool, n)
	for _, v := range validators {
		isValidator[v] = true
	}
	var servers []int
	for i := range n {
		if !isValidator[i] {
			servers = append(servers, i)
		}
	}
	for _, v := range validators {
		in.Neurons[v].Stake = stake
	}
	// First epoch: permits go to the validators.
	out, err := Epoch(in)
	if err != nil {
		panic(err)
	}
	for i := range in.Neurons {
		in.Neurons[i].ValidatorPermit = out.ValidatorPermit[i]
		in.Neurons[i].LastUpdate = 1
	}
	for _, v := range validators {
		row := make([]uint16, len(servers))
		for k, s := range servers {
			row[k] = valueOf(v, s)
		}
		stored := mat.VecU16MaxUpscaleToU16(row)
		in.Weights[v] = make([]WeightEntry, len(servers))
		for k, s := range servers {
			in.Weights[v][k] = WeightEntry{uint16(s), stored[k]}
		}
	}
	if serverSelf {
		for _, s := range servers {
			in.Weights[s] = []WeightEntry{{uint16(s), 65535}}
		}
	}
	return in
}

func interleavings(rng *rand.Rand) [][]int {
	first, mod8 := make([]int, 64), make([]int, 64)
	for i := range 64 {
		first[i], mod8[i] = i, 8*i
	}
	random := rng.Perm(512)[:64]
	return [][]int{first, mod8, random}
}

// TestGraph512 replays test_512_graph (spec 5.1): three dense epochs after the sparse
// permit epoch, exact per-uid values.
func TestGraph512(t *testing.T) {
	if testing.Short() {
		t.Skip("512-uid dense epochs")
	}
	rng := rand.New(rand.NewPCG(512, 1))
	for il, validators := range interleavings(rng) {
		for _, serverSelf := range []bool{false, true} {
			in := graph512(validators, serverSelf, 328_125_000_000_000, func(int, int) uint16 { return 127 })
			isValidator := map[int]bool{}
			for _, v := range validators {
				isValidator[v] = true
			}
			var out *EpochOutput
			for range 3 {
				var err error
				if out, err = EpochDense(in); err != nil {
					t.Fatal(err)
				}
				for i := range in.Neurons {
					in.Neurons[i].ValidatorPermit = out.ValidatorPermit[i]
				}
				in.Bonds = out.Bonds
			}
			v0, s0 := validators[0], -1
			for i := range 512 {
				if !isValidator[i] {
					s0 = i
					break
				}
			}
			for i := range 512 {
				type row struct {
					c, inc, d uint16
					e         uint64
					bv, bs    uint16
				}
				got := row{out.Consensus[i], out.Incentive[i], out.Dividends[i], out.Emission[i], bondAt(out.Bonds, i, v0), bondAt(out.Bonds, i, s0)}
				want := row{146, 146, 0, 1_116_071, 0, 0}
				if isValidator[i] {
					want = row{0, 0, 1023, 7_812_500, 0, 65535}
				}
				if got != want {
					t.Fatalf("interleave %d self %v uid %d: got %+v, want %+v", il, serverSelf, i, got, want)
				}
			}
		}
	}
}

// TestDenseEqualsSparse is test_512_graph_random_weights (spec 5.1) plus smaller random
// graphs: with liquid alpha off, dense and sparse agree on incentive, dividends,
// emission and bonds.
func TestDenseEqualsSparse(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	il := interleavings(rng)
	for _, bp := range []uint16{0, 32767, 65535} {
		for _, serverSelf := range []bool{false, true} {
			validators := il[rng.IntN(3)]
			in := graph512(validators, serverSelf, 1, func(int, int) uint16 { return uint16(rng.IntN(65536)) })
			in.Params.BondsPenalty = bp
			compareDenseSparse(t, in)
		}
	}
	for trial := range 200 {
		in := randomInput(rng, 1+rng.IntN(24))
		in.Params.LiquidAlphaEnabled = false
		in.HasOwner = false
		in.Params.CommitRevealEnabled = false
		if trial%2 == 0 {
			in.Params.Yuma3Enabled = true
		}
		compareDenseSparse(t, in)
	}
}

func compareDenseSparse(t *testing.T, in *EpochInput) {
	t.Helper()
	s, err := Epoch(in)
	if err != nil {
		t.Fatal(err)
	}
	d, err := EpochDense(in)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		a, b any
	}{
		{"incentive", s.Incentive, d.Incentive}, {"dividends", s.Dividends, d.Dividends},
		{"emission", s.Emission, d.Emission}, {"consensus", s.Consensus, d.Consensus},
		{"server_emission", s.ServerEmission, d.ServerEmission},
		{"validator_emission", s.ValidatorEmission, d.ValidatorEmission},
	} {
		if !reflect.DeepEqual(c.a, c.b) {
			t.Fatalf("%s: sparse %v\ndense %v", c.name, c.a, c.b)
		}
	}
	n := len(in.Neurons)
	for i := range n {
		if !s.ValidatorPermit[i] {
			continue
		}
		for j := range n {
			if a, b := bondAt(s.Bonds, i, j), bondAt(d.Bonds, i, j); a != b {
				t.Fatalf("bond[%d][%d]: sparse %d dense %d", i, j, a, b)
			}
		}
	}
}

// randomInput draws a random but valid subnet state (sorted weight rows, as set_weights
// callers normally send; explicit zeros included).
func randomInput(rng *rand.Rand, n int) *EpochInput {
	in := &EpochInput{
		Block: 100 + rng.Uint64N(100), Tempo: uint16(1 + rng.IntN(50)), RaoEmission: rng.Uint64N(1 << 40),
		ActivityCutoff: 1 + rng.Uint64N(150), LastMechanismStepBlock: rng.Uint64N(3) * rng.Uint64N(100),
		TaoWeight: rng.Uint64(), Params: DefaultHyperparameters(),
		Neurons: make([]Neuron, n), Weights: make([][]WeightEntry, n), Bonds: make([][]WeightEntry, n),
	}
	in.Params.Kappa = uint16(rng.IntN(65536))
	in.Params.BondsPenalty = []uint16{0, 65535, uint16(rng.IntN(65536))}[rng.IntN(3)]
	in.Params.BondsMovingAverage = rng.Uint64N(1_000_001)
	in.Params.MaxAllowedValidators = uint16(rng.IntN(n + 2))
	in.Params.Yuma3Enabled = rng.IntN(2) == 0
	in.Params.LiquidAlphaEnabled = rng.IntN(2) == 0
	in.Params.AlphaLow = uint16(rng.IntN(65536))
	in.Params.AlphaHigh = uint16(rng.IntN(65536))
	in.Params.AlphaSigmoidSteepness = int16(rng.IntN(65536) - 32768)
	if rng.IntN(4) == 0 {
		in.Params.StakeThreshold = rng.Uint64N(1 << 30)
	}
	if n > 0 && rng.IntN(3) == 0 {
		in.HasOwner, in.OwnerUID = true, uint16(rng.IntN(n))
	}
	for i := range in.Neurons {
		nr := &in.Neurons[i]
		if rng.IntN(3) > 0 {
			nr.Stake = rng.Uint64N(1 << uint(rng.IntN(55)))
		}
		if rng.IntN(4) == 0 {
			nr.TaoStake = rng.Uint64N(1 << 40)
		}
		nr.LastUpdate = rng.Uint64N(in.Block + 1)
		nr.BlockAtRegistration = rng.Uint64N(in.Block)
		nr.ValidatorPermit = rng.IntN(2) == 0
		in.Weights[i] = randomRow(rng, n)
		if rng.IntN(2) == 0 {
			in.Bonds[i] = randomRow(rng, n)
		}
	}
	return in
}

func randomRow(rng *rand.Rand, n int) []WeightEntry {
	var row []WeightEntry
	for j := range n {
		if rng.IntN(3) == 0 {
			v := uint16(rng.IntN(65536))
			if rng.IntN(5) == 0 {
				v = 0
			}
			row = append(row, WeightEntry{uint16(j), v})
		}
	}
	return row
}

// checkInvariants asserts the output shape and normalisation invariants of an epoch.
func checkInvariants(t *testing.T, in *EpochInput, out *EpochOutput) {
	t.Helper()
	n := len(in.Neurons)
	for name, l := range map[string]int{
		"stake_weight": len(out.StakeWeight), "consensus": len(out.Consensus), "incentive": len(out.Incentive),
		"dividends": len(out.Dividends), "validator_trust": len(out.ValidatorTrust), "emission": len(out.Emission),
		"server_emission": len(out.ServerEmission), "validator_emission": len(out.ValidatorEmission),
		"active": len(out.Active), "validator_permit": len(out.ValidatorPermit), "bonds": len(out.Bonds),
	} {
		if l != n {
			t.Fatalf("%s has length %d, want %d", name, l, n)
		}
	}
	if in.Params.BondsMovingAverage > 1_000_000 {
		// The EMA coefficient 1 - v/1e6 is negative: bonds and dividends leave [0, 1] (as
		// upstream's do; the chain never allows such a value), so sums are unbounded.
		return
	}
	for _, v := range [][]uint16{out.Incentive, out.Dividends} {
		var s uint64
		for _, x := range v {
			s += uint64(x)
		}
		// Each element floors x*65535, losing < 1 per non-zero element.
		if s != 0 && (s > 65535 || s+uint64(n) < 65535) {
			t.Fatalf("incentive/dividends sum %d is neither 0 nor ≈ 65535: %v", s, v)
		}
	}
	var se, sv, sc uint64
	for i := range n {
		se += out.ServerEmission[i]
		sv += out.ValidatorEmission[i]
		sc += out.Emission[i]
	}
	// I32F32 proportions are floored twice (normalisation, then times rao), so each
	// non-zero element may lose a little under 1 + rao/2^32 rao.
	slack := uint64(n) * (2 + in.RaoEmission>>31)
	if se+sv > in.RaoEmission || sc > in.RaoEmission {
		t.Fatalf("emissions exceed rao: server %d + validator %d, combined %d > %d", se, sv, sc, in.RaoEmission)
	}
	// Any counted stake means the whole emission is paid (to miners and validators, or
	// by stake when no weights count).
	var stake uint64
	for _, w := range out.StakeWeight {
		stake += uint64(w)
	}
	if stake != 0 && sc+slack < in.RaoEmission {
		t.Fatalf("combined emission %d far below %d (slack %d)", sc, in.RaoEmission, slack)
	}
	for i, row := range out.Bonds {
		for _, e := range row {
			if int(e.UID) >= n {
				t.Fatalf("bonds[%d] has uid %d >= n", i, e.UID)
			}
		}
	}
}

func TestRandomInvariants(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	for range 300 {
		in := randomInput(rng, rng.IntN(20))
		for _, run := range []func(*EpochInput) (*EpochOutput, error){Epoch, EpochDense} {
			out, err := run(in)
			if err != nil {
				t.Fatal(err)
			}
			checkInvariants(t, in, out)
		}
	}
}

// TestValidatorPermits is test_validator_permits (spec 5.1): stake below the threshold
// is zeroed before top-k, and top-k ignores zero stake.
func TestValidatorPermits(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	for _, nk := range [][2]int{{2, 1}, {4, 2}, {8, 4}} {
		n, k := nk[0], nk[1]
		for il := range 3 {
			for assignment := range 2 {
				isValidator := make([]bool, n)
				var order []int
				switch il {
				case 0:
					order = rng.Perm(n)[:0]
					for i := range k {
						order = append(order, i)
					}
				case 1:
					for i := range k {
						order = append(order, n-1-i)
					}
				default:
					order = rng.Perm(n)[:k]
				}
				for _, v := range order {
					isValidator[v] = true
				}
				in := &EpochInput{Block: 1, Tempo: 65534, RaoEmission: 1e9, ActivityCutoff: 5000,
					Params: DefaultHyperparameters(), Neurons: make([]Neuron, n)}
				in.Params.StakeThreshold = uint64(k)
				in.Params.MaxAllowedValidators = uint16(k)
				in.Params.Yuma3Enabled = true
				stake := make([]uint64, n)
				for i := range n {
					switch {
					case assignment == 0 && isValidator[i]:
						stake[i] = 1
					case assignment == 1 && isValidator[i]:
						stake[i] = uint64(i + n)
					case assignment == 1:
						stake[i] = uint64(i)
					}
					in.Neurons[i] = Neuron{Stake: stake[i], LastUpdate: 1, BlockAtRegistration: 0}
				}
				out, err := Epoch(in)
				if err != nil {
					t.Fatal(err)
				}
				for i := range n {
					want := isValidator[i] && stake[i] >= uint64(k)
					if out.ValidatorPermit[i] != want {
						t.Fatalf("n %d k %d il %d a %d: permit[%d] = %v, want %v", n, k, il, assignment, i, out.ValidatorPermit[i], want)
					}
					in.Neurons[i].ValidatorPermit = out.ValidatorPermit[i]
				}
				for i := range n {
					if !isValidator[i] {
						in.Neurons[i].Stake += uint64(2 * n)
					}
				}
				if out, err = Epoch(in); err != nil {
					t.Fatal(err)
				}
				for i := range n {
					if want := !isValidator[i]; out.ValidatorPermit[i] != want {
						t.Fatalf("n %d k %d il %d a %d after: permit[%d] = %v, want %v", n, k, il, assignment, i, out.ValidatorPermit[i], want)
					}
				}
			}
		}
	}
}

// TestDeregisteredMinerBonds is test_deregistered_miner_bonds (spec 5.1).
func TestDeregisteredMinerBonds(t *testing.T) {
	in := &EpochInput{Block: 4, Tempo: 2, RaoEmission: 1e9, ActivityCutoff: 27,
		Params: DefaultHyperparameters(), Neurons: make([]Neuron, 4), Weights: make([][]WeightEntry, 4)}
	in.Params.CommitRevealEnabled = false
	for i := range in.Neurons {
		in.Neurons[i] = Neuron{Stake: 1, ValidatorPermit: true, LastUpdate: 1}
	}
	for _, v := range []int{0, 1} {
		in.Weights[v] = []WeightEntry{{2, 65535}, {3, 32768}}
	}
	old, err := Epoch(in)
	if err != nil {
		t.Fatal(err)
	}
	if bondAt(old.Bonds, 0, 2) == 0 || bondAt(old.Bonds, 0, 3) == 0 {
		t.Fatalf("no bonds after the first epoch: %v", old.Bonds)
	}
	in.Bonds = old.Bonds
	in.Neurons[3] = Neuron{LastUpdate: 5, BlockAtRegistration: 5}
	in.Weights[3] = nil
	in.Bonds[3] = nil
	for _, v := range []int{0, 1} {
		in.Weights[v] = []WeightEntry{{2, 65535}, {3, 32768}}
		in.Neurons[v].LastUpdate = 6
	}
	in.Block = 6
	cur, err := Epoch(in)
	if err != nil {
		t.Fatal(err)
	}
	if !(bondAt(cur.Bonds, 0, 2) >= bondAt(old.Bonds, 0, 2) && bondAt(cur.Bonds, 0, 3) <= bondAt(old.Bonds, 0, 3)) {
		t.Fatalf("bonds to the new uid must restart: old %v new %v", old.Bonds[0], cur.Bonds[0])
	}
}

func TestValidateErrors(t *testing.T) {
	base := func() *EpochInput {
		return &EpochInput{Neurons: make([]Neuron, 3), Params: DefaultHyperparameters()}
	}
	cases := []struct {
		name   string
		mutate func(*EpochInput)
		want   string
	}{
		{"rows", func(in *EpochInput) { in.Weights = make([][]WeightEntry, 2) }, "weights: 2 rows for 3 neurons"},
		{"uid", func(in *EpochInput) { in.Bonds = [][]WeightEntry{nil, {{3, 1}}, nil} }, "bonds[1][0]: uid 3 out of range (n = 3)"},
		{"dup", func(in *EpochInput) { in.Weights = [][]WeightEntry{{{1, 1}, {1, 2}}, nil, nil} }, "weights[0][1]: duplicate uid 1"},
		{"owner", func(in *EpochInput) { in.HasOwner, in.OwnerUID = true, 3 }, "owner_uid: uid 3 out of range (n = 3)"},
		{"commits", func(in *EpochInput) { in.CommitBlocks = []uint64{1} }, "commit_blocks: 1 entries for 3 neurons"},
	}
	for _, c := range cases {
		in := base()
		c.mutate(in)
		for _, run := range []func(*EpochInput) (*EpochOutput, error){Epoch, EpochDense} {
			if _, err := run(in); err == nil || err.Error() != c.want {
				t.Errorf("%s: got %v, want %q", c.name, err, c.want)
			}
		}
	}
}

// TestEpochDoesNotModifyInput guards the purity invariant.
func TestEpochDoesNotModifyInput(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 50 {
		in := randomInput(rng, 12)
		snapshot := mustJSONValue(in)
		for _, run := range []func(*EpochInput) (*EpochOutput, error){Epoch, EpochDense} {
			if _, err := run(in); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(mustJSONValue(in), snapshot) {
				t.Fatal("epoch modified its input")
			}
		}
	}
}

func mustJSONValue(in *EpochInput) EpochInput {
	c := *in
	c.Neurons = append([]Neuron(nil), in.Neurons...)
	c.Weights = make([][]WeightEntry, len(in.Weights))
	for i, r := range in.Weights {
		c.Weights[i] = append([]WeightEntry(nil), r...)
	}
	c.Bonds = make([][]WeightEntry, len(in.Bonds))
	for i, r := range in.Bonds {
		c.Bonds[i] = append([]WeightEntry(nil), r...)
	}
	return c
}

// TestWeightMaskFused checks that the one-pass weight and bond masks of Epoch equal
// upstream's step-by-step masks (mat.MaskRowsSparse, MaskDiagSparse(ExceptIndex),
// VecMaskSparseMatrix, ScalarVecMaskSparseMatrix).
func TestWeightMaskFused(t *testing.T) {
	var heap *mat.Workspace
	rng := rand.New(rand.NewPCG(4, 4))
	for range 300 {
		in := randomInput(rng, rng.IntN(12))
		n := len(in.Neurons)
		in.Params.CommitRevealEnabled = rng.IntN(2) == 0
		if rng.IntN(2) == 0 {
			in.CommitBlocks = make([]uint64, n)
			for i := range in.CommitBlocks {
				in.CommitBlocks[i] = rng.Uint64N(in.Block)
			}
		}
		b := newEpochBase(in, true)
		all := func(int, uint16) bool { return true }

		w := toSparse(nil, in.Weights, n, mat.U16ToFixed, all)
		w = heap.MaskRowsSparse(b.forbids, w)
		if in.HasOwner {
			w = heap.MaskDiagSparseExceptIndex(w, in.OwnerUID)
		} else {
			w = heap.MaskDiagSparse(w)
		}
		w = heap.VecMaskSparseMatrix(w, b.lastUpdate, b.registered, func(u, r uint64) bool { return u <= r })
		if in.Params.CommitRevealEnabled && in.CommitBlocks != nil {
			w = heap.VecMaskSparseMatrix(w, in.CommitBlocks, b.registered, func(c, r uint64) bool { return c < r })
		}
		if got := toSparse(nil, in.Weights, n, mat.U16ToFixed, b.keepWeight(in)); !slices.EqualFunc(got, w, slices.Equal[[]mat.Entry]) {
			t.Fatalf("fused weight mask differs:\n got %v\nwant %v", got, w)
		}

		bonds := heap.ScalarVecMaskSparseMatrix(toSparse(nil, in.Bonds, n, mat.U16ToFixed, all), b.lastTempo, b.registered,
			func(l, r uint64) bool { return l <= r })
		fused := toSparse(nil, in.Bonds, n, mat.U16ToFixed, func(_ int, j uint16) bool { return b.lastTempo > b.registered[j] })
		if !slices.EqualFunc(fused, bonds, slices.Equal[[]mat.Entry]) {
			t.Fatalf("fused bonds mask differs:\n got %v\nwant %v", fused, bonds)
		}
	}
}

// TestEmaAlpha is test_math_fixed_overflow: 900_000 per million gives exactly
// from_num(0.1) and 1_000_000 gives 0.
func TestEmaAlpha(t *testing.T) {
	if got := emaAlpha(900_000); got.Bits() != 429496730 {
		t.Errorf("alpha(900000) bits = %d, want 429496730", got.Bits())
	}
	if got := emaAlpha(1_000_000); !got.IsZero() {
		t.Errorf("alpha(1e6) = %v, want 0", got)
	}
	if got := emaAlpha(975_000); got != fixed.I32One.Sub(fixed.I64FromUint(975_000).SafeDiv(fixed.I64FromUint(1_000_000)).SatToI32F32()) {
		t.Errorf("alpha(975000) = %v", got)
	}
}

// TestLiquidAlphaEqualValues is test_liquid_alpha_equal_values_against_itself: with
// alpha_low == alpha_high the liquid-alpha EMA is the plain EMA with that alpha
// (within 1e-3 upstream; 3.8e-6 in fact).
func TestLiquidAlphaEqualValues(t *testing.T) {
	f := func(rows ...[]float32) mat.Dense {
		out := make(mat.Dense, len(rows))
		for i, r := range rows {
			for _, x := range r {
				out[i] = append(out[i], fixed.I32FromFloat(float64(x)))
			}
		}
		return out
	}
	w := f([]float32{0, .1, 0}, []float32{0, .2, .4}, []float32{0, .3, .1}, []float32{0, .4, .5})
	b := f([]float32{.1, .1, .5}, []float32{0, 0, .4}, []float32{.5, .1, .1}, []float32{0, .4, .2})
	c := f([]float32{.3, .2, .1, .4})[0]
	p := DefaultHyperparameters()
	p.AlphaLow, p.AlphaHigh = 6553, 6553
	p.BondsMovingAverage = 900_000
	off := computeBondsDense(&p, w, b, c)
	p.LiquidAlphaEnabled = true
	on := computeBondsDense(&p, w, b, c)
	want := [][]float64{{.09, .1, .45}, {0, .02, .4}, {.45, .12, .1}, {0, .4, .23}}
	for i := range want {
		for j := range want[i] {
			if d := math.Abs(off[i][j].Float64() - want[i][j]); d > 1e-6 {
				t.Errorf("off[%d][%d] = %v, want %v", i, j, off[i][j].Float64(), want[i][j])
			}
			if d := math.Abs(on[i][j].Float64() - off[i][j].Float64()); d > 1e-5 {
				t.Errorf("on[%d][%d] = %v, off %v", i, j, on[i][j].Float64(), off[i][j].Float64())
			}
		}
	}
}

// TestCommitRevealMask covers the commit-reveal tests of spec 5.1: a validator's weight
// on a uid registered after the validator's still-valid commit is masked; without
// commit reveal, or with the commit expired (no commit block), it counts.
func TestCommitRevealMask(t *testing.T) {
	base := func() *EpochInput {
		in := &EpochInput{Block: 100, Tempo: 360, RaoEmission: 1e9, ActivityCutoff: 5000,
			Params: DefaultHyperparameters(), Neurons: make([]Neuron, 4), Weights: make([][]WeightEntry, 4)}
		in.Neurons[0] = Neuron{Stake: 1e9, ValidatorPermit: true, LastUpdate: 99, BlockAtRegistration: 1}
		in.Neurons[1] = Neuron{LastUpdate: 1, BlockAtRegistration: 1}
		in.Neurons[2] = Neuron{LastUpdate: 60, BlockAtRegistration: 60} // registered after the commit
		in.Neurons[3] = Neuron{LastUpdate: 70, BlockAtRegistration: 70}
		in.Weights[0] = []WeightEntry{{1, 65535}, {2, 65535}, {3, 65535}}
		return in
	}
	cases := []struct {
		name    string
		enabled bool
		commits []uint64
		want    []uint16 // incentive
	}{
		{"no commit reveal", false, []uint64{50, 0, 0, 0}, []uint16{0, 21844, 21844, 21844}},
		{"expired commit", true, []uint64{math.MaxUint64, 0, 0, 0}, []uint16{0, 21844, 21844, 21844}},
		{"active commit", true, []uint64{50, 0, 0, 0}, []uint16{0, 65535, 0, 0}},
		{"commit between registrations", true, []uint64{65, 0, 0, 0}, []uint16{0, 32767, 32767, 0}},
	}
	for _, c := range cases {
		in := base()
		in.Params.CommitRevealEnabled = c.enabled
		in.CommitBlocks = c.commits
		out, err := Epoch(in)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(out.Incentive, c.want) {
			t.Errorf("%s: incentive %v, want %v", c.name, out.Incentive, c.want)
		}
	}
}

// TestTaoWeight: root TAO stake counts as TaoStake * TaoWeight/(2^64-1); TaoWeight 2^63
// is exactly one half, so 1e9 TAO weighs like 5e8 alpha.
func TestTaoWeight(t *testing.T) {
	in, err := ParseEpochInput(strings.NewReader(`{"block": 1, "tao_weight": 9223372036854775808,
		"neurons": [{"stake": 1000000000}, {"tao_stake": 1000000000}]}`))
	if err != nil {
		t.Fatal(err)
	}
	out, err := Epoch(in)
	if err != nil {
		t.Fatal(err)
	}
	in.TaoWeight = 0
	in.Neurons[1] = Neuron{Stake: 500_000_000}
	plain, err := Epoch(in)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(out.StakeWeight, []uint16{43689, 21844}) || !reflect.DeepEqual(out, plain) {
		t.Errorf("tao weighted %+v\nplain %+v", out, plain)
	}
}

// TestConcurrentEpochs runs epochs on many goroutines at once (sharing the workspace
// pool) and checks every result against a sequential run.
func TestConcurrentEpochs(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	inputs := make([]*EpochInput, 64)
	want := make([]*EpochOutput, len(inputs))
	for i := range inputs {
		inputs[i] = randomInput(rng, 1+rng.IntN(40))
		var err error
		if want[i], err = Epoch(inputs[i]); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	errs := make(chan string, len(inputs)*4)
	for g := range 4 {
		wg.Go(func() {
			for k := range inputs {
				i := (k + g*16) % len(inputs)
				got, err := Epoch(inputs[i])
				if err != nil || !reflect.DeepEqual(got, want[i]) {
					errs <- fmt.Sprintf("goroutine %d input %d differs (%v)", g, i, err)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

func TestEpochDenseLimit(t *testing.T) {
	in := &EpochInput{Neurons: make([]Neuron, MaxDenseNeurons+1)}
	if _, err := EpochDense(in); err == nil || err.Error() != "neurons: 4097 neurons, the dense epoch allows at most 4096" {
		t.Errorf("got %v", err)
	}
}

// TestLiquidAlphaLazy checks computeBondsSparse, which computes the sigmoid alpha only
// at the columns the EMA reads, against upstream's construction of the full alpha
// matrix with its forward-only walk over each row (rows here are deliberately
// unsorted, where the walk skips entries).
func TestLiquidAlphaLazy(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	var heap *mat.Workspace
	for range 300 {
		n := 1 + rng.IntN(12)
		p := DefaultHyperparameters()
		p.LiquidAlphaEnabled = true
		p.AlphaLow, p.AlphaHigh = uint16(rng.IntN(65536)), uint16(rng.IntN(65536))
		p.AlphaSigmoidSteepness = int16(rng.IntN(65536) - 32768)
		randomRows := func() mat.Sparse {
			m := make(mat.Sparse, n)
			for i := range m {
				for _, j := range rng.Perm(n)[:rng.IntN(n+1)] {
					m[i] = append(m[i], mat.Entry{Col: uint16(j), Val: fixed.I32FromBits(rng.Int64N(1 << 33))})
				}
			}
			return m
		}
		wb, bonds := randomRows(), randomRows()
		consensus := make([]fx, n)
		for j := range consensus {
			consensus[j] = fixed.I32FromBits(rng.Int64N(1 << 32))
		}
		lo, hi := mat.U16ProportionToFixed(p.AlphaLow), mat.U16ProportionToFixed(p.AlphaHigh)
		steep := fixed.I32FromInt(int64(p.AlphaSigmoidSteepness))
		walk := func(row []mat.Entry) []fx {
			out, k := make([]fx, n), 0
			for j := range n {
				for k < len(row) && int(row[k].Col) < j {
					k++
				}
				if k < len(row) && int(row[k].Col) == j {
					out[j] = row[k].Val
				}
			}
			return out
		}
		alphas := make([][]fx, n)
		for i := range alphas {
			w, b := walk(wb[i]), walk(bonds[i])
			alphas[i] = make([]fx, n)
			for j := range n {
				alphas[i][j] = mat.AlphaSigmoid(consensus[j], w[j], b[j], lo, hi, steep)
			}
		}
		want := heap.MatEmaAlphaSparse(wb, bonds, alphas)
		if got := computeBondsSparse(heap, &p, wb, bonds, consensus, n); !slices.EqualFunc(got, want, slices.Equal[[]mat.Entry]) {
			t.Fatalf("lazy liquid alpha differs:\n got %v\nwant %v", got, want)
		}
	}
}
