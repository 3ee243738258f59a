package arith

import (
	"math/big"
	"math/rand/v2"
	"testing"
)

func words(x *big.Int) [4]uint64 {
	var w [4]uint64
	for i := range w {
		w[i] = new(big.Int).Rsh(x, uint(64*i)).Uint64()
	}
	return w
}

func fromWords(w [4]uint64) *big.Int {
	x := new(big.Int)
	for i := 3; i >= 0; i-- {
		x.Lsh(x, 64).Or(x, new(big.Int).SetUint64(w[i]))
	}
	return x
}

// TestDiv256 checks div256 against math/big on dividends built as q*v + r with quotient
// digits near 2^64-1 and divisors whose top digit is all ones or a lone top bit: the
// inputs that drive algorithm D's qhat estimate and refinement to their limits.
func TestDiv256(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	max64 := ^uint64(0)
	his := []uint64{1, 2, 1 << 63, 1<<63 | 1, max64, max64 - 1, 0x8000_0000_0000_ffff}
	los := []uint64{0, 1, max64, 1 << 63}
	qs := []uint64{0, 1, max64, max64 - 1, 1 << 63}
	for n := 0; n < 20000; n++ {
		v := U128{his[rng.IntN(len(his))], los[rng.IntN(len(los))]}
		if n%3 == 0 {
			v = U128{rng.Uint64() >> rng.IntN(64), rng.Uint64()}
		}
		if v == (U128{}) {
			continue
		}
		vb := new(big.Int).Lsh(new(big.Int).SetUint64(v.Hi), 64)
		vb.Or(vb, new(big.Int).SetUint64(v.Lo))
		// Quotient below 2^192 / v so that the dividend stays below 2^192.
		q := fromWords([4]uint64{qs[rng.IntN(len(qs))], qs[rng.IntN(len(qs))], 0, 0})
		if v.Hi == 0 {
			q = fromWords([4]uint64{qs[rng.IntN(len(qs))], qs[rng.IntN(len(qs))], rng.Uint64() >> 1, 0})
		}
		r := new(big.Int).Mod(fromWords([4]uint64{rng.Uint64(), rng.Uint64(), 0, 0}), vb)
		if n%2 == 0 {
			r.Sub(vb, big.NewInt(1)) // the largest remainder
		}
		u := new(big.Int).Add(new(big.Int).Mul(q, vb), r)
		if u.BitLen() > 192 {
			continue
		}
		got := fromWords(div256(words(u), v))
		if want := new(big.Int).Quo(u, vb); got.Cmp(want) != 0 {
			t.Fatalf("div256(%s, %s) = %s, want %s", u, vb, got, want)
		}
	}
}
