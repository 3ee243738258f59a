package runner

import (
	"context"
	"errors"
	"fmt"
)

// Errors a job can finish with (wrapped in *JobError); test with errors.Is.
var (
	ErrUnknownRunner  = errors.New("no such runner is configured")
	ErrQueueFull      = errors.New("queue is full")
	ErrTimeout        = errors.New("timed out")
	ErrWorkerDied     = errors.New("worker died")
	ErrInputTooLarge  = errors.New("input too large")
	ErrOutputTooLarge = errors.New("output too large")
	ErrClosed         = errors.New("scheduler closed")
	ErrUnhealthy      = errors.New("unhealthy")
)

// JobError is the error a job finishes with: the runner, the device it ran
// on (empty if it never reached one) and the cause.
type JobError struct {
	// Runner is the runner's name.
	Runner string
	// Device is the device label, or "" when the job was not dispatched.
	Device string
	// Err is the cause.
	Err error
}

// Error implements error.
func (e *JobError) Error() string {
	if e.Device != "" {
		return fmt.Sprintf("runner %q device %s: %v", e.Runner, e.Device, e.Err)
	}
	return fmt.Sprintf("runner %q: %v", e.Runner, e.Err)
}

// Unwrap returns the cause.
func (e *JobError) Unwrap() error { return e.Err }

// outcomes classifies a job's error for the jobs_total metric; the first
// match wins and a nil error is "ok".
var outcomes = []struct {
	err   error
	label string
}{
	{ErrQueueFull, "queue_full"},
	{ErrTimeout, "timeout"},
	{context.Canceled, "cancelled"},
	{context.DeadlineExceeded, "cancelled"},
	{ErrWorkerDied, "worker_died"},
	{ErrInputTooLarge, "too_large"},
	{ErrOutputTooLarge, "too_large"},
	{ErrClosed, "closed"},
}

// outcome returns err's jobs_total label.
func outcome(err error) string {
	if err == nil {
		return "ok"
	}
	for _, o := range outcomes {
		if errors.Is(err, o.err) {
			return o.label
		}
	}
	return "failed"
}
