package modhost_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/taorun/taorun/abi"
	"github.com/taorun/taorun/abi/wire"
	"github.com/taorun/taorun/neuron/internal/modhost"
	"github.com/taorun/taorun/neuron/internal/neurontest"
	"github.com/taorun/taorun/runtime"
)

// poolHost returns a Host with n instances of src's module whose runners
// are held, closed at the end of the test.
func poolHost(t *testing.T, n int, src modhost.Source, runners *neurontest.HeldRunners) *modhost.Host {
	t.Helper()
	h, err := modhost.New(modhost.Config{Netuid: 1, Instances: n,
		Module: modhost.Options{Source: src, Registry: neurontest.SharedRegistry(t), Runners: runners}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		runners.ReleaseAll() // a failed test must not leave calls held
		if err := h.Close(context.Background()); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return h
}

// outcome is one call's result or node fault.
type outcome struct {
	res modhost.Result
	err error
}

// solve calls solve with task at height.
func solve(ctx context.Context, h *modhost.Host, height uint64, task string) outcome {
	in := wire.SolveInput{Netuid: 1, Block: height, Task: []byte(task)}
	res, err := h.Call(ctx, head(height).BlockInfo(1), abi.EntrySolve, in.Encode())
	return outcome{res, err}
}

// goSolve starts solve in a goroutine; the channel gets its outcome.
func goSolve(ctx context.Context, h *modhost.Host, height uint64, task string) <-chan outcome {
	c := make(chan outcome, 1)
	go func() { c <- solve(ctx, h, height, task) }()
	return c
}

// wantAnswer fails the test unless o is module id's successful solve
// answering want.
func wantAnswer(t *testing.T, what string, o outcome, id [32]byte, want string) {
	t.Helper()
	if o.err != nil || o.res.Err != nil {
		t.Fatalf("%s: %v %v", what, o.err, o.res.Err)
	}
	if o.res.ModuleID != id {
		t.Fatalf("%s ran on module %x, want %x", what, o.res.ModuleID[:8], id[:8])
	}
	if want == "" {
		return
	}
	var out wire.SolveOutput
	if err := out.Decode(o.res.Output); err != nil {
		t.Fatalf("%s: output: %v", what, err)
	}
	if string(out.Response) != want {
		t.Fatalf("%s answered %q, want %q", what, out.Response, want)
	}
}

// TestPoolConcurrency: with n instances, n solves that block on a held
// runner job all reach the runner at once, never more; a further call waits
// for a slot (and gives up when its context ends) and, once one job is let
// go, runs on the instance that call returned rather than a new one.
func TestPoolConcurrency(t *testing.T) {
	for _, n := range []int{1, 3} {
		t.Run(fmt.Sprintf("instances=%d", n), func(t *testing.T) {
			ctx := context.Background()
			src := &neurontest.Source{}
			altID := src.Activate(neurontest.AltModule(t), 1)
			runners := &neurontest.HeldRunners{}
			h := poolHost(t, n, src, runners)

			var calls []<-chan outcome
			for i := range n {
				calls = append(calls, goSolve(ctx, h, 10, fmt.Sprintf("echo:%d", i)))
			}
			neurontest.WaitFor(t, fmt.Sprintf("%d solves held in the runner", n), func() bool { return runners.InFlight() == n })
			extra := goSolve(ctx, h, 10, fmt.Sprintf("echo:%d", n))
			neurontest.WaitFor(t, "the extra call to wait for a slot", func() bool { return h.Stats().Waiting == 1 })
			// A waiter whose context ends gives up; the other one keeps waiting.
			cctx, cancel := context.WithCancel(ctx)
			quitter := goSolve(cctx, h, 10, "echo:quitter")
			neurontest.WaitFor(t, "a second waiter", func() bool { return h.Stats().Waiting == 2 })
			cancel()
			if o := <-quitter; !errors.Is(o.err, context.Canceled) {
				t.Fatalf("a waiter whose context ended got %v, %v; want context.Canceled", o.err, o.res.Err)
			}
			s := h.Stats()
			if s.Busy != n || s.Instances != uint64(n) || s.Waiting != 1 || runners.Total() != n {
				t.Fatalf("while saturated: stats %+v, %d runner jobs; want %d busy, %d instances, 1 waiting, %d jobs", s, runners.Total(), n, n, n)
			}

			runners.Release(1)
			neurontest.WaitFor(t, "the extra call to reach the runner", func() bool { return runners.Total() == n+1 })
			runners.ReleaseAll()
			for i, c := range calls {
				wantAnswer(t, fmt.Sprintf("call %d", i), <-c, altID, fmt.Sprintf("alt:%d", i))
			}
			wantAnswer(t, "the extra call", <-extra, altID, fmt.Sprintf("alt:%d", n))
			if p := runners.Peak(); p != n {
				t.Fatalf("at most %d solves were in the runner at once, want %d", p, n)
			}
			s = h.Stats()
			want := modhost.Stats{Loads: 1, Instances: uint64(n), Waits: 2, Idle: n}
			if s != want {
				t.Fatalf("stats %+v, want %+v", s, want)
			}
		})
	}
}

// TestPoolTrapDiscardsItsInstance: a call that traps while other calls
// hold instances discards its own instance only: the others finish and go
// back to the pool, and the next n calls at once reuse them, creating just
// one instance in place of the discarded one.
func TestPoolTrapDiscardsItsInstance(t *testing.T) {
	for _, n := range []int{1, 3} {
		t.Run(fmt.Sprintf("instances=%d", n), func(t *testing.T) {
			ctx := context.Background()
			src := &neurontest.Source{}
			altID := src.Activate(neurontest.AltModule(t), 1)
			runners := &neurontest.HeldRunners{}
			h := poolHost(t, n, src, runners)

			var held []<-chan outcome
			for i := range n - 1 {
				held = append(held, goSolve(ctx, h, 10, fmt.Sprintf("echo:%d", i)))
			}
			neurontest.WaitFor(t, "the other calls held in the runner", func() bool { return runners.InFlight() == n-1 })
			trap := solve(ctx, h, 10, "exit")
			if trap.err != nil || !errors.Is(trap.res.Err, runtime.ErrTrap) {
				t.Fatalf("the exiting call: %v, %v; want a trap", trap.err, trap.res.Err)
			}
			if s := h.Stats(); s.Instances != uint64(n) || s.Discarded != 1 || s.Busy != n-1 || s.Idle != 0 {
				t.Fatalf("after the trap: stats %+v; want %d instances, 1 discarded, %d busy, none idle", s, n, n-1)
			}
			runners.Release(n - 1)
			for i, c := range held {
				wantAnswer(t, fmt.Sprintf("held call %d", i), <-c, altID, fmt.Sprintf("alt:%d", i))
			}
			if s := h.Stats(); s.Idle != n-1 {
				t.Fatalf("after the held calls: %d idle instances, want %d", s.Idle, n-1)
			}

			var again []<-chan outcome
			for i := range n {
				again = append(again, goSolve(ctx, h, 11, fmt.Sprintf("echo:again%d", i)))
			}
			neurontest.WaitFor(t, "n calls held in the runner", func() bool { return runners.InFlight() == n })
			runners.ReleaseAll()
			for i, c := range again {
				wantAnswer(t, fmt.Sprintf("call %d after the trap", i), <-c, altID, fmt.Sprintf("alt:again%d", i))
			}
			want := modhost.Stats{Loads: 1, Instances: uint64(n) + 1, Discarded: 1, Idle: n}
			if s := h.Stats(); s != want {
				t.Fatalf("stats %+v, want %+v", s, want)
			}
		})
	}
}

// TestPoolVersionSwitch: the alternative module is active from block 1 and
// pocsubnet from block 20. Three instances of the old version exist when
// the switch comes, one idle and two running held calls. The first call at
// block 20 closes the idle one and runs the new version; a call at block
// 15, after the switch, still runs the old version, on a one-off instance;
// the held calls finish on the old version and their instances are closed,
// not returned; three calls at once at block 21 all run the new version
// (the idle new instance and two more). No old instance ever serves a call
// after the switch.
func TestPoolVersionSwitch(t *testing.T) {
	ctx := context.Background()
	src := &neurontest.Source{}
	altID := src.Activate(neurontest.AltModule(t), 1)
	pocID := src.Activate(neurontest.PocModule(t), 20)
	// A released matmul job comes back as its input, a wrong product:
	// pocsubnet's solve then multiplies in the module, still a success.
	runners := &neurontest.HeldRunners{}
	// A plain source: no compile ahead, whose timing would show in Loads.
	h := poolHost(t, 3, plainSource{src}, runners)

	var old []<-chan outcome
	for i := range 3 {
		old = append(old, goSolve(ctx, h, 10, fmt.Sprintf("echo:old%d", i)))
	}
	neurontest.WaitFor(t, "three old-version calls held", func() bool { return runners.InFlight() == 3 })
	runners.Release(1)
	neurontest.WaitFor(t, "one old instance back in the pool", func() bool { return h.Stats().Idle == 1 })

	res, err := h.Call(ctx, head(20).BlockInfo(1), abi.EntryChallenge, wire.ChallengeInput{Netuid: 1, Block: 20, Seed: [32]byte{9}}.Encode())
	if err != nil || res.Err != nil || res.ModuleID != pocID {
		t.Fatalf("challenge at the activation block: module %x, %v %v; want pocsubnet", res.ModuleID[:8], err, res.Err)
	}
	var ch wire.ChallengeOutput
	if err := ch.Decode(res.Output); err != nil {
		t.Fatal(err)
	}
	if s := h.Stats(); s.Retired != 1 || s.Instances != 4 || s.Idle != 1 {
		t.Fatalf("after the switch: stats %+v; want the idle old instance retired, 4 created, the new one idle", s)
	}
	wantAnswer(t, "a call at block 15 after the switch", solve(ctx, h, 15, "late"), altID, "alt:late")
	if s := h.Stats(); s.Stale != 1 || s.Retired != 2 || s.Instances != 5 || s.Idle != 1 {
		t.Fatalf("after the stale call: stats %+v; want it on a one-off instance, retired after", s)
	}

	runners.Release(2)
	done := map[string]bool{}
	for i, c := range old {
		o := <-c
		wantAnswer(t, fmt.Sprintf("old call %d", i), o, altID, "")
		var out wire.SolveOutput
		if err := out.Decode(o.res.Output); err != nil {
			t.Fatal(err)
		}
		done[string(out.Response)] = true
	}
	if len(done) != 3 {
		t.Fatalf("the old calls answered %v, want three distinct answers", done)
	}
	if s := h.Stats(); s.Retired != 4 || s.Idle != 1 {
		t.Fatalf("after the old calls: stats %+v; want every old instance retired (4) and the new one idle", s)
	}

	var next []<-chan outcome
	for range 3 {
		next = append(next, goSolve(ctx, h, 21, string(ch.Task)))
	}
	neurontest.WaitFor(t, "three new-version calls held", func() bool { return runners.InFlight() == 3 })
	runners.ReleaseAll()
	for i, c := range next {
		wantAnswer(t, fmt.Sprintf("call %d at block 21", i), <-c, pocID, "")
	}
	want := modhost.Stats{Loads: 3, Instances: 7, Retired: 4, Stale: 1, Idle: 3}
	if s := h.Stats(); s != want {
		t.Fatalf("stats %+v, want %+v", s, want)
	}
}

// TestNewRefusesNegativeInstances: a negative pool size is a config error.
func TestNewRefusesNegativeInstances(t *testing.T) {
	_, err := modhost.New(modhost.Config{Instances: -1,
		Module: modhost.Options{Source: &neurontest.Source{}, Registry: neurontest.SharedRegistry(t)}})
	if err == nil {
		t.Fatal("New with Instances -1 succeeded")
	}
}

// TestCallAfterClose: Close waits for nothing when idle, and a later call
// is refused with ErrClosed instead of creating an instance.
func TestCallAfterClose(t *testing.T) {
	src := &neurontest.Source{}
	src.Activate(neurontest.AltModule(t), 1)
	h, err := modhost.New(modhost.Config{Netuid: 1, Instances: 2,
		Module: modhost.Options{Source: src, Registry: neurontest.SharedRegistry(t)}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if o := solve(ctx, h, 5, "x"); o.err != nil || o.res.Err != nil {
		t.Fatalf("solve: %v %v", o.err, o.res.Err)
	}
	if err := h.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if o := solve(ctx, h, 5, "x"); !errors.Is(o.err, modhost.ErrClosed) {
		t.Fatalf("a call after Close got %v, want ErrClosed", o.err)
	}
	if s := h.Stats(); s.Instances != 1 || s.Retired != 1 || s.Idle != 0 {
		t.Fatalf("stats %+v; want the one instance retired by Close", s)
	}
}
