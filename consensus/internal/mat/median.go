package mat

import "github.com/taorun/taorun/consensus/fixed"

// cell is one (stake index, score) of a column in WeightedMedianColSparse.
type cell struct {
	k   int
	val Fx
}

// medianScratch holds the partition buffers of WeightedMedian so that a column sweep
// allocates them once.
type medianScratch struct{ cur, lower, upper []int }

// WeightedMedian returns the stake-weighted median of score over the indices in
// partition, by upstream's deterministic mid-pivot quickselect: minority is
// 1 - majority, and [lo, hi] the stake segment the partition covers. It returns 0 if
// stake and score differ in length or the partition is empty.
func WeightedMedian(stake, score []Fx, partition []int, minority, lo, hi Fx) Fx {
	var s medianScratch
	return s.median(stake, score, partition, minority, lo, hi)
}

func (s *medianScratch) median(stake, score []Fx, partition []int, minority, lo, hi Fx) Fx {
	if len(stake) != len(score) {
		return fixed.I32Zero
	}
	s.cur = append(s.cur[:0], partition...)
	limit := len(partition)
	for it := 0; ; {
		n := len(s.cur)
		if n == 0 {
			return fixed.I32Zero
		}
		if n == 1 {
			return score[s.cur[0]]
		}
		pivot := score[s.cur[n/2]]
		loStake, hiStake := fixed.I32Zero, fixed.I32Zero
		s.lower, s.upper = s.lower[:0], s.upper[:0]
		for _, idx := range s.cur {
			switch c := score[idx].Cmp(pivot); {
			case c == 0:
			case c < 0:
				loStake = loStake.SatAdd(stake[idx])
				s.lower = append(s.lower, idx)
			default:
				hiStake = hiStake.SatAdd(stake[idx])
				s.upper = append(s.upper, idx)
			}
		}
		switch {
		case minority.Less(lo.SatAdd(loStake)) && len(s.lower) > 0:
			hi = lo.SatAdd(loStake)
			s.cur, s.lower = s.lower, s.cur
		case hi.SatSub(hiStake).LessEq(minority) && len(s.upper) > 0:
			lo = hi.SatSub(hiStake)
			s.cur, s.upper = s.upper, s.cur
		default:
			return pivot
		}
		// Safety limit of upstream: never reached, since each step shrinks the partition.
		it++
		if it > limit {
			return fixed.I32Zero
		}
	}
}

// WeightedMedianColSparse returns, for each column j < cols, the weighted median of
// the column over the rows with positive stake, using those stakes re-normalised, with
// minority = sum(stakes) - majority. Missing entries count as score 0.
func (ws *Workspace) WeightedMedianColSparse(stake []Fx, m Sparse, cols int, majority Fx) []Fx {
	useStake := make([]Fx, 0, len(stake))
	for _, s := range stake {
		if positive(s) {
			useStake = append(useStake, s)
		}
	}
	InplaceNormalize(useStake)
	stakeSum := Sum(useStake)
	minority := stakeSum.SatSub(majority)
	k := len(useStake)

	// Transpose the positive-stake rows into per-column lists (a stable counting sort, so
	// a later duplicate of (row, column) still overwrites an earlier one).
	rows := min(len(stake), len(m))
	start := make([]int, cols+1)
	for r := range rows {
		if positive(stake[r]) {
			for _, e := range m[r] {
				if int(e.Col) < cols {
					start[int(e.Col)+1]++
				}
			}
		}
	}
	for j := range cols {
		start[j+1] += start[j]
	}
	var cells []cell
	if ws != nil && cap(ws.cells) >= start[cols] {
		cells = ws.cells[:start[cols]]
	} else {
		cells = make([]cell, start[cols])
		if ws != nil {
			ws.cells = cells
		}
	}
	next := append([]int(nil), start[:cols]...)
	kk := 0 // index of row r among the positive-stake rows
	for r := range rows {
		if !positive(stake[r]) {
			continue
		}
		for _, e := range m[r] {
			if int(e.Col) < cols {
				cells[next[e.Col]] = cell{kk, e.Val}
				next[e.Col]++
			}
		}
		kk++
	}

	median := make([]Fx, cols)
	score := make([]Fx, k)
	idx := make([]int, k)
	for i := range idx {
		idx[i] = i
	}
	var scratch medianScratch
	for j := range cols {
		col := cells[start[j]:start[j+1]]
		if len(col) == 0 {
			continue // an all-zero column has median 0
		}
		for _, c := range col {
			score[c.k] = c.val
		}
		median[j] = scratch.median(useStake, score, idx, minority, fixed.I32Zero, stakeSum)
		for _, c := range col {
			score[c.k] = fixed.I32Zero
		}
	}
	return median
}

// WeightedMedianCol is the dense WeightedMedianColSparse: the column count is the
// width of the first row, and a positive-stake row of the wrong width contributes a
// zero stake and a zero score.
func WeightedMedianCol(stake []Fx, score [][]Fx, majority Fx) []Fx {
	cols := 0
	if len(score) > 0 {
		cols = len(score[0])
	}
	median := make([]Fx, cols)
	var scratch medianScratch
	for c := range cols {
		var useStake, useScore []Fx
		for r, st := range stake {
			if !positive(st) {
				continue
			}
			if r < len(score) && len(score[r]) == cols {
				useStake = append(useStake, st)
				useScore = append(useScore, score[r][c])
			} else {
				useStake = append(useStake, fixed.I32Zero)
				useScore = append(useScore, fixed.I32Zero)
			}
		}
		if len(useStake) == 0 {
			continue
		}
		InplaceNormalize(useStake)
		stakeSum := Sum(useStake)
		idx := make([]int, len(useStake))
		for i := range idx {
			idx[i] = i
		}
		median[c] = scratch.median(useStake, useScore, idx, stakeSum.SatSub(majority), fixed.I32Zero, stakeSum)
	}
	return median
}
