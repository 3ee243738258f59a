package chain

import (
	"github.com/taorun/taorun/chain/subnet"
	"github.com/taorun/taorun/chain/tx"
)

// EventHotkeySwapped is the receipt event of swap_hotkey: coldkey,
// old_hotkey, new_hotkey, cost (rao burned).
const EventHotkeySwapped = "hotkey_swapped"

// applySwapHotkey is swap_hotkey: the signer (a coldkey) replaces its hotkey
// by a fresh one on every subnet (subnet.SwapHotkey).
func applySwapHotkey(ctx *CallContext, call tx.Call) error {
	c := call.(tx.SwapHotkey)
	cost, err := subnet.SwapHotkey(ctx.State, ctx.Signer, c.OldHotkey, c.NewHotkey, ctx.Height)
	if err != nil {
		return err
	}
	ctx.Emit(EventHotkeySwapped, attrAccount("coldkey", ctx.Signer), attrAccount("old_hotkey", c.OldHotkey),
		attrAccount("new_hotkey", c.NewHotkey), attrU64("cost", cost))
	return nil
}
