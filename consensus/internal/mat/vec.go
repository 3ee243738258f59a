package mat

import (
	"slices"

	"github.com/taorun/taorun/consensus/fixed"
)

// Fx is the element type of every epoch vector and matrix.
type Fx = fixed.I32F32

// Sum returns the wrapping sum of v, as Rust's Iterator::sum on I32F32 does in a
// release build (values in the epoch never get near overflow).
func Sum(v []Fx) Fx {
	s := fixed.I32Zero
	for _, x := range v {
		s = s.Add(x)
	}
	return s
}

// IsZero reports whether Sum(v) is zero.
func IsZero(v []Fx) bool { return Sum(v).IsZero() }

// InplaceNormalize divides every element by the sum of v, unless the sum is zero.
func InplaceNormalize(v []Fx) { InplaceNormalizeUsingSum(v, Sum(v)) }

// InplaceNormalizeUsingSum divides every element by s (safe division), unless s is zero.
func InplaceNormalizeUsingSum(v []Fx, s Fx) {
	if s.IsZero() {
		return
	}
	dv := newDivisor(s)
	for i := range v {
		v[i] = dv.div(v[i])
	}
}

// Normalize returns a normalised copy of v (see InplaceNormalize).
func Normalize(v []Fx) []Fx {
	out := slices.Clone(v)
	InplaceNormalize(out)
	return out
}

// InplaceNormalize64 is InplaceNormalize on I64F64 values.
func InplaceNormalize64(v []fixed.I64F64) {
	s := fixed.I64Zero
	for _, x := range v {
		s = s.Add(x)
	}
	if s.IsZero() {
		return
	}
	for i := range v {
		v[i] = v[i].SafeDiv(s)
	}
}

// IsTopk marks the k largest elements true; ties drop the lower index first. If
// len(v) < k everything is kept.
func IsTopk(v []Fx, k int) []bool {
	out := make([]bool, len(v))
	for i := range out {
		out[i] = true
	}
	dropLowest(v, k, out)
	return out
}

// IsTopkNonzero is IsTopk that also marks every zero element false.
func IsTopkNonzero(v []Fx, k int) []bool {
	out := make([]bool, len(v))
	for i, x := range v {
		out[i] = !x.IsZero()
	}
	dropLowest(v, k, out)
	return out
}

// dropLowest sets out[i] = false for the len(v)-k smallest elements of v, using a
// stable ascending sort of the indices (so among equal values lower indices go first).
func dropLowest(v []Fx, k int, out []bool) {
	n := len(v)
	if n < k {
		return
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return v[a].Cmp(v[b]) })
	for _, i := range idx[:n-k] {
		out[i] = false
	}
}

// InplaceMaskVector zeroes v[i] where mask[i] is true. An index beyond the mask counts
// as masked, except that an empty mask masks nothing (upstream's early return).
func InplaceMaskVector(mask []bool, v []Fx) {
	if len(mask) == 0 {
		return
	}
	for i := range v {
		if i >= len(mask) || mask[i] {
			v[i] = fixed.I32Zero
		}
	}
}

// VecMul returns the element-wise product (checked: 0 on overflow), truncated to the
// shorter input.
func VecMul(a, b []Fx) []Fx {
	n := min(len(a), len(b))
	out := make([]Fx, n)
	for i := range n {
		if p, ok := a[i].CheckedMul(b[i]); ok {
			out[i] = p
		}
	}
	return out
}

// VecDiv returns x_i / y_i (safe division: 0 where y_i is 0 or missing).
func VecDiv(x, y []Fx) []Fx {
	out := make([]Fx, len(x))
	for i := range x {
		if i < len(y) {
			out[i] = x[i].SafeDiv(y[i])
		}
	}
	return out
}

// CheckedSum returns the sum of v and false if any addition overflows.
func CheckedSum(v []uint64) (uint64, bool) {
	var s uint64
	for _, x := range v {
		if s+x < s {
			return 0, false
		}
		s += x
	}
	return s, true
}
