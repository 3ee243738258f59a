// Package modhost runs a subnet's active module for the node-side loops
// (neuron/miner and neuron/validator): it finds the module active on the
// subnet at the block being worked on, loads it through the plugins registry
// (the upload pipeline and the compiler), keeps a bounded pool of
// initialised instances of it and calls node-side entry points (challenge,
// solve, score) on those instances with a node-side host Env.
//
// Invariants:
//   - At most Config.Instances calls (default 1) are in flight at once, and
//     each runs on an instance of its own: a runtime.Instance is not safe
//     for concurrent use, so an instance never runs two calls at once. A
//     call takes an idle instance of the active version, or instantiates one
//     when there is none (every instance alive is idle or held by a call in
//     flight, so there are never more than Config.Instances); when every
//     slot is taken it waits, and gives up when its context ends. With
//     Instances = 1 calls are serialised on one reused instance.
//   - Every call runs on an instance of the module the Source says is active
//     at the call's block height. The pool holds instances of one version:
//     the one active at the newest block a call has resolved. When a call at
//     that block or a later one finds another ID active (a new version
//     reached its activation block) that version takes the pool over: the
//     idle instances of the old one are closed at once, and those still
//     running a call finish it and are closed when returned, never reused.
//     A call whose block lies below the newest one and whose module is not
//     the pool's (it read the head before the switch) runs on an instance
//     of its own, closed after the call (Stats.Stale), so the pool never
//     falls back to an old version. When no module is active at the newest
//     block the pool is emptied the same way.
//   - An instance whose call trapped, ran out of gas or stack, broke the ABI
//     or hit a host error is discarded (its memory may be inconsistent);
//     only that instance: the other calls and the idle instances are
//     untouched, and the next call that finds no idle instance starts a
//     fresh one. A guest error or "not implemented" leaves the instance in
//     the pool.
//   - Each new instance is initialised (the module's init entry point with
//     Options.InitConfig) before its first call, and its WASI clock and
//     random stream are seeded from the block of the call that created it.
//     Module randomness must come from its inputs, and a module must not
//     count on state kept in memory between calls: with more than one
//     instance, consecutive calls may run on different instances.
//   - A version is loaded (fetched, verified, compiled) once per switch, by
//     the first call that needs an instance of it; the calls that need one
//     at the same time wait for that load (each giving up when its own
//     context ends, and the next one retrying when it failed) and all
//     instances of the version share the compiled module.
//   - Ahead-of-activation compiles never change which module answers: when
//     the Source also implements Scheduled, each call at a new height starts
//     (in the background, one at a time) a look-up of the version scheduled
//     for a later block, and fetches, verifies (its bytes must hash to its
//     ID) and compiles it through the Registry. Only compiled code is
//     prepared ahead, never an instance, since an instance is seeded from
//     the block it starts at. The switch still happens exactly when the
//     Source reports the new ID active at the call's height; it then takes
//     the module compiled ahead (waiting for a compile still in flight
//     rather than starting a second one), so the first calls after the
//     activation pay only the instantiation. A failed look-ahead is logged
//     and retried at the next height; the switch then loads the module
//     itself, as without look-ahead.
//   - Stats' counters only grow; its gauges (Idle, Busy, Waiting) are a
//     snapshot.
package modhost

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/taorun/taorun/abi"
	"github.com/taorun/taorun/abi/wire"
	"github.com/taorun/taorun/host"
	"github.com/taorun/taorun/plugins/registry"
	"github.com/taorun/taorun/runtime"
)

// DefaultGas is the gas limit of one call (and of `_initialize`) when the
// Config leaves it zero.
const DefaultGas = 2_000_000_000

// ErrNoModule is returned when the subnet has no active module.
var ErrNoModule = errors.New("no active module on the subnet")

// ErrClosed is returned by a call made after Close.
var ErrClosed = errors.New("modhost: host closed")

// Source tells which module is active on a subnet and hands out its bytes,
// typically from chain state through the node's RPC. Implementations must be
// safe for concurrent use.
type Source interface {
	// ActiveModule returns the ID (SHA-256 of the original bytes) of the
	// module active on netuid at height, and false when there is none.
	ActiveModule(ctx context.Context, netuid uint16, height uint64) (id [32]byte, ok bool, err error)
	// ModuleCode returns the original (uploaded) bytes of module id.
	ModuleCode(ctx context.Context, id [32]byte) ([]byte, error)
}

// Scheduled is a Source that also knows the version scheduled to become
// active later (on chain: tao_moduleInfo's pending activation). A Host whose
// Source implements it compiles that version ahead of its activation block
// (see the package invariants); with a plain Source the first call at the
// activation block compiles it.
type Scheduled interface {
	Source
	// PendingModule returns the module scheduled to become active on netuid
	// at a block after height, and that block; ok is false when none is.
	PendingModule(ctx context.Context, netuid uint16, height uint64) (id [32]byte, at uint64, ok bool, err error)
}

// Options are the module settings of a neuron loop, the part of
// miner.Config and validator.Config (their Module field) that says which
// module runs and with what.
type Options struct {
	// Source resolves the active module (and, when it implements
	// Scheduled, the next one). Required.
	Source Source
	// Registry loads and compiles modules. Required.
	Registry *registry.Registry
	// Runners are the node's runners for runner_* host calls (nil: none).
	// With more than one instance they must be safe for concurrent use
	// (host/runner's Scheduler.HostRunners() is).
	Runners host.Runners
	// InitConfig is passed to the module's init entry point after each
	// instantiation (a module without init is fine).
	InitConfig []byte
	// Gas is the gas limit of each call and of `_initialize`; 0 means DefaultGas.
	Gas uint64
}

// Config configures a Host.
type Config struct {
	// Netuid is the subnet whose module runs.
	Netuid uint16
	// Module is the module source, registry, runners, init input and gas.
	Module Options
	// Instances is the most instances of the active module kept, and so
	// the most calls run at once (see the package invariants); 0 means 1,
	// serialised calls. Negative is an error.
	Instances int
	// Clock is time_now's clock; nil means time.Now.
	Clock func() time.Time
	// Logger receives module switches and the modules' own log lines; nil
	// means slog.Default().
	Logger *slog.Logger
}

// Host keeps a pool of initialised instances of the active module.
type Host struct {
	cfg Config
	// slots is a semaphore of Config.Instances slots: a call holds one
	// from before it picks an instance until it has given it back, so the
	// instances alive (idle, or held by a call) never outnumber the slots.
	slots chan struct{}

	mu     sync.Mutex
	pool   *version // the version the pool keeps; nil before the first call or while none is active
	newest uint64   // the newest block a call resolved the active module at
	closed bool
	wait   int   // calls waiting for a slot now
	counts Stats // the pool's counters (Instances ... Waits)

	ahead lookahead
}

// version is one module version's instances: the pool's, or a stale
// call's one-off (pooled false). id and pooled are fixed at creation.
type version struct {
	id     [32]byte
	pooled bool
	idle   []*runtime.Instance // guarded by Host.mu; only the pool's version has idle instances
	// loading is a one-slot lock held while loading the module, so a
	// version is loaded once; loaded is guarded by it.
	loading chan struct{}
	loaded  *registry.Loaded
}

// lease is an instance held by a call, and the version it belongs to.
type lease struct {
	v    *version
	inst *runtime.Instance
}

// Stats count how a Host loaded its modules and used its instances (for
// tests, logs and metrics).
type Stats struct {
	// Loads are the modules loaded on the call path: the first one, and any
	// version that was not compiled ahead of its activation (plus one per
	// stale call's version).
	Loads uint64
	// AheadLoads are the scheduled versions fetched, verified and compiled
	// ahead of their activation block.
	AheadLoads uint64
	// AheadUsed are the switches that took a version compiled ahead.
	AheadUsed uint64
	// Instances are the instances created: instantiated and initialised.
	Instances uint64
	// Discarded are the instances closed after a failed call (trap, out of
	// gas or stack, ABI or host error).
	Discarded uint64
	// Retired are the instances closed for any other reason: their
	// version was replaced, none is active, it was a stale call's one-off,
	// or the Host closed.
	Retired uint64
	// Stale are the calls that ran on a one-off instance because their
	// block lay below the newest one and their module was not the pool's.
	Stale uint64
	// Waits are the calls that found every slot taken and waited.
	Waits uint64
	// Idle is the number of idle instances in the pool now.
	Idle int
	// Busy is the number of calls in flight now, each on an instance of
	// its own or creating one (at most Config.Instances).
	Busy int
	// Waiting is the number of calls waiting for a slot now.
	Waiting int
}

// New validates cfg and returns a Host; nothing is loaded until the first call.
func New(cfg Config) (*Host, error) {
	if cfg.Module.Registry == nil {
		return nil, errors.New("modhost: Module.Registry is required")
	}
	if cfg.Module.Source == nil {
		return nil, errors.New("modhost: Module.Source is required")
	}
	if cfg.Instances < 0 {
		return nil, fmt.Errorf("modhost: Instances is %d, want at least 1 (0: 1)", cfg.Instances)
	}
	if cfg.Instances == 0 {
		cfg.Instances = 1
	}
	if cfg.Module.Gas == 0 {
		cfg.Module.Gas = DefaultGas
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	h := &Host{cfg: cfg, slots: make(chan struct{}, cfg.Instances)}
	h.ahead.init(cfg.Module.Source)
	return h, nil
}

// Instances returns the most instances the Host keeps (Config.Instances).
func (h *Host) Instances() int { return cap(h.slots) }

// Stats returns the Host's load and instance counts.
func (h *Host) Stats() Stats {
	h.ahead.mu.Lock()
	s := h.ahead.stats
	h.ahead.mu.Unlock()
	h.mu.Lock()
	defer h.mu.Unlock()
	c := h.counts
	s.Instances, s.Discarded, s.Retired, s.Stale, s.Waits = c.Instances, c.Discarded, c.Retired, c.Stale, c.Waits
	if h.pool != nil {
		s.Idle = len(h.pool.idle)
	}
	s.Busy, s.Waiting = len(h.slots), h.wait
	return s
}

// Result is the outcome of one entry-point call.
type Result struct {
	// ModuleID is the module that ran.
	ModuleID [32]byte
	// Output is the entry point's output (nil when Err is set).
	Output []byte
	// GasUsed is the gas the call used.
	GasUsed uint64
	// Err is the module's failure: a *runtime.Error wrapping one of the
	// runtime.Err* kinds (trap, out of gas, guest error, ...).
	Err error
	// Log is what the module logged during the call.
	Log []byte
}

// Call runs entry with input on the module active at block.Height, on an
// instance of its own (see the package invariants). The returned error is a
// node fault (no module, the source or the loader failed, the Host is
// closed, the context ended while waiting); the module's own failure is in
// Result.Err.
func (h *Host) Call(ctx context.Context, block wire.BlockInfo, entry string, input []byte) (Result, error) {
	if err := h.acquire(ctx); err != nil {
		return Result{}, err
	}
	defer func() { <-h.slots }()

	l, err := h.lease(ctx, block)
	if err != nil {
		return Result{}, err
	}
	h.lookAhead(block.Height)
	env := &host.Env{Side: abi.NodeSide, Block: block, Runners: h.cfg.Module.Runners, Clock: h.cfg.Clock}
	res := l.inst.Call(host.WithEnv(ctx, env), entry, input, h.cfg.Module.Gas)
	out := Result{ModuleID: l.v.id, Output: res.Output, GasUsed: res.GasUsed, Err: res.Err, Log: res.Log}
	if len(res.Log) > 0 {
		h.cfg.Logger.Debug("module log", "entry", entry, "log", string(res.Log))
	}
	discard := res.Err != nil && !errors.Is(res.Err, runtime.ErrGuest) && !errors.Is(res.Err, runtime.ErrNotImplemented)
	if discard {
		h.cfg.Logger.Warn("discarding the module instance after a failed call", "entry", entry, "module", fmt.Sprintf("%x", l.v.id[:8]), "err", res.Err)
	}
	h.giveBack(ctx, l, discard)
	return out, nil
}

// acquire takes a call slot, waiting (counted in Stats) while every slot
// is taken; on nil the caller must receive from h.slots when done.
func (h *Host) acquire(ctx context.Context) error {
	select {
	case h.slots <- struct{}{}:
		return nil
	default:
	}
	h.mu.Lock()
	h.counts.Waits++
	h.wait++
	h.mu.Unlock()
	defer func() {
		h.mu.Lock()
		h.wait--
		h.mu.Unlock()
	}()
	select {
	case h.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("modhost: waiting for a module instance (all %d busy): %w", cap(h.slots), ctx.Err())
	}
}

// lease returns an initialised instance of the module active at
// block.Height for a call holding a slot: an idle one from the pool, or a
// new one.
func (h *Host) lease(ctx context.Context, block wire.BlockInfo) (lease, error) {
	id, ok, err := h.cfg.Module.Source.ActiveModule(ctx, h.cfg.Netuid, block.Height)
	if err != nil {
		return lease{}, fmt.Errorf("modhost: active module of subnet %d at %d: %w", h.cfg.Netuid, block.Height, err)
	}
	if !ok {
		h.retire(ctx, block.Height)
		return lease{}, fmt.Errorf("modhost: subnet %d at block %d: %w", h.cfg.Netuid, block.Height, ErrNoModule)
	}
	v, inst, retired, err := h.pick(block.Height, id)
	closeAll(ctx, retired)
	if err != nil {
		return lease{}, err
	}
	if inst != nil {
		return lease{v, inst}, nil
	}
	if inst, err = h.instantiate(ctx, v, block); err != nil {
		return lease{}, err
	}
	return lease{v, inst}, nil
}

// pick chooses the version a call at height on module id runs on (see the
// package invariants) and takes an idle instance of it, if the pool has
// one. It returns the instances a switch retired, for the caller to close
// outside the lock.
func (h *Host) pick(height uint64, id [32]byte) (v *version, idle *runtime.Instance, retired []*runtime.Instance, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	switch {
	case h.closed:
		return nil, nil, nil, ErrClosed
	case h.pool != nil && h.pool.id == id:
		h.newest = max(h.newest, height)
	case height >= h.newest:
		// The first version, or a new one reached its activation block.
		if h.pool != nil {
			retired = h.pool.idle
			h.pool.idle = nil
			h.counts.Retired += uint64(len(retired))
			h.cfg.Logger.Info("module version switch", "netuid", h.cfg.Netuid, "from", fmt.Sprintf("%x", h.pool.id[:8]),
				"to", fmt.Sprintf("%x", id[:8]), "block", height, "idle_closed", len(retired))
		}
		h.pool, h.newest = newVersion(id, true), height
	default:
		// A call that read an older head: its module, on an instance of
		// its own, leaving the pool to the newer version.
		h.counts.Stale++
		return newVersion(id, false), nil, nil, nil
	}
	v = h.pool
	if n := len(v.idle); n > 0 {
		idle = v.idle[n-1] // the most recently used: its memory is warm
		v.idle[n-1] = nil
		v.idle = v.idle[:n-1]
	}
	return v, idle, retired, nil
}

func newVersion(id [32]byte, pooled bool) *version {
	return &version{id: id, pooled: pooled, loading: make(chan struct{}, 1)}
}

// retire empties the pool when no module is active at height and height is
// not below the newest block a call resolved.
func (h *Host) retire(ctx context.Context, height uint64) {
	h.mu.Lock()
	var retired []*runtime.Instance
	if height >= h.newest {
		if h.pool != nil {
			retired = h.pool.idle
			h.pool.idle = nil
			h.counts.Retired += uint64(len(retired))
		}
		h.pool, h.newest = nil, height
	}
	h.mu.Unlock()
	closeAll(ctx, retired)
}

// giveBack returns a call's instance to the pool, or closes it when its
// call failed, its version is no longer the pool's, or the Host closed.
func (h *Host) giveBack(ctx context.Context, l lease, discard bool) {
	h.mu.Lock()
	keep := !discard && !h.closed && l.v == h.pool
	switch {
	case keep:
		l.v.idle = append(l.v.idle, l.inst)
	case discard:
		h.counts.Discarded++
	default:
		h.counts.Retired++
	}
	h.mu.Unlock()
	if !keep {
		_ = l.inst.Close(context.WithoutCancel(ctx))
	}
}

// closeAll closes instances taken out of the pool. The closes must happen
// even when the call that retired them has been cancelled.
func closeAll(ctx context.Context, insts []*runtime.Instance) {
	for _, inst := range insts {
		_ = inst.Close(context.WithoutCancel(ctx))
	}
}

// instantiate creates and initialises a new instance of v, seeded from
// block, loading v's module first if no call has yet.
func (h *Host) instantiate(ctx context.Context, v *version, block wire.BlockInfo) (*runtime.Instance, error) {
	loaded, err := h.module(ctx, v)
	if err != nil {
		return nil, err
	}
	id := v.id
	inst, err := loaded.Module.Instantiate(ctx, runtime.InstanceConfig{
		InitGas: h.cfg.Module.Gas, Time: int64(block.TimeMillis) * int64(time.Millisecond), Seed: block.Hash,
	})
	if err != nil {
		return nil, fmt.Errorf("modhost: instantiating module %x: %w", id[:8], err)
	}
	var initGas uint64
	if slices.Contains(loaded.Module.EntryPoints(), abi.EntryInit) {
		env := &host.Env{Side: abi.NodeSide, Block: block, Runners: h.cfg.Module.Runners, Clock: h.cfg.Clock}
		res := inst.Call(host.WithEnv(ctx, env), abi.EntryInit, h.cfg.Module.InitConfig, h.cfg.Module.Gas)
		if res.Err != nil && !errors.Is(res.Err, runtime.ErrNotImplemented) {
			_ = inst.Close(context.WithoutCancel(ctx))
			return nil, fmt.Errorf("modhost: init of module %x: %w (log %q)", id[:8], res.Err, res.Log)
		}
		initGas = res.GasUsed
	} else if len(h.cfg.Module.InitConfig) > 0 {
		_ = inst.Close(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("modhost: module %x has no init entry point but an init config was given", id[:8])
	}
	h.mu.Lock()
	h.counts.Instances++
	n := h.counts.Instances
	h.mu.Unlock()
	h.cfg.Logger.Info("module instance ready", "netuid", h.cfg.Netuid, "module", fmt.Sprintf("%x", id[:8]), "block", block.Height,
		"gas", inst.InitGasUsed()+initGas, "pooled", v.pooled, "instances_created", n)
	return inst, nil
}

// module returns v's compiled module, loading it when no call has yet:
// the pool's version through the look-ahead (taking the module compiled
// ahead of its activation, if any) or else the Registry; a stale call's
// version through the Registry, whose cache makes that cheap.
func (h *Host) module(ctx context.Context, v *version) (*registry.Loaded, error) {
	select {
	case v.loading <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("modhost: waiting for module %x to load: %w", v.id[:8], ctx.Err())
	}
	defer func() { <-v.loading }()
	if v.loaded != nil {
		return v.loaded, nil
	}
	var loaded *registry.Loaded
	if v.pooled {
		var err error
		if loaded, err = h.ahead.take(ctx, v.id); err != nil {
			return nil, fmt.Errorf("modhost: waiting for module %x compiled ahead: %w", v.id[:8], err)
		}
	}
	if loaded == nil {
		h.ahead.countLoad()
		var err error
		if loaded, err = h.load(ctx, v.id); err != nil {
			return nil, err
		}
	}
	v.loaded = loaded
	return loaded, nil
}

// load fetches module id from the Source and loads it through the
// Registry (from its cache when the Registry has it).
func (h *Host) load(ctx context.Context, id [32]byte) (*registry.Loaded, error) {
	loaded, err := h.cfg.Module.Registry.LoadID(ctx, id, func() ([]byte, error) { return h.cfg.Module.Source.ModuleCode(ctx, id) })
	if err != nil {
		return nil, fmt.Errorf("modhost: loading module %x: %w", id[:8], err)
	}
	return loaded, nil
}

// Close stops the look-ahead (waiting for a compile in flight), closes the
// idle instances and waits, until ctx ends, for the calls in flight, whose
// instances are closed as they finish. Later calls fail with ErrClosed.
func (h *Host) Close(ctx context.Context) error {
	h.ahead.close()
	h.mu.Lock()
	h.closed = true
	var idle []*runtime.Instance
	if h.pool != nil {
		idle = h.pool.idle
		h.pool.idle = nil
		h.counts.Retired += uint64(len(idle))
	}
	h.mu.Unlock()
	closeAll(ctx, idle)
	// Taking every slot waits for the calls in flight; the slots go back
	// at once, so a late call gets ErrClosed rather than blocking.
	n := 0
	defer func() {
		for range n {
			<-h.slots
		}
	}()
	for range cap(h.slots) {
		select {
		case h.slots <- struct{}{}:
			n++
		case <-ctx.Done():
			return fmt.Errorf("modhost: close: waiting for calls in flight: %w", ctx.Err())
		}
	}
	return nil
}

// Head is the chain head a loop works on.
type Head struct {
	// Height is the block height.
	Height uint64
	// Hash is the block hash.
	Hash [32]byte
	// TimeMillis is the block timestamp, Unix milliseconds.
	TimeMillis uint64
}

// BlockInfo is what block_info shows a module for h on netuid.
func (h Head) BlockInfo(netuid uint16) wire.BlockInfo {
	return wire.BlockInfo{Netuid: netuid, Height: h.Height, TimeMillis: h.TimeMillis, Hash: h.Hash}
}
