package chain

import (
	"testing"

	"github.com/taorun/taorun/chain/block"
	"github.com/taorun/taorun/chain/subnet"
	"github.com/taorun/taorun/chain/tx"
)

// TestSwapHotkeyCall runs swap_hotkey through real blocks: Bob's registered,
// staked hotkey is replaced, the event names both keys and the cost, and the
// stake, uid and ownership follow; refusals pay only their fee.
func TestSwapHotkeyCall(t *testing.T) {
	newHot := hotkeyOf("BobNew")
	swap := signed{bob, tx.SwapHotkey{OldHotkey: bobHot.Public(), NewHotkey: newHot.Public()}}
	runCallCases(t, []callCase{
		{name: "swap hotkey", setup: subnetBase, call: swap, event: EventHotkeySwapped,
			check: func(t *testing.T, c *Chain, rc *block.Receipt) {
				a := rc.Events[0].Attrs
				if a[0].Value != bob.Public().SS58() || a[1].Value != bobHot.Public().SS58() || a[2].Value != newHot.Public().SS58() ||
					a[3].Value != "100000000" {
					t.Fatalf("event %+v", a)
				}
				st := c.State()
				if old, _ := subnet.Stake(st, bobHot.Public(), bob.Public(), 1); old != 0 {
					t.Fatalf("old hotkey keeps %d alpha", old)
				}
				if moved, _ := subnet.Stake(st, newHot.Public(), bob.Public(), 1); moved == 0 {
					t.Fatal("no stake on the new hotkey")
				}
				if uid, ok, _ := subnet.UID(st, 1, newHot.Public()); !ok || uid != 1 {
					t.Fatalf("new hotkey uid %d %v, want 1", uid, ok)
				}
				hv, err := ViewHotkey(st, newHot.Public())
				if err != nil || !hv.Owned || hv.Owner != bob.Public() || hv.Take != subnet.DefaultDelegateTake {
					t.Fatalf("view of the new hotkey %+v %v", hv, err)
				}
				if hv, _ := ViewHotkey(st, bobHot.Public()); hv.Owned {
					t.Fatalf("old hotkey still owned: %+v", hv)
				}
				if err := subnet.CheckUIDs(st); err != nil {
					t.Fatal(err)
				}
			}},
		{name: "swap someone else's hotkey", setup: subnetBase,
			call: signed{alice, tx.SwapHotkey{OldHotkey: bobHot.Public(), NewHotkey: newHot.Public()}}, err: subnet.ErrHotkeyOwned},
		{name: "swap to a registered hotkey", setup: subnetBase,
			call: signed{bob, tx.SwapHotkey{OldHotkey: bobHot.Public(), NewHotkey: aliceHot.Public()}}, err: subnet.ErrHotkeyInUse},
		{name: "swap again within the rate limit", setup: append(append([]signed{}, subnetBase...), swap),
			call: signed{bob, tx.SwapHotkey{OldHotkey: newHot.Public(), NewHotkey: hotkeyOf("BobThird").Public()}}, err: subnet.ErrRateLimited},
	})
}

// TestSwapHotkeySudoParams: sudo_set on netuid 0 changes key_swap_cost and
// tx_rate_limit, and the next swap_hotkey follows them; a value out of
// bounds, or either one set on a subnet or by a subnet owner, is refused
// with state unchanged but the fee.
func TestSwapHotkeySudoParams(t *testing.T) {
	newHot, third := hotkeyOf("BobNew"), hotkeyOf("BobThird")
	swap := signed{bob, tx.SwapHotkey{OldHotkey: bobHot.Public(), NewHotkey: newHot.Public()}}
	swapAgain := signed{bob, tx.SwapHotkey{OldHotkey: newHot.Public(), NewHotkey: third.Public()}}
	sudo := func(param string, v uint64) signed {
		return signed{alice, tx.SudoSet{Netuid: 0, Param: param, Value: v}}
	}
	with := func(extra ...signed) []signed { return append(append([]signed{}, subnetBase...), extra...) }
	wantCost := func(cost string) func(t *testing.T, c *Chain, rc *block.Receipt) {
		return func(t *testing.T, c *Chain, rc *block.Receipt) {
			if got := rc.Events[0].Attrs[3]; got.Key != "cost" || got.Value != cost {
				t.Fatalf("event attr %+v, want cost %s", got, cost)
			}
		}
	}
	runCallCases(t, []callCase{
		{name: "sudo raises the cost", setup: with(sudo("key_swap_cost", 7*RaoPerTAO)), call: swap, event: EventHotkeySwapped,
			check: wantCost("7000000000")},
		{name: "sudo makes swaps free", setup: with(sudo("key_swap_cost", 0)), call: swap, event: EventHotkeySwapped,
			check: wantCost("0")},
		{name: "sudo lifts the rate limit", setup: with(sudo("tx_rate_limit", 0), swap), call: swapAgain, event: EventHotkeySwapped},
		{name: "cost out of bounds", setup: subnetBase, call: sudo("key_swap_cost", 1_000*RaoPerTAO+1), err: subnet.ErrParamOutOfBounds},
		{name: "rate limit out of bounds", setup: subnetBase, call: sudo("tx_rate_limit", 1<<32+1), err: subnet.ErrParamOutOfBounds},
		{name: "cost on a subnet", setup: subnetBase, call: signed{alice, tx.SudoSet{Netuid: 1, Param: "key_swap_cost", Value: 1}},
			err: subnet.ErrNoSubnet},
		{name: "rate limit by a subnet owner", setup: subnetBase,
			call: signed{alice, tx.SetHyperparameter{Netuid: 0, Param: "tx_rate_limit", Value: 0}}, err: subnet.ErrParamNotSettable},
	})
}
