package host

import (
	"bytes"
	"iter"
	"slices"
)

// MemStorage is an in-memory Storage kept in ascending key order, for tools
// (`taorun module run`) and tests. Values are copied in and out, so callers
// may reuse their buffers. The zero value is empty and ready to use; it is
// not safe for concurrent use.
type MemStorage struct {
	entries []memEntry // sorted by key, keys unique
}

type memEntry struct{ key, value []byte }

// find returns the index of key, or where it would be inserted.
func (m *MemStorage) find(key []byte) (int, bool) {
	return slices.BinarySearchFunc(m.entries, key, func(e memEntry, k []byte) int { return bytes.Compare(e.key, k) })
}

// Get returns a copy of the value of key, and whether it exists.
func (m *MemStorage) Get(key []byte) ([]byte, bool, error) {
	i, ok := m.find(key)
	if !ok {
		return nil, false, nil
	}
	return bytes.Clone(m.entries[i].value), true, nil
}

// Set writes a copy of value under a copy of key.
func (m *MemStorage) Set(key, value []byte) error {
	v := append([]byte{}, value...)
	i, ok := m.find(key)
	if ok {
		m.entries[i].value = v
		return nil
	}
	m.entries = slices.Insert(m.entries, i, memEntry{append([]byte{}, key...), v})
	return nil
}

// Delete removes key if present.
func (m *MemStorage) Delete(key []byte) error {
	if i, ok := m.find(key); ok {
		m.entries = slices.Delete(m.entries, i, i+1)
	}
	return nil
}

// Len returns the number of keys.
func (m *MemStorage) Len() int { return len(m.entries) }

// All yields every key and value in ascending key order. The slices are the
// storage's own: do not modify them, and do not change the storage while
// iterating.
func (m *MemStorage) All() iter.Seq2[[]byte, []byte] {
	return func(yield func([]byte, []byte) bool) {
		for _, e := range m.entries {
			if !yield(e.key, e.value) {
				return
			}
		}
	}
}
