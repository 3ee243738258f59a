package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/taorun/taorun/chain"
	"github.com/taorun/taorun/chain/tx"
	"github.com/taorun/taorun/chain/types"
	"github.com/taorun/taorun/keys"
	"github.com/taorun/taorun/node/rpc/api"
	"github.com/taorun/taorun/node/rpcclient"
)

// buildTaorun builds the real binary once per test run.
func buildNodeBinary(t testing.TB) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "taorun")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func freeAddr(t testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startLocalnet starts `taorun localnet --fast` (with extra flags) and waits
// until it has committed a block past fromHeight, returning the process and
// the time from exec to that block.
func startLocalnet(t testing.TB, bin, dir, addr string, fromHeight uint64, extra ...string) (*exec.Cmd, time.Duration) {
	t.Helper()
	start := time.Now()
	cmd := exec.Command(bin, append([]string{"localnet", "--fast", "--subnet", "scripted", "--datadir", dir, "--rpc.addr", addr, "--log.level", "warn"}, extra...)...)
	logf, err := os.OpenFile(filepath.Join(dir, "..", "node.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := rpcclient.New(addr)
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		n, err := c.BlockNumber(ctx)
		cancel()
		if err == nil && n > fromHeight {
			return cmd, time.Since(start)
		}
		time.Sleep(10 * time.Millisecond)
	}
	cmd.Process.Kill()
	cmd.Wait()
	b, _ := os.ReadFile(filepath.Join(dir, "..", "node.log"))
	t.Fatalf("localnet did not produce a block within 20s; log:\n%s", b)
	return nil, 0
}

// TestCrashRecovery kills the real node with SIGKILL at random moments while
// transfers are in flight, restarts it, and checks that the height never goes
// back, every block seen before keeps its hash and state root, every receipt
// reported committed is still there unchanged, and supply adds up.
func TestCrashRecovery(t *testing.T) {
	bin := buildNodeBinary(t)
	root := t.TempDir()
	dir := filepath.Join(root, "data")
	addr := freeAddr(t)
	rng := rand.New(rand.NewSource(7))
	c := rpcclient.New(addr)
	senders := []*keys.Keypair{keys.Dev("Alice"), keys.Dev("Bob"), keys.Dev("Charlie")}

	blocks := map[uint64]api.Header{}         // height → header seen committed
	receipts := map[types.Hash]api.TxStatus{} // tx → status seen committed
	var height uint64
	for round := 0; round < 6; round++ {
		cmd, took := startLocalnet(t, bin, dir, addr, height, "--demo=false")
		if round == 0 {
			t.Logf("cold start to first block: %v", took)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		n, err := c.BlockNumber(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n < height {
			t.Fatalf("round %d: height went back from %d to %d", round, height, n)
		}
		for h, want := range blocks {
			got, err := c.BlockByNumber(ctx, h)
			if err != nil || got.Hash != want.Hash || got.StateRoot != want.StateRoot {
				t.Fatalf("round %d: block %d changed after restart: %+v (%v), want %+v", round, h, got, err, want)
			}
		}
		for h, want := range receipts {
			got, err := c.Transaction(ctx, h)
			if err != nil || got.Status != want.Status || got.Height != want.Height || got.Index != want.Index {
				t.Fatalf("round %d: receipt of %s lost or changed: %+v (%v), want %+v", round, h, got, err, want)
			}
		}
		info, err := c.ChainInfo(ctx)
		if err != nil {
			t.Fatal(err)
		}

		// Transfers in flight: each sender streams txs with consecutive nonces.
		var mu sync.Mutex
		var sent []types.Hash
		var wg sync.WaitGroup
		stop := make(chan struct{})
		for i, k := range senders {
			wg.Add(1)
			go func(i int, k *keys.Keypair) {
				defer wg.Done()
				nonce, err := c.Nonce(ctx, k.Public().SS58())
				if err != nil {
					return
				}
				to := senders[(i+1)%len(senders)].Public()
				for j := 0; ; j++ {
					select {
					case <-stop:
						return
					default:
					}
					x := tx.New(k, info.GenesisHash, nonce, tx.Transfer{To: to, Amount: uint64(1000 + j)}, 0)
					if _, err := c.SendTransaction(ctx, x.Encode()); err != nil {
						return // the node was killed, or the pool is full
					}
					nonce++
					mu.Lock()
					sent = append(sent, x.Hash())
					mu.Unlock()
					time.Sleep(2 * time.Millisecond)
				}
			}(i, k)
		}
		// Record what the node reports as committed, then kill it mid-flight.
		killAt := time.Now().Add(time.Duration(300+rng.Intn(1200)) * time.Millisecond)
		for time.Now().Before(killAt) {
			mu.Lock()
			batch := append([]types.Hash(nil), sent...)
			mu.Unlock()
			for _, h := range batch {
				if _, done := receipts[h]; done {
					continue
				}
				if st, err := c.Transaction(ctx, h); err == nil && (st.Status == api.StatusSuccess || st.Status == api.StatusFailed) {
					receipts[h] = *st
				}
			}
			if n, err := c.BlockNumber(ctx); err == nil {
				if b, err := c.BlockByNumber(ctx, uint64(rng.Int63n(int64(n)+1))); err == nil {
					blocks[b.Height] = b.Header
				}
				if b, err := c.BlockByNumber(ctx, n); err == nil {
					blocks[b.Height] = b.Header
					height = max(height, n)
				}
			}
			time.Sleep(time.Duration(rng.Intn(40)) * time.Millisecond)
		}
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		close(stop)
		wg.Wait()
		cancel()
		t.Logf("round %d: killed at height ≥ %d; %d txs sent, %d receipts and %d blocks tracked", round, height, len(sent), len(receipts), len(blocks))
	}
	if len(receipts) < 20 {
		t.Fatalf("only %d committed txs observed: the test exercised too little", len(receipts))
	}

	// Final restart: supply adds up (all TAO stays among the dev accounts).
	cmd, _ := startLocalnet(t, bin, dir, addr, height, "--demo=false")
	defer func() { cmd.Process.Signal(syscall.SIGTERM); cmd.Wait() }()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	info, err := c.ChainInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var held uint64
	for _, a := range chain.DevAccounts {
		b, err := c.Balance(ctx, keys.Dev(a.Name).Public().SS58())
		if err != nil {
			t.Fatal(err)
		}
		held += b
	}
	if fmt.Sprint(held+mustU64(t, info.Burned)) != info.TotalIssuance {
		t.Fatalf("supply: balances %d + burned %s != issuance %s", held, info.Burned, info.TotalIssuance)
	}
}

func mustU64(t testing.TB, s string) uint64 {
	var v uint64
	if _, err := fmt.Sscan(s, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// BenchmarkLocalnetColdStart measures exec of `taorun localnet --fast` on a
// fresh data directory to its first committed block (target ≤ 2 s).
func BenchmarkLocalnetColdStart(b *testing.B) {
	bin := buildNodeBinary(b)
	var total time.Duration
	for i := 0; i < b.N; i++ {
		root := b.TempDir()
		dir := filepath.Join(root, "data")
		os.MkdirAll(dir, 0o755)
		cmd, took := startLocalnet(b, bin, dir, freeAddr(b), 0)
		total += took
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	}
	b.ReportMetric(total.Seconds()/float64(b.N), "s/first-block")
}

func TestNodeRunCLI(t *testing.T) {
	bin := buildNodeBinary(t)
	dir := t.TempDir()
	out, err := exec.Command(bin, "node", "run", "--datadir", dir).CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitUsage || !strings.Contains(string(out), "pass --genesis") {
		t.Fatalf("empty datadir without genesis: %v\n%s", err, out)
	}
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"chainId":"x","balances":[{"account":"nope","balance":1}]}`), 0o644)
	out, err = exec.Command(bin, "node", "run", "--datadir", dir, "--genesis", bad).CombinedOutput()
	if !errors.As(err, &ee) || ee.ExitCode() != exitUsage || !strings.Contains(string(out), "balances[0]") {
		t.Fatalf("bad genesis: %v\n%s", err, out)
	}
	gen := filepath.Join(dir, "genesis.json")
	b, _ := json.Marshal(chain.DevGenesis(1, 100))
	os.WriteFile(gen, b, 0o644)
	addr := freeAddr(t)
	cmd := exec.Command(bin, "node", "run", "--datadir", dir, "--genesis", gen, "--rpc.addr", addr, "--fast")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := rpcclient.New(addr)
	for i := 0; ; i++ {
		n, err := c.BlockNumber(context.Background())
		if err == nil && n >= 2 {
			break
		}
		if i > 200 {
			t.Fatalf("node run made no blocks: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// SIGTERM stops gracefully (exit 0) and the datadir then runs without --genesis.
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("graceful stop: %v", err)
	}
	cmd = exec.Command(bin, "node", "run", "--datadir", dir, "--rpc.addr", addr)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Signal(syscall.SIGTERM); cmd.Wait() }()
	for i := 0; ; i++ {
		if info, err := c.ChainInfo(context.Background()); err == nil {
			if info.Height < 2 {
				t.Fatalf("restarted at height %d", info.Height)
			}
			break
		}
		if i > 200 {
			t.Fatal("restarted node does not answer")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
