package consensus

import (
	"bufio"
	"math"
	"math/big"
	"os"
	"strconv"
	"strings"
	"testing"
)

type halvingVectors struct {
	emission [][2]uint64 // issuance, emission
	start    [][2]uint64 // k, first issuance
	bounds   [][3]uint64 // steps, factor, final issuance
}

func readHalving(t *testing.T) halvingVectors {
	t.Helper()
	f, err := os.Open("testdata/halving.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var v halvingVectors
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		fs := strings.Fields(sc.Text())
		if len(fs) == 0 || strings.HasPrefix(fs[0], "#") {
			continue
		}
		nums := make([]uint64, len(fs)-1)
		for i, s := range fs[1:] {
			if nums[i], err = strconv.ParseUint(s, 10, 64); err != nil {
				t.Fatalf("halving.txt:%d: %v", n, err)
			}
		}
		switch {
		case fs[0] == "emission" && len(nums) == 2:
			v.emission = append(v.emission, [2]uint64{nums[0], nums[1]})
		case fs[0] == "start" && len(nums) == 2:
			v.start = append(v.start, [2]uint64{nums[0], nums[1]})
		case fs[0] == "bounds" && len(nums) == 3:
			v.bounds = append(v.bounds, [3]uint64{nums[0], nums[1], nums[2]})
		default:
			t.Fatalf("halving.txt:%d: malformed line %q", n, sc.Text())
		}
	}
	if len(v.emission) < 40 || len(v.start) == 0 || len(v.bounds) == 0 {
		t.Fatalf("halving.txt: too few vectors (%d, %d, %d)", len(v.emission), len(v.start), len(v.bounds))
	}
	return v
}

func TestBlockEmissionTable(t *testing.T) {
	for _, c := range readHalving(t).emission {
		if got := BlockEmission(c[0]); got != c[1] {
			t.Errorf("BlockEmission(%d) = %d, want %d", c[0], got, c[1])
		}
	}
}

func TestBlockEmissionHalvingStarts(t *testing.T) {
	for _, c := range readHalving(t).start {
		k, start := c[0], c[1]
		if got, want := BlockEmission(start), uint64(DefaultBlockEmissionRao)>>k; got != want {
			t.Errorf("halving %d: BlockEmission(%d) = %d, want %d", k, start, got, want)
		}
		if got, want := BlockEmission(start-1), uint64(DefaultBlockEmissionRao)>>(k-1); got != want {
			t.Errorf("halving %d: BlockEmission(%d) = %d, want %d", k, start-1, got, want)
		}
	}
}

func TestBlockEmissionBounds(t *testing.T) {
	for _, c := range readHalving(t).bounds {
		var issuance uint64
		for i := uint64(0); i < c[0]; i++ {
			issuance += BlockEmission(issuance) * c[1]
		}
		if issuance != c[2] {
			t.Errorf("after %d steps of emission*%d: issuance %d, want %d", c[0], c[1], issuance, c[2])
		}
	}
}

// closedForm is the exact emission: k = max{k : issuance >= 21e15·(1 - 2^-k)},
// floor(1e9 / 2^k), computed with big integers.
func closedForm(issuance uint64) uint64 {
	if issuance >= MaxSupplyRao {
		return 0
	}
	k := uint(0)
	for ; k < 64; k++ {
		// issuance·2^(k+1) >= 21e15·(2^(k+1) - 1) means halving k+1 has started.
		lhs := new(big.Int).Lsh(new(big.Int).SetUint64(issuance), k+1)
		rhs := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), k+1), big.NewInt(1))
		rhs.Mul(rhs, big.NewInt(MaxSupplyRao))
		if lhs.Cmp(rhs) < 0 {
			break
		}
	}
	return DefaultBlockEmissionRao >> k
}

// floatForm is upstream test_get_emission_across_entire_issuance_range's f64 formula.
func floatForm(issuance uint64) uint64 {
	k := math.Floor(math.Log2(1 / (1 - float64(issuance)/MaxSupplyRao)))
	return uint64(math.Floor(1e9 * math.Pow(2, -k)))
}

// TestBlockEmissionEntireRange walks the issuance range by adding the emission (times a
// stride, to keep the walk to a few thousand steps per halving) and compares with the
// f64 formula upstream uses and with the exact closed form; every halving boundary and its
// neighbours are checked against the closed form too.
func TestBlockEmissionEntireRange(t *testing.T) {
	stride := uint64(1_009)
	if testing.Short() {
		stride = 10_007
	}
	steps := 0
	for issuance := uint64(0); issuance < 20_900_000_000_000_000; steps++ {
		e := BlockEmission(issuance)
		if f := floatForm(issuance); e != f {
			t.Fatalf("BlockEmission(%d) = %d, f64 formula %d", issuance, e, f)
		}
		if c := closedForm(issuance); e != c {
			t.Fatalf("BlockEmission(%d) = %d, closed form %d", issuance, e, c)
		}
		issuance += e * stride
	}
	for k := int64(1); k <= 34; k++ {
		// first issuance of halving k: ceil(21e15·(2^k - 1) / 2^k)
		num := new(big.Int).Mul(big.NewInt(MaxSupplyRao), new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), uint(k)), big.NewInt(1)))
		start := new(big.Int).Rsh(new(big.Int).Add(num, new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), uint(k)), big.NewInt(1))), uint(k)).Uint64()
		for d := int64(-3); d <= 3; d++ {
			i := uint64(int64(start) + d)
			if got, want := BlockEmission(i), closedForm(i); got != want {
				t.Errorf("BlockEmission(%d) (halving %d%+d) = %d, closed form %d", i, k, d, got, want)
			}
		}
	}
	t.Logf("%d walk steps", steps)
}

func BenchmarkBlockEmission(b *testing.B) {
	for i := 0; i < b.N; i++ {
		BlockEmission(20_999_999_000_000_000)
	}
}
