package plugins

import (
	"bytes"
	"crypto/sha256"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"testing"
)

var (
	goGuestOnce sync.Once
	goGuestBin  []byte
	goGuestErr  error
)

// goGuest builds testdata/goguest with GOOS=wasip1 -buildmode=c-shared
// (once per test binary).
func goGuest(t testing.TB) []byte {
	t.Helper()
	goGuestOnce.Do(func() {
		dir, err := os.MkdirTemp("", "goguest")
		if err != nil {
			goGuestErr = err
			return
		}
		defer os.RemoveAll(dir)
		out := filepath.Join(dir, "goguest.wasm")
		cmd := exec.Command("go", "build", "-buildmode=c-shared", "-o", out, "./testdata/goguest")
		cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
		if msg, err := cmd.CombinedOutput(); err != nil {
			goGuestErr = &buildError{err, string(msg)}
			return
		}
		goGuestBin, goGuestErr = os.ReadFile(out)
	})
	if goGuestErr != nil {
		t.Fatalf("building the Go guest: %v", goGuestErr)
	}
	return goGuestBin
}

type buildError struct {
	err error
	out string
}

func (e *buildError) Error() string { return e.err.Error() + "\n" + e.out }

// runGuest runs the ABI flow (_initialize, alloc, write, score, read,
// dealloc) and returns the output and the gas of each step.
func runGuest(t *testing.T, in *instance, input []byte) ([]byte, []uint64) {
	t.Helper()
	const gas, stack = 1 << 40, 1 << 20
	var used []uint64
	step := func(name string, args ...uint64) uint64 {
		res, u, oog, err := in.call(gas, stack, name, args...)
		if err != nil {
			t.Fatalf("%s: %v (oog %d)", name, err, oog)
		}
		used = append(used, u)
		if in.stack != nil && in.stack.Get() != stack {
			t.Fatalf("%s: stack budget %d after the call, want %d (refunded)", name, in.stack.Get(), stack)
		}
		if len(res) > 0 {
			return res[0]
		}
		return 0
	}
	if in.mod.ExportedFunction("_initialize") != nil {
		step("_initialize")
	}
	ptr := uint32(step("alloc", uint64(len(input))))
	if !in.mod.Memory().Write(ptr, input) {
		t.Fatal("input write out of range")
	}
	r := step("score", uint64(ptr), uint64(len(input)))
	optr, olen := uint32(r>>32), uint32(r)
	out, ok := in.mod.Memory().Read(optr, olen)
	if !ok {
		t.Fatal("output out of range")
	}
	out = bytes.Clone(out)
	step("dealloc", uint64(optr), uint64(olen))
	return out, used
}

// TestGoGuest checks that the instrumented Go guest computes what the
// original computes, and that its gas is identical across runs and across
// wazero's interpreter and compiler.
func TestGoGuest(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a Go wasm module")
	}
	orig := goGuest(t)
	m, err := Prepare(orig, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	input := []byte("the quick brown fox jumps over the lazy dog; 0123456789")
	want, _ := runGuest(t, instantiate(t, engines[1].cfg(), orig, false), input)
	h := sha256.Sum256(input)
	if !bytes.Equal(want[:32], h[:]) {
		t.Fatalf("original guest output does not start with the input's sha256")
	}
	var gas0 []uint64
	for _, e := range engines {
		for run := 0; run < 2; run++ {
			got, gas := runGuest(t, instantiate(t, e.cfg(), m.Instrumented, true), input)
			if !bytes.Equal(got, want) {
				t.Fatalf("%s run %d: instrumented output differs from the original", e.name, run)
			}
			if gas0 == nil {
				gas0 = gas
				t.Logf("gas per step (_initialize, alloc, score, dealloc): %v", gas)
			} else if !slices.Equal(gas, gas0) {
				t.Fatalf("%s run %d: gas %v, first run %v", e.name, run, gas, gas0)
			}
		}
	}
	for _, g := range gas0 {
		if g == 0 {
			t.Fatalf("a step used no gas: %v", gas0)
		}
	}
	t.Logf("original %d bytes, instrumented %d bytes, %d functions", len(orig), len(m.Instrumented), len(m.Report.Functions))
}
