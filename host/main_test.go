package host

import (
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"

	"github.com/taorun/taorun/internal/testfiles"
	"github.com/taorun/taorun/runtime"
)

// wasmDir holds the modules TestMain builds from testdata/*.wat.
var wasmDir string

func TestMain(m *testing.M) {
	testfiles.Main(m, "taorun-host-test-", func(dir string) {
		wasmDir = dir
		os.Setenv("TAORUN_HOST_WASM_DIR", dir) // for Example, in package host_test
	})
}

// compileHost compiles testdata/host.wat on engine with Functions() linked.
func compileHost(t testing.TB, engine string) *runtime.Module {
	t.Helper()
	wasm, err := os.ReadFile(filepath.Join(wasmDir, "host.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := runtime.New(runtime.Config{Engine: engine, Host: Functions()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close(context.Background()) })
	m, err := r.Compile(context.Background(), wasm)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// cat concatenates byte strings.
func cat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

func u32(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }
func u64(v uint64) []byte { return binary.LittleEndian.AppendUint64(nil, v) }

// ret returns the i-th i64 in an output.
func ret(t *testing.T, out []byte, i int) int64 {
	t.Helper()
	if len(out) < 8*(i+1) {
		t.Fatalf("output of %d bytes has no result %d", len(out), i)
	}
	return int64(binary.LittleEndian.Uint64(out[8*i:]))
}
