// Package host implements the host functions of ABI v1 (abi.HostFuncs): the
// functions a subnet module imports from the module "env" to log, abort,
// hash, read the block, use its subnet's module storage and metagraph, and,
// on the node side, reach the operator's runners and clock.
//
// Functions returns them as runtime.HostFunc values for runtime.Config.Host.
// What a call may see travels in its context: WithEnv attaches an *Env (the
// entry point's side, the block, the storage, the metagraph, the runners and
// the clock) together with the call's own state (log counters, the last
// runner result), so a context made by WithEnv serves exactly one
// Instance.Call or Module.Run.
//
// # Invariants
//
//   - One implementation per abi.HostFuncs entry, with the same signature;
//     the abi table drives registration (Functions panics on a mismatch,
//     which the tests rule out).
//   - Consensus-critical: every AnySide and ChainOnly function is
//     deterministic. Given the same Env, memory and gas, it charges the
//     same gas, writes the same bytes, returns the same value and fails with
//     the same error text on every node and every engine.
//   - Gas first: every call first charges Costs.Call, then charges each
//     size-dependent cost (Costs) as soon as the size is known and before
//     the work it pays for. When the gas runs out the call stops with
//     runtime.ErrOutOfGas and the whole limit counts as used.
//   - Scopes are enforced at call time (abi.Scope). A ChainOnly function
//     called from a node-side entry point, or a NodeOnly function called
//     from a chain-side hook, costs Costs.Call and does nothing else:
//     functions with a result return -abi.StatusUnavailable, functions
//     without one return. No storage, runner or clock is touched, so a
//     chain-side hook sees the same answer on every node.
//   - Caller-buffer protocol: a function returning data of length L writes
//     it at out_ptr only when L <= out_cap, writes nothing otherwise, and
//     returns L either way. The host never calls into the guest.
//   - Memory outside the guest's linear memory, a key or value over its
//     bound (MaxStateKeyBytes, MaxStateValueBytes), or a log level outside
//     0-3 fails the call with runtime.ErrHost and a text naming the function
//     and the fault; abort fails it with runtime.ErrGuest and the guest's
//     message.
//   - Bounded: logs are capped per call at MaxLogLines lines and
//     MaxLogBytes bytes (the rest is dropped but still charged); storage
//     keys and values are capped; everything else is bounded by gas.
package host
