// Package wazeroeng implements the runtime's engine core on wazero.
//
// It uses wazero's optimizing compiler where the platform supports it (or
// the interpreter on request), never closes modules on context cancellation
// (gas, not wall time, stops guests), caps every memory at
// Config.MaxMemoryPages, and shares one on-disk compilation cache per
// directory across the process. Host functions are instantiated once per
// engine as wazero host modules; the per-call state they need travels in the
// context passed to Call.
package wazeroeng

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/taorun/taorun/abi"
	"github.com/taorun/taorun/runtime/internal/engine"
)

// Engine is a wazero runtime configured for taorun.
type Engine struct {
	r       wazero.Runtime
	cache   wazero.CompilationCache
	dir     string
	release sync.Once
}

// New creates an engine. interpreter selects wazero's interpreter instead of
// the compiler (which wazero itself falls back to on platforms it cannot
// compile for).
func New(ctx context.Context, cfg engine.Config, interpreter bool) (*Engine, error) {
	rc := wazero.NewRuntimeConfig()
	if interpreter {
		rc = wazero.NewRuntimeConfigInterpreter()
	}
	rc = rc.WithCoreFeatures(api.CoreFeaturesV2).
		WithMemoryLimitPages(cfg.MaxMemoryPages).
		WithCloseOnContextDone(false).
		// Instrumentation makes DWARF offsets wrong, and traps are reported
		// without source positions anyway.
		WithDebugInfoEnabled(false)
	e := &Engine{dir: cfg.CacheDir}
	if cfg.CacheDir != "" {
		c, err := acquireCache(cfg.CacheDir)
		if err != nil {
			return nil, err
		}
		e.cache = c
		rc = rc.WithCompilationCache(c)
	}
	e.r = wazero.NewRuntimeWithConfig(ctx, rc)
	if err := e.linkHost(ctx, cfg.Host); err != nil {
		e.Close(ctx)
		return nil, err
	}
	return e, nil
}

// linkHost instantiates one host module per import module name, in sorted
// order so that engine construction does not depend on map iteration.
func (e *Engine) linkHost(ctx context.Context, host []engine.HostFunc) error {
	byModule := map[string][]engine.HostFunc{}
	for _, h := range host {
		byModule[h.Module] = append(byModule[h.Module], h)
	}
	names := make([]string, 0, len(byModule))
	for n := range byModule {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		b := e.r.NewHostModuleBuilder(n)
		for _, h := range byModule[n] {
			b.NewFunctionBuilder().
				WithGoFunction(goFunc(h.Fn), valueTypes(h.Type.Params), valueTypes(h.Type.Results)).
				Export(h.Name)
		}
		if _, err := b.Instantiate(ctx); err != nil {
			return fmt.Errorf("wazero: linking host module %q: %w", n, err)
		}
	}
	return nil
}

// hostPanic carries a host function's error through wazero, which recovers
// the panic and wraps the value with %w.
type hostPanic struct{ err error }

func (p *hostPanic) Error() string { return p.err.Error() }

func goFunc(fn func(context.Context, []uint64) error) api.GoFunc {
	return api.GoFunc(func(ctx context.Context, stack []uint64) {
		if err := fn(ctx, stack); err != nil {
			panic(&hostPanic{err})
		}
	})
}

func valueTypes(ts []engine.ValType) []api.ValueType {
	out := make([]api.ValueType, len(ts))
	for i, t := range ts {
		out[i] = api.ValueType(t) // same binary encodings
	}
	return out
}

func valTypes(ts []api.ValueType) []engine.ValType {
	out := make([]engine.ValType, len(ts))
	for i, t := range ts {
		out[i] = engine.ValType(t)
	}
	return out
}

// Compile implements engine.Engine.
func (e *Engine) Compile(ctx context.Context, wasm []byte) (engine.Compiled, error) {
	cm, err := e.r.CompileModule(ctx, wasm)
	if err != nil {
		return nil, err
	}
	return &compiled{e: e, cm: cm}, nil
}

// Close implements engine.Engine.
func (e *Engine) Close(ctx context.Context) error {
	err := e.r.Close(ctx)
	if e.cache != nil {
		e.release.Do(func() { releaseCache(ctx, e.dir) })
	}
	return err
}

type compiled struct {
	e  *Engine
	cm wazero.CompiledModule
}

func (c *compiled) Imports() []engine.Import {
	var out []engine.Import
	for _, d := range c.cm.ImportedFunctions() {
		mod, name, _ := d.Import()
		out = append(out, engine.Import{Module: mod, Name: name, Type: funcType(d)})
	}
	return out
}

func funcType(d api.FunctionDefinition) engine.FuncType {
	return engine.FuncType{Params: valTypes(d.ParamTypes()), Results: valTypes(d.ResultTypes())}
}

func (c *compiled) Exports() engine.Exports {
	ex := engine.Exports{Funcs: map[string]engine.FuncType{}}
	for name, d := range c.cm.ExportedFunctions() {
		ex.Funcs[name] = funcType(d)
	}
	_, ex.Memory = c.cm.ExportedMemories()[abi.MemoryExport]
	return ex
}

// moduleConfig names instances anonymously (so one compiled module can be
// instantiated many times) and disables wazero's default `_start`: the
// runtime runs `_initialize` itself, with gas set.
var moduleConfig = wazero.NewModuleConfig().WithName("").WithStartFunctions()

func (c *compiled) Instantiate(ctx context.Context) (engine.Instance, error) {
	m, err := c.e.r.InstantiateModule(ctx, c.cm, moduleConfig)
	if err != nil {
		return nil, mapError(err)
	}
	return &instance{m: m, mem: m.ExportedMemory(abi.MemoryExport), funcs: map[string]api.Function{}}, nil
}

func (c *compiled) Close(ctx context.Context) error { return c.cm.Close(ctx) }

type instance struct {
	m     api.Module
	mem   api.Memory
	funcs map[string]api.Function
	stack [4]uint64 // reused by Call: our exports take at most 2 arguments
}

func (i *instance) Call(ctx context.Context, name string, args ...uint64) (uint64, error) {
	f := i.funcs[name]
	if f == nil {
		if f = i.m.ExportedFunction(name); f == nil {
			return 0, fmt.Errorf("wazero: no exported function %q", name)
		}
		i.funcs[name] = f
	}
	stack := i.stack[:]
	if len(args) > len(stack) {
		stack = make([]uint64, len(args))
	}
	copy(stack, args)
	if err := f.CallWithStack(ctx, stack); err != nil {
		return 0, mapError(err)
	}
	switch rt := f.Definition().ResultTypes(); {
	case len(rt) == 0:
		return 0, nil
	case rt[0] == api.ValueTypeI32 || rt[0] == api.ValueTypeF32:
		return uint64(uint32(stack[0])), nil // the high bits are undefined
	}
	return stack[0], nil
}

func (i *instance) Global(name string) engine.Global {
	g := i.m.ExportedGlobal(name)
	if g == nil {
		return nil
	}
	mg, mutable := g.(api.MutableGlobal)
	return &global{g: g, mg: mg, mutable: mutable, t: engine.ValType(g.Type())}
}

func (i *instance) Memory() []byte {
	if i.mem == nil {
		return nil
	}
	b, _ := i.mem.Read(0, i.mem.Size())
	return b
}

func (i *instance) Close(ctx context.Context) error { return i.m.Close(ctx) }

type global struct {
	g       api.Global
	mg      api.MutableGlobal
	mutable bool
	t       engine.ValType
}

func (g *global) Type() engine.ValType { return g.t }
func (g *global) Mutable() bool        { return g.mutable }

func (g *global) Get() uint64 {
	v := g.g.Get()
	if g.t == engine.I32 || g.t == engine.F32 {
		v = uint64(uint32(v))
	}
	return v
}

func (g *global) Set(v uint64) {
	if g.t == engine.I32 || g.t == engine.F32 {
		v = uint64(uint32(v))
	}
	g.mg.Set(v)
}

// wazeroTraps maps the text of wazero's internal runtime errors (which are
// not importable) to engine-independent codes.
var wazeroTraps = map[string]engine.TrapCode{
	"unreachable":                   engine.TrapUnreachable,
	"integer divide by zero":        engine.TrapDivideByZero,
	"integer overflow":              engine.TrapIntegerOverflow,
	"invalid conversion to integer": engine.TrapInvalidConversion,
	"out of bounds memory access":   engine.TrapOutOfBounds,
	"invalid table access":          engine.TrapTableAccess,
	"indirect call type mismatch":   engine.TrapIndirectCallType,
	"stack overflow":                engine.TrapStackOverflow,
}

// mapError turns an error from a wazero call into an *engine.Trap. wazero
// reports a trap as "wasm error: <text>\n<stack trace>", wrapping the
// runtime error with %w, and a host panic as "<value> (recovered by wazero)".
func mapError(err error) error {
	var hp *hostPanic
	if errors.As(err, &hp) {
		return &engine.Trap{Code: engine.TrapHost, Cause: hp.err}
	}
	if inner := errors.Unwrap(err); inner != nil {
		if code, ok := wazeroTraps[inner.Error()]; ok {
			return &engine.Trap{Code: code, Cause: err}
		}
	}
	return err
}

// Process-wide compilation caches, one per directory: wazero shares compiled
// code between runtimes that use the same cache object.
var caches = struct {
	sync.Mutex
	m map[string]*sharedCache
}{m: map[string]*sharedCache{}}

type sharedCache struct {
	c    wazero.CompilationCache
	refs int
}

func acquireCache(dir string) (wazero.CompilationCache, error) {
	caches.Lock()
	defer caches.Unlock()
	if s := caches.m[dir]; s != nil {
		s.refs++
		return s.c, nil
	}
	c, err := wazero.NewCompilationCacheWithDir(dir)
	if err != nil {
		return nil, fmt.Errorf("wazero: compilation cache in %s: %w", dir, err)
	}
	caches.m[dir] = &sharedCache{c: c, refs: 1}
	return c, nil
}

func releaseCache(ctx context.Context, dir string) {
	caches.Lock()
	defer caches.Unlock()
	s := caches.m[dir]
	if s == nil {
		return
	}
	if s.refs--; s.refs == 0 {
		s.c.Close(ctx)
		delete(caches.m, dir)
	}
}
