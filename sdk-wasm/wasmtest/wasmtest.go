// Package wasmtest runs ABI v1 modules under wazero with a small in-memory
// host, for the tests of the guest SDKs and the example modules. It is a
// test helper, not taorun's host: it neither instruments nor meters, and its
// storage is a Go map. It follows the contract of package abi exactly
// (caller buffers, status codes, chain-side versus node-side scopes), so a
// module that passes here speaks ABI v1 correctly.
//
// Invariants: one Module is one instance, used by one goroutine; a host
// function never calls back into the guest; every host import in abi's
// table is provided, those a test does not configure answering
// StatusUnavailable (or trapping, for functions with no result).
package wasmtest

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
	"golang.org/x/crypto/blake2b"

	"github.com/taorun/taorun/abi"
	"github.com/taorun/taorun/abi/wire"
)

// Host is the test host's world: what the host functions read and write.
type Host struct {
	State   map[string][]byte                       // module storage (chain-side hooks only)
	Runners map[string]func([]byte) ([]byte, error) // runners (node-side entry points only)
	Block   wire.BlockInfo
	Graph   wire.Metagraph
	Gas     uint64
	Logs    []string // "level: text" for every log call
	Calls   []string // names of the host functions called, in order
}

// GuestError is an entry point's guest error (result bit 63) or a trap.
type GuestError struct {
	Entry          string
	Msg            string
	NotImplemented bool // result bit 62: the module lacks the entry point
	Trap           bool // the call trapped (abort, unreachable) instead of returning
}

// Error implements error.
func (e *GuestError) Error() string { return e.Entry + ": " + e.Msg }

// Module is one instance of a module with its host.
type Module struct {
	Host   *Host
	rt     wazero.Runtime
	mod    api.Module
	side   abi.Side // side of the entry point running now
	result []byte   // the last runner output or error text, for runner_result
	jobs   map[int64][2][]byte
	njobs  int64 // jobs submitted so far; ids count up from 1 and are never reused
	abort  string
}

// Instantiate compiles wasm and instantiates it with WASI shims and the env
// host functions, running _initialize when the module has it. On error the
// wazero runtime it made is closed again.
func Instantiate(ctx context.Context, wasm []byte, h *Host) (_ *Module, err error) {
	if h.State == nil {
		h.State = map[string][]byte{}
	}
	m := &Module{Host: h, rt: wazero.NewRuntime(ctx), jobs: map[int64][2][]byte{}}
	defer func() {
		if err != nil {
			m.rt.Close(ctx)
		}
	}()
	wasi_snapshot_preview1.MustInstantiate(ctx, m.rt)
	env := m.rt.NewHostModuleBuilder(abi.HostModule)
	for _, f := range abi.HostFuncs() {
		f := f
		impl := m.impl(f.Name)
		params, results := valueTypes(f.Params), valueTypes(f.Results)
		env.NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(func(ctx context.Context, mod api.Module, stack []uint64) {
			h.Calls = append(h.Calls, f.Name)
			if !f.Scope.Allowed(m.side) {
				if len(f.Results) == 0 {
					return // nothing happens, per abi.Scope
				}
				stack[0] = status(abi.StatusUnavailable)
				return
			}
			impl(mod.Memory(), stack)
		}), params, results).Export(f.Name)
	}
	if _, err := env.Instantiate(ctx); err != nil {
		return nil, err
	}
	compiled, err := m.rt.CompileModule(ctx, wasm)
	if err != nil {
		return nil, err
	}
	m.mod, err = m.rt.InstantiateModule(ctx, compiled, wazero.NewModuleConfig().WithStartFunctions(abi.InitializeExport))
	if err != nil {
		return nil, err
	}
	return m, nil
}

// Close releases the instance.
func (m *Module) Close(ctx context.Context) error { return m.rt.Close(ctx) }

// HasExport reports whether the module exports a function called name.
func (m *Module) HasExport(name string) bool { return m.mod.ExportedFunction(name) != nil }

// Call runs an entry point on input following ABI v1: alloc, write, call,
// unpack, copy, dealloc. Side comes from abi's entry table.
func (m *Module) Call(ctx context.Context, entry string, input []byte) ([]byte, error) {
	e, ok := abi.LookupEntry(entry)
	if !ok {
		return nil, fmt.Errorf("wasmtest: %q is not an ABI v1 entry point", entry)
	}
	return m.CallExport(ctx, entry, e.Side, input)
}

// CallExport is Call for any export with the entry point signature
// (ptr i32, len i32) -> i64, such as a test-only export, run as side.
func (m *Module) CallExport(ctx context.Context, entry string, side abi.Side, input []byte) ([]byte, error) {
	fn := m.mod.ExportedFunction(entry)
	if fn == nil {
		return nil, &GuestError{Entry: entry, Msg: "not exported", NotImplemented: true}
	}
	res, err := m.mod.ExportedFunction(abi.AllocExport).Call(ctx, uint64(len(input)))
	if err != nil {
		return nil, fmt.Errorf("wasmtest: alloc: %w", err)
	}
	in := uint32(res[0])
	if !m.mod.Memory().Write(in, input) {
		return nil, fmt.Errorf("wasmtest: alloc returned %d, outside memory", in)
	}
	m.side, m.abort = side, ""
	res, err = fn.Call(ctx, uint64(in), uint64(len(input)))
	if err != nil {
		msg := err.Error()
		if m.abort != "" {
			msg = m.abort
		}
		return nil, &GuestError{Entry: entry, Msg: msg, Trap: true}
	}
	ptr, n, isErr, notImpl := abi.UnpackResult(res[0])
	view, ok := m.mod.Memory().Read(ptr, n)
	if !ok {
		return nil, fmt.Errorf("wasmtest: %s returned [%d, %d+%d) outside memory", entry, ptr, ptr, n)
	}
	out := append([]byte(nil), view...)
	if _, err := m.mod.ExportedFunction(abi.DeallocExport).Call(ctx, uint64(ptr), uint64(n)); err != nil {
		return nil, fmt.Errorf("wasmtest: dealloc: %w", err)
	}
	if isErr {
		return nil, &GuestError{Entry: entry, Msg: string(out), NotImplemented: notImpl}
	}
	return out, nil
}

var errAbort = errors.New("wasmtest: guest called abort")

// impl returns the test host's implementation of host function name.
func (m *Module) impl(name string) func(mem api.Memory, stack []uint64) {
	h := m.Host
	read := func(mem api.Memory, ptr, n uint64) []byte {
		b, ok := mem.Read(uint32(ptr), uint32(n))
		if !ok {
			panic(fmt.Sprintf("wasmtest: %s: [%d, %d+%d) outside memory", name, ptr, ptr, n))
		}
		return append([]byte(nil), b...)
	}
	// give implements the caller-buffer protocol: return the length, write
	// only when it fits.
	give := func(mem api.Memory, data []byte, out, outCap uint64) uint64 {
		if uint64(len(data)) <= outCap && !mem.Write(uint32(out), data) {
			panic(fmt.Sprintf("wasmtest: %s: output buffer outside memory", name))
		}
		return uint64(len(data))
	}
	switch name {
	case "log":
		return func(mem api.Memory, s []uint64) {
			h.Logs = append(h.Logs, fmt.Sprintf("%d: %s", uint32(s[0]), read(mem, s[1], s[2])))
		}
	case "abort":
		return func(mem api.Memory, s []uint64) {
			m.abort = string(read(mem, s[0], s[1]))
			panic(errAbort)
		}
	case "block_info":
		return func(mem api.Memory, s []uint64) { s[0] = give(mem, h.Block.Encode(), s[0], s[1]) }
	case "metagraph":
		return func(mem api.Memory, s []uint64) { s[0] = give(mem, h.Graph.Encode(), s[0], s[1]) }
	case "sha256":
		return func(mem api.Memory, s []uint64) {
			sum := sha256.Sum256(read(mem, s[0], s[1]))
			mem.Write(uint32(s[2]), sum[:])
		}
	case "blake2b":
		return func(mem api.Memory, s []uint64) {
			sum := blake2b.Sum256(read(mem, s[0], s[1]))
			mem.Write(uint32(s[2]), sum[:])
		}
	case "gas_left":
		return func(mem api.Memory, s []uint64) { s[0] = h.Gas }
	case "state_get":
		return func(mem api.Memory, s []uint64) {
			v, ok := h.State[string(read(mem, s[0], s[1]))]
			if !ok {
				s[0] = status(abi.StatusNotFound)
				return
			}
			s[0] = give(mem, v, s[2], s[3])
		}
	case "state_set":
		return func(mem api.Memory, s []uint64) { h.State[string(read(mem, s[0], s[1]))] = read(mem, s[2], s[3]) }
	case "state_remove":
		return func(mem api.Memory, s []uint64) { delete(h.State, string(read(mem, s[0], s[1]))) }
	case "runner_invoke":
		return func(mem api.Memory, s []uint64) {
			s[0] = m.runRunner(string(read(mem, s[0], s[1])), read(mem, s[2], s[3]))
		}
	case "runner_submit":
		return func(mem api.Memory, s []uint64) {
			m.njobs++
			id := m.njobs
			m.jobs[id] = [2][]byte{read(mem, s[0], s[1]), read(mem, s[2], s[3])}
			s[0] = uint64(id)
		}
	case "runner_wait":
		return func(mem api.Memory, s []uint64) {
			job, ok := m.jobs[int64(s[0])]
			if !ok {
				s[0] = status(abi.StatusNotFound)
				return
			}
			delete(m.jobs, int64(s[0]))
			s[0] = m.runRunner(string(job[0]), job[1])
		}
	case "runner_result":
		return func(mem api.Memory, s []uint64) { s[0] = give(mem, m.result, s[0], s[1]) }
	}
	// time_now and anything added to abi later: unavailable in this host.
	return func(mem api.Memory, s []uint64) {
		if len(s) > 0 {
			s[0] = status(abi.StatusUnavailable)
		}
	}
}

// runRunner runs a configured runner, keeping its output for runner_result.
func (m *Module) runRunner(name string, input []byte) uint64 {
	r, ok := m.Host.Runners[name]
	if !ok {
		return status(abi.StatusUnavailable)
	}
	out, err := r(input)
	if err != nil {
		m.result = []byte(err.Error())
		return status(abi.StatusRunnerFailed)
	}
	m.result = out
	return uint64(len(out))
}

// BuildGo builds the Go package in dir (a path relative to the calling
// test's directory, or absolute) as a wasip1 reactor and returns the wasm.
func BuildGo(t testing.TB, dir string) []byte {
	t.Helper()
	out := filepath.Join(t.TempDir(), "module.wasm")
	cmd := exec.Command("go", "build", "-buildmode=c-shared", "-o", out, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building %s for wasip1: %v\n%s", dir, err, b)
	}
	wasm, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return wasm
}

// status encodes a host status code as a host function's i64 result (-code).
func status(code int64) uint64 { return uint64(-code) }

// CheckImports reports the first import of wasm that ABI v1 does not allow:
// an unknown (module, name) or a signature different from abi's table. It
// also requires the memory export. It is the import half of the upload
// policy, so SDK tests catch a wrong //go:wasmimport or @external early.
func CheckImports(ctx context.Context, wasm []byte) error {
	r := wazero.NewRuntime(ctx)
	defer r.Close(ctx)
	compiled, err := r.CompileModule(ctx, wasm)
	if err != nil {
		return err
	}
	for _, f := range compiled.ImportedFunctions() {
		mod, name, _ := f.Import()
		hf, ok := abi.LookupImport(mod, name)
		if !ok {
			return fmt.Errorf("imports %s.%s, which ABI v1 does not allow", mod, name)
		}
		if got, want := signature(f.ParamTypes(), f.ResultTypes()), signature(valueTypes(hf.Params), valueTypes(hf.Results)); got != want {
			return fmt.Errorf("import %s.%s has signature %s, ABI v1 says %s", mod, name, got, want)
		}
	}
	if _, ok := compiled.ExportedMemories()[abi.MemoryExport]; !ok {
		return errors.New("does not export memory")
	}
	return nil
}

func valueTypes(ts []abi.ValType) []api.ValueType {
	out := make([]api.ValueType, len(ts))
	for i, t := range ts {
		out[i] = api.ValueType(t)
	}
	return out
}

func signature(params, results []api.ValueType) string {
	s := "("
	for i, p := range params {
		if i > 0 {
			s += ", "
		}
		s += api.ValueTypeName(p)
	}
	s += ") -> ("
	for i, r := range results {
		if i > 0 {
			s += ", "
		}
		s += api.ValueTypeName(r)
	}
	return s + ")"
}
