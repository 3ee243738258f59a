package chain

import (
	"github.com/taorun/taorun/chain/state"
	"github.com/taorun/taorun/chain/subnet"
	"github.com/taorun/taorun/chain/types"
)

// HotkeyView is a hotkey as queries show it (btcli's get-take, delegate
// info): the coldkey that owns it and its delegate take.
type HotkeyView struct {
	Hotkey types.AccountID
	// Owned is false for a hotkey no coldkey owns (never registered, or
	// swapped away); Owner is then zero.
	Owned bool
	Owner types.AccountID
	// Take is the delegate take, a u16 proportion of 65535
	// (subnet.DefaultDelegateTake when never set).
	Take uint16
}

// ViewHotkey returns a hotkey's view. Like the other views it reads only
// through package subnet's readers and never runs inside a block.
func ViewHotkey(r state.Reader, hotkey types.AccountID) (HotkeyView, error) {
	owner, ok, err := subnet.HotkeyOwner(r, hotkey)
	if err != nil {
		return HotkeyView{}, err
	}
	take, err := subnet.DelegateTake(r, hotkey)
	if err != nil {
		return HotkeyView{}, err
	}
	return HotkeyView{Hotkey: hotkey, Owned: ok, Owner: owner, Take: take}, nil
}
