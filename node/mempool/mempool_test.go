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
