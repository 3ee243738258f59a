package miner_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/taorun/taorun/abi"
	"github.com/taorun/taorun/abi/wire"
	"github.com/taorun/taorun/keys"
	"github.com/taorun/taorun/neuron/axon"
	"github.com/taorun/taorun/neuron/dendrite"
	"github.com/taorun/taorun/neuron/internal/modhost"
	"github.com/taorun/taorun/neuron/internal/neurontest"
	"github.com/taorun/taorun/neuron/miner"
)

// heldTimeout is the synapse timeout of queries whose runner jobs the test
// holds: far beyond anything the test waits for, so an answer within it
// shows the miner served the request, not that it was fast.
const heldTimeout = 2 * time.Minute

// validatorKey is the i-th test validator's hotkey.
func validatorKey(t testing.TB, name string) *keys.Keypair {
	t.Helper()
	k, err := keys.FromURI("//Validator" + name)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// query sends task from a validator of its own (a dendrite each, as
// separate validators query a miner) and returns a channel for the answer.
func query(t *testing.T, key *keys.Keypair, target dendrite.Axon, task []byte) <-chan dendrite.Response {
	t.Helper()
	d, err := dendrite.New(dendrite.Config{Hotkey: key})
	if err != nil {
		t.Fatal(err)
	}
	c := make(chan dendrite.Response, 1)
	go func() { c <- d.Query(context.Background(), target, miner.SynapseSolve, task, heldTimeout) }()
	return c
}

// TestMinerConcurrentSolves runs a real miner with MaxWorkers 4 (axon on
// loopback, the pocsubnet module, the matmul-cpu worker behind a runner
// double that holds each job until the test lets it go) and queries it
// from four validators at once with real dendrites: all four solves reach
// the runner together, each on a module instance of its own; a fifth
// query waits in the axon's queue, not at the module; once the jobs go,
// every answer scores as a correct product under the module's own score.
func TestMinerConcurrentSolves(t *testing.T) {
	const workers = 4
	ctx := context.Background()
	reg := neurontest.Registry(t)
	src := &neurontest.Source{}
	src.Activate(neurontest.PocModule(t), 1)
	chain := &testChain{height: 10}
	runners := &neurontest.HeldRunners{Next: neurontest.Matmul(t).HostRunners()}
	defer runners.ReleaseAll()
	hot := keys.Dev("Bob")
	m, err := miner.New(miner.Config{Hotkey: hot, Netuid: 1, Addr: "127.0.0.1:0", Chain: chain, MaxWorkers: workers,
		Module: miner.ModuleConfig{Source: src, Registry: reg, Runners: runners, InitConfig: neurontest.PocConfig(32, 5000)}})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer m.Shutdown(ctx)

	// The validators' side of the module: tasks and the score. Its first
	// call compiles the module, so the miner's solves do not wait for that.
	vmod, err := modhost.New(modhost.Config{Netuid: 1, Module: modhost.Options{Registry: reg, Source: src, InitConfig: neurontest.PocConfig(32, 5000)}})
	if err != nil {
		t.Fatal(err)
	}
	defer vmod.Close(ctx)
	head, _ := chain.Head(ctx)
	tasks := make([][]byte, workers+1)
	for i := range tasks {
		res, err := vmod.Call(ctx, head.BlockInfo(1), abi.EntryChallenge, wire.ChallengeInput{Netuid: 1, Block: 10, Seed: [32]byte{byte(i + 1)}}.Encode())
		if err != nil || res.Err != nil {
			t.Fatalf("challenge %d: %v %v", i, err, res.Err)
		}
		var ch wire.ChallengeOutput
		if err := ch.Decode(res.Output); err != nil {
			t.Fatal(err)
		}
		tasks[i] = ch.Task
	}

	target := dendrite.Axon{Hotkey: hot.Public(), Addr: m.Addr()}
	answers := make([]<-chan dendrite.Response, len(tasks))
	for i := range workers {
		answers[i] = query(t, validatorKey(t, fmt.Sprint(i)), target, tasks[i])
	}
	neurontest.WaitFor(t, fmt.Sprintf("%d solves in the runner at once", workers), func() bool { return runners.InFlight() == workers })
	answers[workers] = query(t, validatorKey(t, fmt.Sprint(workers)), target, tasks[workers])
	neurontest.WaitFor(t, "the fifth query to wait in the axon's queue", func() bool { return m.Axon().Queued() == 1 })
	if s := m.ModuleStats(); s.Instances != workers || s.Busy != workers || s.Waiting != 0 || runners.Total() != workers {
		t.Fatalf("saturated: module stats %+v, %d runner jobs; want %d instances busy, none waiting at the module, %d jobs",
			s, runners.Total(), workers, workers)
	}

	runners.ReleaseAll()
	for i, c := range answers {
		resp := <-c
		if resp.Err != nil {
			t.Fatalf("query %d: %v", i, resp.Err)
		}
		res, err := vmod.Call(ctx, head.BlockInfo(1), abi.EntryScore, wire.ScoreInput{Netuid: 1, Block: 10, Task: tasks[i],
			Responses: []wire.Response{{UID: 1, LatencyMicros: uint64(resp.Latency.Microseconds()), Response: resp.Body}}}.Encode())
		if err != nil || res.Err != nil {
			t.Fatalf("score %d: %v %v", i, err, res.Err)
		}
		var sc wire.ScoreOutput
		if err := sc.Decode(res.Output); err != nil {
			t.Fatal(err)
		}
		if len(sc.Scores) != 1 || sc.Scores[0].Value <= wire.ScoreOne/2 {
			t.Fatalf("answer %d scored %v, want a correct product (> ScoreOne/2)", i, sc.Scores)
		}
	}
	if p := runners.Peak(); p != workers {
		t.Fatalf("at most %d solves were in the runner at once, want %d", p, workers)
	}
	if s := m.ModuleStats(); s.Instances != workers || s.Idle != workers {
		t.Fatalf("module stats %+v, want the %d instances reused, all idle", s, workers)
	}
}

// stakeRoster is a test double for the metagraph: every listed hotkey is
// a registered validator with the given stake.
type stakeRoster map[keys.PublicKey]uint64

func (r stakeRoster) Lookup(hotkey keys.PublicKey) (axon.Member, bool) {
	stake, ok := r[hotkey]
	return axon.Member{Stake: stake, ValidatorPermit: true}, ok
}

// TestMinerStakePriorityWhenSaturated: with MaxWorkers 2 and both workers
// held in runner jobs, a low-stake query and then a high-stake one wait in
// the axon's queue; when a worker frees up, the high-stake one is served
// first although it came later, and every query is answered.
func TestMinerStakePriorityWhenSaturated(t *testing.T) {
	ctx := context.Background()
	src := &neurontest.Source{}
	src.Activate(neurontest.AltModule(t), 1)
	runners := &neurontest.HeldRunners{} // released jobs are echoed
	defer runners.ReleaseAll()
	vals := map[string]*keys.Keypair{}
	roster := stakeRoster{}
	for name, stake := range map[string]uint64{"A": 10, "B": 10, "Low": 1, "High": 100} {
		vals[name] = validatorKey(t, name)
		roster[vals[name].Public()] = stake
	}
	hot := keys.Dev("Bob")
	m, err := miner.New(miner.Config{Hotkey: hot, Netuid: 1, Addr: "127.0.0.1:0", Chain: &testChain{height: 10}, MaxWorkers: 2, Roster: roster,
		Module: miner.ModuleConfig{Source: src, Registry: neurontest.SharedRegistry(t), Runners: runners}})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer m.Shutdown(ctx)
	target := dendrite.Axon{Hotkey: hot.Public(), Addr: m.Addr()}

	answers := map[string]<-chan dendrite.Response{}
	ask := func(name string) { answers[name] = query(t, vals[name], target, []byte("echo:"+name)) }
	ask("A")
	ask("B")
	neurontest.WaitFor(t, "both workers held in the runner", func() bool { return runners.InFlight() == 2 })
	ask("Low")
	neurontest.WaitFor(t, "the low-stake query queued", func() bool { return m.Axon().Queued() == 1 })
	ask("High")
	neurontest.WaitFor(t, "the high-stake query queued", func() bool { return m.Axon().Queued() == 2 })
	if s := m.ModuleStats(); s.Waiting != 0 || s.Instances != 2 {
		t.Fatalf("saturated: module stats %+v; want 2 instances and nothing waiting at the module", s)
	}

	runners.Release(1)
	neurontest.WaitFor(t, "a queued query to reach the runner", func() bool { return runners.Total() == 3 })
	if got := runners.Inputs()[2]; got != "High" {
		t.Fatalf("the first queued query served was %q, want the high-stake one (runner inputs %q)", got, runners.Inputs())
	}
	runners.ReleaseAll()
	for name, c := range answers {
		if r := <-c; r.Err != nil || string(r.Body) != "alt:"+name {
			t.Fatalf("%s's query: %q, %v; want %q", name, r.Body, r.Err, "alt:"+name)
		}
	}
}

// TestMinerMaxWorkersConfig: zero means DefaultMaxWorkers, negative is refused.
func TestMinerMaxWorkersConfig(t *testing.T) {
	src := &neurontest.Source{}
	for _, tc := range []struct {
		workers, want int
		ok            bool
	}{
		{0, miner.DefaultMaxWorkers, true},
		{1, 1, true},
		{8, 8, true},
		{-1, 0, false},
	} {
		m, err := miner.New(miner.Config{Hotkey: keys.Dev("Bob"), Addr: "127.0.0.1:0", Chain: &testChain{}, MaxWorkers: tc.workers,
			Module: miner.ModuleConfig{Source: src, Registry: neurontest.SharedRegistry(t)}})
		if !tc.ok {
			if err == nil {
				t.Errorf("MaxWorkers %d: New succeeded, want an error", tc.workers)
			}
			continue
		}
		if err != nil {
			t.Fatalf("MaxWorkers %d: %v", tc.workers, err)
		}
		if got := m.MaxWorkers(); got != tc.want {
			t.Errorf("MaxWorkers %d: the miner serves %d at once, want %d", tc.workers, got, tc.want)
		}
	}
}
