// Package arith is the 128/256-bit integer engine behind package fixed.
//
// A fixed-point value is handled here as its raw two's-complement bits in a U128 plus a
// Kind (signedness, fractional bits, storage width). Products, quotients and conversions
// are first computed exactly, in sign-magnitude form with 256-bit intermediates (type
// Result), then fitted into the destination Kind, which reports overflow and yields the
// wrapped (low bits) result; callers choose wrapping, saturating or checked behaviour.
//
// Invariants: everything is integer-only and deterministic (consensus-critical); no
// function allocates except String and Float64, which are for display; 64-bit kinds are
// stored sign-extended (signed) or zero-extended (unsigned) in a U128.
package arith

import "math/bits"

// U128 is a 128-bit two's-complement bit pattern.
type U128 struct{ Hi, Lo uint64 }

// Kind describes a fixed-point format: Signed or not, Frac fractional bits, and the
// storage Width in bits (64 or 128).
type Kind struct {
	Signed bool
	Frac   uint
	Width  uint
}

// Max returns the largest raw value of k.
func (k Kind) Max() U128 {
	switch {
	case k.Width == 64 && k.Signed:
		return U128{0, 1<<63 - 1}
	case k.Width == 64:
		return U128{0, ^uint64(0)}
	case k.Signed:
		return U128{1<<63 - 1, ^uint64(0)}
	default:
		return U128{^uint64(0), ^uint64(0)}
	}
}

// Min returns the smallest raw value of k.
func (k Kind) Min() U128 {
	switch {
	case !k.Signed:
		return U128{}
	case k.Width == 64:
		return U128{^uint64(0), 1 << 63}
	default:
		return U128{1 << 63, 0}
	}
}

// One returns the raw bits of the value 1 in k.
func (k Kind) One() U128 { return Shl(U128{0, 1}, k.Frac) }

// IsNeg reports whether a is negative when read as kind k.
func (k Kind) IsNeg(a U128) bool { return k.Signed && int64(a.Hi) < 0 }

// Add returns a + b modulo 2^128.
func Add(a, b U128) U128 {
	lo, c := bits.Add64(a.Lo, b.Lo, 0)
	hi, _ := bits.Add64(a.Hi, b.Hi, c)
	return U128{hi, lo}
}

// Sub returns a - b modulo 2^128.
func Sub(a, b U128) U128 {
	lo, c := bits.Sub64(a.Lo, b.Lo, 0)
	hi, _ := bits.Sub64(a.Hi, b.Hi, c)
	return U128{hi, lo}
}

// Neg returns -a modulo 2^128.
func Neg(a U128) U128 { return Sub(U128{}, a) }

// Shl returns a << n (n < 128 keeps bits; n >= 128 gives 0).
func Shl(a U128, n uint) U128 {
	switch {
	case n == 0:
		return a
	case n >= 128:
		return U128{}
	case n >= 64:
		return U128{a.Lo << (n - 64), 0}
	default:
		return U128{a.Hi<<n | a.Lo>>(64-n), a.Lo << n}
	}
}

// Cmp compares a and b as values of kind k: -1, 0 or +1.
func (k Kind) Cmp(a, b U128) int {
	if a == b {
		return 0
	}
	if k.Signed {
		if int64(a.Hi) != int64(b.Hi) {
			if int64(a.Hi) < int64(b.Hi) {
				return -1
			}
			return 1
		}
	} else if a.Hi != b.Hi {
		if a.Hi < b.Hi {
			return -1
		}
		return 1
	}
	if a.Lo < b.Lo {
		return -1
	}
	return 1
}

// Wrap reduces a 128-bit pattern to the storage width of k (sign- or zero-extending the
// low 64 bits for 64-bit kinds).
func (k Kind) Wrap(a U128) U128 {
	if k.Width == 64 {
		if k.Signed {
			return U128{uint64(int64(a.Lo) >> 63), a.Lo}
		}
		return U128{0, a.Lo}
	}
	return a
}

// AddOverflow returns the wrapped sum a + b in kind k and whether it overflowed.
func (k Kind) AddOverflow(a, b U128) (U128, bool) {
	return k.addSub(a, b, false)
}

// SubOverflow returns the wrapped difference a - b in kind k and whether it overflowed.
func (k Kind) SubOverflow(a, b U128) (U128, bool) {
	return k.addSub(a, b, true)
}

func (k Kind) addSub(a, b U128, sub bool) (U128, bool) {
	var r U128
	if sub {
		r = Sub(a, b)
	} else {
		r = Add(a, b)
	}
	r = k.Wrap(r)
	var ovf bool
	if k.Signed {
		sa, sb, sr := int64(a.Hi) < 0, int64(b.Hi) < 0, int64(r.Hi) < 0
		if sub {
			ovf = sa != sb && sr != sa
		} else {
			ovf = sa == sb && sr != sa
		}
	} else if sub {
		ovf = k.Cmp(a, b) < 0
	} else {
		ovf = k.Cmp(r, a) < 0
	}
	return r, ovf
}

// SatAdd returns a + b in kind k, clamped to its range.
func (k Kind) SatAdd(a, b U128) U128 {
	r, ovf := k.AddOverflow(a, b)
	if !ovf {
		return r
	}
	if k.Signed && int64(a.Hi) < 0 {
		return k.Min()
	}
	return k.Max()
}

// SatSub returns a - b in kind k, clamped to its range.
func (k Kind) SatSub(a, b U128) U128 {
	r, ovf := k.SubOverflow(a, b)
	if !ovf {
		return r
	}
	if !k.Signed || int64(a.Hi) < 0 {
		return k.Min()
	}
	return k.Max()
}

// Floor clears the fractional bits of a (rounds toward minus infinity).
func (k Kind) Floor(a U128) U128 {
	mask := Sub(Shl(U128{0, 1}, k.Frac), U128{0, 1})
	return k.Wrap(U128{a.Hi &^ mask.Hi, a.Lo &^ mask.Lo})
}

// Round rounds a to the nearest integer, ties away from zero, wrapping on overflow.
func (k Kind) Round(a U128) U128 {
	f := k.Floor(a)
	frac := Sub(a, f)
	half := Shl(U128{0, 1}, k.Frac-1)
	c := Kind{Frac: k.Frac, Width: 128}.Cmp(frac, half)
	if c > 0 || (c == 0 && !k.IsNeg(a)) {
		return k.Wrap(Add(f, k.One()))
	}
	return f
}

// SatToUint returns floor(a) clamped to [0, max].
func (k Kind) SatToUint(a U128, max uint64) uint64 {
	mag, neg, ok := k.IntPart(a)
	switch {
	case neg:
		return 0
	case !ok || mag > max:
		return max
	default:
		return mag
	}
}

// SatToInt64 returns floor(a) clamped to the int64 range.
func (k Kind) SatToInt64(a U128) int64 {
	mag, neg, ok := k.IntPart(a)
	switch {
	case neg && (!ok || mag > 1<<63):
		return -1 << 63
	case neg:
		return int64(-mag)
	case !ok || mag > 1<<63-1:
		return 1<<63 - 1
	default:
		return int64(mag)
	}
}
