package state

import (
	"bytes"
	"errors"
	"strings"
)

type entry struct {
	value   []byte
	deleted bool
}

// Write is one pending write: a set (Deleted false) or a delete.
type Write struct {
	Key     []byte
	Value   []byte
	Deleted bool
}

// Overlay buffers writes over a parent Reader (the Store or another Overlay).
// Reads see the overlay's own writes first. A transaction runs on a child of
// the block overlay: Merge folds it in on success, and dropping it discards it,
// leaving the parent exactly as it was. An Overlay is not safe for concurrent
// use; block execution is single-threaded by design.
type Overlay struct {
	parent Reader
	writes map[string]entry
}

// NewOverlay returns an empty overlay over parent.
func NewOverlay(parent Reader) *Overlay {
	return &Overlay{parent: parent, writes: make(map[string]entry)}
}

// Child returns a new empty overlay over o.
func (o *Overlay) Child() *Overlay { return NewOverlay(o) }

// Get implements Reader.
func (o *Overlay) Get(key []byte) ([]byte, bool, error) {
	if e, ok := o.writes[string(key)]; ok {
		if e.deleted {
			return nil, false, nil
		}
		return bytes.Clone(e.value), true, nil
	}
	return o.parent.Get(key)
}

// Set records key = value (both copied).
func (o *Overlay) Set(key, value []byte) {
	o.writes[string(key)] = entry{value: bytes.Clone(value)}
}

// Delete records the removal of key.
func (o *Overlay) Delete(key []byte) {
	o.writes[string(key)] = entry{deleted: true}
}

// Len returns the number of pending writes.
func (o *Overlay) Len() int { return len(o.writes) }

// Merge folds o's writes into its parent, which must be an Overlay. o must not
// be used afterwards.
func (o *Overlay) Merge() error {
	p, ok := o.parent.(*Overlay)
	if !ok {
		return errors.New("state: merge of an overlay whose parent is not an overlay")
	}
	for k, e := range o.writes {
		p.writes[k] = e
	}
	o.writes = nil
	return nil
}

// Writes returns o's pending writes in ascending key order.
func (o *Overlay) Writes() []Write {
	ks := sortedKeys(o.writes)
	out := make([]Write, len(ks))
	for i, k := range ks {
		e := o.writes[k]
		out[i] = Write{Key: []byte(k), Value: e.value, Deleted: e.deleted}
	}
	return out
}

// Iterate implements Reader: the parent's entries merged with o's writes, in
// key order. It materialises the parent's entries under prefix first, so it
// costs O(entries under prefix); hot paths should use exact-key reads.
func (o *Overlay) Iterate(prefix []byte, fn func(key, value []byte) error) error {
	var base []Write
	err := o.parent.Iterate(prefix, func(k, v []byte) error {
		base = append(base, Write{Key: bytes.Clone(k), Value: bytes.Clone(v)})
		return nil
	})
	if err != nil {
		return err
	}
	var mine []string
	p := string(prefix)
	for k := range o.writes {
		if strings.HasPrefix(k, p) {
			mine = append(mine, k)
		}
	}
	sortStrings(mine)
	i, j := 0, 0
	for i < len(base) || j < len(mine) {
		var c int
		switch {
		case i == len(base):
			c = 1
		case j == len(mine):
			c = -1
		default:
			c = bytes.Compare(base[i].Key, []byte(mine[j]))
		}
		if c < 0 {
			if err := fn(base[i].Key, base[i].Value); err != nil {
				return err
			}
			i++
			continue
		}
		e := o.writes[mine[j]]
		if !e.deleted {
			if err := fn([]byte(mine[j]), e.value); err != nil {
				return err
			}
		}
		if c == 0 {
			i++
		}
		j++
	}
	return nil
}
