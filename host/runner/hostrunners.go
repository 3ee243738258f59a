package runner

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/taorun/taorun/host"
)

// HostRunners adapts a Scheduler to host.Runners, the interface behind the
// runner_invoke, runner_submit and runner_wait host functions. Unknown
// runners map to host.ErrNoRunner and unknown job ids to host.ErrNoJob.
//
// Create one per host Env (per module call): submitted jobs that are never
// waited for stay in its table until it is dropped. Submitted jobs keep the
// call context's values but not its cancellation, since they may outlive a
// host call; the runner's timeout still bounds them. It is safe for
// concurrent use.
type HostRunners struct {
	s *Scheduler

	mu   sync.Mutex
	next int64
	jobs map[int64]*Job
}

var _ host.Runners = (*HostRunners)(nil)

// HostRunners returns a new adapter of s to host.Runners.
func (s *Scheduler) HostRunners() *HostRunners {
	return &HostRunners{s: s, jobs: map[int64]*Job{}}
}

// hostError maps an unknown runner to host.ErrNoRunner, keeping the message.
func hostError(err error) error {
	if errors.Is(err, ErrUnknownRunner) {
		return fmt.Errorf("%w: %v", host.ErrNoRunner, err)
	}
	return err
}

// Invoke runs a job on runner name and waits for its output.
func (h *HostRunners) Invoke(ctx context.Context, name string, input []byte) ([]byte, error) {
	out, err := h.s.Invoke(ctx, name, input)
	return out, hostError(err)
}

// Submit queues a job on runner name and returns its id; ids count up
// from 0.
func (h *HostRunners) Submit(ctx context.Context, name string, input []byte) (int64, error) {
	j, err := h.s.Submit(context.WithoutCancel(ctx), name, input)
	if err != nil {
		return 0, hostError(err)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	id := h.next
	h.next++
	h.jobs[id] = j
	return id, nil
}

// Wait waits for a submitted job and returns its output; a job can be
// waited for once. If ctx ends first, Wait returns ctx's error and the job
// can be waited for again.
func (h *HostRunners) Wait(ctx context.Context, id int64) ([]byte, error) {
	h.mu.Lock()
	j, ok := h.jobs[id]
	h.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("%w: %d", host.ErrNoJob, id)
	}
	select {
	case <-j.Done():
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	h.mu.Lock()
	delete(h.jobs, id)
	h.mu.Unlock()
	return j.Wait()
}
