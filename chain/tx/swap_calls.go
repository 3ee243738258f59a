package tx

import (
	"github.com/taorun/taorun/chain/codec"
	"github.com/taorun/taorun/chain/types"
)

// SwapHotkey (kind 21, subtensor's swap_hotkey over every subnet) replaces
// the signer's (a coldkey's) hotkey OldHotkey by NewHotkey, which must be
// unused, burning the key swap cost; every record of OldHotkey follows it
// (package chain/subnet, SwapHotkey). There is no netuid argument: taorun
// swaps on all subnets only.
type SwapHotkey struct {
	OldHotkey types.AccountID
	NewHotkey types.AccountID
}

// Kind implements Call.
func (SwapHotkey) Kind() CallKind { return KindSwapHotkey }

// Encode implements Call: OldHotkey (32) ‖ NewHotkey (32).
func (c SwapHotkey) Encode(w *codec.Writer) { w.Fixed(c.OldHotkey[:]); w.Fixed(c.NewHotkey[:]) }

func decodeSwapHotkey(r *codec.Reader) Call {
	return SwapHotkey{OldHotkey: r.Bytes32(), NewHotkey: r.Bytes32()}
}
