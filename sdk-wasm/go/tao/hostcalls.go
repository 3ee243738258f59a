package tao

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/taorun/taorun/abi"
)

// Level is a log level for Log.
type Level uint32

// Log levels, as the host's log import numbers them.
const (
	LevelDebug Level = 0
	LevelInfo  Level = 1
	LevelWarn  Level = 2
	LevelError Level = 3
)

// Log writes msg to the host's log for this call. Logs are bounded and
// charged per byte by the host, and never affect consensus.
func Log(level Level, msg string) { hostLog(uint32(level), []byte(msg)) }

// Fail stops the module with msg: the host's abort import traps the call,
// and the caller sees msg as the guest's fatal error. It never returns.
// Prefer returning an error from a handler; Fail is for broken invariants.
func Fail(msg string) {
	hostAbort([]byte(msg))
	panic("tao: abort returned") // unreachable: the host traps
}

// StateGet reads key from the subnet's key-value storage; ok is false when
// the key is absent. Storage is chain state: it exists during chain-side
// hooks only, and a node-side entry point always sees ok == false.
func StateGet(key []byte) (value []byte, ok bool) { return hostStateGet(key) }

// StateSet stores value under key in the subnet's key-value storage. Only
// chain-side hooks have storage; elsewhere the host ignores the call.
func StateSet(key, value []byte) { hostStateSet(key, value) }

// StateRemove deletes key from the subnet's key-value storage (nothing
// happens when it is absent). Like StateSet, it is for chain-side hooks.
func StateRemove(key []byte) { hostStateRemove(key) }

// CurrentBlock describes the block this call runs in (for node-side entry
// points: the node's latest block).
func CurrentBlock() BlockInfo {
	var info BlockInfo
	if err := info.Decode(hostBlockInfo()); err != nil {
		Fail("tao: host wrote an invalid block_info: " + err.Error())
	}
	return info
}

// ErrUnavailable is returned by host functions that do not exist for the
// running entry point: the metagraph in a node-side entry point, runners
// and the clock in a chain-side hook, or a runner this node lacks.
var ErrUnavailable = errors.New("host function not available to this entry point")

// CurrentMetagraph returns the subnet's metagraph as of the block in
// progress. It is available to chain-side hooks only (ErrUnavailable
// elsewhere).
func CurrentMetagraph() (Metagraph, error) {
	b, status := hostMetagraph()
	if status != 0 {
		return Metagraph{}, statusError("metagraph", status)
	}
	var m Metagraph
	if err := m.Decode(b); err != nil {
		Fail("tao: host wrote an invalid metagraph: " + err.Error())
	}
	return m, nil
}

// NodeTimeMillis returns the node's wall clock in Unix milliseconds. It is
// not deterministic, so it exists for node-side entry points only
// (ErrUnavailable in a chain-side hook); a chain-side hook uses
// CurrentBlock().TimeMillis.
func NodeTimeMillis() (int64, error) {
	t, status := statusOf(hostTimeNow())
	if status != 0 {
		return 0, statusError("time_now", status)
	}
	return int64(t), nil
}

// statusError turns a host status code into an error.
func statusError(what string, status int32) error {
	if status == abi.StatusUnavailable {
		return fmt.Errorf("%s: %w", what, ErrUnavailable)
	}
	return fmt.Errorf("%s: host status %d", what, status)
}

// Sha256 returns the SHA-256 digest of data, computed by the host.
func Sha256(data []byte) [32]byte { return hostHash(hashSha256, data) }

// Blake2b returns the BLAKE2b-256 digest of data, computed by the host.
func Blake2b(data []byte) [32]byte { return hostHash(hashBlake2b256, data) }

// GasLeft returns the gas this call may still use.
func GasLeft() uint64 { return hostGasLeft() }

// RunnerInvoke sends input to the node operator's runner named runner (for
// example "matmul" on a local GPU), waits, and returns its output. It is
// for node-side entry points: in a chain-side hook, and on a node with no
// such runner, the error matches ErrUnavailable.
func RunnerInvoke(runner string, input []byte) ([]byte, error) {
	return runnerOutcome(runner, hostRunnerInvoke([]byte(runner), input))
}

// Job is a runner job started with RunnerSubmit.
type Job struct {
	runner string
	id     int64
}

// RunnerSubmit starts input on the runner named runner without waiting, so
// a module can keep several runners (or GPUs) busy at once; Wait collects
// the output. Like RunnerInvoke it is for node-side entry points.
func RunnerSubmit(runner string, input []byte) (Job, error) {
	id := hostRunnerSubmit([]byte(runner), input)
	if _, status := statusOf(id); status != 0 {
		return Job{}, &RunnerError{Runner: runner, Status: status}
	}
	return Job{runner: runner, id: id}, nil
}

// Wait blocks until the job is done and returns its output.
func (j Job) Wait() ([]byte, error) { return runnerOutcome(j.runner, hostRunnerWait(j.id)) }

// runnerOutcome turns the result of runner_invoke or runner_wait into
// RunnerInvoke's return values, fetching the output or error text.
func runnerOutcome(runner string, r int64) ([]byte, error) {
	_, status := statusOf(r)
	if status != 0 {
		var msg []byte
		if status == abi.StatusRunnerFailed {
			msg = hostRunnerResult()
		}
		return nil, &RunnerError{Runner: runner, Status: status, Msg: string(msg)}
	}
	return hostRunnerResult(), nil
}

// RunnerError is a runner call's failure.
type RunnerError struct {
	Runner string
	Status int32 // the host's status code (abi.Status*)
	Msg    string
}

// Error implements error.
func (e *RunnerError) Error() string {
	var msg string
	switch e.Status {
	case abi.StatusUnavailable:
		msg = "not available to this entry point or node"
	case abi.StatusRunnerFailed:
		msg = "failed"
	default:
		msg = "failed with host status " + strconv.Itoa(int(e.Status))
	}
	msg = "runner " + strconv.Quote(e.Runner) + " " + msg
	if e.Msg != "" {
		msg += ": " + e.Msg
	}
	return msg
}

// Is makes errors.Is(err, ErrUnavailable) true for unavailable runners.
func (e *RunnerError) Is(target error) bool {
	return target == ErrUnavailable && e.Status == abi.StatusUnavailable
}

type hashKind int

const (
	hashSha256 hashKind = iota
	hashBlake2b256
)
