package host

import (
	"context"
	"fmt"
	"sync"
)

// RunnerFunc is a runner implemented as a Go function: it maps a job's
// input to its output.
type RunnerFunc func(ctx context.Context, input []byte) ([]byte, error)

// FuncRunners is a Runners that runs Go functions in process: Invoke calls
// the function, Submit starts it in a goroutine and Wait collects it. It
// serves local tools (`taorun module run`) and tests, where no runner
// process exists; a node uses host/runner's scheduler. It is safe for
// concurrent use.
type FuncRunners struct {
	funcs map[string]RunnerFunc

	mu   sync.Mutex
	next int64
	jobs map[int64]*funcJob
}

// funcJob is a submitted job; done closes when out and err are set.
type funcJob struct {
	done chan struct{}
	out  []byte
	err  error
}

// NewFuncRunners returns runners named by the keys of funcs.
func NewFuncRunners(funcs map[string]RunnerFunc) *FuncRunners {
	return &FuncRunners{funcs: funcs, jobs: map[int64]*funcJob{}}
}

// lookup returns the function of runner name or an error wrapping
// ErrNoRunner.
func (r *FuncRunners) lookup(name string) (RunnerFunc, error) {
	f, ok := r.funcs[name]
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrNoRunner, name)
	}
	return f, nil
}

// Invoke runs runner name on input and returns its output.
func (r *FuncRunners) Invoke(ctx context.Context, name string, input []byte) ([]byte, error) {
	f, err := r.lookup(name)
	if err != nil {
		return nil, err
	}
	return f(ctx, input)
}

// Submit starts runner name on input in a goroutine and returns the job's
// id; ids count up from 0. The job runs under a context that keeps ctx's
// values but not its cancellation, since it outlives the host call.
func (r *FuncRunners) Submit(ctx context.Context, name string, input []byte) (int64, error) {
	f, err := r.lookup(name)
	if err != nil {
		return 0, err
	}
	j := &funcJob{done: make(chan struct{})}
	r.mu.Lock()
	id := r.next
	r.next++
	r.jobs[id] = j
	r.mu.Unlock()
	jctx := context.WithoutCancel(ctx)
	go func() {
		defer close(j.done)
		j.out, j.err = f(jctx, input)
	}()
	return id, nil
}

// Wait waits for job and returns its output; a job can be waited for once.
// If ctx ends first, Wait returns ctx's error and the job can be waited for
// again.
func (r *FuncRunners) Wait(ctx context.Context, job int64) ([]byte, error) {
	r.mu.Lock()
	j, ok := r.jobs[job]
	r.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("%w: %d", ErrNoJob, job)
	}
	select {
	case <-j.done:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	r.mu.Lock()
	_, first := r.jobs[job] // a concurrent Wait may have collected it already
	delete(r.jobs, job)
	r.mu.Unlock()
	if !first {
		return nil, fmt.Errorf("%w: %d", ErrNoJob, job)
	}
	return j.out, j.err
}
