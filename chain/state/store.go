package state

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sort"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/bloom"
)

// Reader reads committed or pending state.
type Reader interface {
	// Get returns the value at key and whether it exists. The returned slice
	// belongs to the caller.
	Get(key []byte) (value []byte, found bool, err error)
	// Iterate calls fn for every key with the given prefix, in ascending key
	// order, stopping at the first error fn returns (which Iterate returns).
	// fn must not retain key or value.
	Iterate(prefix []byte, fn func(key, value []byte) error) error
}

// Store is the pebble database under the chain. It is safe for concurrent
// readers; writes go through Commit only, one at a time.
type Store struct {
	db *pebble.DB
}

// cacheBytes sizes pebble's block cache. An epoch-heavy block reads every
// neuron's stake and nominator keys of dozens of subnets; with pebble's 8 MB
// default most of those reads miss the cache. Memory is taken as blocks are
// read, not up front.
const cacheBytes = 256 << 20

// bloomBitsPerKey sets the bloom filters on every level: many of the state
// machine's point reads are for keys that do not exist (no take set, no
// nominators), which a filter answers without reading a data block.
const bloomBitsPerKey = 10

// Open opens (creating if needed) the store in dir.
func Open(dir string) (*Store, error) {
	cache := pebble.NewCache(cacheBytes)
	defer cache.Unref() // the DB holds its own reference
	opts := &pebble.Options{Logger: pebbleLogger{}, Cache: cache}
	for i := range opts.Levels {
		opts.Levels[i].FilterPolicy = bloom.FilterPolicy(bloomBitsPerKey)
	}
	db, err := pebble.Open(dir, opts)
	if err != nil {
		return nil, fmt.Errorf("open state store %s: %w", dir, err)
	}
	return &Store{db: db}, nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// Get implements Reader on committed state.
func (s *Store) Get(key []byte) ([]byte, bool, error) { return pebbleGet(s.db, key) }

// Iterate implements Reader on committed state.
func (s *Store) Iterate(prefix []byte, fn func(key, value []byte) error) error {
	return pebbleIterate(s.db, prefix, fn)
}

// pebbleReader is what the DB and its snapshots have in common.
type pebbleReader interface {
	Get(key []byte) ([]byte, io.Closer, error)
	NewIter(o *pebble.IterOptions) (*pebble.Iterator, error)
}

func pebbleGet(r pebbleReader, key []byte) ([]byte, bool, error) {
	v, closer, err := r.Get(key)
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	out := append([]byte{}, v...)
	closer.Close()
	return out, true, nil
}

func pebbleIterate(r pebbleReader, prefix []byte, fn func(key, value []byte) error) error {
	it, err := r.NewIter(&pebble.IterOptions{LowerBound: prefix, UpperBound: prefixEnd(prefix)})
	if err != nil {
		return err
	}
	for ok := it.First(); ok; ok = it.Next() {
		v, err := it.ValueAndErr()
		if err != nil {
			it.Close()
			return err
		}
		if err := fn(it.Key(), v); err != nil {
			it.Close()
			return err
		}
	}
	if err := it.Error(); err != nil {
		it.Close()
		return err
	}
	return it.Close()
}

// Snapshot is a consistent read-only view of committed state as of its
// creation: a block committed afterwards is not visible in it, so queries
// that read many keys see one block's state. Close it when done.
type Snapshot struct {
	snap *pebble.Snapshot
}

// Snapshot returns a consistent view of the committed state.
func (s *Store) Snapshot() *Snapshot { return &Snapshot{snap: s.db.NewSnapshot()} }

// Get implements Reader.
func (s *Snapshot) Get(key []byte) ([]byte, bool, error) { return pebbleGet(s.snap, key) }

// Iterate implements Reader.
func (s *Snapshot) Iterate(prefix []byte, fn func(key, value []byte) error) error {
	return pebbleIterate(s.snap, prefix, fn)
}

// Close releases the snapshot.
func (s *Snapshot) Close() error { return s.snap.Close() }

// Commit writes every write of o (state, history and meta alike) in one pebble
// batch with Sync: after it returns the writes are durable, and a crash during
// it leaves none of them. o's parent must be s.
func (s *Store) Commit(o *Overlay) error {
	if o.parent != Reader(s) {
		return errors.New("state: commit of an overlay that is not a direct child of the store")
	}
	b := s.db.NewBatch()
	defer b.Close()
	for k, e := range o.writes { // a pebble batch is applied atomically, so order is irrelevant here
		var err error
		if e.deleted {
			err = b.Delete([]byte(k), nil)
		} else {
			err = b.Set([]byte(k), e.value, nil)
		}
		if err != nil {
			return err
		}
	}
	return b.Commit(pebble.Sync)
}

// prefixEnd returns the smallest key greater than every key with prefix p, or
// nil when there is none (p empty or all 0xff).
func prefixEnd(p []byte) []byte {
	end := bytes.Clone(p)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

// sortedKeys returns the keys of m in ascending byte order.
func sortedKeys(m map[string]entry) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks) // Go string order is byte order
	return ks
}

// pebbleLogger routes pebble's messages to slog at debug/error level, so that
// pebble's routine chatter stays out of the node's output.
type pebbleLogger struct{}

func (pebbleLogger) Infof(format string, args ...any) {
	slog.Debug("pebble: " + fmt.Sprintf(format, args...))
}
func (pebbleLogger) Errorf(format string, args ...any) {
	slog.Error("pebble: " + fmt.Sprintf(format, args...))
}
func (pebbleLogger) Fatalf(format string, args ...any) {
	panic("pebble: " + fmt.Sprintf(format, args...))
}
