// Command matmul-cpu is an exec runner worker that multiplies two matrices
// of integers modulo p on the CPU, speaking taorun's frame protocol (see
// package host/runner) on stdin and stdout. examples/runners/matmul-gpu
// computes the same function on a GPU.
//
// The payload is the "matmul" job of package
// github.com/taorun/taorun/examples/pocsubnet/matmul, which the
// proof-of-compute subnet module sends; in short, all integers unsigned
// 32-bit little-endian:
//
//	input:  n, k, m, p | A: n×k entries, row-major | B: k×m entries, row-major
//	output: n, m | C: n×m entries, row-major, C = A·B mod p
//
// with 2 ≤ p ≤ 65536, every entry < p, 1 ≤ k ≤ 2^21 and n, m ≥ 1, so every
// dot product stays below 2^53. Decoding, checks and arithmetic are that
// package's (matmul.DecodeJob, matmul.Multiply, matmul.EncodeResult), so the
// module's in-process fallback and this worker cannot disagree. Invalid input
// fails the job with a message naming the problem; the worker keeps serving.
//
// For fault tests, --crash-after N and --hang-after N (package
// examples/runners/internal/fault) make the worker exit with status 3, or
// stop answering, on receiving the job after the first N; without them it
// never does.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/taorun/taorun/examples/pocsubnet/matmul"
	"github.com/taorun/taorun/examples/runners/internal/fault"
	"github.com/taorun/taorun/host/runner/frame"
)

func main() {
	faults := fault.Flags(flag.CommandLine, "matmul-cpu")
	flag.Parse()
	handle := func(inputs [][]byte) ([][]byte, []error) {
		outs := make([][]byte, len(inputs))
		errs := make([]error, len(inputs))
		for i, in := range inputs {
			faults.Job()
			outs[i], errs[i] = multiply(in)
		}
		return outs, errs
	}
	if err := frame.Serve(os.Stdin, os.Stdout, frame.Header{Name: "matmul-cpu", MaxBatch: 8}, 1<<30, handle); err != nil {
		fmt.Fprintln(os.Stderr, "matmul-cpu:", err)
		os.Exit(1)
	}
}

// multiply decodes one input payload and returns the encoded product.
func multiply(in []byte) ([]byte, error) {
	j, err := matmul.DecodeJob(in)
	if err != nil {
		return nil, err
	}
	return matmul.EncodeResult(matmul.Multiply(j)), nil
}
