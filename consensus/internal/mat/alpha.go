package mat

import "github.com/taorun/taorun/consensus/fixed"

var (
	minusHundred = fixed.I32FromInt(-100)
	half         = fixed.I32FromBits(1 << 31)
)

// clamp returns max(min(v, hi), lo), the order upstream's clamp_value uses.
func clamp(v, lo, hi Fx) Fx {
	if hi.Less(v) {
		v = hi
	}
	if v.Less(lo) {
		v = lo
	}
	return v
}

// AlphaSigmoid is the liquid-alpha coefficient of one (validator, miner) cell, from the
// consensus c, weight w and previous bond b:
//
//	x     = w >= b ? clamp(w - c, 0, 1) : clamp(b - w, 0, 1)
//	sig   = 1 / (1 + exp_safe(steepness/(-100) * (x - 0.5)))
//	alpha = clamp(lo + sig*(hi - lo), lo, hi)
//
// with saturating arithmetic throughout.
func AlphaSigmoid(c, w, b, lo, hi, steepness Fx) Fx {
	var x Fx
	if b.LessEq(w) {
		x = clamp(w.SatSub(c), fixed.I32Zero, fixed.I32One)
	} else {
		x = clamp(b.SatSub(w), fixed.I32Zero, fixed.I32One)
	}
	e := fixed.ExpSafe(steepness.SatDiv(minusHundred).SatMul(x.SatSub(half)))
	sig := fixed.I32One.SatDiv(fixed.I32One.SatAdd(e))
	return clamp(lo.SatAdd(sig.SatMul(hi.SatSub(lo))), lo, hi)
}
