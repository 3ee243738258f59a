package rpc_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/taorun/taorun/chain"
	"github.com/taorun/taorun/chain/block"
	"github.com/taorun/taorun/chain/tx"
	"github.com/taorun/taorun/chain/types"
	"github.com/taorun/taorun/keys"
	"github.com/taorun/taorun/node/rpc"
	"github.com/taorun/taorun/node/rpc/api"
)

var update = flag.Bool("update", false, "rewrite testdata/subnets.golden.json from this run")

// chainBackend serves the RPC server a real chain whose blocks the test
// makes itself (FinalizeBlock and Commit), so every query runs at a known
// height. The subnet queries only read the chain; the mempool side of the
// node is not part of this test and refuses.
type chainBackend struct{ c *chain.Chain }

func (b chainBackend) Chain() *chain.Chain { return b.c }

func (chainBackend) SubmitTx([]byte) (types.Hash, error) {
	return types.Hash{}, errors.New("this test makes its own blocks")
}

func (chainBackend) Pending(types.Hash) bool { return false }

func (chainBackend) SubscribeHeads(int) (<-chan api.Header, func()) {
	ch := make(chan api.Header)
	close(ch)
	return ch, func() {}
}

// subnetNet is the test's chain: a real chain in a temp dir with the
// standard hooks (subnet block step included) and the RPC server on a
// loopback HTTP server.
type subnetNet struct {
	t     *testing.T
	c     *chain.Chain
	url   string
	nonce map[types.AccountID]uint64
}

func newSubnetNet(t *testing.T) *subnetNet {
	t.Helper()
	// A fixed genesis time and block times make every run the same chain.
	c, err := chain.Open(t.TempDir(), chain.Options{Genesis: chain.DevGenesis(1_700_000_000_000, 250),
		Hooks: chain.StandardHooks(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	srv := httptest.NewServer(rpc.NewServer(chainBackend{c}, rpc.DefaultLimits(), slog.New(slog.DiscardHandler)))
	t.Cleanup(srv.Close)
	return &subnetNet{t: t, c: c, url: srv.URL, nonce: map[types.AccountID]uint64{}}
}

// signed is one call and its signer.
type signed struct {
	by   *keys.Keypair
	call tx.Call
}

// block makes the next block with the calls and requires every one to succeed.
func (n *subnetNet) block(calls ...signed) {
	n.t.Helper()
	var raws [][]byte
	for _, s := range calls {
		who := s.by.Public()
		raws = append(raws, tx.New(s.by, n.c.GenesisHash(), n.nonce[who], s.call, 0).Encode())
		n.nonce[who]++
	}
	h := n.c.Head().Header
	res, err := n.c.FinalizeBlock(chain.Proposal{Height: h.Height + 1, Time: h.Time + 250, Txs: raws})
	if err != nil {
		n.t.Fatal(err)
	}
	for i, rc := range res.Receipts {
		if rc.Status != block.StatusSuccess {
			n.t.Fatalf("block %d tx %d (%T): %s %s", h.Height+1, i, calls[i].call, rc.Status, rc.Error)
		}
	}
	if err := n.c.Commit(); err != nil {
		n.t.Fatal(err)
	}
}

// call posts one JSON-RPC request and returns the raw response.
func (n *subnetNet) call(method string, params ...any) json.RawMessage {
	n.t.Helper()
	body, err := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 1, "method": method, "params": params})
	if err != nil {
		n.t.Fatal(err)
	}
	resp, err := http.Post(n.url, "application/json", bytes.NewReader(body))
	if err != nil {
		n.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		n.t.Fatalf("%s: HTTP %d, %v", method, resp.StatusCode, err)
	}
	return out
}

// result decodes a successful response's result into out.
func result(t *testing.T, raw json.RawMessage, out any) {
	t.Helper()
	var r struct {
		Result json.RawMessage `json:"result"`
		Error  *rpc.Error      `json:"error"`
	}
	if err := json.Unmarshal(raw, &r); err != nil || r.Error != nil {
		t.Fatalf("response %s: %v", raw, err)
	}
	if err := json.Unmarshal(r.Result, out); err != nil {
		t.Fatalf("result %s: %v", r.Result, err)
	}
}

// golden is one recorded query.
type golden struct {
	Height   uint64          `json:"height"`
	Method   string          `json:"method"`
	Params   []any           `json:"params"`
	Response json.RawMessage `json:"response"`
}

// TestSubnetQueriesGolden builds a subnet on a real chain (create, register,
// stake on the subnet and root, serve an axon, set weights) and runs it
// through 80 epochs, querying every subnet method at fixed heights. It
// checks the epoch bookkeeping, pending emission, weights and bonds it
// reads against the schedule, and compares every response, byte for byte,
// with testdata/subnets.golden.json (go test -update rewrites it), so a
// change in how the server or package subnet reads state cannot change what
// clients see unnoticed.
func TestSubnetQueriesGolden(t *testing.T) {
	const tempo = 5
	n := newSubnetNet(t)
	alice, bob, charlie := keys.Dev("Alice"), keys.Dev("Bob"), keys.Dev("Charlie")
	ownerHot, validator, miner := keys.Dev("Ferdie"), keys.Dev("Dave"), keys.Dev("Eve")
	n.block(signed{alice, tx.CreateSubnet{Hotkey: ownerHot.Public()}})
	var sudo []signed
	for _, p := range []struct {
		name  string
		value uint64
	}{{"tempo", tempo}, {"weights_rate_limit", 0}, {"commit_reveal_weights_enabled", 0}, {"max_registrations_per_block", 10}} {
		sudo = append(sudo, signed{alice, tx.SudoSet{Netuid: 1, Param: p.name, Value: p.value}})
	}
	n.block(append(sudo,
		signed{bob, tx.BurnedRegister{Netuid: 1, Hotkey: validator.Public()}},
		signed{charlie, tx.BurnedRegister{Netuid: 1, Hotkey: miner.Public()}})...)
	ip := [16]byte{12: 127, 15: 1}
	n.block(
		signed{bob, tx.AddStake{Hotkey: validator.Public(), Netuid: 1, Amount: 100 * chain.RaoPerTAO}},
		signed{bob, tx.AddStake{Hotkey: validator.Public(), Netuid: 0, Amount: 300 * chain.RaoPerTAO}},
		signed{charlie, tx.AddStake{Hotkey: validator.Public(), Netuid: 1, Amount: 20 * chain.RaoPerTAO}},
		signed{miner, tx.ServeAxon{Netuid: 1, Version: 1, IP: ip, Port: 8091, IPType: 4, Protocol: 4}})

	var got []golden
	query := func(method string, params ...any) json.RawMessage {
		raw := n.call(method, params...)
		var pretty bytes.Buffer
		if err := json.Indent(&pretty, raw, "", " "); err != nil {
			t.Fatalf("%s: %v", method, err)
		}
		if params == nil {
			params = []any{}
		}
		got = append(got, golden{Height: n.c.Head().Header.Height, Method: method, Params: params, Response: pretty.Bytes()})
		return raw
	}
	// The subnet was created at block 1 with the default tempo (360): its
	// first "last epoch" is block 1 less the stagger 1 mod 360, so with
	// tempo 5 the epochs fall at blocks 5, 10 and 15.
	lastEpoch := func(h uint64) uint64 { return h - h%tempo }
	for h := uint64(3); h <= 401; h++ {
		if h > 3 {
			var calls []signed
			if h == 6 { // after the first epoch gave the staked validator its permit
				calls = append(calls, signed{validator, tx.SetWeights{Netuid: 1, Uids: []uint16{1, 2}, Weights: []uint16{1, 3}}})
			}
			n.block(calls...)
		}
		switch h {
		case 3, 5, 9, 15, 16, 401: // before any epoch, at epochs, between them, and once the moving price shows
		default:
			continue
		}
		var info api.SubnetInfo
		result(t, query(api.MethodSubnetInfo, 1), &info)
		if want := uint64(h / tempo); info.EpochIndex != want || info.LastEpoch != lastEpoch(h) || info.NextEpoch != lastEpoch(h)+tempo {
			t.Fatalf("block %d: epoch index %d, last %d, next %d; want %d, %d, %d", h, info.EpochIndex, info.LastEpoch,
				info.NextEpoch, want, lastEpoch(h), lastEpoch(h)+tempo)
		}
		if zero := (api.Pending{Server: "0", Validator: "0", Root: "0", Owner: "0"}); (h%tempo == 0) != (info.Pending == zero) {
			t.Fatalf("block %d: pending emission %+v (an epoch block pays it all out, other blocks add to it)", h, info.Pending)
		}
		query(api.MethodSubnets)
		query(api.MethodMetagraph, 1)
		var mg api.Metagraph
		result(t, query(api.MethodMetagraph, 1, true), &mg)
		if len(mg.Neurons) != 3 || mg.Neurons[1].Hotkey != validator.Public().SS58() || mg.Neurons[2].Axon == nil {
			t.Fatalf("block %d: metagraph neurons %+v", h, mg.Neurons)
		}
		if v := mg.Neurons[1]; (h >= 6) != (len(v.Weights) == 2) || (h >= 10) != (len(v.Bonds) > 0) {
			t.Fatalf("block %d: validator weights %v, bonds %v", h, v.Weights, v.Bonds)
		}
		var stakes api.StakeInfo
		result(t, query(api.MethodStakeInfo, bob.Public().SS58()), &stakes)
		if len(stakes.Stakes) != 2 || stakes.Stakes[0].Netuid != 0 || stakes.Stakes[1].Netuid != 1 {
			t.Fatalf("block %d: bob's stakes %+v, want root and subnet 1", h, stakes.Stakes)
		}
		query(api.MethodStakeInfo, charlie.Public().SS58())
		query(api.MethodModuleInfo, 1)
		query(api.MethodSubnetLockCost)
	}
	for _, bad := range [][]any{{9}, {1, true, 3}, {"x"}} {
		query(api.MethodMetagraph, bad...)
	}
	query(api.MethodSubnetInfo, 0)

	gotJSON, err := json.MarshalIndent(got, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	gotJSON = append(gotJSON, '\n')
	path := filepath.Join("testdata", "subnets.golden.json")
	if *update {
		if err := os.WriteFile(path, gotJSON, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to record it)", err)
	}
	var wantQ []golden
	if err := json.Unmarshal(want, &wantQ); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	for i := range max(len(wantQ), len(got)) {
		if i >= len(wantQ) || i >= len(got) {
			t.Fatalf("%d queries, %s records %d", len(got), path, len(wantQ))
		}
		w, g := wantQ[i], got[i]
		if w.Height != g.Height || w.Method != g.Method || fmt.Sprint(w.Params) != fmt.Sprint(g.Params) {
			t.Fatalf("query %d is %s%v at %d, %s records %s%v at %d", i, g.Method, g.Params, g.Height, path, w.Method, w.Params, w.Height)
		}
		var wc, gc bytes.Buffer
		json.Compact(&wc, w.Response)
		json.Compact(&gc, g.Response)
		if !bytes.Equal(wc.Bytes(), gc.Bytes()) {
			t.Fatalf("%s%v at block %d differs from %s:\n got …%s…\nwant …%s…", g.Method, g.Params, g.Height, path,
				around(gc.Bytes(), wc.Bytes()), around(wc.Bytes(), gc.Bytes()))
		}
	}
}

// around returns a's bytes near the first one in which it differs from b.
func around(a, b []byte) []byte {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	return a[max(0, i-100):min(len(a), i+60)]
}
