package mat

import (
	"math"
	"testing"

	"github.com/taorun/taorun/consensus/fixed"
)

// ws is the heap workspace (nil): every result is freshly allocated.
var ws *Workspace

// f converts an f32 literal the way upstream's tests do (f32, then round to nearest).
func f(x float32) Fx { return fixed.I32FromFloat(float64(x)) }

func fv(xs ...float32) []Fx {
	out := make([]Fx, len(xs))
	for i, x := range xs {
		out[i] = f(x)
	}
	return out
}

func fm(rows ...[]float32) Dense {
	out := make(Dense, len(rows))
	for i, r := range rows {
		out[i] = fv(r...)
	}
	return out
}

// sp builds a sparse matrix from a dense one, dropping zeros (vec_to_sparse_mat_fixed).
func sp(d Dense) Sparse {
	out := make(Sparse, len(d))
	for i, r := range d {
		out[i] = []Entry{}
		for j, v := range r {
			if !v.IsZero() {
				out[i] = append(out[i], Entry{uint16(j), v})
			}
		}
	}
	return out
}

// dn densifies a sparse matrix to rows x cols.
func dn(s Sparse, cols int) Dense {
	out := NewDense(len(s), cols)
	for i, r := range s {
		for _, e := range r {
			out[i][e.Col] = e.Val
		}
	}
	return out
}

func eqVec(t *testing.T, name string, got, want []Fx) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: len %d, want %d (%v vs %v)", name, len(got), len(want), got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("%s[%d] = %v, want %v", name, i, got[i], want[i])
		}
	}
}

func eqMat(t *testing.T, name string, got, want Dense) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d rows, want %d", name, len(got), len(want))
	}
	for i := range got {
		eqVec(t, name, got[i], want[i])
	}
}

func approxVec(t *testing.T, name string, got []Fx, want []float64, eps float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: len %d, want %d", name, len(got), len(want))
	}
	for i := range got {
		if d := math.Abs(got[i].Float64() - want[i]); d > eps {
			t.Errorf("%s[%d] = %v, want %v ± %g", name, i, got[i].Float64(), want[i], eps)
		}
	}
}

func approxMat(t *testing.T, name string, got Dense, want [][]float64, eps float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d rows, want %d", name, len(got), len(want))
	}
	for i := range got {
		approxVec(t, name, got[i], want[i], eps)
	}
}

func ints(xs ...int64) []Fx {
	out := make([]Fx, len(xs))
	for i, x := range xs {
		out[i] = fixed.I32FromInt(x)
	}
	return out
}

func im(rows ...[]int64) Dense {
	out := make(Dense, len(rows))
	for i, r := range rows {
		out[i] = ints(r...)
	}
	return out
}
