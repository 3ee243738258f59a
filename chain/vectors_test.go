package chain

import (
	"encoding/json"
	"flag"
	"os"
	"testing"

	"github.com/taorun/taorun/chain/tx"
)

var updateVectors = flag.Bool("update", false, "rewrite testdata/roots.json")

// rootVectors pins consensus outputs: any change to the key layout, value
// encodings, state-root or header definitions, fees or transfer semantics
// shows up here. (Signatures are randomised, but state writes do not depend
// on them, so post-block state roots are stable.)
type rootVectors struct {
	GenesisHash      string `json:"genesisHash"`
	GenesisStateRoot string `json:"genesisStateRoot"`
	Block1StateRoot  string `json:"block1StateRoot"` // Alice → Bob 1 TAO, tip 7
	Block2StateRoot  string `json:"block2StateRoot"` // Alice sudo_mint 5 rao to Dave; Dave's failed 1e18 transfer
}

func TestRootVectors(t *testing.T) {
	c := openChain(t, t.TempDir(), Options{})
	defer c.Close()
	g := c.GenesisHash()
	got := rootVectors{GenesisHash: g.Hex(), GenesisStateRoot: c.Head().Header.StateRoot.Hex()}
	r1 := produce(t, c, tx.New(alice, g, 0, tx.Transfer{To: bob.Public(), Amount: RaoPerTAO}, 7).Encode())
	got.Block1StateRoot = r1.Block.Header.StateRoot.Hex()
	r2 := produce(t, c, tx.New(alice, g, 1, tx.SudoMint{To: dave.Public(), Amount: 5}, 0).Encode(),
		tx.New(dave, g, 0, tx.Transfer{To: bob.Public(), Amount: 1e18}, 0).Encode())
	got.Block2StateRoot = r2.Block.Header.StateRoot.Hex()
	if r2.Receipts[1].Status != 1 {
		t.Fatalf("vector setup: second tx of block 2 should fail, got %s", r2.Receipts[1].Status)
	}
	const path = "testdata/roots.json"
	if *updateVectors {
		b, _ := json.MarshalIndent(got, "", "  ")
		if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var want rootVectors
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Fatalf("consensus vectors changed:\n got %+v\nwant %+v", got, want)
	}
}
