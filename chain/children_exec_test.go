package chain

import (
	"testing"

	"github.com/taorun/taorun/chain/block"
	"github.com/taorun/taorun/chain/subnet"
	"github.com/taorun/taorun/chain/tx"
)

// TestChildKeyCalls runs set_children, set_childkey_take and the sudo child
// key parameters through real blocks (runCallCases: a failure pays its fee
// and changes nothing else; invariants hold after every case).
func TestChildKeyCalls(t *testing.T) {
	half := tx.ChildEntry{Proportion: 1 << 63, Hotkey: aliceHot.Public()}
	runCallCases(t, []callCase{
		{name: "set children", setup: subnetBase, call: signed{bob, tx.SetChildren{Hotkey: bobHot.Public(), Netuid: 1,
			Children: []tx.ChildEntry{half}}}, event: EventChildrenScheduled,
			check: func(t *testing.T, c *Chain, rc *block.Receipt) {
				ci, err := subnet.ChildKeys(c.State(), bobHot.Public(), 1)
				if err != nil || !ci.HasPend || len(ci.Pending) != 1 || ci.Pending[0].Hotkey != aliceHot.Public() {
					t.Fatalf("pending children %+v %v", ci, err)
				}
				at := ci.PendingAt
				if a := rc.Events[0].Attrs; a[2].Value != "1" || a[3].Value != attrU64("", at).Value {
					t.Fatalf("event %+v, want count 1 and at %d", a, at)
				}
			}},
		{name: "set children of another's hotkey", setup: subnetBase, call: signed{alice, tx.SetChildren{Hotkey: bobHot.Public(), Netuid: 1,
			Children: []tx.ChildEntry{half}}}, err: subnet.ErrHotkeyOwned},
		{name: "set children on root", setup: subnetBase, call: signed{bob, tx.SetChildren{Hotkey: bobHot.Public(), Netuid: 0,
			Children: []tx.ChildEntry{half}}}, err: subnet.ErrChildren},
		{name: "set self as child", setup: subnetBase, call: signed{bob, tx.SetChildren{Hotkey: bobHot.Public(), Netuid: 1,
			Children: []tx.ChildEntry{{Proportion: 1, Hotkey: bobHot.Public()}}}}, err: subnet.ErrChildren},
		{name: "set childkey take", setup: subnetBase, call: signed{bob, tx.SetChildkeyTake{Hotkey: bobHot.Public(), Netuid: 1, Take: 100}},
			event: EventChildkeyTakeSet, check: func(t *testing.T, c *Chain, _ *block.Receipt) {
				if ci, err := subnet.ChildKeys(c.State(), bobHot.Public(), 1); err != nil || ci.Take != 100 {
					t.Fatalf("take %d %v", ci.Take, err)
				}
			}},
		{name: "childkey take above max", setup: subnetBase, call: signed{bob, tx.SetChildkeyTake{Hotkey: bobHot.Public(), Netuid: 1,
			Take: subnet.DefaultMaxChildkeyTake + 1}}, err: subnet.ErrChildkeyTake},
		{name: "sudo sets pending cooldown", setup: subnetBase[:1], call: signed{alice, tx.SudoSet{Netuid: 0, Param: "pending_childkey_cooldown", Value: 3}},
			event: EventHyperparameterSet, check: func(t *testing.T, c *Chain, _ *block.Receipt) {
				if v, err := subnet.GetChildParam(c.State(), "pending_childkey_cooldown"); err != nil || v != 3 {
					t.Fatalf("cooldown %d %v", v, err)
				}
			}},
		{name: "child key parameter on a subnet", setup: subnetBase[:1], call: signed{alice, tx.SudoSet{Netuid: 1, Param: "pending_childkey_cooldown", Value: 3}},
			err: subnet.ErrParamNotSettable},
		{name: "owner sets a child key parameter", setup: subnetBase[:1], call: signed{alice, tx.SetHyperparameter{Netuid: 0, Param: "max_childkey_take", Value: 3}},
			err: subnet.ErrParamNotSettable},
	})
}
