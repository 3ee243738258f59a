package neurontest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/taorun/taorun/host"
)

// HeldRunners is a host.Runners test double whose Invoke holds every job
// until the test releases it (Release, ReleaseAll) or the job's context
// ends, counting the jobs in flight and the most ever in flight at once
// and recording the inputs in order of arrival, so tests observe how many module calls wait on a runner concurrently. A
// released job goes to Next, the real runners; with Next nil it is answered
// with its input, like an echo worker. Submit and Wait are not held: they
// go to Next (an error without one). The zero value is ready to use (with
// Next nil); it is safe for concurrent use.
type HeldRunners struct {
	// Next runs the released jobs; nil answers each with its input.
	Next host.Runners

	once    sync.Once
	tokens  chan struct{} // one per job released by Release
	all     chan struct{} // closed by ReleaseAll
	allOnce sync.Once

	mu       sync.Mutex
	inFlight int
	peak     int
	inputs   [][]byte // every job's input, in order of arrival
}

func (r *HeldRunners) init() {
	r.once.Do(func() {
		r.tokens = make(chan struct{}, 1<<16)
		r.all = make(chan struct{})
	})
}

// Invoke implements host.Runners: it counts the job, holds it until it is
// released, then runs it on Next.
func (r *HeldRunners) Invoke(ctx context.Context, name string, input []byte) ([]byte, error) {
	r.init()
	r.mu.Lock()
	r.inFlight++
	r.inputs = append(r.inputs, append([]byte(nil), input...))
	r.peak = max(r.peak, r.inFlight)
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		r.inFlight--
		r.mu.Unlock()
	}()
	select {
	case <-r.tokens:
	case <-r.all:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if r.Next == nil {
		return append([]byte(nil), input...), nil
	}
	return r.Next.Invoke(ctx, name, input)
}

// Submit implements host.Runners through Next, without holding the job.
func (r *HeldRunners) Submit(ctx context.Context, name string, input []byte) (int64, error) {
	if r.Next == nil {
		return 0, errors.New("neurontest.HeldRunners: Submit needs Next")
	}
	return r.Next.Submit(ctx, name, input)
}

// Wait implements host.Runners through Next.
func (r *HeldRunners) Wait(ctx context.Context, job int64) ([]byte, error) {
	if r.Next == nil {
		return nil, errors.New("neurontest.HeldRunners: Wait needs Next")
	}
	return r.Next.Wait(ctx, job)
}

// Release lets n held (or future) jobs go, one each.
func (r *HeldRunners) Release(n int) {
	r.init()
	for range n {
		r.tokens <- struct{}{}
	}
}

// ReleaseAll lets every job held now or later go.
func (r *HeldRunners) ReleaseAll() {
	r.init()
	r.allOnce.Do(func() { close(r.all) })
}

// InFlight returns the jobs in Invoke now (held, or running on Next).
func (r *HeldRunners) InFlight() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.inFlight
}

// Peak returns the most jobs that were in Invoke at once.
func (r *HeldRunners) Peak() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.peak
}

// Total returns the jobs Invoke was called with.
func (r *HeldRunners) Total() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.inputs)
}

// Inputs returns the input of every job Invoke was called with, in order
// of arrival.
func (r *HeldRunners) Inputs() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]string, len(r.inputs))
	for i, in := range r.inputs {
		out[i] = string(in)
	}
	return out
}

// WaitFor polls cond until it holds, failing the test after a deadline
// generous enough for module compiles under the race detector on a loaded
// machine. Tests use it to observe a state, never to time anything.
func WaitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
