package runtime

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/taorun/taorun/abi"
	"github.com/taorun/taorun/runtime/internal/engine"
)

// HostFunc is a function the runtime offers to guests as the import
// Module.Name. Every instance of every module sees the same set (Config.Host).
type HostFunc struct {
	// Module and Name are the import's module and field names.
	Module, Name string
	// Params and Results are the signature (abi.HostFuncs lists taorun's);
	// guests importing the function with a different one are refused at
	// Compile. On the stack an i32 or f32 sits in the low 32 bits with the
	// high bits zero, and floats travel as their IEEE bits.
	Params, Results []abi.ValType
	// Fn runs the function. stack holds the parameters on entry and receives
	// the results (len(stack) = max(len(Params), len(Results))). Returning an
	// error stops the guest: the call fails with ErrHost and the error's text,
	// with ErrOutOfGas when the error is one returned by Caller.ChargeGas, or
	// with the error itself when it is an *Error (so an abort function can
	// return &Error{Kind: ErrGuest, Message: text}). Fn must not call back
	// into the guest.
	Fn func(c Caller, stack []uint64) error
}

// Caller is what a host function sees of the guest that called it. It is
// valid only until the host function returns.
type Caller interface {
	// Context returns the context passed to the Call in progress; per-call
	// host state (a chain view, a log sink) travels in it.
	Context() context.Context
	// Read returns a copy of n bytes of guest memory at ptr.
	Read(ptr, n uint32) ([]byte, error)
	// Write copies b into guest memory at ptr.
	Write(ptr uint32, b []byte) error
	// ChargeGas takes amount from the call's gas. When less is left it sets
	// the out-of-gas flag, takes all that is left and returns an error
	// wrapping ErrOutOfGas; the host function should return it, and the call
	// stops with ErrOutOfGas whatever the function returns.
	ChargeGas(amount uint64) error
	// GasLeft returns the gas left to the call.
	GasLeft() uint64
	// Log appends p to the call's bounded log (Result.Log); bytes beyond
	// Config.MaxLogBytes are dropped.
	Log(p []byte)
}

// errMemory is returned by Caller.Read and Caller.Write for a range outside
// guest memory.
func errMemory(op string, ptr, n uint32, size int) error {
	return fmt.Errorf("%s of %d bytes at %#x is outside guest memory (%d bytes)", op, n, ptr, size)
}

// callKey keys the *call in the context handed to the engine.
type callKey struct{}

// call is the state of one top-level guest call (alloc, the entry point,
// dealloc, or _initialize). It implements Caller.
type call struct {
	ctx    context.Context
	inst   *Instance
	failed error // first host-side failure; it decides the classification
}

func (c *call) Context() context.Context { return c.ctx }

func (c *call) Read(ptr, n uint32) ([]byte, error) {
	mem := c.inst.core.Memory()
	end := uint64(ptr) + uint64(n)
	if end > uint64(len(mem)) {
		return nil, errMemory("read", ptr, n, len(mem))
	}
	return append([]byte(nil), mem[ptr:end]...), nil
}

func (c *call) Write(ptr uint32, b []byte) error {
	mem := c.inst.core.Memory()
	end := uint64(ptr) + uint64(len(b))
	if end > uint64(len(mem)) {
		return errMemory("write", ptr, uint32(len(b)), len(mem))
	}
	copy(mem[ptr:end], b)
	return nil
}

func (c *call) ChargeGas(amount uint64) error {
	g := c.inst.gas
	left := g.Get()
	if left < amount {
		g.Set(0)
		c.inst.oog.Set(abi.OOGOutOfGas)
		err := fmt.Errorf("%w: host function needed %d gas, %d left", ErrOutOfGas, amount, left)
		if c.failed == nil {
			c.failed = err
		}
		return err
	}
	g.Set(left - amount)
	return nil
}

func (c *call) GasLeft() uint64 { return c.inst.gas.Get() }

func (c *call) Log(p []byte) {
	room := c.inst.rt.cfg.MaxLogBytes - len(c.inst.log)
	if room <= 0 {
		return
	}
	if len(p) > room {
		p = p[:room]
	}
	c.inst.log = append(c.inst.log, p...)
}

// bind adapts a public host function to the engine core: it finds the call
// in the context, runs fn, and turns any failure into a trap.
//
// It zeroes the high bits of 32-bit parameters, which engines may leave
// undefined (wazero does), so a host function cannot see engine-dependent
// bits.
func bind(h HostFunc) engine.HostFunc {
	fn := h.Fn
	var narrow []int
	for k, t := range h.Params {
		if t == abi.I32 || t == abi.F32 {
			narrow = append(narrow, k)
		}
	}
	return engine.HostFunc{
		Module: h.Module,
		Name:   h.Name,
		Type:   engine.FuncType{Params: slices.Clone(h.Params), Results: slices.Clone(h.Results)},
		Fn: func(ctx context.Context, stack []uint64) error {
			c, _ := ctx.Value(callKey{}).(*call)
			if c == nil {
				return errors.New("host function called outside a runtime call")
			}
			for _, k := range narrow {
				stack[k] = uint64(uint32(stack[k]))
			}
			err := fn(c, stack)
			if c.failed != nil {
				return c.failed
			}
			if err != nil {
				c.failed = err
			}
			return err
		},
	}
}
