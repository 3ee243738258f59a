package chain

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"unicode/utf8"

	"github.com/taorun/taorun/abi/wire"
	"github.com/taorun/taorun/chain/block"
	"github.com/taorun/taorun/chain/modules"
	"github.com/taorun/taorun/chain/state"
	"github.com/taorun/taorun/chain/subnet"
	"github.com/taorun/taorun/plugins/registry"
)

// ErrNodeFault marks an error of a subnet module hook that is the node's
// fault (storage, a stored module that no longer loads), not the module's or
// the sender's: a call handler returning it aborts the block instead of
// failing the tx.
var ErrNodeFault = errors.New("node fault")

// Block events of the module hooks.
const (
	// EventModuleEpochFallback: a subnet module's on_epoch failed (trap, out
	// of gas, guest error, invalid output, a resplit that breaks
	// conservation, the block's on_epoch budget spent) and Yuma's split was
	// paid. Attributes: netuid, reason (the deterministic reason text,
	// at most maxReason bytes), gas.
	EventModuleEpochFallback = "module_epoch_fallback"
	// EventModuleEpochResplit: a subnet module's on_epoch resplit the miner
	// emission. Attributes: netuid, gas.
	EventModuleEpochResplit = "module_epoch_resplit"
)

// maxReason bounds a module's reason as the chain records it (the reason
// attribute of EventModuleEpochFallback, the error text of a refused
// transaction): longer texts are cut at a UTF-8 boundary.
const maxReason = 256

// boundReason cuts s to at most maxReason bytes, at a UTF-8 boundary.
func boundReason(s string) string {
	if len(s) <= maxReason {
		return s
	}
	s = s[:maxReason]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

// NewModuleHooks returns the module hook runner of a chain over reg, with
// ModuleMetagraph as its metagraph provider: what Options.Modules expects.
func NewModuleHooks(reg *registry.Registry) *modules.Hooks {
	return &modules.Hooks{Registry: reg, Metagraph: ModuleMetagraph}
}

// ModuleMetagraph is the chain's modules.MetagraphFunc: subnet netuid's
// metagraph at height from r (subnet.Metagraph). Rank and Trust are 0: the
// chain's epoch does not store them. Consensus-critical.
func ModuleMetagraph(r state.Reader, netuid uint16, height uint64) (wire.Metagraph, error) {
	rows, err := subnet.Metagraph(r, netuid)
	if err != nil {
		return wire.Metagraph{}, err
	}
	mg := wire.Metagraph{Netuid: netuid, Block: height, Neurons: make([]wire.Neuron, len(rows))}
	for i, e := range rows {
		mg.Neurons[i] = wire.Neuron{UID: e.UID, Hotkey: e.Hotkey, Coldkey: e.Coldkey, Stake: e.Stake,
			Consensus: e.Consensus, Incentive: e.Incentive, Dividends: e.Dividends, Emission: e.Emission,
			Active: e.Active, ValidatorPermit: e.ValidatorPermit, LastUpdate: e.LastUpdate, RegisteredAt: e.BlockAtRegistration}
	}
	return mg, nil
}

// blockModules implements subnet.ModuleHooks over modules.Hooks for one
// block: the block's BlockInfo (height, time, and as Hash the parent block's
// hash, the newest hash every node knows before executing the block), one
// on_epoch budget for the whole block, and the block's event sink for the
// on_epoch outcomes. Hooks run with context.Background(): nothing may cancel
// a consensus computation halfway.
type blockModules struct {
	hooks  *modules.Hooks
	info   wire.BlockInfo
	budget *modules.EpochBudget
	emit   func(typ string, attrs ...block.Attr)
}

var _ subnet.ModuleHooks = (*blockModules)(nil)

// newBlockModules returns bc's module hooks, or nil (no hooks at all) when
// the chain has no module runner.
func (c *Chain) newBlockModules(bc *BlockContext) *blockModules {
	if c.modules == nil {
		return nil
	}
	return &blockModules{hooks: c.modules, budget: modules.NewEpochBudget(), emit: bc.Emit,
		info: wire.BlockInfo{Height: bc.Height, TimeMillis: uint64(max(bc.Time, 0)), Hash: bc.ParentHash}}
}

// subnetHooks returns m as subnet.ModuleHooks, a nil interface when m is nil.
func (m *blockModules) subnetHooks() subnet.ModuleHooks {
	if m == nil {
		return nil
	}
	return m
}

func fault(entry string, err error) error {
	return fmt.Errorf("%w: %s: %w", ErrNodeFault, entry, err)
}

// ValidateWeights implements subnet.ModuleHooks: the weights go to the
// module sorted by uid; Reject (also a failed hook) rejects with the reason,
// Adjust returns the module's weights; the fee is modules.HookFee of the gas.
func (m *blockModules) ValidateWeights(o *state.Overlay, c subnet.WeightsCall) (subnet.WeightsVerdict, error) {
	in := wire.ValidateWeightsInput{Netuid: c.Netuid, Block: c.Height, CallerUID: c.CallerUID, CallerHotkey: c.CallerHotkey,
		VersionKey: c.VersionKey, SubnetN: c.SubnetN, Weights: make([]wire.WeightEntry, len(c.Uids))}
	for i := range c.Uids {
		in.Weights[i] = wire.WeightEntry{UID: c.Uids[i], Value: c.Values[i]}
	}
	slices.SortFunc(in.Weights, func(a, b wire.WeightEntry) int { return cmp.Compare(a.UID, b.UID) })
	res, err := m.hooks.ValidateWeights(context.Background(), o, m.info, in)
	if err != nil {
		return subnet.WeightsVerdict{}, fault("validate_weights", err)
	}
	v := subnet.WeightsVerdict{Fee: modules.HookFee(res.GasUsed)}
	switch res.Verdict {
	case wire.Accept:
	case wire.Adjust:
		v.Adjust = true
		v.Uids, v.Values = make([]uint16, len(res.Weights)), make([]uint16, len(res.Weights))
		for i, w := range res.Weights {
			v.Uids[i], v.Values[i] = w.UID, w.Value
		}
	default:
		v.Reject, v.Reason = true, boundReason(res.Reason)
	}
	return v, nil
}

// OnRegister implements subnet.ModuleHooks: a denial (also a failed hook)
// carries the module's reason; the fee is modules.HookFee of the gas.
func (m *blockModules) OnRegister(o *state.Overlay, c subnet.RegisterCall) (subnet.RegisterVerdict, error) {
	res, err := m.hooks.OnRegister(context.Background(), o, m.info, wire.OnRegisterInput{Netuid: c.Netuid, Block: c.Height,
		Hotkey: c.Hotkey, Coldkey: c.Coldkey, UID: c.UID, BurnPaid: c.BurnPaid})
	if err != nil {
		return subnet.RegisterVerdict{}, fault("on_register", err)
	}
	return subnet.RegisterVerdict{Deny: !res.Allow, Reason: boundReason(res.Reason), Fee: modules.HookFee(res.GasUsed)}, nil
}

// OnEpoch implements subnet.ModuleHooks with the block's shared budget. A
// resplit emits EventModuleEpochResplit, a fallback EventModuleEpochFallback
// with the (bounded) reason; a subnet without a module or hook emits nothing.
func (m *blockModules) OnEpoch(o *state.Overlay, c subnet.EpochCall) (subnet.EpochVerdict, error) {
	in := wire.OnEpochInput{Netuid: c.Netuid, Block: c.Height, RaoEmission: c.RaoEmission, Neurons: make([]wire.EpochNeuron, len(c.Neurons))}
	for i, n := range c.Neurons {
		in.Neurons[i] = wire.EpochNeuron{UID: n.UID, Hotkey: n.Hotkey, Stake: n.Stake, Incentive: n.Incentive, Dividends: n.Dividends,
			ServerEmission: n.ServerEmission, ValidatorEmission: n.ValidatorEmission, Active: n.Active, ValidatorPermit: n.ValidatorPermit}
	}
	res, err := m.hooks.OnEpoch(context.Background(), o, m.info, in, m.budget)
	if err != nil {
		return subnet.EpochVerdict{}, fault("on_epoch", err)
	}
	switch {
	case res.Resplit:
		m.emit(EventModuleEpochResplit, attrU16("netuid", c.Netuid), attrU64("gas", res.GasUsed))
		return subnet.EpochVerdict{Resplit: true, ServerEmission: res.ServerEmission}, nil
	case res.Fallback:
		m.emit(EventModuleEpochFallback, attrU16("netuid", c.Netuid), block.Attr{Key: "reason", Value: boundReason(res.Reason)},
			attrU64("gas", res.GasUsed))
	}
	return subnet.EpochVerdict{}, nil
}
