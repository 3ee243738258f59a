// Package consensus implements Yuma Consensus, the per-subnet epoch that turns
// validators' weights and stake into consensus, incentive, dividends, bonds and
// emission, bit-exact with subtensor commit 14bc6f9f964b9cc362e9635dd110a487fa5d15a0
// (pallets/subtensor/src/epoch/run_epoch.rs and subnets/mechanism.rs).
//
// Epoch is the production (sparse) epoch, EpochDense its dense twin (kept to cross-check
// the sparse one; it differs where upstream's dense epoch differs), and
// EpochWithMechanisms splits one emission over a subnet's mechanisms. ParseEpochInput and
// EpochOutput's JSON methods implement the format of `taorun sim epoch`.
//
// Consensus-critical: Epoch, EpochDense, EpochWithMechanisms and everything they call
// (package internal/mat and package fixed). Their invariants:
//   - pure functions of their input: no I/O, no wall clock, no goroutines, no map
//     iteration, and no floating point anywhere (all arithmetic is I32F32/I64F64/I96F32/
//     U96F32/U64F64 fixed point with upstream's rounding); the only shared state is a
//     sync.Pool of scratch buffers, which are only ever appended to, so their previous
//     contents never reach a result; safe for concurrent use;
//   - they never modify their input;
//   - they return an error only for malformed input (lengths, out-of-range uids,
//     duplicate uids in a row; EpochDense also refuses more than MaxDenseNeurons), never
//     panic, and otherwise always produce vectors of length n (the number of neurons);
//   - incentive and dividends each sum to about 1.0 (65535) or are all zero, and the
//     emissions never sum to more than the epoch's emission (for BondsMovingAverage up to
//     1e6; above it the EMA coefficient is negative, as it is upstream).
//
// This package imports nothing of taorun except its own fixed-point package.
package consensus
