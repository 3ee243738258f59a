//go:build !wasip1

package tao

// Outside a wasm module there is no host. This build exists so the package
// compiles on any platform for documentation, Invoke-based handler tests and
// the SDK's own unit tests. Host functions go to testHost, which only the
// SDK's _test.go files set (to a test double); otherwise they panic with a
// message saying why.

// hostAPI is the raw host interface, one method per env import group.
type hostAPI interface {
	log(level uint32, msg []byte)
	abort(msg []byte)
	blockInfo() []byte
	metagraph() ([]byte, int32)
	hash(kind hashKind, data []byte) [32]byte
	gasLeft() uint64
	stateGet(key []byte) ([]byte, bool)
	stateSet(key, value []byte)
	stateRemove(key []byte)
	runnerInvoke(name, input []byte) int64
	runnerSubmit(name, input []byte) int64
	runnerWait(job int64) int64
	runnerResult() []byte
	timeNow() int64
}

// testHost is the SDK unit tests' test double; nil in every other use.
var testHost hostAPI

func theHost() hostAPI {
	if testHost == nil {
		panic("tao: host functions exist only inside a wasm module (build with GOOS=wasip1 GOARCH=wasm)")
	}
	return testHost
}

func hostLog(level uint32, msg []byte)             { theHost().log(level, msg) }
func hostAbort(msg []byte)                         { theHost().abort(msg) }
func hostBlockInfo() []byte                        { return theHost().blockInfo() }
func hostMetagraph() ([]byte, int32)               { return theHost().metagraph() }
func hostHash(kind hashKind, data []byte) [32]byte { return theHost().hash(kind, data) }
func hostGasLeft() uint64                          { return theHost().gasLeft() }
func hostStateGet(key []byte) ([]byte, bool)       { return theHost().stateGet(key) }
func hostStateSet(key, value []byte)               { theHost().stateSet(key, value) }
func hostStateRemove(key []byte)                   { theHost().stateRemove(key) }
func hostRunnerInvoke(name, input []byte) int64    { return theHost().runnerInvoke(name, input) }
func hostRunnerSubmit(name, input []byte) int64    { return theHost().runnerSubmit(name, input) }
func hostRunnerWait(job int64) int64               { return theHost().runnerWait(job) }
func hostRunnerResult() []byte                     { return theHost().runnerResult() }
func hostTimeNow() int64                           { return theHost().timeNow() }
