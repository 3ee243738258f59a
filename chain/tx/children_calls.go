package tx

import (
	"github.com/taorun/taorun/chain/codec"
	"github.com/taorun/taorun/chain/types"
)

// The child key calls (kinds 22 and 23), subtensor's set_children and
// set_childkey_take. Their meaning and checks are package chain/subnet's
// (children.go); here they are only arguments with a canonical encoding.
const (
	KindSetChildren     CallKind = 22
	KindSetChildkeyTake CallKind = 23
)

// MaxChildrenList bounds the children list a SetChildren call may carry when
// decoded; the chain refuses more than subnet.MaxChildren (5) with a clear
// error, so this only keeps decoding small.
const MaxChildrenList = 64

// ChildEntry is one child of a SetChildren call: Proportion of 2^64-1 of
// the parent's stake goes to Hotkey.
type ChildEntry struct {
	Proportion uint64
	Hotkey     types.AccountID
}

// SetChildren schedules Children as the children of Hotkey (owned by the
// signer, a coldkey) on subnet Netuid; an empty list revokes them.
type SetChildren struct {
	Hotkey   types.AccountID
	Netuid   uint16
	Children []ChildEntry
}

// SetChildkeyTake sets the childkey take of Hotkey (owned by the signer) on
// subnet Netuid, in units of 1/65535.
type SetChildkeyTake struct {
	Hotkey types.AccountID
	Netuid uint16
	Take   uint16
}

// Kind implements Call.
func (SetChildren) Kind() CallKind { return KindSetChildren }

// Kind implements Call.
func (SetChildkeyTake) Kind() CallKind { return KindSetChildkeyTake }

// Encode implements Call.
func (c SetChildren) Encode(w *codec.Writer) {
	w.Fixed(c.Hotkey[:])
	w.U16(c.Netuid)
	w.U32(uint32(len(c.Children)))
	for _, ch := range c.Children {
		w.U64(ch.Proportion)
		w.Fixed(ch.Hotkey[:])
	}
}

// Encode implements Call.
func (c SetChildkeyTake) Encode(w *codec.Writer) {
	w.Fixed(c.Hotkey[:])
	w.U16(c.Netuid)
	w.U16(c.Take)
}

func decodeSetChildren(r *codec.Reader) Call {
	c := SetChildren{Hotkey: r.Bytes32(), Netuid: r.U16()}
	n := r.Len(MaxChildrenList, "children")
	if r.Err() != nil {
		return c
	}
	c.Children = make([]ChildEntry, 0, min(n, r.Remaining()/40))
	for range n {
		e := ChildEntry{Proportion: r.U64(), Hotkey: r.Bytes32()}
		if r.Err() != nil {
			return c
		}
		c.Children = append(c.Children, e)
	}
	return c
}

func decodeSetChildkeyTake(r *codec.Reader) Call {
	return SetChildkeyTake{Hotkey: r.Bytes32(), Netuid: r.U16(), Take: r.U16()}
}
