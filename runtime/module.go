package runtime

import (
	"container/list"
	"context"
	"fmt"
	"slices"

	"github.com/taorun/taorun/abi"
	"github.com/taorun/taorun/runtime/internal/engine"
)

// The ABI v1 signatures the runtime checks.
var (
	sigAlloc   = engine.FuncType{Params: []engine.ValType{engine.I32}, Results: []engine.ValType{engine.I32}}
	sigDealloc = engine.FuncType{Params: []engine.ValType{engine.I32, engine.I32}}
	sigEntry   = engine.FuncType{Params: []engine.ValType{engine.I32, engine.I32}, Results: []engine.ValType{engine.I64}}
	sigVoid    = engine.FuncType{}
)

// Module is a compiled module. It is safe for concurrent use and stays
// usable after the cache evicts it: it keeps its bytes and is recompiled on
// demand, cheaply when Config.CacheDir holds its code.
type Module struct {
	id      ModuleID
	rt      *Runtime
	wasm    []byte
	size    int64
	exports engine.Exports

	// Guarded by rt.cache.mu.
	compiled  engine.Compiled // nil once evicted and unused
	instances int             // live instances using compiled
	evicted   bool
	elem      *list.Element // position in the LRU; nil when pinned or evicted
}

// ID returns the module's ID, the SHA-256 of its bytes.
func (m *Module) ID() ModuleID { return m.id }

// EntryPoints lists the exports with the entry-point signature
// (i32, i32) -> i64, sorted.
func (m *Module) EntryPoints() []string {
	var out []string
	for name, t := range m.exports.Funcs {
		if t.Equal(sigEntry) {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// Compile validates and compiles wasm, or returns the cached module with the
// same ID. It checks the ABI v1 exports (memory, the marker, alloc, dealloc,
// and _initialize's signature if present) and that every import is a host
// function with the same signature. Concurrent compiles of the same bytes
// share one compilation.
func (r *Runtime) Compile(ctx context.Context, wasm []byte) (*Module, error) {
	id := IDOf(wasm)
	e, owner := r.cache.lookup(id)
	if !owner {
		<-e.ready
		return e.m, e.err
	}
	m, err := r.compile(ctx, id, wasm)
	r.cache.finish(ctx, id, e, m, err)
	return m, err
}

func (r *Runtime) compile(ctx context.Context, id ModuleID, wasm []byte) (*Module, error) {
	cm, err := r.eng.Compile(ctx, wasm)
	if err != nil {
		return nil, fmt.Errorf("compile module %s: %w", id, err)
	}
	m := &Module{
		id:       id,
		rt:       r,
		wasm:     append([]byte(nil), wasm...),
		size:     int64(len(wasm)) * (1 + compiledSizeFactor),
		exports:  cm.Exports(),
		compiled: cm,
	}
	if err := r.checkModule(cm.Imports(), m.exports); err != nil {
		cm.Close(ctx)
		return nil, fmt.Errorf("module %s: %w", id, err)
	}
	return m, nil
}

// checkModule enforces the parts of ABI v1 visible before instantiation.
func (r *Runtime) checkModule(imports []engine.Import, ex engine.Exports) error {
	for _, im := range imports {
		want, ok := r.hosts[im.Module+"\x00"+im.Name]
		if !ok {
			return fmt.Errorf("imports %s.%s, which the host does not provide", im.Module, im.Name)
		}
		if !want.Equal(im.Type) {
			return fmt.Errorf("imports %s.%s as %s, but the host defines it as %s", im.Module, im.Name, im.Type, want)
		}
	}
	if !ex.Memory {
		return fmt.Errorf("does not export its memory as %q", abi.MemoryExport)
	}
	for _, f := range []struct {
		name     string
		sig      engine.FuncType
		optional bool
	}{
		{abi.AllocExport, sigAlloc, false},
		{abi.DeallocExport, sigDealloc, false},
		{abi.InitializeExport, sigVoid, true},
	} {
		t, ok := ex.Funcs[f.name]
		if !ok && !f.optional {
			return fmt.Errorf("does not export %q", f.name)
		}
		if ok && !t.Equal(f.sig) {
			return fmt.Errorf("exports %q as %s, want %s", f.name, t, f.sig)
		}
	}
	// The marker may be a function or a global; a global is checked at
	// instantiation, where globals become visible.
	if t, ok := ex.Funcs[abi.ABIMarker]; ok && !t.Equal(sigVoid) {
		return fmt.Errorf("exports the ABI marker %q as %s, want %s", abi.ABIMarker, t, sigVoid)
	}
	return nil
}

// Pin keeps the module with this ID in memory whatever the cache size, from
// now on (it may be compiled later). Pinning is node-local and never changes
// gas.
func (r *Runtime) Pin(id ModuleID) { r.cache.pin(id) }

// Unpin returns the module with this ID to the LRU.
func (r *Runtime) Unpin(id ModuleID) { r.cache.unpin(context.Background(), id) }

// acquire returns compiled code for an instance of m and the module that
// owns it (m itself, or m recompiled after eviction).
func (m *Module) acquire(ctx context.Context) (*Module, engine.Compiled, error) {
	if cm := m.rt.cache.acquire(m); cm != nil {
		return m, cm, nil
	}
	live, err := m.rt.Compile(ctx, m.wasm)
	if err != nil {
		return nil, nil, err
	}
	if cm := m.rt.cache.acquire(live); cm != nil {
		return live, cm, nil
	}
	return nil, nil, fmt.Errorf("module %s was evicted while being instantiated; the cache is too small", m.id)
}
