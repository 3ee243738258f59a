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
