package host

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"slices"

	"golang.org/x/crypto/blake2b"

	"github.com/taorun/taorun/abi"
	"github.com/taorun/taorun/runtime"
)

// implFn runs one host function after its Call cost is charged and its scope
// checked. stack holds the parameters and receives the results.
type implFn func(s *callState, c runtime.Caller, stack []uint64) error

// impl is the implementation of one abi host function, with the signature
// its stack handling assumes (checked against abi.HostFuncs).
type impl struct {
	name            string
	params, results []abi.ValType
	fn              implFn
}

// Signature shorthands for the table below.
var (
	i32     = abi.I32
	i64     = abi.I64
	retI64  = []abi.ValType{i64}
	ptrLen  = []abi.ValType{i32, i32}
	hashSig = []abi.ValType{i32, i32, i32}
	quad    = []abi.ValType{i32, i32, i32, i32}
)

// impls is every host function of ABI v1, in abi.HostFuncs order.
var impls = []impl{
	{"log", []abi.ValType{i32, i32, i32}, nil, hostLog},
	{"abort", ptrLen, nil, hostAbort},
	{"block_info", ptrLen, retI64, hostBlockInfo},
	{"sha256", hashSig, nil, hashFunc(func(b []byte) [32]byte { return sha256.Sum256(b) })},
	{"blake2b", hashSig, nil, hashFunc(blake2b.Sum256)},
	{"gas_left", nil, retI64, hostGasLeft},
	{"state_get", quad, retI64, hostStateGet},
	{"state_set", quad, nil, hostStateSet},
	{"state_remove", ptrLen, nil, hostStateRemove},
	{"metagraph", ptrLen, retI64, hostMetagraph},
	{"runner_invoke", quad, retI64, hostRunnerInvoke},
	{"runner_submit", quad, retI64, hostRunnerSubmit},
	{"runner_wait", []abi.ValType{i64}, retI64, hostRunnerWait},
	{"runner_result", ptrLen, retI64, hostRunnerResult},
	{"time_now", nil, retI64, hostTimeNow},
}

// matchImpls checks that funcs and impls name the same functions with the
// same signatures, each exactly once.
func matchImpls(funcs []abi.HostFunc, impls []impl) error {
	var errs []error
	seen := map[string]int{}
	for _, m := range impls {
		seen[m.name]++
	}
	for _, f := range funcs {
		n := seen[f.Name]
		delete(seen, f.Name)
		if n != 1 {
			errs = append(errs, fmt.Errorf("abi host function %q has %d implementations, want 1", f.Name, n))
			continue
		}
		m := impls[slices.IndexFunc(impls, func(m impl) bool { return m.name == f.Name })]
		if !slices.Equal(m.params, f.Params) || !slices.Equal(m.results, f.Results) {
			errs = append(errs, fmt.Errorf("host function %q is implemented as %v -> %v, abi says %v -> %v",
				f.Name, m.params, m.results, f.Params, f.Results))
		}
	}
	for _, m := range impls {
		if seen[m.name] > 0 {
			errs = append(errs, fmt.Errorf("host function %q is implemented but not in abi.HostFuncs", m.name))
			delete(seen, m.name)
		}
	}
	return errors.Join(errs...)
}

// Functions returns the ABI v1 host functions for runtime.Config.Host, one
// per abi.HostFuncs entry, in that order. The functions need an Env in the
// call's context (WithEnv); without one a call fails with runtime.ErrHost.
//
// Consensus-critical: the AnySide and ChainOnly functions are deterministic
// (see the package invariants); the same set must be linked on every node.
func Functions() []runtime.HostFunc {
	funcs := abi.HostFuncs()
	if err := matchImpls(funcs, impls); err != nil {
		panic("host: implementations do not match abi.HostFuncs: " + err.Error())
	}
	out := make([]runtime.HostFunc, 0, len(funcs))
	for _, f := range funcs {
		m := impls[slices.IndexFunc(impls, func(m impl) bool { return m.name == f.Name })]
		out = append(out, runtime.HostFunc{
			Module:  abi.HostModule,
			Name:    f.Name,
			Params:  f.Params,
			Results: f.Results,
			Fn:      bind(f, m.fn),
		})
	}
	return out
}

// bind wraps an implementation with what every host function does first:
// find the Env, charge Costs.Call, enforce the scope (an unavailable
// function returns -StatusUnavailable, or nothing, with no other effect),
// and prefix failures with the function's name.
func bind(f abi.HostFunc, fn implFn) func(runtime.Caller, []uint64) error {
	name := f.Name
	hasResult := len(f.Results) > 0
	return func(c runtime.Caller, stack []uint64) error {
		s, err := stateOf(c)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if err := c.ChargeGas(s.costs.Call); err != nil {
			return err
		}
		if !f.Scope.Allowed(s.env.Side) {
			if hasResult {
				stack[0] = status(abi.StatusUnavailable)
			}
			return nil
		}
		if err := fn(s, c, stack); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		return nil
	}
}

// status encodes -code as an i64 result.
func status(code int64) uint64 { return uint64(-code) }

// chargeN charges per*n gas, saturating: a product that overflows charges
// all the gas there is.
func chargeN(c runtime.Caller, per, n uint64) error {
	hi, lo := bits.Mul64(per, n)
	if hi != 0 {
		lo = math.MaxUint64
	}
	return c.ChargeGas(lo)
}

// readCharged charges ReadByte per byte, then reads n bytes at ptr.
func readCharged(s *callState, c runtime.Caller, ptr, n uint32) ([]byte, error) {
	if err := chargeN(c, s.costs.ReadByte, uint64(n)); err != nil {
		return nil, err
	}
	return c.Read(ptr, n)
}

// giveBack applies the caller-buffer protocol to data: it charges
// ReturnByte per byte of data, writes data at outPtr if it fits outCap, and
// sets the result to its length.
func giveBack(s *callState, c runtime.Caller, data []byte, outPtr, outCap uint32, stack []uint64) error {
	if err := chargeN(c, s.costs.ReturnByte, uint64(len(data))); err != nil {
		return err
	}
	if uint64(len(data)) <= uint64(outCap) {
		if err := c.Write(outPtr, data); err != nil {
			return err
		}
	}
	stack[0] = uint64(len(data))
	return nil
}

// hostAbort stops the call with the guest's message as a guest error.
func hostAbort(s *callState, c runtime.Caller, stack []uint64) error {
	msg, err := readCharged(s, c, uint32(stack[0]), uint32(stack[1]))
	if err != nil {
		return err
	}
	if len(msg) > MaxAbortBytes {
		msg = msg[:MaxAbortBytes]
	}
	return &runtime.Error{Kind: runtime.ErrGuest, Message: string(msg)}
}

// hostBlockInfo writes the wire-encoded Env.Block.
func hostBlockInfo(s *callState, c runtime.Caller, stack []uint64) error {
	return giveBack(s, c, s.env.Block.Encode(), uint32(stack[0]), uint32(stack[1]), stack)
}

// hashFunc returns a host function hashing (ptr, len) into out32_ptr.
func hashFunc(sum func([]byte) [32]byte) implFn {
	return func(s *callState, c runtime.Caller, stack []uint64) error {
		n := uint32(stack[1])
		if err := chargeN(c, s.costs.HashByte, uint64(n)); err != nil {
			return err
		}
		if err := chargeN(c, s.costs.ReturnByte, 32); err != nil {
			return err
		}
		in, err := readCharged(s, c, uint32(stack[0]), n)
		if err != nil {
			return err
		}
		h := sum(in)
		return c.Write(uint32(stack[2]), h[:])
	}
}

// hostGasLeft returns the gas left after its own Call cost.
func hostGasLeft(s *callState, c runtime.Caller, stack []uint64) error {
	stack[0] = c.GasLeft()
	return nil
}

// checkKey checks a storage key's length against its bound.
func checkKey(n uint32) error {
	if n > MaxStateKeyBytes {
		return fmt.Errorf("key of %d bytes is over MaxStateKeyBytes (%d)", n, MaxStateKeyBytes)
	}
	return nil
}

// storage returns the Env's storage or says it is missing.
func storage(s *callState) (Storage, error) {
	if s.env.Storage == nil {
		return nil, errors.New("host.Env has no Storage")
	}
	return s.env.Storage, nil
}

// storageKey starts state_get and state_remove: it finds the storage,
// checks the key's length, charges base and then perByte per key byte, and
// reads the key at (ptr, n).
func storageKey(s *callState, c runtime.Caller, ptr, n uint32, base, perByte uint64) (Storage, []byte, error) {
	st, err := storage(s)
	if err != nil {
		return nil, nil, err
	}
	if err := checkKey(n); err != nil {
		return nil, nil, err
	}
	if err := c.ChargeGas(base); err != nil {
		return nil, nil, err
	}
	if err := chargeN(c, perByte, uint64(n)); err != nil {
		return nil, nil, err
	}
	key, err := readCharged(s, c, ptr, n)
	if err != nil {
		return nil, nil, err
	}
	return st, key, nil
}

// hostStateGet reads a key of the module storage into the caller's buffer.
func hostStateGet(s *callState, c runtime.Caller, stack []uint64) error {
	st, key, err := storageKey(s, c, uint32(stack[0]), uint32(stack[1]), s.costs.StorageRead, s.costs.StorageReadByte)
	if err != nil {
		return err
	}
	val, ok, err := st.Get(key)
	if err != nil {
		return fmt.Errorf("storage: %w", err)
	}
	if !ok {
		stack[0] = status(abi.StatusNotFound)
		return nil
	}
	if err := chargeN(c, s.costs.StorageReadByte, uint64(len(val))); err != nil {
		return err
	}
	return giveBack(s, c, val, uint32(stack[2]), uint32(stack[3]), stack)
}

// hostStateSet writes a key of the module storage.
func hostStateSet(s *callState, c runtime.Caller, stack []uint64) error {
	st, err := storage(s)
	if err != nil {
		return err
	}
	kn, vn := uint32(stack[1]), uint32(stack[3])
	if err := checkKey(kn); err != nil {
		return err
	}
	if vn > MaxStateValueBytes {
		return fmt.Errorf("value of %d bytes is over MaxStateValueBytes (%d)", vn, MaxStateValueBytes)
	}
	if err := c.ChargeGas(s.costs.StorageWrite); err != nil {
		return err
	}
	if err := chargeN(c, s.costs.StorageWriteByte, uint64(kn)+uint64(vn)); err != nil {
		return err
	}
	key, err := readCharged(s, c, uint32(stack[0]), kn)
	if err != nil {
		return err
	}
	val, err := readCharged(s, c, uint32(stack[2]), vn)
	if err != nil {
		return err
	}
	if err := st.Set(key, val); err != nil {
		return fmt.Errorf("storage: %w", err)
	}
	return nil
}

// hostStateRemove deletes a key of the module storage.
func hostStateRemove(s *callState, c runtime.Caller, stack []uint64) error {
	st, key, err := storageKey(s, c, uint32(stack[0]), uint32(stack[1]), s.costs.StorageWrite, s.costs.StorageWriteByte)
	if err != nil {
		return err
	}
	if err := st.Delete(key); err != nil {
		return fmt.Errorf("storage: %w", err)
	}
	return nil
}

// hostMetagraph writes the wire-encoded metagraph, fetched once per call.
func hostMetagraph(s *callState, c runtime.Caller, stack []uint64) error {
	if !s.fetched {
		if s.env.Metagraph == nil {
			return errors.New("host.Env has no Metagraph")
		}
		mg, err := s.env.Metagraph(c.Context())
		if err != nil {
			return fmt.Errorf("metagraph provider: %w", err)
		}
		s.metagraph, s.fetched = mg.Encode(), true
	}
	return giveBack(s, c, s.metagraph, uint32(stack[0]), uint32(stack[1]), stack)
}

// runnerArgs charges for and reads a runner name and input.
func runnerArgs(s *callState, c runtime.Caller, stack []uint64) (string, []byte, error) {
	name, err := readCharged(s, c, uint32(stack[0]), uint32(stack[1]))
	if err != nil {
		return "", nil, err
	}
	in, err := readCharged(s, c, uint32(stack[2]), uint32(stack[3]))
	return string(name), in, err
}

// errNoRunners is the runner error when the Env has no Runners.
var errNoRunners = fmt.Errorf("%w: no runners are configured", ErrNoRunner)

// runnerErrors maps the errors a Runners implementation wraps to status
// codes; any other error is StatusRunnerFailed.
var runnerErrors = []struct {
	err    error
	status int64
}{
	{ErrNoRunner, abi.StatusUnavailable},
	{ErrNoJob, abi.StatusNotFound},
}

// runnerStatus records the outcome of a runner call: on success the output
// (when the call produces one) becomes the runner result and the result is
// ok; on failure the error text does, and the result is a status code.
func runnerStatus(s *callState, out []byte, produces bool, err error, ok uint64, stack []uint64) {
	if err == nil {
		if produces {
			s.result = out
		}
		stack[0] = ok
		return
	}
	code := int64(abi.StatusRunnerFailed)
	for _, e := range runnerErrors {
		if errors.Is(err, e.err) {
			code = e.status
			break
		}
	}
	s.result, stack[0] = []byte(err.Error()), status(code)
}

// runners returns the Env's runners, or errNoRunners.
func runners(s *callState) (Runners, error) {
	if s.env.Runners == nil {
		return nil, errNoRunners
	}
	return s.env.Runners, nil
}

// hostRunnerInvoke runs a job and waits; its output becomes the runner
// result.
func hostRunnerInvoke(s *callState, c runtime.Caller, stack []uint64) error {
	name, in, err := runnerArgs(s, c, stack)
	if err != nil {
		return err
	}
	r, err := runners(s)
	var out []byte
	if err == nil {
		out, err = r.Invoke(c.Context(), name, in)
	}
	runnerStatus(s, out, true, err, uint64(len(out)), stack)
	return nil
}

// hostRunnerSubmit starts a job and returns its id; the runner result is
// left as it was unless the submission fails.
func hostRunnerSubmit(s *callState, c runtime.Caller, stack []uint64) error {
	name, in, err := runnerArgs(s, c, stack)
	if err != nil {
		return err
	}
	r, err := runners(s)
	var job int64
	if err == nil {
		job, err = r.Submit(c.Context(), name, in)
	}
	if err == nil && job < 0 {
		return fmt.Errorf("runners returned job id %d, want >= 0", job)
	}
	runnerStatus(s, nil, false, err, uint64(job), stack)
	return nil
}

// hostRunnerWait waits for a submitted job; its output becomes the runner
// result.
func hostRunnerWait(s *callState, c runtime.Caller, stack []uint64) error {
	job := int64(stack[0])
	r, err := runners(s)
	if err == nil && job < 0 {
		err = fmt.Errorf("%w: %d", ErrNoJob, job)
	}
	var out []byte
	if err == nil {
		out, err = r.Wait(c.Context(), job)
	}
	runnerStatus(s, out, true, err, uint64(len(out)), stack)
	return nil
}

// hostRunnerResult copies the last runner result into the caller's buffer.
func hostRunnerResult(s *callState, c runtime.Caller, stack []uint64) error {
	return giveBack(s, c, s.result, uint32(stack[0]), uint32(stack[1]), stack)
}

// hostTimeNow returns the node's clock in Unix milliseconds.
func hostTimeNow(s *callState, c runtime.Caller, stack []uint64) error {
	if s.env.Clock == nil {
		stack[0] = status(abi.StatusUnavailable)
		return nil
	}
	stack[0] = uint64(s.env.Clock().UnixMilli())
	return nil
}
