package runner

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/taorun/taorun/internal/metricstest"
)

// logWriter sends worker stderr to the test log, line by line.
type logWriter struct {
	t   *testing.T
	mu  sync.Mutex
	buf bytes.Buffer
}

func (w *logWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	for {
		line, err := w.buf.ReadString('\n')
		if err != nil {
			w.buf.WriteString(line)
			return len(p), nil
		}
		w.t.Log(strings.TrimSuffix(line, "\n"))
	}
}

// echo returns an exec runner config running the echo worker with args.
func echo(name string, args ...string) RunnerConfig {
	return RunnerConfig{Name: name, Kind: KindExec, Command: append([]string{workerPath("echo")}, args...), Timeout: 10 * time.Second}
}

// start finishes the configs, starts a scheduler on a fresh registry and
// closes it when the test ends.
func start(t testing.TB, rcs ...RunnerConfig) (*Scheduler, *prometheus.Registry) {
	t.Helper()
	cfg := &Config{Runners: rcs}
	if err := cfg.Finish(); err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	opts := Options{Registerer: reg}
	if tt, ok := t.(*testing.T); ok {
		opts.WorkerStderr = &logWriter{t: tt}
	}
	s, err := New(cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	for _, rc := range rcs {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		_, err := s.WaitReady(ctx, rc.Name)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
	}
	return s, reg
}

// metricValue returns the value of the counter, gauge or histogram sample
// count named name whose labels include want.
func metricValue(t *testing.T, reg *prometheus.Registry, name string, want map[string]string) float64 {
	t.Helper()
	return metricstest.Value(t, reg, name, want)
}
