// Command goguest is a small ABI v1 module built with GOOS=wasip1
// -buildmode=c-shared by the plugins tests: it exercises the Go runtime
// (allocation, maps, sorting, hashing, floats) so that instrumented and
// original runs can be compared.
package main

import (
	"crypto/sha256"
	"encoding/binary"
	"math"
	"sort"
	"unsafe"
)

func main() {}

// live keeps buffers handed to the host reachable until dealloc.
var live = map[uintptr][]byte{}

//go:wasmexport tao_abi_v1
func taoABIv1() {}

//go:wasmexport alloc
func alloc(n int32) int32 {
	b := make([]byte, n+1) // +1: a valid pointer even for n == 0
	p := uintptr(unsafe.Pointer(&b[0]))
	live[p] = b
	return int32(p)
}

//go:wasmexport dealloc
func dealloc(ptr, n int32) { delete(live, uintptr(ptr)) }

// score hashes its input, sorts its bytes and computes a float statistic,
// returning sha256 || sorted bytes || f64 bits of the root mean square.
//
//go:wasmexport score
func score(ptr, n int32) int64 {
	in := append([]byte(nil), live[uintptr(ptr)][:n]...)
	delete(live, uintptr(ptr))
	h := sha256.Sum256(in)
	sorted := append([]byte(nil), in...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
	var sum float64
	for _, b := range in {
		sum += float64(b) * float64(b)
	}
	rms := math.Sqrt(sum / float64(len(in)))
	out := append(h[:], sorted...)
	out = binary.LittleEndian.AppendUint64(out, math.Float64bits(rms))
	p := alloc(int32(len(out)))
	copy(live[uintptr(p)], out)
	return int64(p)<<32 | int64(len(out))
}
