package miner_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/taorun/taorun/abi"
	"github.com/taorun/taorun/abi/wire"
	"github.com/taorun/taorun/host"
	"github.com/taorun/taorun/host/runner"
	"github.com/taorun/taorun/internal/metricstest"
	"github.com/taorun/taorun/keys"
	"github.com/taorun/taorun/neuron/dendrite"
	"github.com/taorun/taorun/neuron/internal/modhost"
	"github.com/taorun/taorun/neuron/internal/neurontest"
	"github.com/taorun/taorun/neuron/miner"
)

// faultTimeout is the synapse timeout of the fault tests' queries: far
// beyond anything a 32×32 product, a worker restart or a runner timeout
// takes, so an answer within it shows the miner kept serving, not that it
// was fast.
const faultTimeout = 60 * time.Second

// outcomeErrs maps the taorun_runner_jobs_total outcomes the fault tests
// expect to the error the runner job ends with.
var outcomeErrs = map[string]error{"ok": nil, "worker_died": runner.ErrWorkerDied, "timeout": runner.ErrTimeout}

// faultStep is one query: the challenge seed of its task and the outcome
// its runner job must have.
type faultStep struct {
	seed    byte
	outcome string
}

// TestMinerRunnerFaults runs a real miner (axon on loopback, the pocsubnet
// module, the matmul-cpu worker as a real exec runner process) whose worker
// crashes or hangs while holding a job, and queries it with a real
// dendrite. For each query it checks that the answer is a correct product
// (the module's fallback computes it when the runner fails), that the
// runner job ended with the expected outcome, both in the error the module
// got and in taorun_runner_jobs_total, that the module logged why it fell
// back, and, after each failure, that the worker is restarted
// (taorun_runner_worker_restarts_total) and the next job, the same task
// again, reaches the restarted worker and succeeds there.
func TestMinerRunnerFaults(t *testing.T) {
	cases := []struct {
		name string
		// args are the worker's fault flags (package examples/runners/internal/fault).
		args []string
		// timeout and grace are the runner's timeout and cancel_grace.
		timeout, grace time.Duration
		steps          []faultStep
		// logHas is what the module's fallback log line must say;
		// workerHas what the worker says when it misbehaves.
		logHas, workerHas string
	}{
		{
			// Each worker process exits on its second job: every second
			// job dies with it, and the restarted worker takes the retry.
			name: "crash", args: []string{"--crash-after", "1"}, timeout: 30 * time.Second, grace: time.Second,
			steps:  []faultStep{{1, "ok"}, {2, "worker_died"}, {2, "ok"}, {3, "worker_died"}, {3, "ok"}},
			logHas: "worker died", workerHas: "matmul-cpu: crashing on job 2",
		},
		{
			// Each worker process stops answering on its second job: the runner's
			// timeout fails the job, the unanswered cancel gets the worker
			// killed and restarted. The timeout is far below the synapse
			// timeout but far above what a healthy job takes.
			name: "hang", args: []string{"--hang-after", "1"}, timeout: 5 * time.Second, grace: 500 * time.Millisecond,
			steps:  []faultStep{{1, "ok"}, {2, "timeout"}, {2, "ok"}},
			logHas: "timed out", workerHas: "matmul-cpu: hanging on job 2",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rig := newFaultRig(t, c.args, c.timeout, c.grace)
			want := map[string]float64{}
			answers := map[byte][]byte{}
			failures := 0 // so far; each one restarts the worker
			for i, st := range c.steps {
				wantErr, known := outcomeErrs[st.outcome]
				if !known {
					t.Fatalf("step %d: no error known for outcome %q", i, st.outcome)
				}
				body, jobErr := rig.solve(t, st.seed)
				if !errors.Is(jobErr, wantErr) {
					t.Fatalf("step %d (seed %d): the runner job ended with %v, want %v", i, st.seed, jobErr, wantErr)
				}
				// Same task, same product, whether the worker or the
				// module's fallback computed it.
				if prev, ok := answers[st.seed]; ok && !bytes.Equal(prev, body) {
					t.Fatalf("step %d (seed %d): the answer differs from the earlier answer to the same task", i, st.seed)
				}
				answers[st.seed] = body
				want[st.outcome]++
				for outcome, n := range want {
					if got := rig.jobs(t, outcome); got != n {
						t.Fatalf("step %d: taorun_runner_jobs_total{outcome=%q} = %v, want %v", i, outcome, got, n)
					}
				}
				if wantErr != nil {
					failures++
				}
				// Exactly one fallback and one misbehaviour per failed job.
				if n := linesWith(rig.log.String(), "computing in the module", c.logHas); n != failures {
					t.Fatalf("step %d: the module logged %d fallbacks saying %q, want %d", i, n, c.logHas, failures)
				}
				// The worker's stderr is copied by its own goroutine, which
				// may lag the job's end.
				eventually(t, fmt.Sprintf("step %d: the worker saying %q %d times", i, c.workerHas, failures), func() bool {
					return linesWith(rig.stderr.String(), c.workerHas) == failures
				})
				if wantErr != nil {
					rig.waitRestarted(t, failures)
				}
			}
		})
	}
}

// faultRig is a started miner whose "matmul" runner runs a faulty
// matmul-cpu worker, the dendrite querying it and the validator's side of
// the module, which makes tasks and scores answers.
type faultRig struct {
	sched   *runner.Scheduler
	metrics *prometheus.Registry
	runners *recordingRunners
	log     *syncBuffer // the miner's log, module log lines included
	stderr  *syncBuffer // the workers' standard error
	chain   *testChain
	vmod    *modhost.Host
	d       *dendrite.Client
	target  dendrite.Axon
}

// newFaultRig starts the worker with args under a runner with the given
// timeout and cancel grace, and a miner using it.
func newFaultRig(t *testing.T, args []string, timeout, grace time.Duration) *faultRig {
	ctx := context.Background()
	cfg := &runner.Config{Runners: []runner.RunnerConfig{{
		Name: "matmul", Kind: runner.KindExec, Command: append([]string{neurontest.MatmulWorker(t)}, args...),
		Timeout: timeout, CancelGrace: grace,
	}}}
	if err := cfg.Finish(); err != nil {
		t.Fatal(err)
	}
	rig := &faultRig{metrics: prometheus.NewRegistry(), log: &syncBuffer{}, stderr: &syncBuffer{}, chain: &testChain{height: 10}}
	sched, err := runner.New(cfg, runner.Options{Registerer: rig.metrics, WorkerStderr: rig.stderr})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sched.Close() })
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("worker stderr:\n%s\nminer log:\n%s", rig.stderr, rig.log)
		}
	})
	rig.sched = sched
	rig.waitReady(t)
	rig.runners = &recordingRunners{Runners: sched.HostRunners()}

	reg := neurontest.Registry(t)
	poc := neurontest.PocModule(t)
	// Compile ahead, so the first query's deadline is not spent compiling
	// (tens of seconds under the race detector).
	if _, err := reg.Load(ctx, poc); err != nil {
		t.Fatal(err)
	}
	src := &neurontest.Source{}
	src.Activate(poc, 1)
	pocCfg := neurontest.PocConfig(32, uint32(faultTimeout.Milliseconds()))
	hot := keys.Dev("Bob")
	logger := slog.New(slog.NewTextHandler(rig.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	m, err := miner.New(miner.Config{Hotkey: hot, Netuid: 1, Addr: "127.0.0.1:0", Chain: rig.chain, Logger: logger,
		Module: miner.ModuleConfig{Source: src, Registry: reg, Runners: rig.runners, InitConfig: pocCfg}})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Shutdown(ctx) })
	rig.target = dendrite.Axon{Hotkey: hot.Public(), Addr: m.Addr()}
	if rig.d, err = dendrite.New(dendrite.Config{Hotkey: keys.Dev("Alice")}); err != nil {
		t.Fatal(err)
	}
	if rig.vmod, err = modhost.New(modhost.Config{Netuid: 1, Module: modhost.Options{Registry: reg, Source: src, InitConfig: pocCfg}}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rig.vmod.Close(ctx) })
	return rig
}

// call runs entry on the validator's module instance and returns its output.
func (r *faultRig) call(t *testing.T, entry string, input []byte) []byte {
	t.Helper()
	ctx := context.Background()
	head, err := r.chain.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	res, err := r.vmod.Call(ctx, head.BlockInfo(1), entry, input)
	if err != nil || res.Err != nil {
		t.Fatalf("validator module %s: %v %v", entry, err, res.Err)
	}
	return res.Output
}

// solve makes the task of seed, queries the miner with it and checks that
// the answer scores as a correct product under the module's own score. It
// returns the answer and the error of the one runner job the query caused.
func (r *faultRig) solve(t *testing.T, seed byte) ([]byte, error) {
	t.Helper()
	var ch wire.ChallengeOutput
	if err := ch.Decode(r.call(t, abi.EntryChallenge, wire.ChallengeInput{Netuid: 1, Block: 10, Seed: [32]byte{seed}}.Encode())); err != nil {
		t.Fatal(err)
	}
	jobsBefore := r.runners.count()
	resp := r.d.Query(context.Background(), r.target, miner.SynapseSolve, ch.Task, faultTimeout)
	if resp.Err != nil {
		t.Fatalf("seed %d: the miner did not answer: status %d, %v", seed, resp.Status, resp.Err)
	}
	var sc wire.ScoreOutput
	if err := sc.Decode(r.call(t, abi.EntryScore, wire.ScoreInput{Netuid: 1, Block: 10, Task: ch.Task,
		Responses: []wire.Response{{UID: 1, LatencyMicros: uint64(resp.Latency.Microseconds()), Response: resp.Body}}}.Encode())); err != nil {
		t.Fatal(err)
	}
	// A correct product scores at least ScoreOne/2 whatever its latency; a
	// wrong one scores 0. Speed is not asserted.
	if len(sc.Scores) != 1 || sc.Scores[0].Value < wire.ScoreOne/2 {
		t.Fatalf("seed %d: the miner's answer scored %v, want a correct product (>= ScoreOne/2)", seed, sc.Scores)
	}
	errs := r.runners.since(jobsBefore)
	if len(errs) != 1 {
		t.Fatalf("seed %d: the query caused %d runner jobs, want 1", seed, len(errs))
	}
	return resp.Body, errs[0]
}

// jobs returns taorun_runner_jobs_total{runner="matmul",outcome=outcome}.
func (r *faultRig) jobs(t *testing.T, outcome string) float64 {
	return metricstest.Value(t, r.metrics, "taorun_runner_jobs_total", map[string]string{"runner": "matmul", "outcome": outcome})
}

// waitRestarted waits until the worker has been restarted n times in all
// and is ready again.
func (r *faultRig) waitRestarted(t *testing.T, n int) {
	t.Helper()
	eventually(t, fmt.Sprintf("taorun_runner_worker_restarts_total reaching %d", n), func() bool {
		return metricstest.Value(t, r.metrics, "taorun_runner_worker_restarts_total", map[string]string{"runner": "matmul"}) == float64(n)
	})
	r.waitReady(t)
	if st := r.sched.Status(context.Background()); len(st) != 1 || len(st[0].Devices) != 1 || st[0].Devices[0].Restarts != n {
		t.Fatalf("runner status %+v, want one device restarted %v times", st, n)
	}
}

// waitReady waits until the worker has said hello and answers health probes.
func (r *faultRig) waitReady(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), faultTimeout)
	defer cancel()
	if _, err := r.sched.WaitReady(ctx, "matmul"); err != nil {
		t.Fatalf("matmul worker not ready: %v", err)
	}
}

// eventually polls cond until it holds, failing the test with what if it
// does not within faultTimeout.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(faultTimeout); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
	}
}

// linesWith counts the lines of text that contain every one of subs.
func linesWith(text string, subs ...string) int {
	n := 0
	for line := range strings.Lines(text) {
		all := true
		for _, s := range subs {
			all = all && strings.Contains(line, s)
		}
		if all {
			n++
		}
	}
	return n
}

// recordingRunners records the error of every job the module sends to the
// real runners.
type recordingRunners struct {
	host.Runners
	mu   sync.Mutex
	errs []error
}

func (r *recordingRunners) Invoke(ctx context.Context, name string, in []byte) ([]byte, error) {
	out, err := r.Runners.Invoke(ctx, name, in)
	r.mu.Lock()
	r.errs = append(r.errs, err)
	r.mu.Unlock()
	return out, err
}

// count returns how many jobs have finished.
func (r *recordingRunners) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.errs)
}

// since returns the errors of the jobs after the first n.
func (r *recordingRunners) since(n int) []error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]error(nil), r.errs[n:]...)
}

// syncBuffer is a bytes.Buffer safe for the miner's handler goroutines to
// write while the test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns everything written so far.
func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
