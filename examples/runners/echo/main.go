// Command echo is an exec runner worker that answers every job with its
// input, speaking taorun's frame protocol (see package host/runner) on stdin
// and stdout. Flags make it misbehave on purpose, for fault tests and
// demonstrations: it can crash or hang after a number of jobs, stall while
// idle, fail chosen inputs, or take a fixed time per job (the crash and hang
// flags are package examples/runners/internal/fault's, shared with
// matmul-cpu).
//
// Invariant: without fault flags every job's output equals its input.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"time"

	"github.com/taorun/taorun/examples/runners/internal/fault"
	"github.com/taorun/taorun/host/runner/frame"
)

func main() {
	faults := fault.Flags(flag.CommandLine, "echo")
	delay := flag.Duration("delay", 0, "time each job takes")
	maxBatch := flag.Int("max-batch", 1, "largest batch to accept")
	failOn := flag.String("fail-on", "", "answer an input equal to `TEXT` with an error")
	stallAfter := flag.Duration("stall-after", 0, "stop reading frames (health probes included) `D` after starting (0: never)")
	flag.Parse()

	handle := func(inputs [][]byte) ([][]byte, []error) {
		for range inputs {
			faults.Job()
		}
		time.Sleep(*delay)
		errs := make([]error, len(inputs))
		for i, in := range inputs {
			if *failOn != "" && string(in) == *failOn {
				errs[i] = errors.New("echo: refusing input " + *failOn + " as asked (--fail-on)")
			}
		}
		return inputs, errs
	}
	hello := frame.Header{Name: "echo", MaxBatch: *maxBatch}
	var in io.Reader = os.Stdin
	if *stallAfter > 0 {
		in = &stallReader{r: os.Stdin, at: time.Now().Add(*stallAfter)}
	}
	if err := frame.Serve(in, os.Stdout, hello, 1<<30, handle); err != nil {
		fmt.Fprintln(os.Stderr, "echo:", err)
		os.Exit(1)
	}
}

// stallReader reads from r until the time at, then blocks forever, like a
// worker wedged while idle.
type stallReader struct {
	r  io.Reader
	at time.Time
}

func (s *stallReader) Read(p []byte) (int, error) {
	if time.Now().Before(s.at) {
		// A read begun before the stall may still return later data: the
		// stall takes hold at the next read.
		return s.r.Read(p)
	}
	fmt.Fprintln(os.Stderr, "echo: stalling as asked (--stall-after)")
	time.Sleep(math.MaxInt64)
	return 0, nil
}
