package state

import (
	"crypto/sha256"
	"encoding/binary"
	"sort"

	"github.com/taorun/taorun/chain/types"
)

// rootDomain separates state-root preimages from every other sha256 use.
const rootDomain = "taorun/state-root/v1"

// Root computes the state root after a block. Consensus-critical.
//
//	root_h = sha256(rootDomain ‖ root_{h-1} ‖ be64(h) ‖ changes_h)
//	changes_h = sha256( for each write w of the block with IsState(w.Key),
//	                    in ascending key order:
//	                    be32(len key) ‖ key ‖ op ‖ be32(len value) ‖ value )
//
// where op is 1 for a set and 0 for a delete (a delete has an empty value).
// The genesis root uses h = 0 and root_{-1} = 32 zero bytes. The root thus
// commits to the whole history of state writes: two nodes that agree on a root
// executed the same writes at every height. writes must be sorted by key, as
// Overlay.Writes returns them; non-state keys are skipped.
func Root(prev types.Hash, height uint64, writes []Write) types.Hash {
	h := sha256.New()
	var n [4]byte
	for _, w := range writes {
		if !IsState(w.Key) {
			continue
		}
		binary.BigEndian.PutUint32(n[:], uint32(len(w.Key)))
		h.Write(n[:])
		h.Write(w.Key)
		if w.Deleted {
			h.Write([]byte{0, 0, 0, 0, 0})
			continue
		}
		h.Write([]byte{1})
		binary.BigEndian.PutUint32(n[:], uint32(len(w.Value)))
		h.Write(n[:])
		h.Write(w.Value)
	}
	var changes types.Hash
	h.Sum(changes[:0])
	return types.Sum([]byte(rootDomain), prev[:], BE64(height), changes[:])
}

func sortStrings(s []string) { sort.Strings(s) }
