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

// newTestSequencer opens a dev chain in a temp dir (closed at cleanup) and
// a sequencer over it with a real mempool; committed collects the results
// of the blocks it commits.
func newTestSequencer(t *testing.T) (c *chain.Chain, s *Sequencer, committed *[]*chain.FinalizeResult) {
	t.Helper()
	c, err := chain.Open(t.TempDir(), chain.Options{Genesis: chain.DevGenesis(1, 250), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	committed = new([]*chain.FinalizeResult)
	s = &Sequencer{Chain: c, Pool: mempool.New(100, 1<<20, c.SubnetStake), BlockTime: time.Second, Log: slog.New(slog.DiscardHandler),
		OnCommit: func(res *chain.FinalizeResult, _ time.Duration) { *committed = append(*committed, res) }}
	return c, s, committed
}

// TestSequencerStepDropsUnpayableKeepsFuture: a tx whose fee an earlier tx of
// the same block made unpayable is dropped from the block and the pool; a tx
// waiting for a nonce gap stays pooled; included txs leave the pool.
func TestSequencerStepDropsUnpayableKeepsFuture(t *testing.T) {
	c, s, committed := newTestSequencer(t)
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
	res := (*committed)[0]
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

// TestSequencerFeeFreePriority: under load, the block builder keeps the
// mempool's priority order: a staked validator hotkey's fee-free weights go
// before paying transfers that arrived earlier with high tips, and an
// unstaked miner hotkey's fee-free serve_axon goes after them.
func TestSequencerFeeFreePriority(t *testing.T) {
	c, s, committed := newTestSequencer(t)
	g := c.GenesisHash()
	hot := func(name string) *keys.Keypair {
		k, err := keys.FromURI("//" + name + "//hotkey")
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	alice, bob, charlie, dave := keys.Dev("Alice"), keys.Dev("Bob"), keys.Dev("Charlie"), keys.Dev("Dave")
	aliceHot, bobHot := hot("Alice"), hot("Bob")
	submit := func(x *tx.Tx) {
		t.Helper()
		if _, err := s.SubmitTx(x.Encode()); err != nil {
			t.Fatalf("%s: %v", tx.Name(x.Call.Kind()), err)
		}
	}
	nonce := func(k *keys.Keypair) uint64 {
		n, err := c.Nonce(k.Public())
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	// Subnet 1: Alice's owner hotkey (uid 0, staked) and Bob's unstaked
	// hotkey (uid 1); no weights rate limit, commit-reveal off.
	for _, st := range []struct {
		k    *keys.Keypair
		call tx.Call
	}{
		{alice, tx.CreateSubnet{Hotkey: aliceHot.Public()}},
		{bob, tx.BurnedRegister{Netuid: 1, Hotkey: bobHot.Public()}},
		{alice, tx.SudoSet{Netuid: 1, Param: "weights_rate_limit", Value: 0}},
		{alice, tx.SudoSet{Netuid: 1, Param: "commit_reveal_weights_enabled", Value: 0}},
		{alice, tx.AddStake{Hotkey: aliceHot.Public(), Netuid: 1, Amount: 10 * chain.RaoPerTAO}},
	} {
		submit(tx.New(st.k, g, nonce(st.k), st.call, 0))
		if err := s.Step(); err != nil {
			t.Fatal(err)
		}
		if rc := (*committed)[len(*committed)-1].Receipts; len(rc) != 1 || rc[0].Status != block.StatusSuccess {
			t.Fatalf("setup %s: %+v", tx.Name(st.call.Kind()), rc)
		}
	}
	if stake, err := c.SubnetStake(aliceHot.Public(), 1); err != nil || stake == 0 {
		t.Fatalf("setup: Alice's hotkey has stake %d on subnet 1 (%v)", stake, err)
	}

	var ip [16]byte
	copy(ip[12:], []byte{10, 0, 0, 1})
	pay1 := tx.New(charlie, g, nonce(charlie), tx.Transfer{To: bob.Public(), Amount: 1}, chain.RaoPerTAO)
	pay2 := tx.New(dave, g, nonce(dave), tx.Transfer{To: bob.Public(), Amount: 1}, 2*chain.RaoPerTAO)
	miner := tx.NewWithFee(bobHot, g, 0, tx.ServeAxon{Netuid: 1, IP: ip, Port: 8091, IPType: 4, Protocol: 4}, 0)
	validator := tx.NewWithFee(aliceHot, g, 0, tx.SetWeights{Netuid: 1, Uids: []uint16{1}, Weights: []uint16{1}}, 0)
	for _, x := range []*tx.Tx{miner, pay1, pay2, validator} { // the validator arrives last
		submit(x)
	}
	if err := s.Step(); err != nil {
		t.Fatal(err)
	}
	rcs := (*committed)[len(*committed)-1].Receipts
	want := []*tx.Tx{validator, pay2, pay1, miner}
	if len(rcs) != len(want) {
		t.Fatalf("block holds %d txs, want %d: %+v", len(rcs), len(want), rcs)
	}
	for i, x := range want {
		if rcs[i].TxHash != x.Hash() || rcs[i].Status != block.StatusSuccess {
			t.Fatalf("block position %d: %s %s (%s), want %s", i, rcs[i].TxHash, rcs[i].Status, rcs[i].Error, tx.Name(x.Call.Kind()))
		}
	}
}
