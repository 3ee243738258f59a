package chain

import (
	"time"

	"github.com/taorun/taorun/chain/subnet"
)

// SubnetHook runs package subnet's BlockStep at the start of every block,
// before the block's transactions, as subtensor's on_initialize does:
// registration-price decay, the coinbase (block emission into the dTAO pools
// and the pending alpha), the epochs due at this height with their payouts,
// and the moving prices. Each epoch runs the subnet module's on_epoch when
// the chain has a module runner (Options.Modules), all epochs of a block
// sharing one gas budget (modules.NewEpochBudget). Consensus-critical.
type SubnetHook struct{}

// Name implements Hook.
func (SubnetHook) Name() string { return "subnet" }

// BeginBlock implements Hook.
func (SubnetHook) BeginBlock(ctx *BlockContext) error {
	h := subnet.Hooked{Modules: ctx.mods.subnetHooks()}
	if obs := ctx.epochObs; obs != nil {
		h.EpochTimer = func(netuid uint16) func() {
			start := time.Now() // a metric only: never reaches state
			return func() { obs(netuid, time.Since(start)) }
		}
	}
	return h.BlockStep(ctx.State, ctx.Height)
}

// EndBlock implements Hook; the subnet logic has no end-of-block work.
func (SubnetHook) EndBlock(*BlockContext) error { return nil }

// StandardHooks returns the hooks every taorun node runs, in order. Every
// node of a network must run the same list: hooks are part of the state
// transition. Module activations due at the block are promoted first, so the
// subnet step (emission and epochs) runs with the module active at this
// height; the subnet step comes before the block's transactions, so they see
// this block's emission and epochs.
func StandardHooks() []Hook { return []Hook{ModuleHook{}, SubnetHook{}} }
