package subnet

import (
	"bytes"
	"testing"

	"github.com/taorun/taorun/chain/state"
)

// TestPrefetchedReadsLikeItsParent checks that the prefetched view answers
// every read as its parent does: committed values, overlay sets and deletes
// over them, absent keys, covered and uncovered prefixes, first and repeated
// (memoised) reads; and that an overlay on top of it still sees its own
// writes first.
func TestPrefetchedReadsLikeItsParent(t *testing.T) {
	e := newEnv(t)
	keys := [][]byte{}
	for _, p := range []byte{state.PrefixSubnet, state.PrefixPool, state.PrefixEpoch, state.PrefixStake, state.PrefixNeuron} {
		for i := range byte(4) {
			keys = append(keys, []byte{p, 0, i})
		}
	}
	for i, k := range keys {
		if i%4 != 3 {
			e.o.Set(k, []byte{byte(i)}) // committed
		}
	}
	e.commit()
	for i, k := range keys {
		switch i % 4 {
		case 0:
			e.o.Set(k, []byte{byte(i), 1}) // overwritten in the parent overlay
		case 1:
			e.o.Delete(k) // deleted in the parent overlay
		}
	}
	pre := must(prefetch(e.o))
	for round := range 2 {
		for _, k := range keys {
			want, wok, _ := e.o.Get(k)
			got, ok, err := pre.Get(k)
			if err != nil || ok != wok || !bytes.Equal(got, want) {
				t.Fatalf("round %d key %x: got %x %v %v, want %x %v", round, k, got, ok, err, want, wok)
			}
		}
	}
	top := state.NewOverlay(pre)
	top.Set(keys[2], []byte{9})
	top.Set(keys[len(keys)-2], []byte{9})
	for _, k := range [][]byte{keys[2], keys[len(keys)-2]} {
		if v, ok, _ := top.Get(k); !ok || !bytes.Equal(v, []byte{9}) {
			t.Fatalf("key %x: overlay write not seen (%x %v)", k, v, ok)
		}
	}
	var n int
	if err := pre.Iterate([]byte{state.PrefixPool}, func(_, _ []byte) error { n++; return nil }); err != nil || n != 2 {
		t.Fatalf("iterate saw %d pool keys (%v), want 2", n, err)
	}
}
