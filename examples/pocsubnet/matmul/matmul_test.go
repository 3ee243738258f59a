package matmul

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"flag"
	"math/rand/v2"
	"os"
	"os/exec"
	"reflect"
	"slices"
	"strings"
	"testing"

	matmulgpu "github.com/taorun/taorun/examples/runners/matmul-gpu"
)

var update = flag.Bool("update", false, "rewrite testdata/vectors.json from the Go implementation")

// vectorFile holds the golden vectors shared with the Python worker's test
// (examples/runners/matmul-gpu/test_worker.py).
const vectorFile = "testdata/vectors.json"

// Vectors is the layout of vectorFile: byte strings are hex.
type Vectors struct {
	Comment string       `json:"comment"`
	Jobs    []GoodVector `json:"jobs"`
	Bad     []BadVector  `json:"bad"`
}

// GoodVector is a valid job and its exact result.
type GoodVector struct {
	Name   string `json:"name"`
	Job    string `json:"job"`
	Result string `json:"result"`
}

// BadVector is an invalid job and the worker's exact error text (Go
// spelling; the Python worker writes ">=" and "<=" for "≥" and "≤").
type BadVector struct {
	Name  string `json:"name"`
	Job   string `json:"job"`
	Error string `json:"error"`
}

// randomJob returns a job of the given shape with entries drawn below p.
func randomJob(rng *rand.Rand, n, k, m, p uint32) Job {
	j := Job{N: n, K: k, M: m, P: p, A: make([]uint32, n*k), B: make([]uint32, k*m)}
	for _, x := range [][]uint32{j.A, j.B} {
		for i := range x {
			x[i] = rng.Uint32N(p)
		}
	}
	return j
}

// filled returns count copies of v.
func filled(count int, v uint32) []uint32 {
	out := make([]uint32, count)
	for i := range out {
		out[i] = v
	}
	return out
}

// makeVectors builds the golden vectors from this package's code.
func makeVectors() Vectors {
	rng := rand.New(rand.NewPCG(7, 11))
	good := []struct {
		name string
		job  Job
	}{
		{"hand 2x2x2 mod 7", Job{N: 2, K: 2, M: 2, P: 7, A: []uint32{1, 2, 3, 4}, B: []uint32{5, 6, 0, 1}}},
		{"1x1x1 mod 2", Job{N: 1, K: 1, M: 1, P: 2, A: []uint32{1}, B: []uint32{1}}},
		{"non-square 3x5x4 mod 65521", randomJob(rng, 3, 5, 4, 65521)},
		{"row times column 1x9x1 mod 97", randomJob(rng, 1, 9, 1, 97)},
		{"column times row 4x1x6 mod 65536", randomJob(rng, 4, 1, 6, 65536)},
		// Largest entries: each dot product is 64·65535² ≈ 2^38, far above
		// 2^32, so a kernel that sums in 32 bits fails here.
		{"max entries 2x64x3 mod 65536", Job{N: 2, K: 64, M: 3, P: 65536, A: filled(128, 65535), B: filled(192, 65535)}},
		{"random 8x16x8 mod 65521", randomJob(rng, 8, 16, 8, 65521)},
	}
	v := Vectors{Comment: "Golden vectors of the matmul runner payload (package github.com/taorun/taorun/examples/pocsubnet/matmul). " +
		"Regenerate with go test ./examples/pocsubnet/matmul -run TestGoldenVectors -update."}
	for _, g := range good {
		v.Jobs = append(v.Jobs, GoodVector{g.name, hex.EncodeToString(EncodeJob(g.job)), hex.EncodeToString(EncodeResult(Multiply(g.job)))})
	}
	bad := []struct {
		name string
		job  []byte
	}{
		{"short header", []byte{1, 2, 3}},
		{"zero rows", EncodeJob(Job{N: 0, K: 1, M: 1, P: 7, B: []uint32{1}})},
		{"inner too large", EncodeJob(Job{N: 1, K: MaxInner + 1, M: 1, P: 7})},
		{"modulus 1", EncodeJob(Job{N: 1, K: 1, M: 1, P: 1, A: []uint32{0}, B: []uint32{0}})},
		{"modulus too large", EncodeJob(Job{N: 1, K: 1, M: 1, P: MaxModulus + 1, A: []uint32{0}, B: []uint32{0}})},
		{"missing B", EncodeJob(Job{N: 1, K: 1, M: 1, P: 7, A: []uint32{1}})},
		{"trailing byte", append(EncodeJob(Job{N: 1, K: 1, M: 1, P: 7, A: []uint32{1}, B: []uint32{1}}), 0)},
		{"B entry unreduced", EncodeJob(Job{N: 1, K: 1, M: 1, P: 7, A: []uint32{1}, B: []uint32{9}})},
		{"A entry has the top bit", EncodeJob(Job{N: 1, K: 1, M: 1, P: 7, A: []uint32{0x80000000}, B: []uint32{1}})},
	}
	for _, b := range bad {
		_, err := DecodeJob(b.job)
		msg := "<accepted>"
		if err != nil {
			msg = err.Error()
		}
		v.Bad = append(v.Bad, BadVector{b.name, hex.EncodeToString(b.job), msg})
	}
	return v
}

// TestGoldenVectors checks the codec and Multiply against the vectors
// committed in testdata, so that a change of format or arithmetic shows up
// as a diff (and the Python worker's test, which reads the same file, keeps
// the two workers identical).
func TestGoldenVectors(t *testing.T) {
	want := makeVectors()
	if *update {
		b, err := json.MarshalIndent(want, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(vectorFile, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	raw, err := os.ReadFile(vectorFile)
	if err != nil {
		t.Fatal(err)
	}
	var got Vectors
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s is out of date with the code (go test -run TestGoldenVectors -update rewrites it)", vectorFile)
	}
	for _, g := range got.Jobs {
		in, _ := hex.DecodeString(g.Job)
		j, err := DecodeJob(in)
		if err != nil {
			t.Fatalf("%s: %v", g.Name, err)
		}
		if !bytes.Equal(EncodeJob(j), in) {
			t.Errorf("%s: job does not re-encode to the same bytes", g.Name)
		}
		out := EncodeResult(Multiply(j))
		if hex.EncodeToString(out) != g.Result {
			t.Errorf("%s: result %x, want %s", g.Name, out, g.Result)
		}
		r, err := DecodeResult(out, j.N, j.M, j.P)
		if err != nil || !bytes.Equal(EncodeResult(r), out) {
			t.Errorf("%s: result does not round-trip: %v", g.Name, err)
		}
	}
	for _, b := range got.Bad {
		if b.Error == "<accepted>" {
			t.Errorf("%s: invalid job accepted", b.Name)
		}
	}
	// The hand vector, computed by hand: [[1,2],[3,4]]·[[5,6],[0,1]] =
	// [[5,8],[15,22]] ≡ [[5,1],[1,1]] mod 7.
	hand := "02000000" + "02000000" + "05000000" + "01000000" + "01000000" + "01000000"
	if got.Jobs[0].Result != hand {
		t.Fatalf("hand vector result %s, want %s", got.Jobs[0].Result, hand)
	}
}

// TestMultiplyMatchesNaive compares Multiply with the textbook triple loop
// reduced at every step, on random shapes up to the largest entries.
func TestMultiplyMatchesNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 50 {
		n, k, m := 1+rng.Uint32N(6), 1+rng.Uint32N(40), 1+rng.Uint32N(6)
		p := 2 + rng.Uint32N(MaxModulus-1)
		j := randomJob(rng, n, k, m, p)
		got := Multiply(j)
		for i := range n {
			for c := range m {
				var acc uint64
				for t := range k {
					acc = (acc + uint64(j.A[i*k+t])*uint64(j.B[t*m+c])) % uint64(p)
				}
				if got.C[i*m+c] != uint32(acc) {
					t.Fatalf("%dx%dx%d mod %d: C[%d,%d] = %d, want %d", n, k, m, p, i, c, got.C[i*m+c], acc)
				}
			}
		}
	}
}

func TestDecodeResultErrors(t *testing.T) {
	ok := EncodeResult(Result{N: 1, M: 2, C: []uint32{3, 4}})
	tests := []struct {
		name string
		b    []byte
		want string
	}{
		{"short", ok[:5], "shorter than the 8-byte header"},
		{"shape", ok, "result shape is 1×2, want 2×1"},
		{"length", ok[:12], "result is 12 bytes; n=1 m=2 needs 16"},
		{"unreduced", EncodeResult(Result{N: 1, M: 2, C: []uint32{3, 5}}), "result entry C[1] is 5, not below p=5"},
	}
	for _, tt := range tests {
		n, m := uint32(1), uint32(2)
		if tt.name == "shape" {
			n, m = 2, 1
		}
		_, err := DecodeResult(tt.b, n, m, 5)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want %q", tt.name, err, tt.want)
		}
	}
	if err := (Job{N: 1, K: 2, M: 1, P: 7, A: []uint32{1}, B: []uint32{1, 1}}).Check(); err == nil || !strings.Contains(err.Error(), "A has 1 entries") {
		t.Errorf("short A: %v", err)
	}
}

func TestFreivaldsRound(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	j := randomJob(rng, 5, 7, 3, 65521)
	c := Multiply(j)
	v := []uint64{12345, 1, 65520}
	if !FreivaldsRound(j, c, v) {
		t.Fatal("correct product rejected")
	}
	for i := range c.C {
		bad := Result{N: c.N, M: c.M, C: append([]uint32(nil), c.C...)}
		bad.C[i] = (bad.C[i] + 1) % j.P
		// A single wrong entry changes (C·v)[row] by v[col] ≠ 0 mod p.
		if FreivaldsRound(j, bad, v) {
			t.Fatalf("product wrong at %d accepted", i)
		}
	}
}

// TestPythonWorkerMatchesGoldenVectors runs the Python worker's own test
// (examples/runners/matmul-gpu/test_worker.py), which feeds every golden
// vector to each backend that starts here and requires identical bytes and
// error texts. The backends the chosen interpreter imports (NumPy and the GPU
// path's Torch class on the CPU device; under TAORUN_REQUIRE_TORCH, which
// scripts/test.sh sets, all of them) must start and be tested, or it fails.
func TestPythonWorkerMatchesGoldenVectors(t *testing.T) {
	py := matmulgpu.ForTest(t)
	want := matmulgpu.Devices(py.Available())
	cmd := exec.Command(py.Path, matmulgpu.TestScript(), "-v")
	cmd.Env = append(os.Environ(), matmulgpu.RequireBackendsEnv+"="+strings.Join(want, ","))
	out, err := cmd.CombinedOutput()
	t.Logf("%s %s with %s=%s:\n%s", py.Path, matmulgpu.TestScript(), matmulgpu.RequireBackendsEnv, strings.Join(want, ","), out)
	if err != nil {
		t.Fatalf("python worker test: %v", err)
	}
	tested := testedBackends(string(out))
	for _, b := range append([]string{"cpu-pure"}, want...) {
		if !slices.Contains(tested, b) {
			t.Errorf("backend %s was not tested (tested: %v)", b, tested)
		}
	}
}

// testedBackends parses test_worker.py's "backends tested: a b c" line.
func testedBackends(out string) []string {
	for line := range strings.Lines(out) {
		if rest, ok := strings.CutPrefix(line, "backends tested:"); ok {
			return strings.Fields(rest)
		}
	}
	return nil
}
