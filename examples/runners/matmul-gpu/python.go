// Package matmulgpu helps Go tests run the Python matmul worker in this
// directory (worker.py, tested by test_worker.py): it finds a Python
// interpreter that can import the worker's array backends and says which of
// them must run.
//
// The worker's GPU code path (class Torch) is exercised without a GPU through
// its torch-cpu backend. scripts/test.sh installs Debian's python3-numpy and
// python3-torch (for /usr/bin/python3, which a pyenv python3 on PATH does not
// see) and then sets RequireEnv, so that CI fails, rather than skips, when
// those backends cannot run. Without the variable, tests run the backends the
// interpreter can import and log the others as left out.
package matmulgpu

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// RequireEnv, set to anything but "" or "0", makes ForTest fail the test
// when an interpreter with every backend in Backends cannot be found.
const RequireEnv = "TAORUN_REQUIRE_TORCH"

// RequireBackendsEnv is test_worker.py's variable: a comma-separated list of
// backends that must start there, or the Python test fails.
const RequireBackendsEnv = "MATMUL_REQUIRE_BACKENDS"

// Backend is one of worker.py's array backends that runs on a CPU.
type Backend struct {
	Device string // worker.py --device (and test_worker.py) name
	Module string // the Python module it needs
}

// Backends are the worker's CPU backends beyond the standard library one
// (cpu-pure, which every python3 runs). torch-cpu is the GPU path's class
// on the CPU device.
var Backends = []Backend{{"numpy", "numpy"}, {"torch-cpu", "torch"}}

// Candidates are the interpreters tried, in order (Find reads it once).
var Candidates = []string{"python3", "/usr/bin/python3"}

// Dir is this directory, absolute.
func Dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(file)
}

// Worker is worker.py's path.
func Worker() string { return filepath.Join(Dir(), "worker.py") }

// TestScript is test_worker.py's path.
func TestScript() string { return filepath.Join(Dir(), "test_worker.py") }

// Required reports whether RequireEnv is set.
func Required() bool {
	v := os.Getenv(RequireEnv)
	return v != "" && v != "0"
}

// Python is an interpreter and the backend modules it imports.
type Python struct {
	Path    string          // as found on PATH, or absolute
	Imports map[string]bool // module name -> importable
}

// Has reports whether the interpreter can run backend b.
func (p Python) Has(b Backend) bool { return p.Imports[b.Module] }

// Available are the Backends it can run.
func (p Python) Available() []Backend {
	var out []Backend
	for _, b := range Backends {
		if p.Has(b) {
			out = append(out, b)
		}
	}
	return out
}

// Devices are the device names of bs.
func Devices(bs []Backend) []string {
	out := make([]string, len(bs))
	for i, b := range bs {
		out[i] = b.Device
	}
	return out
}

// probe imports each backend module and prints which imported, as JSON.
const probe = `import json, sys
r = {}
for m in sys.argv[1:]:
    try:
        __import__(m)
        r[m] = True
    except Exception:
        r[m] = False
print(json.dumps(r))`

var (
	findOnce     sync.Once
	found        Python
	foundAll     []Python
	findProblems string
)

// Find returns the interpreter to use, chosen by Choose among Candidates,
// and every candidate that runs, for messages. ok is false when none runs;
// problems then says why. It probes once per process: importing torch takes
// seconds.
func Find() (best Python, all []Python, ok bool) {
	findOnce.Do(func() {
		foundAll, findProblems = Probe(Candidates)
		found = Choose(foundAll)
	})
	return found, foundAll, len(foundAll) > 0
}

// Probe runs each candidate (deduplicated by its resolved path) and asks it
// which backend modules it imports. It returns the candidates that ran and,
// for the others, what went wrong.
func Probe(candidates []string) (ran []Python, problems string) {
	var mods []string
	for _, b := range Backends {
		mods = append(mods, b.Module)
	}
	seen := map[string]bool{}
	var why []string
	for _, c := range candidates {
		path, err := exec.LookPath(c)
		if err != nil {
			why = append(why, err.Error())
			continue
		}
		if abs, err := filepath.EvalSymlinks(path); err == nil {
			if seen[abs] {
				continue
			}
			seen[abs] = true
		}
		out, err := exec.Command(path, append([]string{"-c", probe}, mods...)...).Output()
		imports := map[string]bool{}
		if err == nil {
			err = json.Unmarshal(out, &imports)
		}
		if err != nil {
			why = append(why, c+": "+err.Error())
			continue
		}
		ran = append(ran, Python{Path: c, Imports: imports})
	}
	return ran, strings.Join(why, "; ")
}

// Choose returns the first of ran that runs every backend or, when none
// does, the one that runs the most (the earlier on a tie); the zero Python
// when ran is empty.
func Choose(ran []Python) Python {
	var best Python
	for i, p := range ran {
		if i == 0 || len(p.Available()) > len(best.Available()) {
			best = p
		}
	}
	return best
}

// Shortfall says which backends no candidate runs: "" when best runs them all.
func Shortfall(best Python, ran []Python) string {
	if len(best.Available()) == len(Backends) {
		return ""
	}
	var what []string
	for _, c := range ran {
		can := strings.Join(Devices(c.Available()), ",")
		if can == "" {
			can = "none"
		}
		what = append(what, c.Path+" runs "+can)
	}
	return "no interpreter runs every backend of " + strings.Join(Devices(Backends), ",") + " (" + strings.Join(what, "; ") + ")"
}

// Interpreter returns the interpreter for t's Python worker runs, whatever
// backends it has. It skips t when there is no Python at all (fails it under
// RequireEnv).
func Interpreter(t testing.TB) Python {
	t.Helper()
	p, _, ok := Find()
	if !ok {
		if Required() {
			t.Fatalf("%s is set but no Python runs: %s", RequireEnv, findProblems)
		}
		t.Skipf("no Python interpreter: %s", findProblems)
	}
	return p
}

// ForTest is Interpreter for a run that tests every backend the interpreter
// has: under RequireEnv it fails t when no candidate runs all of Backends;
// otherwise it logs the backends left out.
func ForTest(t testing.TB) Python {
	t.Helper()
	p := Interpreter(t)
	_, all, _ := Find()
	if msg := Shortfall(p, all); msg != "" {
		if Required() {
			t.Fatalf("%s is set but %s", RequireEnv, msg)
		}
		t.Logf("%s; the others are left out (scripts/test.sh installs python3-numpy and python3-torch and sets %s)", msg, RequireEnv)
	}
	return p
}

// ForBackend is Interpreter for a run that needs backend b: when the
// interpreter cannot run b it skips t, or fails it under RequireEnv.
func ForBackend(t testing.TB, b Backend) Python {
	t.Helper()
	p := Interpreter(t)
	if !p.Has(b) {
		_, all, _ := Find()
		msg := fmt.Sprintf("%s cannot import %s for the %s backend (%s)", p.Path, b.Module, b.Device, Shortfall(p, all))
		if Required() {
			t.Fatalf("%s is set but %s", RequireEnv, msg)
		}
		t.Skip(msg)
	}
	return p
}
