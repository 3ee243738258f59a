package arith

import (
	"math"
	"math/big"
	"math/bits"
	"strings"
)

// FromFloat returns the exact binary value of f times 2^Frac, rounded to nearest with ties
// to even, as a result in kind k. Infinities overflow with their sign; it panics on NaN.
// Only constants and tests use it.
func (k Kind) FromFloat(f float64) Result {
	if math.IsNaN(f) {
		panic("fixed: cannot convert NaN")
	}
	neg := math.Signbit(f) && f != 0
	if math.IsInf(f, 0) {
		return Result{neg: neg, over: true, k: k}
	}
	fr, exp := math.Frexp(math.Abs(f))
	mant := uint64(fr * (1 << 53)) // exact: fr has at most 53 significant bits
	sh := exp - 53 + int(k.Frac)
	r := Result{neg: neg, k: k}
	switch {
	case mant == 0:
	case sh >= 0:
		r.over = bits.Len64(mant)+sh > 128
		r.mag = Shl(U128{0, mant}, uint(min(sh, 128)))
	case -sh >= 64:
		// mant < 2^53 is below half of 2^64: rounds to zero
	default:
		d := uint(-sh)
		q, rem, half := mant>>d, mant&(1<<d-1), uint64(1)<<(d-1)
		if rem > half || (rem == half && q&1 == 1) {
			q++
		}
		r.mag = U128{0, q}
	}
	return r.normalize()
}

// bigValue returns the raw value of a as a big.Int.
func (k Kind) bigValue(a U128) *big.Int {
	neg, m := magnitude(a, k)
	v := new(big.Int).SetUint64(m.Hi)
	v.Lsh(v, 64).Or(v, new(big.Int).SetUint64(m.Lo))
	if neg {
		v.Neg(v)
	}
	return v
}

// Float64 returns a rounded to the nearest float64 (display and tests only).
func (k Kind) Float64(a U128) float64 {
	f := new(big.Float).SetInt(k.bigValue(a))
	f.SetMantExp(f, -int(k.Frac))
	v, _ := f.Float64()
	return v
}

// String returns the exact decimal value of a (every binary fraction has a finite
// decimal expansion), without trailing zeros.
func (k Kind) String(a U128) string {
	v := k.bigValue(a)
	neg := v.Sign() < 0
	v.Abs(v)
	// value = v / 2^F = v * 5^F / 10^F.
	v.Mul(v, new(big.Int).Exp(big.NewInt(5), big.NewInt(int64(k.Frac)), nil))
	s := v.String()
	if len(s) <= int(k.Frac) {
		s = strings.Repeat("0", int(k.Frac)-len(s)+1) + s
	}
	ip, fp := s[:len(s)-int(k.Frac)], strings.TrimRight(s[len(s)-int(k.Frac):], "0")
	out := ip
	if fp != "" {
		out += "." + fp
	}
	if neg {
		out = "-" + out
	}
	return out
}
