// Package fixed implements the binary fixed-point number types of subtensor's Yuma
// Consensus and emission code, bit for bit: it matches substrate-fixed v0.6.0 (the
// `substrate_fixed::types` I32F32, I64F64, I96F32, U96F32 and U64F64) together with
// subtensor's `safe_math` helpers, as used at subtensor commit
// 14bc6f9f964b9cc362e9635dd110a487fa5d15a0.
//
// Everything in this package is consensus-critical. Invariants:
//   - Values are plain value types wrapping their raw two's-complement bits; the zero
//     value of every type is 0.
//   - No floating point in any operation (the FromFloat constructors and Float64 exist for
//     constants, tests and display only), no maps, no clocks: results depend only on inputs.
//   - Rounding is exactly upstream's: Mul floors (arithmetic shift of the exact double-width
//     product), Div truncates toward zero, conversions to fewer fractional bits floor,
//     Round ties away from zero, float constants round to nearest with ties to even.
//   - Overflow behaviour is in the name: plain Add/Sub/Mul/Div/To* wrap (Rust release
//     builds), Sat* clamp to the type's range, Checked* report failure, SafeDiv yields 0 on
//     a zero divisor or overflow. Only Div and SatDiv panic, on a zero divisor, as Rust does.
//   - Arithmetic never allocates; String and Float64 of the 128-bit types may.
//
// The four 128-bit types and all pairwise conversions are generated from one template by
// internal/gen (run `go generate`); I32F32, the type of the epoch's inner loops, is written
// by hand on int64 for speed and checked against the same 128-bit engine in tests.
package fixed

//go:generate go run ./internal/gen

// absInt64 returns |v| as a uint64 (exact for math.MinInt64).
func absInt64(v int64) uint64 {
	if v < 0 {
		return -uint64(v)
	}
	return uint64(v)
}
