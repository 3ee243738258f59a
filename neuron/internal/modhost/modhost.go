// Package modhost runs a subnet's active module for the node-side loops
// (neuron/miner and neuron/validator): it finds the module active on the
// subnet at the block being worked on, loads it through the plugins registry
// (the upload pipeline and the compiler), keeps one initialised instance of
// it and calls node-side entry points (challenge, solve, score) on that
// instance with a node-side host Env.
//
// Invariants:
//   - Calls are serialised: one instance, one call at a time (a
//     runtime.Instance is not safe for concurrent use). A caller waiting for
//     the instance gives up when its context ends.
//   - Every call runs on an instance of the module the Source says is active
//     at the call's block height; when the active ID changes (a new version
//     reached its activation block) the old instance is closed and a new
//     one is instantiated and initialised before the call.
//   - An instance whose call trapped, ran out of gas or stack, broke the ABI
//     or hit a host error is discarded (its memory may be inconsistent); the
//     next call starts a fresh one. A guest error or "not implemented"
//     leaves the instance in use.
//   - The instance's WASI clock and random stream are seeded from the block
//     at instantiation; module randomness must come from its inputs.
//   - Ahead-of-activation compiles never change which module answers: when
//     the Source also implements Scheduled, each call at a new height starts
//     (in the background, one at a time) a look-up of the version scheduled
//     for a later block, and fetches, verifies (its bytes must hash to its
//     ID) and compiles it through the Registry. Only compiled code is
//     prepared ahead, never an instance, since an instance is seeded from
//     the block it starts at. The switch still happens exactly when the
//     Source reports the new ID active at the call's height; it then takes
//     the module compiled ahead (waiting for a compile still in flight
//     rather than starting a second one), so the first call after the
//     activation pays only the instantiation. A failed look-ahead is logged
//     and retried at the next height; the switch then loads the module
//     itself, as without look-ahead.
package modhost

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
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
	// Clock is time_now's clock; nil means time.Now.
	Clock func() time.Time
	// Logger receives module switches and the modules' own log lines; nil
	// means slog.Default().
	Logger *slog.Logger
}

// Host keeps one initialised instance of the active module.
type Host struct {
	cfg  Config
	lock chan struct{} // a one-slot semaphore guarding id and inst

	id   [32]byte
	inst *runtime.Instance

	ahead lookahead
}

// New validates cfg and returns a Host; nothing is loaded until the first call.
func New(cfg Config) (*Host, error) {
	if cfg.Module.Registry == nil {
		return nil, errors.New("modhost: Module.Registry is required")
	}
	if cfg.Module.Source == nil {
		return nil, errors.New("modhost: Module.Source is required")
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
	h := &Host{cfg: cfg, lock: make(chan struct{}, 1)}
	h.ahead.init(cfg.Module.Source)
	return h, nil
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

// Call runs entry with input on the module active at block.Height. The
// returned error is a node fault (no module, the source or the loader
// failed, the context ended while waiting); the module's own failure is in
// Result.Err.
func (h *Host) Call(ctx context.Context, block wire.BlockInfo, entry string, input []byte) (Result, error) {
	select {
	case h.lock <- struct{}{}:
	case <-ctx.Done():
		return Result{}, fmt.Errorf("modhost: waiting for the module instance: %w", ctx.Err())
	}
	defer func() { <-h.lock }()

	if err := h.ensure(ctx, block); err != nil {
		return Result{}, err
	}
	h.lookAhead(block.Height)
	env := &host.Env{Side: abi.NodeSide, Block: block, Runners: h.cfg.Module.Runners, Clock: h.cfg.Clock}
	res := h.inst.Call(host.WithEnv(ctx, env), entry, input, h.cfg.Module.Gas)
	out := Result{ModuleID: h.id, Output: res.Output, GasUsed: res.GasUsed, Err: res.Err, Log: res.Log}
	if len(res.Log) > 0 {
		h.cfg.Logger.Debug("module log", "entry", entry, "log", string(res.Log))
	}
	if res.Err != nil && !errors.Is(res.Err, runtime.ErrGuest) && !errors.Is(res.Err, runtime.ErrNotImplemented) {
		h.cfg.Logger.Warn("discarding the module instance after a failed call", "entry", entry, "module", fmt.Sprintf("%x", h.id[:8]), "err", res.Err)
		h.drop(ctx)
	}
	return out, nil
}

// ensure makes h.inst an initialised instance of the module active at
// block.Height.
func (h *Host) ensure(ctx context.Context, block wire.BlockInfo) error {
	id, ok, err := h.cfg.Module.Source.ActiveModule(ctx, h.cfg.Netuid, block.Height)
	if err != nil {
		return fmt.Errorf("modhost: active module of subnet %d at %d: %w", h.cfg.Netuid, block.Height, err)
	}
	if !ok {
		h.drop(ctx)
		return fmt.Errorf("modhost: subnet %d at block %d: %w", h.cfg.Netuid, block.Height, ErrNoModule)
	}
	if h.inst != nil && id == h.id {
		return nil
	}
	h.drop(ctx)
	loaded, err := h.ahead.take(ctx, id)
	if err != nil {
		return fmt.Errorf("modhost: waiting for module %x compiled ahead: %w", id[:8], err)
	}
	if loaded == nil {
		h.ahead.countLoad()
		if loaded, err = h.load(ctx, id); err != nil {
			return err
		}
	}
	inst, err := loaded.Module.Instantiate(ctx, runtime.InstanceConfig{
		InitGas: h.cfg.Module.Gas, Time: int64(block.TimeMillis) * int64(time.Millisecond), Seed: block.Hash,
	})
	if err != nil {
		return fmt.Errorf("modhost: instantiating module %x: %w", id[:8], err)
	}
	var initGas uint64
	if slices.Contains(loaded.Module.EntryPoints(), abi.EntryInit) {
		env := &host.Env{Side: abi.NodeSide, Block: block, Runners: h.cfg.Module.Runners, Clock: h.cfg.Clock}
		res := inst.Call(host.WithEnv(ctx, env), abi.EntryInit, h.cfg.Module.InitConfig, h.cfg.Module.Gas)
		if res.Err != nil && !errors.Is(res.Err, runtime.ErrNotImplemented) {
			_ = inst.Close(ctx)
			return fmt.Errorf("modhost: init of module %x: %w (log %q)", id[:8], res.Err, res.Log)
		}
		initGas = res.GasUsed
	} else if len(h.cfg.Module.InitConfig) > 0 {
		_ = inst.Close(ctx)
		return fmt.Errorf("modhost: module %x has no init entry point but an init config was given", id[:8])
	}
	h.id, h.inst = id, inst
	h.cfg.Logger.Info("module instance ready", "netuid", h.cfg.Netuid, "module", fmt.Sprintf("%x", id[:8]), "block", block.Height, "gas", inst.InitGasUsed()+initGas)
	return nil
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

// drop closes the current instance, if any.
func (h *Host) drop(ctx context.Context) {
	if h.inst != nil {
		_ = h.inst.Close(ctx)
		h.inst = nil
	}
}

// Close stops the look-ahead (waiting for a compile in flight) and
// releases the instance.
func (h *Host) Close(ctx context.Context) error {
	h.ahead.close()
	select {
	case h.lock <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-h.lock }()
	h.drop(ctx)
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
