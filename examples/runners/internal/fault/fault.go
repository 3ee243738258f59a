// Package fault makes the example runner workers (examples/runners/echo and
// matmul-cpu) misbehave on purpose, for fault tests and demonstrations: a
// worker can exit or hang while holding a job, as a crashed or wedged GPU
// process would.
//
// Invariant: with the flags at their defaults (-1) Job does nothing, so a
// worker's behaviour is unchanged unless a fault is asked for.
package fault

import (
	"flag"
	"fmt"
	"math"
	"os"
	"time"
)

// CrashStatus is the exit status of a worker crashing on purpose, so tests
// can tell it from a real failure (status 1).
const CrashStatus = 3

// Plan is the fault a worker was asked to inject, counted in jobs received
// since the worker process started. It is not safe for concurrent use; the
// frame protocol's Serve runs jobs one at a time.
type Plan struct {
	worker     string
	crashAfter int
	hangAfter  int
	received   int
}

// Flags registers --crash-after and --hang-after on fs and returns the plan
// they fill in when fs is parsed; worker names the program in its messages.
func Flags(fs *flag.FlagSet, worker string) *Plan {
	p := &Plan{worker: worker}
	fs.IntVar(&p.crashAfter, "crash-after", -1, fmt.Sprintf("exit with status %d on receiving the job after the first `N` (-1: never)", CrashStatus))
	fs.IntVar(&p.hangAfter, "hang-after", -1, "stop answering forever on receiving the job after the first `N` (-1: never)")
	return p
}

// Job is called on receiving each job (each input of a batch), before it is
// run. It exits the process with CrashStatus or blocks forever when the job
// is the one the flags name; otherwise it counts the job and returns.
func (p *Plan) Job() {
	switch p.received {
	case p.crashAfter:
		fmt.Fprintf(os.Stderr, "%s: crashing on job %d as asked (--crash-after %d)\n", p.worker, p.received+1, p.crashAfter)
		os.Exit(CrashStatus)
	case p.hangAfter:
		fmt.Fprintf(os.Stderr, "%s: hanging on job %d as asked (--hang-after %d)\n", p.worker, p.received+1, p.hangAfter)
		time.Sleep(math.MaxInt64)
	}
	p.received++
}
