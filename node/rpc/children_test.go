package rpc_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/taorun/taorun/chain/subnet"
	"github.com/taorun/taorun/chain/tx"
	"github.com/taorun/taorun/keys"
	"github.com/taorun/taorun/node/rpc/api"
)

// TestChildKeys reads a hotkey's scheduled children and childkey take, and
// the (empty) records of its would-be child, over tao_childKeys from a real
// chain; a malformed address is refused.
func TestChildKeys(t *testing.T) {
	n := newSubnetNet(t)
	alice, bob := keys.Dev("Alice"), keys.Dev("Bob")
	parent, child := keys.Dev("Dave"), keys.Dev("Eve")
	n.block(signed{alice, tx.CreateSubnet{Hotkey: keys.Dev("Charlie").Public()}})
	n.block(signed{bob, tx.BurnedRegister{Netuid: 1, Hotkey: parent.Public()}})
	n.block(signed{bob, tx.SetChildren{Hotkey: parent.Public(), Netuid: 1,
		Children: []tx.ChildEntry{{Proportion: 1 << 63, Hotkey: child.Public()}}}},
		signed{bob, tx.SetChildkeyTake{Hotkey: parent.Public(), Netuid: 1, Take: 655}})
	var got api.ChildKeys
	result(t, n.call(api.MethodChildKeys, 1, parent.Public().SS58()), &got)
	ci, err := subnet.ChildKeys(n.c.State(), parent.Public(), 1)
	if err != nil || !ci.HasPend {
		t.Fatalf("state: %+v %v", ci, err)
	}
	want := api.ChildKeys{Netuid: 1, Hotkey: parent.Public().SS58(), Height: n.c.Head().Header.Height,
		Children: []api.ChildLink{}, Parents: []api.ChildLink{},
		Pending:   []api.ChildLink{{Hotkey: child.Public().SS58(), Proportion: "9223372036854775808", Fraction: "0.500000000"}},
		PendingAt: ci.PendingAt, Take: 655, MinTake: subnet.DefaultMinChildkeyTake, MaxTake: subnet.DefaultMaxChildkeyTake}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("parent: %+v, want %+v", got, want)
	}
	var c api.ChildKeys
	result(t, n.call(api.MethodChildKeys, 1, child.Public().SS58()), &c)
	if len(c.Children)+len(c.Parents)+len(c.Pending) != 0 || c.Take != 0 || c.Hotkey != child.Public().SS58() {
		t.Fatalf("child before the cooldown: %+v", c)
	}
	if raw := string(n.call(api.MethodChildKeys, 1, "5Nope")); !strings.Contains(raw, `"error"`) {
		t.Fatalf("malformed address answered %s", raw)
	}
}
