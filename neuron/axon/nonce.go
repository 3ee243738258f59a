package axon

import (
	"container/list"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/taorun/taorun/keys"
)

// Nonce rejections. errNonceStale and errNonceReplayed are 401s,
// errNonceTableFull a 429.
var (
	errNonceStale     = errors.New("nonce is too old")
	errNonceReplayed  = errors.New("nonce is not newer than the last one accepted from this dendrite")
	errNonceTableFull = errors.New("too many live dendrite sessions; retry later")
)

// endpoint is Bittensor's nonce endpoint key, "hotkey:uuid".
type endpoint struct {
	hotkey keys.PublicKey
	uuid   string
}

// nonceEntry is the last nonce accepted from one endpoint.
type nonceEntry struct {
	ep    endpoint
	nonce int64
}

// nonceTable remembers the last accepted nonce per endpoint, in LRU order,
// with at most capacity entries. maxWindow is the largest freshness window
// any request can get (AllowedDelta + the server's MaxTimeout): an entry
// whose nonce is older than now − maxWindow can be forgotten safely, since
// a replay of it would fail the freshness check anyway.
type nonceTable struct {
	mu        sync.Mutex
	capacity  int
	maxWindow time.Duration
	lru       *list.List // of *nonceEntry, most recent at the front
	byKey     map[endpoint]*list.Element
}

// newNonceTable returns an empty table.
func newNonceTable(capacity int, maxWindow time.Duration) *nonceTable {
	return &nonceTable{capacity: capacity, maxWindow: maxWindow, lru: list.New(), byKey: make(map[endpoint]*list.Element)}
}

// fresh checks Bittensor's freshness rule: nonce > now − (AllowedDelta + timeout).
func fresh(nonce int64, now time.Time, timeout time.Duration) error {
	window := AllowedDelta + timeout
	if nonce <= now.UnixNano()-window.Nanoseconds() {
		age := time.Duration(now.UnixNano() - nonce)
		return fmt.Errorf("%w: it is %.2f s old, acceptable delta is %.2f s", errNonceStale, age.Seconds(), window.Seconds())
	}
	return nil
}

// accept checks freshness at now and monotonicity for ep, and on success
// records nonce as ep's latest. Freshness is re-checked here, under the
// lock, so that a request delayed between an early check and this one
// cannot slip past an eviction.
func (t *nonceTable) accept(ep endpoint, nonce int64, now time.Time, timeout time.Duration) error {
	if err := fresh(nonce, now, timeout); err != nil {
		return err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if el, ok := t.byKey[ep]; ok {
		e := el.Value.(*nonceEntry)
		if nonce <= e.nonce {
			return errNonceReplayed
		}
		e.nonce = nonce
		t.lru.MoveToFront(el)
		return nil
	}
	if t.lru.Len() >= t.capacity {
		oldest := t.lru.Back()
		if oldest.Value.(*nonceEntry).nonce > now.UnixNano()-t.maxWindow.Nanoseconds() {
			return errNonceTableFull
		}
		delete(t.byKey, oldest.Value.(*nonceEntry).ep)
		t.lru.Remove(oldest)
	}
	t.byKey[ep] = t.lru.PushFront(&nonceEntry{ep: ep, nonce: nonce})
	return nil
}
