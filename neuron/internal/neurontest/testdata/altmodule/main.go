// Command altmodule is a second, deliberately different subnet module for
// the neuron tests: challenge returns the first 8 bytes of the seed with a
// 1 s timeout, solve answers "alt:" + task, and score always fails with
// the message "altmodule: score always traps" (tao.Fail: to the host a
// guest error, which leaves the instance in use), so tests can see a module
// switch and a module that fails in score. Two tasks are special: a
// task "echo:X" is solved through the node's runner named "echo" (the
// answer is "alt:" + the runner's output for X, a runner failure is a guest
// error), so tests can hold solves in a runner job; the task "exit" exits
// the guest (proc_exit, a trap to the host), so tests can see an instance
// discarded.
package main

import (
	"bytes"
	"os"

	"github.com/taorun/taorun/sdk-wasm/go/tao"
)

func init() {
	tao.HandleChallenge(func(in tao.ChallengeInput) (tao.ChallengeOutput, error) {
		return tao.ChallengeOutput{Task: append([]byte(nil), in.Seed[:8]...), TimeoutMillis: 1000}, nil
	})
	tao.HandleSolve(func(in tao.SolveInput) (tao.SolveOutput, error) {
		if string(in.Task) == "exit" {
			os.Exit(3)
		}
		if job, ok := bytes.CutPrefix(in.Task, []byte("echo:")); ok {
			out, err := tao.RunnerInvoke("echo", job)
			if err != nil {
				return tao.SolveOutput{}, err
			}
			return tao.SolveOutput{Response: append([]byte("alt:"), out...)}, nil
		}
		return tao.SolveOutput{Response: append([]byte("alt:"), in.Task...)}, nil
	})
	tao.HandleScore(func(in tao.ScoreInput) (tao.ScoreOutput, error) {
		tao.Fail("altmodule: score always traps")
		return tao.ScoreOutput{}, nil
	})
}

func main() {}
