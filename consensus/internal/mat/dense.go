package mat

import (
	"slices"

	"github.com/taorun/taorun/consensus/fixed"
)

// Dense is a dense matrix of rows.
type Dense [][]Fx

// Clone returns a deep copy of m.
func (m Dense) Clone() Dense {
	out := make(Dense, len(m))
	for i, r := range m {
		out[i] = slices.Clone(r)
	}
	return out
}

// NewDense returns a rows x cols zero matrix.
func NewDense(rows, cols int) Dense {
	out := make(Dense, rows)
	buf := make([]Fx, rows*cols)
	for i := range out {
		out[i] = buf[i*cols : (i+1)*cols : (i+1)*cols]
	}
	return out
}

func firstWidth(m Dense) int {
	if len(m) == 0 {
		return 0
	}
	return len(m[0])
}

// InplaceRowNormalize divides every row with a positive (plain) sum by that sum.
func InplaceRowNormalize(m Dense) {
	for _, row := range m {
		s := Sum(row)
		if positive(s) {
			dv := newDivisor(s)
			for j := range row {
				row[j] = dv.div(row[j])
			}
		}
	}
}

// RowSum returns the plain sum of each row; empty if the first row is empty.
func RowSum(m Dense) []Fx {
	if len(m) > 0 && len(m[0]) == 0 {
		return []Fx{}
	}
	out := make([]Fx, len(m))
	for i, row := range m {
		out[i] = Sum(row)
	}
	return out
}

// colFold folds column values with f over a buffer as wide as the widest row.
func colFold(m Dense, f func(acc, v Fx) Fx) []Fx {
	w := 0
	for _, r := range m {
		w = max(w, len(r))
	}
	acc := make([]Fx, w)
	for _, r := range m {
		for j, v := range r {
			acc[j] = f(acc[j], v)
		}
	}
	return acc
}

func divideDenseCols(m Dense, by []Fx) {
	dvs := make([]divisor, len(by))
	for j, d := range by {
		dvs[j] = newDivisor(d)
	}
	for _, r := range m {
		for j, v := range r {
			if !by[j].IsZero() {
				r[j] = dvs[j].div(v)
			}
		}
	}
}

// InplaceColNormalize divides each element by its column's saturating sum, where non-zero.
func InplaceColNormalize(m Dense) { divideDenseCols(m, colFold(m, Fx.SatAdd)) }

// InplaceColMaxUpscale divides each element by its column's maximum, where non-zero.
func InplaceColMaxUpscale(m Dense) {
	divideDenseCols(m, colFold(m, func(acc, v Fx) Fx {
		if acc.Less(v) {
			return v
		}
		return acc
	}))
}

// InplaceMaskRows replaces row i by zeros (as wide as the first row) where mask[i] is
// true or missing.
func InplaceMaskRows(mask []bool, m Dense) {
	w := firstWidth(m)
	for i := range m {
		if i >= len(mask) || mask[i] {
			m[i] = make([]Fx, w)
		}
	}
}

// InplaceMaskCols zeroes column j where mask[j] is true or missing.
func InplaceMaskCols(mask []bool, m Dense) {
	for _, r := range m {
		for j := range r {
			if j >= len(mask) || mask[j] {
				r[j] = fixed.I32Zero
			}
		}
	}
}

// InplaceMaskMatrix zeroes element (i, j) where mask[i][j] is true or missing; an empty
// mask (or one whose first row is empty) masks nothing.
func InplaceMaskMatrix(mask [][]bool, m Dense) {
	if len(mask) == 0 || len(mask[0]) == 0 {
		return
	}
	for i, r := range m {
		for j := range r {
			if i >= len(mask) || j >= len(mask[i]) || mask[i][j] {
				r[j] = fixed.I32Zero
			}
		}
	}
}

// InplaceMaskDiag zeroes the diagonal of a square matrix (non-square: unchanged).
func InplaceMaskDiag(m Dense) {
	w := firstWidth(m)
	if w == 0 || w != len(m) {
		return
	}
	for i, r := range m {
		if i < len(r) {
			r[i] = fixed.I32Zero
		}
	}
}

// InplaceMaskDiagExceptIndex zeroes the diagonal of a square matrix except (k, k).
func InplaceMaskDiagExceptIndex(m Dense, k uint16) {
	w := firstWidth(m)
	if w == 0 || w != len(m) {
		return
	}
	i := int(k)
	keep := i < len(m) && i < len(m[i])
	var v Fx
	if keep {
		v = m[i][i]
	}
	InplaceMaskDiag(m)
	if keep {
		m[i][i] = v
	}
}

// RowHadamard multiplies row i by v[i] (saturating); rows beyond v are dropped, and an
// empty matrix (or empty first row) gives one empty row.
func RowHadamard(m Dense, v []Fx) Dense {
	if firstWidth(m) == 0 {
		return Dense{{}}
	}
	n := min(len(m), len(v))
	out := make(Dense, n)
	for i := range n {
		r := make([]Fx, len(m[i]))
		for j, x := range m[i] {
			r[j] = v[i].SatMul(x)
		}
		out[i] = r
	}
	return out
}

// Matmul returns r_j = sum_i v_i * m_ij (saturating) over the first row's width.
func Matmul(m Dense, v []Fx) []Fx {
	w := firstWidth(m)
	if w == 0 {
		return []Fx{}
	}
	acc := make([]Fx, w)
	for i, r := range m {
		s := at(v, i)
		for j, x := range r[:min(len(r), w)] {
			acc[j] = acc[j].SatAdd(s.SatMul(x))
		}
	}
	return acc
}

// MatmulTranspose returns r_i = sum_j v_j * m_ij (saturating).
func MatmulTranspose(m Dense, v []Fx) []Fx {
	if firstWidth(m) == 0 {
		return []Fx{}
	}
	out := make([]Fx, len(m))
	for i, r := range m {
		acc := fixed.I32Zero
		for j, x := range r[:min(len(r), len(v))] {
			acc = acc.SatAdd(x.SatMul(v[j]))
		}
		out[i] = acc
	}
	return out
}

// InplaceColClip sets m_ij = min(c_j, m_ij) for the columns c covers.
func InplaceColClip(m Dense, c []Fx) {
	for _, r := range m {
		for j := range r[:min(len(r), len(c))] {
			if c[j].Less(r[j]) {
				r[j] = c[j]
			}
		}
	}
}

// Interpolate returns a + ratio*(b - a) element-wise (saturating) in a's shape; ratio 0
// returns a copy of a, ratio 1 a copy of b.
func Interpolate(a, b Dense, ratio Fx) Dense {
	switch {
	case ratio.IsZero():
		return a.Clone()
	case ratio == fixed.I32One:
		return b.Clone()
	case firstWidth(a) == 0:
		return Dense{{}}
	}
	out := NewDense(len(a), len(a[0]))
	for i := range min(len(a), len(b)) {
		n := min(len(a[i]), len(b[i]), len(out[i]))
		for j := range n {
			v1 := a[i][j]
			out[i][j] = v1.SatAdd(ratio.SatMul(b[i][j].SatSub(v1)))
		}
	}
	return out
}

// MatEma returns alpha*new + (1-alpha)*old element-wise (saturating, unclamped),
// truncated to the shorter shape; an empty new gives one empty row.
func MatEma(newM, oldM Dense, alpha Fx) Dense {
	if firstWidth(newM) == 0 {
		return Dense{{}}
	}
	oneMinus := fixed.I32One.SatSub(alpha)
	n := min(len(newM), len(oldM))
	out := make(Dense, n)
	for i := range n {
		w := min(len(newM[i]), len(oldM[i]))
		r := make([]Fx, w)
		for j := range w {
			r[j] = alpha.SatMul(newM[i][j]).SatAdd(oneMinus.SatMul(oldM[i][j]))
		}
		out[i] = r
	}
	return out
}

// MatEmaAlpha is the dense liquid-alpha EMA: min((1-a_ij)*old_ij + max(a_ij*new_ij, 0), 1).
// An empty new gives one empty row; if the row counts differ old is returned, and if
// any row widths differ new is returned (copies).
func MatEmaAlpha(newM, oldM, alpha Dense) Dense {
	if firstWidth(newM) == 0 {
		return Dense{{}}
	}
	if len(newM) != len(oldM) || len(newM) != len(alpha) {
		return oldM.Clone()
	}
	for i := range newM {
		if len(newM[i]) != len(oldM[i]) || len(newM[i]) != len(alpha[i]) {
			return newM.Clone()
		}
	}
	out := make(Dense, len(newM))
	for i := range newM {
		r := make([]Fx, len(newM[i]))
		for j, a := range alpha[i] {
			inc := a.SatMul(newM[i][j])
			if inc.IsNegative() {
				inc = fixed.I32Zero
			}
			v := fixed.I32One.SatSub(a).SatMul(oldM[i][j]).SatAdd(inc)
			if fixed.I32One.Less(v) {
				v = fixed.I32One
			}
			r[j] = v
		}
		out[i] = r
	}
	return out
}

// MatVecMul multiplies each row element-wise by v (VecMul: checked, 0 on overflow); an
// empty matrix gives one empty row.
func MatVecMul(m Dense, v []Fx) Dense {
	if firstWidth(m) == 0 {
		return Dense{{}}
	}
	out := make(Dense, len(m))
	for i, r := range m {
		out[i] = VecMul(r, v)
	}
	return out
}
