package node

import (
	"log/slog"
	"testing"
	"time"

	"github.com/taorun/taorun/chain"
	"github.com/taorun/taorun/chain/block"
	"github.com/taorun/taorun/chain/tx"
	"github.com/taorun/taorun/keys"
	"github.com/taorun/taorun/node/mempool"
)

// TestSequencerStepDropsUnpayableKeepsFuture: a tx whose fee an earlier tx of
// the same block made unpayable is dropped from the block and the pool; a tx
// waiting for a nonce gap stays pooled; included txs leave the pool.
func TestSequencerStepDropsUnpayableKeepsFuture(t *testing.T) {
	c, err := chain.Open(t.TempDir(), chain.Options{Genesis: chain.DevGenesis(1, 250), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var committed []*chain.FinalizeResult
	s := &Sequencer{Chain: c, Pool: mempool.New(100, 1<<20), BlockTime: time.Second, Log: slog.New(slog.DiscardHandler),
		OnCommit: func(res *chain.FinalizeResult, _ time.Duration) { committed = append(committed, res) }}
	g := c.GenesisHash()
	dave, alice, bob := keys.Dev("Dave"), keys.Dev("Alice"), keys.Dev("Bob").Public()
	drain := tx.New(dave, g, 0, tx.Transfer{To: bob, Amount: 1_999 * chain.RaoPerTAO}, 0)
	unpayable := tx.New(dave, g, 1, tx.Transfer{To: bob, Amount: 1}, 500*chain.RaoPerTAO)
	future := tx.New(alice, g, 5, tx.Transfer{To: bob, Amount: 1000}, 0)
	for _, x := range []*tx.Tx{drain, unpayable, future} {
		if _, err := s.SubmitTx(x.Encode()); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Step(); err != nil {
		t.Fatal(err)
	}
	res := committed[0]
	if len(res.Receipts) != 1 || res.Receipts[0].TxHash != drain.Hash() || res.Receipts[0].Status != block.StatusSuccess {
		t.Fatalf("block receipts %+v", res.Receipts)
	}
	if s.Pending(drain.Hash()) || s.Pending(unpayable.Hash()) || !s.Pending(future.Hash()) || s.MempoolSize() != 1 {
		t.Fatalf("pool after block: size %d", s.MempoolSize())
	}
	if rc, _ := c.Receipt(unpayable.Hash()); rc != nil {
		t.Fatal("dropped tx has a receipt")
	}
	if err := s.Step(); err != nil { // empty blocks are produced too
		t.Fatal(err)
	}
	if c.Head().Header.Height != 2 || !s.Pending(future.Hash()) {
		t.Fatalf("height %d", c.Head().Header.Height)
	}
}
