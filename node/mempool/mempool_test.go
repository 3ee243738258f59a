package mempool

import (
	"errors"
	"testing"

	"github.com/taorun/taorun/chain/tx"
	"github.com/taorun/taorun/chain/types"
	"github.com/taorun/taorun/keys"
)

var (
	g       = types.Sum([]byte("genesis"))
	alice   = keys.Dev("Alice")
	bob     = keys.Dev("Bob")
	charlie = keys.Dev("Charlie")
)

func mk(k *keys.Keypair, nonce, tip uint64) *tx.Tx {
	return tx.New(k, g, nonce, tx.Transfer{To: charlie.Public(), Amount: 1}, tip)
}

func nonces(m map[types.AccountID]uint64) func(types.AccountID) (uint64, error) {
	return func(id types.AccountID) (uint64, error) { return m[id], nil }
}

func TestReapOrdersByNonceThenFee(t *testing.T) {
	p := New(100, 1<<20, nil)
	a0, a1, a3 := mk(alice, 0, 10), mk(alice, 1, 1000), mk(alice, 3, 5000) // a3 has a gap
	b0, b1 := mk(bob, 0, 50), mk(bob, 1, 0)
	for _, x := range []*tx.Tx{a1, a3, b1, a0, b0} {
		if err := p.Add(x); err != nil {
			t.Fatal(err)
		}
	}
	got := p.Reap(100, 1<<20, nonces(nil))
	want := []*tx.Tx{b0, a0, a1, b1} // bob's head pays more; alice's 1 outbids bob's 1; a3 waits for nonce 2
	if len(got) != len(want) {
		t.Fatalf("reaped %d txs, want %d", len(got), len(want))
	}
	for i := range want {
		if types.Sum(got[i]) != want[i].Hash() {
			t.Fatalf("position %d: wrong tx", i)
		}
	}
	if n := len(p.Reap(2, 1<<20, nonces(nil))); n != 2 {
		t.Fatalf("maxTxs: reaped %d", n)
	}
	if n := len(p.Reap(100, len(b0.Encode())+1, nonces(nil))); n != 1 {
		t.Fatalf("maxBytes: reaped %d", n)
	}
	// After a block that consumed alice 0..1, recheck drops them.
	p.Recheck(nonces(map[types.AccountID]uint64{alice.Public(): 2}))
	if p.Has(a0.Hash()) || p.Has(a1.Hash()) || !p.Has(a3.Hash()) || p.Len() != 3 {
		t.Fatalf("after recheck: len %d", p.Len())
	}
	p.Remove(b0.Hash(), b1.Hash())
	if p.Len() != 1 {
		t.Fatalf("after remove: len %d", p.Len())
	}
}

func TestAddErrors(t *testing.T) {
	x := mk(alice, 0, 10)
	one := len(x.Encode())
	p := New(2, 10*one, nil)
	if err := p.Add(x); err != nil {
		t.Fatal(err)
	}
	if err := p.Add(x); !errors.Is(err, ErrDuplicate) {
		t.Fatalf("duplicate: %v", err)
	}
	if err := p.Add(mk(alice, 0, 10)); !errors.Is(err, ErrUnderpriced) {
		t.Fatalf("same fee replacement: %v", err)
	}
	better := mk(alice, 0, 11)
	if err := p.Add(better); err != nil || p.Has(x.Hash()) || !p.Has(better.Hash()) || p.Len() != 1 {
		t.Fatalf("replacement: %v", err)
	}
	if err := p.Add(mk(bob, 0, 0)); err != nil {
		t.Fatal(err)
	}
	if err := p.Add(mk(bob, 1, 0)); !errors.Is(err, ErrFull) {
		t.Fatalf("tx bound: %v", err)
	}
	small := New(10, one+1, nil)
	small.Add(mk(alice, 0, 0))
	if err := small.Add(mk(bob, 0, 0)); !errors.Is(err, ErrFull) {
		t.Fatalf("byte bound: %v", err)
	}
}

// TestFeeFreeOnePending: the pool holds at most one fee-free tx per signer
// and subnet; paying txs, other subnets, other signers and a same-nonce
// replacement with a higher fee are unaffected.
func TestFeeFreeOnePending(t *testing.T) {
	free := func(k *keys.Keypair, nonce uint64, call tx.Call, fee uint64) *tx.Tx {
		return tx.NewWithFee(k, g, nonce, call, fee)
	}
	weights := func(netuid uint16) tx.Call {
		return tx.SetWeights{Netuid: netuid, Uids: []uint16{0}, Weights: []uint16{1}}
	}
	axon := tx.ServeAxon{Netuid: 1, IPType: 4, Port: 1}
	p := New(100, 1<<20, nil)
	steps := []struct {
		name string
		tx   *tx.Tx
		want error
	}{
		{"first fee-free on subnet 1", free(alice, 0, weights(1), 0), nil},
		{"second fee-free on subnet 1", free(alice, 1, axon, 0), ErrFeeFreePending},
		{"second with a tip below the floor", free(alice, 1, tx.CommitWeights{Netuid: 1}, 5), ErrFeeFreePending},
		{"same call paying the fee", tx.New(alice, g, 1, weights(1), 0), nil},
		{"fee-free on subnet 2", free(alice, 2, weights(2), 0), nil},
		{"another signer on subnet 1", free(bob, 0, weights(1), 0), nil},
		{"replacing the pending one with a tip", free(alice, 0, weights(1), 1), nil},
	}
	for _, s := range steps {
		if err := p.Add(s.tx); (s.want == nil) != (err == nil) || (s.want != nil && !errors.Is(err, s.want)) {
			t.Fatalf("%s: %v, want %v", s.name, err, s.want)
		}
	}
	if p.Len() != 4 {
		t.Fatalf("pool holds %d txs, want 4", p.Len())
	}
	// Once the pending one leaves (included), the next fee-free one enters.
	p.Remove(steps[len(steps)-1].tx.Hash())
	if err := p.Add(free(alice, 3, axon, 0)); err != nil {
		t.Fatal(err)
	}
}

// TestReapPriority: fee-free txs of hotkeys staked on the call's subnet come
// first, by stake; then paying txs by fee; then fee-free txs of unstaked
// hotkeys by tip; ties by arrival; each signer's txs stay in nonce order.
func TestReapPriority(t *testing.T) {
	dave, eve, ferdie := keys.Dev("Dave"), keys.Dev("Eve"), keys.Dev("Ferdie")
	weights := func(k *keys.Keypair, nonce uint64, netuid uint16, tip uint64) *tx.Tx {
		return tx.NewWithFee(k, g, nonce, tx.SetWeights{Netuid: netuid, Uids: []uint16{0}, Weights: []uint16{1}}, tip)
	}
	axon := func(k *keys.Keypair, nonce uint64) *tx.Tx {
		return tx.NewWithFee(k, g, nonce, tx.ServeAxon{Netuid: 1, IPType: 4, Port: 1}, 0)
	}
	type stakeKey struct {
		hot    types.AccountID
		netuid uint16
	}
	cases := []struct {
		name  string
		stake map[stakeKey]uint64
		add   []*tx.Tx // in arrival order
		want  []int    // indexes into add, in reaped order
	}{
		{name: "a staked validator's weights before transfers",
			stake: map[stakeKey]uint64{{dave.Public(), 1}: 5},
			add:   []*tx.Tx{mk(alice, 0, 1_000_000), weights(dave, 0, 1, 0)},
			want:  []int{1, 0}},
		{name: "fee-free txs ranked by stake",
			stake: map[stakeKey]uint64{{dave.Public(), 1}: 10, {eve.Public(), 1}: 20, {ferdie.Public(), 1}: 20},
			add:   []*tx.Tx{weights(dave, 0, 1, 0), weights(eve, 0, 1, 0), mk(alice, 0, 0), weights(ferdie, 0, 1, 0)},
			want:  []int{1, 3, 0, 2}}, // eve and ferdie tie on stake: arrival order
		{name: "the stake counted is the call's subnet's",
			stake: map[stakeKey]uint64{{dave.Public(), 1}: 1 << 40},
			add:   []*tx.Tx{weights(dave, 0, 2, 0), mk(alice, 0, 0)},
			want:  []int{1, 0}},
		{name: "unstaked fee-free txs last, by tip",
			stake: nil,
			add:   []*tx.Tx{axon(dave, 0), weights(eve, 0, 1, 3), mk(alice, 0, 0), mk(bob, 0, 10)},
			want:  []int{3, 2, 1, 0}},
		{name: "a tip does not lift an unstaked fee-free tx above paying ones",
			stake: map[stakeKey]uint64{{eve.Public(), 1}: 1},
			add:   []*tx.Tx{weights(dave, 0, 1, tx.MinFee(weights(dave, 0, 1, 0))-1), mk(alice, 0, 0), weights(eve, 0, 1, 0)},
			want:  []int{2, 1, 0}},
		// Alice's fee-free tx outranks everything but waits for her nonce 0;
		// once that is reaped it goes before Bob's remaining one.
		{name: "nonce order within a signer",
			stake: map[stakeKey]uint64{{alice.Public(), 1}: 1 << 50},
			add:   []*tx.Tx{weights(alice, 1, 1, 0), mk(alice, 0, 2_000), mk(bob, 0, 5_000), mk(bob, 1, 1_000)},
			want:  []int{2, 1, 0, 3}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			reads := 0
			p := New(100, 1<<20, func(hot types.AccountID, netuid uint16) (uint64, error) {
				reads++
				return c.stake[stakeKey{hot, netuid}], nil
			})
			free := 0
			for i, x := range c.add {
				if _, ok := tx.FeeFreeNetuid(x); ok {
					free++
				}
				if err := p.Add(x); err != nil {
					t.Fatalf("add %d: %v", i, err)
				}
			}
			if reads != free {
				t.Fatalf("%d stake reads for %d fee-free txs", reads, free)
			}
			got := p.Reap(100, 1<<20, nonces(nil))
			if len(got) != len(c.want) {
				t.Fatalf("reaped %d txs, want %d", len(got), len(c.want))
			}
			for pos, i := range c.want {
				if types.Sum(got[pos]) != c.add[i].Hash() {
					for j, raw := range got {
						for k, x := range c.add {
							if types.Sum(raw) == x.Hash() {
								t.Logf("position %d: tx %d", j, k)
							}
						}
					}
					t.Fatalf("position %d: want tx %d", pos, i)
				}
			}
		})
	}
}

// TestAddStakeError: a fee-free tx whose signer's stake cannot be read is
// refused with the read's error and leaves the pool as it was; paying txs
// never read stake.
func TestAddStakeError(t *testing.T) {
	boom := errors.New("state read failed")
	p := New(100, 1<<20, func(types.AccountID, uint16) (uint64, error) { return 0, boom })
	free := tx.NewWithFee(alice, g, 0, tx.SetWeights{Netuid: 1, Uids: []uint16{0}, Weights: []uint16{1}}, 0)
	if err := p.Add(free); !errors.Is(err, boom) {
		t.Fatalf("fee-free add: %v, want the stake read's error", err)
	}
	if p.Len() != 0 || p.Has(free.Hash()) {
		t.Fatalf("pool holds %d txs after a refused add", p.Len())
	}
	if err := p.Add(mk(alice, 0, 0)); err != nil {
		t.Fatalf("paying add: %v", err)
	}
}
