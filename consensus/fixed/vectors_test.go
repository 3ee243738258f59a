package fixed

import (
	"math"
	"testing"
)

// TestMathFixedOverflow is upstream's test_math_fixed_overflow: the bonds EMA alpha for a
// bonds_moving_average of 900_000 (I64F64 ratio floored to I32F32) equals from_num(0.1),
// and a ratio of exactly 1 gives alpha 0.
func TestMathFixedOverflow(t *testing.T) {
	alpha := func(movingAverage uint64) I32F32 {
		ratio := I64FromUint(movingAverage).SafeDiv(I64FromUint(1_000_000))
		return I32One.SatSub(ratio.SatToI32F32())
	}
	if got := alpha(900_000); got.Bits() != 429496730 || got != I32FromFloat(0.1) {
		t.Errorf("alpha(900000) = bits %d, want 429496730", got.Bits())
	}
	if got := alpha(1_000_000); !got.IsZero() {
		t.Errorf("alpha(1000000) = %s, want 0", got)
	}
}

// TestMathU64Normalization is upstream's test_math_u64_normalization: I64F64 division
// by 21e15 and the floor to I32F32.
func TestMathU64Normalization(t *testing.T) {
	const supply = 21_000_000_000_000_000
	cases := []struct {
		v        uint64
		want64   I64F64
		wantBits uint64 // low word of want64, redundant check of FromFloat
		want32   I32F32
	}{
		{1, I64FromFloat(4.76e-17), 878, I32Zero},
		{4_889_444, I64FromFloat(0.00000000023283066664), 4294967720, I32FromFloat(2e-10)},
		{10_500_000_000_000_000, I64FromFloat(0.5), 1 << 63, I32FromFloat(0.5)},
		{supply, I64One, 0, I32One},
	}
	for _, c := range cases {
		got := I64FromUint(c.v).SafeDiv(I64FromUint(supply))
		if got != c.want64 {
			t.Errorf("%d / 21e15 = %s, want %s", c.v, got, c.want64)
		}
		if _, lo := got.Bits(); lo != c.wantBits {
			t.Errorf("%d / 21e15 low bits = %d, want %d", c.v, lo, c.wantBits)
		}
		if got32 := got.SatToI32F32(); got32 != c.want32 {
			t.Errorf("%d / 21e15 as I32F32 = bits %d, want %d", c.v, got32.Bits(), c.want32.Bits())
		}
	}
	if I32FromFloat(2e-10).Bits() != 1 {
		t.Errorf("from_num(2e-10) = bits %d, want 1", I32FromFloat(2e-10).Bits())
	}
}

// TestConversionVectors covers the conversion tests of upstream math.rs.
func TestConversionVectors(t *testing.T) {
	for _, v := range []uint16{0, 32767, 65535} {
		if got := I32FromUint(uint64(v)).SatToU16(); got != v {
			t.Errorf("fixed_to_u16(%d) = %d", v, got)
		}
	}
	// Upstream from_num(u32::MAX) panics; this API saturates instead.
	if got := I32FromUint(math.MaxUint32); got != I32Max {
		t.Errorf("I32FromUint(u32::MAX) = %s, want I32Max", got)
	}
	if got := I32FromInt(-1).SatToU64(); got != 0 {
		t.Errorf("fixed_to_u64(-1) = %d, want 0", got)
	}
	if got := I64FromInt(math.MaxInt64).SatToU64(); got != math.MaxInt64 {
		t.Errorf("fixed64_to_u64(i64::MAX) = %d", got)
	}
	if got := I64FromInt(-1).SatToU64(); got != 0 {
		t.Errorf("fixed64_to_u64(-1) = %d, want 0", got)
	}
	if got := I64FromUint(math.MaxUint32).SatToI32F32(); got != I32Max {
		t.Errorf("fixed64_to_fixed32(u32::MAX) = %s, want I32Max", got)
	}
	for _, v := range []int64{math.MinInt32, math.MaxInt32} {
		if got := I64FromInt(v).SatToI32F32(); got != I32FromInt(v) {
			t.Errorf("fixed64_to_fixed32(%d) = %s", v, got)
		}
	}
	if got := I64FromInt(math.MaxInt64).SatToI32F32(); got != I32Max {
		t.Errorf("fixed64_to_fixed32(i64::MAX) = %s, want I32Max", got)
	}
	u16max := I32FromUint(65535)
	if got := I32FromUint(0).SafeDiv(u16max); !got.IsZero() {
		t.Errorf("u16_proportion_to_fixed(0) = %s", got)
	}
	for _, c := range []struct {
		x    I32F32
		want uint16
	}{{I32Zero, 0}, {I32One, 65535}, {I32FromFloat(0.5), 32767}, {I32FromFloat(65535), 65535}, {I32FromInt(-3), 0}} {
		if got := c.x.SatMul(u16max).SatToU16(); got != c.want {
			t.Errorf("fixed_proportion_to_u16(%s) = %d, want %d", c.x, got, c.want)
		}
	}
}

// TestFromFloat checks round-to-nearest-even at the fractional precision and saturation.
func TestFromFloat(t *testing.T) {
	cases := []struct {
		f    float64
		want int64
	}{
		{0, 0}, {1, 1 << 32}, {-1, -1 << 32}, {0.5, 1 << 31},
		{0.1, 429496730},                // 429496729.6 rounds up
		{1.5 / (1 << 32), 2},            // tie 1.5 -> 2 (even)
		{2.5 / (1 << 32), 2},            // tie 2.5 -> 2 (even)
		{-2.5 / (1 << 32), -2},          // ties to even on the magnitude
		{0.4 / (1 << 32), 0},            // below half
		{math.Ldexp(1, -90), 0},         // far below the precision
		{2147483647.9999999, 1<<63 - 1}, // the f64 literal is 2^31 exactly: saturates
		{1e300, 1<<63 - 1}, {math.Inf(1), 1<<63 - 1}, {math.Inf(-1), -1 << 63}, {-3e9, -1 << 63},
		{math.Copysign(0, -1), 0},
	}
	for _, c := range cases {
		if got := I32FromFloat(c.f); got.Bits() != c.want {
			t.Errorf("I32FromFloat(%g) = bits %d, want %d", c.f, got.Bits(), c.want)
		}
	}
	if got := U96FromFloat(-1); got != U96Zero {
		t.Errorf("U96FromFloat(-1) = %s, want 0", got)
	}
	if got := U64FromFloat(0.18); got.Float64() != 0.18 {
		t.Errorf("U64FromFloat(0.18).Float64() = %v", got.Float64())
	}
	defer func() {
		if recover() == nil {
			t.Error("I32FromFloat(NaN) did not panic")
		}
	}()
	I32FromFloat(math.NaN())
}

// TestString checks exact decimal rendering.
func TestString(t *testing.T) {
	cases := []struct {
		got  string
		want string
	}{
		{I32Zero.String(), "0"},
		{I32FromFloat(-0.5).String(), "-0.5"},
		{I32FromBits(1).String(), "0.00000000023283064365386962890625"},
		{I32Min.String(), "-2147483648"},
		{U96FromUint(21_000_000_000_000_000).String(), "21000000000000000"},
		{I64Min.String(), "-9223372036854775808"},
		{U64FromFloat(0.25).String(), "0.25"},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("String = %q, want %q", c.got, c.want)
		}
	}
}
