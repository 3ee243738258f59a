package consensus

import "math/bits"

// Hyperparameters are the subnet hyperparameters the epoch reads.
type Hyperparameters struct {
	// Kappa is the consensus majority as a u16 proportion (32767 ≈ 0.5).
	Kappa uint16
	// BondsPenalty is how much bonds follow clipped rather than raw weights (u16 proportion).
	BondsPenalty uint16
	// BondsMovingAverage is per million; the bonds EMA coefficient is 1 - value/1e6.
	BondsMovingAverage uint64
	// Yuma3Enabled selects Yuma 3 bonds and dividends instead of the original Yuma.
	Yuma3Enabled bool
	// LiquidAlphaEnabled makes Yuma 3 use a per-cell sigmoid EMA coefficient.
	LiquidAlphaEnabled bool
	// AlphaLow and AlphaHigh bound the liquid alpha (u16 proportions).
	AlphaLow, AlphaHigh uint16
	// AlphaSigmoidSteepness is the liquid-alpha sigmoid steepness (divided by -100 inside).
	AlphaSigmoidSteepness int16
	// MaxAllowedValidators is how many of the top stakers get a validator permit.
	MaxAllowedValidators uint16
	// StakeThreshold is the minimum total stake (rao) for stake to count at all.
	StakeThreshold uint64
	// CommitRevealEnabled turns on the commit-reveal weights mask (EpochInput.CommitBlocks).
	CommitRevealEnabled bool
}

// Defaults of subtensor's runtime and pallet storage (spec section 4). Networks created
// by subtensor's init_new_network differ: Yuma3 on and 64 validators.
const (
	DefaultKappa                 = 32767
	DefaultBondsPenalty          = 65535
	DefaultBondsMovingAverage    = 900_000
	DefaultAlphaLow              = 45875
	DefaultAlphaHigh             = 58982
	DefaultAlphaSigmoidSteepness = 1000
	DefaultMaxAllowedValidators  = 128
	// DefaultTaoWeight is the TaoWeight storage value (a fraction of u64::MAX, ≈ 0.0527).
	DefaultTaoWeight = 971_718_665_099_567_868
	// DefaultActivityCutoffFactorMilli is the activity cutoff in thousandths of a tempo.
	DefaultActivityCutoffFactorMilli = 13_889
)

// DefaultHyperparameters returns subtensor's defaults (see the constants above).
func DefaultHyperparameters() Hyperparameters {
	return Hyperparameters{
		Kappa:                 DefaultKappa,
		BondsPenalty:          DefaultBondsPenalty,
		BondsMovingAverage:    DefaultBondsMovingAverage,
		AlphaLow:              DefaultAlphaLow,
		AlphaHigh:             DefaultAlphaHigh,
		AlphaSigmoidSteepness: DefaultAlphaSigmoidSteepness,
		MaxAllowedValidators:  DefaultMaxAllowedValidators,
		CommitRevealEnabled:   true,
	}
}

// ActivityCutoff returns the activity cutoff in blocks for a tempo and a cutoff factor
// in thousandths of a tempo: max(1, factorMilli*tempo/1000). Consensus-critical.
func ActivityCutoff(factorMilli uint64, tempo uint16) uint64 {
	hi, lo := bits.Mul64(factorMilli, uint64(tempo))
	var c uint64
	if hi != 0 {
		c = ^uint64(0) // saturate (only for absurd factors)
	} else {
		c = lo / 1000
	}
	return max(1, c)
}
