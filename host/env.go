package host

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/taorun/taorun/abi"
	"github.com/taorun/taorun/abi/wire"
	"github.com/taorun/taorun/runtime"
)

// Storage is a subnet's module key-value storage as state_get, state_set and
// state_remove see it. The chain implements it over its block's state
// overlay; MemStorage is an in-memory one.
//
// Implementations must be deterministic: the same sequence of calls gives
// the same answers on every node. Keys and values the host passes are at
// most MaxStateKeyBytes and MaxStateValueBytes long and are owned by the
// implementation (the host does not reuse them). An error is a node fault
// (an I/O failure, not a missing key): the call fails with runtime.ErrHost,
// and a chain must treat it as fatal rather than as the module's outcome.
type Storage interface {
	// Get returns the value of key, and whether it exists.
	Get(key []byte) (value []byte, ok bool, err error)
	// Set writes key.
	Set(key, value []byte) error
	// Delete removes key; removing an absent key is not an error.
	Delete(key []byte) error
}

// Runners is the node's access to its local runners, for the NodeOnly
// functions. Errors wrapping ErrNoRunner make a call return
// -abi.StatusUnavailable, errors wrapping ErrNoJob -abi.StatusNotFound, and
// any other error -abi.StatusRunnerFailed with the error's text as the
// runner result. host/runner's scheduler is the production implementation;
// FuncRunners runs Go functions in process.
//
// The context passed in is the call's (Caller.Context): cancelling it
// abandons the wait. Returned outputs belong to the host until the next
// runner call of the same host call; implementations must not reuse them.
type Runners interface {
	// Invoke runs a job on runner name and waits for its output.
	Invoke(ctx context.Context, name string, input []byte) ([]byte, error)
	// Submit starts a job on runner name and returns its id (>= 0) at once.
	Submit(ctx context.Context, name string, input []byte) (job int64, err error)
	// Wait waits for a submitted job and returns its output. A job can be
	// waited for once.
	Wait(ctx context.Context, job int64) ([]byte, error)
}

// Errors a Runners implementation wraps to choose a status code.
var (
	// ErrNoRunner: no runner of that name is configured.
	ErrNoRunner = errors.New("no such runner")
	// ErrNoJob: the job id is unknown or was already waited for.
	ErrNoJob = errors.New("no such job")
)

// Env is what the host functions of one call may see. The chain builds one
// per hook call, the miner and validator loops one per node-side call.
type Env struct {
	// Side is the side of the entry point being called (abi.LookupEntry);
	// it decides which functions are available (abi.Scope).
	Side abi.Side
	// Block is what block_info writes: the block in progress (chain side)
	// or the node's latest block (node side).
	Block wire.BlockInfo
	// Storage is the subnet's module storage (ChainOnly; required on the
	// chain side for the state functions).
	Storage Storage
	// Metagraph returns the subnet's metagraph (ChainOnly; required on the
	// chain side for metagraph). It is called at most once per call.
	Metagraph func(ctx context.Context) (wire.Metagraph, error)
	// Runners are the node's runners (NodeOnly); nil makes every runner
	// call return -abi.StatusUnavailable.
	Runners Runners
	// Clock is the node's wall clock for time_now (NodeOnly); nil makes
	// time_now return -abi.StatusUnavailable.
	Clock func() time.Time
	// Costs is the host cost table; the zero value means HostCostsV1.
	Costs Costs
}

// envKey keys the *callState in a context.
type envKey struct{}

// callState is an Env together with the state of one call.
type callState struct {
	env   *Env
	costs Costs
	// logLines and logBytes count what log kept in this call.
	logLines, logBytes int
	// result is the output, or error text, of the last runner call.
	result []byte
	// metagraph caches the encoded metagraph once fetched.
	metagraph []byte
	fetched   bool
}

// WithEnv returns a context carrying env and fresh per-call state (log
// counters, the runner result) for the host functions. Make one per
// Instance.Call or Module.Run: the state is not reset between calls that
// share the context, and a context must not serve two calls at once.
func WithEnv(ctx context.Context, env *Env) context.Context {
	s := &callState{env: env}
	if env != nil {
		s.costs = env.Costs
	}
	if s.costs.Version == 0 {
		s.costs = HostCostsV1()
	}
	return context.WithValue(ctx, envKey{}, s)
}

// EnvFrom returns the Env attached by WithEnv, or nil.
func EnvFrom(ctx context.Context) *Env {
	if s, ok := ctx.Value(envKey{}).(*callState); ok {
		return s.env
	}
	return nil
}

// stateOf finds the call's state and checks its Env.
func stateOf(c runtime.Caller) (*callState, error) {
	s, ok := c.Context().Value(envKey{}).(*callState)
	if !ok || s.env == nil {
		return nil, errors.New("no host.Env in the call's context (use host.WithEnv)")
	}
	if s.env.Side != abi.ChainSide && s.env.Side != abi.NodeSide {
		return nil, fmt.Errorf("host.Env.Side is %d, want abi.ChainSide or abi.NodeSide", s.env.Side)
	}
	return s, nil
}
