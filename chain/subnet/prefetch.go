package subnet

import (
	"bytes"

	"github.com/taorun/taorun/chain/state"
)

// blockPrefixes are the state prefixes whose every entry BlockStep reads
// by exact key, a fixed handful per subnet each block (registration info,
// neuron count and hyperparameters; pools and moving prices; epoch
// bookkeeping and pending emission). Their size is bounded by MaxSubnets
// times a constant, unlike the per-uid and per-stake prefixes.
var blockPrefixes = []byte{state.PrefixSubnet, state.PrefixPool, state.PrefixEpoch}

// prefetched is a Reader over parent for the duration of one BlockStep. It
// answers exact-key reads under blockPrefixes from a copy of those prefixes
// taken when it was made (one prefix iteration each, instead of some twenty
// point reads per subnet per block), and remembers every other key it reads
// from parent, so that a key read twice in a block (a stake total read by
// the epoch input and again by the payout, a stake read before it is
// credited) reaches pebble once. Both are only valid while parent does not
// change: BlockStep writes into an overlay on top of it, which shadows them,
// and folds those writes into parent only at the end. Iterate goes to parent
// unchanged. The maps are only looked up, never ranged over, so nothing
// depends on map order.
type prefetched struct {
	parent state.Reader
	vals   map[string][]byte // blockPrefixes: present keys only
	memo   map[string]memoEntry
}

// memoEntry is a remembered point read (found false: the key is absent).
type memoEntry struct {
	value []byte
	found bool
}

// prefetch copies blockPrefixes of parent.
func prefetch(parent state.Reader) (*prefetched, error) {
	p := &prefetched{parent: parent, vals: map[string][]byte{}, memo: map[string]memoEntry{}}
	for _, prefix := range blockPrefixes {
		err := parent.Iterate([]byte{prefix}, func(k, v []byte) error {
			p.vals[string(k)] = bytes.Clone(v)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return p, nil
}

func (p *prefetched) covers(key []byte) bool {
	return len(key) > 0 && bytes.IndexByte(blockPrefixes, key[0]) >= 0
}

// Get implements state.Reader.
func (p *prefetched) Get(key []byte) ([]byte, bool, error) {
	var e memoEntry
	if p.covers(key) {
		e.value, e.found = p.vals[string(key)]
	} else if m, ok := p.memo[string(key)]; ok {
		e = m
	} else {
		v, found, err := p.parent.Get(key)
		if err != nil {
			return nil, false, err
		}
		e = memoEntry{v, found}
		p.memo[string(key)] = e
	}
	if !e.found {
		return nil, false, nil
	}
	return bytes.Clone(e.value), true, nil
}

// Iterate implements state.Reader.
func (p *prefetched) Iterate(prefix []byte, fn func(key, value []byte) error) error {
	return p.parent.Iterate(prefix, fn)
}

// atomicallyPrefetched is atomically for BlockStep: fn runs on an overlay
// over a prefetched view of o, and on success its writes (every set and
// delete, exactly as Merge would fold them) are applied to o.
func atomicallyPrefetched(o *state.Overlay, h Hooked, fn func(s *rw) error) error {
	pre, err := prefetch(o)
	if err != nil {
		return err
	}
	s := &rw{o: state.NewOverlay(pre), below: pre, mods: h.Modules, epochTimer: h.EpochTimer}
	err = fn(s)
	if s.err != nil {
		return s.err
	}
	if err != nil {
		return err
	}
	for _, w := range s.o.Writes() {
		if w.Deleted {
			o.Delete(w.Key)
		} else {
			o.Set(w.Key, w.Value)
		}
	}
	return nil
}
