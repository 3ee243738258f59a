package runtime

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"

	"github.com/taorun/taorun/abi"
)

// Gas charged by the WASI shims, on top of the wasm code that calls them.
// They are consensus parameters: changing them changes gas.
const (
	// WASICallGas is charged by every WASI function.
	WASICallGas = 100
	// WASIByteGas is charged per byte written by fd_write or random_get.
	WASIByteGas = 1
)

// WASI errno values the shims return.
const (
	errnoSuccess = 0
	errnoBadf    = 8
	errnoFault   = 21
	errnoInval   = 28
)

// wasiImpl is one shim: it returns the errno (ignored for proc_exit, which
// has no result) or an error that stops the guest.
type wasiImpl func(c *call, w *wasiState, stack []uint64) (errno uint32, err error)

// wasiImpls implements every function of abi.WASIFuncs, deterministically.
//
// Every engine links these same functions, so guests see the same world and
// pay the same gas everywhere. What a guest sees:
//   - Clocks: realtime reads InstanceConfig.Time plus virtual elapsed time;
//     monotonic and CPU clocks read one second plus the virtual elapsed time,
//     which starts at 0 and advances only when poll_oneoff waits on a clock
//     (so time.Sleep returns at once, having "slept" exactly as long as
//     asked).
//   - random_get: a stream of SHA-256(Seed || counter) blocks, counter
//     little-endian from 0, continuing across calls on one instance.
//   - No arguments, no environment, no preopened directories, no files:
//     stdout and stderr go to the call's log, any other descriptor (stdin
//     included) is EBADF, and path_open fails with EBADF.
//   - proc_exit stops the call with ErrTrap "proc_exit(code)".
//   - sched_yield does nothing.
//
// Memory faults in arguments return EFAULT, as WASI specifies, rather than
// trapping.
var wasiImpls = map[string]wasiImpl{
	"args_get":            success,
	"args_sizes_get":      zeroSizes,
	"environ_get":         success,
	"environ_sizes_get":   zeroSizes,
	"clock_time_get":      clockTimeGet,
	"fd_close":            stdio,
	"fd_fdstat_get":       fdFdstatGet,
	"fd_fdstat_set_flags": stdio,
	"fd_prestat_get":      badf,
	"fd_prestat_dir_name": badf,
	"fd_read":             badf,
	"fd_seek":             badf,
	"fd_write":            fdWrite,
	"path_open":           badf,
	"poll_oneoff":         pollOneoff,
	"proc_exit": func(_ *call, _ *wasiState, s []uint64) (uint32, error) {
		return 0, &exitError{code: uint32(s[0])}
	},
	"random_get":  randomGet,
	"sched_yield": success,
}

// wasiFuncs returns the shims as host functions, with the signatures
// abi.WASIFuncs gives, each charging WASICallGas first.
func wasiFuncs() ([]HostFunc, error) {
	var out []HostFunc
	for _, f := range abi.WASIFuncs() {
		impl := wasiImpls[f.Name]
		if impl == nil {
			return nil, fmt.Errorf("no deterministic shim for %s.%s", abi.WASIModule, f.Name)
		}
		hasResult := len(f.Results) > 0
		out = append(out, HostFunc{Module: abi.WASIModule, Name: f.Name, Params: f.Params, Results: f.Results,
			Fn: func(c Caller, stack []uint64) error {
				cl := c.(*call)
				if err := cl.ChargeGas(WASICallGas); err != nil {
					return err
				}
				errno, err := impl(cl, &cl.inst.wasi, stack)
				if hasResult {
					stack[0] = uint64(errno)
				}
				return err
			}})
	}
	return out, nil
}

func success(*call, *wasiState, []uint64) (uint32, error) { return errnoSuccess, nil }
func badf(*call, *wasiState, []uint64) (uint32, error)    { return errnoBadf, nil }

// stdio succeeds for descriptors 0-2 and is EBADF otherwise.
func stdio(_ *call, _ *wasiState, s []uint64) (uint32, error) {
	if uint32(s[0]) <= 2 {
		return errnoSuccess, nil
	}
	return errnoBadf, nil
}

// zeroSizes answers args_sizes_get and environ_sizes_get: 0 entries, 0 bytes.
func zeroSizes(c *call, _ *wasiState, s []uint64) (uint32, error) {
	return c.putU32s(uint32(s[0]), 0, uint32(s[1]), 0), nil
}

// exitError is proc_exit's way of stopping the guest.
type exitError struct{ code uint32 }

func (e *exitError) Error() string { return fmt.Sprintf("proc_exit(%d)", e.code) }

// monotonicStart is what the monotonic clock reads at instantiation; Go's
// runtime refuses a monotonic clock that reads zero.
const monotonicStart = 1_000_000_000

// wasiState is an instance's WASI clock and random stream.
type wasiState struct {
	wall    int64  // InstanceConfig.Time
	elapsed uint64 // virtual nanoseconds since instantiation
	seed    [32]byte
	counter uint64 // next random block
	pending []byte // unread bytes of the current block
}

func (w *wasiState) init(cfg InstanceConfig) { *w = wasiState{wall: cfg.Time, seed: cfg.Seed} }

// now reads clock id, reporting false for an unknown clock.
func (w *wasiState) now(id uint32) (uint64, bool) {
	switch id {
	case 0: // realtime
		return uint64(w.wall) + w.elapsed, true
	case 1, 2, 3: // monotonic, process and thread CPU time
		return monotonicStart + w.elapsed, true
	}
	return 0, false
}

func (w *wasiState) read(p []byte) {
	for len(p) > 0 {
		if len(w.pending) == 0 {
			var in [40]byte
			copy(in[:], w.seed[:])
			binary.LittleEndian.PutUint64(in[32:], w.counter)
			w.counter++
			sum := sha256.Sum256(in[:])
			w.pending = sum[:]
		}
		n := copy(p, w.pending)
		w.pending, p = w.pending[n:], p[n:]
	}
}

// putU32s writes pairs of (pointer, value) as little-endian u32s, returning
// EFAULT if any is outside memory.
func (c *call) putU32s(kv ...uint32) uint32 {
	mem := c.inst.core.Memory()
	for k := 0; k < len(kv); k += 2 {
		if uint64(kv[k])+4 > uint64(len(mem)) {
			return errnoFault
		}
		binary.LittleEndian.PutUint32(mem[kv[k]:], kv[k+1])
	}
	return errnoSuccess
}

// view returns guest memory [ptr, ptr+n) or nil if it is out of range.
func (c *call) view(ptr, n uint32) []byte {
	mem := c.inst.core.Memory()
	if uint64(ptr)+uint64(n) > uint64(len(mem)) {
		return nil
	}
	return mem[ptr : ptr+n : ptr+n]
}

func clockTimeGet(c *call, w *wasiState, s []uint64) (uint32, error) {
	t, ok := w.now(uint32(s[0]))
	if !ok {
		return errnoInval, nil
	}
	out := c.view(uint32(s[2]), 8)
	if out == nil {
		return errnoFault, nil
	}
	binary.LittleEndian.PutUint64(out, t)
	return errnoSuccess, nil
}

func fdFdstatGet(c *call, _ *wasiState, s []uint64) (uint32, error) {
	if uint32(s[0]) > 2 {
		return errnoBadf, nil
	}
	out := c.view(uint32(s[1]), 24)
	if out == nil {
		return errnoFault, nil
	}
	clear(out)
	out[0] = 2 // filetype: character device
	// Rights: fd_read (bit 1), fd_write (bit 6), poll_fd_readwrite (bit 27).
	binary.LittleEndian.PutUint64(out[8:], 1<<1|1<<6|1<<27)
	return errnoSuccess, nil
}

// iovecs returns the buffers of an iovec array, or nil, false on a fault.
func (c *call) iovecs(iovs, n uint32) ([][]byte, bool) {
	if n > 1<<16 {
		return nil, false
	}
	arr := c.view(iovs, n*8)
	if arr == nil {
		return nil, false
	}
	bufs := make([][]byte, n)
	for k := range bufs {
		ptr := binary.LittleEndian.Uint32(arr[8*k:])
		ln := binary.LittleEndian.Uint32(arr[8*k+4:])
		if bufs[k] = c.view(ptr, ln); bufs[k] == nil {
			return nil, false
		}
	}
	return bufs, true
}

func fdWrite(c *call, _ *wasiState, s []uint64) (uint32, error) {
	if fd := uint32(s[0]); fd != 1 && fd != 2 {
		return errnoBadf, nil
	}
	bufs, ok := c.iovecs(uint32(s[1]), uint32(s[2]))
	if !ok {
		return errnoFault, nil
	}
	var total uint64
	for _, b := range bufs {
		total += uint64(len(b))
	}
	if err := c.ChargeGas(total * WASIByteGas); err != nil {
		return 0, err
	}
	for _, b := range bufs {
		c.Log(b)
	}
	return c.putU32s(uint32(s[3]), uint32(total)), nil
}

func randomGet(c *call, w *wasiState, s []uint64) (uint32, error) {
	n := uint32(s[1])
	if err := c.ChargeGas(uint64(n) * WASIByteGas); err != nil {
		return 0, err
	}
	out := c.view(uint32(s[0]), n)
	if out == nil {
		return errnoFault, nil
	}
	w.read(out)
	return errnoSuccess, nil
}

// pollOneoff answers every descriptor subscription at once with EBADF; if
// there is none, it advances the virtual clock to the earliest clock
// subscription's deadline and reports the subscriptions due by then.
func pollOneoff(c *call, w *wasiState, s []uint64) (uint32, error) {
	in, outPtr, n := uint32(s[0]), uint32(s[1]), uint32(s[2])
	if n == 0 {
		return errnoInval, nil
	}
	if n > 1<<16 {
		return errnoFault, nil
	}
	subs := c.view(in, 48*n)
	out := c.view(outPtr, 32*n)
	if subs == nil || out == nil {
		return errnoFault, nil
	}
	type ev struct {
		userdata uint64
		errno    uint16
		typ      byte
	}
	var events []ev
	var wait uint64
	waits := make([]uint64, n)
	haveClock := false
	for k := uint32(0); k < n; k++ {
		sub := subs[48*k:]
		ud, tag := binary.LittleEndian.Uint64(sub), sub[8]
		if tag != 0 {
			events = append(events, ev{ud, errnoBadf, tag})
			continue
		}
		now, ok := w.now(binary.LittleEndian.Uint32(sub[16:]))
		if !ok {
			events = append(events, ev{ud, errnoInval, tag})
			continue
		}
		d := binary.LittleEndian.Uint64(sub[24:])
		if binary.LittleEndian.Uint16(sub[40:])&1 != 0 { // absolute deadline
			d = max(d, now) - now
		}
		waits[k] = d
		if !haveClock || d < wait {
			wait, haveClock = d, true
		}
	}
	if len(events) == 0 {
		w.elapsed += wait
		for k := uint32(0); k < n; k++ {
			if waits[k] <= wait {
				events = append(events, ev{binary.LittleEndian.Uint64(subs[48*k:]), errnoSuccess, 0})
			}
		}
	}
	for k, e := range events {
		o := out[32*k : 32*k+32]
		clear(o)
		binary.LittleEndian.PutUint64(o, e.userdata)
		binary.LittleEndian.PutUint16(o[8:], e.errno)
		o[10] = e.typ
	}
	return c.putU32s(uint32(s[3]), uint32(len(events))), nil
}
