// Package mat holds the vector and matrix primitives of Yuma Consensus on
// I32F32 fixed-point values, matching subtensor's pallets/subtensor/src/epoch/math.rs
// (commit 14bc6f9f964b9cc362e9635dd110a487fa5d15a0) bit for bit.
//
// Everything here is consensus-critical. Invariants:
//   - No floating point, no map iteration, no wall clock: results depend only on inputs.
//   - Operations use the exact upstream rounding: saturating or wrapping where upstream is,
//     safe division (0 on a zero divisor or overflow) where upstream uses safe_div.
//   - Sparse rows ([]Entry) keep the order they were given in; functions that build rows
//     from a dense accumulator emit them in ascending column order, as upstream does.
//   - Length mismatches are tolerated the way upstream tolerates them (a missing mask
//     entry masks, a missing vector entry reads as zero); nothing here panics on
//     mismatched lengths or on column indices beyond the stated column count.
//   - Functions never modify their inputs unless their name starts with "Inplace"; a
//     result may share storage with an input only where the function says so
//     (InterpolateSparse).
package mat
