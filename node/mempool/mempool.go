// Package mempool holds transactions that passed CheckTx until a block
// includes them: per-account queues keyed by nonce, ordered across accounts
// by priority.
//
// Priority. Each tx gets a priority when it is added, and Reap (whose order
// the block builder keeps) takes the signers' next txs highest priority
// first, in three tiers:
//
//  1. Fee-free txs (tx.FeeFreeNetuid: serve_axon and the weights calls of a
//     registered hotkey) whose signer has stake on the call's subnet, by
//     that stake, highest first. The stake is the hotkey's inherited alpha
//     on that subnet (chain.SubnetStake: what its uid weighs in with in the
//     epoch), read from committed state when the tx is added and not
//     refreshed after.
//  2. Paying txs, by fee (MinFee plus tip), highest first.
//  3. Fee-free txs of hotkeys without stake there (a miner's serve_axon, a
//     hotkey not yet staked), by the tip they carry.
//
// Ties go to the earlier arrival. Validators' weights thus never wait behind
// transfers under load, and a bigger validator goes first. This is a
// deliberate choice, not a port: subtensor's transaction extension now
// gives every call priority 0, so its Pays::No calls rank by tip alone,
// behind paying ones, and its earlier versions ranked set_weights by blocks
// since the uid's last update plus 2^32 (the stake read but unused), below
// every other call's u64::MAX. The first tier is bounded, not capped: each
// of its txs passed its call's admission (a registered hotkey, the weights,
// commit or serving rate limit), the pool holds one per signer and subnet,
// and the chain includes one per signer and subnet per block, so at most
// one tx per staked registered hotkey and subnet goes ahead of paying txs
// in a block. Only very many such hotkeys on subnets with low rate limits
// (weights_rate_limit 0 allows one each per block) could keep paying txs
// waiting; no share of the block is reserved for paying txs. Priority only orders; it never makes
// a tx valid or invalid.
//
// Invariants: at most one tx per (signer, nonce) — a second one replaces the
// first only if it pays a strictly higher fee; at most one fee-free tx
// (tx.FeeFreeNetuid) per (signer, subnet), mirroring the chain's one fee-free
// tx per signer and subnet per block, so that free txs cannot crowd the pool;
// the pool never holds more than its tx and byte bounds (Add fails with
// ErrFull instead of evicting); Reap returns, for each signer, only the
// gap-free run of nonces starting at the signer's account nonce, in nonce
// order whatever their priorities (a signer's high-priority tx waits for
// its lower-priority predecessors), so every reaped tx is executable in
// order. The pool is node-local and not consensus-critical; it is safe for
// concurrent use.
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

// Priority tiers (package comment), highest first.
const (
	tierFreeUnstaked uint8 = iota // fee-free, no stake on the subnet: by tip
	tierPaying                    // by fee
	tierFreeStaked                // fee-free with stake on the subnet: by stake
)

// priority orders txs across signers: tier first, then value (stake or
// fee), both higher first.
type priority struct {
	tier  uint8
	value uint64
}

func (p priority) above(q priority) bool {
	if p.tier != q.tier {
		return p.tier > q.tier
	}
	return p.value > q.value
}

// StakeFunc returns hotkey's stake on netuid from committed state (node
// passes chain.SubnetStake); it ranks fee-free txs.
type StakeFunc func(hotkey types.AccountID, netuid uint16) (uint64, error)

type entry struct {
	tx   *tx.Tx
	raw  []byte
	hash types.Hash
	prio priority
	seq  uint64 // arrival order, the tie-break between equal priorities
}

// Mempool is a bounded pool of pending transactions.
type Mempool struct {
	stakeOf  StakeFunc
	mu       sync.Mutex
	maxTxs   int
	maxBytes int
	bytes    int
	seq      uint64
	byHash   map[types.Hash]*entry
	bySender map[types.AccountID]map[uint64]*entry
}

// New returns a pool bounded to maxTxs transactions and maxBytes encoded
// bytes that ranks fee-free txs by stakeOf (nil: every fee-free tx counts
// as unstaked).
func New(maxTxs, maxBytes int, stakeOf StakeFunc) *Mempool {
	return &Mempool{stakeOf: stakeOf, maxTxs: maxTxs, maxBytes: maxBytes,
		byHash: make(map[types.Hash]*entry), bySender: make(map[types.AccountID]map[uint64]*entry)}
}

// priorityOf ranks t (package comment), reading the stake of a fee-free
// tx's signer on its subnet.
func (m *Mempool) priorityOf(t *tx.Tx) (priority, error) {
	netuid, free := tx.FeeFreeNetuid(t)
	if !free {
		return priority{tierPaying, t.Fee}, nil
	}
	var stake uint64
	if m.stakeOf != nil {
		var err error
		if stake, err = m.stakeOf(t.Signer, netuid); err != nil {
			return priority{}, fmt.Errorf("mempool: stake of %s on subnet %d for a fee-free %s: %w", t.Signer.SS58(), netuid,
				tx.Name(t.Call.Kind()), err)
		}
	}
	if stake == 0 {
		return priority{tierFreeUnstaked, t.Fee}, nil
	}
	return priority{tierFreeStaked, stake}, nil
}

// Add inserts a tx that passed CheckTx, ranking it (package comment); it
// fails, adding nothing, when a fee-free tx's stake cannot be read.
func (m *Mempool) Add(t *tx.Tx) error {
	// The stake is read before taking the lock: a state read must not stall
	// every other pool user.
	prio, err := m.priorityOf(t)
	if err != nil {
		return err
	}
	raw := t.Encode()
	e := &entry{tx: t, raw: raw, hash: t.Hash(), prio: prio}
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
// its account nonce with no gaps, interleaved across signers by priority
// (package comment: highest first, then arrival order). The txs stay
// pending until Removed.
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

// heads is a max-heap (by priority) of each signer's next executable tx.
type heads []*entry

func (h heads) Len() int { return len(h) }
func (h heads) Less(i, j int) bool {
	a, b := h[i], h[j]
	if a.prio != b.prio {
		return a.prio.above(b.prio)
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
