package mat

import (
	"slices"

	"github.com/taorun/taorun/consensus/fixed"
)

// Entry is one cell (column, value) of a sparse row.
type Entry struct {
	Col uint16
	Val Fx
}

// Sparse is a sparse matrix: one row of entries per row index, in stored order.
type Sparse [][]Entry

// Workspace recycles the storage of intermediate sparse matrices across calls, so a
// sweep of epochs does not allocate (and clear) every matrix afresh. Functions that
// build a sparse matrix are methods of *Workspace; a nil *Workspace allocates every
// result from the heap. With a non-nil workspace, results live until the next Reset and
// must not be used after it. A Workspace is not safe for concurrent use.
type Workspace struct {
	slab  []Entry
	used  int
	spill int    // entries handed out from retired slabs since the last Reset
	cells []cell // WeightedMedianColSparse's transpose
}

// Entries returns an empty slice with capacity n for a result row or matrix.
func (ws *Workspace) Entries(n int) []Entry {
	if ws == nil {
		return make([]Entry, 0, n)
	}
	if ws.used+n > len(ws.slab) {
		// Retire the slab (its rows may still be in use) and start a larger one.
		ws.spill += ws.used
		ws.slab = make([]Entry, max(n, 2*len(ws.slab), 4096))
		ws.used = 0
	}
	s := ws.slab[ws.used : ws.used : ws.used+n]
	ws.used += n
	return s
}

// Reset makes all storage handed out so far reusable. If the slab overflowed since the
// last Reset, the next one is sized for the whole demand.
func (ws *Workspace) Reset() {
	if ws.spill > 0 {
		ws.slab = make([]Entry, ws.spill+ws.used)
	}
	ws.used, ws.spill = 0, 0
}

// Clone returns a copy of m.
func (ws *Workspace) Clone(m Sparse) Sparse {
	return ws.FilterSparse(m, func(int, Entry) bool { return true })
}

// FilterSparse returns a copy of m holding the entries for which keep is true, in order.
// The rows share one backing array (each row's capacity ends at its length, so appending
// to one row never overwrites another).
func (ws *Workspace) FilterSparse(m Sparse, keep func(i int, e Entry) bool) Sparse {
	return ws.mapSparse(m, func(i int, e Entry) (Entry, bool) { return e, keep(i, e) })
}

// mapSparse returns f applied to every entry of m, keeping the results f marks true.
func (ws *Workspace) mapSparse(m Sparse, f func(i int, e Entry) (Entry, bool)) Sparse {
	total := 0
	for _, r := range m {
		total += len(r)
	}
	buf := ws.Entries(total)
	out := make(Sparse, len(m))
	for i, r := range m {
		start := len(buf)
		for _, e := range r {
			if x, ok := f(i, e); ok {
				buf = append(buf, x)
			}
		}
		out[i] = buf[start:len(buf):len(buf)]
	}
	return out
}

// InplaceRowNormalizeSparse divides every row with a positive (plain) sum by that sum.
func InplaceRowNormalizeSparse(m Sparse) {
	for _, row := range m {
		s := fixed.I32Zero
		for _, e := range row {
			s = s.Add(e.Val)
		}
		if fixed.I32Zero.Less(s) {
			dv := newDivisor(s)
			for k := range row {
				row[k].Val = dv.div(row[k].Val)
			}
		}
	}
}

// RowSumSparse returns the plain sum of each row.
func RowSumSparse(m Sparse) []Fx {
	out := make([]Fx, len(m))
	for i, row := range m {
		s := fixed.I32Zero
		for _, e := range row {
			s = s.Add(e.Val)
		}
		out[i] = s
	}
	return out
}

// colReduce folds every entry with column < cols into acc[col] using f.
func colReduce(m Sparse, cols int, f func(acc, v Fx) Fx) []Fx {
	acc := make([]Fx, cols)
	for _, row := range m {
		for _, e := range row {
			if int(e.Col) < cols {
				acc[e.Col] = f(acc[e.Col], e.Val)
			}
		}
	}
	return acc
}

// divideCols divides every entry by by[col] where that is non-zero (missing counts as zero).
func divideCols(m Sparse, by []Fx) {
	dvs := make([]divisor, len(by))
	for j, d := range by {
		dvs[j] = newDivisor(d)
	}
	for _, row := range m {
		for k, e := range row {
			if int(e.Col) < len(by) && !by[e.Col].IsZero() {
				row[k].Val = dvs[e.Col].div(e.Val)
			}
		}
	}
}

// InplaceColNormalizeSparse divides each entry by its column's saturating sum, where
// that sum is non-zero.
func InplaceColNormalizeSparse(m Sparse, cols int) {
	divideCols(m, colReduce(m, cols, Fx.SatAdd))
}

// InplaceColMaxUpscaleSparse divides each entry by its column's maximum (if non-zero), so
// the largest entry of a column becomes 1.
func InplaceColMaxUpscaleSparse(m Sparse, cols int) {
	divideCols(m, colReduce(m, cols, func(acc, v Fx) Fx {
		if acc.Less(v) {
			return v
		}
		return acc
	}))
}

// MaskRowsSparse empties the rows i with mask[i] true; rows beyond the mask are emptied too.
func (ws *Workspace) MaskRowsSparse(mask []bool, m Sparse) Sparse {
	return ws.FilterSparse(m, func(i int, _ Entry) bool { return i < len(mask) && !mask[i] })
}

// MaskDiagSparse drops the diagonal entries (i, i).
func (ws *Workspace) MaskDiagSparse(m Sparse) Sparse { return ws.maskDiagSparse(m, -1) }

// MaskDiagSparseExceptIndex drops the diagonal entries except (except, except).
func (ws *Workspace) MaskDiagSparseExceptIndex(m Sparse, except uint16) Sparse {
	return ws.maskDiagSparse(m, int(except))
}

func (ws *Workspace) maskDiagSparse(m Sparse, keep int) Sparse {
	return ws.FilterSparse(m, func(i int, e Entry) bool { return int(e.Col) != i || i == keep })
}

// VecMaskSparseMatrix drops entry (i, j) where fn(first[i], second[j]) is true; missing
// vector entries read as 0.
func (ws *Workspace) VecMaskSparseMatrix(m Sparse, first, second []uint64, fn func(a, b uint64) bool) Sparse {
	return ws.FilterSparse(m, func(i int, e Entry) bool {
		return !fn(at64(first, i), at64(second, int(e.Col)))
	})
}

// ScalarVecMaskSparseMatrix drops entry (i, j) where fn(scalar, v[j]) is true; missing
// vector entries read as 0.
func (ws *Workspace) ScalarVecMaskSparseMatrix(m Sparse, scalar uint64, v []uint64, fn func(a, b uint64) bool) Sparse {
	return ws.FilterSparse(m, func(_ int, e Entry) bool { return !fn(scalar, at64(v, int(e.Col))) })
}

func at64(v []uint64, i int) uint64 {
	if i < len(v) {
		return v[i]
	}
	return 0
}

func at(v []Fx, i int) Fx {
	if i < len(v) {
		return v[i]
	}
	return fixed.I32Zero
}

// RowHadamardSparse multiplies row i by v[i] (saturating); rows beyond v are dropped.
func (ws *Workspace) RowHadamardSparse(m Sparse, v []Fx) Sparse {
	return ws.mapSparse(m[:min(len(m), len(v))], func(i int, e Entry) (Entry, bool) {
		return Entry{e.Col, e.Val.SatMul(v[i])}, true
	})
}

// MatmulSparse returns r_j = sum_i v_i * m_ij (saturating) for j < cols.
func MatmulSparse(m Sparse, v []Fx, cols int) []Fx {
	out := make([]Fx, cols)
	for i, row := range m {
		s := at(v, i)
		for _, e := range row {
			if int(e.Col) < cols {
				out[e.Col] = out[e.Col].SatAdd(s.SatMul(e.Val))
			}
		}
	}
	return out
}

// MatmulTransposeSparse returns r_i = sum_j v_j * m_ij (saturating).
func MatmulTransposeSparse(m Sparse, v []Fx) []Fx {
	out := make([]Fx, len(m))
	for i, row := range m {
		acc := fixed.I32Zero
		for _, e := range row {
			acc = acc.SatAdd(at(v, int(e.Col)).SatMul(e.Val))
		}
		out[i] = acc
	}
	return out
}

// ColClipSparse clips each entry to its column threshold c_j; an entry above a
// threshold that is not positive is dropped.
func (ws *Workspace) ColClipSparse(m Sparse, c []Fx) Sparse {
	return ws.mapSparse(m, func(_ int, e Entry) (Entry, bool) {
		if th := at(c, int(e.Col)); th.Less(e.Val) {
			return Entry{e.Col, th}, positive(th)
		}
		return e, true
	})
}

// MatVecMulSparse multiplies each entry (i, j) by v[j] (saturating), dropping zero
// products and entries whose column is beyond v.
func (ws *Workspace) MatVecMulSparse(m Sparse, v []Fx) Sparse {
	return ws.mapSparse(m, func(_ int, e Entry) (Entry, bool) {
		if int(e.Col) >= len(v) {
			return e, false
		}
		p := e.Val.SatMul(v[e.Col])
		return Entry{e.Col, p}, !p.IsZero()
	})
}

// rowAcc is a dense accumulator of a given width that remembers which columns were
// written, so a sparse row can be rebuilt in ascending column order in time
// proportional to the number of touched columns rather than the width.
type rowAcc struct {
	val     []Fx
	seen    []bool
	touched []uint16
}

func newRowAcc(width int) *rowAcc {
	return &rowAcc{val: make([]Fx, width), seen: make([]bool, width)}
}

func (a *rowAcc) touch(j uint16) {
	if !a.seen[j] {
		a.seen[j] = true
		a.touched = append(a.touched, j)
	}
}

// drain emits the touched columns in ascending order (entries whose value passes keep)
// and clears the accumulator.
func (a *rowAcc) drain(ws *Workspace, keep func(Fx) bool) []Entry {
	if !slices.IsSorted(a.touched) { // rows usually arrive sorted
		slices.Sort(a.touched)
	}
	out := ws.Entries(len(a.touched))
	for _, j := range a.touched {
		if v := a.val[j]; keep(v) {
			out = append(out, Entry{j, v})
		}
		a.val[j] = fixed.I32Zero
		a.seen[j] = false
	}
	a.touched = a.touched[:0]
	return out
}

func positive(v Fx) bool { return fixed.I32Zero.Less(v) }

// InterpolateSparse returns a + ratio*(b - a) entry-wise over cols columns, keeping the
// positive results in ascending column order. Ratio 0 returns a itself and ratio 1 b
// itself (not copies: upstream copies, but the epoch never modifies the result, and this
// saves a copy of the weights); if the row counts differ b is returned.
func (ws *Workspace) InterpolateSparse(a, b Sparse, cols int, ratio Fx) Sparse {
	switch {
	case ratio.IsZero():
		return a
	case ratio == fixed.I32One, len(a) != len(b):
		return b
	}
	out := make(Sparse, len(a))
	v1 := newRowAcc(cols)
	v2 := make([]Fx, cols)
	for i := range a {
		// Later duplicates overwrite earlier ones, as upstream's dense row fill does.
		for _, e := range a[i] {
			if int(e.Col) < cols {
				v1.touch(e.Col)
				v1.val[e.Col] = e.Val
			}
		}
		for _, e := range b[i] {
			if int(e.Col) < cols {
				v1.touch(e.Col)
				v2[e.Col] = e.Val
			}
		}
		// Columns touched by neither row interpolate 0 to 0 and are never emitted.
		for _, j := range v1.touched {
			x := v1.val[j]
			v1.val[j] = x.SatAdd(ratio.SatMul(v2[j].SatSub(x)))
			v2[j] = fixed.I32Zero
		}
		out[i] = v1.drain(ws, positive)
	}
	return out
}

// MatEmaSparse returns alpha*new + (1-alpha)*old entry-wise (saturating), with rows of
// width len(new) (the matrix is square), keeping positive results in column order.
func (ws *Workspace) MatEmaSparse(newM, oldM Sparse, alpha Fx) Sparse {
	n := len(newM)
	out := make(Sparse, n)
	if n == 0 {
		return out
	}
	oneMinus := fixed.I32One.SatSub(alpha)
	acc := newRowAcc(n)
	for i, row := range newM {
		for _, e := range row {
			if int(e.Col) < n {
				acc.touch(e.Col)
				acc.val[e.Col] = acc.val[e.Col].SatAdd(alpha.SatMul(e.Val))
			}
		}
		if i < len(oldM) {
			for _, e := range oldM[i] {
				if int(e.Col) < n {
					acc.touch(e.Col)
					acc.val[e.Col] = acc.val[e.Col].SatAdd(oneMinus.SatMul(e.Val))
				}
			}
		}
		out[i] = acc.drain(ws, positive)
	}
	return out
}

// MatEmaAlphaSparse is the liquid-alpha EMA with one alpha per cell:
// min((1-a_ij)*old_ij + max(a_ij*new_ij, 0), 1), emitted for the entries of new in row
// order where positive. Old bonds on columns absent from the new row are dropped. If the
// row counts of new, old and alpha differ, a copy of new is returned.
func (ws *Workspace) MatEmaAlphaSparse(newM, oldM Sparse, alpha [][]Fx) Sparse {
	return ws.MatEmaAlphaSparseFunc(newM, oldM, len(alpha), func(i int) []Fx { return alpha[i] })
}

// MatEmaAlphaSparseFunc is MatEmaAlphaSparse with the alpha rows supplied on demand:
// alphaRow(i) returns row i (its length bounds the usable columns) and is only read at
// the columns of new[i] and old[i], so a caller may fill just those.
func (ws *Workspace) MatEmaAlphaSparseFunc(newM, oldM Sparse, alphaRows int, alphaRow func(i int) []Fx) Sparse {
	if len(newM) != len(oldM) || len(newM) != alphaRows {
		return ws.Clone(newM)
	}
	out := make(Sparse, len(newM))
	var decayed []Fx
	for i, row := range newM {
		ar := alphaRow(i)
		if cap(decayed) < len(ar) {
			decayed = make([]Fx, len(ar))
		}
		decayed = decayed[:len(ar)]
		for _, e := range oldM[i] {
			if int(e.Col) < len(ar) {
				decayed[e.Col] = fixed.I32One.SatSub(ar[e.Col]).SatMul(e.Val)
			}
		}
		r := ws.Entries(len(row))
		for _, e := range row {
			if int(e.Col) < len(ar) {
				inc := ar[e.Col].SatMul(e.Val)
				if inc.IsNegative() {
					inc = fixed.I32Zero
				}
				v := decayed[e.Col].SatAdd(inc)
				if fixed.I32One.Less(v) {
					v = fixed.I32One
				}
				if positive(v) {
					r = append(r, Entry{e.Col, v})
				}
			}
		}
		for _, e := range oldM[i] {
			if int(e.Col) < len(ar) {
				decayed[e.Col] = fixed.I32Zero
			}
		}
		out[i] = r
	}
	return out
}
