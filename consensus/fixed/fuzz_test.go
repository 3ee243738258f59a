package fixed

import (
	"math/big"
	"testing"
)

// The fuzz targets check that no operation panics (except the documented Div/SatDiv by
// zero, which checkBinary avoids) and that every result equals the math/big reference.

func FuzzI32F32Mul(f *testing.F) {
	f.Add(int64(1<<32), int64(-1<<32))
	f.Add(int64(-1<<63), int64(-1))
	f.Add(int64(1<<63-1), int64(3<<31))
	f.Fuzz(func(t *testing.T, a, b int64) {
		checkBinary(t, formats[0], big.NewInt(a), big.NewInt(b))
	})
}

func FuzzI32F32Div(f *testing.F) {
	f.Add(int64(1<<32), int64(3))
	f.Add(int64(-1<<63), int64(-1<<32))
	f.Add(int64(5), int64(0))
	f.Fuzz(func(t *testing.T, a, b int64) {
		checkBinary(t, formats[0], big.NewInt(b), big.NewInt(a))
		checkUnary(t, formats[0], big.NewInt(a))
	})
}

// FuzzWide checks the four 128-bit types on the same raw bit patterns.
func FuzzWide(f *testing.F) {
	f.Add(uint64(0), uint64(1), uint64(1<<63), uint64(0))
	f.Add(uint64(1<<63), uint64(0), ^uint64(0), ^uint64(0))
	f.Add(uint64(5), uint64(7), uint64(0), uint64(3))
	f.Fuzz(func(t *testing.T, ahi, alo, bhi, blo uint64) {
		for _, fm := range formats[1:] {
			a, b := rawOf(fromRawBits(fm.name, ahi, alo)), rawOf(fromRawBits(fm.name, bhi, blo))
			checkBinary(t, fm, a, b)
			checkUnary(t, fm, a)
		}
	})
}

func fromRawBits(name string, hi, lo uint64) any {
	v := new(big.Int).Lsh(new(big.Int).SetUint64(hi), 64)
	return fromRaw(name, v.Or(v, new(big.Int).SetUint64(lo)))
}
