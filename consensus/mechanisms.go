package consensus

import (
	"fmt"
	"math/bits"

	"github.com/taorun/taorun/consensus/fixed"
)

// MaxMechanisms is the hard cap on mechanisms per subnet.
const MaxMechanisms = 16

// Mechanism is the state one mechanism (sub-subnet) keeps apart from the others: its
// own weights, bonds, last-update blocks and weight commits.
type Mechanism struct {
	// LastUpdate is the per-uid block of the last weights update (missing uids read 0).
	LastUpdate []uint64
	// Weights and Bonds are the stored rows, as in EpochInput.
	Weights, Bonds [][]WeightEntry
	// CommitBlocks is as EpochInput.CommitBlocks.
	CommitBlocks []uint64
}

// MechanismsInput is one subnet epoch over several mechanisms.
type MechanismsInput struct {
	// Subnet is the state shared by all mechanisms; RaoEmission is the total to split.
	// Its Weights, Bonds, CommitBlocks and Neurons[i].LastUpdate are ignored: each
	// mechanism supplies its own.
	Subnet EpochInput
	// Mechanisms lists the mechanisms in order; mechanism 0 first (1..MaxMechanisms).
	Mechanisms []Mechanism
	// Split is the emission split (u16 shares summing to 65535, at most one per
	// mechanism; missing shares are 0); nil splits evenly.
	Split []uint16
}

// MechanismsOutput is the result of EpochWithMechanisms.
type MechanismsOutput struct {
	// Emission is each mechanism's part of the emission.
	Emission []uint64
	// PerMechanism holds each mechanism's epoch output (its Incentive and Bonds are
	// what is stored per mechanism).
	PerMechanism []*EpochOutput
	// Subnet aggregates the mechanisms per uid as subnet storage holds them: server and
	// validator emission summed; stake weight, consensus, dividends, validator trust and
	// emission as the emission-weighted sum floored after each mechanism; active and
	// validator permit OR-ed. Its Incentive and Bonds are nil (they are per mechanism).
	Subnet *EpochOutput
}

// SplitEmission splits an emission over count mechanisms (spec 2.12): by split shares
// (floor(emission*s/65535)) or evenly, with the rounding remainder credited to
// mechanism 0. The shares must sum to at most 65535, as EpochWithMechanisms checks;
// otherwise the parts sum to more than emission. Consensus-critical.
func SplitEmission(emission uint64, count int, split []uint16) []uint64 {
	parts := make([]uint64, count)
	for m := range parts {
		switch {
		case split == nil:
			parts[m] = emission / uint64(count)
		case m < len(split):
			hi, lo := bits.Mul64(emission, uint64(split[m]))
			parts[m], _ = bits.Div64(hi, lo, 65535)
		}
	}
	var sum uint64
	for _, p := range parts {
		sum += p // cannot overflow: the shares sum to at most 65535/65535
	}
	if count > 0 {
		parts[0] += satSub(emission, sum)
	}
	return parts
}

// EpochWithMechanisms runs the sparse epoch once per mechanism on its part of the
// emission and aggregates the results per uid (subtensor's epoch_with_mechanisms).
// Consensus-critical.
func EpochWithMechanisms(in *MechanismsInput) (*MechanismsOutput, error) {
	count := len(in.Mechanisms)
	if count < 1 || count > MaxMechanisms {
		return nil, fmt.Errorf("mechanisms: %d mechanisms, want 1 to %d", count, MaxMechanisms)
	}
	if in.Split != nil {
		if len(in.Split) == 0 || len(in.Split) > count {
			return nil, fmt.Errorf("split: %d shares for %d mechanisms", len(in.Split), count)
		}
		var total uint64
		for _, s := range in.Split {
			total += uint64(s)
		}
		if total != 65535 {
			return nil, fmt.Errorf("split: shares sum to %d, want 65535", total)
		}
	}
	n := len(in.Subnet.Neurons)
	total := in.Subnet.RaoEmission
	parts := SplitEmission(total, count, in.Split)
	out := &MechanismsOutput{Emission: parts, PerMechanism: make([]*EpochOutput, count)}
	agg := &EpochOutput{
		StakeWeight: make([]uint16, n), Consensus: make([]uint16, n), Dividends: make([]uint16, n),
		ValidatorTrust: make([]uint16, n), Emission: make([]uint64, n),
		ServerEmission: make([]uint64, n), ValidatorEmission: make([]uint64, n),
		Active: make([]bool, n), ValidatorPermit: make([]bool, n),
	}
	for m, mech := range in.Mechanisms {
		sub := in.Subnet
		sub.RaoEmission = parts[m]
		sub.Weights, sub.Bonds, sub.CommitBlocks = mech.Weights, mech.Bonds, mech.CommitBlocks
		sub.Neurons = make([]Neuron, n)
		copy(sub.Neurons, in.Subnet.Neurons)
		for i := range sub.Neurons {
			sub.Neurons[i].LastUpdate = 0
			if i < len(mech.LastUpdate) {
				sub.Neurons[i].LastUpdate = mech.LastUpdate[i]
			}
		}
		res, err := Epoch(&sub)
		if err != nil {
			return nil, fmt.Errorf("mechanisms[%d].%w", m, err)
		}
		out.PerMechanism[m] = res

		// Weight of this mechanism: its share of the emission (mechanism 0 takes all of a
		// zero emission).
		dflt := fixed.U64Zero
		if m == 0 {
			dflt = fixed.U64One
		}
		weight := fixed.U64FromUint(parts[m]).SafeDivOr(fixed.U64FromUint(total), dflt)
		acc := func(existing, added uint64) fixed.U64F64 {
			return fixed.U64FromUint(existing).SatAdd(fixed.U64FromUint(added).SatMul(weight))
		}
		for i := range n {
			agg.ServerEmission[i] = satAdd(agg.ServerEmission[i], res.ServerEmission[i])
			agg.ValidatorEmission[i] = satAdd(agg.ValidatorEmission[i], res.ValidatorEmission[i])
			agg.StakeWeight[i] = acc(uint64(agg.StakeWeight[i]), uint64(res.StakeWeight[i])).SatToU16()
			agg.Consensus[i] = acc(uint64(agg.Consensus[i]), uint64(res.Consensus[i])).SatToU16()
			agg.Dividends[i] = acc(uint64(agg.Dividends[i]), uint64(res.Dividends[i])).SatToU16()
			agg.ValidatorTrust[i] = acc(uint64(agg.ValidatorTrust[i]), uint64(res.ValidatorTrust[i])).SatToU16()
			agg.Emission[i] = acc(agg.Emission[i], res.Emission[i]).SatToU64()
			agg.Active[i] = agg.Active[i] || res.Active[i]
			agg.ValidatorPermit[i] = agg.ValidatorPermit[i] || res.ValidatorPermit[i]
		}
	}
	out.Subnet = agg
	return out, nil
}
