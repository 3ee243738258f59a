package runner

import (
	"bytes"
	"context"
	"encoding/binary"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	matmulgpu "github.com/taorun/taorun/examples/runners/matmul-gpu"
)

// matmulInput encodes the matmul payload (see examples/runners/matmul-cpu).
func matmulInput(n, k, m, p uint32, a, b []uint32) []byte {
	out := binary.LittleEndian.AppendUint32(nil, n)
	for _, v := range append([]uint32{k, m, p}, append(a, b...)...) {
		out = binary.LittleEndian.AppendUint32(out, v)
	}
	return out
}

// matmulWant computes the expected output payload.
func matmulWant(n, k, m, p uint32, a, b []uint32) []byte {
	out := binary.LittleEndian.AppendUint32(nil, n)
	out = binary.LittleEndian.AppendUint32(out, m)
	for i := range n {
		for j := range m {
			var sum uint64
			for t := range k {
				sum += uint64(a[i*k+t]) * uint64(b[t*m+j])
			}
			out = binary.LittleEndian.AppendUint32(out, uint32(sum%uint64(p)))
		}
	}
	return out
}

// randomMatmul returns a random input and its expected output.
func randomMatmul(rng *rand.Rand, n, k, m, p uint32) ([]byte, []byte) {
	a := make([]uint32, n*k)
	b := make([]uint32, k*m)
	for _, mat := range [][]uint32{a, b} {
		for i := range mat {
			mat[i] = rng.Uint32N(p)
		}
	}
	return matmulInput(n, k, m, p, a, b), matmulWant(n, k, m, p, a, b)
}

// matmulWorker is a matmul worker to test.
type matmulWorker struct {
	name    string
	command func() []string // the command, with python3 from PATH for worker.py
	python  bool            // worker.py, which spells "≥" as ">="
	device  string          // worker.py --device
}

// matmulWorkers are the workers every matmul test runs (protocol_test.go
// too): the Go one and worker.py with the standard library only.
var matmulWorkers = []matmulWorker{
	{name: "go-cpu", command: func() []string { return []string{workerPath("matmul-cpu")} }},
	{name: "python-cpu-pure", command: func() []string { return pythonMatmul("python3", "cpu-pure") }, python: true, device: "cpu-pure"},
}

// matmulArrayWorkers are worker.py with NumPy and with PyTorch on the CPU
// device, which runs the GPU path's Torch class. TestMatmulWorkers skips one
// the interpreter cannot import, unless TAORUN_REQUIRE_TORCH (set by
// scripts/test.sh) makes that a failure.
var matmulArrayWorkers = []matmulWorker{
	{name: "python-numpy", python: true, device: "numpy"},
	{name: "python-torch-cpu", python: true, device: "torch-cpu"},
}

func pythonMatmul(python, device string) []string {
	return []string{python, matmulgpu.Worker(), "--device", device, "--max-batch", "3"}
}

// matmulCommand returns w's command, with the interpreter package matmulgpu
// picks for worker.py, and the name the worker says hello with.
func matmulCommand(t *testing.T, w matmulWorker) ([]string, string) {
	if !w.python {
		return w.command(), "matmul-cpu"
	}
	for _, b := range matmulgpu.Backends {
		if b.Device == w.device {
			return pythonMatmul(matmulgpu.ForBackend(t, b).Path, w.device), "matmul-" + w.device
		}
	}
	return pythonMatmul(matmulgpu.Interpreter(t).Path, w.device), "matmul-" + w.device
}

func TestMatmulWorkers(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	// 2x2 by hand: [[1,2],[3,4]]·[[5,6],[7,8]] = [[19,22],[43,50]] mod 7 = [[5,1],[1,1]].
	hand := matmulInput(2, 2, 2, 7, []uint32{1, 2, 3, 4}, []uint32{5, 6, 0, 1})
	handWant := matmulInput(2, 2, 0, 0, nil, nil)[:8]
	// [[1,2],[3,4]]·[[5,6],[0,1]] = [[5,8],[15,22]] mod 7 = [[5,1],[1,1]]
	for _, v := range []uint32{5, 1, 1, 1} {
		handWant = binary.LittleEndian.AppendUint32(handWant, v)
	}
	type job struct{ in, want []byte }
	jobs := []job{{hand, handWant}}
	for _, shape := range [][4]uint32{{1, 1, 1, 2}, {3, 5, 4, 65521}, {8, 16, 8, 65536}, {17, 3, 9, 97}} {
		in, want := randomMatmul(rng, shape[0], shape[1], shape[2], shape[3])
		jobs = append(jobs, job{in, want})
	}
	bad := []struct {
		in     []byte
		errHas string
	}{
		{[]byte{1, 2, 3}, "shorter than the 16-byte header"},
		{matmulInput(0, 1, 1, 7, nil, []uint32{1}), "each must be ≥ 1"},
		{matmulInput(1, 1, 1, 1, []uint32{0}, []uint32{0}), "modulus p=1 is outside"},
		{matmulInput(1, 1, 1, 7, []uint32{1}, nil), "needs 24"},
		{matmulInput(1, 1, 1, 7, []uint32{1}, []uint32{9}), "entry B[0] is 9, not below p=7"},
		{matmulInput(1, 1, 1, 7, []uint32{0x80000000}, []uint32{1}), "entry A[0] is 2147483648, not below p=7"},
	}
	for _, w := range append(slices.Clone(matmulWorkers), matmulArrayWorkers...) {
		t.Run(w.name, func(t *testing.T) {
			command, hello := matmulCommand(t, w)
			s, _ := start(t, RunnerConfig{Name: "matmul", Kind: KindExec, Command: command, Timeout: 30 * time.Second})
			// The worker runs the backend asked for (worker.py's single
			// devices never fall back to another).
			health, err := s.WaitReady(context.Background(), "matmul")
			if err != nil || len(health) != 1 || !strings.Contains(health[0].Detail, hello+" ") {
				t.Fatalf("worker health %+v, %v: want one worker named %s", health, err, hello)
			}
			// Submit everything at once so batch frames are exercised too.
			var submitted []*Job
			for _, j := range jobs {
				sj, err := s.Submit(context.Background(), "matmul", j.in)
				if err != nil {
					t.Fatal(err)
				}
				submitted = append(submitted, sj)
			}
			for i, sj := range submitted {
				out, err := sj.Wait()
				if err != nil || !bytes.Equal(out, jobs[i].want) {
					t.Errorf("job %d: got %x, %v; want %x", i, out, err, jobs[i].want)
				}
			}
			for _, b := range bad {
				_, err := s.Invoke(context.Background(), "matmul", b.in)
				if err == nil || !strings.Contains(err.Error(), strings.ReplaceAll(b.errHas, "≥", ge(w.python))) {
					t.Errorf("bad input %x: error %v, want one containing %q", b.in, err, b.errHas)
				}
			}
		})
	}
}

// ge is how a worker spells "≥" (the Python one sticks to ASCII).
func ge(python bool) string {
	if python {
		return ">="
	}
	return "≥"
}
