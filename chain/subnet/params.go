package subnet

import (
	"fmt"

	"github.com/taorun/taorun/consensus"
)

// ParamID identifies a hyperparameter in state keys; ids are never reused.
type ParamID byte

// Hyperparameter ids (spec yuma-emission.md §4).
const (
	PTempo ParamID = iota + 1
	PKappa
	PImmunityPeriod
	PMinAllowedWeights
	PMaxWeightsLimit
	PWeightsRateLimit
	PWeightsVersionKey
	PMaxAllowedUIDs
	PMaxAllowedValidators
	PActivityCutoffFactor
	PBondsMovingAverage
	PBondsPenalty
	PYuma3
	PLiquidAlpha
	PAlphaLow
	PAlphaHigh
	PCommitReveal
	PRevealPeriodEpochs
	PMinBurn
	PMaxBurn
	PBurnHalfLife
	PBurnIncreaseMilli
	PMaxRegistrationsPerBlock
	PRegistrationAllowed
	PStakeThreshold
	PServingRateLimit
	PTaoWeight
	PNetworkMinLockCost
	PNetworkRateLimit
	PKeySwapCost
	PTxRateLimit
)

// Param describes one hyperparameter: its btcli name, bounds (inclusive),
// default for a new subnet, and who may set it. Sudo may set every parameter;
// the subnet owner only those with OwnerSettable. RootOnly parameters are
// network-wide and live on the root netuid 0.
type Param struct {
	ID            ParamID
	Name          string
	Min, Max      uint64
	Default       uint64
	OwnerSettable bool
	RootOnly      bool
}

// Params is the hyperparameter table, in id order. Names are btcli's `sudo
// set` vocabulary (spec cometbft-and-bittensor-ux.md B1) where one exists;
// activity_cutoff_factor is the current per-mille-of-tempo form of
// activity_cutoff, and alpha_values is split into alpha_low / alpha_high.
// Defaults are those of a network created by subtensor's init_new_network
// (spec §4); burn_increase_mult is in thousandths (1.26 → 1260).
var Params = []Param{
	{PTempo, "tempo", 1, 50_400, 360, false, false},
	{PKappa, "kappa", 0, 65_535, consensus.DefaultKappa, false, false},
	{PImmunityPeriod, "immunity_period", 0, 65_535, 5_000, true, false},
	{PMinAllowedWeights, "min_allowed_weights", 0, 65_535, 1, true, false},
	{PMaxWeightsLimit, "max_weights_limit", 0, 65_535, 65_535, true, false},
	{PWeightsRateLimit, "weights_rate_limit", 0, 1 << 32, 100, false, false},
	{PWeightsVersionKey, "weights_version", 0, 1<<64 - 1, 0, true, false},
	{PMaxAllowedUIDs, "max_allowed_uids", 2, uint64(maxUIDsHardCap), 256, false, false},
	{PMaxAllowedValidators, "max_validators", 1, uint64(maxUIDsHardCap), 64, false, false},
	{PActivityCutoffFactor, "activity_cutoff_factor", 1_000, 50_000, consensus.DefaultActivityCutoffFactorMilli, true, false},
	{PBondsMovingAverage, "bonds_moving_avg", 0, 975_000, consensus.DefaultBondsMovingAverage, true, false},
	{PBondsPenalty, "bonds_penalty", 0, 65_535, consensus.DefaultBondsPenalty, true, false},
	{PYuma3, "yuma_version", 2, 3, 3, true, false},
	{PLiquidAlpha, "liquid_alpha_enabled", 0, 1, 0, true, false},
	{PAlphaLow, "alpha_low", 1_638, 65_535, consensus.DefaultAlphaLow, true, false},
	{PAlphaHigh, "alpha_high", 1_638, 65_535, consensus.DefaultAlphaHigh, true, false},
	{PCommitReveal, "commit_reveal_weights_enabled", 0, 1, 1, true, false},
	{PRevealPeriodEpochs, "commit_reveal_period", 1, 100, 1, true, false},
	{PMinBurn, "min_burn", 0, 100 * RaoPerTao, 500_000, true, false},
	{PMaxBurn, "max_burn", 0, 1_000 * RaoPerTao, 100 * RaoPerTao, true, false},
	{PBurnHalfLife, "burn_half_life", 1, 65_535, 360, true, false},
	{PBurnIncreaseMilli, "burn_increase_mult", 1_000, 10_000, 1_260, true, false},
	{PMaxRegistrationsPerBlock, "max_registrations_per_block", 0, 65_535, 1, false, false},
	{PRegistrationAllowed, "registration_allowed", 0, 1, 1, true, false},
	{PStakeThreshold, "stake_threshold", 0, 1<<64 - 1, 0, false, false},
	{PServingRateLimit, "serving_rate_limit", 0, 1 << 32, 50, true, false},
	{PTaoWeight, "tao_weight", 0, 1<<64 - 1, consensus.DefaultTaoWeight, false, true},
	{PNetworkMinLockCost, "network_min_lock_cost", 0, 1_000_000 * RaoPerTao, 1_000 * RaoPerTao, false, true},
	{PNetworkRateLimit, "network_rate_limit", 0, 1 << 32, 7_200, false, true},
	// The hotkey swap's cost (rao burned; 0 makes swaps free but for the
	// fee) and the blocks a coldkey waits between swaps (0: no wait); see
	// SwapHotkey. The cost is capped at 1,000 TAO so that a mistyped value
	// cannot lock every coldkey out of swapping.
	{PKeySwapCost, "key_swap_cost", 0, 1_000 * RaoPerTao, DefaultKeySwapCost, false, true},
	{PTxRateLimit, "tx_rate_limit", 0, 1 << 32, DefaultTxRateLimit, false, true},
}

// orderedPairs are (low, high) parameters that must stay low <= high.
var orderedPairs = [][2]ParamID{{PAlphaLow, PAlphaHigh}, {PMinBurn, PMaxBurn}}

var (
	paramByID   = make(map[ParamID]*Param, len(Params))
	paramByName = make(map[string]*Param, len(Params))
)

func init() {
	for i := range Params {
		p := &Params[i]
		if _, dup := paramByID[p.ID]; dup || paramByName[p.Name] != nil || p.Default < p.Min || p.Default > p.Max {
			panic(fmt.Sprintf("subnet: bad hyperparameter table entry %q", p.Name))
		}
		paramByID[p.ID], paramByName[p.Name] = p, p
	}
}

// LookupParam returns the table entry of a hyperparameter by its name.
func LookupParam(name string) (Param, bool) {
	p := paramByName[name]
	if p == nil {
		return Param{}, false
	}
	return *p, true
}

func paramKey(netuid uint16, id ParamID) []byte { return subnetKey(netuid, subParam, byte(id)) }

// param reads a hyperparameter of netuid; an absent key reads as the
// parameter's default (setParam deletes the key when the value is the default,
// so each value has exactly one representation in state).
func (s *rw) param(netuid uint16, id ParamID) uint64 {
	v, ok := s.get(paramKey(netuid, id))
	if !ok {
		return paramByID[id].Default
	}
	if len(v) != 8 {
		s.fail(fmt.Errorf("%w: parameter %d of subnet %d is %d bytes", ErrCorrupt, id, netuid, len(v)))
		return 0
	}
	return leU64(v)
}

func (s *rw) setParam(netuid uint16, id ParamID, v uint64) {
	if v == paramByID[id].Default {
		s.o.Delete(paramKey(netuid, id))
		return
	}
	s.o.Set(paramKey(netuid, id), leBytes(v))
}

// epochParams builds the consensus hyperparameters of netuid.
func (s *rw) epochParams(netuid uint16) consensus.Hyperparameters {
	p := consensus.DefaultHyperparameters()
	p.Kappa = uint16(s.param(netuid, PKappa))
	p.BondsPenalty = uint16(s.param(netuid, PBondsPenalty))
	p.BondsMovingAverage = s.param(netuid, PBondsMovingAverage)
	p.Yuma3Enabled = s.param(netuid, PYuma3) == 3
	p.LiquidAlphaEnabled = s.param(netuid, PLiquidAlpha) == 1
	p.AlphaLow = uint16(s.param(netuid, PAlphaLow))
	p.AlphaHigh = uint16(s.param(netuid, PAlphaHigh))
	p.MaxAllowedValidators = uint16(s.param(netuid, PMaxAllowedValidators))
	p.StakeThreshold = s.param(netuid, PStakeThreshold)
	p.CommitRevealEnabled = s.param(netuid, PCommitReveal) == 1
	return p
}
