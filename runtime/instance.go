package runtime

import (
	"context"
	"errors"
	"fmt"

	"github.com/taorun/taorun/abi"
	"github.com/taorun/taorun/runtime/internal/engine"
)

// pageSize is the WebAssembly page size.
const pageSize = 65536

// InstanceConfig is the per-instance input that is not code.
type InstanceConfig struct {
	// InitGas is the gas limit for `_initialize` (Module.Instantiate only).
	InitGas uint64
	// Time is the wall-clock time, in Unix nanoseconds, that the WASI clock
	// reports (typically the block time). It advances only when the guest
	// sleeps (see WASI).
	Time int64
	// Seed seeds the deterministic byte stream WASI random_get returns.
	Seed [32]byte
}

// Result is the outcome of one call.
type Result struct {
	// Output is the entry point's output; nil when Err is set, except when
	// only dealloc failed (the output is then complete).
	Output []byte
	// GasUsed is the gas consumed by alloc, the entry point and dealloc
	// together (and by `_initialize`, for Module.Run). On ErrOutOfGas it is
	// the whole limit.
	GasUsed uint64
	// Err is nil or an *Error wrapping one of the Err* kinds (Module.Run
	// may also return an instantiation error, see Module.Instantiate).
	Err error
	// PeakMemoryPages is the size of guest memory after the call, in 64 KiB
	// pages. Memory never shrinks, so it is the peak over the instance's
	// life so far.
	PeakMemoryPages uint32
	// Log is what the guest logged during the call (host log functions and
	// WASI stdout/stderr), at most Config.MaxLogBytes.
	Log []byte
}

// Instance is an instantiated module. It is not safe for concurrent use.
//
// State persists across calls on one Instance: memory, globals, the WASI
// clock and random stream. Consensus code should use Module.Run (a fresh
// instance per call); reusing an Instance suits node-side loops, where it
// amortises instantiation and `_initialize`.
type Instance struct {
	rt      *Runtime
	mod     *Module
	core    engine.Instance
	gas     engine.Global
	oog     engine.Global
	stack   engine.Global
	log     []byte
	wasi    wasiState
	cur     call            // the top-level call in progress
	cctx    context.Context // carries &cur to host functions
	initGas uint64
	closed  bool
}

// Instantiate creates an instance and runs `_initialize`, if the module
// exports it, with cfg.InitGas. A failure is an *Error (for a trap in
// `_initialize`) or a plain error (for a module that cannot be linked or is
// not metered).
func (m *Module) Instantiate(ctx context.Context, cfg InstanceConfig) (*Instance, error) {
	inst, _, err := m.instantiate(ctx, cfg, cfg.InitGas)
	return inst, err
}

func (m *Module) instantiate(ctx context.Context, cfg InstanceConfig, gas uint64) (*Instance, uint64, error) {
	owner, cm, err := m.acquire(ctx)
	if err != nil {
		return nil, 0, err
	}
	core, err := cm.Instantiate(ctx)
	if err != nil {
		owner.rt.cache.release(ctx, owner)
		var t *engine.Trap
		if errors.As(err, &t) {
			return nil, 0, newError(ErrTrap, "start function: "+t.Error())
		}
		return nil, 0, fmt.Errorf("instantiate module %s: %w", m.id, err)
	}
	i := &Instance{rt: m.rt, mod: owner, core: core}
	i.wasi.init(cfg)
	if err := i.bindGlobals(); err != nil {
		i.Close(ctx)
		return nil, 0, fmt.Errorf("module %s: %w", m.id, err)
	}
	if _, ok := m.exports.Funcs[abi.InitializeExport]; ok {
		i.begin(ctx)
		_, used, err := i.invoke(abi.InitializeExport, gas)
		i.initGas = used
		if err != nil {
			i.Close(ctx)
			return nil, used, err
		}
	}
	return i, i.initGas, nil
}

// bindGlobals finds the metering globals and the ABI marker global.
func (i *Instance) bindGlobals() error {
	if _, ok := i.mod.exports.Funcs[abi.ABIMarker]; !ok {
		if g := i.core.Global(abi.ABIMarker); g == nil {
			return fmt.Errorf("does not export the ABI marker %q", abi.ABIMarker)
		}
	}
	want := []struct {
		name string
		t    engine.ValType
		dst  *engine.Global
	}{
		{abi.GasGlobal, engine.I64, &i.gas},
		{abi.OOGGlobal, engine.I32, &i.oog},
		{abi.StackGlobal, engine.I32, &i.stack},
	}
	found := 0
	for _, w := range want {
		g := i.core.Global(w.name)
		if g == nil {
			continue
		}
		if g.Type() != w.t || !g.Mutable() {
			return fmt.Errorf("exports %s as %s (mutable %v), want a mutable %s", w.name, g.Type(), g.Mutable(), w.t)
		}
		*w.dst = g
		found++
	}
	switch {
	case found == len(want):
		return nil
	case found > 0:
		return fmt.Errorf("exports only some of the metering globals %s, %s, %s", abi.GasGlobal, abi.OOGGlobal, abi.StackGlobal)
	case !i.rt.cfg.AllowUnmetered:
		return fmt.Errorf("is not metered: it does not export %s; instrument it first (Config.AllowUnmetered is for tests and tools only)", abi.GasGlobal)
	}
	// Unmetered: host functions still charge gas, against counters kept here.
	for _, w := range want {
		*w.dst = &hostGlobal{t: w.t}
	}
	return nil
}

// hostGlobal stands in for a metering global in an unmetered module.
type hostGlobal struct {
	t engine.ValType
	v uint64
}

func (g *hostGlobal) Type() engine.ValType { return g.t }
func (g *hostGlobal) Mutable() bool        { return true }
func (g *hostGlobal) Get() uint64          { return g.v }
func (g *hostGlobal) Set(v uint64)         { g.v = v }

// InitGasUsed returns the gas `_initialize` used (0 if there is none).
func (i *Instance) InitGasUsed() uint64 { return i.initGas }

// Close releases the instance.
func (i *Instance) Close(ctx context.Context) error {
	if i.closed {
		return nil
	}
	i.closed = true
	err := i.core.Close(ctx)
	i.rt.cache.release(ctx, i.mod)
	return err
}

// Call runs the entry point with input under a gas limit, following ABI v1:
// alloc(len), write the input, entry(ptr, len) -> (ptr<<32)|len with bit 63
// marking a guest error (and bit 62 with it, an entry point the module does
// not implement), check the output's length and bounds, copy it out,
// dealloc(ptr, len). The limit covers all three guest calls.
//
// Call is consensus-critical: for the same module, instance state, input and
// gas, every engine returns the same Output, GasUsed and Err. ctx reaches host
// functions (Caller.Context) but does not interrupt the guest: gas does.
func (i *Instance) Call(ctx context.Context, entry string, input []byte, gas uint64) Result {
	var res Result
	i.log = i.log[:0]
	res.Output, res.GasUsed, res.Err = i.call(ctx, entry, input, gas)
	if !i.closed {
		res.PeakMemoryPages = uint32(len(i.core.Memory()) / pageSize)
	}
	if len(i.log) > 0 {
		res.Log = append([]byte(nil), i.log...)
	}
	return res
}

func (i *Instance) call(ctx context.Context, entry string, input []byte, gas uint64) (out []byte, used uint64, err error) {
	if i.closed {
		return nil, 0, newError(ErrABI, "instance is closed")
	}
	if t, ok := i.mod.exports.Funcs[entry]; !ok {
		return nil, 0, newError(ErrABI, fmt.Sprintf("module does not export entry point %q", entry))
	} else if !t.Equal(sigEntry) || entry == abi.AllocExport || entry == abi.DeallocExport {
		return nil, 0, newError(ErrABI, fmt.Sprintf("%q is not an entry point: it is %s, want %s", entry, t, sigEntry))
	}
	if max := i.rt.cfg.MaxInputBytes; uint64(len(input)) > uint64(max) {
		return nil, 0, newError(ErrABI, fmt.Sprintf("input of %d bytes is over MaxInputBytes %d", len(input), max))
	}
	n := uint32(len(input))
	i.begin(ctx)

	// step runs one guest call on what is left of the limit.
	step := func(name string, args ...uint64) (uint64, error) {
		ret, u, err := i.invoke(name, gas-used, args...)
		used += u
		return ret, err
	}
	ptr, err := step(abi.AllocExport, uint64(n))
	if err != nil {
		return nil, used, err
	}
	if err := i.write(uint32(ptr), input); err != nil {
		return nil, used, err
	}
	ret, err := step(entry, ptr, uint64(n))
	if err != nil {
		return nil, used, err
	}
	optr, olen, guestErr, notImpl := abi.UnpackResult(ret)
	if max := i.rt.cfg.MaxOutputBytes; olen > max {
		return nil, used, newError(ErrABI, fmt.Sprintf("output of %d bytes is over MaxOutputBytes %d", olen, max))
	}
	mem := i.core.Memory()
	if uint64(optr)+uint64(olen) > uint64(len(mem)) {
		return nil, used, newError(ErrABI, fmt.Sprintf("output of %d bytes at %#x is outside guest memory (%d bytes)", olen, optr, len(mem)))
	}
	out = append([]byte(nil), mem[optr:optr+olen]...)
	_, derr := step(abi.DeallocExport, uint64(optr), uint64(olen))
	switch {
	case guestErr && notImpl:
		return nil, used, newError(ErrNotImplemented, string(out))
	case guestErr:
		return nil, used, newError(ErrGuest, string(out))
	}
	return out, used, derr
}

// write copies the input to where alloc said.
func (i *Instance) write(ptr uint32, b []byte) error {
	mem := i.core.Memory()
	if uint64(ptr)+uint64(len(b)) > uint64(len(mem)) {
		return newError(ErrABI, fmt.Sprintf("alloc returned %#x, which cannot hold %d input bytes in %d bytes of memory", ptr, len(b), len(mem)))
	}
	copy(mem[ptr:], b)
	return nil
}

// begin prepares the context host functions find the instance's call in,
// once per Call rather than once per guest call.
func (i *Instance) begin(ctx context.Context) {
	i.cur = call{ctx: ctx, inst: i}
	i.cctx = context.WithValue(ctx, callKey{}, &i.cur)
}

// invoke runs one top-level guest call with the gas protocol: __tao_gas =
// gas, __tao_oog = 0, __tao_stack = the budget; afterwards gas used =
// gas - __tao_gas, and a failure is classified. It is consensus-critical.
func (i *Instance) invoke(name string, gas uint64, args ...uint64) (ret, used uint64, err error) {
	i.gas.Set(gas)
	i.oog.Set(0)
	i.stack.Set(uint64(i.rt.cfg.StackBudget))
	c := &i.cur
	c.failed = nil
	ret, err = i.core.Call(i.cctx, name, args...)
	left := i.gas.Get()
	if left > gas {
		return 0, gas, newError(ErrABI, fmt.Sprintf("%s left more gas (%d) than it was given (%d)", abi.GasGlobal, left, gas))
	}
	used = gas - left
	if err != nil {
		err = i.classify(c, err)
		if errors.Is(err, ErrOutOfGas) {
			used = gas
		}
	}
	return ret, used, err
}

// classify turns an engine failure into an *Error. Host-side failures come
// first: they caused the trap. Then the metering flags, then the trap code.
func (i *Instance) classify(c *call, err error) error {
	if c.failed != nil {
		var exit *exitError
		var chosen *Error
		switch {
		case errors.Is(c.failed, ErrOutOfGas):
			return newError(ErrOutOfGas, "")
		case errors.As(c.failed, &exit):
			return newError(ErrTrap, exit.Error())
		case errors.As(c.failed, &chosen):
			return newError(chosen.Kind, chosen.Message)
		}
		return newError(ErrHost, c.failed.Error())
	}
	var t *engine.Trap
	if !errors.As(err, &t) {
		return newError(ErrTrap, err.Error())
	}
	switch i.oog.Get() {
	case abi.OOGOutOfGas:
		return newError(ErrOutOfGas, "")
	case abi.OOGStackOverflow:
		return newError(ErrStackOverflow, fmt.Sprintf("stack budget of %d exhausted", i.rt.cfg.StackBudget))
	}
	if t.Code == engine.TrapStackOverflow {
		return newError(ErrStackOverflow, t.Error())
	}
	return newError(ErrTrap, t.Error())
}

// Run runs one call on a fresh instance, the safe default for consensus:
// instantiate (running `_initialize`), Call, Close. One gas limit covers
// `_initialize` and the call, and Result.GasUsed counts both.
func (m *Module) Run(ctx context.Context, cfg InstanceConfig, entry string, input []byte, gas uint64) Result {
	inst, used, err := m.instantiate(ctx, cfg, gas)
	if err != nil {
		return Result{GasUsed: used, Err: err}
	}
	defer inst.Close(ctx)
	res := inst.Call(ctx, entry, input, gas-used)
	res.GasUsed += used
	return res
}
