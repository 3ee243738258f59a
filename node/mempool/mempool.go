// Package mempool holds transactions that passed CheckTx until a block
// includes them: per-account queues keyed by nonce, ordered across accounts
// by fee.
//
// Invariants: at most one tx per (signer, nonce) — a second one replaces the
// first only if it pays a strictly higher fee; at most one fee-free tx
// (tx.FeeFreeNetuid) per (signer, subnet), mirroring the chain's one fee-free
// tx per signer and subnet per block, so that free txs cannot crowd the pool;
// the pool never holds more than
// its tx and byte bounds (Add fails with ErrFull instead of evicting); Reap
// returns, for each signer, only the gap-free run of nonces starting at the
// signer's account nonce, so every reaped tx is executable in order. Fee-free
// txs pay 0 (or a small tip), so under load they come after paying ones. The
// pool is node-local and not consensus-critical; it is safe for concurrent
// use.
package mempool

import (
	"bytes"
	"container/heap"
	"errors"
	"fmt"
	"sync"

	"github.com/taorun/taorun/chain/tx"
	"github.com/taorun/taorun/chain/types"
)

// Errors returned by Add.
var (
	ErrFull        = errors.New("mempool full")
	ErrDuplicate   = errors.New("tx already in mempool")
	ErrUnderpriced = errors.New("replacement fee too low")
	// ErrFeeFreePending refuses a second fee-free tx of a signer on a subnet
	// while one is pending (wait for it to be included, or pay the fee).
	ErrFeeFreePending = errors.New("a fee-free tx of this signer on this subnet is already pending")
)

type entry struct {
	tx   *tx.Tx
	raw  []byte
	hash types.Hash
	seq  uint64 // arrival order, the tie-break between equal fees
}

// Mempool is a bounded pool of pending transactions.
type Mempool struct {
	mu       sync.Mutex
	maxTxs   int
	maxBytes int
	bytes    int
	seq      uint64
	byHash   map[types.Hash]*entry
	bySender map[types.AccountID]map[uint64]*entry
}

// New returns a pool bounded to maxTxs transactions and maxBytes encoded bytes.
func New(maxTxs, maxBytes int) *Mempool {
	return &Mempool{maxTxs: maxTxs, maxBytes: maxBytes,
		byHash: make(map[types.Hash]*entry), bySender: make(map[types.AccountID]map[uint64]*entry)}
}

// Add inserts a tx that passed CheckTx.
func (m *Mempool) Add(t *tx.Tx) error {
	raw := t.Encode()
	e := &entry{tx: t, raw: raw, hash: t.Hash()}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.byHash[e.hash]; ok {
		return ErrDuplicate
	}
	q := m.bySender[t.Signer]
	old := q[t.Nonce]
	extraTxs, extraBytes := 1, len(raw)
	if old != nil {
		if t.Fee <= old.tx.Fee {
			return fmt.Errorf("%w: nonce %d already pending with fee %d", ErrUnderpriced, t.Nonce, old.tx.Fee)
		}
		extraTxs, extraBytes = 0, len(raw)-len(old.raw)
	}
	if netuid, ok := tx.FeeFreeNetuid(t); ok {
		for n, e := range q { // any match refuses: the order does not matter
			if other, free := tx.FeeFreeNetuid(e.tx); free && other == netuid && n != t.Nonce {
				return fmt.Errorf("%w: %s on subnet %d (nonce %d)", ErrFeeFreePending, tx.Name(e.tx.Call.Kind()), netuid, n)
			}
		}
	}
	if len(m.byHash)+extraTxs > m.maxTxs || m.bytes+extraBytes > m.maxBytes {
		return fmt.Errorf("%w: %d txs, %d bytes pending", ErrFull, len(m.byHash), m.bytes)
	}
	if q == nil {
		q = make(map[uint64]*entry)
		m.bySender[t.Signer] = q
	}
	if old != nil {
		m.drop(old)
	}
	m.seq++
	e.seq = m.seq
	q[t.Nonce] = e
	m.byHash[e.hash] = e
	m.bytes += len(raw)
	return nil
}

// drop removes e; m.mu must be held.
func (m *Mempool) drop(e *entry) {
	delete(m.byHash, e.hash)
	m.bytes -= len(e.raw)
	q := m.bySender[e.tx.Signer]
	if q[e.tx.Nonce] == e {
		delete(q, e.tx.Nonce)
	}
	if len(q) == 0 {
		delete(m.bySender, e.tx.Signer)
	}
}

// Len returns the number of pending txs.
func (m *Mempool) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.byHash)
}

// Has reports whether the tx is pending.
func (m *Mempool) Has(h types.Hash) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.byHash[h]
	return ok
}

// Remove drops the given txs (e.g. those a block included or that became invalid).
func (m *Mempool) Remove(hashes ...types.Hash) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, h := range hashes {
		if e, ok := m.byHash[h]; ok {
			m.drop(e)
		}
	}
}

// Recheck drops every tx whose nonce is below its signer's account nonce
// (nonceOf reads committed state); run it after each block.
func (m *Mempool) Recheck(nonceOf func(types.AccountID) (uint64, error)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for signer, q := range m.bySender {
		n, err := nonceOf(signer)
		if err != nil {
			continue
		}
		for nonce, e := range q {
			if nonce < n {
				m.drop(e)
			}
		}
	}
}

// Reap returns up to maxTxs encoded txs, at most maxBytes in total, ready to
// execute in the returned order: each signer's txs in nonce order starting at
// its account nonce with no gaps, interleaved across signers by fee (highest
// first; then arrival order). The txs stay pending until Removed.
func (m *Mempool) Reap(maxTxs, maxBytes int, nonceOf func(types.AccountID) (uint64, error)) [][]byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	h := &heads{}
	next := make(map[types.AccountID]uint64, len(m.bySender))
	for signer, q := range m.bySender {
		n, err := nonceOf(signer)
		if err != nil {
			continue
		}
		if e := q[n]; e != nil {
			next[signer] = n + 1
			*h = append(*h, e)
		}
	}
	heap.Init(h)
	var out [][]byte
	size := 0
	for h.Len() > 0 && len(out) < maxTxs {
		e := heap.Pop(h).(*entry)
		if size+len(e.raw) > maxBytes {
			break
		}
		out = append(out, e.raw)
		size += len(e.raw)
		s := e.tx.Signer
		if nx := m.bySender[s][next[s]]; nx != nil {
			next[s]++
			heap.Push(h, nx)
		}
	}
	return out
}

// heads is a max-heap of each signer's next executable tx.
type heads []*entry

func (h heads) Len() int { return len(h) }
func (h heads) Less(i, j int) bool {
	a, b := h[i], h[j]
	if a.tx.Fee != b.tx.Fee {
		return a.tx.Fee > b.tx.Fee
	}
	if a.seq != b.seq {
		return a.seq < b.seq
	}
	return bytes.Compare(a.hash[:], b.hash[:]) < 0
}
func (h heads) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *heads) Push(x any)   { *h = append(*h, x.(*entry)) }
func (h *heads) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}
