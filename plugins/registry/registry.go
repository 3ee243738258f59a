// Package registry is the node-local side of subnet modules: it turns a
// module's original bytes, as stored on chain, into a compiled module ready to
// run, and runs the three chain-side hooks (validate_weights, on_epoch,
// on_register) with the consensus rules of docs/abi.md §3–4.
//
// # Loading (node-local, never consensus)
//
// Load runs plugins.Prepare (the upload pipeline, a pure function of the bytes
// and the Limits) and runtime.Compile of the instrumented bytes. Prepared
// modules are cached in memory by (module ID, Limits.Hash()), least recently
// used first out, bounded by Config.PreparedBytes; compiled code is cached by
// the runtime (in-memory LRU plus a pinned set, and a disk cache under
// Config.CacheDir). Pin keeps a module (prepared and compiled) in memory
// whatever the cache pressure; the chain pins the active modules. None of
// this changes gas or results: a module loaded cold, from disk or from memory
// runs identically.
//
// # Running hooks (consensus-critical)
//
// RunValidateWeights, RunOnEpoch and RunOnRegister are deterministic: for the
// same module, input, HookEnv contents and gas limit they return the same
// result, gas and reason text on every node and every engine. Each call runs
// on a fresh instance (no state survives between calls), with a host Env of
// side abi.ChainSide, the block's BlockInfo, the subnet's module storage and
// the metagraph provider; the WASI clock reads the block time and the WASI
// random stream is seeded with the block hash.
//
// Invariants:
//
//   - Storage writes are buffered during the call and applied to
//     HookEnv.Storage, in ascending key order, only when the hook's result is
//     used (Status OK). A failed hook, a default (not implemented) result and
//     an on_epoch result that breaks conservation leave the storage exactly
//     as it was.
//   - Every outcome is classified by a table (failureKinds): not implemented
//     gives the default of docs/abi.md §3 (accept, keep Yuma's split, allow);
//     out of gas, stack overflow, trap, guest error, ABI violation, host
//     error and an output the strict wire decoder rejects all fail the hook
//     with a deterministic reason.
//   - on_epoch's resplit is used only if it has one amount per input neuron
//     and its sum equals the sum of the input ServerEmission (no overflow);
//     otherwise the result says Fallback with the reason, and Yuma's split
//     stands.
//   - A node fault (the storage or metagraph provider returned an error, or
//     the module could not be instantiated for a reason other than its own
//     code) is returned as the error result, never as the module's outcome:
//     the chain must stop rather than record it.
package registry

import (
	"container/list"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"

	"github.com/taorun/taorun/host"
	"github.com/taorun/taorun/plugins"
	"github.com/taorun/taorun/runtime"
)

// DefaultPreparedBytes bounds the original plus instrumented bytes of the
// prepared modules kept in memory (pinned modules excluded).
const DefaultPreparedBytes = 64 << 20

// Config configures a Registry.
type Config struct {
	// Runtime runs the modules; it must offer host.Functions() as its host
	// functions. When nil, New creates one from Engine and CacheDir and
	// Close releases it.
	Runtime *runtime.Runtime
	// Engine is the engine of the runtime New creates ("" means the
	// runtime's default, runtime.EngineWazero).
	Engine string
	// CacheDir is the node-local directory for compiled code of the runtime
	// New creates (typically <data dir>/wasm-cache); empty disables the disk
	// cache.
	CacheDir string
	// Limits are the upload policy's limits; the zero value means
	// plugins.DefaultLimits(). They are consensus parameters: every node must
	// use the same.
	Limits plugins.Limits
	// PreparedBytes bounds the prepared-module cache; 0 means
	// DefaultPreparedBytes.
	PreparedBytes int64
}

// ModuleID is a module's identity: the SHA-256 of its original bytes.
type ModuleID = [32]byte

// Loaded is a module ready to run.
type Loaded struct {
	// ID is the SHA-256 of the original bytes.
	ID ModuleID
	// Prepared is the upload pipeline's result (instrumented bytes, report).
	Prepared *plugins.Module
	// Module is the compiled instrumented module.
	Module *runtime.Module
}

// Registry loads modules and runs their chain-side hooks. It is safe for
// concurrent use.
type Registry struct {
	rt       *runtime.Runtime
	ownsRT   bool
	limits   plugins.Limits
	limHash  [32]byte
	maxBytes int64

	mu       sync.Mutex
	lru      *list.List // of *entry, most recently used at the front
	entries  map[cacheKey]*list.Element
	bytes    int64 // size of unpinned entries
	pinned   map[ModuleID]bool
	active   map[uint16]ModuleID           // PinActive's slot → module
	compiled map[ModuleID]runtime.ModuleID // module ID → instrumented ID, once known
}

// cacheKey identifies a prepared module: the same bytes prepared under other
// limits give other instrumented bytes.
type cacheKey struct {
	id     ModuleID
	limits [32]byte
}

type entry struct {
	key    cacheKey
	mod    *plugins.Module
	loaded *Loaded // set once compiled
}

func (e *entry) size() int64 { return int64(len(e.mod.Original) + len(e.mod.Instrumented)) }

// New creates a Registry.
func New(cfg Config) (*Registry, error) {
	lim := cfg.Limits
	if lim.MaxModuleBytes == 0 {
		lim = plugins.DefaultLimits()
	}
	r := &Registry{
		rt: cfg.Runtime, limits: lim, limHash: lim.Hash(), maxBytes: cfg.PreparedBytes,
		lru: list.New(), entries: map[cacheKey]*list.Element{},
		pinned: map[ModuleID]bool{}, active: map[uint16]ModuleID{}, compiled: map[ModuleID]runtime.ModuleID{},
	}
	if r.maxBytes <= 0 {
		r.maxBytes = DefaultPreparedBytes
	}
	if r.rt == nil {
		rt, err := runtime.New(runtime.Config{Engine: cfg.Engine, CacheDir: cfg.CacheDir, Host: host.Functions()})
		if err != nil {
			return nil, fmt.Errorf("registry: %w", err)
		}
		r.rt, r.ownsRT = rt, true
	}
	return r, nil
}

// Close releases the runtime if New created it.
func (r *Registry) Close(ctx context.Context) error {
	if r.ownsRT {
		return r.rt.Close(ctx)
	}
	return nil
}

// Runtime returns the runtime the registry compiles with.
func (r *Registry) Runtime() *runtime.Runtime { return r.rt }

// Limits returns the upload limits the registry prepares modules with.
func (r *Registry) Limits() plugins.Limits { return r.limits }

// Load prepares (or finds prepared) and compiles original. A module that the
// policy rejects yields the *plugins.PolicyError; since the chain stores only
// modules that passed, that means the limits changed or the bytes are not a
// stored module.
func (r *Registry) Load(ctx context.Context, original []byte) (*Loaded, error) {
	key := cacheKey{id: sha256.Sum256(original), limits: r.limHash}
	mod, err := r.prepared(key, original)
	if err != nil {
		return nil, err
	}
	cm, err := r.rt.Compile(ctx, mod.Instrumented)
	if err != nil {
		return nil, fmt.Errorf("registry: compile module %x: %w", key.id, err)
	}
	l := &Loaded{ID: key.id, Prepared: mod, Module: cm}
	r.mu.Lock()
	r.compiled[key.id] = cm.ID()
	if r.pinned[key.id] {
		r.rt.Pin(cm.ID())
	}
	if el, ok := r.entries[key]; ok {
		el.Value.(*entry).loaded = l
	}
	r.mu.Unlock()
	return l, nil
}

// LoadID returns module id, from memory when it was loaded before and is
// still cached (or pinned), otherwise by fetching its original bytes with code
// (typically from chain state) and loading them. The fetched bytes must hash
// to id. This is the hot path of hook calls: a cached module costs a map
// lookup, not a hash of its bytes.
func (r *Registry) LoadID(ctx context.Context, id ModuleID, code func() ([]byte, error)) (*Loaded, error) {
	r.mu.Lock()
	if el, ok := r.entries[cacheKey{id: id, limits: r.limHash}]; ok && el.Value.(*entry).loaded != nil {
		r.lru.MoveToFront(el)
		l := el.Value.(*entry).loaded
		r.mu.Unlock()
		return l, nil
	}
	r.mu.Unlock()
	b, err := code()
	if err != nil {
		return nil, err
	}
	if got := sha256.Sum256(b); got != id {
		return nil, fmt.Errorf("registry: module bytes hash to %x, want %x", got, id)
	}
	return r.Load(ctx, b)
}

// prepared returns the cached prepared module for key or prepares original.
func (r *Registry) prepared(key cacheKey, original []byte) (*plugins.Module, error) {
	r.mu.Lock()
	if el, ok := r.entries[key]; ok {
		r.lru.MoveToFront(el)
		mod := el.Value.(*entry).mod
		r.mu.Unlock()
		return mod, nil
	}
	r.mu.Unlock()
	// Prepare outside the lock: it is pure, so a concurrent duplicate only
	// wastes work.
	mod, err := plugins.Prepare(original, r.limits)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if el, ok := r.entries[key]; ok {
		return el.Value.(*entry).mod, nil
	}
	e := &entry{key: key, mod: mod}
	r.entries[key] = r.lru.PushFront(e)
	if !r.pinned[key.id] {
		r.bytes += e.size()
	}
	r.evict()
	return mod, nil
}

// evict drops least recently used unpinned entries until the cache fits.
// r.mu must be held.
func (r *Registry) evict() {
	for el := r.lru.Back(); el != nil && r.bytes > r.maxBytes; {
		prev := el.Prev()
		e := el.Value.(*entry)
		if !r.pinned[e.key.id] {
			r.lru.Remove(el)
			delete(r.entries, e.key)
			r.bytes -= e.size()
		}
		el = prev
	}
}

// Pin keeps the module with this ID (its prepared form and its compiled
// code) in memory from now on, whether or not it was loaded yet. Pinning is
// node-local and never changes results or gas.
func (r *Registry) Pin(id ModuleID) { r.setPinned(id, true) }

// Unpin returns the module with this ID to the caches' LRU.
func (r *Registry) Unpin(id ModuleID) { r.setPinned(id, false) }

// PinActive records that slot (a subnet) now runs module id and keeps id
// pinned; the module the slot ran before is unpinned unless another slot
// still runs it. The chain calls it whenever a hook loads a subnet's active
// module, so the pinned set follows activations without any bookkeeping on
// chain. Like Pin, it is node-local and never changes results or gas.
func (r *Registry) PinActive(slot uint16, id ModuleID) {
	r.mu.Lock()
	defer r.mu.Unlock()
	old, had := r.active[slot]
	if had && old == id {
		return
	}
	r.active[slot] = id
	r.setPinnedLocked(id, true)
	if !had {
		return
	}
	for _, other := range r.active {
		if other == old {
			return // another subnet still runs it
		}
	}
	r.setPinnedLocked(old, false)
}

func (r *Registry) setPinned(id ModuleID, pin bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.setPinnedLocked(id, pin)
}

// setPinnedLocked is setPinned with r.mu held.
func (r *Registry) setPinnedLocked(id ModuleID, pin bool) {
	if r.pinned[id] == pin {
		return
	}
	if pin {
		r.pinned[id] = true
	} else {
		delete(r.pinned, id)
	}
	if el, ok := r.entries[cacheKey{id: id, limits: r.limHash}]; ok {
		if sz := el.Value.(*entry).size(); pin {
			r.bytes -= sz
		} else {
			r.bytes += sz
		}
	}
	if cid, ok := r.compiled[id]; ok {
		if pin {
			r.rt.Pin(cid)
		} else {
			r.rt.Unpin(cid)
		}
	}
	r.evict()
}

// cachedPrepared reports whether a prepared module with this ID is in memory
// (for tests and metrics).
func (r *Registry) cachedPrepared(id ModuleID) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.entries[cacheKey{id: id, limits: r.limHash}]
	return ok
}

// errNodeFault marks errors that are the node's, not the module's.
var errNodeFault = errors.New("node fault")
