package chain

import (
	"crypto/sha256"
	"encoding/hex"

	"github.com/taorun/taorun/chain/block"
	"github.com/taorun/taorun/chain/modules"
	"github.com/taorun/taorun/chain/state"
	"github.com/taorun/taorun/chain/subnet"
	"github.com/taorun/taorun/chain/tx"
	"github.com/taorun/taorun/chain/types"
)

// Event types of the module calls and the module hook (receipt and block
// events; the CLI reads their attributes).
const (
	EventModuleUploaded   = "module_uploaded"    // netuid, module, size, fee (0: already stored)
	EventModuleScheduled  = "module_scheduled"   // netuid, module, at_block
	EventModuleDeactivate = "module_deactivated" // netuid
	EventModuleActivated  = "module_activated"   // netuid, module (block event of ModuleHook)
)

// SubnetOwner returns the owner coldkey of subnet netuid and whether it
// exists: the modules.OwnerFunc of the chain, over package chain/subnet.
func SubnetOwner(r state.Reader, netuid uint16) (types.AccountID, bool, error) {
	in, ok, err := subnet.Owner(r, netuid)
	return in.OwnerColdkey, ok, err
}

// chainModules performs the module calls under the default upload limits
// (plugins.DefaultLimits, a consensus parameter) and chain/subnet ownership.
var chainModules = &modules.Modules{Owner: SubnetOwner}

// hexID shows a module ID as 0x-prefixed hex.
func hexID(id modules.ModuleID) string { return "0x" + hex.EncodeToString(id[:]) }

// applyModuleCall runs a module call through modules.Modules.Apply on the
// call's own overlay (discarded by applyTx if it fails) and emits its event.
// The upload fee, when one is charged, is read as the balance difference.
func applyModuleCall(ctx *CallContext, call tx.Call) error {
	var before uint64
	if call.Kind() == tx.KindUploadModule {
		b, err := state.Balance(ctx.State, ctx.Signer)
		if err != nil {
			return err
		}
		before = b
	}
	if err := chainModules.Apply(ctx.State, ctx.Signer, ctx.Height, call); err != nil {
		return err
	}
	switch c := call.(type) {
	case tx.UploadModule:
		after, err := state.Balance(ctx.State, ctx.Signer)
		if err != nil {
			return err
		}
		ctx.Emit(EventModuleUploaded, attrU16("netuid", c.Netuid), block.Attr{Key: "module", Value: hexID(sha256.Sum256(c.Code))},
			attrU64("size", uint64(len(c.Code))), attrU64("fee", before-after))
	case tx.ActivateModule:
		ctx.Emit(EventModuleScheduled, attrU16("netuid", c.Netuid), block.Attr{Key: "module", Value: hexID(c.ModuleID)},
			attrU64("at_block", c.AtBlock))
	case tx.DeactivateModule:
		ctx.Emit(EventModuleDeactivate, attrU16("netuid", c.Netuid))
	}
	return nil
}

// ModuleHook promotes the module activations due at each block
// (modules.BeginBlock) at the start of the block. StandardHooks runs it
// before SubnetHook, so a module activated at block H is the subnet's module
// for everything of block H, its epoch included. Consensus-critical.
type ModuleHook struct{}

// Name implements Hook.
func (ModuleHook) Name() string { return "modules" }

// BeginBlock implements Hook: it writes the promotions and emits one
// module_activated event per subnet whose module changed, in netuid order.
func (ModuleHook) BeginBlock(ctx *BlockContext) error {
	changed, err := modules.BeginBlock(ctx.State, ctx.Height)
	if err != nil {
		return err
	}
	for _, n := range changed {
		id, _, err := modules.ActiveModule(ctx.State, n, ctx.Height)
		if err != nil {
			return err
		}
		ctx.Emit(EventModuleActivated, attrU16("netuid", n), block.Attr{Key: "module", Value: hexID(id)})
	}
	return nil
}

// EndBlock implements Hook; modules have no end-of-block work.
func (ModuleHook) EndBlock(*BlockContext) error { return nil }
