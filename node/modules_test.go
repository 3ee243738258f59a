package node_test

import (
	"context"
	"crypto/sha256"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/taorun/taorun/chain"
	"github.com/taorun/taorun/chain/block"
	"github.com/taorun/taorun/chain/tx"
	"github.com/taorun/taorun/keys"
	"github.com/taorun/taorun/node"
	"github.com/taorun/taorun/plugins/registry/registrytest"
)

// TestNodeRunsModuleHooks: a node's chain runs the subnet modules'
// chain-side hooks with the registry node.New builds (compiled code cached
// under the data directory). The module is the registry's WAT test module,
// whose on_register denies with "nope!": a registration on its subnet fails
// with that reason.
func TestNodeRunsModuleHooks(t *testing.T) {
	dir := t.TempDir()
	n, err := node.New(node.Config{DataDir: dir, Genesis: chain.DevGenesis(1_700_000_000_000, 250),
		RPCAddr: "127.0.0.1:0", Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	c := n.Chain()
	alice, bob := keys.Dev("Alice"), keys.Dev("Bob")
	hot, _ := keys.FromURI("//Bob//hotkey")
	send := func(k *keys.Keypair, call tx.Call) *block.Receipt {
		t.Helper()
		var raws [][]byte
		if call != nil {
			nonce, err := c.Nonce(k.Public())
			if err != nil {
				t.Fatal(err)
			}
			raws = append(raws, tx.New(k, c.GenesisHash(), nonce, call, 0).Encode())
		}
		h := c.Head().Header
		res, err := c.FinalizeBlock(chain.Proposal{Height: h.Height + 1, Time: h.Time + 250, Txs: raws})
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Commit(); err != nil {
			t.Fatal(err)
		}
		if call == nil {
			return nil
		}
		return res.Receipts[0]
	}
	code := registrytest.WAT(t, registrytest.HooksWAT)
	for _, call := range []tx.Call{tx.CreateSubnet{Hotkey: alice.Public()}, tx.UploadModule{Netuid: 1, Code: code},
		tx.ActivateModule{Netuid: 1, ModuleID: sha256.Sum256(code), AtBlock: c.Head().Header.Height + 4}} {
		if rc := send(alice, call); rc.Status != block.StatusSuccess {
			t.Fatalf("%s: %s", tx.Name(call.Kind()), rc.Error)
		}
	}
	send(nil, nil)
	rc := send(bob, tx.BurnedRegister{Netuid: 1, Hotkey: hot.Public()})
	if rc.Status != block.StatusFailed || !strings.HasSuffix(rc.Error, ": nope!") {
		t.Fatalf("registration: %s %q, want failed with the module's reason", rc.Status, rc.Error)
	}
	if ents, err := os.ReadDir(filepath.Join(dir, "wasm-cache")); err != nil || len(ents) == 0 {
		t.Fatalf("compiled-code cache under the data directory: %v (%d entries)", err, len(ents))
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := n.Run(ctx); err != nil { // stops at once, closing the chain and the registry
		t.Fatal(err)
	}
}
