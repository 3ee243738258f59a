package mat

import (
	"math/bits"

	"github.com/taorun/taorun/consensus/fixed"
)

// divisor divides many I32F32 values by one divisor with exactly the result of
// Fx.SafeDiv, using a precomputed reciprocal (Möller and Granlund, "Improved division
// by invariant integers", 2011, algorithm 4) instead of a hardware division per value:
// normalising W, bonds and their column sums divides every matrix entry several times.
type divisor struct {
	d     Fx
	norm  uint64 // |d| shifted left so its top bit is set
	shift uint
	v     uint64 // floor((2^128 - 1) / norm) - 2^64
	fast  bool   // d > 0: the reciprocal path applies to non-negative dividends
}

func newDivisor(d Fx) divisor {
	dv := divisor{d: d}
	if b := d.Bits(); b > 0 {
		dv.shift = uint(bits.LeadingZeros64(uint64(b)))
		dv.norm = uint64(b) << dv.shift
		dv.v, _ = bits.Div64(^dv.norm, ^uint64(0), dv.norm)
		dv.fast = true
	}
	return dv
}

// div returns x.SafeDiv(d): (x << 32) / d truncated, or 0 if d is 0 or the quotient
// overflows.
func (dv *divisor) div(x Fx) Fx {
	xb := x.Bits()
	if !dv.fast || xb < 0 {
		return x.SafeDiv(dv.d)
	}
	// Dividend (x << 32) as (u1, u0), then normalised with the divisor.
	u1, u0 := uint64(xb)>>32, uint64(xb)<<32
	if u1 >= uint64(dv.d.Bits()) {
		return fixed.I32Zero // quotient >= 2^64: overflow
	}
	if dv.shift > 0 {
		u1 = u1<<dv.shift | u0>>(64-dv.shift)
		u0 <<= dv.shift
	}
	q1, q0 := bits.Mul64(dv.v, u1)
	var c uint64
	q0, c = bits.Add64(q0, u0, 0)
	q1, _ = bits.Add64(q1, u1, c)
	q1++
	r := u0 - q1*dv.norm
	if r > q0 {
		q1--
		r += dv.norm
	}
	if r >= dv.norm {
		q1++
	}
	if q1 > 1<<63-1 {
		return fixed.I32Zero // quotient overflows I32F32
	}
	return fixed.I32FromBits(int64(q1))
}
