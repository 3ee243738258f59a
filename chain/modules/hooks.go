package modules

import (
	"context"
	"fmt"

	"github.com/taorun/taorun/abi"
	"github.com/taorun/taorun/abi/wire"
	"github.com/taorun/taorun/chain/state"
	"github.com/taorun/taorun/plugins/registry"
)

// MetagraphFunc builds subnet netuid's metagraph as of the block in progress
// (height) from r. Package chain/subnet provides it; it is called at most once
// per hook call, only when the module asks for the metagraph.
type MetagraphFunc func(r state.Reader, netuid uint16, height uint64) (wire.Metagraph, error)

// Hooks runs a subnet's active module's chain-side hooks over a block's
// overlay: it finds the active module (ActiveModule), loads it through the
// node's registry, and runs the hook with the subnet's gas limit, its module
// storage over the overlay and the metagraph provider. A subnet with no active
// module gets the defaults of docs/abi.md §3 without running anything.
//
// Consensus-critical: the results depend only on the overlay, the block and
// the input. The error result is a node fault (storage, a stored module that
// no longer loads): the chain must stop rather than record an outcome.
type Hooks struct {
	Registry  *registry.Registry
	Metagraph MetagraphFunc
}

// active loads netuid's active module at block.Height and builds its HookEnv;
// ok is false when the subnet has none.
func (h *Hooks) active(ctx context.Context, o *state.Overlay, netuid uint16, block wire.BlockInfo) (*registry.Loaded, registry.HookEnv, HookGas, bool, error) {
	id, ok, err := ActiveModule(o, netuid, block.Height)
	if err != nil || !ok {
		return nil, registry.HookEnv{}, HookGas{}, false, err
	}
	l, err := h.Registry.LoadID(ctx, id, func() ([]byte, error) {
		code, found, err := Code(o, id)
		if err == nil && !found {
			err = fmt.Errorf("modules: subnet %d's active module %x is not stored", netuid, id)
		}
		return code, err
	})
	if err != nil {
		return nil, registry.HookEnv{}, HookGas{}, false, fmt.Errorf("modules: loading subnet %d's module %x: %w", netuid, id, err)
	}
	h.Registry.PinActive(netuid, id) // node-local: keep active modules compiled
	gas, err := GetHookGas(o, netuid)
	if err != nil {
		return nil, registry.HookEnv{}, HookGas{}, false, err
	}
	block.Netuid = netuid
	env := registry.HookEnv{
		Block:   block,
		Storage: ModuleStorage(o, netuid),
		Metagraph: func(context.Context) (wire.Metagraph, error) {
			return h.Metagraph(o, netuid, block.Height)
		},
	}
	return l, env, gas, true, nil
}

// noModule is the HookResult of a subnet without an active module.
func noModule(entry string) registry.HookResult {
	return registry.HookResult{Entry: entry, Status: registry.StatusDefault, Reason: "subnet has no active module"}
}

// ValidateWeights runs validate_weights for in.Netuid; without an active
// module the weights are accepted.
func (h *Hooks) ValidateWeights(ctx context.Context, o *state.Overlay, block wire.BlockInfo, in wire.ValidateWeightsInput) (registry.WeightsResult, error) {
	l, env, gas, ok, err := h.active(ctx, o, in.Netuid, block)
	if err != nil || !ok {
		return registry.WeightsResult{HookResult: noModule(abi.EntryValidateWeights), Verdict: wire.Accept}, err
	}
	return h.Registry.RunValidateWeights(ctx, l, env, in, gas.ValidateWeights)
}

// OnRegister runs on_register for in.Netuid; without an active module the
// registration is allowed.
func (h *Hooks) OnRegister(ctx context.Context, o *state.Overlay, block wire.BlockInfo, in wire.OnRegisterInput) (registry.RegisterResult, error) {
	l, env, gas, ok, err := h.active(ctx, o, in.Netuid, block)
	if err != nil || !ok {
		return registry.RegisterResult{HookResult: noModule(abi.EntryOnRegister), Allow: true}, err
	}
	return h.Registry.RunOnRegister(ctx, l, env, in, gas.OnRegister)
}

// OnEpoch runs on_epoch for in.Netuid with min(the subnet's limit, what is
// left of budget) and takes the gas used from budget. Without an active
// module Yuma's split stands; with the budget spent the result is a Fallback
// (out of gas) without running the module.
func (h *Hooks) OnEpoch(ctx context.Context, o *state.Overlay, block wire.BlockInfo, in wire.OnEpochInput, budget *EpochBudget) (registry.EpochResult, error) {
	l, env, gas, ok, err := h.active(ctx, o, in.Netuid, block)
	if err != nil || !ok {
		return registry.EpochResult{HookResult: noModule(abi.EntryOnEpoch)}, err
	}
	limit := budget.take(gas.OnEpoch)
	if limit == 0 {
		return registry.EpochResult{Fallback: true, HookResult: registry.HookResult{Entry: abi.EntryOnEpoch,
			Status: registry.StatusFailed, Failure: registry.FailureOutOfGas,
			Reason: "on_epoch: the block's on_epoch gas budget is spent"}}, nil
	}
	res, err := h.Registry.RunOnEpoch(ctx, l, env, in, limit)
	budget.spend(res.GasUsed)
	return res, err
}
