package state

import (
	"bytes"
	"fmt"
	"reflect"
	"testing"

	"github.com/taorun/taorun/chain/types"
)

func openStore(t *testing.T, dir string) *Store {
	t.Helper()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func id(b byte) types.AccountID {
	var a types.AccountID
	a[0] = b
	return a
}

func TestOverlayChildDiscardLeavesParentUntouched(t *testing.T) {
	s := openStore(t, t.TempDir())
	defer s.Close()
	blk := NewOverlay(s)
	SetBalance(blk, id(1), 100)
	SetBalance(blk, id(2), 5)
	before, err := Dump(blk, nil)
	if err != nil {
		t.Fatal(err)
	}
	tx := blk.Child()
	SetBalance(tx, id(1), 0) // delete
	SetBalance(tx, id(3), 7)
	if v, _ := Balance(tx, id(1)); v != 0 {
		t.Fatalf("child sees balance %d after delete", v)
	}
	// Discard: simply drop tx.
	after, err := Dump(blk, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(before, after) {
		t.Fatalf("parent changed by a discarded child:\nbefore %v\nafter  %v", before, after)
	}
	tx = blk.Child()
	SetBalance(tx, id(3), 7)
	if err := tx.Merge(); err != nil {
		t.Fatal(err)
	}
	if v, _ := Balance(blk, id(3)); v != 7 {
		t.Fatalf("merged balance = %d, want 7", v)
	}
}

func TestOverlayIterateMergesInKeyOrder(t *testing.T) {
	s := openStore(t, t.TempDir())
	defer s.Close()
	base := NewOverlay(s)
	for _, b := range []byte{1, 3, 5} {
		SetBalance(base, id(b), uint64(b))
	}
	if err := s.Commit(base); err != nil {
		t.Fatal(err)
	}
	o := NewOverlay(s)
	SetBalance(o, id(2), 2) // insert between
	SetBalance(o, id(3), 0) // delete a committed key
	SetBalance(o, id(5), 50)
	SetBalance(o, id(9), 9)
	o.Set(NonceKey(id(1)), []byte{1, 0, 0, 0, 0, 0, 0, 0}) // other prefix: must not show
	var got []string
	err := o.Iterate([]byte{PrefixBalance}, func(k, v []byte) error {
		n, _ := GetU64(o, k)
		got = append(got, fmt.Sprintf("%d=%d", k[1], n))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"1=1", "2=2", "5=50", "9=9"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("iterate = %v, want %v", got, want)
	}
}

func TestCommitIsDurableAcrossReopen(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir)
	o := NewOverlay(s)
	SetBalance(o, id(1), 42)
	SetTotalIssuance(o, 42)
	o.Set(BlockKey(1), []byte("block"))
	if err := s.Commit(o); err != nil {
		t.Fatal(err)
	}
	want, _ := Dump(s, nil)
	s.Close()
	s = openStore(t, dir)
	defer s.Close()
	got, _ := Dump(s, nil)
	if !reflect.DeepEqual(got, want) || len(got) != 3 {
		t.Fatalf("after reopen: %v, want %v", got, want)
	}
}

func TestCommitRejectsGrandchild(t *testing.T) {
	s := openStore(t, t.TempDir())
	defer s.Close()
	if err := s.Commit(NewOverlay(s).Child()); err == nil {
		t.Fatal("commit of a grandchild overlay succeeded")
	}
	if err := NewOverlay(s).Merge(); err == nil {
		t.Fatal("merge into the store succeeded")
	}
}

func TestRootDefinition(t *testing.T) {
	// Vector: the root is fixed by its definition; this guards accidental
	// changes to the consensus-critical encoding.
	ws := []Write{
		{Key: BalanceKey(id(1)), Value: []byte{1, 0, 0, 0, 0, 0, 0, 0}},
		{Key: NonceKey(id(1)), Deleted: true},
		{Key: BlockKey(1), Value: []byte("ignored: history")},
	}
	got := Root(types.Hash{}, 1, ws)
	var pre bytes.Buffer
	pre.Write([]byte{0, 0, 0, 33})
	pre.Write(BalanceKey(id(1)))
	pre.Write([]byte{1, 0, 0, 0, 8, 1, 0, 0, 0, 0, 0, 0, 0})
	pre.Write([]byte{0, 0, 0, 33})
	pre.Write(NonceKey(id(1)))
	pre.Write([]byte{0, 0, 0, 0, 0})
	changes := types.Sum(pre.Bytes())
	want := types.Sum([]byte("taorun/state-root/v1"), make([]byte, 32), BE64(1), changes[:])
	if got != want {
		t.Fatalf("root = %s, want %s", got, want)
	}
	if Root(types.Hash{}, 2, ws) == got {
		t.Fatal("root does not depend on height")
	}
	if Root(got, 1, ws) == got {
		t.Fatal("root does not depend on the previous root")
	}
	if Root(types.Hash{}, 1, ws[:2]) != got {
		t.Fatal("history keys changed the root")
	}
}

func TestSetU64ZeroDeletes(t *testing.T) {
	s := openStore(t, t.TempDir())
	defer s.Close()
	o := NewOverlay(s)
	SetBurned(o, 5)
	SetBurned(o, 0)
	w := o.Writes()
	if len(w) != 1 || !w[0].Deleted {
		t.Fatalf("writes = %+v, want one delete", w)
	}
	o.Set(KeyBurned, []byte{1, 2, 3})
	if _, err := Burned(o); err == nil {
		t.Fatal("3-byte u64 value read without error")
	}
}

func TestSnapshotIsolatedFromLaterCommits(t *testing.T) {
	s := openStore(t, t.TempDir())
	defer s.Close()
	o := NewOverlay(s)
	SetBalance(o, id(1), 10)
	SetBalance(o, id(2), 20)
	if err := s.Commit(o); err != nil {
		t.Fatal(err)
	}
	snap := s.Snapshot()
	defer snap.Close()
	o = NewOverlay(s)
	SetBalance(o, id(1), 11)
	SetBalance(o, id(3), 30)
	if err := s.Commit(o); err != nil {
		t.Fatal(err)
	}
	if v, _ := Balance(snap, id(1)); v != 10 {
		t.Fatalf("snapshot sees balance %d, want the pre-commit 10", v)
	}
	if v, _ := Balance(s, id(1)); v != 11 {
		t.Fatalf("store sees balance %d, want 11", v)
	}
	var n int
	if err := snap.Iterate([]byte{PrefixBalance}, func(_, _ []byte) error { n++; return nil }); err != nil || n != 2 {
		t.Fatalf("snapshot iterates %d balances (%v), want 2", n, err)
	}
}
