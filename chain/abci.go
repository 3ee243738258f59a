package chain

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/taorun/taorun/chain/block"
	"github.com/taorun/taorun/chain/codec"
	"github.com/taorun/taorun/chain/state"
	"github.com/taorun/taorun/chain/tx"
	"github.com/taorun/taorun/chain/types"
)

// Proposal is what an engine asks the chain to execute: the next height, the
// block time (Unix ms, chosen by the proposer, never read from a clock during
// execution), the proposer and the encoded txs in order.
type Proposal struct {
	Height   uint64
	Time     int64
	Proposer types.AccountID
	Txs      [][]byte
}

// Dropped is a candidate tx PrepareProposal left out, with the reason.
type Dropped struct {
	Hash types.Hash
	Raw  []byte
	Err  error
}

// FinalizeResult is the outcome of FinalizeBlock: the block record (its header
// carries the new state root), the receipts in tx order and the hooks' events.
type FinalizeResult struct {
	Block    *block.Block
	Hash     types.Hash
	Receipts []*block.Receipt
	Events   []block.Event
}

// executed is an executed but uncommitted block.
type executed struct {
	block    *block.Block
	hashes   []types.Hash
	receipts []*block.Receipt
	invalid  []error // validity error per tx (nil if valid)
	events   []block.Event
	overlay  *state.Overlay
}

// CheckTx validates a tx for the mempool against committed state: canonical
// decoding, genesis hash, fee floor, signature, nonce (not below the account's,
// at most MaxNonceAhead above) and a balance that covers the fee; a fee-free
// tx instead of the fee floor passes its call's admission checks as of the
// next block. It changes nothing. Safe for concurrent use.
func (c *Chain) CheckTx(raw []byte) (*tx.Tx, error) {
	t, err := tx.Decode(raw)
	if err != nil {
		return nil, err
	}
	h := t.Hash()
	sigOK := c.sigs.has(h)
	if !sigOK && t.Genesis == c.genesisHash {
		if sigOK = t.Verify(); sigOK {
			c.sigs.add(h)
		}
	}
	// The next block's height: what a fee-free call's rate limits are
	// checked against (the block may still refuse it: its hooks and earlier
	// txs run first).
	if _, err := c.checkValidity(c.store, t, sigOK, MaxNonceAhead, c.Head().Header.Height+1, nil); err != nil {
		return nil, err
	}
	return t, nil
}

// checkHeader checks a proposal's height and time against the head.
func (c *Chain) checkHeader(p *Proposal) error {
	head := c.Head()
	if p.Height != head.Header.Height+1 {
		return fmt.Errorf("chain: proposal height %d, want %d", p.Height, head.Header.Height+1)
	}
	if p.Time < head.Header.Time {
		return fmt.Errorf("chain: proposal time %d is before the parent's %d", p.Time, head.Header.Time)
	}
	if len(p.Txs) > block.MaxBlockTxs {
		return fmt.Errorf("chain: proposal has %d txs, limit %d", len(p.Txs), block.MaxBlockTxs)
	}
	return nil
}

// PrepareProposal (proposer only; need not be deterministic) executes the
// candidates, in the order given, up to maxBytes of txs, and returns the
// proposal without the invalid ones, which it reports as dropped (callers
// evict them from the mempool). The execution is kept, so a FinalizeBlock of
// exactly the returned proposal does not execute it again.
func (c *Chain) PrepareProposal(p Proposal, maxBytes int) (*Proposal, []Dropped, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.checkHeader(&p); err != nil {
		return nil, nil, err
	}
	size, n := 0, 0
	for n < len(p.Txs) && size+len(p.Txs[n]) <= maxBytes {
		size += len(p.Txs[n])
		n++
	}
	p.Txs = p.Txs[:n]
	ex, err := c.execute(&p)
	if err != nil {
		return nil, nil, err
	}
	// Invalid txs wrote nothing, so removing them leaves the state (and root)
	// as executed; only the tx list, receipts and tx root change.
	var dropped []Dropped
	kept := &executed{overlay: ex.overlay, events: ex.events, block: &block.Block{Header: ex.block.Header}}
	for i, raw := range ex.block.Txs {
		if ex.invalid[i] != nil {
			dropped = append(dropped, Dropped{Hash: ex.hashes[i], Raw: raw, Err: ex.invalid[i]})
			continue
		}
		rc := ex.receipts[i]
		rc.Index = uint32(len(kept.receipts))
		kept.block.Txs = append(kept.block.Txs, raw)
		kept.hashes = append(kept.hashes, ex.hashes[i])
		kept.receipts = append(kept.receipts, rc)
		kept.invalid = append(kept.invalid, nil)
	}
	kept.block.Header.TxRoot = block.TxRoot(kept.hashes)
	c.prepared = kept
	out := p
	out.Txs = kept.block.Txs
	return &out, dropped, nil
}

// ProcessProposal (every node; deterministic) accepts a proposal whose height
// follows the head, whose time does not go back and whose txs all decode.
// Invalid-but-decodable txs are accepted and recorded as invalid by
// FinalizeBlock, as ABCI recommends.
func (c *Chain) ProcessProposal(p Proposal) error {
	if err := c.checkHeader(&p); err != nil {
		return err
	}
	for i, raw := range p.Txs {
		if _, err := tx.Decode(raw); err != nil {
			return fmt.Errorf("chain: proposal tx %d: %w", i, err)
		}
	}
	return nil
}

// FinalizeBlock executes the proposal (or reuses PrepareProposal's execution
// of the same proposal) and returns the block and receipts. It writes nothing
// durable; Commit does. Consensus-critical.
func (c *Chain) FinalizeBlock(p Proposal) (*FinalizeResult, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.checkHeader(&p); err != nil {
		return nil, err
	}
	ex := c.prepared
	c.prepared = nil
	if ex == nil || !ex.matches(&p) {
		var err error
		if ex, err = c.execute(&p); err != nil {
			return nil, err
		}
	}
	c.pending = ex
	return &FinalizeResult{Block: ex.block, Hash: ex.block.Header.Hash(), Receipts: ex.receipts, Events: ex.events}, nil
}

// matches reports whether ex is the execution of p.
func (ex *executed) matches(p *Proposal) bool {
	h := ex.block.Header
	if h.Height != p.Height || h.Time != p.Time || h.Proposer != p.Proposer || len(p.Txs) != len(ex.hashes) {
		return false
	}
	for i, raw := range p.Txs {
		if types.Sum(raw) != ex.hashes[i] {
			return false
		}
	}
	return true
}

// Commit makes the block from the last FinalizeBlock durable (one synced
// batch) and advances the head.
func (c *Chain) Commit() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pending == nil {
		return errors.New("chain: commit without a finalized block")
	}
	ex := c.pending
	c.pending = nil
	if err := c.commit(ex); err != nil {
		return err
	}
	for _, h := range ex.hashes {
		c.sigs.remove(h)
	}
	return nil
}

// commit writes ex's state, block, receipts, indexes and head in one batch.
func (c *Chain) commit(ex *executed) error {
	o := ex.overlay
	hdr := ex.block.Header
	hash := hdr.Hash()
	o.Set(state.BlockKey(hdr.Height), ex.block.Encode())
	o.Set(state.BlockHashKey(hash), state.BE64(hdr.Height))
	for i, rc := range ex.receipts {
		rc.Height, rc.Index, rc.TxHash = hdr.Height, uint32(i), ex.hashes[i]
		o.Set(state.ReceiptKey(hdr.Height, uint32(i)), rc.Encode())
		// First inclusion wins: a replayed tx (invalid) never hides the
		// receipt of its earlier, real execution.
		k := state.TxIndexKey(ex.hashes[i])
		if _, seen, err := o.Get(k); err != nil {
			return err
		} else if !seen {
			o.Set(k, append(state.BE64(hdr.Height), state.BE32(uint32(i))...))
		}
	}
	if len(ex.events) > 0 {
		o.Set(state.BlockEventsKey(hdr.Height), block.EncodeEvents(ex.events))
	}
	w := codec.NewWriter(72)
	w.U64(hdr.Height)
	w.Bytes32(hash)
	w.Bytes32(hdr.StateRoot)
	o.Set(state.KeyHead, w.Bytes())
	// The head moves with the state under headMu, and View snapshots under
	// it, so no reader sees block h's state beside head h-1.
	c.headMu.Lock()
	defer c.headMu.Unlock()
	if err := c.store.Commit(o); err != nil {
		return fmt.Errorf("chain: commit block %d: %w", hdr.Height, err)
	}
	c.head = Head{Header: hdr, Hash: hash}
	return nil
}

// execute runs hooks and txs of p on a fresh overlay over committed state.
// Consensus-critical.
func (c *Chain) execute(p *Proposal) (*executed, error) {
	head := c.Head()
	blk := state.NewOverlay(c.store)
	bc := &BlockContext{State: blk, Height: p.Height, Time: p.Time, Proposer: p.Proposer, ParentHash: head.Hash, epochObs: c.epochObs,
		feeFree: feeFreeSlots{}}
	bc.mods = c.newBlockModules(bc)
	for _, h := range c.hooks {
		if err := h.BeginBlock(bc); err != nil {
			return nil, fmt.Errorf("chain: hook %s BeginBlock at %d: %w", h.Name(), p.Height, err)
		}
	}
	items := c.decodeAndVerify(p.Txs)
	ex := &executed{overlay: blk, block: &block.Block{Txs: p.Txs},
		hashes: make([]types.Hash, len(items)), receipts: make([]*block.Receipt, len(items)), invalid: make([]error, len(items))}
	for i, it := range items {
		ex.hashes[i] = it.hash
		if it.err != nil {
			ex.invalid[i] = it.err
			ex.receipts[i] = &block.Receipt{Status: block.StatusInvalid, Error: it.err.Error()}
			continue
		}
		rc, invalid, err := c.applyTx(blk, bc, it.tx, it.sigOK)
		if err != nil {
			return nil, fmt.Errorf("chain: block %d tx %d: %w", p.Height, i, err)
		}
		ex.receipts[i], ex.invalid[i] = rc, invalid
	}
	for i, rc := range ex.receipts {
		rc.Height, rc.Index, rc.TxHash = p.Height, uint32(i), ex.hashes[i]
	}
	for _, h := range c.hooks {
		if err := h.EndBlock(bc); err != nil {
			return nil, fmt.Errorf("chain: hook %s EndBlock at %d: %w", h.Name(), p.Height, err)
		}
	}
	ex.events = bc.events
	ex.block.Header = block.Header{Height: p.Height, ParentHash: head.Hash, Time: p.Time, Proposer: p.Proposer,
		TxRoot: block.TxRoot(ex.hashes), StateRoot: state.Root(head.Header.StateRoot, p.Height, blk.Writes())}
	return ex, nil
}

// item is one decoded and signature-checked tx of a block.
type item struct {
	tx    *tx.Tx
	hash  types.Hash
	sigOK bool
	err   error // decoding error
}

// decodeAndVerify decodes every tx and checks its signature, spread over all
// CPUs. Each result lands in its own slot, so the output does not depend on
// scheduling; signatures already checked (by CheckTx) are not checked again,
// which is safe because validity is a pure function of the tx bytes.
func (c *Chain) decodeAndVerify(raws [][]byte) []item {
	items := make([]item, len(raws))
	const chunk = 32
	var next atomic.Int64
	var wg sync.WaitGroup
	workers := min(runtime.GOMAXPROCS(0), (len(raws)+chunk-1)/chunk)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				lo := int(next.Add(chunk)) - chunk
				if lo >= len(raws) {
					return
				}
				for i := lo; i < min(lo+chunk, len(raws)); i++ {
					it := &items[i]
					it.hash = types.Sum(raws[i])
					if it.tx, it.err = tx.Decode(raws[i]); it.err != nil {
						continue
					}
					if it.sigOK = c.sigs.has(it.hash); !it.sigOK {
						it.sigOK = it.tx.Verify()
					}
				}
			}
		}()
	}
	wg.Wait()
	return items
}

// sigCache remembers hashes of txs whose signatures verified, so that a tx
// checked on entry to the mempool is not verified again in its block. It is
// bounded: when full it is cleared (a miss only costs a verification).
type sigCache struct {
	mu  sync.Mutex
	max int
	m   map[types.Hash]struct{}
}

func newSigCache(max int) *sigCache { return &sigCache{max: max, m: make(map[types.Hash]struct{})} }

func (s *sigCache) has(h types.Hash) bool {
	s.mu.Lock()
	_, ok := s.m[h]
	s.mu.Unlock()
	return ok
}

func (s *sigCache) add(h types.Hash) {
	s.mu.Lock()
	if len(s.m) >= s.max {
		s.m = make(map[types.Hash]struct{})
	}
	s.m[h] = struct{}{}
	s.mu.Unlock()
}

func (s *sigCache) remove(h types.Hash) {
	s.mu.Lock()
	delete(s.m, h)
	s.mu.Unlock()
}
