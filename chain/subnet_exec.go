package chain

import (
	"fmt"
	"net/netip"

	"github.com/taorun/taorun/chain/block"
	"github.com/taorun/taorun/chain/modules"
	"github.com/taorun/taorun/chain/subnet"
	"github.com/taorun/taorun/chain/tx"
	"github.com/taorun/taorun/chain/types"
)

// Event types of the subnet, staking and weights calls (receipt events; the
// CLI reads their attributes).
const (
	EventSubnetCreated     = "subnet_created"     // netuid, owner, hotkey, lock
	EventHyperparameterSet = "hyperparameter_set" // netuid, param, value, by
	EventNeuronRegistered  = "neuron_registered"  // netuid, uid, hotkey, coldkey, burn
	EventAxonServed        = "axon_served"        // netuid, hotkey, ip, port
	EventStakeAdded        = "stake_added"        // coldkey, hotkey, netuid, tao, alpha
	EventStakeRemoved      = "stake_removed"      // coldkey, hotkey, netuid, alpha, tao
	EventStakeMoved        = "stake_moved"        // coldkey, from_hotkey, to_hotkey, from_netuid, to_netuid, alpha, to_alpha
	EventDelegateTakeSet   = "delegate_take_set"  // hotkey, take
	EventWeightsSet        = "weights_set"        // netuid, hotkey, count
	EventWeightsCommitted  = "weights_committed"  // netuid, hotkey, hash
	EventWeightsRevealed   = "weights_revealed"   // netuid, hotkey, count
	EventChildrenScheduled = "children_scheduled" // netuid, hotkey, count, at (block after which they apply)
	EventChildkeyTakeSet   = "childkey_take_set"  // netuid, hotkey, take
)

func attrU16(k string, v uint16) block.Attr { return attrU64(k, uint64(v)) }

func attrAccount(k string, id types.AccountID) block.Attr {
	return block.Attr{Key: k, Value: id.SS58()}
}

func applyCreateSubnet(ctx *CallContext, call tx.Call) error {
	c := call.(tx.CreateSubnet)
	lock, err := subnet.LockCost(ctx.State, ctx.Height)
	if err != nil {
		return err
	}
	netuid, err := subnet.CreateSubnet(ctx.State, ctx.Signer, c.Hotkey, ctx.Height)
	if err != nil {
		return err
	}
	ctx.Emit(EventSubnetCreated, attrU16("netuid", netuid), attrAccount("owner", ctx.Signer), attrAccount("hotkey", c.Hotkey), attrU64("lock", lock))
	return nil
}

// hookGasParams are the hyperparameters that set a subnet's per-hook gas
// limits; they live in chain/modules (bounded by modules.MaxHookGas and set by
// the subnet owner only), not in chain/subnet's table.
var hookGasParams = map[string]func(g *modules.HookGas) *uint64{
	"validate_weights_gas": func(g *modules.HookGas) *uint64 { return &g.ValidateWeights },
	"on_epoch_gas":         func(g *modules.HookGas) *uint64 { return &g.OnEpoch },
	"on_register_gas":      func(g *modules.HookGas) *uint64 { return &g.OnRegister },
}

// setHookGas sets one of a subnet's hook gas limits (hookGasParams).
func setHookGas(ctx *CallContext, netuid uint16, field func(*modules.HookGas) *uint64, value uint64) error {
	g, err := modules.GetHookGas(ctx.State, netuid)
	if err != nil {
		return err
	}
	*field(&g) = value
	return chainModules.SetHookGas(ctx.State, ctx.Signer, netuid, g)
}

// setHyperparameter is sudo_set (sudo: true, after dispatch's sudo check) and
// the owner's set_hyperparameter.
func setHyperparameter(ctx *CallContext, sudo bool, netuid uint16, param string, value uint64) error {
	if field, ok := hookGasParams[param]; ok {
		if err := setHookGas(ctx, netuid, field, value); err != nil {
			return err
		}
	} else if _, ok := subnet.LookupChildParam(param); ok {
		// Network-wide child key parameters: sudo only, on netuid 0.
		if !sudo || netuid != subnet.RootNetuid {
			return fmt.Errorf("%w: %s is set by sudo on netuid 0", subnet.ErrParamNotSettable, param)
		}
		if err := subnet.SetChildParam(ctx.State, param, value); err != nil {
			return err
		}
	} else if err := subnet.SetHyperparameter(ctx.State, ctx.Signer, sudo, netuid, param, value); err != nil {
		return err
	}
	by := "owner"
	if sudo {
		by = "sudo"
	}
	ctx.Emit(EventHyperparameterSet, attrU16("netuid", netuid), block.Attr{Key: "param", Value: param}, attrU64("value", value),
		block.Attr{Key: "by", Value: by})
	return nil
}

func applySudoSet(ctx *CallContext, call tx.Call) error {
	c := call.(tx.SudoSet)
	return setHyperparameter(ctx, true, c.Netuid, c.Param, c.Value)
}

func applySetHyperparameter(ctx *CallContext, call tx.Call) error {
	c := call.(tx.SetHyperparameter)
	return setHyperparameter(ctx, false, c.Netuid, c.Param, c.Value)
}

func applyBurnedRegister(ctx *CallContext, call tx.Call) error {
	c := call.(tx.BurnedRegister)
	burn, err := subnet.Burn(ctx.State, c.Netuid)
	if err != nil {
		return err
	}
	uid, err := ctx.subnetOps().BurnedRegister(ctx.State, ctx.Signer, c.Hotkey, c.Netuid, ctx.Height)
	if err != nil {
		return err
	}
	ctx.Emit(EventNeuronRegistered, attrU16("netuid", c.Netuid), attrU16("uid", uid), attrAccount("hotkey", c.Hotkey),
		attrAccount("coldkey", ctx.Signer), attrU64("burn", burn))
	return nil
}

func applyServeAxon(ctx *CallContext, call tx.Call) error {
	c := call.(tx.ServeAxon)
	ax := subnet.Axon{Version: c.Version, IP: c.IP, Port: c.Port, IPType: c.IPType, Protocol: c.Protocol}
	if err := subnet.ServeAxon(ctx.State, ctx.Signer, c.Netuid, ax, ctx.Height); err != nil {
		return err
	}
	ctx.Emit(EventAxonServed, attrU16("netuid", c.Netuid), attrAccount("hotkey", ctx.Signer),
		block.Attr{Key: "ip", Value: AxonIP(c.IPType, c.IP)}, attrU64("port", uint64(c.Port)))
	return nil
}

// AxonIP shows an axon address: dotted IPv4 for type 4, IPv6 otherwise.
func AxonIP(ipType uint8, ip [16]byte) string {
	if ipType == 4 {
		return netip.AddrFrom4([4]byte(ip[12:])).String()
	}
	return netip.AddrFrom16(ip).String()
}

func applyAddStake(ctx *CallContext, call tx.Call) error {
	c := call.(tx.AddStake)
	alpha, err := subnet.AddStake(ctx.State, ctx.Signer, c.Hotkey, c.Netuid, c.Amount)
	if err != nil {
		return err
	}
	ctx.Emit(EventStakeAdded, attrAccount("coldkey", ctx.Signer), attrAccount("hotkey", c.Hotkey), attrU16("netuid", c.Netuid),
		attrU64("tao", c.Amount), attrU64("alpha", alpha))
	return nil
}

func applyRemoveStake(ctx *CallContext, call tx.Call) error {
	c := call.(tx.RemoveStake)
	tao, err := subnet.RemoveStake(ctx.State, ctx.Signer, c.Hotkey, c.Netuid, c.Amount)
	if err != nil {
		return err
	}
	ctx.Emit(EventStakeRemoved, attrAccount("coldkey", ctx.Signer), attrAccount("hotkey", c.Hotkey), attrU16("netuid", c.Netuid),
		attrU64("alpha", c.Amount), attrU64("tao", tao))
	return nil
}

func applyMoveStake(ctx *CallContext, call tx.Call) error {
	c := call.(tx.MoveStake)
	moved, err := subnet.MoveStake(ctx.State, ctx.Signer, c.FromHotkey, c.ToHotkey, c.FromNetuid, c.ToNetuid, c.Amount)
	if err != nil {
		return err
	}
	ctx.Emit(EventStakeMoved, attrAccount("coldkey", ctx.Signer), attrAccount("from_hotkey", c.FromHotkey), attrAccount("to_hotkey", c.ToHotkey),
		attrU16("from_netuid", c.FromNetuid), attrU16("to_netuid", c.ToNetuid), attrU64("alpha", c.Amount), attrU64("to_alpha", moved))
	return nil
}

func applySetDelegateTake(ctx *CallContext, call tx.Call) error {
	c := call.(tx.SetDelegateTake)
	if err := subnet.SetDelegateTake(ctx.State, ctx.Signer, c.Hotkey, c.Take); err != nil {
		return err
	}
	ctx.Emit(EventDelegateTakeSet, attrAccount("hotkey", c.Hotkey), attrU64("take", uint64(c.Take)))
	return nil
}

func applySetWeights(ctx *CallContext, call tx.Call) error {
	c := call.(tx.SetWeights)
	if err := ctx.subnetOps().SetWeights(ctx.State, ctx.Signer, c.Netuid, c.Uids, c.Weights, c.VersionKey, ctx.Height); err != nil {
		return err
	}
	ctx.Emit(EventWeightsSet, attrU16("netuid", c.Netuid), attrAccount("hotkey", ctx.Signer), attrU64("count", uint64(len(c.Uids))))
	return nil
}

func applyCommitWeights(ctx *CallContext, call tx.Call) error {
	c := call.(tx.CommitWeights)
	if err := subnet.CommitWeights(ctx.State, ctx.Signer, c.Netuid, c.Hash, ctx.Height); err != nil {
		return err
	}
	ctx.Emit(EventWeightsCommitted, attrU16("netuid", c.Netuid), attrAccount("hotkey", ctx.Signer), block.Attr{Key: "hash", Value: c.Hash.Hex()})
	return nil
}

func applyRevealWeights(ctx *CallContext, call tx.Call) error {
	c := call.(tx.RevealWeights)
	if err := ctx.subnetOps().RevealWeights(ctx.State, ctx.Signer, c.Netuid, c.Uids, c.Weights, c.Salt, c.VersionKey, ctx.Height); err != nil {
		return err
	}
	ctx.Emit(EventWeightsRevealed, attrU16("netuid", c.Netuid), attrAccount("hotkey", ctx.Signer), attrU64("count", uint64(len(c.Uids))))
	return nil
}

// subnetOps returns the subnet operations of the call: with the block's
// module hooks when the chain has a module runner, their gas fees waived for
// a fee-free transaction (hookFeesWaived).
func (c *CallContext) subnetOps() subnet.Hooked {
	mods := c.mods.subnetHooks()
	if c.feeFree && mods != nil {
		mods = hookFeesWaived{mods}
	}
	return subnet.Hooked{Modules: mods}
}

func applySetChildren(ctx *CallContext, call tx.Call) error {
	c := call.(tx.SetChildren)
	children := make([]subnet.Child, len(c.Children))
	for i, e := range c.Children {
		children[i] = subnet.Child{Proportion: e.Proportion, Hotkey: e.Hotkey}
	}
	if err := subnet.SetChildren(ctx.State, ctx.Signer, c.Hotkey, c.Netuid, children, ctx.Height); err != nil {
		return err
	}
	ci, err := subnet.ChildKeys(ctx.State, c.Hotkey, c.Netuid)
	if err != nil {
		return err
	}
	ctx.Emit(EventChildrenScheduled, attrU16("netuid", c.Netuid), attrAccount("hotkey", c.Hotkey),
		attrU64("count", uint64(len(children))), attrU64("at", ci.PendingAt))
	return nil
}

func applySetChildkeyTake(ctx *CallContext, call tx.Call) error {
	c := call.(tx.SetChildkeyTake)
	if err := subnet.SetChildkeyTake(ctx.State, ctx.Signer, c.Hotkey, c.Netuid, c.Take, ctx.Height); err != nil {
		return err
	}
	ctx.Emit(EventChildkeyTakeSet, attrU16("netuid", c.Netuid), attrAccount("hotkey", c.Hotkey), attrU64("take", uint64(c.Take)))
	return nil
}
