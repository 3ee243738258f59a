// Package registrytest builds the real modules the tests of package registry
// and package chain/modules run: WAT files assembled with wabt's wat2wasm,
// and the Go example module examples/pocsubnet/module built for wasip1.
// It is a test helper; nothing in a node imports it.
//
// Invariant: the bytes returned are exactly what the toolchains produce, so
// tests exercise the real upload pipeline and engines; builds are cached per
// process (the Go build takes seconds).
package registrytest

import (
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"sync"
	"testing"

	"github.com/taorun/taorun/sdk-wasm/wasmtest"
)

// Root returns the repository root (the directory holding go.mod).
func Root() string {
	_, file, _, _ := goruntime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..")
}

// WAT assembles the WAT file at path (relative to the repository root) with
// wat2wasm --enable-all and returns the binary.
func WAT(t testing.TB, path string) []byte {
	t.Helper()
	bin, err := exec.LookPath("wat2wasm")
	if err != nil {
		t.Fatal("wat2wasm (wabt) is required to build test modules: apt-get install wabt")
	}
	out := filepath.Join(t.TempDir(), filepath.Base(path)+".wasm")
	if msg, err := exec.Command(bin, "--enable-all", "-o", out, filepath.Join(Root(), path)).CombinedOutput(); err != nil {
		t.Fatalf("wat2wasm %s: %v\n%s", path, err, msg)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// HooksWAT is the path of the registry's hook test module.
const HooksWAT = "plugins/registry/testdata/hooks.wat"

var (
	pocMu   sync.Mutex
	pocWasm []byte
)

// PocSubnet returns examples/pocsubnet/module built with
// GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared (once per process).
func PocSubnet(t testing.TB) []byte {
	t.Helper()
	pocMu.Lock()
	defer pocMu.Unlock()
	if pocWasm == nil {
		pocWasm = wasmtest.BuildGo(t, filepath.Join(Root(), "examples", "pocsubnet", "module"))
	}
	return pocWasm
}
