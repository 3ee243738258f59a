package runtime

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/taorun/taorun/abi"
	"github.com/taorun/taorun/internal/testfiles"
)

// wasmDir holds the modules TestMain builds from testdata/*.wat.
var wasmDir string

func TestMain(m *testing.M) {
	testfiles.Main(m, "taorun-runtime-test-", func(dir string) { wasmDir = dir })
}

// wasmFile returns the path of a module built from testdata/<name>.wat.
func wasmFile(name string) string { return filepath.Join(wasmDir, name+".wasm") }

// loadWasm reads a module built from testdata/<name>.wat.
func loadWasm(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(wasmFile(name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var goGuest struct {
	once sync.Once
	wasm []byte
	err  error
}

// loadGoGuest builds testdata/goguest as a wasip1 reactor, once per run.
func loadGoGuest(t testing.TB) []byte {
	t.Helper()
	goGuest.once.Do(func() {
		out := filepath.Join(wasmDir, "goguest.wasm")
		cmd := exec.Command("go", "build", "-buildmode=c-shared", "-o", out, "./testdata/goguest")
		cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0")
		if b, err := cmd.CombinedOutput(); err != nil {
			goGuest.err = fmt.Errorf("building the Go guest: %v\n%s", err, b)
			return
		}
		goGuest.wasm, goGuest.err = os.ReadFile(out)
	})
	if goGuest.err != nil {
		t.Fatal(goGuest.err)
	}
	return goGuest.wasm
}

// errHostFail is what env.test_fail returns.
var errHostFail = errors.New("test_fail: the host refused")

// testHost is the host function set the tests link: test_charge charges its
// argument, test_fail fails, test_log logs guest memory, test_abort stops the
// guest with a guest error, test_nop does nothing, host_add adds (for the Go
// guest).
func testHost() []HostFunc {
	return []HostFunc{
		{Module: "env", Name: "test_charge", Params: []abi.ValType{abi.I64},
			Fn: func(c Caller, s []uint64) error { return c.ChargeGas(s[0]) }},
		{Module: "env", Name: "test_fail",
			Fn: func(c Caller, s []uint64) error { return errHostFail }},
		{Module: "env", Name: "test_log", Params: []abi.ValType{abi.I32, abi.I32},
			Fn: func(c Caller, s []uint64) error {
				b, err := c.Read(uint32(s[0]), uint32(s[1]))
				if err != nil {
					return err
				}
				c.Log(b)
				return nil
			}},
		{Module: "env", Name: "test_abort", Params: []abi.ValType{abi.I32, abi.I32},
			Fn: func(c Caller, s []uint64) error {
				b, err := c.Read(uint32(s[0]), uint32(s[1]))
				if err != nil {
					return err
				}
				return &Error{Kind: ErrGuest, Message: string(b)}
			}},
		{Module: "env", Name: "test_nop",
			Fn: func(c Caller, s []uint64) error { return nil }},
		{Module: "env", Name: "host_add", Params: []abi.ValType{abi.I64, abi.I64}, Results: []abi.ValType{abi.I64},
			Fn: func(c Caller, s []uint64) error {
				if err := c.ChargeGas(10); err != nil {
					return err
				}
				s[0] = s[0] + s[1]
				return nil
			}},
	}
}

// newRuntime creates a runtime on engine with the test host functions.
func newRuntime(t testing.TB, engine string, mod func(*Config)) *Runtime {
	t.Helper()
	cfg := Config{Engine: engine, Host: testHost()}
	if mod != nil {
		mod(&cfg)
	}
	r, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close(context.Background()) })
	return r
}

func u32(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }
func u64(v uint64) []byte { return binary.LittleEndian.AppendUint64(nil, v) }
