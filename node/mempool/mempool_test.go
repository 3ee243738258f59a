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
	p := New(100, 1<<20)
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
	p := New(2, 10*one)
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
	small := New(10, one+1)
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
	p := New(100, 1<<20)
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
