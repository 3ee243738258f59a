package node

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/taorun/taorun/chain"
	"github.com/taorun/taorun/chain/types"
	"github.com/taorun/taorun/node/mempool"
)

// Engine decides blocks and drives the chain through its ABCI-shaped API
// (PrepareProposal, FinalizeBlock, Commit). The solo Sequencer is the one
// implementation today; a CometBFT engine would implement the same interface
// by forwarding CometBFT's ABCI calls to the chain, using CometBFT's mempool
// for SubmitTx.
type Engine interface {
	// Run produces or follows blocks until ctx ends.
	Run(ctx context.Context) error
	// SubmitTx checks a tx and queues it for inclusion, returning its hash.
	SubmitTx(raw []byte) (types.Hash, error)
	// Pending reports whether a tx is queued but not yet in a block.
	Pending(h types.Hash) bool
	// MempoolSize returns the number of queued txs.
	MempoolSize() int
}

// Block limits the sequencer applies to each proposal.
const (
	MaxBlockTxs   = 20_000
	MaxBlockBytes = 8 << 20
)

// Sequencer is the solo block engine for one-node networks: every BlockTime it
// reaps the mempool, proposes, executes and commits a block. The block time it
// stamps is the wall clock (never earlier than the parent's), an input to the
// chain, which never reads a clock itself.
type Sequencer struct {
	Chain     *chain.Chain
	Pool      *mempool.Mempool
	BlockTime time.Duration
	Proposer  types.AccountID
	Log       *slog.Logger
	// OnCommit, if set, is called after each committed block with the result
	// and how long execution plus commit took.
	OnCommit func(res *chain.FinalizeResult, took time.Duration)
}

// SubmitTx implements Engine: CheckTx, then the mempool.
func (s *Sequencer) SubmitTx(raw []byte) (types.Hash, error) {
	t, err := s.Chain.CheckTx(raw)
	if err != nil {
		return types.Hash{}, err
	}
	if err := s.Pool.Add(t); err != nil {
		return types.Hash{}, err
	}
	return t.Hash(), nil
}

// Pending implements Engine.
func (s *Sequencer) Pending(h types.Hash) bool { return s.Pool.Has(h) }

// MempoolSize implements Engine.
func (s *Sequencer) MempoolSize() int { return s.Pool.Len() }

// Run implements Engine. A block error stops the sequencer: the chain cannot
// safely continue past a block it failed to execute or commit.
func (s *Sequencer) Run(ctx context.Context) error {
	if s.BlockTime <= 0 {
		return fmt.Errorf("sequencer: block time %v must be positive", s.BlockTime)
	}
	t := time.NewTicker(s.BlockTime)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			if err := s.Step(); err != nil {
				return err
			}
		}
	}
}

// Step produces and commits one block now.
func (s *Sequencer) Step() error {
	start := time.Now()
	head := s.Chain.Head().Header
	now := max(time.Now().UnixMilli(), head.Time)
	cands := s.Pool.Reap(MaxBlockTxs, MaxBlockBytes, s.Chain.Nonce)
	p, dropped, err := s.Chain.PrepareProposal(chain.Proposal{Height: head.Height + 1, Time: now, Proposer: s.Proposer, Txs: cands}, MaxBlockBytes)
	if err != nil {
		return err
	}
	for _, d := range dropped {
		if !errors.Is(d.Err, chain.ErrNonceTooHigh) { // a gap may still fill; everything else is final
			s.Pool.Remove(d.Hash)
			s.Log.Debug("dropped tx", "hash", d.Hash, "err", d.Err)
		}
	}
	res, err := s.Chain.FinalizeBlock(*p)
	if err != nil {
		return err
	}
	if err := s.Chain.Commit(); err != nil {
		return err
	}
	for _, rc := range res.Receipts {
		s.Pool.Remove(rc.TxHash)
	}
	s.Pool.Recheck(s.Chain.Nonce)
	took := time.Since(start)
	if s.OnCommit != nil {
		s.OnCommit(res, took)
	}
	return nil
}
