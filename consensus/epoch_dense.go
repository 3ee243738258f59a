package consensus

import (
	"fmt"
	"slices"

	"github.com/taorun/taorun/consensus/internal/mat"
)

// MaxDenseNeurons bounds EpochDense (its matrices take 8*n*n bytes each).
const MaxDenseNeurons = 4096

// EpochDense runs subtensor's dense epoch on n x n matrices (spec 2.13). It is the
// reference twin of Epoch and agrees with it except where upstream's dense epoch
// differs: no owner exemptions (stake threshold, permits, self-weight), no
// commit-reveal mask, liquid alpha keeps decaying bonds on columns without weight, and
// stored bonds rows hold all n columns for new permit holders and are left unchanged
// for uids that never held a permit. Consensus-critical in the sense that it must stay
// bit-exact with upstream; production uses Epoch.
//
// It holds n x n matrices, so it refuses more than MaxDenseNeurons neurons.
func EpochDense(in *EpochInput) (*EpochOutput, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	n := len(in.Neurons)
	if n > MaxDenseNeurons {
		return nil, fmt.Errorf("neurons: %d neurons, the dense epoch allows at most %d", n, MaxDenseNeurons)
	}
	b := newEpochBase(in, false)

	w := toDense(in.Weights, n, mat.U16ToFixed)
	mat.InplaceMaskRows(b.forbids, w)
	if in.HasOwner {
		mat.InplaceMaskDiagExceptIndex(w, in.OwnerUID)
	}
	mat.InplaceMaskDiag(w) // upstream masks the diagonal again, owner included
	outdated := make([][]bool, n)
	for i := range outdated {
		outdated[i] = make([]bool, n)
		for j := range outdated[i] {
			outdated[i][j] = b.lastUpdate[i] <= b.registered[j]
		}
	}
	mat.InplaceMaskMatrix(outdated, w)
	mat.InplaceRowNormalize(w)

	consensus := mat.WeightedMedianCol(b.activeStake, w, b.kappa)
	clipped := w.Clone()
	mat.InplaceColClip(clipped, consensus)
	trust := mat.RowSum(clipped)
	incentive := mat.Matmul(clipped, b.activeStake)
	mat.InplaceNormalize(incentive)

	wb := mat.Interpolate(w, clipped, b.bonds)
	recent := make([]bool, n)
	for j := range recent {
		recent[j] = b.lastTempo <= b.registered[j]
	}
	var dividends []fx
	var ema mat.Dense
	if in.Params.Yuma3Enabled {
		bonds := toDense(in.Bonds, n, mat.U16ProportionToFixed)
		mat.InplaceMaskCols(recent, bonds)
		ema = computeBondsDense(&in.Params, wb, bonds, consensus)
		norm := ema.Clone()
		mat.InplaceColNormalize(norm)
		dividends = mat.VecMul(mat.RowSum(mat.MatVecMul(norm, incentive)), b.activeStake)
	} else {
		bonds := toDense(in.Bonds, n, mat.U16ToFixed)
		mat.InplaceMaskCols(recent, bonds)
		mat.InplaceColNormalize(bonds)
		delta := mat.RowHadamard(wb, b.activeStake)
		mat.InplaceColNormalize(delta)
		ema = mat.MatEma(delta, bonds, emaAlpha(in.Params.BondsMovingAverage))
		mat.InplaceColNormalize(ema)
		dividends = mat.MatmulTranspose(ema, incentive)
		mat.InplaceColMaxUpscale(ema)
	}
	mat.InplaceNormalize(dividends)

	out := b.finish(in, consensus, incentive, dividends, trust)
	out.Bonds = make([][]WeightEntry, n)
	for i := range out.Bonds {
		switch {
		case b.newPermits[i]:
			row := make([]WeightEntry, 0, n)
			if i < len(ema) {
				for j, v := range ema[i] {
					row = append(row, WeightEntry{uint16(j), mat.FixedProportionToU16(v)})
				}
			}
			out.Bonds[i] = row
		case b.permits[i]:
			out.Bonds[i] = []WeightEntry{}
		case i < len(in.Bonds):
			out.Bonds[i] = slices.Clone(in.Bonds[i]) // upstream leaves the row untouched
		default:
			out.Bonds[i] = []WeightEntry{}
		}
	}
	return out, nil
}

// toDense converts stored u16 rows to an n x n I32F32 matrix with conv.
func toDense(rows [][]WeightEntry, n int, conv func(uint16) fx) mat.Dense {
	m := mat.NewDense(n, n)
	for i, r := range rows {
		for _, e := range r {
			m[i][e.UID] = conv(e.Value)
		}
	}
	return m
}

// computeBondsDense is the dense Yuma 3 bonds EMA (compute_bonds): per-cell sigmoid
// alphas when liquid alpha is on and some consensus is non-zero, else the plain EMA.
func computeBondsDense(p *Hyperparameters, wb, bonds mat.Dense, consensus []fx) mat.Dense {
	lo, hi, steep, liquid := liquidAlpha(p, consensus)
	if !liquid {
		return mat.MatEma(wb, bonds, emaAlpha(p.BondsMovingAverage))
	}
	alphas := make(mat.Dense, min(len(wb), len(bonds)))
	for i := range alphas {
		k := min(len(wb[i]), len(bonds[i]), len(consensus))
		row := make([]fx, k)
		for j := range k {
			row[j] = mat.AlphaSigmoid(consensus[j], wb[i][j], bonds[i][j], lo, hi, steep)
		}
		alphas[i] = row
	}
	return mat.MatEmaAlpha(wb, bonds, alphas)
}
