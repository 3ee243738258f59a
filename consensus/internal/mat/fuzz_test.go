package mat

import (
	"testing"

	"github.com/taorun/taorun/consensus/fixed"
)

// fuzzMatrix decodes bytes into a rows x cols matrix of non-negative values (about a
// third of them zero) and a vector of length rows.
func fuzzMatrix(data []byte) (Dense, []Fx, Fx) {
	next := func() byte {
		if len(data) == 0 {
			return 0
		}
		b := data[0]
		data = data[1:]
		return b
	}
	rows, cols := int(next()%9), int(next()%9)
	ratio := fixed.I32FromBits(int64(next()) << 24)
	m := NewDense(rows, cols)
	for i := range m {
		for j := range m[i] {
			if b := next(); b%3 != 0 {
				m[i][j] = fixed.I32FromBits(int64(b)<<uint(next()%40) + int64(next()))
			}
		}
	}
	v := make([]Fx, rows)
	for i := range v {
		v[i] = fixed.I32FromBits(int64(next()) << 24)
	}
	return m, v, ratio
}

// FuzzSparseMatchesDense: the sparse functions agree with their dense twins on any
// non-negative matrix, and nothing panics.
func FuzzSparseMatchesDense(f *testing.F) {
	f.Add([]byte{3, 3, 128, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20})
	f.Add([]byte{8, 8, 255, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7})
	f.Fuzz(func(t *testing.T, data []byte) {
		d, v, ratio := fuzzMatrix(data)
		cols := firstWidth(d)
		s := sp(d)
		check := func(name string, got Sparse, want Dense) {
			t.Helper()
			g := dn(got, cols)
			for i := range want {
				for j := range want[i] {
					if g[i][j] != want[i][j] {
						t.Fatalf("%s (%d,%d): sparse %v dense %v", name, i, j, g[i][j], want[i][j])
					}
				}
			}
		}
		rn, rns := d.Clone(), ws.Clone(s)
		InplaceRowNormalize(rn)
		InplaceRowNormalizeSparse(rns)
		check("row normalize", rns, rn)
		cn, cns := d.Clone(), ws.Clone(s)
		InplaceColNormalize(cn)
		InplaceColNormalizeSparse(cns, cols)
		check("col normalize", cns, cn)
		cu, cus := d.Clone(), ws.Clone(s)
		InplaceColMaxUpscale(cu)
		InplaceColMaxUpscaleSparse(cus, cols)
		check("col max upscale", cus, cu)
		if cols > 0 {
			eqVec(t, "matmul", MatmulSparse(s, v, cols), Matmul(d, v))
			eqVec(t, "row sum", RowSumSparse(s), RowSum(d))
			check("row hadamard", ws.RowHadamardSparse(s, v), RowHadamard(d, v))
			c := WeightedMedianCol(v, d, ratio)
			eqVec(t, "weighted median", ws.WeightedMedianColSparse(v, s, cols, ratio), c)
			clipped := d.Clone()
			InplaceColClip(clipped, c)
			check("col clip", ws.ColClipSparse(s, c), clipped)
			check("interpolate", ws.InterpolateSparse(s, ws.ColClipSparse(s, c), cols, ratio), Interpolate(d, clipped, ratio))
		}
		if cols == len(d) && cols > 0 {
			tv := v[:cols]
			eqVec(t, "matmul transpose", MatmulTransposeSparse(s, tv), MatmulTranspose(d, tv))
			old := transpose(d)
			check("ema", ws.MatEmaSparse(s, sp(old), ratio), MatEma(d, old, ratio))
		}
	})
}
