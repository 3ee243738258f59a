//go:build wasip1

package tao

import "unsafe"

// Host imports of ABI v1 (module "env"). Pointers are offsets into this
// module's memory; the host writes only into buffers passed to it.

//go:wasmimport env log
func envLog(level uint32, ptr unsafe.Pointer, n uint32)

//go:wasmimport env abort
func envAbort(ptr unsafe.Pointer, n uint32)

//go:wasmimport env block_info
func envBlockInfo(out unsafe.Pointer, outCap uint32) int64

//go:wasmimport env metagraph
func envMetagraph(out unsafe.Pointer, outCap uint32) int64

//go:wasmimport env sha256
func envSha256(ptr unsafe.Pointer, n uint32, out unsafe.Pointer)

//go:wasmimport env blake2b
func envBlake2b(ptr unsafe.Pointer, n uint32, out unsafe.Pointer)

//go:wasmimport env gas_left
func envGasLeft() int64

//go:wasmimport env state_get
func envStateGet(key unsafe.Pointer, keyLen uint32, out unsafe.Pointer, outCap uint32) int64

//go:wasmimport env state_set
func envStateSet(key unsafe.Pointer, keyLen uint32, val unsafe.Pointer, valLen uint32)

//go:wasmimport env state_remove
func envStateRemove(key unsafe.Pointer, keyLen uint32)

//go:wasmimport env runner_invoke
func envRunnerInvoke(name unsafe.Pointer, nameLen uint32, in unsafe.Pointer, inLen uint32) int64

//go:wasmimport env runner_submit
func envRunnerSubmit(name unsafe.Pointer, nameLen uint32, in unsafe.Pointer, inLen uint32) int64

//go:wasmimport env runner_wait
func envRunnerWait(job int64) int64

//go:wasmimport env time_now
func envTimeNow() int64

//go:wasmimport env runner_result
func envRunnerResult(out unsafe.Pointer, outCap uint32) int64

// ptr returns the address of b's first byte (0 for an empty slice).
func ptr(b []byte) unsafe.Pointer { return unsafe.Pointer(unsafe.SliceData(b)) }

// readBuffer runs a host call that follows the caller-buffer protocol: it
// returns the full length and writes only if that fits in the capacity
// given. A first try with a small buffer serves most calls; a longer
// result is fetched again into a buffer of the exact size. A negative
// result is passed back as is.
func readBuffer(hostCall func(out unsafe.Pointer, outCap uint32) int64) ([]byte, int64) {
	buf := make([]byte, 256)
	n := hostCall(ptr(buf), uint32(len(buf)))
	if n < 0 {
		return nil, n
	}
	if n > int64(len(buf)) {
		buf = make([]byte, n)
		if m := hostCall(ptr(buf), uint32(len(buf))); m != n {
			Fail("tao: host changed a result's length between two reads")
		}
	}
	return buf[:n], n
}

func hostLog(level uint32, msg []byte) { envLog(level, ptr(msg), uint32(len(msg))) }
func hostAbort(msg []byte)             { envAbort(ptr(msg), uint32(len(msg))) }

func hostBlockInfo() []byte {
	b, _ := readBuffer(envBlockInfo)
	return b
}

func hostMetagraph() ([]byte, int32) {
	b, n := readBuffer(envMetagraph)
	_, status := statusOf(n)
	return b, status
}

func hostHash(kind hashKind, data []byte) (sum [32]byte) {
	if kind == hashSha256 {
		envSha256(ptr(data), uint32(len(data)), unsafe.Pointer(&sum[0]))
	} else {
		envBlake2b(ptr(data), uint32(len(data)), unsafe.Pointer(&sum[0]))
	}
	return sum
}

func hostGasLeft() uint64 { return uint64(envGasLeft()) }

func hostStateGet(key []byte) ([]byte, bool) {
	b, n := readBuffer(func(out unsafe.Pointer, outCap uint32) int64 {
		return envStateGet(ptr(key), uint32(len(key)), out, outCap)
	})
	return b, n >= 0
}

func hostStateSet(key, value []byte) {
	envStateSet(ptr(key), uint32(len(key)), ptr(value), uint32(len(value)))
}

func hostStateRemove(key []byte) { envStateRemove(ptr(key), uint32(len(key))) }

func hostRunnerInvoke(name, input []byte) int64 {
	return envRunnerInvoke(ptr(name), uint32(len(name)), ptr(input), uint32(len(input)))
}

func hostRunnerSubmit(name, input []byte) int64 {
	return envRunnerSubmit(ptr(name), uint32(len(name)), ptr(input), uint32(len(input)))
}

func hostRunnerWait(job int64) int64 { return envRunnerWait(job) }

// hostRunnerResult fetches the last runner output (or error text) the host
// keeps, so reading it into a larger buffer never runs the runner twice.
func hostRunnerResult() []byte {
	b, _ := readBuffer(envRunnerResult)
	return b
}

func hostTimeNow() int64 { return envTimeNow() }
