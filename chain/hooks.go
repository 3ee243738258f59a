package chain

import (
	"time"

	"github.com/taorun/taorun/chain/block"
	"github.com/taorun/taorun/chain/state"
	"github.com/taorun/taorun/chain/types"
)

// Hook is per-block logic that is not a transaction: emission and coinbase,
// epochs at tempo boundaries, pending-state maintenance. Hooks run in the order
// given to Open; BeginBlock before the block's txs, EndBlock after them, both
// on the block's overlay, so their writes commit (and feed the state root)
// with the block. A hook error aborts the block: it means the node cannot
// execute the chain and must stop, so hooks must return errors only for
// corrupt state, never for user input. Hooks are consensus-critical: they must
// be deterministic functions of (state, BlockContext).
type Hook interface {
	// Name identifies the hook in errors and logs.
	Name() string
	BeginBlock(ctx *BlockContext) error
	EndBlock(ctx *BlockContext) error
}

// BlockContext is what hooks see of the block being executed.
type BlockContext struct {
	State    *state.Overlay
	Height   uint64
	Time     int64 // block time, Unix ms: the only clock block logic may use
	Proposer types.AccountID
	// ParentHash is the hash of the block before this one (what module
	// hooks see as the block hash: the block's own hash is not known yet).
	ParentHash types.Hash
	events     []block.Event
	// mods runs the subnet module hooks of this block (nil: none).
	mods *blockModules
	// feeFree holds the fee-free slots the block's transactions used (one
	// per signer and subnet; see admitFeeFree).
	feeFree feeFreeSlots
	// epochObs is Options.EpochObserver (nil: none).
	epochObs func(netuid uint16, took time.Duration)
}

// Emit records a block-level event (returned in FinalizeResult.Events and
// stored with the block; see Chain.BlockEvents).
func (b *BlockContext) Emit(typ string, attrs ...block.Attr) {
	b.events = append(b.events, block.Event{Type: typ, Attrs: attrs})
}
