package fixed

import (
	"math/big"
	"math/rand/v2"
	"reflect"
	"testing"
)

// format describes a fixed-point type for the math/big reference model.
type format struct {
	name   string
	signed bool
	frac   uint
	width  uint
}

var formats = []format{
	{"I32F32", true, 32, 64},
	{"I64F64", true, 64, 128},
	{"I96F32", true, 32, 128},
	{"U96F32", false, 32, 128},
	{"U64F64", false, 64, 128},
}

func (f format) min() *big.Int {
	if !f.signed {
		return new(big.Int)
	}
	return new(big.Int).Neg(new(big.Int).Lsh(big.NewInt(1), f.width-1))
}

func (f format) max() *big.Int {
	w := f.width
	if f.signed {
		w--
	}
	return new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), w), big.NewInt(1))
}

func (f format) inRange(v *big.Int) bool { return v.Cmp(f.min()) >= 0 && v.Cmp(f.max()) <= 0 }

// wrap reduces v modulo 2^width into the type's range.
func (f format) wrap(v *big.Int) *big.Int {
	m := new(big.Int).Lsh(big.NewInt(1), f.width)
	r := new(big.Int).Mod(v, m)
	if f.signed && r.Cmp(f.max()) > 0 {
		r.Sub(r, m)
	}
	return r
}

func (f format) sat(v *big.Int) *big.Int {
	switch {
	case v.Cmp(f.min()) < 0:
		return f.min()
	case v.Cmp(f.max()) > 0:
		return f.max()
	}
	return v
}

// value returns a raw value of type name (any of the five) as a big.Int.
func rawOf(x any) *big.Int {
	switch v := x.(type) {
	case I32F32:
		return big.NewInt(v.Bits())
	case interface{ Bits() (uint64, uint64) }:
		hi, lo := v.Bits()
		r := new(big.Int).Lsh(new(big.Int).SetUint64(hi), 64)
		r.Or(r, new(big.Int).SetUint64(lo))
		if _, signed := reflect.TypeOf(x).MethodByName("Neg"); signed && hi>>63 == 1 {
			r.Sub(r, new(big.Int).Lsh(big.NewInt(1), 128))
		}
		return r
	}
	panic("rawOf: unknown type")
}

// fromRaw builds a value of the named type from in-range raw bits.
func fromRaw(name string, r *big.Int) any {
	if name == "I32F32" {
		return I32FromBits(r.Int64())
	}
	m := new(big.Int).Mod(r, new(big.Int).Lsh(big.NewInt(1), 128))
	lo := new(big.Int).And(m, new(big.Int).SetUint64(^uint64(0))).Uint64()
	hi := new(big.Int).Rsh(m, 64).Uint64()
	switch name {
	case "I64F64":
		return I64FromBits(hi, lo)
	case "I96F32":
		return I96FromBits(hi, lo)
	case "U96F32":
		return U96FromBits(hi, lo)
	case "U64F64":
		return U64FromBits(hi, lo)
	}
	panic("fromRaw: unknown type " + name)
}

// refMul is the exact product floored to f.frac bits (big.Int Rsh is arithmetic).
func (f format) refMul(a, b *big.Int) *big.Int {
	p := new(big.Int).Mul(a, b)
	return p.Rsh(p, f.frac)
}

// refDiv is (a << frac) / b truncated toward zero.
func (f format) refDiv(a, b *big.Int) *big.Int {
	n := new(big.Int).Lsh(a, f.frac)
	return n.Quo(n, b)
}

// samples returns edge values and seeded random raw values in f's range.
func (f format) samples(rng *rand.Rand, n int) []*big.Int {
	one := new(big.Int).Lsh(big.NewInt(1), f.frac)
	out := []*big.Int{new(big.Int), big.NewInt(1), one, new(big.Int).Lsh(one, 1), f.max(), f.min(),
		new(big.Int).Sub(f.max(), big.NewInt(1)), new(big.Int).Add(f.min(), big.NewInt(1)),
		new(big.Int).Rsh(one, 1), new(big.Int).Add(one, new(big.Int).Rsh(one, 1))}
	if f.signed {
		out = append(out, big.NewInt(-1), new(big.Int).Neg(one), new(big.Int).Neg(new(big.Int).Rsh(one, 1)),
			new(big.Int).Neg(new(big.Int).Add(one, new(big.Int).Rsh(one, 1))))
	}
	span := new(big.Int).Sub(f.max(), f.min())
	span.Add(span, big.NewInt(1))
	for i := 0; i < n; i++ {
		// Random bit length so that small, medium and huge magnitudes all occur.
		bitsN := uint(rng.IntN(int(f.width)) + 1)
		v := new(big.Int)
		for j := uint(0); j < bitsN; j += 64 {
			v.Lsh(v, 64).Or(v, new(big.Int).SetUint64(rng.Uint64()))
		}
		v.Rsh(v, uint(v.BitLen())-min(uint(v.BitLen()), bitsN))
		if f.signed && rng.IntN(2) == 0 {
			v.Neg(v)
		}
		out = append(out, f.wrap(v))
	}
	return out
}

// call invokes the named method of x with args and returns its results.
func call(x any, method string, args ...any) []any {
	m := reflect.ValueOf(x).MethodByName(method)
	if !m.IsValid() {
		panic("no method " + method + " on " + reflect.TypeOf(x).Name())
	}
	in := make([]reflect.Value, len(args))
	for i, a := range args {
		in[i] = reflect.ValueOf(a)
	}
	res := m.Call(in)
	out := make([]any, len(res))
	for i, r := range res {
		out[i] = r.Interface()
	}
	return out
}

// checkBinary compares every binary operation of format f on (a, b) with the reference.
func checkBinary(t *testing.T, f format, a, b *big.Int) {
	t.Helper()
	x, y := fromRaw(f.name, a), fromRaw(f.name, b)
	expect := func(op string, got any, want *big.Int) {
		t.Helper()
		if g := rawOf(got); g.Cmp(want) != 0 {
			t.Fatalf("%s: %s(%s, %s) = raw %s, want %s", f.name, op, a, b, g, want)
		}
	}
	expectChecked := func(op string, res []any, exact *big.Int) {
		t.Helper()
		ok := res[1].(bool)
		if ok != f.inRange(exact) {
			t.Fatalf("%s: %s(%s, %s) ok = %v, exact %s", f.name, op, a, b, ok, exact)
		}
		expect(op, res[0], f.wrap(exact))
	}
	sum, diff := new(big.Int).Add(a, b), new(big.Int).Sub(a, b)
	expect("Add", call(x, "Add", y)[0], f.wrap(sum))
	expect("Sub", call(x, "Sub", y)[0], f.wrap(diff))
	expect("SatAdd", call(x, "SatAdd", y)[0], f.sat(sum))
	expect("SatSub", call(x, "SatSub", y)[0], f.sat(diff))
	expectChecked("CheckedAdd", call(x, "CheckedAdd", y), sum)
	expectChecked("CheckedSub", call(x, "CheckedSub", y), diff)

	p := f.refMul(a, b)
	expect("Mul", call(x, "Mul", y)[0], f.wrap(p))
	expect("SatMul", call(x, "SatMul", y)[0], f.sat(p))
	expectChecked("CheckedMul", call(x, "CheckedMul", y), p)

	if b.Sign() == 0 {
		res := call(x, "CheckedDiv", y)
		if res[1].(bool) || !rawOf(res[0]).IsInt64() || rawOf(res[0]).Sign() != 0 {
			t.Fatalf("%s: CheckedDiv by zero = %v", f.name, res)
		}
		expect("SafeDiv", call(x, "SafeDiv", y)[0], new(big.Int))
		expect("SafeDivOr", call(x, "SafeDivOr", y, x)[0], a)
		return
	}
	q := f.refDiv(a, b)
	expect("Div", call(x, "Div", y)[0], f.wrap(q))
	expect("SatDiv", call(x, "SatDiv", y)[0], f.sat(q))
	expectChecked("CheckedDiv", call(x, "CheckedDiv", y), q)
	if f.inRange(q) {
		expect("SafeDiv", call(x, "SafeDiv", y)[0], q)
		expect("SafeDivOr", call(x, "SafeDivOr", y, x)[0], q)
	} else {
		expect("SafeDiv", call(x, "SafeDiv", y)[0], new(big.Int))
		expect("SafeDivOr", call(x, "SafeDivOr", y, x)[0], a)
	}

	c := call(x, "Cmp", y)[0].(int)
	if c != a.Cmp(b) {
		t.Fatalf("%s: Cmp(%s, %s) = %d", f.name, a, b, c)
	}
	if call(x, "Less", y)[0].(bool) != (c < 0) || call(x, "LessEq", y)[0].(bool) != (c <= 0) {
		t.Fatalf("%s: Less/LessEq(%s, %s) disagree with Cmp", f.name, a, b)
	}
}

// checkUnary compares the unary operations and conversions of format f on a.
func checkUnary(t *testing.T, f format, a *big.Int) {
	t.Helper()
	x := fromRaw(f.name, a)
	expect := func(op string, got, want *big.Int) {
		t.Helper()
		if got.Cmp(want) != 0 {
			t.Fatalf("%s: %s(raw %s) = %s, want %s", f.name, op, a, got, want)
		}
	}
	one := new(big.Int).Lsh(big.NewInt(1), f.frac)
	floor := new(big.Int).Rsh(a, f.frac) // integer part, toward -inf
	expect("Floor", rawOf(call(x, "Floor")[0]), f.wrap(new(big.Int).Lsh(floor, f.frac)))
	// Round: ties away from zero.
	frac2 := new(big.Int).Sub(a, new(big.Int).Lsh(floor, f.frac))
	frac2.Lsh(frac2, 1)
	r := new(big.Int).Set(floor)
	if c := frac2.Cmp(one); c > 0 || (c == 0 && a.Sign() >= 0) {
		r.Add(r, big.NewInt(1))
	}
	expect("Round", rawOf(call(x, "Round")[0]), f.wrap(r.Lsh(r, f.frac)))
	clampInt := func(lo, hi *big.Int) *big.Int {
		switch {
		case floor.Cmp(lo) < 0:
			return lo
		case floor.Cmp(hi) > 0:
			return hi
		}
		return floor
	}
	expect("SatToU16", new(big.Int).SetUint64(uint64(call(x, "SatToU16")[0].(uint16))), clampInt(new(big.Int), big.NewInt(65535)))
	expect("SatToU64", new(big.Int).SetUint64(call(x, "SatToU64")[0].(uint64)), clampInt(new(big.Int), new(big.Int).SetUint64(^uint64(0))))
	expect("SatToI64", big.NewInt(call(x, "SatToI64")[0].(int64)), clampInt(big.NewInt(-1<<63), big.NewInt(1<<63-1)))
	if f.signed {
		expect("Neg", rawOf(call(x, "Neg")[0]), f.wrap(new(big.Int).Neg(a)))
		expect("Abs", rawOf(call(x, "Abs")[0]), f.wrap(new(big.Int).Abs(a)))
		if call(x, "IsNegative")[0].(bool) != (a.Sign() < 0) {
			t.Fatalf("%s: IsNegative(%s)", f.name, a)
		}
	}
	if call(x, "IsZero")[0].(bool) != (a.Sign() == 0) {
		t.Fatalf("%s: IsZero(%s)", f.name, a)
	}
	// String is exact: parse it back as a rational.
	s := call(x, "String")[0].(string)
	rat, ok := new(big.Rat).SetString(s)
	if !ok || rat.Cmp(new(big.Rat).SetFrac(a, one)) != 0 {
		t.Fatalf("%s: String(raw %s) = %q", f.name, a, s)
	}
	wantF, _ := new(big.Float).SetMantExp(new(big.Float).SetInt(a), -int(f.frac)).Float64()
	if gotF := call(x, "Float64")[0].(float64); gotF != wantF {
		t.Fatalf("%s: Float64(raw %s) = %v, want %v", f.name, a, gotF, wantF)
	}
	for _, g := range formats {
		if g.name == f.name {
			continue
		}
		var conv *big.Int
		if g.frac >= f.frac {
			conv = new(big.Int).Lsh(a, g.frac-f.frac)
		} else {
			conv = new(big.Int).Rsh(a, f.frac-g.frac)
		}
		expect("To"+g.name, rawOf(call(x, "To"+g.name)[0]), g.wrap(conv))
		expect("SatTo"+g.name, rawOf(call(x, "SatTo"+g.name)[0]), g.sat(conv))
	}
}

// TestAgainstBig cross-checks every operation of every type against math/big on edge
// values and seeded random inputs.
func TestAgainstBig(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, f := range formats {
		t.Run(f.name, func(t *testing.T) {
			s := f.samples(rng, 60)
			for _, a := range s {
				checkUnary(t, f, a)
				for _, b := range s {
					checkBinary(t, f, a, b)
				}
			}
		})
	}
}

// TestDivByZeroPanics checks that Div and SatDiv panic on a zero divisor, as Rust does,
// for every type.
func TestDivByZeroPanics(t *testing.T) {
	for _, f := range formats {
		for _, op := range []string{"Div", "SatDiv"} {
			func() {
				defer func() {
					if recover() == nil {
						t.Errorf("%s.%s by zero did not panic", f.name, op)
					}
				}()
				call(fromRaw(f.name, big.NewInt(1)), op, fromRaw(f.name, new(big.Int)))
			}()
		}
	}
}

// TestFromIntUint checks the integer constructors against the reference, saturation
// included.
func TestFromIntUint(t *testing.T) {
	ctors := map[string][2]any{
		"I32F32": {I32FromInt, I32FromUint}, "I64F64": {I64FromInt, I64FromUint},
		"I96F32": {I96FromInt, I96FromUint}, "U96F32": {U96FromInt, U96FromUint},
		"U64F64": {U64FromInt, U64FromUint},
	}
	ints := []int64{0, 1, -1, 65535, 1<<31 - 1, -1 << 31, 1 << 31, -1<<31 - 1, 1<<63 - 1, -1 << 63}
	uints := []uint64{0, 1, 1<<31 - 1, 1 << 31, 1<<32 - 1, 1<<63 - 1, 1 << 63, ^uint64(0)}
	for _, f := range formats {
		c := ctors[f.name]
		for _, v := range ints {
			got := rawOf(reflect.ValueOf(c[0]).Call([]reflect.Value{reflect.ValueOf(v)})[0].Interface())
			if want := f.sat(new(big.Int).Lsh(big.NewInt(v), f.frac)); got.Cmp(want) != 0 {
				t.Errorf("%sFromInt(%d) = raw %s, want %s", f.name[:3], v, got, want)
			}
		}
		for _, v := range uints {
			got := rawOf(reflect.ValueOf(c[1]).Call([]reflect.Value{reflect.ValueOf(v)})[0].Interface())
			if want := f.sat(new(big.Int).Lsh(new(big.Int).SetUint64(v), f.frac)); got.Cmp(want) != 0 {
				t.Errorf("%sFromUint(%d) = raw %s, want %s", f.name[:3], v, got, want)
			}
		}
	}
}
