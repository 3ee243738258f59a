package fixed

import (
	"math/bits"

	"github.com/taorun/taorun/consensus/fixed/internal/arith"
)

// I32F32 is a signed fixed-point number with 32 integer and 32 fractional bits in an
// int64, matching substrate_fixed::types::I32F32: the element type of every epoch vector
// and matrix. The zero value is 0. Consensus-critical.
type I32F32 struct{ v int64 }

var kI32F32 = arith.Kind{Signed: true, Frac: 32, Width: 64}

const (
	fracMask32 = 1<<32 - 1
	half32     = 1 << 31
)

// Constants of I32F32.
var (
	I32Zero = I32F32{}          // 0
	I32One  = I32F32{1 << 32}   // 1
	I32Max  = I32F32{1<<63 - 1} // 2^31 - 2^-32
	I32Min  = I32F32{-1 << 63}  // -2^31
	i32Neg1 = I32F32{-1 << 32}  // -1
)

func (x I32F32) raw() arith.U128 { return arith.U128{Hi: uint64(x.v >> 63), Lo: uint64(x.v)} }

func fromRawI32F32(r arith.U128) I32F32 { return I32F32{int64(r.Lo)} }

// I32FromBits returns the I32F32 whose raw bits are b (value b / 2^32).
func I32FromBits(b int64) I32F32 { return I32F32{b} }

// Bits returns the raw bits of x (x * 2^32).
func (x I32F32) Bits() int64 { return x.v }

// I32FromInt returns v exactly, saturating at the bounds [-2^31, 2^31).
func I32FromInt(v int64) I32F32 {
	switch {
	case v > 1<<31-1:
		return I32Max
	case v < -1<<31:
		return I32Min
	}
	return I32F32{v << 32}
}

// I32FromUint returns v exactly, saturating at the upper bound.
func I32FromUint(v uint64) I32F32 {
	if v > 1<<31-1 {
		return I32Max
	}
	return I32F32{int64(v) << 32}
}

// I32FromFloat returns the exact binary value of f rounded to nearest (ties to even) at 32
// fractional bits, saturating at the bounds; it panics on NaN. For constants and tests
// only: consensus code never sees floats.
func I32FromFloat(f float64) I32F32 { return fromRawI32F32(kI32F32.FromFloat(f).Sat()) }

// Add returns x + y, wrapping on overflow (Rust release-mode +).
func (x I32F32) Add(y I32F32) I32F32 { return I32F32{x.v + y.v} }

// Sub returns x - y, wrapping on overflow (Rust release-mode -).
func (x I32F32) Sub(y I32F32) I32F32 { return I32F32{x.v - y.v} }

// CheckedAdd returns x + y and false on overflow.
func (x I32F32) CheckedAdd(y I32F32) (I32F32, bool) {
	s := x.v + y.v
	return I32F32{s}, (x.v >= 0) != (y.v >= 0) || (s >= 0) == (x.v >= 0)
}

// CheckedSub returns x - y and false on overflow.
func (x I32F32) CheckedSub(y I32F32) (I32F32, bool) {
	d := x.v - y.v
	return I32F32{d}, (x.v >= 0) == (y.v >= 0) || (d >= 0) == (x.v >= 0)
}

// SatAdd returns x + y clamped to the range of I32F32.
func (x I32F32) SatAdd(y I32F32) I32F32 {
	if s, ok := x.CheckedAdd(y); ok {
		return s
	}
	if x.v < 0 {
		return I32Min
	}
	return I32Max
}

// SatSub returns x - y clamped to the range of I32F32.
func (x I32F32) SatSub(y I32F32) I32F32 {
	if d, ok := x.CheckedSub(y); ok {
		return d
	}
	if x.v < 0 {
		return I32Min
	}
	return I32Max
}

// mul returns the exact product floored to 32 fractional bits (wrapped), whether it
// overflowed, and whether the exact product is negative.
func (x I32F32) mul(y I32F32) (r int64, ovf, neg bool) {
	hi, lo := bits.Mul64(uint64(x.v), uint64(y.v))
	// Turn the unsigned high word into the signed one.
	if x.v < 0 {
		hi -= uint64(y.v)
	}
	if y.v < 0 {
		hi -= uint64(x.v)
	}
	r = int64(hi<<32 | lo>>32)
	h := int64(hi) >> 31 // must be pure sign extension of r
	return r, h != 0 && h != -1, int64(hi) < 0
}

// Mul returns x * y: the exact 128-bit product floored to 32 fractional bits, wrapping on
// overflow.
func (x I32F32) Mul(y I32F32) I32F32 {
	r, _, _ := x.mul(y)
	return I32F32{r}
}

// CheckedMul returns x * y (floored) and false on overflow.
func (x I32F32) CheckedMul(y I32F32) (I32F32, bool) {
	r, ovf, _ := x.mul(y)
	return I32F32{r}, !ovf
}

// SatMul returns x * y (floored) clamped to the range of I32F32.
func (x I32F32) SatMul(y I32F32) I32F32 {
	r, ovf, neg := x.mul(y)
	switch {
	case !ovf:
		return I32F32{r}
	case neg:
		return I32Min
	default:
		return I32Max
	}
}

// div returns (x << 32) / y truncated toward zero (wrapped), whether it overflowed and
// whether the exact quotient is negative. y must not be zero.
func (x I32F32) div(y I32F32) (r int64, ovf, neg bool) {
	neg = (x.v < 0) != (y.v < 0)
	ua, ub := absInt64(x.v), absInt64(y.v)
	hi, lo := ua>>32, ua<<32
	var q uint64
	if hi < ub {
		q, _ = bits.Div64(hi, lo, ub)
	} else {
		ovf = true
		q, _ = bits.Div64(hi%ub, lo, ub) // low 64 bits of the quotient
	}
	if neg {
		return -int64(q), ovf || q > 1<<63, q != 0 || ovf
	}
	return int64(q), ovf || q > 1<<63-1, false
}

// Div returns x / y truncated toward zero, wrapping on overflow. It panics if y is zero,
// as Rust does.
func (x I32F32) Div(y I32F32) I32F32 {
	if y.v == 0 {
		panic("fixed: division by zero")
	}
	r, _, _ := x.div(y)
	return I32F32{r}
}

// CheckedDiv returns x / y (truncated) and false if y is zero or the quotient overflows.
func (x I32F32) CheckedDiv(y I32F32) (I32F32, bool) {
	if y.v == 0 {
		return I32F32{}, false
	}
	r, ovf, _ := x.div(y)
	return I32F32{r}, !ovf
}

// SatDiv returns x / y (truncated) clamped to the range of I32F32. It panics if y is
// zero, as Rust's saturating_div does.
func (x I32F32) SatDiv(y I32F32) I32F32 {
	if y.v == 0 {
		panic("fixed: division by zero")
	}
	r, ovf, neg := x.div(y)
	switch {
	case !ovf:
		return I32F32{r}
	case neg:
		return I32Min
	default:
		return I32Max
	}
}

// SafeDiv is subtensor's safe_div: x / y, or 0 if y is zero or the quotient overflows.
func (x I32F32) SafeDiv(y I32F32) I32F32 {
	return x.SafeDivOr(y, I32F32{})
}

// SafeDivOr is subtensor's safe_div_or: x / y, or d if y is zero or the quotient overflows.
func (x I32F32) SafeDivOr(y, d I32F32) I32F32 {
	if q, ok := x.CheckedDiv(y); ok {
		return q
	}
	return d
}

// Neg returns -x, wrapping on overflow (I32Min stays I32Min).
func (x I32F32) Neg() I32F32 { return I32F32{-x.v} }

// CheckedNeg returns -x and false on overflow (for I32Min).
func (x I32F32) CheckedNeg() (I32F32, bool) { return I32F32{-x.v}, x.v != -1<<63 }

// Abs returns |x|, wrapping on overflow (I32Min stays I32Min).
func (x I32F32) Abs() I32F32 {
	if x.v < 0 {
		return I32F32{-x.v}
	}
	return x
}

// IsNegative reports whether x < 0.
func (x I32F32) IsNegative() bool { return x.v < 0 }

// Round returns x rounded to the nearest integer, ties away from zero, wrapping on
// overflow.
func (x I32F32) Round() I32F32 {
	f, frac := x.v&^fracMask32, x.v&fracMask32
	if frac > half32 || (frac == half32 && x.v >= 0) {
		return I32F32{f + 1<<32}
	}
	return I32F32{f}
}

// Floor returns the largest integer not above x.
func (x I32F32) Floor() I32F32 { return I32F32{x.v &^ fracMask32} }

// Cmp returns -1, 0 or +1 as x is less than, equal to or greater than y.
func (x I32F32) Cmp(y I32F32) int {
	switch {
	case x.v < y.v:
		return -1
	case x.v > y.v:
		return 1
	}
	return 0
}

// Less reports whether x < y.
func (x I32F32) Less(y I32F32) bool { return x.v < y.v }

// LessEq reports whether x <= y.
func (x I32F32) LessEq(y I32F32) bool { return x.v <= y.v }

// IsZero reports whether x == 0.
func (x I32F32) IsZero() bool { return x.v == 0 }

// SatToU16 returns floor(x) clamped to [0, 65535].
func (x I32F32) SatToU16() uint16 {
	i := x.v >> 32
	switch {
	case i < 0:
		return 0
	case i > 1<<16-1:
		return 1<<16 - 1
	}
	return uint16(i)
}

// SatToU64 returns floor(x) clamped to [0, 2^64-1] (negative gives 0).
func (x I32F32) SatToU64() uint64 {
	if x.v < 0 {
		return 0
	}
	return uint64(x.v >> 32)
}

// SatToI64 returns floor(x); it always fits.
func (x I32F32) SatToI64() int64 { return x.v >> 32 }

// Float64 returns x as a float64 (exact rounding to nearest), for display and tests only.
func (x I32F32) Float64() float64 { return float64(x.v) / (1 << 32) }

// String returns the exact decimal value of x.
func (x I32F32) String() string { return kI32F32.String(x.raw()) }
