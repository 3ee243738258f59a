package tao

import (
	"math"
	"math/bits"
	"sort"
)

// Fixed-point helpers. Consensus-facing outputs (scores, weights, emission
// splits) are integers; these helpers do the common arithmetic in 128-bit
// intermediates so authors need no floats and get the same result in every
// language and engine.

// Ratio returns num/den as a score, floor(num*ScoreOne/den), saturating at
// the largest uint64. A zero den gives 0.
func Ratio(num, den uint64) uint64 { return mulDiv(num, ScoreOne, den) }

// MulScore multiplies two scores: floor(a*b/ScoreOne), saturating.
func MulScore(a, b uint64) uint64 { return mulDiv(a, b, ScoreOne) }

// mulDiv returns floor(a*b/d) computed in 128 bits, saturating at MaxUint64,
// and 0 when d is 0.
func mulDiv(a, b, d uint64) uint64 {
	if d == 0 {
		return 0
	}
	hi, lo := bits.Mul64(a, b)
	if hi >= d {
		return math.MaxUint64
	}
	q, _ := bits.Div64(hi, lo, d)
	return q
}

// ScoresToWeights turns scores into weights the way subtensor stores them:
// the highest score maps to U16One and the others proportionally (rounded
// down). UIDs whose weight rounds to 0 are left out; if every score is 0 the
// result is empty. The order of scores is kept, so ascending input gives
// ascending output.
func ScoresToWeights(scores []Score) []WeightEntry {
	var top uint64
	for _, s := range scores {
		top = max(top, s.Value)
	}
	if top == 0 {
		return nil
	}
	out := make([]WeightEntry, 0, len(scores))
	for _, s := range scores {
		if w := mulDiv(s.Value, uint64(U16One), top); w > 0 {
			out = append(out, WeightEntry{UID: s.UID, Value: uint16(w)})
		}
	}
	return out
}

// SplitProportional splits total into len(shares) amounts proportional to
// shares, conserving the total exactly: each amount is first rounded down,
// then the few units left over go one each to the largest fractional parts
// (ties to the lower index). It returns false, and no split, when every share
// is 0 or the shares' sum overflows a uint64. on_epoch hooks use it to
// re-split emission without breaking the chain's conservation check.
func SplitProportional(total uint64, shares []uint64) ([]uint64, bool) {
	var sum, carry uint64
	for _, s := range shares {
		sum, carry = bits.Add64(sum, s, 0)
		if carry != 0 {
			return nil, false
		}
	}
	if sum == 0 {
		return nil, false
	}
	out := make([]uint64, len(shares))
	rem := make([]uint64, len(shares)) // (total*share) mod sum, the fractional part scaled by sum
	var given uint64
	for i, s := range shares {
		hi, lo := bits.Mul64(total, s)
		out[i], rem[i] = bits.Div64(hi, lo, sum) // quotient ≤ total since s ≤ sum
		given += out[i]
	}
	order := make([]int, len(shares))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return rem[order[a]] > rem[order[b]] })
	for k := uint64(0); k < total-given; k++ { // total-given < len(shares)
		out[order[k]]++
	}
	return out, true
}
