package fixed

// expE is e as substrate-fixed's exp returns it for an argument of exactly 1: the I9F23
// constant E (bits 0xADF85458A2BB4A9AAFDC5620273D3CF1 >> 103, i.e. e truncated to 23
// fractional bits) widened to I32F32.
var expE = I32F32{(0xADF85458 >> 7) << 9}

var (
	expClampHi = I32FromInt(20)
	expClampLo = I32FromInt(-20)
)

// exp is substrate_fixed::transcendental::exp for I32F32: the Taylor series up to the
// 31st term with floored products and truncated divisions, and 1/exp(-x) for negative x.
// ok is false when an intermediate overflows.
func exp(x I32F32) (r I32F32, ok bool) {
	switch x {
	case I32Zero:
		return I32One, true
	case I32One:
		return expE, true
	}
	neg := x.IsNegative()
	if neg {
		if x, ok = x.CheckedNeg(); !ok {
			return I32F32{}, false
		}
	}
	result, ok := x.CheckedAdd(I32One)
	if !ok {
		return I32F32{}, false
	}
	term := x
	for i := int64(2); i < 32; i++ {
		if term, ok = term.CheckedMul(x); !ok {
			return I32F32{}, false
		}
		if term, ok = term.CheckedDiv(I32FromInt(i)); !ok {
			return I32F32{}, false
		}
		if result, ok = result.CheckedAdd(term); !ok {
			return I32F32{}, false
		}
	}
	if neg {
		return I32One.CheckedDiv(result)
	}
	return result, true
}

// ExpSafe is subtensor's exp_safe: e^x with x clamped to [-20, 20], computed by
// substrate-fixed's series; if that overflows it returns 0 for x <= 0 and I32Max
// otherwise. Consensus-critical (liquid alpha).
func ExpSafe(x I32F32) I32F32 {
	switch {
	case x.Less(expClampLo):
		x = expClampLo
	case expClampHi.Less(x):
		x = expClampHi
	}
	if r, ok := exp(x); ok {
		return r
	}
	if x.LessEq(I32Zero) {
		return I32Zero
	}
	return I32Max
}

// SigmoidSafe is subtensor's sigmoid_safe: 1 / (1 + exp_safe(-rho * (input - kappa))),
// with saturating arithmetic and safe division. Consensus-critical (liquid alpha).
func SigmoidSafe(input, rho, kappa I32F32) I32F32 {
	offset := input.SatSub(kappa)
	e := ExpSafe(rho.SatMul(i32Neg1).SatMul(offset))
	return I32One.SafeDiv(e.SatAdd(I32One))
}

// Log2Floor returns the integer part of substrate-fixed's log2(x) for x >= 1: the number
// of halvings, each rounding half up on the raw bits, until x < 2. It panics for x < 1,
// which the emission formula never produces. Consensus-critical (block emission).
func (x I96F32) Log2Floor() int {
	if x.Less(I96One) {
		panic("fixed: Log2Floor of a value below 1: " + x.String())
	}
	two := I96FromInt(2)
	k := 0
	for !x.Less(two) {
		k++
		hi, lo := x.Bits()
		x = I96FromBits(hi>>1, lo>>1|hi<<63).Add(I96FromBits(0, lo&1))
	}
	return k
}
