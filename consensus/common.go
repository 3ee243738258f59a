package consensus

import (
	"math"
	"slices"

	"github.com/taorun/taorun/consensus/fixed"
	"github.com/taorun/taorun/consensus/internal/mat"
)

type fx = fixed.I32F32

// epochBase holds what the sparse and dense epochs compute identically (except for the
// owner, which only the sparse epoch honours): activity, stake, permits, active stake.
type epochBase struct {
	n            int
	lastUpdate   []uint64
	registered   []uint64
	active       []bool
	inactive     []bool
	stake        []fx // normalised filtered stake
	permits      []bool
	forbids      []bool
	newPermits   []bool
	activeStake  []fx
	lastTempo    uint64
	owner        int // -1 without an owner (or in the dense epoch)
	kappa, bonds fx  // kappa and bonds penalty as proportions
}

// newEpochBase computes sections 2.2 to 2.5 of the spec. withOwner selects the sparse
// epoch's owner exemptions (stake threshold, permits).
func newEpochBase(in *EpochInput, withOwner bool) *epochBase {
	n := len(in.Neurons)
	b := &epochBase{n: n, owner: -1,
		lastUpdate: make([]uint64, n), registered: make([]uint64, n),
		active: make([]bool, n), inactive: make([]bool, n),
		permits: make([]bool, n), forbids: make([]bool, n),
	}
	if withOwner && in.HasOwner {
		b.owner = int(in.OwnerUID)
	}
	for i, nr := range in.Neurons {
		b.lastUpdate[i] = nr.LastUpdate
		b.registered[i] = nr.BlockAtRegistration
		b.inactive[i] = satAdd(nr.LastUpdate, in.ActivityCutoff) < in.Block
		b.active[i] = !b.inactive[i]
		b.permits[i] = nr.ValidatorPermit || i == b.owner
		b.forbids[i] = !b.permits[i]
	}

	// Stake: alpha + tao*tao_weight in I64F64, thresholded, normalised, floored to I32F32.
	taoWeight := fixed.U96FromUint(in.TaoWeight).SafeDiv(fixed.U96FromUint(math.MaxUint64)).SatToI64F64()
	total := make([]fixed.I64F64, n)
	for i, nr := range in.Neurons {
		t := fixed.I64FromUint(nr.Stake)
		if nr.TaoStake != 0 { // adding 0 * weight changes nothing
			t = t.SatAdd(fixed.I64FromUint(nr.TaoStake).SatMul(taoWeight))
		}
		if i != b.owner && t.SatToU64() < in.Params.StakeThreshold {
			t = fixed.I64Zero
		}
		total[i] = t
	}
	mat.InplaceNormalize64(total)
	b.stake = make([]fx, n)
	for i, t := range total {
		b.stake[i] = t.SatToI32F32()
	}

	b.newPermits = mat.IsTopkNonzero(b.stake, int(in.Params.MaxAllowedValidators))
	if b.owner >= 0 {
		b.newPermits[b.owner] = true
	}

	b.activeStake = append([]fx(nil), b.stake...)
	mat.InplaceMaskVector(b.inactive, b.activeStake)
	mat.InplaceMaskVector(b.forbids, b.activeStake)
	mat.InplaceNormalize(b.activeStake)

	if in.LastMechanismStepBlock == 0 {
		b.lastTempo = satSub(in.Block, uint64(in.Tempo))
	} else {
		b.lastTempo = satAdd(in.LastMechanismStepBlock, 1)
	}
	b.kappa = mat.U16ProportionToFixed(in.Params.Kappa)
	b.bonds = mat.U16ProportionToFixed(in.Params.BondsPenalty)
	return b
}

// emaAlpha is the plain bonds EMA coefficient 1 - BondsMovingAverage/1e6.
func emaAlpha(bondsMovingAverage uint64) fx {
	ma := fixed.I64FromUint(bondsMovingAverage).SafeDiv(fixed.I64FromUint(1_000_000))
	return fixed.I32One.SatSub(ma.SatToI32F32())
}

// liquidAlpha returns the sigmoid bounds and steepness of the Yuma 3 per-cell bonds
// alphas, and whether they apply: liquid alpha is enabled and some consensus is
// non-zero (else the bonds EMA uses the plain emaAlpha).
func liquidAlpha(p *Hyperparameters, consensus []fx) (lo, hi, steep fx, ok bool) {
	if !p.LiquidAlphaEnabled || !slices.ContainsFunc(consensus, func(c fx) bool { return !c.IsZero() }) {
		return lo, hi, steep, false
	}
	lo = mat.U16ProportionToFixed(p.AlphaLow)
	hi = mat.U16ProportionToFixed(p.AlphaHigh)
	steep = fixed.I32FromInt(int64(p.AlphaSigmoidSteepness))
	return lo, hi, steep, true
}

// finish computes the emission split (spec 2.11) and fills the per-uid outputs other
// than the bonds.
func (b *epochBase) finish(in *EpochInput, consensus, incentive, dividends, trust []fx) *EpochOutput {
	n := b.n
	combined := make([]fx, n)
	for i := range combined {
		combined[i] = at(incentive, i).SatAdd(at(dividends, i))
	}
	esum := mat.Sum(combined)
	nSE := append([]fx(nil), incentive...)
	nVE := append([]fx(nil), dividends...)
	mat.InplaceNormalizeUsingSum(nSE, esum)
	mat.InplaceNormalizeUsingSum(nVE, esum)
	nCE := combined
	mat.InplaceNormalize(nCE)
	if esum.IsZero() {
		// No usable weights: pay validators by stake.
		src := b.activeStake
		if mat.IsZero(b.activeStake) {
			src = b.stake
		}
		nVE, nCE = src, src
	}

	rao := fixed.I96FromUint(in.RaoEmission)
	toRao := func(v []fx) []uint64 {
		out := make([]uint64, n)
		for i := range out {
			if x := at(v, i); !x.IsZero() { // 0 * rao is 0; skip the 128-bit product
				out[i] = x.ToI96F32().SatMul(rao).SatToU64()
			}
		}
		return out
	}
	return &EpochOutput{
		StakeWeight:       toU16(b.stake, n),
		Consensus:         toU16(consensus, n),
		Incentive:         toU16(incentive, n),
		Dividends:         toU16(dividends, n),
		ValidatorTrust:    toU16(trust, n),
		Emission:          toRao(nCE),
		ServerEmission:    toRao(nSE),
		ValidatorEmission: toRao(nVE),
		Active:            b.active,
		ValidatorPermit:   b.newPermits,
	}
}

// toU16 converts proportions to u16, padding to n with zeros (upstream's vectors are
// shorter only when n is 0).
func toU16(v []fx, n int) []uint16 {
	out := make([]uint16, n)
	for i := range out {
		out[i] = mat.FixedProportionToU16(at(v, i))
	}
	return out
}

func at(v []fx, i int) fx {
	if i < len(v) {
		return v[i]
	}
	return fixed.I32Zero
}

func satAdd(a, b uint64) uint64 {
	if s := a + b; s >= a {
		return s
	}
	return math.MaxUint64
}

func satSub(a, b uint64) uint64 {
	if a < b {
		return 0
	}
	return a - b
}

// bondsEntries converts an I32F32 sparse row to stored u16 proportions.
func bondsEntries(row []mat.Entry) []WeightEntry {
	out := make([]WeightEntry, len(row))
	for k, e := range row {
		out[k] = WeightEntry{e.Col, mat.FixedProportionToU16(e.Val)}
	}
	return out
}
