package chain

import (
	"fmt"
	"log/slog"
	"testing"

	"github.com/taorun/taorun/chain/tx"
	"github.com/taorun/taorun/keys"
)

// benchChain opens a chain whose genesis funds n fresh accounts.
func benchChain(b *testing.B, n int) (*Chain, []*keys.Keypair) {
	g := DevGenesis(genesisTime, 250)
	var ks []*keys.Keypair
	for i := 0; i < n; i++ {
		k, err := keys.FromURI(fmt.Sprintf("//bench/%d", i))
		if err != nil {
			b.Fatal(err)
		}
		ks = append(ks, k)
		g.Balances = append(g.Balances, GenesisBalance{Account: k.Public().SS58(), Balance: 1_000 * RaoPerTAO})
	}
	c, err := Open(b.TempDir(), Options{Genesis: g, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	return c, ks
}

// transfers signs perAccount transfers from each account, starting at its
// committed nonce, interleaved across accounts.
func transfers(c *Chain, ks []*keys.Keypair, perAccount int) [][]byte {
	var raws [][]byte
	for j := 0; j < perAccount; j++ {
		for i, k := range ks {
			n, _ := c.Nonce(k.Public())
			to := ks[(i+1)%len(ks)].Public()
			raws = append(raws, tx.New(k, c.GenesisHash(), n+uint64(j), tx.Transfer{To: to, Amount: 1000}, 0).Encode())
		}
	}
	return raws
}

// BenchmarkApplyTransfers measures native transfers applied per second with
// full signature checks (cold signature cache): decoding, parallel sr25519
// verification, execution and the state root, without the disk commit.
func BenchmarkApplyTransfers(b *testing.B) {
	c, ks := benchChain(b, 64)
	defer c.Close()
	raws := transfers(c, ks, 32) // 2048 txs
	h := c.Head().Header
	p := Proposal{Height: h.Height + 1, Time: h.Time + 1, Txs: raws}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c.sigs = newSigCache(1 << 18)
		res, err := c.FinalizeBlock(p)
		if err != nil {
			b.Fatal(err)
		}
		if res.Receipts[len(raws)-1].Status != 0 {
			b.Fatal(res.Receipts[len(raws)-1].Error)
		}
	}
	b.ReportMetric(float64(len(raws)*b.N)/b.Elapsed().Seconds(), "tx/s")
}

// BenchmarkBlockCommit measures FinalizeBlock (signatures already checked,
// as after CheckTx) plus the synced Commit of a 2048-transfer block.
func BenchmarkBlockCommit(b *testing.B) {
	c, ks := benchChain(b, 64)
	defer c.Close()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		raws := transfers(c, ks, 32)
		for _, r := range raws {
			if _, err := c.CheckTx(r); err != nil {
				b.Fatal(err)
			}
		}
		h := c.Head().Header
		b.StartTimer()
		if _, err := c.FinalizeBlock(Proposal{Height: h.Height + 1, Time: h.Time + 1, Txs: raws}); err != nil {
			b.Fatal(err)
		}
		if err := c.Commit(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCheckTxSetWeights compares CheckTx of a paying set_weights with a
// fee-free one (which also runs the call's admission checks), signatures
// cached as after the first check.
func BenchmarkCheckTxSetWeights(b *testing.B) {
	c, _ := benchChain(b, 0)
	defer c.Close()
	for _, s := range weightsBase { // Alice's owner hotkey funded, subnet 1
		res := produce(b, c, tx.New(s.k, c.GenesisHash(), nonce(b, c, s.k), s.call, 0).Encode())
		if rc := res.Receipts[0]; rc.Status != 0 {
			b.Fatalf("%s: %s", tx.Name(s.call.Kind()), rc.Error)
		}
	}
	call := tx.SetWeights{Netuid: 1, Uids: []uint16{1, 0}, Weights: []uint16{2, 1}}
	for _, bc := range []struct {
		name string
		fee  uint64
	}{{"paying", tx.MinFee(&tx.Tx{Call: call})}, {"fee-free", 0}} {
		b.Run(bc.name, func(b *testing.B) {
			raw := tx.NewWithFee(aliceHot, c.GenesisHash(), 0, call, bc.fee).Encode()
			for i := 0; i < b.N; i++ {
				if _, err := c.CheckTx(raw); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
