//go:build wasip1

package tao

import (
	"errors"
	"strconv"
	"unsafe"
)

// The ABI v1 exports. Every module built with this package exports all of
// them; an entry point with no registered handler returns the
// not-implemented result (see docs/abi.md).

// live keeps every buffer handed to the host reachable until the host calls
// dealloc, so the garbage collector (which never moves objects) cannot
// reuse memory the host still addresses.
var live = map[uintptr][]byte{}

// keep registers b as live and returns its address. An empty buffer gets a
// one-byte backing array so that its address is unique and non-zero.
func keep(b []byte) uint32 {
	if cap(b) == 0 {
		b = make([]byte, 0, 1)
	}
	p := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	live[p] = b
	return uint32(p)
}

//go:wasmexport tao_abi_v1
func taoABIv1() {}

//go:wasmexport alloc
func alloc(n uint32) uint32 { return keep(make([]byte, n)) }

//go:wasmexport dealloc
func dealloc(ptr, n uint32) { delete(live, uintptr(ptr)) }

// run is the body of every entry point: it takes the input the host wrote
// into a buffer from alloc (and frees it, as the guest owns its input),
// dispatches, and packs the result.
func run(e entry, inPtr, inLen uint32) uint64 {
	var out []byte
	var err error
	// The input must be a buffer this module handed out with alloc; looking
	// it up (rather than trusting the address) keeps a host bug from
	// making the guest read arbitrary memory.
	if in, ok := live[uintptr(inPtr)]; inLen > 0 && (!ok || uint32(len(in)) < inLen) {
		err = errors.New("tao: input at " + strconv.Itoa(int(inPtr)) + " was not allocated with alloc(" + strconv.Itoa(int(inLen)) + ")")
	} else {
		out, err = call(e, in[:inLen:inLen])
	}
	dealloc(inPtr, inLen)
	if err != nil {
		return packResult(keep([]byte(err.Error())), len(err.Error()), err)
	}
	return packResult(keep(out), len(out), nil)
}

//go:wasmexport validate_weights
func exportValidateWeights(ptr, n uint32) uint64 { return run(entryValidateWeights, ptr, n) }

//go:wasmexport on_epoch
func exportOnEpoch(ptr, n uint32) uint64 { return run(entryOnEpoch, ptr, n) }

//go:wasmexport on_register
func exportOnRegister(ptr, n uint32) uint64 { return run(entryOnRegister, ptr, n) }

//go:wasmexport challenge
func exportChallenge(ptr, n uint32) uint64 { return run(entryChallenge, ptr, n) }

//go:wasmexport solve
func exportSolve(ptr, n uint32) uint64 { return run(entrySolve, ptr, n) }

//go:wasmexport score
func exportScore(ptr, n uint32) uint64 { return run(entryScore, ptr, n) }

//go:wasmexport init
func exportInit(ptr, n uint32) uint64 { return run(entryInit, ptr, n) }
