//go:build wasmtime

// Package wasmtimeeng implements the runtime's engine core on wasmtime-go
// (cgo). It is only built with the wasmtime build tag.
//
// Configuration, chosen so that wasmtime runs the same instrumented bytes with
// the same results as wazero: Cranelift NaN canonicalisation off (the
// instrumenter canonicalises NaNs itself), fuel off (gas lives in the
// module's own globals), the proposals wazero lacks turned off, a native
// stack generous enough that the instrumented stack budget always trips
// first, and a store Limiter capping memory as a backstop. Compiled code can
// be serialised into a node-local cache directory keyed by the SHA-256 of the
// wasm bytes and by wasmtime-go's version and this configuration.
package wasmtimeeng

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"

	"github.com/bytecodealliance/wasmtime-go/v39"

	"github.com/taorun/taorun/abi"
	"github.com/taorun/taorun/runtime/internal/engine"
)

// MaxWasmStack is the native stack wasmtime lets guest code use. It must stay
// well below the native thread stack (8 MiB on glibc) and far above what the
// instrumented stack budget allows, so the budget trips first.
const MaxWasmStack = 4 << 20

// cacheVersion names the serialised-code format: the wasmtime-go version plus
// a revision of the configuration in New. Change it when either changes.
const cacheVersion = "wasmtime-go-v39.0.1-cfg1"

// Engine is a wasmtime engine and linker configured for taorun.
type Engine struct {
	eng      *wasmtime.Engine
	linker   *wasmtime.Linker
	maxBytes int64
	cacheDir string
}

// New creates an engine.
func New(cfg engine.Config) (*Engine, error) {
	c := wasmtime.NewConfig()
	c.SetCraneliftNanCanonicalization(false)
	c.SetConsumeFuel(false)
	c.SetMaxWasmStack(MaxWasmStack)
	c.SetDebugInfo(false)
	// Match wazero's CoreFeaturesV2: no proposals beyond it.
	c.SetWasmGC(false)
	c.SetWasmFunctionReferences(false)
	c.SetWasmThreads(false)
	c.SetWasmTailCall(false)
	c.SetWasmMultiMemory(false)
	c.SetWasmMemory64(false)
	c.SetWasmWideArithmetic(false)
	c.SetWasmRelaxedSIMD(false)
	e := &Engine{eng: wasmtime.NewEngineWithConfig(c), maxBytes: int64(cfg.MaxMemoryPages) * 65536}
	e.linker = wasmtime.NewLinker(e.eng)
	for _, h := range cfg.Host {
		if err := e.linker.FuncNew(h.Module, h.Name, funcType(h.Type), callback(h)); err != nil {
			return nil, fmt.Errorf("wasmtime: linking host function %s.%s: %w", h.Module, h.Name, err)
		}
	}
	if cfg.CacheDir != "" {
		e.cacheDir = filepath.Join(cfg.CacheDir, cacheVersion)
		if err := os.MkdirAll(e.cacheDir, 0o700); err != nil {
			return nil, fmt.Errorf("wasmtime: cache directory: %w", err)
		}
	}
	return e, nil
}

func funcType(t engine.FuncType) *wasmtime.FuncType {
	return wasmtime.NewFuncType(valTypes(t.Params), valTypes(t.Results))
}

func valTypes(ts []engine.ValType) []*wasmtime.ValType {
	out := make([]*wasmtime.ValType, len(ts))
	for i, t := range ts {
		out[i] = wasmtime.NewValType(kind(t))
	}
	return out
}

func kind(t engine.ValType) wasmtime.ValKind {
	switch t {
	case engine.I32:
		return wasmtime.KindI32
	case engine.I64:
		return wasmtime.KindI64
	case engine.F32:
		return wasmtime.KindF32
	}
	return wasmtime.KindF64
}

func fromKind(k wasmtime.ValKind) (engine.ValType, bool) {
	switch k {
	case wasmtime.KindI32:
		return engine.I32, true
	case wasmtime.KindI64:
		return engine.I64, true
	case wasmtime.KindF32:
		return engine.F32, true
	case wasmtime.KindF64:
		return engine.F64, true
	}
	return 0, false
}

func toVal(t engine.ValType, v uint64) wasmtime.Val {
	switch t {
	case engine.I32:
		return wasmtime.ValI32(int32(uint32(v)))
	case engine.I64:
		return wasmtime.ValI64(int64(v))
	case engine.F32:
		return wasmtime.ValF32(math.Float32frombits(uint32(v)))
	}
	return wasmtime.ValF64(math.Float64frombits(v))
}

func fromVal(v wasmtime.Val) uint64 {
	switch v.Kind() {
	case wasmtime.KindI32:
		return uint64(uint32(v.I32()))
	case wasmtime.KindI64:
		return uint64(v.I64())
	case wasmtime.KindF32:
		return uint64(math.Float32bits(v.F32()))
	case wasmtime.KindF64:
		return math.Float64bits(v.F64())
	}
	return 0
}

// callback adapts a host function to wasmtime. The store's data is the
// calling instance; while the host function runs, the instance routes memory
// and global access through the Caller, as wasmtime requires.
func callback(h engine.HostFunc) func(*wasmtime.Caller, []wasmtime.Val) ([]wasmtime.Val, *wasmtime.Trap) {
	n := max(len(h.Type.Params), len(h.Type.Results))
	return func(c *wasmtime.Caller, args []wasmtime.Val) ([]wasmtime.Val, *wasmtime.Trap) {
		inst := c.Data().(*instance)
		prev := inst.caller
		inst.caller = c
		defer func() { inst.caller = prev }()
		stack := make([]uint64, n)
		for i, a := range args {
			stack[i] = fromVal(a)
		}
		if err := h.Fn(inst.ctx, stack); err != nil {
			inst.hostErr = err
			return nil, wasmtime.NewTrap(engine.TrapHost.String())
		}
		out := make([]wasmtime.Val, len(h.Type.Results))
		for i, t := range h.Type.Results {
			out[i] = toVal(t, stack[i])
		}
		return out, nil
	}
}

// Compile implements engine.Engine, using the serialised-code cache when one
// is configured.
func (e *Engine) Compile(ctx context.Context, wasm []byte) (engine.Compiled, error) {
	var path string
	if e.cacheDir != "" {
		sum := sha256.Sum256(wasm)
		path = filepath.Join(e.cacheDir, hex.EncodeToString(sum[:])+".cwasm")
		if m, err := wasmtime.NewModuleDeserializeFile(e.eng, path); err == nil {
			return newCompiled(e, m), nil
		}
	}
	m, err := wasmtime.NewModule(e.eng, wasm)
	if err != nil {
		return nil, err
	}
	if path != "" {
		// Best effort: a failed write only costs a later recompile.
		if b, err := m.Serialize(); err == nil {
			writeAtomic(path, b)
		}
	}
	return newCompiled(e, m), nil
}

func writeAtomic(path string, b []byte) {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return
	}
	_, werr := tmp.Write(b)
	cerr := tmp.Close()
	if werr != nil || cerr != nil || os.Rename(tmp.Name(), path) != nil {
		os.Remove(tmp.Name())
	}
}

// Close implements engine.Engine.
func (e *Engine) Close(ctx context.Context) error {
	e.linker.Close()
	e.eng.Close()
	return nil
}

type compiled struct {
	e       *Engine
	m       *wasmtime.Module
	imports []engine.Import
	exports engine.Exports
}

func newCompiled(e *Engine, m *wasmtime.Module) *compiled {
	c := &compiled{e: e, m: m, exports: engine.Exports{Funcs: map[string]engine.FuncType{}}}
	for _, im := range m.Imports() {
		ft := im.Type().FuncType()
		if ft == nil {
			continue
		}
		name := ""
		if n := im.Name(); n != nil {
			name = *n
		}
		c.imports = append(c.imports, engine.Import{Module: im.Module(), Name: name, Type: fromFuncType(ft)})
	}
	for _, ex := range m.Exports() {
		t := ex.Type()
		if ft := t.FuncType(); ft != nil {
			c.exports.Funcs[ex.Name()] = fromFuncType(ft)
		} else if t.MemoryType() != nil && ex.Name() == abi.MemoryExport {
			c.exports.Memory = true
		}
	}
	return c
}

func fromFuncType(ft *wasmtime.FuncType) engine.FuncType {
	var t engine.FuncType
	for _, p := range ft.Params() {
		v, _ := fromKind(p.Kind())
		t.Params = append(t.Params, v)
	}
	for _, r := range ft.Results() {
		v, _ := fromKind(r.Kind())
		t.Results = append(t.Results, v)
	}
	return t
}

func (c *compiled) Imports() []engine.Import { return c.imports }
func (c *compiled) Exports() engine.Exports  { return c.exports }

func (c *compiled) Instantiate(ctx context.Context) (engine.Instance, error) {
	inst := &instance{ctx: ctx, funcs: map[string]*fn{}}
	inst.store = wasmtime.NewStoreWithData(c.e.eng, inst)
	inst.store.Limiter(c.e.maxBytes, -1, -1, -1, -1)
	wi, err := c.e.linker.Instantiate(inst.store, c.m)
	if err != nil {
		inst.store.Close()
		return nil, inst.mapError(err)
	}
	inst.inst = wi
	if ex := wi.GetExport(inst.store, abi.MemoryExport); ex != nil {
		inst.mem = ex.Memory()
	}
	return inst, nil
}

func (c *compiled) Close(ctx context.Context) error {
	c.m.Close()
	return nil
}

type fn struct {
	f       *wasmtime.Func
	params  []engine.ValType
	results int
}

type instance struct {
	store   *wasmtime.Store
	inst    *wasmtime.Instance
	mem     *wasmtime.Memory
	funcs   map[string]*fn
	ctx     context.Context  // of the call in progress, for host functions
	caller  *wasmtime.Caller // set while a host function runs
	hostErr error            // the failing host function's error
}

// storelike is the Caller while a host function runs (wasmtime requires it)
// and the Store otherwise.
func (i *instance) storelike() wasmtime.Storelike {
	if i.caller != nil {
		return i.caller
	}
	return i.store
}

func (i *instance) Call(ctx context.Context, name string, args ...uint64) (uint64, error) {
	f := i.funcs[name]
	if f == nil {
		wf := i.inst.GetFunc(i.store, name)
		if wf == nil {
			return 0, fmt.Errorf("wasmtime: no exported function %q", name)
		}
		t := fromFuncType(wf.Type(i.store))
		f = &fn{f: wf, params: t.Params, results: len(t.Results)}
		i.funcs[name] = f
	}
	if len(args) != len(f.params) {
		return 0, fmt.Errorf("wasmtime: %s takes %d arguments, got %d", name, len(f.params), len(args))
	}
	in := make([]any, len(args))
	for k, a := range args {
		in[k] = toVal(f.params[k], a)
	}
	i.ctx, i.hostErr = ctx, nil
	out, err := f.f.Call(i.store, in...)
	i.ctx = nil
	if err != nil {
		return 0, i.mapError(err)
	}
	switch v := out.(type) {
	case int32:
		return uint64(uint32(v)), nil
	case int64:
		return uint64(v), nil
	case float32:
		return uint64(math.Float32bits(v)), nil
	case float64:
		return math.Float64bits(v), nil
	}
	return 0, nil
}

func (i *instance) Global(name string) engine.Global {
	ex := i.inst.GetExport(i.store, name)
	if ex == nil || ex.Global() == nil {
		return nil
	}
	g := ex.Global()
	gt := g.Type(i.store)
	t, _ := fromKind(gt.Content().Kind())
	return &global{i: i, g: g, t: t, mutable: gt.Mutable()}
}

func (i *instance) Memory() []byte {
	if i.mem == nil {
		return nil
	}
	return i.mem.UnsafeData(i.storelike())
}

func (i *instance) Close(ctx context.Context) error {
	i.store.Close()
	return nil
}

type global struct {
	i       *instance
	g       *wasmtime.Global
	t       engine.ValType
	mutable bool
}

func (g *global) Type() engine.ValType { return g.t }
func (g *global) Mutable() bool        { return g.mutable }
func (g *global) Get() uint64          { return fromVal(g.g.Get(g.i.storelike())) }
func (g *global) Set(v uint64)         { g.g.Set(g.i.storelike(), toVal(g.t, v)) }

// wasmtimeTraps maps wasmtime's trap codes to engine-independent codes.
var wasmtimeTraps = map[wasmtime.TrapCode]engine.TrapCode{
	wasmtime.UnreachableCodeReached: engine.TrapUnreachable,
	wasmtime.IntegerDivisionByZero:  engine.TrapDivideByZero,
	wasmtime.IntegerOverflow:        engine.TrapIntegerOverflow,
	wasmtime.BadConversionToInteger: engine.TrapInvalidConversion,
	wasmtime.MemoryOutOfBounds:      engine.TrapOutOfBounds,
	wasmtime.TableOutOfBounds:       engine.TrapTableAccess,
	wasmtime.IndirectCallToNull:     engine.TrapTableAccess,
	wasmtime.BadSignature:           engine.TrapIndirectCallType,
	wasmtime.StackOverflow:          engine.TrapStackOverflow,
}

func (i *instance) mapError(err error) error {
	if i.hostErr != nil {
		herr := i.hostErr
		i.hostErr = nil
		return &engine.Trap{Code: engine.TrapHost, Cause: herr}
	}
	var t *wasmtime.Trap
	if errors.As(err, &t) {
		code := engine.TrapUnknown
		if c := t.Code(); c != nil {
			if m, ok := wasmtimeTraps[*c]; ok {
				code = m
			}
		}
		return &engine.Trap{Code: code, Cause: err}
	}
	return err
}
