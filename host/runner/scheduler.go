package runner

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// backend runs jobs on one runner's devices.
type backend interface {
	// devices returns the device labels ("" for an unnamed device).
	devices() []string
	// maxBatch is the largest batch device d accepts now (at least 1).
	maxBatch(d int) int
	// run runs inputs on device d, returning one output or error per input,
	// or a single error for all of them. It returns only once the device is
	// free again (or known dead), even when ctx ends first.
	run(ctx context.Context, d int, inputs [][]byte) ([][]byte, []error, error)
	// health probes every device now.
	health(ctx context.Context) []DeviceHealth
	// close stops the backend's processes and connections.
	close()
}

// newBackend builds a backend by kind.
var newBackend = map[string]func(rc *RunnerConfig, env backendEnv) (backend, error){
	KindExec: newExecBackend,
	KindHTTP: newHTTPBackend,
}

// backendEnv is what backends take from the scheduler.
type backendEnv struct {
	stderr  io.Writer
	metrics *metrics
}

// Options configures a Scheduler.
type Options struct {
	// Registerer receives the scheduler's metrics (and a GPU collector when
	// nvidia-smi is on PATH); nil keeps them on a private registry. A
	// registry takes one Scheduler: a second one's registration fails.
	Registerer prometheus.Registerer
	// WorkerStderr receives exec workers' standard error (default os.Stderr).
	WorkerStderr io.Writer
	// Only, when not empty, starts just the runners with these names.
	Only []string
}

// Scheduler queues and dispatches jobs to runners. It is safe for
// concurrent use.
type Scheduler struct {
	queues  map[string]*queue
	names   []string
	metrics *metrics

	mu     sync.RWMutex // guards closed against Submit
	closed bool
	stop   chan struct{}
	slots  sync.WaitGroup
	// base ends (with cause ErrClosed) when Close starts; running jobs end with it.
	base       context.Context
	cancelBase context.CancelCauseFunc
}

// queue is one runner's bounded queue and backend.
type queue struct {
	cfg  RunnerConfig
	be   backend
	jobs chan *Job
}

// New starts the runners of cfg (already finished with Config.Finish) and
// their dispatch slots. Exec workers start in the background; jobs queue
// until a worker is ready.
func New(cfg *Config, opts Options) (*Scheduler, error) {
	reg := opts.Registerer
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	m, err := newMetrics(reg)
	if err != nil {
		return nil, err
	}
	if opts.WorkerStderr == nil {
		opts.WorkerStderr = os.Stderr
	}
	s := &Scheduler{queues: map[string]*queue{}, metrics: m, stop: make(chan struct{})}
	s.base, s.cancelBase = context.WithCancelCause(context.Background())
	for i := range cfg.Runners {
		rc := cfg.Runners[i]
		if len(opts.Only) > 0 && !contains(opts.Only, rc.Name) {
			continue
		}
		if err := rc.Validate(); err != nil {
			s.Close()
			return nil, err
		}
		be, err := newBackend[rc.Kind](&rc, backendEnv{stderr: opts.WorkerStderr, metrics: m})
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("runner %q: %w", rc.Name, err)
		}
		q := &queue{cfg: rc, be: be, jobs: make(chan *Job, rc.MaxQueue)}
		s.queues[rc.Name] = q
		s.names = append(s.names, rc.Name)
		for d := range be.devices() {
			for range rc.Concurrency {
				s.slots.Add(1)
				go s.slot(q, d)
			}
		}
	}
	for _, name := range opts.Only {
		if s.queues[name] == nil {
			s.Close()
			return nil, &JobError{Runner: name, Err: ErrUnknownRunner}
		}
	}
	// Registered last: a scrape reads s.queues, which is complete only now.
	if err := reg.Register(newQueueDepth(s)); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// Names lists the scheduler's runners in configuration order.
func (s *Scheduler) Names() []string { return append([]string(nil), s.names...) }

// Job is a submitted job. Its methods are safe for concurrent use.
type Job struct {
	runner    string
	input     []byte
	ctx       context.Context
	cancel    context.CancelFunc
	submitted time.Time
	m         *metrics

	once   sync.Once
	done   chan struct{}
	out    []byte
	err    error
	device string
}

// Submit queues input for the runner named name and returns at once. The
// job runs under ctx and the runner's timeout (which counts from now).
// A full queue refuses the job with ErrQueueFull.
func (s *Scheduler) Submit(ctx context.Context, name string, input []byte) (*Job, error) {
	q := s.queues[name]
	if q == nil {
		return nil, &JobError{Runner: name, Err: ErrUnknownRunner}
	}
	if len(input) > q.cfg.MaxInputBytes {
		s.metrics.jobs.WithLabelValues(name, "", "too_large").Inc()
		return nil, &JobError{Runner: name, Err: fmt.Errorf("%w: %d bytes, over max_input_bytes %d", ErrInputTooLarge, len(input), q.cfg.MaxInputBytes)}
	}
	jctx, cancel := context.WithTimeoutCause(ctx, q.cfg.Timeout, fmt.Errorf("%w after %v (queueing included)", ErrTimeout, q.cfg.Timeout))
	j := &Job{runner: name, input: input, ctx: jctx, cancel: cancel, submitted: time.Now(), m: s.metrics, done: make(chan struct{})}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		cancel()
		return nil, &JobError{Runner: name, Err: ErrClosed}
	}
	select {
	case q.jobs <- j:
		return j, nil
	default:
		cancel()
		s.metrics.jobs.WithLabelValues(name, "", "queue_full").Inc()
		return nil, &JobError{Runner: name, Err: fmt.Errorf("%w: %d jobs waiting (max_queue %d); retry later or raise max_queue", ErrQueueFull, cap(q.jobs), cap(q.jobs))}
	}
}

// Invoke submits input to the runner named name and waits for the output.
func (s *Scheduler) Invoke(ctx context.Context, name string, input []byte) ([]byte, error) {
	j, err := s.Submit(ctx, name, input)
	if err != nil {
		return nil, err
	}
	return j.Wait()
}

// Wait blocks until the job finishes, is cancelled or times out, and
// returns its output or its *JobError.
func (j *Job) Wait() ([]byte, error) {
	select {
	case <-j.done:
	case <-j.ctx.Done():
		j.finish("", nil, context.Cause(j.ctx))
	}
	return j.out, j.err
}

// Done is closed once the job has finished.
func (j *Job) Done() <-chan struct{} { return j.done }

// Device is the device the job ran on ("" before dispatch or if unnamed).
func (j *Job) Device() string {
	<-j.done
	return j.device
}

// finish records the job's result once; later calls do nothing.
func (j *Job) finish(device string, out []byte, err error) {
	j.once.Do(func() {
		if err != nil {
			err = &JobError{Runner: j.runner, Device: device, Err: err}
			out = nil
		}
		j.out, j.err, j.device = out, err, device
		j.cancel()
		j.m.jobs.WithLabelValues(j.runner, device, outcome(err)).Inc()
		j.m.latency.WithLabelValues(j.runner, device).Observe(time.Since(j.submitted).Seconds())
		close(j.done)
	})
}

// slot is one dispatch slot of device d: it takes jobs from the runner's
// queue (batching when the device accepts batches) until the scheduler stops.
func (s *Scheduler) slot(q *queue, d int) {
	defer s.slots.Done()
	label := q.be.devices()[d]
	batch := make([]*Job, 0, 1)
	for {
		var first *Job
		select {
		case <-s.stop:
			return
		case first = <-q.jobs:
		}
		batch = append(batch[:0], first)
		for limit := q.be.maxBatch(d); len(batch) < limit; {
			select {
			case j := <-q.jobs:
				batch = append(batch, j)
				continue
			default:
			}
			break
		}
		s.dispatch(q, d, label, batch)
	}
}

// dispatch runs a batch of dequeued jobs on device d and finishes them.
func (s *Scheduler) dispatch(q *queue, d int, label string, batch []*Job) {
	live := batch[:0]
	for _, j := range batch {
		if err := context.Cause(j.ctx); err != nil {
			j.finish("", nil, err)
			continue
		}
		s.metrics.queueWait.WithLabelValues(q.cfg.Name).Observe(time.Since(j.submitted).Seconds())
		live = append(live, j)
	}
	if len(live) == 0 {
		return
	}
	s.metrics.batch.WithLabelValues(q.cfg.Name).Observe(float64(len(live)))
	bctx, release := batchContext(live)
	defer release()
	ctx, cancel := context.WithCancelCause(bctx)
	defer cancel(nil)
	defer context.AfterFunc(s.base, func() { cancel(ErrClosed) })()
	inputs := make([][]byte, len(live))
	for i, j := range live {
		inputs[i] = j.input
	}
	outs, errs, err := q.be.run(ctx, d, inputs)
	for i, j := range live {
		switch {
		case err != nil:
			j.finish(label, nil, err)
		case i < len(errs) && errs[i] != nil:
			j.finish(label, nil, errs[i])
		case i >= len(outs):
			j.finish(label, nil, fmt.Errorf("runner returned %d outputs for %d inputs", len(outs), len(live)))
		case len(outs[i]) > q.cfg.MaxOutputBytes:
			j.finish(label, nil, fmt.Errorf("%w: %d bytes, over max_output_bytes %d", ErrOutputTooLarge, len(outs[i]), q.cfg.MaxOutputBytes))
		default:
			j.finish(label, outs[i], nil)
		}
	}
}

// batchContext is the context a batch runs under: the job's own for a
// single job; for several, one that ends when every job's context has
// ended (so one impatient caller does not cancel the others' work).
func batchContext(jobs []*Job) (context.Context, func()) {
	if len(jobs) == 1 {
		return jobs[0].ctx, func() {}
	}
	ctx, cancel := context.WithCancel(context.Background())
	left := int32(len(jobs))
	stops := make([]func() bool, len(jobs))
	for i, j := range jobs {
		stops[i] = context.AfterFunc(j.ctx, func() {
			if atomic.AddInt32(&left, -1) == 0 {
				cancel()
			}
		})
	}
	return ctx, func() {
		for _, stop := range stops {
			stop()
		}
		cancel()
	}
}

// RunnerStatus describes one runner for listings: its configuration,
// queue depth and per-device health.
type RunnerStatus struct {
	// Config is the runner's configuration after overrides and defaults.
	Config RunnerConfig `json:"config"`
	// Queued is the number of jobs waiting.
	Queued int `json:"queued"`
	// Devices holds each device's health.
	Devices []DeviceHealth `json:"devices"`
}

// DeviceHealth is one device's state.
type DeviceHealth struct {
	// Device is the device label ("" for an unnamed device).
	Device string `json:"device"`
	// Healthy is true when the last probe succeeded.
	Healthy bool `json:"healthy"`
	// State says more: "ready", "starting", "unreachable", ...
	State string `json:"state"`
	// Detail is the worker's name and pid, or the last error.
	Detail string `json:"detail,omitempty"`
	// Restarts counts worker restarts (exec runners).
	Restarts int `json:"restarts"`
	// LastError is why the worker last died or failed to start.
	LastError string `json:"last_error,omitempty"`
	// MaxBatch is the batch size the device accepts.
	MaxBatch int `json:"max_batch"`
}

// Status probes every runner now and describes it.
func (s *Scheduler) Status(ctx context.Context) []RunnerStatus {
	out := make([]RunnerStatus, len(s.names))
	var wg sync.WaitGroup
	for i, name := range s.names {
		q := s.queues[name]
		out[i] = RunnerStatus{Config: q.cfg, Queued: len(q.jobs)}
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i].Devices = q.be.health(ctx)
		}()
	}
	wg.Wait()
	return out
}

// WaitReady waits until every device of the runner named name is healthy,
// or ctx ends; it returns the last health seen.
func (s *Scheduler) WaitReady(ctx context.Context, name string) ([]DeviceHealth, error) {
	q := s.queues[name]
	if q == nil {
		return nil, &JobError{Runner: name, Err: ErrUnknownRunner}
	}
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		h := q.be.health(ctx)
		if allHealthy(h) {
			return h, nil
		}
		select {
		case <-ctx.Done():
			return h, &JobError{Runner: name, Err: fmt.Errorf("%w: %s", ErrUnhealthy, describeHealth(h))}
		case <-tick.C:
		}
	}
}

func allHealthy(h []DeviceHealth) bool {
	for _, d := range h {
		if !d.Healthy {
			return false
		}
	}
	return true
}

// describeHealth summarises unhealthy devices for an error.
func describeHealth(h []DeviceHealth) string {
	msg := ""
	for _, d := range h {
		if !d.Healthy {
			msg += fmt.Sprintf("device %q %s (%s); ", d.Device, d.State, d.Detail)
		}
	}
	return msg
}

// Close fails queued jobs with ErrClosed, stops dispatching, and stops every
// runner (failing running jobs). It is safe to call more than once.
func (s *Scheduler) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	s.cancelBase(ErrClosed)
	close(s.stop)
	for _, name := range s.names {
		s.queues[name].be.close()
	}
	s.slots.Wait()
	for _, name := range s.names {
		q := s.queues[name]
		for n := len(q.jobs); n > 0; n-- {
			j := <-q.jobs
			j.finish("", nil, ErrClosed)
		}
	}
	return nil
}
