package runner

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestExecEcho(t *testing.T) {
	s, reg := start(t, echo("echo"))
	inputs := map[string][]byte{
		"empty": {},
		"small": []byte("hello"),
		"1MiB":  bytes.Repeat([]byte{0xA5, 0, 1}, 1<<20/3),
	}
	for name, in := range inputs {
		t.Run(name, func(t *testing.T) {
			out, err := s.Invoke(context.Background(), "echo", in)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out, in) {
				t.Fatalf("echo returned %d bytes, want the %d sent", len(out), len(in))
			}
		})
	}
	if got := metricValue(t, reg, "taorun_runner_jobs_total", map[string]string{"runner": "echo", "outcome": "ok"}); got != float64(len(inputs)) {
		t.Errorf("jobs_total ok = %v, want %d", got, len(inputs))
	}
	if got := metricValue(t, reg, "taorun_runner_job_seconds", map[string]string{"runner": "echo"}); got != float64(len(inputs)) {
		t.Errorf("job_seconds count = %v, want %d", got, len(inputs))
	}
}

// TestExecBatch sends more jobs than one device takes at once to a worker
// accepting batches of 4, one of which the worker refuses.
func TestExecBatch(t *testing.T) {
	s, reg := start(t, echo("batch", "--max-batch", "4", "--delay", "30ms", "--fail-on", "bad"))
	const n = 13
	jobs := make([]*Job, n)
	for i := range jobs {
		in := fmt.Sprintf("job-%d", i)
		if i == 6 {
			in = "bad"
		}
		j, err := s.Submit(context.Background(), "batch", []byte(in))
		if err != nil {
			t.Fatal(err)
		}
		jobs[i] = j
	}
	for i, j := range jobs {
		out, err := j.Wait()
		if i == 6 {
			if err == nil || !strings.Contains(err.Error(), "refusing input bad") {
				t.Errorf("job 6: error %v, want the worker's refusal", err)
			}
			continue
		}
		if want := fmt.Sprintf("job-%d", i); err != nil || string(out) != want {
			t.Errorf("job %d: got %q, %v; want %q", i, out, err, want)
		}
	}
	dispatches := metricValue(t, reg, "taorun_runner_batch_size", map[string]string{"runner": "batch"})
	if dispatches >= n || dispatches < n/4 {
		t.Errorf("%v dispatches for %d jobs, want batching (between %d and %d)", dispatches, n, n/4, n-1)
	}
}

// TestExecWorkerCrash: the worker dies mid-job; that job fails cleanly,
// the worker restarts and the runner keeps serving.
func TestExecWorkerCrash(t *testing.T) {
	s, reg := start(t, echo("crashy", "--crash-after", "1"))
	steps := []struct {
		in      string
		errHas  []string
		wantErr error
	}{
		{in: "first"},
		{in: "second", errHas: []string{`runner "crashy"`, "worker died", "exit status 3"}, wantErr: ErrWorkerDied},
		{in: "third"},
		{in: "fourth", wantErr: ErrWorkerDied},
		{in: "fifth"},
	}
	for i, st := range steps {
		out, err := s.Invoke(context.Background(), "crashy", []byte(st.in))
		if st.wantErr == nil {
			if err != nil || string(out) != st.in {
				t.Fatalf("step %d: got %q, %v; want %q", i, out, err, st.in)
			}
			continue
		}
		if !errors.Is(err, st.wantErr) {
			t.Fatalf("step %d: error %v, want %v", i, err, st.wantErr)
		}
		for _, s := range st.errHas {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("step %d: error %q does not mention %q", i, err, s)
			}
		}
	}
	if got := metricValue(t, reg, "taorun_runner_worker_restarts_total", map[string]string{"runner": "crashy"}); got != 2 {
		t.Errorf("restarts = %v, want 2", got)
	}
	st := s.Status(context.Background())
	if len(st) != 1 || st[0].Devices[0].Restarts != 2 || !st[0].Devices[0].Healthy {
		t.Errorf("status %+v, want one healthy device with 2 restarts", st)
	}
}

// TestExecWorkerHang: a hung worker's job times out; the worker does not
// answer the cancel, so it is killed and restarted, and the next job runs.
func TestExecWorkerHang(t *testing.T) {
	rc := echo("hangs", "--hang-after", "1")
	rc.Timeout, rc.CancelGrace = 300*time.Millisecond, 100*time.Millisecond
	s, _ := start(t, rc)
	for i, wantErr := range []error{nil, ErrTimeout, nil} {
		in := []byte(fmt.Sprint("job ", i))
		out, err := s.Invoke(context.Background(), "hangs", in)
		if !errors.Is(err, wantErr) || (wantErr == nil && !bytes.Equal(out, in)) {
			t.Fatalf("job %d: got %q, %v; want error %v", i, out, err, wantErr)
		}
	}
}

// TestHealthCheck: a worker that stops answering while idle fails its
// health check, is killed and restarted.
func TestHealthCheck(t *testing.T) {
	rc := echo("wedged", "--stall-after", "500ms")
	rc.HealthInterval, rc.StartTimeout = 50*time.Millisecond, 2*time.Second
	s, reg := start(t, rc)
	waitFor(t, func() bool {
		return metricValue(t, reg, "taorun_runner_worker_restarts_total", map[string]string{"runner": "wedged"}) >= 1
	})
	if d := s.Status(context.Background())[0].Devices[0]; !strings.Contains(d.LastError, "health check failed: no answer to a health frame within 2s") {
		t.Errorf("last error %q, want the failed health check", d.LastError)
	}
	if out, err := s.Invoke(context.Background(), "wedged", []byte("still serving")); err != nil || string(out) != "still serving" {
		t.Errorf("after the restart: %q, %v", out, err)
	}
}

// TestCancellation cancels a running job and a queued one; both return
// the cancellation at once and the runner keeps serving.
func TestCancellation(t *testing.T) {
	rc := echo("slow", "--delay", "300ms")
	rc.CancelGrace = 5 * time.Second
	s, reg := start(t, rc)
	ctx, cancel := context.WithCancel(context.Background())
	running, err := s.Submit(ctx, "slow", []byte("running"))
	if err != nil {
		t.Fatal(err)
	}
	queued, err := s.Submit(ctx, "slow", []byte("queued"))
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return len(s.queues["slow"].jobs) == 1 })
	cancel()
	for _, j := range []*Job{running, queued} {
		if _, err := j.Wait(); !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled job: error %v, want context.Canceled", err)
		}
	}
	out, err := s.Invoke(context.Background(), "slow", []byte("after"))
	if err != nil || string(out) != "after" {
		t.Fatalf("after cancellation: got %q, %v", out, err)
	}
	if got := metricValue(t, reg, "taorun_runner_worker_restarts_total", nil); got != 0 {
		t.Errorf("a worker that answers within cancel_grace was restarted %v times", got)
	}
}

// waitFor polls cond until it holds (failing after 10 s).
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(2 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached in 10 s")
		}
	}
}

// TestBackpressure fills a queue of 2 behind a busy device: the next job
// is refused with ErrQueueFull and the accepted ones complete.
func TestBackpressure(t *testing.T) {
	rc := echo("narrow", "--delay", "200ms")
	rc.MaxQueue = 2
	s, reg := start(t, rc)
	first, err := s.Submit(context.Background(), "narrow", []byte("0"))
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return len(s.queues["narrow"].jobs) == 0 })
	accepted := []*Job{first}
	for i := 1; i <= 3; i++ {
		j, err := s.Submit(context.Background(), "narrow", []byte(fmt.Sprint(i)))
		if i <= 2 {
			if err != nil {
				t.Fatalf("job %d: %v", i, err)
			}
			accepted = append(accepted, j)
			continue
		}
		if !errors.Is(err, ErrQueueFull) || !strings.Contains(err.Error(), "max_queue 2") {
			t.Fatalf("job %d: error %v, want ErrQueueFull naming max_queue 2", i, err)
		}
	}
	if got := metricValue(t, reg, "taorun_runner_queue_depth", map[string]string{"runner": "narrow"}); got != 2 {
		t.Errorf("queue_depth = %v, want 2", got)
	}
	for i, j := range accepted {
		if out, err := j.Wait(); err != nil || string(out) != fmt.Sprint(i) {
			t.Errorf("job %d: got %q, %v", i, out, err)
		}
	}
	if got := metricValue(t, reg, "taorun_runner_jobs_total", map[string]string{"outcome": "queue_full"}); got != 1 {
		t.Errorf("queue_full count = %v, want 1", got)
	}
}

// TestFairness spreads 40 equal jobs over 4 devices: each gets a fair
// share, and each worker saw its own CUDA_VISIBLE_DEVICES.
func TestFairness(t *testing.T) {
	rc := echo("fair", "--delay", "20ms")
	rc.Devices = []string{"0", "1", "2", "3"}
	s, _ := start(t, rc)
	const n = 40
	jobs := make([]*Job, n)
	for i := range jobs {
		j, err := s.Submit(context.Background(), "fair", []byte{byte(i)})
		if err != nil {
			t.Fatal(err)
		}
		jobs[i] = j
	}
	perDevice := map[string]int{}
	for i, j := range jobs {
		if out, err := j.Wait(); err != nil || !bytes.Equal(out, []byte{byte(i)}) {
			t.Fatalf("job %d: got %v, %v", i, out, err)
		}
		perDevice[j.Device()]++
	}
	for _, d := range rc.Devices {
		if perDevice[d] < n/len(rc.Devices)/2 {
			t.Errorf("device %s ran %d of %d jobs, under half its fair share; spread %v", d, perDevice[d], n, perDevice)
		}
	}
}

func TestSizeCaps(t *testing.T) {
	rc := echo("capped")
	rc.MaxInputBytes, rc.MaxOutputBytes = 16, 8
	s, reg := start(t, rc)
	tests := []struct {
		in      string
		wantErr error
	}{
		{"tiny", nil},
		{"over-the-input-cap", ErrInputTooLarge},
		{"twelve bytes", ErrOutputTooLarge},
		{"again", nil}, // the stream stayed in step after the skipped output
	}
	for _, tc := range tests {
		out, err := s.Invoke(context.Background(), "capped", []byte(tc.in))
		if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && string(out) != tc.in) {
			t.Errorf("input %q: got %q, %v; want error %v", tc.in, out, err, tc.wantErr)
		}
	}
	if got := metricValue(t, reg, "taorun_runner_worker_restarts_total", nil); got != 0 {
		t.Errorf("oversized output restarted the worker %v times", got)
	}
}

func TestUnknownRunnerAndClose(t *testing.T) {
	rc := echo("closing", "--delay", "500ms")
	s, _ := start(t, rc)
	if _, err := s.Invoke(context.Background(), "nope", nil); !errors.Is(err, ErrUnknownRunner) || !strings.Contains(err.Error(), `"nope"`) {
		t.Errorf("unknown runner: error %v", err)
	}
	var jobs []*Job
	for range 3 {
		j, err := s.Submit(context.Background(), "closing", []byte("x"))
		if err != nil {
			t.Fatal(err)
		}
		jobs = append(jobs, j)
	}
	s.Close()
	for i, j := range jobs {
		_, err := j.Wait()
		if !errors.Is(err, ErrClosed) && !errors.Is(err, ErrWorkerDied) {
			t.Errorf("job %d after Close: error %v, want ErrClosed or ErrWorkerDied", i, err)
		}
	}
	if _, err := s.Submit(context.Background(), "closing", nil); !errors.Is(err, ErrClosed) {
		t.Errorf("Submit after Close: error %v, want ErrClosed", err)
	}
}

// TestWorkerStartFailures: workers that never become ready are reported
// unhealthy with the reason.
func TestWorkerStartFailures(t *testing.T) {
	tests := []struct {
		name    string
		command []string
		detail  string
	}{
		{"exits at once", []string{"/bin/sh", "-c", "exit 7"}, "exit status 7"},
		{"never says hello", []string{"/bin/sh", "-c", "sleep 30"}, "no hello frame within start_timeout"},
		{"says something else", []string{"/bin/sh", "-c", `printf '\002\000\000\000{}\000\000\000\000'; sleep 30`}, `first frame has kind "", want "hello"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := &Config{Runners: []RunnerConfig{{Name: "bad", Kind: KindExec, Command: tc.command, StartTimeout: 200 * time.Millisecond}}}
			if err := cfg.Finish(); err != nil {
				t.Fatal(err)
			}
			s, err := New(cfg, Options{WorkerStderr: &logWriter{t: t}})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			_, err = s.WaitReady(ctx, "bad")
			if !errors.Is(err, ErrUnhealthy) || !strings.Contains(err.Error(), tc.detail) {
				t.Errorf("WaitReady: error %v, want ErrUnhealthy mentioning %q", err, tc.detail)
			}
			jctx, jcancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
			defer jcancel()
			if _, err := s.Invoke(jctx, "bad", nil); !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("job on a runner that never started: error %v, want the caller's deadline", err)
			}
		})
	}
}

func TestNewRejectsMissingCommand(t *testing.T) {
	cfg := &Config{Runners: []RunnerConfig{{Name: "ghost", Kind: KindExec, Command: []string{"/nonexistent/worker"}}}}
	if err := cfg.Finish(); err != nil {
		t.Fatal(err)
	}
	_, err := New(cfg, Options{})
	if err == nil || !strings.Contains(err.Error(), `runner "ghost": field "command"`) {
		t.Fatalf("error %v, want one naming runner ghost's command", err)
	}
}

// TestConcurrentInvokes runs many callers at once over two devices with
// concurrency 2 each.
func TestConcurrentInvokes(t *testing.T) {
	rc := echo("busy")
	rc.Devices, rc.Concurrency, rc.MaxQueue = []string{"a", "b"}, 2, 256
	s, _ := start(t, rc)
	var wg sync.WaitGroup
	errs := make(chan error, 200)
	for i := range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			in := []byte(fmt.Sprint(i))
			out, err := s.Invoke(context.Background(), "busy", in)
			if err == nil && !bytes.Equal(out, in) {
				err = fmt.Errorf("job %d got %q", i, out)
			}
			if err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
