package consensus

import (
	"fmt"
	"math"
)

// Neuron is the per-uid state the epoch reads.
type Neuron struct {
	// Stake is the uid's alpha stake on the subnet (alpha-rao), after child/parent
	// redistribution. Callers that already combined alpha and TAO pass the total here.
	Stake uint64
	// TaoStake is the uid's root TAO stake (rao); it counts as TaoStake*TaoWeight.
	TaoStake uint64
	// LastUpdate is the block of the uid's last weights update.
	LastUpdate uint64
	// BlockAtRegistration is the block the uid's current hotkey registered.
	BlockAtRegistration uint64
	// ValidatorPermit is the permit stored by the previous epoch.
	ValidatorPermit bool
}

// WeightEntry is one stored weight or bond: the target uid and a u16 value.
type WeightEntry struct{ UID, Value uint16 }

// EpochInput is everything one epoch of one subnet (mechanism) reads.
type EpochInput struct {
	// Block is the current block.
	Block uint64
	// Tempo is the subnet tempo in blocks.
	Tempo uint16
	// RaoEmission is the emission (alpha-rao) this epoch distributes.
	RaoEmission uint64
	// ActivityCutoff is in blocks (see ActivityCutoff); a uid whose last update is older
	// is inactive.
	ActivityCutoff uint64
	// LastMechanismStepBlock is the block of the subnet's last epoch, 0 if none recorded.
	LastMechanismStepBlock uint64
	// HasOwner says whether the subnet owner's hotkey holds uid OwnerUID.
	HasOwner bool
	// OwnerUID is the owner's uid (when HasOwner).
	OwnerUID uint16
	// TaoWeight is the TaoWeight storage value: TAO stake counts as TaoWeight/(2^64-1).
	TaoWeight uint64
	// Params are the subnet hyperparameters.
	Params Hyperparameters
	// Neurons is the per-uid state; uids are 0..len(Neurons)-1.
	Neurons []Neuron
	// Weights holds each uid's stored weight row (nil, or one row per neuron).
	Weights [][]WeightEntry
	// Bonds holds each uid's stored bonds row (nil, or one row per neuron).
	Bonds [][]WeightEntry
	// CommitBlocks holds, per uid, the block of its earliest still-valid weights commit
	// (math.MaxUint64 for none); nil means no commits. Used when
	// Params.CommitRevealEnabled.
	CommitBlocks []uint64
}

// EpochOutput is the result of one epoch, every vector indexed by uid.
type EpochOutput struct {
	// StakeWeight (normalised stake), Consensus, Incentive, Dividends and ValidatorTrust
	// are u16 proportions (65535 = 1.0).
	StakeWeight, Consensus, Incentive, Dividends, ValidatorTrust []uint16
	// Emission is the combined emission; ServerEmission and ValidatorEmission its miner and
	// validator parts (alpha-rao).
	Emission, ServerEmission, ValidatorEmission []uint64
	// Active marks uids that updated within the activity cutoff.
	Active []bool
	// ValidatorPermit is the new permit vector, effective from the next epoch.
	ValidatorPermit []bool
	// Bonds are the bonds rows as they are stored after the epoch.
	Bonds [][]WeightEntry
}

// MaxNeurons is the largest subnet size: uids are u16.
const MaxNeurons = math.MaxUint16

// Validate checks the shape of the input: at most MaxNeurons neurons, weight, bond and
// commit-block vectors either nil or of length n (an empty non-nil vector is refused
// when n > 0), uids below n and unique within a row, and an owner uid below n. Errors
// name the offending field.
func (in *EpochInput) Validate() error {
	n := len(in.Neurons)
	if n > MaxNeurons {
		return fmt.Errorf("neurons: %d neurons, at most %d allowed", n, MaxNeurons)
	}
	if in.HasOwner && int(in.OwnerUID) >= n {
		return fmt.Errorf("owner_uid: uid %d out of range (n = %d)", in.OwnerUID, n)
	}
	if err := validateRows("weights", in.Weights, n); err != nil {
		return err
	}
	if err := validateRows("bonds", in.Bonds, n); err != nil {
		return err
	}
	if in.CommitBlocks != nil && len(in.CommitBlocks) != n {
		return fmt.Errorf("commit_blocks: %d entries for %d neurons", len(in.CommitBlocks), n)
	}
	return nil
}

func validateRows(name string, rows [][]WeightEntry, n int) error {
	if rows == nil {
		return nil
	}
	if len(rows) != n {
		return fmt.Errorf("%s: %d rows for %d neurons", name, len(rows), n)
	}
	seen := make([]int, n) // seen[j] = 1 + the row that last used uid j
	for i, row := range rows {
		for k, e := range row {
			if int(e.UID) >= n {
				return fmt.Errorf("%s[%d][%d]: uid %d out of range (n = %d)", name, i, k, e.UID, n)
			}
			if seen[e.UID] == i+1 {
				return fmt.Errorf("%s[%d][%d]: duplicate uid %d", name, i, k, e.UID)
			}
			seen[e.UID] = i + 1
		}
	}
	return nil
}
