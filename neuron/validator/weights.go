package validator

import (
	"errors"
	"fmt"
	"slices"
)

// U16One is the weight value meaning 1.0 (subtensor's u16 scale).
const U16One = 65535

// Weights is a weight vector as submitted: UIDs strictly ascending, values on
// the u16 scale.
type Weights struct {
	UIDs   []uint16
	Values []uint16
}

// ErrNoWeights is wrapped when there is nothing meaningful to submit.
var ErrNoWeights = errors.New("no weights to set")

// ComputeWeights turns EMA scores (uid → value, ScoreOne scale) into the
// u16 weights to submit, the way the subnet template's
// process_weights_for_netuid and convert_weights_and_uids_for_emit do, with
// integers only:
//
//  1. Only UIDs below n with a non-zero score take part; none at all is
//     ErrNoWeights.
//  2. Max weight limit (maxLimit, a fraction of U16One): the largest scores
//     are clipped to a common cap c, the largest integer with
//     c·65535 ≤ maxLimit·Σ min(vᵢ, c) (water-filling, the template's
//     normalize_max_weight). When even equal weights over the non-zero UIDs
//     exceed the limit (count·maxLimit < 65535) it is ErrNoWeights: the
//     chain would reject any vector.
//  3. u16 scaling: the cap maps to 65535 and every other value v to
//     ⌈v·65535/c⌉. Rounding up never raises the largest share, so the vector
//     passes the chain's check (MaxUpscale, then max·65535/Σ ≤ maxLimit),
//     which ComputeWeights re-runs before returning.
//  4. Min allowed weights: when fewer than min(minAllowed, n) UIDs take
//     part, the vector is padded with explicit zero weights, first for the
//     UIDs in scores whose score is zero (miners that were tried and
//     failed), then for the lowest other UIDs, never self (the validator's
//     own UID; pass -1 for none). The template pads with tiny weights;
//     explicit zeros meet the chain's count without giving emission to
//     anyone unscored. If even that cannot reach the minimum it is
//     ErrNoWeights.
func ComputeWeights(scores map[uint16]uint64, n uint16, self int, minAllowed, maxLimit uint16) (Weights, error) {
	type kv struct {
		uid uint16
		v   uint64
	}
	var items []kv
	for uid, v := range scores {
		if uid < n && v > 0 && int(uid) != self {
			items = append(items, kv{uid, v})
		}
	}
	if len(items) == 0 {
		return Weights{}, fmt.Errorf("%w: no UID has a non-zero score", ErrNoWeights)
	}
	// Descending by value, then ascending UID: deterministic.
	slices.SortFunc(items, func(a, b kv) int {
		if a.v != b.v {
			if a.v > b.v {
				return -1
			}
			return 1
		}
		return int(a.uid) - int(b.uid)
	})
	m := uint64(len(items))
	L := uint64(maxLimit)
	if L*m < U16One {
		return Weights{}, fmt.Errorf("%w: %d scored UIDs cannot respect the max weight limit %d/65535", ErrNoWeights, m, L)
	}
	var total uint64
	for _, it := range items {
		total += it.v
	}
	c := items[0].v
	if c*U16One > L*total {
		// Clip the top k to c_k = ⌊L·R_k / (65535 − L·k)⌋, R_k the sum of the
		// rest; the first k whose cap is at least the next value works.
		rest := total
		found := false
		for k := uint64(1); k < m; k++ {
			rest -= items[k-1].v
			den := int64(U16One) - int64(L*k)
			if den <= 0 {
				c, found = items[k].v, true
				break
			}
			ck := L * rest / uint64(den)
			if ck >= items[k].v {
				c, found = min(ck, items[k-1].v), true
				break
			}
		}
		if !found || c == 0 {
			return Weights{}, fmt.Errorf("%w: no cap satisfies the max weight limit %d/65535", ErrNoWeights, L)
		}
	}
	out := make(map[uint16]uint16, len(items))
	for _, it := range items {
		w := min(it.v, c)
		out[it.uid] = uint16((w*U16One + c - 1) / c)
	}
	need := min(uint64(minAllowed), uint64(n))
	var zeros []uint16
	for uid, v := range scores {
		if uid < n && v == 0 && int(uid) != self {
			zeros = append(zeros, uid)
		}
	}
	slices.Sort(zeros)
	for _, uid := range zeros {
		if uint64(len(out)) >= need {
			break
		}
		out[uid] = 0
	}
	for uid := uint16(0); uint64(len(out)) < need && uid < n; uid++ {
		if _, ok := out[uid]; !ok && int(uid) != self {
			out[uid] = 0
		}
	}
	if uint64(len(out)) < need {
		return Weights{}, fmt.Errorf("%w: %d UIDs besides its own cannot meet min allowed weights %d", ErrNoWeights, len(out), need)
	}
	var w Weights
	for uid := range out {
		w.UIDs = append(w.UIDs, uid)
	}
	slices.Sort(w.UIDs)
	for _, uid := range w.UIDs {
		w.Values = append(w.Values, out[uid])
	}
	if err := checkMaxLimit(w.Values, maxLimit); err != nil {
		return Weights{}, err
	}
	return w, nil
}

// checkMaxLimit is the chain's max-weight-limit check (chain/subnet's
// setWeights): values max-upscaled to 65535 (round half up), then
// max·65535/Σ must not exceed limit; a limit of 65535 disables it.
func checkMaxLimit(values []uint16, limit uint16) error {
	if limit == U16One {
		return nil
	}
	var mx uint64
	for _, v := range values {
		mx = max(mx, uint64(v))
	}
	if mx == 0 {
		return nil
	}
	var sum, top uint64
	for _, v := range values {
		u := (uint64(v)*U16One*2 + mx) / (2 * mx)
		sum, top = sum+u, max(top, u)
	}
	if share := top * U16One / sum; share > uint64(limit) {
		return fmt.Errorf("validator: computed weights break the max weight limit (%d > %d): a bug", share, limit)
	}
	return nil
}
