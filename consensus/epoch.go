package consensus

import (
	"sync"

	"github.com/taorun/taorun/consensus/fixed"
	"github.com/taorun/taorun/consensus/internal/mat"
)

// workspaces recycles the intermediate matrices of Epoch between calls (results never
// depend on a workspace's previous contents: its storage is only ever appended to).
var workspaces = sync.Pool{New: func() any { return new(mat.Workspace) }}

// Epoch runs one sparse Yuma Consensus epoch, subtensor's production epoch_mechanism
// (spec section 2). Consensus-critical. It returns an error only if in fails Validate.
func Epoch(in *EpochInput) (*EpochOutput, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	n := len(in.Neurons)
	b := newEpochBase(in, true)
	ws := workspaces.Get().(*mat.Workspace)
	defer func() {
		ws.Reset()
		workspaces.Put(ws)
	}()

	// Weights (2.6): permitted rows only, no self-weight except the owner's, no weights
	// older than the target's registration, commit-reveal mask; then row-normalised.
	w := toSparse(ws, in.Weights, n, mat.U16ToFixed, b.keepWeight(in))
	mat.InplaceRowNormalizeSparse(w)

	// Consensus, clipping, validator trust, incentive (2.7).
	consensus := ws.WeightedMedianColSparse(b.activeStake, w, n, b.kappa)
	clipped := ws.ColClipSparse(w, consensus)
	trust := mat.RowSumSparse(clipped)
	incentive := mat.MatmulSparse(clipped, b.activeStake, n)
	mat.InplaceNormalize(incentive)

	// Bonds and dividends (2.8 to 2.10).
	wb := ws.InterpolateSparse(w, clipped, n, b.bonds)
	// Bonds to uids registered since the last epoch are dropped (2.9 step 1).
	keepBond := func(_ int, j uint16) bool { return b.lastTempo > b.registered[j] }
	var dividends []fx
	var ema mat.Sparse
	if in.Params.Yuma3Enabled {
		bonds := toSparse(ws, in.Bonds, n, mat.U16ProportionToFixed, keepBond)
		ema = computeBondsSparse(ws, &in.Params, wb, bonds, consensus, n)
		norm := ws.Clone(ema)
		mat.InplaceColNormalizeSparse(norm, n)
		perValidator := mat.RowSumSparse(ws.MatVecMulSparse(norm, incentive))
		dividends = mat.VecMul(perValidator, b.activeStake)
	} else {
		bonds := toSparse(ws, in.Bonds, n, mat.U16ToFixed, keepBond)
		mat.InplaceColNormalizeSparse(bonds, n)
		delta := ws.RowHadamardSparse(wb, b.activeStake)
		mat.InplaceColNormalizeSparse(delta, n)
		ema = ws.MatEmaSparse(delta, bonds, emaAlpha(in.Params.BondsMovingAverage))
		mat.InplaceColNormalizeSparse(ema, n)
		dividends = mat.MatmulTransposeSparse(ema, incentive)
		// Stored bonds are column max-upscaled (dividends used the normalised ones).
		mat.InplaceColMaxUpscaleSparse(ema, n)
	}
	mat.InplaceNormalize(dividends)

	out := b.finish(in, consensus, incentive, dividends, trust)
	// Stored bonds (2.11): new permit holders keep their EMA bonds, every other row is
	// cleared.
	out.Bonds = make([][]WeightEntry, n)
	for i := range out.Bonds {
		if b.newPermits[i] && i < len(ema) {
			out.Bonds[i] = bondsEntries(ema[i])
		} else {
			out.Bonds[i] = []WeightEntry{}
		}
	}
	return out, nil
}

// keepWeight is the sparse epoch's weight mask (spec 2.6 steps 1 to 4) as one
// predicate on entry (i, j). It is equivalent to applying, in turn, upstream's
// mask_rows_sparse(forbids), mask_diag_sparse(_except_index(owner)),
// vec_mask_sparse_matrix(last_update <= registered) and the commit-reveal
// vec_mask_sparse_matrix(commit < registered) (TestWeightMaskFused checks this against
// the mat functions); one pass avoids four copies of the weight matrix.
func (b *epochBase) keepWeight(in *EpochInput) func(i int, j uint16) bool {
	cr := in.Params.CommitRevealEnabled && in.CommitBlocks != nil
	return func(i int, j uint16) bool {
		return b.permits[i] &&
			(int(j) != i || i == b.owner) &&
			b.lastUpdate[i] > b.registered[j] &&
			!(cr && in.CommitBlocks[i] < b.registered[j])
	}
}

// toSparse converts stored u16 rows to n I32F32 sparse rows with conv, keeping the
// entries (i, j) for which keep is true. Rows share one backing array.
func toSparse(ws *mat.Workspace, rows [][]WeightEntry, n int, conv func(uint16) fx, keep func(i int, j uint16) bool) mat.Sparse {
	total := 0
	for _, r := range rows {
		total += len(r)
	}
	buf := ws.Entries(total)
	m := make(mat.Sparse, n)
	for i := range m {
		start := len(buf)
		if i < len(rows) {
			for _, e := range rows[i] {
				if keep(i, e.UID) {
					buf = append(buf, mat.Entry{Col: e.UID, Val: conv(e.Value)})
				}
			}
		}
		m[i] = buf[start:len(buf):len(buf)]
	}
	return m
}

// computeBondsSparse is the Yuma 3 bonds EMA (spec 2.10 step 2). With liquid alpha on
// and some consensus non-zero, each cell gets its own sigmoid alpha; since the EMA only
// reads alpha at the columns present in the weight or bond row, only those are
// computed (the value at every other column is never used).
func computeBondsSparse(ws *mat.Workspace, p *Hyperparameters, wb, bonds mat.Sparse, consensus []fx, n int) mat.Sparse {
	lo, hi, steep, liquid := liquidAlpha(p, consensus)
	if !liquid {
		return ws.MatEmaSparse(wb, bonds, emaAlpha(p.BondsMovingAverage))
	}
	alpha := make([]fx, n)
	wv := make([]fx, n)
	bv := make([]fx, n)
	var cleared []uint16
	rowAlpha := func(i int) []fx {
		for _, j := range cleared {
			wv[j], bv[j] = fixed.I32Zero, fixed.I32Zero
		}
		cleared = cleared[:0]
		// Upstream looks w_ij and b_ij up with a forward-only walk over the row that
		// assumes ascending columns: an entry is seen only if its column is above that of
		// the last entry seen.
		walk := func(row []mat.Entry, dst []fx) {
			last := -1
			for _, e := range row {
				if int(e.Col) > last && int(e.Col) < n {
					dst[e.Col] = e.Val
					last = int(e.Col)
					cleared = append(cleared, e.Col)
				}
			}
		}
		walk(wb[i], wv)
		walk(bonds[i], bv)
		for _, row := range [2][]mat.Entry{wb[i], bonds[i]} {
			for _, e := range row {
				if int(e.Col) < n {
					alpha[e.Col] = mat.AlphaSigmoid(consensus[e.Col], wv[e.Col], bv[e.Col], lo, hi, steep)
				}
			}
		}
		return alpha
	}
	return ws.MatEmaAlphaSparseFunc(wb, bonds, min(len(wb), len(bonds)), rowAlpha)
}
