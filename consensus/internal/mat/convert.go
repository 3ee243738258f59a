package mat

import "github.com/taorun/taorun/consensus/fixed"

var (
	u16Max    = fixed.I32FromUint(65535)
	threshold = fixed.I32FromUint(32768)
)

// U16ToFixed converts a u16 to I32F32 without scaling (65535 stays 65535).
func U16ToFixed(x uint16) Fx { return fixed.I32FromUint(uint64(x)) }

// U16ProportionToFixed converts a u16 proportion to I32F32: x / 65535.
func U16ProportionToFixed(x uint16) Fx { return U16ToFixed(x).SafeDiv(u16Max) }

// FixedToFixedU16Proportion divides an I32F32 by 65535 (safe division).
func FixedToFixedU16Proportion(x Fx) Fx { return x.SafeDiv(u16Max) }

// FixedProportionToU16 converts a proportion to u16: floor(x * 65535) clamped to
// [0, 65535] (so 1.0 gives 65535 and 0.5 gives 32767).
func FixedProportionToU16(x Fx) uint16 { return x.SatMul(u16Max).SatToU16() }

// VecMaxUpscaleToU16 scales v so that its maximum becomes 65535, rounding half away from
// zero, as set_weights does. An all-zero vector maps element-wise to floor(e * 65535).
func VecMaxUpscaleToU16(v []Fx) []uint16 {
	out := make([]uint16, len(v))
	if len(v) == 0 {
		return out
	}
	m := v[0]
	for _, x := range v[1:] {
		if m.Less(x) {
			m = x
		}
	}
	switch {
	case m.IsZero():
		for i, e := range v {
			out[i] = e.SatMul(u16Max).SatToU16()
		}
	case threshold.Less(m):
		f := u16Max.SafeDiv(m)
		for i, e := range v {
			out[i] = e.SatMul(f).Round().SatToU16()
		}
	default:
		for i, e := range v {
			out[i] = e.SatMul(u16Max).SafeDiv(m).Round().SatToU16()
		}
	}
	return out
}

// VecU16MaxUpscaleToU16 is VecMaxUpscaleToU16 on u16 inputs (how set_weights stores
// weight rows).
func VecU16MaxUpscaleToU16(v []uint16) []uint16 {
	f := make([]Fx, len(v))
	for i, x := range v {
		f[i] = U16ToFixed(x)
	}
	return VecMaxUpscaleToU16(f)
}

// CheckVecMaxLimited reports whether the normalised v has no element above
// limit/65535 (true for an empty vector).
func CheckVecMaxLimited(v []uint16, limit uint16) bool {
	lim := U16ProportionToFixed(limit)
	f := make([]Fx, len(v))
	for i, x := range v {
		f[i] = U16ToFixed(x)
	}
	InplaceNormalize(f)
	for _, x := range f {
		if lim.Less(x) {
			return false
		}
	}
	return true
}
