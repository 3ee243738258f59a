package runner

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"sync/atomic"
	"time"

	"github.com/taorun/taorun/host/runner/frame"
)

// Restart backoff of exec workers: doubling from restartMin to restartMax,
// back to restartMin once a worker has stayed up for restartReset.
const (
	restartMin   = 50 * time.Millisecond
	restartMax   = 5 * time.Second
	restartReset = 10 * time.Second
)

// execBackend runs one worker process per device.
type execBackend struct {
	cfg     *RunnerConfig
	labels  []string
	workers []*worker
}

// newExecBackend starts a supervisor per device.
func newExecBackend(rc *RunnerConfig, env backendEnv) (backend, error) {
	if _, err := exec.LookPath(rc.Command[0]); err != nil {
		return nil, fmt.Errorf("field \"command\": %w", err)
	}
	b := &execBackend{cfg: rc, labels: rc.deviceList()}
	for _, dev := range b.labels {
		w := &worker{cfg: rc, device: dev, env: env, stop: make(chan struct{}), ready: make(chan struct{}), state: "starting"}
		w.stopped.Add(1)
		go w.supervise()
		b.workers = append(b.workers, w)
	}
	return b, nil
}

func (b *execBackend) devices() []string { return b.labels }

func (b *execBackend) maxBatch(d int) int {
	p := b.workers[d].current()
	if p == nil {
		return 1
	}
	return p.maxBatch
}

func (b *execBackend) close() {
	for _, w := range b.workers {
		close(w.stop)
	}
	for _, w := range b.workers {
		w.stopped.Wait()
	}
}

func (b *execBackend) health(ctx context.Context) []DeviceHealth {
	out := make([]DeviceHealth, len(b.workers))
	for i, w := range b.workers {
		out[i] = w.probe(ctx)
	}
	return out
}

// run sends the inputs as one job or batch frame and waits for the answer.
func (b *execBackend) run(ctx context.Context, d int, inputs [][]byte) ([][]byte, []error, error) {
	h := &frame.Header{Kind: frame.KindJob}
	if len(inputs) > 1 {
		h.Kind = frame.KindBatch
		h.Sizes = make([]int, len(inputs))
		for i, in := range inputs {
			h.Sizes[i] = len(in)
		}
	}
	var r reply
	for {
		p, err := b.workers[d].wait(ctx)
		if err != nil {
			return nil, nil, err
		}
		r, err = p.call(ctx, h, b.cfg.CancelGrace, inputs...)
		if errors.Is(err, errNotSent) {
			continue // the worker died before the job reached it: wait for its successor
		}
		if err != nil {
			return nil, nil, err
		}
		break
	}
	if r.h.Kind == frame.KindError {
		return nil, nil, errors.New(r.h.Error)
	}
	if r.h.Kind != frame.KindResult {
		return nil, nil, fmt.Errorf("worker answered a %s frame with kind %q", h.Kind, r.h.Kind)
	}
	if h.Kind == frame.KindJob {
		return [][]byte{r.p}, nil, nil
	}
	outs, err := frame.SplitSizes(r.p, r.h.Sizes)
	if err == nil && len(outs) != len(inputs) {
		err = fmt.Errorf("worker returned %d outputs for a batch of %d", len(outs), len(inputs))
	}
	if err != nil {
		return nil, nil, err
	}
	var errs []error
	if len(r.h.Errors) > 0 {
		errs = make([]error, len(inputs))
		for i, msg := range r.h.Errors {
			if msg != "" && i < len(errs) {
				errs[i] = errors.New(msg)
			}
		}
	}
	return outs, errs, nil
}

// worker supervises the process of one device: it starts it, restarts it
// when it exits, and health-checks it while idle.
type worker struct {
	cfg     *RunnerConfig
	device  string
	env     backendEnv
	stop    chan struct{}
	stopped sync.WaitGroup

	mu       sync.Mutex
	cur      *proc         // nil while starting
	ready    chan struct{} // closed when cur is set; replaced when it dies
	state    string        // "starting", "ready", "restarting"
	lastErr  string
	restarts int
}

// current returns the running process, or nil.
func (w *worker) current() *proc {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.cur
}

// wait returns the running process, waiting for one to start.
func (w *worker) wait(ctx context.Context) (*proc, error) {
	for {
		w.mu.Lock()
		p, ready := w.cur, w.ready
		w.mu.Unlock()
		if p != nil && p.deathErr() == nil {
			return p, nil
		}
		// Starting, or dead and not yet replaced: ready closes at the next start.
		select {
		case <-ready:
		case <-w.stop:
			return nil, ErrClosed
		case <-ctx.Done():
			return nil, context.Cause(ctx)
		}
	}
}

// supervise starts the worker process and restarts it until stopped.
func (w *worker) supervise() {
	defer w.stopped.Done()
	backoff := restartMin
	for {
		p, err := w.start()
		if err == nil {
			started := time.Now()
			w.setReady(p)
			go w.healthLoop(p)
			select {
			case <-p.dead:
				err = p.deathErr()
				if time.Since(started) > restartReset {
					backoff = restartMin
				}
			case <-w.stop:
				p.kill()
				<-p.dead
				return
			}
		}
		w.mu.Lock()
		w.cur, w.state, w.lastErr = nil, "restarting", err.Error()
		w.restarts++
		w.mu.Unlock()
		w.env.metrics.restarts.WithLabelValues(w.cfg.Name, w.device).Inc()
		fmt.Fprintf(w.env.stderr, "taorun: runner %q device %q: %v; restarting in %v\n", w.cfg.Name, w.device, err, backoff)
		select {
		case <-w.stop:
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, restartMax)
	}
}

// setReady publishes a started process.
func (w *worker) setReady(p *proc) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.cur, w.state = p, "ready"
	close(w.ready)
	w.ready = make(chan struct{})
}

// healthLoop probes p every HealthInterval while it is idle, killing it
// when a probe goes unanswered for StartTimeout.
func (w *worker) healthLoop(p *proc) {
	t := time.NewTicker(w.cfg.HealthInterval)
	defer t.Stop()
	for {
		select {
		case <-p.dead:
			return
		case <-t.C:
		}
		if p.busy() {
			continue
		}
		if err := p.ping(w.cfg.StartTimeout); err != nil {
			return // ping killed it, or it had died
		}
	}
}

// probe reports the device's health, pinging an idle process now.
func (w *worker) probe(ctx context.Context) DeviceHealth {
	w.mu.Lock()
	p := w.cur
	h := DeviceHealth{Device: w.device, State: w.state, Detail: w.lastErr, LastError: w.lastErr, Restarts: w.restarts, MaxBatch: 1}
	w.mu.Unlock()
	if p == nil {
		return h
	}
	h.MaxBatch = p.maxBatch
	h.Detail = fmt.Sprintf("%s pid %d", p.name, p.cmd.Process.Pid)
	if p.busy() {
		h.Healthy, h.State = true, "busy"
		return h
	}
	timeout := w.cfg.StartTimeout
	if dl, ok := ctx.Deadline(); ok {
		timeout = min(timeout, time.Until(dl))
	}
	if err := p.ping(timeout); err != nil {
		h.State, h.Detail = "unhealthy", err.Error()
		return h
	}
	h.Healthy = true
	return h
}

// start launches the worker process and reads its hello frame.
func (w *worker) start() (*proc, error) {
	cmd := exec.Command(w.cfg.Command[0], w.cfg.Command[1:]...)
	cmd.Dir = w.cfg.Dir
	cmd.Env = append(os.Environ(), w.cfg.Env...)
	cmd.Env = append(cmd.Env, "TAORUN_RUNNER="+w.cfg.Name, "TAORUN_DEVICE="+w.device)
	if w.device != "" {
		cmd.Env = append(cmd.Env, "CUDA_VISIBLE_DEVICES="+w.device)
	}
	cmd.Stderr = w.env.stderr
	cmd.WaitDelay = time.Second // a child still holding stderr must not stall Wait
	isolate(cmd)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start worker %q: %w", w.cfg.Command[0], err)
	}
	p := &proc{cmd: cmd, stdin: stdin, w: bufio.NewWriterSize(stdin, 64<<10), r: bufio.NewReaderSize(stdout, 64<<10),
		pending: map[uint64]chan reply{}, exited: make(chan struct{}), dead: make(chan struct{})}
	go func() {
		p.waitErr = cmd.Wait()
		close(p.exited)
	}()
	hello := make(chan error, 1)
	go func() {
		h, _, err := frame.Read(p.r, 1<<16)
		switch {
		case err != nil:
			hello <- fmt.Errorf("reading hello frame: %w", err)
		case h.Kind != frame.KindHello:
			hello <- fmt.Errorf("first frame has kind %q, want %q", h.Kind, frame.KindHello)
		default:
			p.name, p.maxBatch = h.Name, max(1, h.MaxBatch)
			hello <- nil
		}
	}()
	timer := time.NewTimer(w.cfg.StartTimeout)
	defer timer.Stop()
	select {
	case err = <-hello:
	case <-timer.C:
		err = fmt.Errorf("no hello frame within start_timeout %v", w.cfg.StartTimeout)
	case <-w.stop:
		err = ErrClosed
	}
	if err != nil {
		killTree(cmd)
		<-p.exited
		if p.waitErr != nil {
			err = fmt.Errorf("%w (worker %v)", err, p.waitErr)
		}
		return nil, err
	}
	if w.cfg.MaxBatch > 0 {
		p.maxBatch = min(p.maxBatch, w.cfg.MaxBatch)
	}
	p.maxPayload = uint64(w.cfg.MaxOutputBytes) * uint64(p.maxBatch)
	go p.readLoop()
	return p, nil
}

// proc is one running worker process.
type proc struct {
	cmd        *exec.Cmd
	stdin      io.Closer
	name       string
	maxBatch   int
	maxPayload uint64
	r          *bufio.Reader

	wmu sync.Mutex // serialises frame writes
	w   *bufio.Writer

	pmu     sync.Mutex
	pending map[uint64]chan reply
	deadErr error
	killErr error

	exited  chan struct{} // closed after cmd.Wait
	waitErr error
	dead    chan struct{} // closed once pending jobs have been failed
}

// reply is a worker's answer, or the reason there is none.
type reply struct {
	h   *frame.Header
	p   []byte
	err error
}

// errNotSent marks a call that never reached its worker (it had died), so
// it may be retried on the next one.
var errNotSent = errors.New("not sent")

// nextID numbers frames across all workers.
var nextID atomic.Uint64

// busy reports whether jobs are in flight.
func (p *proc) busy() bool {
	p.pmu.Lock()
	defer p.pmu.Unlock()
	return len(p.pending) > 0
}

// call sends a frame and waits for its reply. If ctx ends first it sends a
// cancel frame and waits up to grace for the worker to answer; a worker
// that does not is killed. Either way call returns ctx's cause only once
// the worker is free of the job.
func (p *proc) call(ctx context.Context, h *frame.Header, grace time.Duration, payload ...[]byte) (reply, error) {
	h.ID = nextID.Add(1)
	ch := make(chan reply, 1)
	p.pmu.Lock()
	if p.deadErr != nil {
		p.pmu.Unlock()
		return reply{}, fmt.Errorf("%w: %w", errNotSent, p.deadErr)
	}
	p.pending[h.ID] = ch
	p.pmu.Unlock()
	if err := p.send(h, payload...); err != nil {
		p.killWith(fmt.Errorf("writing to worker: %w", err))
		r := <-ch
		return r, r.err
	}
	select {
	case r := <-ch:
		return r, r.err
	case <-ctx.Done():
	}
	if h.Kind == frame.KindHealth {
		// A probe is not cancelled: going unanswered is the failure.
		p.killWith(fmt.Errorf("health check failed: %w", context.Cause(ctx)))
		<-ch
		return reply{}, context.Cause(ctx)
	}
	p.send(&frame.Header{ID: h.ID, Kind: frame.KindCancel})
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-ch:
	case <-t.C:
		p.killWith(fmt.Errorf("job %d was cancelled and the worker did not answer within cancel_grace %v", h.ID, grace))
		<-ch
	}
	return reply{}, context.Cause(ctx)
}

// ping sends a health frame and waits up to timeout for the answer; a
// worker that does not answer in time is killed.
func (p *proc) ping(timeout time.Duration) error {
	ctx, cancel := context.WithTimeoutCause(context.Background(), timeout, fmt.Errorf("no answer to a health frame within %v", timeout))
	defer cancel()
	r, err := p.call(ctx, &frame.Header{Kind: frame.KindHealth}, timeout)
	if err == nil && r.h.Kind != frame.KindHealth {
		err = fmt.Errorf("worker answered a health frame with kind %q", r.h.Kind)
	}
	return err
}

// send writes one frame.
func (p *proc) send(h *frame.Header, payload ...[]byte) error {
	p.wmu.Lock()
	defer p.wmu.Unlock()
	if err := frame.Write(p.w, h, payload...); err != nil {
		return err
	}
	return p.w.Flush()
}

// readLoop delivers replies until the worker's output ends, then fails
// whatever is pending.
func (p *proc) readLoop() {
	for {
		h, payload, err := frame.Read(p.r, p.maxPayload)
		var big *frame.PayloadTooLargeError
		if errors.As(err, &big) {
			p.deliver(h.ID, reply{err: fmt.Errorf("%w: worker answered with %d bytes, over max_output_bytes × max_batch %d", ErrOutputTooLarge, big.Size, big.Cap)})
			continue
		}
		if err != nil {
			p.die(err)
			return
		}
		p.deliver(h.ID, reply{h: h, p: payload})
	}
}

// deliver hands a reply to the call waiting for id, if any.
func (p *proc) deliver(id uint64, r reply) {
	p.pmu.Lock()
	ch := p.pending[id]
	delete(p.pending, id)
	p.pmu.Unlock()
	if ch != nil {
		ch <- r
	}
}

// killWith kills the process, recording why.
func (p *proc) killWith(why error) {
	p.pmu.Lock()
	if p.killErr == nil {
		p.killErr = why
	}
	p.pmu.Unlock()
	p.kill()
}

// kill kills the process; readLoop then fails pending jobs.
func (p *proc) kill() {
	killTree(p.cmd)
	p.stdin.Close()
}

// die runs once the output stream has ended: it waits for the process to
// exit (killing it if it lingers), then fails every pending call with
// ErrWorkerDied and the exit status.
func (p *proc) die(readErr error) {
	select {
	case <-p.exited:
	case <-time.After(time.Second):
		p.kill()
		<-p.exited
	}
	p.pmu.Lock()
	cause := p.killErr
	if cause == nil {
		cause = fmt.Errorf("worker exited (%v)", describeExit(p.waitErr, readErr))
	}
	p.deadErr = fmt.Errorf("%w: %v", ErrWorkerDied, cause)
	pending := p.pending
	p.pending = map[uint64]chan reply{}
	p.pmu.Unlock()
	for _, ch := range pending {
		ch <- reply{err: p.deadErr}
	}
	close(p.dead)
}

// describeExit words a worker's end: its exit status, else the read error.
func describeExit(waitErr, readErr error) string {
	if waitErr != nil {
		return waitErr.Error()
	}
	if errors.Is(readErr, io.EOF) {
		return "exit status 0, mid-stream"
	}
	return "output broken: " + readErr.Error()
}

// deathErr returns why the process died.
func (p *proc) deathErr() error {
	p.pmu.Lock()
	defer p.pmu.Unlock()
	return p.deadErr
}
