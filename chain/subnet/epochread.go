package subnet

import (
	"encoding/binary"
	"fmt"

	"github.com/taorun/taorun/chain/state"
	"github.com/taorun/taorun/chain/types"
	"github.com/taorun/taorun/consensus"
)

// The epoch reads a subnet's per-uid records with one prefix iteration per
// record kind and per 256 uids (the keys of uids hi·256 … hi·256+255 share
// the prefix ‖ netuid ‖ hi) instead of one exact-key read per uid and kind:
// in pebble a point read costs about as much as opening an iterator, and an
// iteration reads each data block once for all the keys in it. What the
// epoch reads is unchanged; only the access pattern is.
//
// Inside BlockStep these iterations read s.below, the state under the
// block step's own writes, so that they do not scan those writes (thousands
// in a block with many subnets) for the prefix. That reads the same values
// because the block step writes a subnet's per-uid records (results and
// bonds, in distribute) only in that subnet's epoch, after reading them,
// and runs at most one epoch per subnet per block; weights and commits it
// never writes.

// scanUIDs calls fn(uid, value) for every key of length keyLen under
// prefix ‖ netuid whose uid (the two bytes after netuid) is below n, in key
// order. Keys of other lengths (the hotkey maps at uid 0xFFFF) are skipped.
func (s *rw) scanUIDs(prefix byte, netuid, n uint16, keyLen int, fn func(uid uint16, k, v []byte)) {
	if n == 0 {
		return
	}
	for hi := 0; hi <= int(n-1)>>8; hi++ {
		s.iterateBelow(state.Key(prefix, state.BE16(netuid), []byte{byte(hi)}), func(k, v []byte) error {
			if len(k) != keyLen {
				return nil
			}
			if uid := binary.BigEndian.Uint16(k[3:5]); uid < n {
				fn(uid, k, v)
			}
			return nil
		})
	}
}

// epochRows are the per-uid records of one subnet an epoch reads.
type epochRows struct {
	neurons []Neuron
	results []Result
	weights [][]consensus.WeightEntry
	bonds   [][]consensus.WeightEntry
}

// readEpochRows reads the neuron records, last results, weights and bonds
// rows of uids 0..n-1 of netuid. Absent records read as zero values and
// absent rows as empty (non-nil) rows, as the per-key reads did.
func (s *rw) readEpochRows(netuid, n uint16) *epochRows {
	rows := &epochRows{
		neurons: make([]Neuron, n),
		results: make([]Result, n),
		weights: make([][]consensus.WeightEntry, n),
		bonds:   make([][]consensus.WeightEntry, n),
	}
	s.scanUIDs(state.PrefixNeuron, netuid, n, 6, func(uid uint16, k, v []byte) {
		switch k[5] {
		case neuronRec:
			if nr, err := decodeNeuron(v); err != nil {
				s.fail(fmt.Errorf("%w: value at %x: %v", ErrCorrupt, k, err))
			} else {
				rows.neurons[uid] = nr
			}
		case neuronRes:
			if res, err := decodeResult(v); err != nil {
				s.fail(fmt.Errorf("%w: value at %x: %v", ErrCorrupt, k, err))
			} else {
				rows.results[uid] = res
			}
		}
	})
	for _, t := range []struct {
		prefix byte
		out    [][]consensus.WeightEntry
	}{{state.PrefixWeights, rows.weights}, {state.PrefixBonds, rows.bonds}} {
		s.scanUIDs(t.prefix, netuid, n, 5, func(uid uint16, k, v []byte) {
			row, err := decodeEntries(v)
			if err != nil {
				s.fail(fmt.Errorf("%w: value at %x: %v", ErrCorrupt, k, err))
				return
			}
			t.out[uid] = row
		})
		for uid := range t.out {
			if t.out[uid] == nil {
				t.out[uid] = []consensus.WeightEntry{}
			}
		}
	}
	return rows
}

// commits returns the pending weights commits of netuid by hotkey, read
// with one prefix iteration. The map is only looked up, never ranged over.
func (s *rw) commits(netuid uint16) map[types.AccountID]commit {
	out := map[types.AccountID]commit{}
	prefix := state.Key(state.PrefixWeights, state.BE16(netuid), state.BE16(reservedIndex))
	s.iterateBelow(prefix, func(k, v []byte) error {
		if len(k) != len(prefix)+32 {
			return nil
		}
		c, err := decodeCommit(v)
		if err != nil {
			return fmt.Errorf("%w: value at %x: %v", ErrCorrupt, k, err)
		}
		out[types.AccountID(k[len(prefix):])] = c
		return nil
	})
	return out
}

// decodeEntries decodes a weights or bonds row (u32 count ‖ (u16 uid, u16
// value)…, at most maxUIDsHardCap entries, nothing after) straight into
// consensus entries; it accepts exactly the encodings that row accepts.
func decodeEntries(v []byte) ([]consensus.WeightEntry, error) {
	if len(v) < 4 {
		return nil, fmt.Errorf("row of %d bytes", len(v))
	}
	n := binary.LittleEndian.Uint32(v)
	if n > uint32(maxUIDsHardCap) || uint64(len(v)) != 4+4*uint64(n) {
		return nil, fmt.Errorf("row of %d entries in %d bytes", n, len(v))
	}
	out := make([]consensus.WeightEntry, n)
	for i := range out {
		e := v[4+4*i:]
		out[i] = consensus.WeightEntry{UID: binary.LittleEndian.Uint16(e), Value: binary.LittleEndian.Uint16(e[2:])}
	}
	return out, nil
}
