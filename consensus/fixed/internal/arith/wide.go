package arith

import "math/bits"

// Result is an exact intermediate value (a product, quotient or converted value) about to
// be wrapped, checked or saturated into a destination kind: its sign, the low 128 bits of
// its magnitude, and whether the magnitude needs more than 128 bits. A zero magnitude is
// never negative. It is kept to a few scalar fields so that it lives in registers.
type Result struct {
	neg, over bool
	mag       U128
	k         Kind
}

// magnitude splits a value of kind k into sign and magnitude (MIN's magnitude 2^(w-1) is
// correct as an unsigned number).
func magnitude(a U128, k Kind) (bool, U128) {
	if k.IsNeg(a) {
		return true, Neg(a)
	}
	return false, a
}

// shrFloor divides the 256-bit magnitude p0..p3 (little-endian) by 2^n (n < 128),
// rounding the signed value toward minus infinity, so a negative value's magnitude
// rounds up. It returns the low 128 bits and whether any higher bit is set.
func shrFloor(p0, p1, p2, p3 uint64, n uint, neg bool) (U128, bool) {
	lost := false
	if n >= 64 {
		lost = p0 != 0
		p0, p1, p2, p3 = p1, p2, p3, 0
		n -= 64
	}
	// Go defines x<<64 and x>>64 as 0, so n == 0 needs no special case.
	lost = lost || p0<<(64-n) != 0
	r0 := p0>>n | p1<<(64-n)
	r1 := p1>>n | p2<<(64-n)
	r2 := p2>>n | p3<<(64-n)
	r3 := p3 >> n
	if neg && lost {
		var c uint64
		r0, c = bits.Add64(r0, 1, 0)
		r1, c = bits.Add64(r1, 0, c)
		r2, c = bits.Add64(r2, 0, c)
		r3 += c
	}
	return U128{r1, r0}, r2|r3 != 0
}

// Wrap returns the result's low bits in its kind and whether it overflowed.
func (r Result) Wrap() (U128, bool) {
	k := r.k
	ovf := r.over
	if r.neg {
		if !ovf {
			lim := U128{} // largest magnitude of a negative value
			switch {
			case k.Signed && k.Width == 64:
				lim = U128{0, 1 << 63}
			case k.Signed:
				lim = U128{1 << 63, 0}
			}
			ovf = Kind{Width: 128}.Cmp(r.mag, lim) > 0
		}
		return k.Wrap(Neg(r.mag)), ovf
	}
	if !ovf {
		ovf = Kind{Width: 128}.Cmp(r.mag, k.Max()) > 0
	}
	return k.Wrap(r.mag), ovf
}

// Sat returns the result clamped to its kind's range.
func (r Result) Sat() U128 {
	v, ovf := r.Wrap()
	switch {
	case !ovf:
		return v
	case r.neg:
		return r.k.Min()
	default:
		return r.k.Max()
	}
}

// normalize clears the sign of a zero result.
func (r Result) normalize() Result {
	if !r.over && r.mag == (U128{}) {
		r.neg = false
	}
	return r
}

// Mul returns the exact product a*b of two values of kind k, floored to k's fractional
// bits (arithmetic shift right).
func (k Kind) Mul(a, b U128) Result {
	na, ma := magnitude(a, k)
	nb, mb := magnitude(b, k)
	neg := na != nb
	p0, p1, p2, p3 := mul128(ma, mb)
	mag, over := shrFloor(p0, p1, p2, p3, k.Frac, neg)
	return Result{neg: neg, over: over, mag: mag, k: k}.normalize()
}

// Div returns (a << Frac) / b for values of kind k, truncating toward zero. It panics if b
// is zero, like Rust's integer division.
func (k Kind) Div(a, b U128) Result {
	if b == (U128{}) {
		panic("fixed: division by zero")
	}
	na, ma := magnitude(a, k)
	nb, mb := magnitude(b, k)
	s := Shl(ma, k.Frac)
	top := uint64(0) // bits of ma << Frac above 128 (Frac <= 64)
	if k.Frac != 0 {
		top = ma.Hi >> (64 - k.Frac)
	}
	q := div256([4]uint64{s.Lo, s.Hi, top}, mb)
	return Result{neg: na != nb, over: q[2]|q[3] != 0, mag: U128{q[1], q[0]}, k: k}.normalize()
}

// Convert converts a value of kind from into kind to: extra fractional bits are dropped by
// arithmetic shift (floor), missing ones are zero-filled.
func Convert(a U128, from, to Kind) Result {
	neg, m := magnitude(a, from)
	r := Result{neg: neg, k: to}
	if to.Frac >= from.Frac {
		n := to.Frac - from.Frac // at most 64
		r.mag = Shl(m, n)
		r.over = n != 0 && m.Hi>>(64-n) != 0 // bits shifted out of the top
	} else {
		r.mag, r.over = shrFloor(m.Lo, m.Hi, 0, 0, from.Frac-to.Frac, neg)
	}
	return r.normalize()
}

// FromInt returns the integer v (or, if neg, -v) as an exact result in kind k.
func (k Kind) FromInt(v uint64, neg bool) Result {
	return Convert(U128{0, v}, Kind{Width: 128}, k).withSign(neg)
}

// withSign sets the sign of a non-negative result.
func (r Result) withSign(neg bool) Result {
	r.neg = neg
	return r.normalize()
}

// IntPart returns floor(a) of a value of kind k as a sign and magnitude; ok is false when
// the magnitude does not fit in 64 bits.
func (k Kind) IntPart(a U128) (mag uint64, neg bool, ok bool) {
	n, m := magnitude(a, k)
	r, _ := shrFloor(m.Lo, m.Hi, 0, 0, k.Frac, n)
	return r.Lo, n && r != (U128{}), r.Hi == 0
}

// mul128 returns the full 256-bit product of a and b, little-endian.
func mul128(a, b U128) (p0, p1, p2, p3 uint64) {
	h00, l00 := bits.Mul64(a.Lo, b.Lo)
	h01, l01 := bits.Mul64(a.Lo, b.Hi)
	h10, l10 := bits.Mul64(a.Hi, b.Lo)
	h11, l11 := bits.Mul64(a.Hi, b.Hi)
	r1, c1 := bits.Add64(h00, l01, 0)
	r2, c2 := bits.Add64(h01, h10, c1)
	r3, _ := bits.Add64(h11, 0, c2)
	r1, c1 = bits.Add64(r1, l10, 0)
	r2, c2 = bits.Add64(r2, l11, c1)
	r3, _ = bits.Add64(r3, 0, c2)
	return l00, r1, r2, r3
}

// div256 returns floor(u / v) for a 256-bit u and a non-zero 128-bit v.
func div256(u [4]uint64, v U128) [4]uint64 {
	var q [4]uint64
	if v.Hi == 0 {
		var r uint64
		for i := 3; i >= 0; i-- {
			q[i], r = bits.Div64(r, u[i], v.Lo)
		}
		return q
	}
	// Knuth's algorithm D with 64-bit digits and a two-digit divisor. With two divisor
	// digits the qhat refinement below compares against the whole three-digit window
	// (rhat*2^64 + un[j] >= qhat*vn.Lo is exactly "window - qhat*v >= 0"), so qhat ends
	// as the exact quotient digit and the usual add-back step can never trigger.
	s := uint(bits.LeadingZeros64(v.Hi))
	vn := Shl(v, s)
	var un [5]uint64
	if s != 0 {
		un[4] = u[3] >> (64 - s)
	}
	for i := 3; i >= 0; i-- {
		un[i] = u[i] << s
		if s != 0 && i > 0 {
			un[i] |= u[i-1] >> (64 - s)
		}
	}
	for j := 2; j >= 0; j-- {
		var qhat, rhat uint64
		rhatBig := false // rhat >= 2^64: the refinement test passes trivially
		if un[j+2] >= vn.Hi {
			// un[j+2] == vn.Hi (the remainder is below v): qhat = 2^64-1 and
			// rhat = un[j+2]*2^64 + un[j+1] - qhat*vn.Hi = un[j+1] + vn.Hi.
			qhat = ^uint64(0)
			var c uint64
			rhat, c = bits.Add64(un[j+1], vn.Hi, 0)
			rhatBig = c != 0
		} else {
			qhat, rhat = bits.Div64(un[j+2], un[j+1], vn.Hi)
		}
		for !rhatBig {
			ph, pl := bits.Mul64(qhat, vn.Lo)
			if ph < rhat || (ph == rhat && pl <= un[j]) {
				break
			}
			qhat--
			var c uint64
			rhat, c = bits.Add64(rhat, vn.Hi, 0)
			rhatBig = c != 0
		}
		// Subtract qhat*v from the window; the result is the next partial remainder.
		p0h, p0l := bits.Mul64(qhat, vn.Lo)
		p1h, p1l := bits.Mul64(qhat, vn.Hi)
		w1, c := bits.Add64(p0h, p1l, 0)
		w2 := p1h + c
		var b uint64
		un[j], b = bits.Sub64(un[j], p0l, 0)
		un[j+1], b = bits.Sub64(un[j+1], w1, b)
		un[j+2], _ = bits.Sub64(un[j+2], w2, b)
		q[j] = qhat
	}
	return q
}
