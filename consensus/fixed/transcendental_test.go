package fixed

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"
)

// parseI32 reads a value in the notation of testdata/*.txt.
func parseI32(t *testing.T, s string) I32F32 {
	t.Helper()
	switch {
	case s == "MIN":
		return I32Min
	case s == "MAX":
		return I32Max
	case strings.HasPrefix(s, "bits:"):
		b, err := strconv.ParseInt(s[5:], 10, 64)
		if err != nil {
			t.Fatalf("bad bits %q: %v", s, err)
		}
		return I32FromBits(b)
	}
	bitSize := 64
	if strings.HasPrefix(s, "f32:") {
		s, bitSize = s[4:], 32
	}
	f, err := strconv.ParseFloat(s, bitSize)
	if err != nil {
		t.Fatalf("bad value %q: %v", s, err)
	}
	return I32FromFloat(f)
}

// readVectors returns the whitespace-separated fields of each non-comment line of a
// testdata file, checking the column count.
func readVectors(t *testing.T, name string, cols int) [][]string {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out [][]string
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		fs := strings.Fields(line)
		if len(fs) != cols {
			t.Fatalf("%s:%d: want %d columns, got %d", name, n, cols, len(fs))
		}
		out = append(out, fs)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatalf("%s: no vectors", name)
	}
	return out
}

func TestExpSafeVectors(t *testing.T) {
	for _, v := range readVectors(t, "exp.txt", 2) {
		x, want := parseI32(t, v[0]), parseI32(t, v[1])
		if got := ExpSafe(x); got != want {
			t.Errorf("ExpSafe(%s) = bits %d, want %d", v[0], got.Bits(), want.Bits())
		}
	}
}

func TestSigmoidSafeVectors(t *testing.T) {
	for _, v := range readVectors(t, "sigmoid.txt", 4) {
		rho, kappa, in, want := parseI32(t, v[0]), parseI32(t, v[1]), parseI32(t, v[2]), parseI32(t, v[3])
		if got := SigmoidSafe(in, rho, kappa); got != want {
			t.Errorf("SigmoidSafe(%s; rho %s, kappa %s) = bits %d, want %d", v[2], v[0], v[1], got.Bits(), want.Bits())
		}
	}
}

// TestExpSeries checks properties of the series: exp is increasing on [-20, 20], and
// exp(-x) is the truncated reciprocal of exp(x).
func TestExpSeries(t *testing.T) {
	prev := I32Zero
	for b := int64(-20 << 32); b <= 20<<32; b += 1 << 27 {
		x := I32FromBits(b)
		e := ExpSafe(x)
		if e.Less(prev) {
			t.Fatalf("ExpSafe not monotonic at %s: %s < %s", x, e, prev)
		}
		prev = e
		if b > 0 && b != 1<<32 {
			if inv := I32One.Div(ExpSafe(x)); ExpSafe(x.Neg()) != inv {
				t.Fatalf("ExpSafe(-%s) = %s, want 1/ExpSafe(%s) = %s", x, ExpSafe(x.Neg()), x, inv)
			}
		}
	}
}

func TestLog2Floor(t *testing.T) {
	cases := []struct {
		hi, lo uint64
		want   int
	}{
		{0, 1 << 32, 0},             // 1
		{0, 1<<33 - 1, 0},           // 2 - 2^-32
		{0, 1 << 33, 1},             // 2
		{0, 3 << 32, 1},             // 3
		{0, 1<<34 - 1, 2},           // 4 - 2^-32: the halving rounds half up
		{0, 1<<34 - 2, 1},           // 4 - 2^-31
		{0, 1 << 34, 2},             // 4
		{0, 1 << 63, 31},            // 2^31
		{1 << 62, 0, 94},            // 2^94
		{1<<63 - 1, ^uint64(0), 95}, // I96Max
	}
	for _, c := range cases {
		if got := I96FromBits(c.hi, c.lo).Log2Floor(); got != c.want {
			t.Errorf("Log2Floor(%s) = %d, want %d", I96FromBits(c.hi, c.lo), got, c.want)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("Log2Floor(0.5) did not panic")
		}
	}()
	I96FromFloat(0.5).Log2Floor()
}
