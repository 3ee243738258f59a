package tx

import (
	"testing"

	"github.com/taorun/taorun/chain/types"
	"github.com/taorun/taorun/keys"
)

// TestFeeFree checks the FeeFree column through FeeFreeNetuid and
// DefaultFee: exactly serve_axon and the weights calls may go fee-free, a tx
// of one is fee-free only below MinFee, and clients offer only the tip for
// them and MinFee plus the tip for everything else.
func TestFeeFree(t *testing.T) {
	k := keys.Dev("Alice")
	cases := []struct {
		call   Call
		netuid uint16
		free   bool
	}{
		{SetWeights{Netuid: 3, Uids: []uint16{1}, Weights: []uint16{1}}, 3, true},
		{CommitWeights{Netuid: 4}, 4, true},
		{RevealWeights{Netuid: 5, Salt: []uint16{1}}, 5, true},
		{ServeAxon{Netuid: 6, IPType: 4, Port: 1}, 6, true},
		{Transfer{To: k.Public(), Amount: 1}, 0, false},
		{BurnedRegister{Netuid: 3}, 0, false},
		{AddStake{Netuid: 3, Amount: 1}, 0, false},
		{SetHyperparameter{Netuid: 3, Param: "tempo"}, 0, false},
		{ActivateModule{Netuid: 3}, 0, false},
	}
	for _, c := range cases {
		name := Name(c.call.Kind())
		paying := New(k, types.Hash{}, 0, c.call, 0)
		min := MinFee(paying)
		if paying.Fee != min || !paying.Verify() {
			t.Fatalf("%s: New pays %d, MinFee %d", name, paying.Fee, min)
		}
		for _, fee := range []uint64{0, 1, min - 1, min, min + 1} {
			x := NewWithFee(k, types.Hash{}, 0, c.call, fee)
			netuid, ok := FeeFreeNetuid(x)
			if want := c.free && fee < min; ok != want || (ok && netuid != c.netuid) || x.Fee != fee || !x.Verify() {
				t.Fatalf("%s with fee %d: FeeFreeNetuid = %d, %v; want %d, %v", name, fee, netuid, ok, c.netuid, want)
			}
		}
		want := min + 9
		if c.free {
			want = 9
		}
		if got := DefaultFee(c.call, 9); got != want {
			t.Fatalf("%s: DefaultFee with tip 9 = %d, want %d", name, got, want)
		}
	}
}
