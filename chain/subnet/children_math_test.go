package subnet

import (
	"encoding/json"
	"math"
	"math/big"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/taorun/taorun/consensus/fixed"
)

// childVectors is testdata/children_vectors.json.
type childVectors struct {
	Inherited []struct {
		Upstream string        `json:"upstream"`
		Own      uint64        `json:"own"`
		Children []uint64      `json:"children"`
		Parents  []ParentStake `json:"parents"`
		Want     uint64        `json:"want"`
		Tol      uint64        `json:"tol"`
	} `json:"inherited"`
	Dividends []struct {
		Upstream  string   `json:"upstream"`
		Dividend  uint64   `json:"dividend"`
		Take      uint16   `json:"take"`
		Alpha     uint64   `json:"alpha"`
		Root      uint64   `json:"root"`
		TaoWeight uint64   `json:"tao_weight"`
		Children  []uint64 `json:"children"`
		Parents   []struct {
			Proportion uint64 `json:"proportion"`
			Alpha      uint64 `json:"alpha"`
			Root       uint64 `json:"root"`
			SameOwner  bool   `json:"same_owner"`
		} `json:"parents"`
		Tol uint64 `json:"tol"`
	} `json:"dividends"`
}

func loadChildVectors(t *testing.T) childVectors {
	t.Helper()
	b, err := os.ReadFile("testdata/children_vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var v childVectors
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// q is a big-integer model of U96F32 (value · 2^32) with upstream's
// rounding: products floor, quotients truncate, subtraction saturates at 0.
// It is independent of package fixed, so the tests below check both the
// formula and its fixed-point wiring.
type q struct{ v *big.Int }

func qU(x uint64) q { return q{new(big.Int).Lsh(new(big.Int).SetUint64(x), 32)} }
func (a q) mul(b q) q {
	return q{new(big.Int).Rsh(new(big.Int).Mul(a.v, b.v), 32)}
}
func (a q) div(b q) q {
	if b.v.Sign() == 0 {
		return q{new(big.Int)}
	}
	return q{new(big.Int).Quo(new(big.Int).Lsh(a.v, 32), b.v)}
}
func (a q) add(b q) q { return q{new(big.Int).Add(a.v, b.v)} }
func (a q) sub(b q) q {
	r := new(big.Int).Sub(a.v, b.v)
	if r.Sign() < 0 {
		r.SetInt64(0)
	}
	return q{r}
}
func (a q) floor() uint64 { return new(big.Int).Rsh(a.v, 32).Uint64() }
func qProp(p uint64) q    { return qU(p).div(qU(math.MaxUint64)) }

func modelInherited(own uint64, children []uint64, parents []ParentStake) uint64 {
	init := qU(own)
	tc, fp := qU(0), qU(0)
	for _, p := range children {
		tc = tc.add(init.mul(qProp(p)))
	}
	for _, p := range parents {
		fp = fp.add(qU(p.Stake).mul(qProp(p.Proportion)))
	}
	return init.sub(tc).add(fp).floor()
}

func modelDividends(d DividendSplit, tw q) ([]uint64, uint64) {
	if len(d.Parents) == 0 {
		return nil, d.Dividend
	}
	e := qU(d.Dividend)
	rem := qU(1)
	for _, p := range d.ChildProportions {
		rem = rem.sub(qProp(p))
	}
	total := qU(qU(d.Alpha).mul(rem).add(qU(d.Root).mul(rem).mul(tw)).floor())
	contrib := make([]q, len(d.Parents))
	for i, p := range d.Parents {
		pp := qProp(p.Proportion)
		contrib[i] = qU(p.Alpha).mul(pp).add(qU(p.Root).mul(pp).mul(tw))
		total = total.add(contrib[i])
	}
	takeProp := qU(uint64(d.Take)).div(qU(65535))
	remaining, takes := e, qU(0)
	out := make([]uint64, len(d.Parents))
	for i, p := range d.Parents {
		pe := e.mul(contrib[i].div(total))
		remaining = remaining.sub(pe)
		if !p.SameOwner {
			t := takeProp.mul(pe)
			pe = pe.sub(t)
			takes = takes.add(t)
		}
		out[i] = pe.floor()
	}
	return out, remaining.add(takes).floor()
}

func within(got, want, tol uint64) bool { return max(got, want)-min(got, want) <= tol }

// TestInheritedStakeVectors checks InheritedStake on upstream's
// get_inherited_for_hotkey_on_subnet tests: within upstream's tolerance of
// its expectation, and bit-exact with the U96F32 model.
func TestInheritedStakeVectors(t *testing.T) {
	for _, c := range loadChildVectors(t).Inherited {
		got := InheritedStake(c.Own, c.Children, c.Parents)
		if m := modelInherited(c.Own, c.Children, c.Parents); got != m {
			t.Errorf("%s: got %d, U96F32 model %d", c.Upstream, got, m)
		}
		if !within(got, c.Want, c.Tol) {
			t.Errorf("%s: got %d, upstream expects %d ± %d", c.Upstream, got, c.Want, c.Tol)
		}
	}
}

// TestParentChildDividendsVectors checks ParentChildDividends on the
// arrangements of upstream's dividend distribution tests: bit-exact with
// the U96F32 model, and within upstream's tolerance of its real-number
// expectation (parent i gets E·c_i/total·(1 - take) unless it shares the
// child's coldkey; the child the rest).
func TestParentChildDividendsVectors(t *testing.T) {
	for _, c := range loadChildVectors(t).Dividends {
		d := DividendSplit{Dividend: c.Dividend, Take: c.Take, Alpha: c.Alpha, Root: c.Root, ChildProportions: c.Children}
		for _, p := range c.Parents {
			d.Parents = append(d.Parents, DividendParent{p.Proportion, p.Alpha, p.Root, p.SameOwner})
		}
		tw := fixed.U96FromUint(c.TaoWeight).SafeDiv(u96U64Max)
		toParents, self := ParentChildDividends(d, tw)
		mp, ms := modelDividends(d, qU(c.TaoWeight).div(qU(math.MaxUint64)))
		for i := range mp {
			if toParents[i] != mp[i] {
				t.Errorf("%s: parent %d gets %d, U96F32 model %d", c.Upstream, i, toParents[i], mp[i])
			}
		}
		if self != ms {
			t.Errorf("%s: child keeps %d, U96F32 model %d", c.Upstream, self, ms)
		}

		// Real-number expectation.
		rat := func(x uint64) *big.Rat { return new(big.Rat).SetInt(new(big.Int).SetUint64(x)) }
		frac := func(p uint64) *big.Rat { return new(big.Rat).Quo(rat(p), rat(math.MaxUint64)) }
		twR := frac(c.TaoWeight)
		remR := big.NewRat(1, 1)
		for _, p := range c.Children {
			remR.Sub(remR, frac(p))
		}
		total := new(big.Rat).Mul(new(big.Rat).Add(rat(c.Alpha), new(big.Rat).Mul(rat(c.Root), twR)), remR)
		contrib := make([]*big.Rat, len(c.Parents))
		for i, p := range c.Parents {
			contrib[i] = new(big.Rat).Mul(new(big.Rat).Add(rat(p.Alpha), new(big.Rat).Mul(rat(p.Root), twR)), frac(p.Proportion))
			total.Add(total, contrib[i])
		}
		keep := new(big.Rat).Sub(big.NewRat(1, 1), new(big.Rat).Quo(rat(uint64(c.Take)), rat(65535)))
		var sumParents uint64
		for i, p := range c.Parents {
			want := new(big.Rat).Mul(rat(c.Dividend), new(big.Rat).Quo(contrib[i], total))
			if !p.SameOwner {
				want.Mul(want, keep)
			}
			w, _ := want.Float64()
			if !within(toParents[i], uint64(w), c.Tol) {
				t.Errorf("%s: parent %d gets %d, upstream expects ≈ %.0f ± %d", c.Upstream, i, toParents[i], w, c.Tol)
			}
			sumParents += toParents[i]
		}
		if !within(self, c.Dividend-sumParents, c.Tol) || sumParents+self > c.Dividend {
			t.Errorf("%s: child keeps %d of %d with parents taking %d", c.Upstream, self, c.Dividend, sumParents)
		}
	}
}

// TestInheritanceConservesStake: over random child key graphs (each
// hotkey's children proportions summing to at most 2^64-1) the inherited
// stakes sum to the total own stake, less under one rao per hotkey of
// flooring, and never more.
func TestInheritanceConservesStake(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	for iter := range 300 {
		n := 2 + rng.IntN(8)
		own := make([]uint64, n)
		var total uint64
		for i := range own {
			own[i] = rng.Uint64N(1 << 50)
			total += own[i]
		}
		children := make([][]uint64, n) // proportions of i's children
		parents := make([][]ParentStake, n)
		for i := range n {
			left := uint64(math.MaxUint64)
			for j := range n {
				if j == i || rng.IntN(3) != 0 || len(children[i]) == MaxChildren {
					continue
				}
				p := rng.Uint64N(left/2 + 1)
				if rng.IntN(5) == 0 {
					p = left // all that is left
				}
				left -= p
				children[i] = append(children[i], p)
				parents[j] = append(parents[j], ParentStake{p, own[i]})
			}
		}
		var sum uint64
		for i := range n {
			got := InheritedStake(own[i], children[i], parents[i])
			if m := modelInherited(own[i], children[i], parents[i]); got != m {
				t.Fatalf("iteration %d hotkey %d: %d, model %d", iter, i, got, m)
			}
			sum += got
		}
		if sum > total || total-sum >= uint64(n) {
			t.Fatalf("iteration %d: inherited stakes sum to %d, own stakes to %d (%d hotkeys)", iter, sum, total, n)
		}
	}
}

// TestParentChildDividendsConserve: over random splits the parents' and
// the child's amounts sum to the dividend less at most one rao per parent,
// never more, and match the U96F32 model.
func TestParentChildDividendsConserve(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	for iter := range 500 {
		d := DividendSplit{Dividend: rng.Uint64N(1 << 45), Take: uint16(rng.IntN(DefaultMaxChildkeyTake + 1)),
			Alpha: rng.Uint64N(1 << 50), Root: rng.Uint64N(1 << 50)}
		if rng.IntN(2) == 0 {
			d.ChildProportions = []uint64{rng.Uint64N(math.MaxUint64 / 2)}
		}
		for range rng.IntN(4) {
			d.Parents = append(d.Parents, DividendParent{rng.Uint64(), rng.Uint64N(1 << 50), rng.Uint64N(1 << 50), rng.IntN(2) == 0})
		}
		twRaw := rng.Uint64()
		toParents, self := ParentChildDividends(d, fixed.U96FromUint(twRaw).SafeDiv(u96U64Max))
		mp, ms := modelDividends(d, qU(twRaw).div(qU(math.MaxUint64)))
		sum := self
		for i, a := range toParents {
			if a != mp[i] {
				t.Fatalf("iteration %d parent %d: %d, model %d", iter, i, a, mp[i])
			}
			sum += a
		}
		if self != ms {
			t.Fatalf("iteration %d: child %d, model %d", iter, self, ms)
		}
		if sum > d.Dividend || d.Dividend-sum > uint64(len(d.Parents)) {
			t.Fatalf("iteration %d: split sums to %d of %d with %d parents", iter, sum, d.Dividend, len(d.Parents))
		}
	}
}
