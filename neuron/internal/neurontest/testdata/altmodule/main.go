// Command altmodule is a second, deliberately different subnet module for
// the neuron tests: challenge returns the first 8 bytes of the seed with a
// 1 s timeout, solve answers "alt:" + task, and score traps (tao.Fail), so
// tests can see a module switch and a module that traps in score.
package main

import "github.com/taorun/taorun/sdk-wasm/go/tao"

func init() {
	tao.HandleChallenge(func(in tao.ChallengeInput) (tao.ChallengeOutput, error) {
		return tao.ChallengeOutput{Task: append([]byte(nil), in.Seed[:8]...), TimeoutMillis: 1000}, nil
	})
	tao.HandleSolve(func(in tao.SolveInput) (tao.SolveOutput, error) {
		return tao.SolveOutput{Response: append([]byte("alt:"), in.Task...)}, nil
	})
	tao.HandleScore(func(in tao.ScoreInput) (tao.ScoreOutput, error) {
		tao.Fail("altmodule: score always traps")
		return tao.ScoreOutput{}, nil
	})
}

func main() {}
