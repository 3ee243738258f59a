package chainrpc_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/taorun/taorun/chain/subnet"
	"github.com/taorun/taorun/chain/tx"
	"github.com/taorun/taorun/keys"
	"github.com/taorun/taorun/neuron/chainrpc"
	"github.com/taorun/taorun/neuron/internal/neurontest"
	"github.com/taorun/taorun/neuron/miner"
	"github.com/taorun/taorun/neuron/validator"
	"github.com/taorun/taorun/node/rpc/api"
	"github.com/taorun/taorun/node/rpcclient"
)

// localnet is a real `taorun localnet --fast` with its demonstration subnet
// 1: Alice owns it (hotkey uid 0), Bob validates (uid 1), Charlie, Dave and
// Eve mine (uids 2–4); each hotkey is //Name//hotkey, funded for fees.
type localnet struct {
	rpc *rpcclient.Client
	dir string
}

// startLocalnet builds the taorun binary, starts a localnet on a free
// loopback port and waits until the demonstration subnet has its five
// neurons and has run an epoch (so validator permits are set).
func startLocalnet(t *testing.T) *localnet {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a real localnet")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "taorun")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/taorun/taorun/cmd/taorun").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	logPath := filepath.Join(dir, "node.log")
	logf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "localnet", "--fast", "--subnet", "scripted", "--datadir", filepath.Join(dir, "data"), "--rpc.addr", addr, "--log.level", "warn")
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
		logf.Close()
		if t.Failed() {
			b, _ := os.ReadFile(logPath)
			t.Logf("localnet log:\n%s", b)
		}
	})
	l := &localnet{rpc: rpcclient.New(addr), dir: dir}
	l.waitFor(t, 60*time.Second, "the demonstration subnet with 5 neurons after an epoch", func(ctx context.Context) bool {
		mg, err := l.rpc.Metagraph(ctx, 1, false)
		return err == nil && len(mg.Neurons) == 5 && mg.EpochIndex > 0 && mg.Neurons[1].ValidatorPermit
	})
	return l
}

// waitFor polls cond every 100 ms until it holds or the timeout passes.
func (l *localnet) waitFor(t *testing.T, timeout time.Duration, what string, cond func(ctx context.Context) bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		ok := cond(ctx)
		cancel()
		if ok {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("timed out after %s waiting for %s", timeout, what)
}

// client returns an adapter signing with //name//hotkey (and //name as
// the coldkey).
func (l *localnet) client(t *testing.T, name string) *chainrpc.Client {
	t.Helper()
	hot, err := keys.FromURI("//" + name + "//hotkey")
	if err != nil {
		t.Fatal(err)
	}
	c, err := chainrpc.New(chainrpc.Config{RPC: l.rpc, Hotkey: hot, Coldkey: keys.Dev(name), TxTimeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func hotkeyOf(t *testing.T, name string) keys.PublicKey {
	t.Helper()
	k, err := keys.FromURI("//" + name + "//hotkey")
	if err != nil {
		t.Fatal(err)
	}
	return k.Public()
}

// TestLocalnet runs the adapter against a real node: head, metagraph and
// roster mapping, parameters, serve-axon, set-weights, registration,
// commit-reveal and the module source.
func TestLocalnet(t *testing.T) {
	l := startLocalnet(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	t.Run("Head", func(t *testing.T) {
		c := l.client(t, "Alice")
		h, err := c.Head(ctx)
		if err != nil {
			t.Fatal(err)
		}
		b, err := l.rpc.BlockByNumber(ctx, h.Height)
		if err != nil {
			t.Fatal(err)
		}
		if h.Height == 0 || h.Hash != b.Hash || h.TimeMillis != uint64(b.Time) {
			t.Fatalf("head %+v, block %d hash %s time %d", h, b.Height, b.Hash.Hex(), b.Time)
		}
		if d := time.Since(time.UnixMilli(int64(h.TimeMillis))); d < -time.Minute || d > time.Minute {
			t.Fatalf("head time %d is %s from now", h.TimeMillis, d)
		}
	})

	t.Run("MetagraphAndRoster", func(t *testing.T) {
		c := l.client(t, "Alice")
		ns, err := c.Metagraph(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		roster := chainrpc.NewRoster(l.rpc, 1, nil)
		if _, ok := roster.Lookup(hotkeyOf(t, "Bob")); ok || roster.Len() != 0 {
			t.Fatal("an unrefreshed roster knows Bob")
		}
		if err := roster.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		mg, err := l.rpc.Metagraph(ctx, 1, false)
		if err != nil {
			t.Fatal(err)
		}
		if len(ns) < 5 || roster.Len() < 5 {
			t.Fatalf("%d neurons, roster %d", len(ns), roster.Len())
		}
		for i, name := range []string{"Alice", "Bob", "Charlie", "Dave", "Eve"} {
			n := ns[i]
			if n.UID != uint16(i) || n.Hotkey != hotkeyOf(t, name) {
				t.Fatalf("uid %d: %+v, want %s's hotkey", i, n, name)
			}
			m, ok := roster.Lookup(n.Hotkey)
			if !ok || m.UID != n.UID {
				t.Fatalf("roster lookup of %s: %+v %v", name, m, ok)
			}
			// Stake and permit as the node reports them (the roster's view may
			// be a block apart, but stake only changes with stake calls).
			raw := mg.Neurons[i]
			if raw.Stake != strconv.FormatUint(m.Stake, 10) || raw.Stake != strconv.FormatUint(n.Stake, 10) || raw.ValidatorPermit != m.ValidatorPermit {
				t.Fatalf("%s: roster %+v, neuron %+v, node stake %s permit %v", name, m, n, raw.Stake, raw.ValidatorPermit)
			}
		}
		bob, _ := roster.Lookup(hotkeyOf(t, "Bob"))
		if !bob.ValidatorPermit || bob.Stake == 0 {
			t.Fatalf("Bob, the staked validator: %+v", bob)
		}
		if _, ok := roster.Lookup(hotkeyOf(t, "Ferdie")); ok {
			t.Fatal("roster knows the unregistered Ferdie")
		}
		// Run refreshes per block: the roster's view height follows the head.
		rctx, rcancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- roster.Run(rctx, 50*time.Millisecond) }()
		start := roster.Height()
		l.waitFor(t, 10*time.Second, "the roster to refresh", func(context.Context) bool { return roster.Height() > start+2 })
		rcancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Fatalf("Run returned %v", err)
		}
	})

	t.Run("Params", func(t *testing.T) {
		c := l.client(t, "Bob")
		p, err := c.SubnetParams(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		info, err := l.rpc.SubnetInfo(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		// The demonstration sets weights_rate_limit 0 and turns commit-reveal
		// off; the rest are chain/subnet defaults.
		if p.CommitReveal || p.WeightsRateLimit != 0 || p.MinAllowedWeights != 1 || p.MaxWeightLimit != 65535 ||
			p.WeightsVersionKey != 0 || p.RevealPeriodEpochs != 1 {
			t.Fatalf("params %+v", p)
		}
		if p.Epoch == 0 || p.Epoch > info.EpochIndex {
			t.Fatalf("epoch %d, node's epoch index %d", p.Epoch, info.EpochIndex)
		}
		l.waitFor(t, 20*time.Second, "the next epoch", func(ctx context.Context) bool {
			q, err := c.SubnetParams(ctx, 1)
			return err == nil && q.Epoch > p.Epoch
		})
		if _, err := c.SubnetParams(ctx, 77); err == nil || !strings.Contains(err.Error(), "77") {
			t.Fatalf("params of a missing subnet: %v", err)
		}
	})

	t.Run("ServeAxon", func(t *testing.T) {
		for _, tc := range []struct{ name, addr string }{{"Charlie", "127.0.0.1:40001"}, {"Dave", "[2001:db8::7]:40002"}} {
			c := l.client(t, tc.name)
			if err := c.ServeAxon(ctx, 1, tc.addr); err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			ns, err := c.Metagraph(ctx, 1)
			if err != nil {
				t.Fatal(err)
			}
			i := slices.IndexFunc(ns, func(n validator.Neuron) bool { return n.Hotkey == hotkeyOf(t, tc.name) })
			if i < 0 || ns[i].Axon != tc.addr {
				t.Fatalf("%s's axon in the metagraph: %+v, want %s", tc.name, ns, tc.addr)
			}
		}
		// serving_rate_limit (50 blocks) refuses a second serve: serve-axon
		// goes fee-free, so the chain refuses it before inclusion, and the
		// error carries the chain's reason.
		err := l.client(t, "Charlie").ServeAxon(ctx, 1, "127.0.0.1:40003")
		if err == nil || !strings.Contains(err.Error(), "fee-free call refused") || !strings.Contains(err.Error(), "rate limited") {
			t.Fatalf("second serve-axon: %v", err)
		}
		// Ferdie's hotkey has no funds and no registration.
		if err := l.client(t, "Ferdie").ServeAxon(ctx, 1, "127.0.0.1:40004"); err == nil {
			t.Fatal("unregistered, unfunded hotkey served an axon")
		}
		if err := l.client(t, "Eve").ServeAxon(ctx, 1, "localhost:1"); err == nil {
			t.Fatal("served a host name")
		}
	})

	t.Run("SetWeights", func(t *testing.T) {
		// Alice's hotkey is the subnet owner's, allowed to set weights without
		// a validator permit, and not driven by the demonstration's script.
		c := l.client(t, "Alice")
		if err := c.SetWeights(ctx, 1, []uint16{2, 3}, []uint16{100, 200}, 0); err != nil {
			t.Fatal(err)
		}
		mg, err := l.rpc.Metagraph(ctx, 1, true)
		if err != nil {
			t.Fatal(err)
		}
		want := []api.WeightEntry{{UID: 2, Value: 32768}, {UID: 3, Value: 65535}}
		if got := mg.Neurons[0].Weights; !slices.Equal(got, want) {
			t.Fatalf("Alice's stored weights %v, want %v", got, want)
		}
		ns, err := c.Metagraph(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		if ns[0].LastUpdate == 0 || ns[0].LastUpdate != mg.Neurons[0].LastUpdate {
			t.Fatalf("last update %d, node %d", ns[0].LastUpdate, mg.Neurons[0].LastUpdate)
		}
		// Charlie has no permit: the chain's refusal comes back.
		err = l.client(t, "Charlie").SetWeights(ctx, 1, []uint16{3}, []uint16{1}, 0)
		if err == nil || !strings.Contains(err.Error(), "permit") {
			t.Fatalf("set weights without a permit: %v", err)
		}
		// Commit-reveal is off on the demonstration subnet.
		if err := c.CommitWeights(ctx, 1, [32]byte{1}); err == nil || !strings.Contains(err.Error(), "disabled") {
			t.Fatalf("commit on a subnet without commit-reveal: %v", err)
		}
	})

	t.Run("Register", func(t *testing.T) {
		c := l.client(t, "Ferdie")
		if _, ok, err := c.UID(ctx, 1); err != nil || ok {
			t.Fatalf("Ferdie registered before: %v %v", ok, err)
		}
		uid, err := c.Register(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		got, ok, err := c.UID(ctx, 1)
		if err != nil || !ok || got != uid || uid < 5 {
			t.Fatalf("uid %d after registering as %d (%v, %v)", got, uid, ok, err)
		}
		if again, err := c.Register(ctx, 1); err != nil || again != uid {
			t.Fatalf("second Register: %d, %v", again, err)
		}
	})

	t.Run("CommitReveal", func(t *testing.T) {
		// Turn commit-reveal on as sudo (Alice), then commit and reveal as
		// Alice's hotkey in the reveal epoch.
		if _, err := l.rpc.Submit(ctx, keys.Dev("Alice"), tx.SudoSet{Netuid: 1, Param: "commit_reveal_weights_enabled", Value: 1}, 0); err != nil {
			t.Fatal(err)
		}
		c := l.client(t, "Alice")
		l.waitFor(t, 10*time.Second, "commit-reveal to be on", func(ctx context.Context) bool {
			q, err := c.SubnetParams(ctx, 1)
			return err == nil && q.CommitReveal
		})
		uids, vals, salt := []uint16{2, 4}, []uint16{7, 9}, []uint16{1, 2, 3, 4}
		hash := subnet.CommitHash(hotkeyOf(t, "Alice"), 1, uids, vals, salt, 0)
		if err := c.SetWeights(ctx, 1, uids, vals, 0); err == nil || !strings.Contains(err.Error(), "commit-reveal") {
			t.Fatalf("set weights on a commit-reveal subnet: %v", err)
		}
		before := mustParams(t, ctx, c).Epoch
		if err := c.CommitWeights(ctx, 1, hash); err != nil {
			t.Fatal(err)
		}
		// An immediate reveal is too early; the chain's reason names the
		// reveal epoch, which must be the commit's epoch (the epoch index
		// SubnetParams reported around the commit) plus the reveal period.
		err := c.RevealWeights(ctx, 1, uids, vals, salt, 0)
		var due, now uint64
		if err == nil {
			t.Fatal("reveal in the commit's own epoch succeeded")
		}
		i := strings.Index(err.Error(), "reveal in epoch ")
		if i < 0 {
			t.Fatalf("early reveal: %v", err)
		}
		if _, serr := fmt.Sscanf(err.Error()[i:], "reveal in epoch %d (now %d)", &due, &now); serr != nil {
			t.Fatalf("early reveal %v: %v", err, serr)
		}
		if due < before+1 || due > before+2 {
			t.Fatalf("reveal epoch %d for a commit made around epoch %d (period 1)", due, before)
		}
		l.waitFor(t, 30*time.Second, "the reveal epoch", func(ctx context.Context) bool {
			q, err := c.SubnetParams(ctx, 1)
			return err == nil && q.Epoch >= due
		})
		if err := c.RevealWeights(ctx, 1, uids, vals, []uint16{9, 9}, 0); err == nil || !strings.Contains(err.Error(), "does not match") {
			t.Fatalf("reveal with the wrong salt: %v", err)
		}
		if err := c.RevealWeights(ctx, 1, uids, vals, salt, 0); err != nil {
			t.Fatal(err)
		}
		mg, err := l.rpc.Metagraph(ctx, 1, true)
		if err != nil {
			t.Fatal(err)
		}
		want := []api.WeightEntry{{UID: 2, Value: 50972}, {UID: 4, Value: 65535}}
		if got := mg.Neurons[0].Weights; !slices.Equal(got, want) {
			t.Fatalf("revealed weights %v, want %v", got, want)
		}
	})

	t.Run("ModuleAndLoops", func(t *testing.T) {
		testModuleAndLoops(t, ctx, l)
	})
}

// sendAndWait submits call signed by k and waits for its success.
func sendAndWait(t *testing.T, ctx context.Context, rpc *rpcclient.Client, k *keys.Keypair, call tx.Call) *api.TxStatus {
	t.Helper()
	h, err := rpc.Submit(ctx, k, call, 0)
	if err != nil {
		t.Fatalf("%s: %v", tx.Name(call.Kind()), err)
	}
	st, err := rpc.WaitForTx(ctx, h)
	if err != nil || st.Status != api.StatusSuccess {
		t.Fatalf("%s: %+v, %v", tx.Name(call.Kind()), st, err)
	}
	return st
}

// testModuleAndLoops uploads the proof-of-compute module to subnet 1,
// checks the module source through its pending activation, then runs a
// real miner (Eve, with the matmul runner) and one validator step (Alice's
// owner hotkey) through the adapter: query, score, weights on chain.
func testModuleAndLoops(t *testing.T, ctx context.Context, l *localnet) {
	code := neurontest.PocModule(t)
	id := sha256.Sum256(code)
	alice := keys.Dev("Alice")
	// Commit-reveal off again, so the validator sets weights directly.
	sendAndWait(t, ctx, l.rpc, alice, tx.SudoSet{Netuid: 1, Param: "commit_reveal_weights_enabled", Value: 0})
	sendAndWait(t, ctx, l.rpc, alice, tx.UploadModule{Netuid: 1, Code: code})
	head, err := l.rpc.BlockNumber(ctx)
	if err != nil {
		t.Fatal(err)
	}
	at := head + 6
	sendAndWait(t, ctx, l.rpc, alice, tx.ActivateModule{Netuid: 1, ModuleID: id, AtBlock: at})

	c := l.client(t, "Eve")
	if got, ok, err := c.ActiveModule(ctx, 1, at-1); err != nil || ok {
		t.Fatalf("module active before its activation block: %x %v %v", got, ok, err)
	}
	if got, ok, err := c.ActiveModule(ctx, 1, at); err != nil || !ok || got != id {
		t.Fatalf("module at its activation block: %x %v %v, want %x", got, ok, err, id)
	}
	if got, gotAt, ok, err := c.PendingModule(ctx, 1, at-1); err != nil || !ok || got != id || gotAt != at {
		t.Fatalf("pending module before its activation block: %x at %d, %v %v; want %x at %d", got, gotAt, ok, err, id, at)
	}
	got, err := c.ModuleCode(ctx, id)
	if err != nil || !slices.Equal(got, code) {
		t.Fatalf("module code: %d bytes (want %d), %v", len(got), len(code), err)
	}
	if _, err := c.ModuleCode(ctx, [32]byte{1}); err == nil {
		t.Fatal("code of an unknown module")
	}
	l.waitFor(t, 20*time.Second, "the activation", func(ctx context.Context) bool {
		n, err := l.rpc.BlockNumber(ctx)
		return err == nil && n >= at
	})
	if got, ok, err := c.ActiveModule(ctx, 1, at); err != nil || !ok || got != id {
		t.Fatalf("module after activation: %x %v %v", got, ok, err)
	}

	// The miner: Eve's hotkey, the matmul runner, the roster for its policy.
	sched := neurontest.Matmul(t)
	roster := chainrpc.NewRoster(l.rpc, 1, nil)
	if err := roster.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	eve, _ := keys.FromURI("//Eve//hotkey")
	m, err := miner.New(miner.Config{Hotkey: eve, Netuid: 1, Addr: "127.0.0.1:0", Chain: c,
		Module: miner.ModuleConfig{Source: c, Registry: neurontest.SharedRegistry(t), Runners: sched.HostRunners()}, Roster: roster})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer m.Shutdown(context.Background())

	// The validator: Alice's hotkey (the owner's, uid 0).
	va := l.client(t, "Alice")
	aliceHot, _ := keys.FromURI("//Alice//hotkey")
	v, err := validator.New(validator.Config{Hotkey: aliceHot, Netuid: 1, DataDir: t.TempDir(), Chain: va,
		Module: validator.ModuleConfig{Source: va, Registry: neurontest.SharedRegistry(t)}, SampleSize: 10, WeightsInterval: 1, MaxTimeout: 5 * time.Second,
		CommitHash: func(hk [32]byte, netuid uint16, uids, values, salt []uint16, vk uint64) [32]byte {
			return subnet.CommitHash(hk, netuid, uids, values, salt, vk)
		}})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close(context.Background())
	rep, err := v.Step(ctx)
	if err != nil {
		t.Fatal(err)
	}
	const eveUID = 4
	if rep.Skipped != "" || !slices.Contains(rep.Queried, eveUID) {
		t.Fatalf("step: %+v", rep)
	}
	if _, failed := rep.Failed[eveUID]; failed || rep.Scores[eveUID] == 0 {
		t.Fatalf("Eve's answer: failed %q, score %d (report %+v)", rep.Failed[eveUID], rep.Scores[eveUID], rep)
	}
	if rep.WeightsAction != "set" || rep.Weights == nil || !slices.Contains(rep.Weights.UIDs, eveUID) {
		t.Fatalf("weights: %q %q %+v", rep.WeightsAction, rep.WeightsNote, rep.Weights)
	}
	mg, err := l.rpc.Metagraph(ctx, 1, true)
	if err != nil {
		t.Fatal(err)
	}
	if i := slices.IndexFunc(mg.Neurons[0].Weights, func(w api.WeightEntry) bool { return w.UID == eveUID }); i < 0 ||
		mg.Neurons[0].Weights[i].Value != 65535 {
		t.Fatalf("Alice's weights on chain %v: Eve, the only miner answering, should have the largest", mg.Neurons[0].Weights)
	}
}

func mustParams(t *testing.T, ctx context.Context, c *chainrpc.Client) validator.Params {
	t.Helper()
	p, err := c.SubnetParams(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestMain(m *testing.M) {
	code := m.Run()
	neurontest.Cleanup()
	os.Exit(code)
}
