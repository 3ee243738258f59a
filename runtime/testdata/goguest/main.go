// Command goguest is a Go wasip1 reactor used by the runtime tests. It speaks
// ABI v1 without instrumentation, so the tests run it with
// Config.AllowUnmetered. Build:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o goguest.wasm .
package main

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"os"
	"time"
	"unsafe"
)

// live keeps every buffer handed to the host reachable until dealloc, so the
// garbage collector cannot reuse it while the host holds its address.
var live = map[uintptr][]byte{}

func keep(b []byte) uint32 {
	if len(b) == 0 {
		b = make([]byte, 1)[:0:1]
	}
	p := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	live[p] = b
	return uint32(p)
}

func pack(b []byte) uint64 { return uint64(keep(b))<<32 | uint64(len(b)) }

func input(ptr, n uint32) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(uintptr(ptr))), n)
}

//go:wasmexport tao_abi_v1
func taoABIv1() {}

//go:wasmexport alloc
func alloc(n uint32) uint32 { return keep(make([]byte, n)) }

//go:wasmexport dealloc
func dealloc(ptr, n uint32) { delete(live, uintptr(ptr)) }

//go:wasmexport echo
func echo(ptr, n uint32) uint64 {
	out := append([]byte(nil), input(ptr, n)...)
	dealloc(ptr, n)
	return pack(out)
}

//go:wasmexport fail
func fail(ptr, n uint32) uint64 {
	dealloc(ptr, n)
	return pack([]byte("bad input")) | 1<<63
}

//go:wasmimport env host_add
func hostAdd(a, b uint64) uint64

//go:wasmexport add
func add(ptr, n uint32) uint64 {
	in := input(ptr, n)
	a, b := binary.LittleEndian.Uint64(in), binary.LittleEndian.Uint64(in[8:])
	dealloc(ptr, n)
	return pack(binary.LittleEndian.AppendUint64(nil, hostAdd(a, b)))
}

// wasi reports what the guest sees of the outside world through WASI: the
// wall clock, 16 random bytes, the argument and environment counts, and
// whether a timer sleep returns. The host must make all of it deterministic.
//
//go:wasmexport wasi
func wasi(ptr, n uint32) uint64 {
	dealloc(ptr, n)
	fmt.Println("hello from the guest")
	fmt.Fprintln(os.Stderr, "and from stderr")
	time.Sleep(time.Millisecond)
	r := make([]byte, 16)
	rand.Read(r)
	out := fmt.Sprintf("time=%d rand=%x args=%d env=%d", time.Now().UnixNano(), r, len(os.Args), len(os.Environ()))
	return pack([]byte(out))
}

//go:wasmexport exit
func exit(ptr, n uint32) uint64 {
	os.Exit(3)
	return 0
}

//go:wasmexport panic
func goPanic(ptr, n uint32) uint64 { panic("guest panicked") }

func main() {}
