package rpc_test

import (
	"strings"
	"testing"

	"github.com/taorun/taorun/chain/subnet"
	"github.com/taorun/taorun/chain/tx"
	"github.com/taorun/taorun/keys"
	"github.com/taorun/taorun/node/rpc/api"
)

// TestHotkeyInfo reads owners and delegate takes over tao_hotkeyInfo from a
// real chain: a registered hotkey with a take set, a swapped-away one, and
// one never registered; a malformed address is refused.
func TestHotkeyInfo(t *testing.T) {
	n := newSubnetNet(t)
	alice, bob := keys.Dev("Alice"), keys.Dev("Bob")
	hot, swapped, fresh := keys.Dev("Dave"), keys.Dev("Eve"), keys.Dev("Ferdie")
	n.block(signed{alice, tx.CreateSubnet{Hotkey: keys.Dev("Charlie").Public()}})
	n.block(signed{bob, tx.BurnedRegister{Netuid: 1, Hotkey: swapped.Public()}})
	n.block(signed{bob, tx.SwapHotkey{OldHotkey: swapped.Public(), NewHotkey: hot.Public()}})
	n.block(signed{bob, tx.SetDelegateTake{Hotkey: hot.Public(), Take: 5898}})
	for _, c := range []struct {
		hotkey keys.PublicKey
		want   api.HotkeyInfo
	}{
		{hot.Public(), api.HotkeyInfo{Owner: bob.Public().SS58(), Take: 5898}},
		{swapped.Public(), api.HotkeyInfo{Take: subnet.DefaultDelegateTake}},
		{fresh.Public(), api.HotkeyInfo{Take: subnet.DefaultDelegateTake}},
	} {
		var got api.HotkeyInfo
		result(t, n.call(api.MethodHotkeyInfo, c.hotkey.SS58()), &got)
		c.want.Hotkey, c.want.Height = c.hotkey.SS58(), n.c.Head().Header.Height
		c.want.MinTake, c.want.MaxTake = subnet.MinDelegateTake, subnet.MaxDelegateTake
		if got != c.want {
			t.Errorf("%s: %+v, want %+v", c.hotkey.SS58(), got, c.want)
		}
	}
	if raw := string(n.call(api.MethodHotkeyInfo, "5Nope")); !strings.Contains(raw, `"error"`) {
		t.Fatalf("malformed address answered %s", raw)
	}
}
