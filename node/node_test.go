package node_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/taorun/taorun/chain"
	"github.com/taorun/taorun/chain/tx"
	"github.com/taorun/taorun/chain/types"
	"github.com/taorun/taorun/keys"
	"github.com/taorun/taorun/node"
	"github.com/taorun/taorun/node/rpc"
	"github.com/taorun/taorun/node/rpc/api"
	"github.com/taorun/taorun/node/rpcclient"
)

// startNode runs a real node on a loopback port with fast blocks.
func startNode(t testing.TB, lim rpc.Limits) (*node.Node, *rpcclient.Client) {
	t.Helper()
	n, err := node.New(node.Config{DataDir: t.TempDir(), Genesis: chain.DevGenesis(time.Now().UnixMilli(), 250),
		RPCAddr: "127.0.0.1:0", BlockTime: 50 * time.Millisecond, RPCLimits: lim, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("node run: %v", err)
		}
	})
	return n, rpcclient.New(n.RPCAddr())
}

func TestNodeTransferOverRPC(t *testing.T) {
	_, c := startNode(t, rpc.DefaultLimits())
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	info, err := c.ChainInfo(ctx)
	if err != nil || info.ChainID != "taorun-localnet" || info.Decimals != 9 || info.SS58Prefix != 42 {
		t.Fatalf("chain info %+v %v", info, err)
	}
	bob := keys.Dev("Bob").Public()
	before, err := c.Balance(ctx, bob.SS58())
	if err != nil {
		t.Fatal(err)
	}
	h, err := c.SubmitTransfer(ctx, keys.Dev("Alice"), bob, 12345, 0)
	if err != nil {
		t.Fatal(err)
	}
	st, err := c.WaitForTx(ctx, h)
	if err != nil || st.Status != api.StatusSuccess || st.BlockHash == nil || len(st.Events) != 1 {
		t.Fatalf("tx status %+v %v", st, err)
	}
	after, _ := c.Balance(ctx, bob.SS58())
	if after != before+12345 {
		t.Fatalf("bob balance %d, want %d", after, before+12345)
	}
	if n, _ := c.Nonce(ctx, keys.Dev("Alice").Public().SS58()); n != 1 {
		t.Fatalf("alice nonce %d", n)
	}
	b, err := c.BlockByNumber(ctx, st.Height)
	if err != nil || len(b.TxHashes) != 1 || b.TxHashes[0] != h {
		t.Fatalf("block %+v %v", b, err)
	}
	b2, err := c.BlockByHash(ctx, *st.BlockHash)
	if err != nil || b2.Height != st.Height {
		t.Fatalf("block by hash %+v %v", b2, err)
	}
	// A replay is refused with a clear error.
	raw := tx.New(keys.Dev("Alice"), info.GenesisHash, 0, tx.Transfer{To: bob, Amount: 1}, 0).Encode()
	_, err = c.SendTransaction(ctx, raw)
	var re *rpcclient.Error
	if !errors.As(err, &re) || re.Code != api.CodeTxRejected || !strings.Contains(re.Message, "nonce too low") {
		t.Fatalf("replay: %v", err)
	}
	if _, err := c.BlockByNumber(ctx, 1<<40); !errors.As(err, &re) || re.Code != api.CodeNotFound {
		t.Fatalf("missing block: %v", err)
	}
	if st, _ := c.Transaction(ctx, info.HeadHash); st.Status != api.StatusUnknown {
		t.Fatalf("unknown tx status %q", st.Status)
	}
}

// post sends a raw body and returns the HTTP status and body.
func post(t *testing.T, addr, body string) (int, string) {
	t.Helper()
	resp, err := http.Post("http://"+addr, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestRPCMalformedAndLimits(t *testing.T) {
	lim := rpc.Limits{MaxRequestBytes: 4096, MaxBatch: 3, MaxConns: 4, MaxSubscriptions: 2}
	n, _ := startNode(t, lim)
	addr := n.RPCAddr()
	cases := []struct {
		name, body string
		status     int
		want       string // substring of the response
	}{
		{"parse error", `{"jsonrpc":"2.0",`, 200, `"code":-32700`},
		{"not an object", `42`, 200, `"code":-32600`},
		{"wrong version", `{"jsonrpc":"1.0","id":1,"method":"tao_blockNumber"}`, 200, `"code":-32600`},
		{"missing method", `{"jsonrpc":"2.0","id":1}`, 200, `"code":-32600`},
		{"bad id", `{"jsonrpc":"2.0","id":{},"method":"tao_blockNumber"}`, 200, `"code":-32600`},
		{"unknown method", `{"jsonrpc":"2.0","id":1,"method":"tao_nope"}`, 200, `"code":-32601`},
		{"bad params", `{"jsonrpc":"2.0","id":1,"method":"tao_getBalance","params":[1,2]}`, 200, `"code":-32602`},
		{"bad account", `{"jsonrpc":"2.0","id":1,"method":"tao_getBalance","params":["5xyz"]}`, 200, `"code":-32602`},
		{"bad tx hex", `{"jsonrpc":"2.0","id":1,"method":"tao_sendTransaction","params":["0xzz"]}`, 200, `"code":-32602`},
		{"garbage tx", `{"jsonrpc":"2.0","id":1,"method":"tao_sendTransaction","params":["0x0102"]}`, 200, `"code":-32010`},
		{"subscribe over http", `{"jsonrpc":"2.0","id":1,"method":"tao_subscribeNewHeads"}`, 200, `needs a WebSocket`},
		{"empty batch", `[]`, 200, `"code":-32600`},
		{"batch too big", `[1,2,3,4]`, 200, `"code":-32011`},
		{"batch mixed", `[{"jsonrpc":"2.0","id":"a","method":"tao_blockNumber"},{"bad":1}]`, 200, `"id":"a","result"`},
		{"notification only", `{"jsonrpc":"2.0","method":"tao_blockNumber"}`, 204, ``},
		{"oversized", `{"jsonrpc":"2.0","id":1,"method":"tao_blockNumber","params":["` + strings.Repeat("x", 5000) + `"]}`, 413, `"code":-32011`},
		{"module info of no subnet", `{"jsonrpc":"2.0","id":1,"method":"tao_moduleInfo","params":[9]}`, 200, `subnet 9 does not exist`},
		{"module info bad netuid", `{"jsonrpc":"2.0","id":1,"method":"tao_moduleInfo","params":["x"]}`, 200, `"code":-32602`},
		{"short module id", `{"jsonrpc":"2.0","id":1,"method":"tao_getModule","params":["0x12"]}`, 200, `"code":-32602`},
		{"unknown module", `{"jsonrpc":"2.0","id":1,"method":"tao_getModule","params":["0x` + strings.Repeat("ab", 32) + `"]}`, 200,
			`"code":-32012,"message":"module 0x` + strings.Repeat("ab", 32) + ` not found"`},
	}
	for _, tc := range cases {
		status, body := post(t, addr, tc.body)
		if status != tc.status || !strings.Contains(body, tc.want) {
			t.Errorf("%s: HTTP %d %s, want %d with %q", tc.name, status, body, tc.status, tc.want)
		}
	}
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	m, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, series := range []string{"taorun_block_height", "taorun_block_commit_seconds", "taorun_mempool_txs"} {
		if !bytes.Contains(m, []byte(series)) {
			t.Errorf("/metrics lacks %s", series)
		}
	}
}

// TestDefaultLimitsFitTheLargestUpload checks that the default request bound
// takes a tao_sendTransaction of the largest transaction (an upload_module of
// tx.MaxAnyTxBytes) in hex.
func TestDefaultLimitsFitTheLargestUpload(t *testing.T) {
	body := `{"jsonrpc":"2.0","id":1,"method":"tao_sendTransaction","params":["0x` + strings.Repeat("ab", tx.MaxAnyTxBytes) + `"]}`
	if lim := rpc.DefaultLimits(); int64(len(body)) > lim.MaxRequestBytes {
		t.Fatalf("a %d-byte request exceeds the default %d-byte limit", len(body), lim.MaxRequestBytes)
	}
}

func TestWebSocketSubscriptions(t *testing.T) {
	lim := rpc.DefaultLimits()
	lim.MaxSubscriptions = 2
	lim.MaxRequestBytes = 2048
	n, c := startNode(t, lim)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	heads, err := c.SubscribeNewHeads(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var last uint64
	for i := 0; i < 3; i++ {
		h, ok := <-heads
		if !ok {
			t.Fatal("subscription closed")
		}
		if h.Height <= last || h.Hash.IsZero() {
			t.Fatalf("head %d after %d", h.Height, last)
		}
		last = h.Height
	}

	ws, _, err := websocket.DefaultDialer.DialContext(ctx, "ws://"+n.RPCAddr(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	call := func(body string) map[string]any {
		t.Helper()
		if err := ws.WriteMessage(websocket.TextMessage, []byte(body)); err != nil {
			t.Fatal(err)
		}
		for { // skip notifications
			var m map[string]any
			if err := ws.ReadJSON(&m); err != nil {
				t.Fatal(err)
			}
			if _, isNote := m["method"]; !isNote {
				return m
			}
		}
	}
	sub := `{"jsonrpc":"2.0","id":1,"method":"tao_subscribeNewHeads"}`
	first := call(sub)
	call(sub)
	if m := call(sub); m["error"] == nil || !strings.Contains(m["error"].(map[string]any)["message"].(string), "subscription limit") {
		t.Fatalf("third subscription: %v", m)
	}
	id, _ := json.Marshal(first["result"])
	if m := call(`{"jsonrpc":"2.0","id":2,"method":"tao_unsubscribeNewHeads","params":[` + string(id) + `]}`); m["result"] != true {
		t.Fatalf("unsubscribe: %v", m)
	}
	if m := call(sub); m["error"] != nil {
		t.Fatalf("subscription after unsubscribe: %v", m)
	}
	if m := call(`{"jsonrpc":"2.0","id":3,"method":"tao_blockNumber"}`); m["result"] == nil {
		t.Fatalf("call over ws: %v", m)
	}
	if m := call(`{oops`); m["error"] == nil {
		t.Fatalf("malformed over ws: %v", m)
	}
	// An oversized message closes the connection with "message too big".
	ws.WriteMessage(websocket.TextMessage, []byte(strings.Repeat(" ", 4096)))
	for {
		if _, _, err := ws.ReadMessage(); err != nil {
			if !websocket.IsCloseError(err, websocket.CloseMessageTooBig) {
				t.Fatalf("oversized ws message: %v", err)
			}
			break
		}
	}
}

func FuzzRPCRequest(f *testing.F) {
	for _, s := range []string{
		`{"jsonrpc":"2.0","id":1,"method":"tao_getBlock","params":[0,true]}`,
		`[{"jsonrpc":"2.0","id":1,"method":"tao_getBalance","params":["5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"]}]`,
		`{"jsonrpc":"2.0","id":"x","method":"tao_getTransaction","params":["0x00"]}`,
		`{"jsonrpc":"2.0","id":1,"method":"tao_sendTransaction","params":["0x01"]}`,
		`{"jsonrpc":"2.0","id":1,"method":"tao_getNonce","params":{}}`,
		`[`, `null`, `{"id":1e999}`,
	} {
		f.Add([]byte(s))
	}
	n, err := node.New(node.Config{DataDir: f.TempDir(), Genesis: chain.DevGenesis(1, 250), RPCAddr: "127.0.0.1:0",
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		f.Fatal(err)
	}
	defer n.Close()
	f.Fuzz(func(t *testing.T, msg []byte) {
		out := n.RPC().HandleMessage(context.Background(), msg)
		if out != nil && !json.Valid(out) {
			t.Fatalf("invalid JSON response %q for %q", out, msg)
		}
	})
}

// TestConcurrentSubmitters sends transfers from several accounts at once while
// blocks are produced, then checks every tx landed and supply adds up.
func TestConcurrentSubmitters(t *testing.T) {
	n, c := startNode(t, rpc.DefaultLimits())
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	info, err := c.ChainInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	names := []string{"Alice", "Bob", "Charlie", "Dave"}
	const perSender = 25
	hashes := make([][]types.Hash, len(names))
	errs := make(chan error, len(names))
	for i, name := range names {
		go func(i int, k *keys.Keypair) {
			for j := 0; j < perSender; j++ {
				x := tx.New(k, info.GenesisHash, uint64(j), tx.Transfer{To: keys.Dev("Eve").Public(), Amount: 1000}, uint64(j%3))
				h, err := c.SendTransaction(ctx, x.Encode())
				if err != nil {
					errs <- err
					return
				}
				hashes[i] = append(hashes[i], h)
			}
			errs <- nil
		}(i, keys.Dev(name))
	}
	for range names {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	for _, hs := range hashes {
		for _, h := range hs {
			if st, err := c.WaitForTx(ctx, h); err != nil || st.Status != api.StatusSuccess {
				t.Fatalf("tx %s: %+v %v", h, st, err)
			}
		}
	}
	eve, _ := c.Balance(ctx, keys.Dev("Eve").Public().SS58())
	if eve != 2_000*chain.RaoPerTAO+uint64(len(names)*perSender*1000) {
		t.Fatalf("eve balance %d", eve)
	}
	if err := chain.CheckSupply(n.Chain().State()); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkNodeTransfers measures the whole pipeline of one node: CheckTx
// (signature) on submission from two goroutines, mempool, block production and
// commit, until every transfer is committed.
func BenchmarkNodeTransfers(b *testing.B) {
	const accounts, per = 64, 32
	g := chain.DevGenesis(time.Now().UnixMilli(), 50)
	var ks []*keys.Keypair
	for i := 0; i < accounts; i++ {
		k, _ := keys.FromURI(fmt.Sprintf("//bench/%d", i))
		ks = append(ks, k)
		g.Balances = append(g.Balances, chain.GenesisBalance{Account: k.Public().SS58(), Balance: 1_000 * chain.RaoPerTAO})
	}
	var total int
	for it := 0; it < b.N; it++ {
		b.StopTimer()
		n, err := node.New(node.Config{DataDir: b.TempDir(), Genesis: g, RPCAddr: "127.0.0.1:0", BlockTime: 50 * time.Millisecond,
			Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			b.Fatal(err)
		}
		var raws [][]byte
		for j := 0; j < per; j++ {
			for i, k := range ks {
				raws = append(raws, tx.New(k, n.Chain().GenesisHash(), uint64(j), tx.Transfer{To: ks[(i+1)%accounts].Public(), Amount: 1000}, 0).Encode())
			}
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- n.Run(ctx) }()
		b.StartTimer()
		var wg sync.WaitGroup
		for w := 0; w < 2; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				for i := w; i < len(raws); i += 2 {
					if _, err := n.SubmitTx(raws[i]); err != nil {
						b.Error(err)
						return
					}
				}
			}(w)
		}
		wg.Wait()
		for _, k := range ks { // every account's last transfer is committed
			for {
				if nc, _ := n.Chain().Nonce(k.Public()); nc == per {
					break
				}
				time.Sleep(5 * time.Millisecond)
			}
		}
		b.StopTimer()
		total += len(raws)
		cancel()
		<-done
	}
	b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "tx/s")
}
