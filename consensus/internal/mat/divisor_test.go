package mat

import (
	"math/rand/v2"
	"testing"

	"github.com/taorun/taorun/consensus/fixed"
)

// TestDivisorMatchesSafeDiv checks the reciprocal division against Fx.SafeDiv on edge
// values and random values of every magnitude.
func TestDivisorMatchesSafeDiv(t *testing.T) {
	edges := []int64{0, 1, 2, 3, 1 << 31, 1<<32 - 1, 1 << 32, 1<<32 + 1, 1 << 62, 1<<63 - 1, -1, -(1 << 32), -1 << 63, 12345678901}
	rng := rand.New(rand.NewPCG(1, 1))
	random := func() int64 {
		v := int64(rng.Uint64() >> uint(rng.IntN(64)))
		if rng.IntN(8) == 0 {
			v = -v
		}
		return v
	}
	check := func(x, d int64) {
		dv := newDivisor(fixed.I32FromBits(d))
		xf := fixed.I32FromBits(x)
		if got, want := dv.div(xf), xf.SafeDiv(fixed.I32FromBits(d)); got != want {
			t.Fatalf("%d / %d: got %d, want %d", x, d, got.Bits(), want.Bits())
		}
	}
	for _, x := range edges {
		for _, d := range edges {
			check(x, d)
			check(x+1, d)
			check(x, d-1)
		}
	}
	for range 2_000_000 {
		x, d := random(), random()
		check(x, d)
		if d > 0 {
			check(x%(2*d+1), d) // quotients around 1, the common case
		}
	}
}

func FuzzDivisor(f *testing.F) {
	f.Add(int64(1<<32), int64(3))
	f.Add(int64(-5), int64(1<<40))
	f.Fuzz(func(t *testing.T, x, d int64) {
		dv := newDivisor(fixed.I32FromBits(d))
		xf := fixed.I32FromBits(x)
		if got, want := dv.div(xf), xf.SafeDiv(fixed.I32FromBits(d)); got != want {
			t.Fatalf("%d / %d: got %d, want %d", x, d, got.Bits(), want.Bits())
		}
	})
}
