package registry

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/taorun/taorun/abi"
	"github.com/taorun/taorun/abi/wire"
	"github.com/taorun/taorun/host"
	"github.com/taorun/taorun/runtime"
)

// HookEnv is what a chain-side hook may see besides its input.
type HookEnv struct {
	// Block is what block_info writes: the block in progress. Its
	// TimeMillis also drives the WASI clock and its Hash seeds the WASI
	// random stream, so both are the same on every node.
	Block wire.BlockInfo
	// Storage is the subnet's module storage. Writes reach it only when the
	// hook's result is used (see the package invariants).
	Storage host.Storage
	// Metagraph returns the subnet's metagraph; it is called at most once per
	// hook call, and only if the module asks.
	Metagraph func(ctx context.Context) (wire.Metagraph, error)
	// Costs is the host cost table; the zero value means host.HostCostsV1().
	Costs host.Costs
}

// Status is how a hook call ended.
type Status uint8

// Hook statuses.
const (
	// StatusOK: the hook ran and its output is used.
	StatusOK Status = iota
	// StatusDefault: the module does not export the hook or says it does not
	// implement it; the default of docs/abi.md §3 applies (accept the
	// weights, keep Yuma's split, allow the registration).
	StatusDefault
	// StatusFailed: the hook failed (Failure says how); the operation fails
	// (validate_weights, on_register) or falls back to Yuma (on_epoch).
	StatusFailed
)

var statusNames = [...]string{StatusOK: "ok", StatusDefault: "default", StatusFailed: "failed"}

// String names the status.
func (s Status) String() string {
	if int(s) < len(statusNames) {
		return statusNames[s]
	}
	return fmt.Sprintf("status %d", s)
}

// Failure is why a hook failed.
type Failure uint8

// Failures.
const (
	FailureNone Failure = iota
	// FailureOutOfGas: the gas limit was reached (the whole limit is used).
	FailureOutOfGas
	// FailureStackOverflow: the instrumented stack budget ran out.
	FailureStackOverflow
	// FailureTrap: the module trapped (unreachable, division by zero, ...).
	FailureTrap
	// FailureGuest: the module returned an error text (or called abort).
	FailureGuest
	// FailureABI: the module broke the byte exchange of ABI v1.
	FailureABI
	// FailureHost: a host function refused the call (a key over its bound,
	// memory out of range).
	FailureHost
	// FailureInvalidOutput: the output failed the strict wire decoding or a
	// hook-specific rule.
	FailureInvalidOutput
	// FailureConservation: on_epoch's resplit does not conserve the miner
	// emission.
	FailureConservation
)

var failureNames = [...]string{
	FailureNone: "none", FailureOutOfGas: "out of gas", FailureStackOverflow: "stack overflow",
	FailureTrap: "trap", FailureGuest: "guest error", FailureABI: "abi violation",
	FailureHost: "host error", FailureInvalidOutput: "invalid output", FailureConservation: "conservation",
}

// String names the failure.
func (f Failure) String() string {
	if int(f) < len(failureNames) {
		return failureNames[f]
	}
	return fmt.Sprintf("failure %d", f)
}

// failureKinds maps the runtime's error kinds to failures, in a fixed order.
// ErrNotImplemented is absent: it is not a failure but StatusDefault.
var failureKinds = []struct {
	kind    error
	failure Failure
}{
	{runtime.ErrOutOfGas, FailureOutOfGas},
	{runtime.ErrStackOverflow, FailureStackOverflow},
	{runtime.ErrTrap, FailureTrap},
	{runtime.ErrGuest, FailureGuest},
	{runtime.ErrABI, FailureABI},
	{runtime.ErrHost, FailureHost},
}

// HookResult is what every hook call reports.
type HookResult struct {
	// Entry is the hook's entry point name.
	Entry string
	// Status is how the call ended.
	Status Status
	// Failure says why, when Status is StatusFailed.
	Failure Failure
	// Reason is a deterministic text: why the hook failed or fell back,
	// why the default applies, or the module's own reason.
	Reason string
	// GasUsed is the gas the call used, `_initialize` included (0 when the
	// module does not export the hook). Consensus-relevant.
	GasUsed uint64
	// Log is what the module logged. It is node-local and never enters
	// consensus state.
	Log []host.LogLine
}

// WeightsResult is validate_weights' outcome.
type WeightsResult struct {
	HookResult
	// Verdict is the effective verdict: the module's on StatusOK, Accept on
	// StatusDefault, Reject (with Reason) on StatusFailed.
	Verdict wire.Verdict
	// Weights replace the submitted weights when Verdict is Adjust.
	Weights []wire.WeightEntry
}

// EpochResult is on_epoch's outcome.
type EpochResult struct {
	HookResult
	// Resplit says to pay ServerEmission instead of Yuma's miner split; it
	// is set only when the module asked for it and the resplit conserves the
	// emission.
	Resplit bool
	// ServerEmission holds one amount per input neuron, in input order, when
	// Resplit is set.
	ServerEmission []uint64
	// Fallback says the hook failed or its resplit broke conservation:
	// Yuma's split stands and Reason says why (for the chain's log).
	Fallback bool
}

// RegisterResult is on_register's outcome.
type RegisterResult struct {
	HookResult
	// Allow is the effective decision: the module's on StatusOK, true on
	// StatusDefault, false (with Reason) on StatusFailed.
	Allow bool
}

// RunValidateWeights runs validate_weights on a fresh instance.
// Consensus-critical. The error result is a node fault only (see the package
// invariants); a module's failure is a Reject verdict with StatusFailed.
func (r *Registry) RunValidateWeights(ctx context.Context, l *Loaded, env HookEnv, in wire.ValidateWeightsInput, gas uint64) (WeightsResult, error) {
	var out wire.ValidateWeightsOutput
	hr, err := r.runHook(ctx, l, env, abi.EntryValidateWeights, in.Encode(), gas, func(b []byte) (Failure, string) {
		if err := out.Decode(b); err != nil {
			return FailureInvalidOutput, err.Error()
		}
		for _, w := range out.Weights {
			if w.UID >= in.SubnetN {
				return FailureInvalidOutput, fmt.Sprintf("adjusted weight on uid %d, but the subnet has %d neurons", w.UID, in.SubnetN)
			}
		}
		return FailureNone, ""
	})
	if err != nil {
		return WeightsResult{}, err
	}
	res := WeightsResult{HookResult: hr}
	switch hr.Status {
	case StatusOK:
		res.Verdict, res.Weights, res.Reason = out.Verdict, out.Weights, out.Reason
	case StatusDefault:
		res.Verdict = wire.Accept
	default:
		res.Verdict = wire.Reject
	}
	return res, nil
}

// RunOnEpoch runs on_epoch on a fresh instance and checks conservation.
// Consensus-critical. The error result is a node fault only; a module's
// failure or a resplit that breaks conservation is a Fallback result.
func (r *Registry) RunOnEpoch(ctx context.Context, l *Loaded, env HookEnv, in wire.OnEpochInput, gas uint64) (EpochResult, error) {
	var out wire.OnEpochOutput
	hr, err := r.runHook(ctx, l, env, abi.EntryOnEpoch, in.Encode(), gas, func(b []byte) (Failure, string) {
		if err := out.Decode(b); err != nil {
			return FailureInvalidOutput, err.Error()
		}
		if !out.Resplit {
			return FailureNone, ""
		}
		if msg := checkConservation(in.Neurons, out.ServerEmission); msg != "" {
			return FailureConservation, msg
		}
		return FailureNone, ""
	})
	if err != nil {
		return EpochResult{}, err
	}
	res := EpochResult{HookResult: hr, Fallback: hr.Status == StatusFailed}
	if hr.Status == StatusOK && out.Resplit {
		res.Resplit, res.ServerEmission = true, out.ServerEmission
	}
	return res, nil
}

// checkConservation returns why split does not conserve the neurons' miner
// emission, or "" when it does: one amount per neuron, and equal sums with no
// overflow on either side.
func checkConservation(neurons []wire.EpochNeuron, split []uint64) string {
	if len(split) != len(neurons) {
		return fmt.Sprintf("resplit has %d amounts for %d neurons", len(split), len(neurons))
	}
	var want, got uint64
	for i := range split {
		if want+neurons[i].ServerEmission < want {
			return "the input miner emission overflows u64"
		}
		if got+split[i] < got {
			return fmt.Sprintf("resplit overflows u64 at amount %d", i)
		}
		want += neurons[i].ServerEmission
		got += split[i]
	}
	if got != want {
		return fmt.Sprintf("resplit pays %d rao, Yuma's miner emission is %d rao", got, want)
	}
	return ""
}

// RunOnRegister runs on_register on a fresh instance. Consensus-critical. The
// error result is a node fault only; a module's failure denies the
// registration with StatusFailed.
func (r *Registry) RunOnRegister(ctx context.Context, l *Loaded, env HookEnv, in wire.OnRegisterInput, gas uint64) (RegisterResult, error) {
	var out wire.OnRegisterOutput
	hr, err := r.runHook(ctx, l, env, abi.EntryOnRegister, in.Encode(), gas, func(b []byte) (Failure, string) {
		if err := out.Decode(b); err != nil {
			return FailureInvalidOutput, err.Error()
		}
		return FailureNone, ""
	})
	if err != nil {
		return RegisterResult{}, err
	}
	res := RegisterResult{HookResult: hr, Allow: hr.Status == StatusDefault}
	if hr.Status == StatusOK {
		res.Allow, res.Reason = out.Allow, out.Reason
	}
	return res, nil
}

// runHook is the one path of every hook: fresh instance, chain-side Env over
// buffered storage, classification, output check, and the storage flush on
// success. check decodes and checks the output, returning FailureNone or the
// failure and its reason.
func (r *Registry) runHook(ctx context.Context, l *Loaded, env HookEnv, entry string, input []byte, gas uint64, check func([]byte) (Failure, string)) (HookResult, error) {
	hr := HookResult{Entry: entry}
	if !slices.Contains(l.Module.EntryPoints(), entry) {
		hr.Status, hr.Reason = StatusDefault, "module does not export "+entry
		return hr, nil
	}
	if env.Storage == nil || env.Metagraph == nil {
		return hr, fmt.Errorf("registry: %s: HookEnv needs Storage and Metagraph: %w", entry, errNodeFault)
	}
	buf := &bufferedStorage{base: env.Storage, writes: map[string]*[]byte{}}
	var mgFault error
	hostEnv := &host.Env{
		Side: abi.ChainSide, Block: env.Block, Storage: buf, Costs: env.Costs,
		Metagraph: func(ctx context.Context) (wire.Metagraph, error) {
			mg, err := env.Metagraph(ctx)
			mgFault = err
			return mg, err
		},
	}
	ic := runtime.InstanceConfig{Time: int64(env.Block.TimeMillis) * 1_000_000, Seed: env.Block.Hash}
	res := l.Module.Run(host.WithEnv(ctx, hostEnv), ic, entry, input, gas)
	if fault := errors.Join(buf.fault, mgFault); fault != nil {
		return hr, fmt.Errorf("registry: %s: %w: %w", entry, errNodeFault, fault)
	}
	hr.GasUsed, hr.Log = res.GasUsed, host.ParseLog(res.Log)
	// An output with an error means only dealloc failed: the output stands
	// (docs/abi.md §3, step 5).
	if res.Err != nil && res.Output == nil {
		var re *runtime.Error
		if !errors.As(res.Err, &re) {
			return hr, fmt.Errorf("registry: %s: %w: %w", entry, errNodeFault, res.Err)
		}
		if errors.Is(re, runtime.ErrNotImplemented) {
			hr.Status, hr.Reason = StatusDefault, entry+" not implemented: "+re.Message
			return hr, nil
		}
		hr.Status, hr.Failure, hr.Reason = StatusFailed, FailureTrap, entry+": "+re.Error()
		for _, fk := range failureKinds {
			if errors.Is(re, fk.kind) {
				hr.Failure = fk.failure
				break
			}
		}
		return hr, nil
	}
	if f, msg := check(res.Output); f != FailureNone {
		hr.Status, hr.Failure, hr.Reason = StatusFailed, f, entry+": "+f.String()+": "+msg
		return hr, nil
	}
	if err := buf.flush(); err != nil {
		return hr, fmt.Errorf("registry: %s: %w: %w", entry, errNodeFault, err)
	}
	hr.Status = StatusOK
	return hr, nil
}

// IsNodeFault reports whether err, returned by a Run method, is a fault of
// the node (storage, metagraph provider, instantiation) rather than anything
// the module did.
func IsNodeFault(err error) bool { return errors.Is(err, errNodeFault) }

// bufferedStorage holds a hook's storage writes until the hook's result is
// used. Reads see the pending writes first. It remembers the first error of
// the underlying storage, which is a node fault.
type bufferedStorage struct {
	base   host.Storage
	writes map[string]*[]byte // nil: deleted
	fault  error
}

// Get implements host.Storage.
func (s *bufferedStorage) Get(key []byte) ([]byte, bool, error) {
	if w, ok := s.writes[string(key)]; ok {
		if w == nil {
			return nil, false, nil
		}
		return slices.Clone(*w), true, nil
	}
	v, ok, err := s.base.Get(key)
	if err != nil && s.fault == nil {
		s.fault = err
	}
	return v, ok, err
}

// Set implements host.Storage; the host hands over key and value.
func (s *bufferedStorage) Set(key, value []byte) error {
	s.writes[string(key)] = &value
	return nil
}

// Delete implements host.Storage.
func (s *bufferedStorage) Delete(key []byte) error {
	s.writes[string(key)] = nil
	return nil
}

// flush applies the pending writes to the underlying storage in ascending
// key order (deterministic, whatever the map's order).
func (s *bufferedStorage) flush() error {
	keys := make([]string, 0, len(s.writes))
	for k := range s.writes {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		var err error
		if w := s.writes[k]; w == nil {
			err = s.base.Delete([]byte(k))
		} else {
			err = s.base.Set([]byte(k), *w)
		}
		if err != nil {
			return err
		}
	}
	return nil
}
