// Package neurontest holds the real parts the miner and validator tests
// share: the proof-of-compute module (examples/pocsubnet/module) and a
// second module built for wasip1 in the test run, the matmul-cpu and echo
// runner workers (matmul-cpu behind a real host/runner Scheduler), an
// in-memory module source, a test double for the chain's module records,
// and HeldRunners, a runners double that holds jobs until the test lets
// them go. It is imported only by tests.
package neurontest

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/taorun/taorun/host/runner"
	"github.com/taorun/taorun/plugins/registry"
)

// dir is this package's source directory.
func dir() string {
	_, file, _, _ := goruntime.Caller(0)
	return filepath.Dir(file)
}

// Root is the repository root.
func Root() string { return filepath.Join(dir(), "..", "..", "..") }

var (
	buildOnce sync.Once
	buildDir  string
	buildErr  error
)

// build compiles both modules and the workers once per test process.
func build() (string, error) {
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "neurontest")
		if buildErr != nil {
			return
		}
		jobs := []struct {
			pkg, out string
			wasm     bool
		}{
			{"./examples/pocsubnet/module", "pocsubnet.wasm", true},
			{"./neuron/internal/neurontest/testdata/altmodule", "alt.wasm", true},
			{"./examples/runners/matmul-cpu", "matmul-cpu", false},
			{"./examples/runners/echo", "echo", false},
		}
		for _, j := range jobs {
			args := []string{"build", "-o", filepath.Join(buildDir, j.out)}
			if j.wasm {
				args = append(args, "-buildmode=c-shared")
			}
			cmd := exec.Command("go", append(args, j.pkg)...)
			cmd.Dir = Root()
			cmd.Env = os.Environ()
			if j.wasm {
				cmd.Env = append(cmd.Env, "GOOS=wasip1", "GOARCH=wasm")
			}
			if out, err := cmd.CombinedOutput(); err != nil {
				buildErr = fmt.Errorf("building %s: %v\n%s", j.pkg, err, out)
				return
			}
		}
	})
	return buildDir, buildErr
}

// Main is the TestMain of the packages that use neurontest: it runs the
// tests, then Cleanup, and exits with the tests' status.
func Main(m *testing.M) {
	code := m.Run()
	Cleanup()
	os.Exit(code)
}

// Cleanup closes the shared registry and removes the build directory; Main
// calls it after the tests.
func Cleanup() {
	if shared != nil {
		shared.Close(context.Background())
	}
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
}

var (
	sharedOnce sync.Once
	shared     *registry.Registry
	sharedErr  error
)

// SharedRegistry returns one registry for the whole test process, so each
// module is compiled (about 2 s for a Go module) once; Cleanup closes it.
func SharedRegistry(t testing.TB) *registry.Registry {
	t.Helper()
	sharedOnce.Do(func() { shared, sharedErr = registry.New(registry.Config{}) })
	if sharedErr != nil {
		t.Fatal(sharedErr)
	}
	return shared
}

func read(t testing.TB, name string) []byte {
	t.Helper()
	d, err := build()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(d, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// PocModule returns the pocsubnet module's wasm bytes.
func PocModule(t testing.TB) []byte { return read(t, "pocsubnet.wasm") }

// AltModule returns the alternative module (solve "alt:"+task, a task
// "echo:X" through the "echo" runner, the task "exit" traps, score fails
// with a guest error).
func AltModule(t testing.TB) []byte { return read(t, "alt.wasm") }

// PocConfig encodes a pocsubnet module Config (its init input) with n×n
// matrices and the given miner timeout.
func PocConfig(n, timeoutMillis uint32) []byte {
	b := binary.LittleEndian.AppendUint32(nil, n)
	b = binary.LittleEndian.AppendUint32(b, timeoutMillis)
	b = binary.LittleEndian.AppendUint16(b, 65535/2) // MaxShare
	b = binary.LittleEndian.AppendUint32(b, 3)       // MaxRegistrations
	return binary.LittleEndian.AppendUint32(b, 0)    // no denied hotkeys
}

// Matmul starts a Scheduler with the "matmul" runner running one
// matmul-cpu worker, waits until it is ready and closes it at the end of
// the test.
func Matmul(t testing.TB) *runner.Scheduler { return MatmulPool(t, 1) }

// MatmulPool is Matmul with workers matmul-cpu worker processes (one per
// runner "device") and a queue with room for a job from each of many
// miners.
func MatmulPool(t testing.TB, workers int) *runner.Scheduler {
	t.Helper()
	conf := filepath.Join(t.TempDir(), "taorun.toml")
	toml := fmt.Sprintf("[[runner]]\nname = \"matmul\"\nkind = \"exec\"\ncommand = [%q]\ntimeout = \"30s\"\n", MatmulWorker(t))
	if workers > 1 {
		devices := make([]string, workers)
		for i := range devices {
			devices[i] = fmt.Sprintf("%q", fmt.Sprint(i))
		}
		toml += fmt.Sprintf("devices = [%s]\nmax_queue = 1024\n", strings.Join(devices, ", "))
	}
	if err := os.WriteFile(conf, []byte(toml), 0o644); err != nil {
		t.Fatal(err)
	}
	rcfg, err := runner.LoadConfig(conf, nil)
	if err != nil {
		t.Fatal(err)
	}
	sched, err := runner.New(rcfg, runner.Options{WorkerStderr: os.Stderr})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sched.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	health, err := sched.WaitReady(ctx, "matmul")
	if err != nil || len(health) != workers {
		t.Fatalf("matmul runner not ready: %+v, %v; want %d workers", health, err, workers)
	}
	for _, h := range health {
		if !strings.Contains(h.Detail, "matmul-cpu") {
			t.Fatalf("matmul runner worker %+v is not matmul-cpu", h)
		}
	}
	return sched
}

// MatmulWorker returns the path of the examples/runners/matmul-cpu worker
// built for this test process, for tests that configure its runner
// themselves (fault flags, timeouts, a metrics registry).
func MatmulWorker(t testing.TB) string {
	t.Helper()
	d, err := build()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(d, "matmul-cpu")
}

// EchoWorker returns the path of the examples/runners/echo worker built
// for this test process (its --delay flag makes every job take a fixed
// time).
func EchoWorker(t testing.TB) string {
	t.Helper()
	d, err := build()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(d, "echo")
}

// Registry returns a module registry (wazero, no disk cache) closed at the
// end of the test.
func Registry(t testing.TB) *registry.Registry {
	t.Helper()
	reg, err := registry.New(registry.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { reg.Close(context.Background()) })
	return reg
}

// Source is an in-memory module source, a test double for the chain's
// module records: modules activate at blocks, the latest activation at or
// below a height wins, and the first activation above a height is the
// pending one (modhost.Scheduled). It is safe for concurrent use.
type Source struct {
	mu      sync.Mutex
	code    map[[32]byte][]byte
	activ   []activation
	lookups map[[32]byte]int
}

type activation struct {
	at uint64
	id [32]byte
}

// Activate stores code and makes it the subnet's module from block at on;
// it returns the module ID.
func (s *Source) Activate(code []byte, at uint64) [32]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := sha256.Sum256(code)
	if s.code == nil {
		s.code = map[[32]byte][]byte{}
	}
	s.code[id] = code
	s.activ = append(s.activ, activation{at, id})
	slices.SortStableFunc(s.activ, func(a, b activation) int { return int(a.at) - int(b.at) })
	return id
}

// ActiveModule implements modhost.Source.
func (s *Source) ActiveModule(_ context.Context, _ uint16, height uint64) ([32]byte, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var id [32]byte
	ok := false
	for _, a := range s.activ {
		if a.at <= height {
			id, ok = a.id, true
		}
	}
	return id, ok, nil
}

// PendingModule implements modhost.Scheduled: the first activation above
// height.
func (s *Source) PendingModule(_ context.Context, _ uint16, height uint64) ([32]byte, uint64, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range s.activ {
		if a.at > height {
			return a.id, a.at, true, nil
		}
	}
	return [32]byte{}, 0, false, nil
}

// CodeLookups returns how many times ModuleCode was asked for module id.
func (s *Source) CodeLookups(id [32]byte) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lookups[id]
}

// ModuleCode implements modhost.Source.
func (s *Source) ModuleCode(_ context.Context, id [32]byte) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lookups == nil {
		s.lookups = map[[32]byte]int{}
	}
	s.lookups[id]++
	b, ok := s.code[id]
	if !ok {
		return nil, fmt.Errorf("module %x not stored", id[:8])
	}
	return b, nil
}
