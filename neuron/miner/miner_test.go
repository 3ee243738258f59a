package miner_test

import (
	"bytes"
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/taorun/taorun/abi"
	"github.com/taorun/taorun/abi/wire"
	"github.com/taorun/taorun/host"
	"github.com/taorun/taorun/keys"
	"github.com/taorun/taorun/neuron/dendrite"
	"github.com/taorun/taorun/neuron/internal/modhost"
	"github.com/taorun/taorun/neuron/internal/neurontest"
	"github.com/taorun/taorun/neuron/miner"
)

func TestMain(m *testing.M) { neurontest.Main(m) }

// testChain is a test double for the chain: a settable head and a record
// of serve-axon transactions.
type testChain struct {
	mu     sync.Mutex
	height uint64
	served []string
	fail   error
}

func (c *testChain) Head(context.Context) (miner.Head, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return miner.Head{Height: c.height, Hash: [32]byte{byte(c.height), 0xbe}, TimeMillis: 1_700_000_000_000 + c.height*12_000}, nil
}

func (c *testChain) ServeAxon(_ context.Context, _ uint16, addr string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fail != nil {
		return c.fail
	}
	c.served = append(c.served, addr)
	return nil
}

func (c *testChain) setHeight(h uint64) {
	c.mu.Lock()
	c.height = h
	c.mu.Unlock()
}

// countingRunners counts the jobs that reach the real runners.
type countingRunners struct {
	host.Runners
	jobs atomic.Int64
}

func (r *countingRunners) Invoke(ctx context.Context, name string, in []byte) ([]byte, error) {
	r.jobs.Add(1)
	return r.Runners.Invoke(ctx, name, in)
}

// TestMinerServesSolve runs a real miner (axon on loopback, the pocsubnet
// module through the registry, the matmul-cpu worker) and queries it with a
// real dendrite: the answer scores as correct under the module's own score,
// the job reached the runner, a garbage task is a 500 without harming the
// miner, and at the activation block of a new module version the miner
// answers with the new module.
func TestMinerServesSolve(t *testing.T) {
	ctx := context.Background()
	reg := neurontest.Registry(t)
	sched := neurontest.Matmul(t)
	src := &neurontest.Source{}
	src.Activate(neurontest.PocModule(t), 1)
	chain := &testChain{height: 10}
	runners := &countingRunners{Runners: sched.HostRunners()}
	hot := keys.Dev("Bob")
	m, err := miner.New(miner.Config{Hotkey: hot, Netuid: 1, Addr: "127.0.0.1:0", Chain: chain,
		Module: miner.ModuleConfig{Source: src, Registry: reg, Runners: runners, InitConfig: neurontest.PocConfig(32, 5000)}})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer m.Shutdown(ctx)
	if len(chain.served) != 1 || chain.served[0] != m.Addr() {
		t.Fatalf("serve-axon published %v, want [%s]", chain.served, m.Addr())
	}

	// The validator's side of the module, to make a task and score the answer.
	vmod, err := modhost.New(modhost.Config{Netuid: 1, Module: modhost.Options{Registry: reg, Source: src, InitConfig: neurontest.PocConfig(32, 5000)}})
	if err != nil {
		t.Fatal(err)
	}
	defer vmod.Close(ctx)
	head, _ := chain.Head(ctx)
	res, err := vmod.Call(ctx, head.BlockInfo(1), abi.EntryChallenge, wire.ChallengeInput{Netuid: 1, Block: 10, Seed: [32]byte{7}}.Encode())
	if err != nil || res.Err != nil {
		t.Fatalf("challenge: %v %v", err, res.Err)
	}
	var ch wire.ChallengeOutput
	if err := ch.Decode(res.Output); err != nil {
		t.Fatal(err)
	}

	d, err := dendrite.New(dendrite.Config{Hotkey: keys.Dev("Alice")})
	if err != nil {
		t.Fatal(err)
	}
	target := dendrite.Axon{Hotkey: hot.Public(), Addr: m.Addr()}
	resp := d.Query(ctx, target, miner.SynapseSolve, ch.Task, 5*time.Second)
	if resp.Err != nil {
		t.Fatalf("query: %v", resp.Err)
	}
	if runners.jobs.Load() != 1 {
		t.Fatalf("%d runner jobs, want 1", runners.jobs.Load())
	}
	res, err = vmod.Call(ctx, head.BlockInfo(1), abi.EntryScore, wire.ScoreInput{Netuid: 1, Block: 10, Task: ch.Task,
		Responses: []wire.Response{{UID: 1, LatencyMicros: uint64(resp.Latency.Microseconds()), Response: resp.Body}}}.Encode())
	if err != nil || res.Err != nil {
		t.Fatalf("score: %v %v", err, res.Err)
	}
	var sc wire.ScoreOutput
	if err := sc.Decode(res.Output); err != nil {
		t.Fatal(err)
	}
	if len(sc.Scores) != 1 || sc.Scores[0].Value <= wire.ScoreOne/2 {
		t.Fatalf("the miner's answer scored %v, want a correct product (> ScoreOne/2)", sc.Scores)
	}

	// Garbage task: the module's solve refuses it; a 500 that says why.
	bad := d.Query(ctx, target, miner.SynapseSolve, []byte("not a task"), 5*time.Second)
	if !errors.Is(bad.Err, dendrite.ErrRejected) || bad.Status != 500 || !strings.Contains(bad.Err.Error(), "guest error") {
		t.Fatalf("garbage task: status %d, err %v; want 500 with the module's guest error", bad.Status, bad.Err)
	}
	if again := d.Query(ctx, target, miner.SynapseSolve, ch.Task, 5*time.Second); again.Err != nil || !bytes.Equal(again.Body, resp.Body) {
		t.Fatalf("after a garbage task the miner answers %v (err %v)", again.Body, again.Err)
	}

	// A new version activates at block 20: at 19 the old module answers, at 20 the new one.
	// Compile the new version ahead (as a node does when the activation is
	// scheduled), so the switch itself fits in the request's timeout even
	// under the race detector, where compiling takes tens of seconds.
	alt := neurontest.AltModule(t)
	if _, err := reg.Load(ctx, alt); err != nil {
		t.Fatal(err)
	}
	src.Activate(alt, 20)
	chain.setHeight(19)
	if r := d.Query(ctx, target, miner.SynapseSolve, ch.Task, 5*time.Second); r.Err != nil || !bytes.Equal(r.Body, resp.Body) {
		t.Fatalf("before activation: %q, %v", r.Body, r.Err)
	}
	chain.setHeight(20)
	r := d.Query(ctx, target, miner.SynapseSolve, []byte("task"), 5*time.Second)
	if r.Err != nil || string(r.Body) != "alt:task" {
		t.Fatalf("at the activation block the miner answered %q (err %v), want the new module's \"alt:task\"", r.Body, r.Err)
	}
}

// TestMinerStartErrors: a serve-axon failure stops the axon again; an
// unpublishable address is refused.
func TestMinerStartErrors(t *testing.T) {
	ctx := context.Background()
	src := &neurontest.Source{}
	chain := &testChain{fail: errors.New("tx rejected")}
	m, err := miner.New(miner.Config{Hotkey: keys.Dev("Charlie"), Addr: "127.0.0.1:0", Chain: chain, Module: miner.ModuleConfig{Source: src, Registry: neurontest.Registry(t)}})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(ctx); err == nil || !strings.Contains(err.Error(), "tx rejected") {
		t.Fatalf("Start = %v, want the serve-axon failure", err)
	}
	addr := m.Addr()
	if conn, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		conn.Close()
		t.Fatalf("axon still listening on %s after a failed Start", addr)
	}
	if _, err := miner.New(miner.Config{Addr: ":0", Chain: chain}); err == nil {
		t.Fatal("New without a hotkey succeeded")
	}
	m2, err := miner.New(miner.Config{Hotkey: keys.Dev("Dave"), Addr: "127.0.0.1:0", ExternalAddr: "example.org:8091", Chain: &testChain{},
		Module: miner.ModuleConfig{Source: src, Registry: neurontest.Registry(t)}})
	if err != nil {
		t.Fatal(err)
	}
	if err := m2.Start(ctx); err == nil || !strings.Contains(err.Error(), "not ip:port") {
		t.Fatalf("Start with a host name = %v, want a refusal", err)
	}
}
