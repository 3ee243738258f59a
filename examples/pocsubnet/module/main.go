// Command module is a complete proof-of-compute subnet module, written with
// the Go guest SDK (package tao) and used by the SDK's end-to-end tests.
//
// Validators challenge miners to multiply two integer matrices modulo a
// prime (n×n mod 65521 by default), derived from the challenge seed; miners
// send the product to the runner named "matmul" (examples/runners/matmul-cpu
// or matmul-gpu) as a job in the format of package
// examples/pocsubnet/matmul, falling back to the same reference code inside
// the module when the node has no such runner; the response is the runner's
// result bytes. Validators check each answer with Freivalds' algorithm in
// O(n²) and score correctness and speed. The chain-side hooks keep weights
// honest (no self-weights, no unknown UIDs), cap any miner's share of an
// epoch's emission, and limit registrations.
//
// Build:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o pocsubnet.wasm ./examples/pocsubnet/module
//
// Entry points: init (Config, see ParseConfig), challenge, solve, score,
// validate_weights, on_epoch, on_register. init runs node-side only, so the
// chain-side hooks read their Config from module storage instead (key
// "config", written by the subnet owner's tooling; defaults when absent).
// Module storage also holds one key per registered hotkey: "reg/" + hotkey
// → u32 count.
//
// Invariants: every chain-side hook is a deterministic function of its
// input, the config and module storage; scores and emission use integers
// only; on_epoch conserves the total miner emission exactly.
package main

import (
	"encoding/binary"

	"github.com/taorun/taorun/examples/pocsubnet/matmul"
	"github.com/taorun/taorun/sdk-wasm/go/tao"
)

// cfg is the configuration init gave this instance (defaults otherwise).
var cfg = DefaultConfig()

// configKey is the module storage key of the chain-side hooks' Config.
var configKey = []byte("config")

// chainConfig returns the Config stored on chain, or cfg when there is none
// or it does not parse (logged, so the owner notices).
func chainConfig() Config {
	b, ok := tao.StateGet(configKey)
	if !ok {
		return cfg
	}
	c, err := ParseConfig(b)
	if err != nil {
		tao.Log(tao.LevelWarn, "ignoring stored config: "+err.Error())
		return cfg
	}
	return c
}

func init() {
	tao.HandleInit(func(b []byte) error {
		c, err := ParseConfig(b)
		if err != nil {
			return err
		}
		cfg = c
		return nil
	})
	tao.HandleChallenge(challenge)
	tao.HandleSolve(solve)
	tao.HandleScore(func(in tao.ScoreInput) (tao.ScoreOutput, error) { return ScoreAll(in, cfg.TimeoutMillis) })
	tao.HandleValidateWeights(func(in tao.ValidateWeightsInput) (tao.ValidateWeightsOutput, error) {
		return CheckWeights(in), nil
	})
	tao.HandleOnEpoch(onEpoch)
	tao.HandleOnRegister(onRegister)
}

func challenge(in tao.ChallengeInput) (tao.ChallengeOutput, error) {
	return tao.ChallengeOutput{Task: NewTask(in.Seed, cfg.MatrixN).Encode(), TimeoutMillis: cfg.TimeoutMillis}, nil
}

// solve sends the task's matmul job to the node's "matmul" runner and
// answers with its result, checked first: a broken GPU should cost a
// recomputation, not the miner's score. Without a runner (or after a wrong
// answer) the module multiplies in process with the same reference code the
// Go worker runs.
func solve(in tao.SolveInput) (tao.SolveOutput, error) {
	task, err := ParseTask(in.Task)
	if err != nil {
		return tao.SolveOutput{}, err
	}
	job := task.Job()
	if out, err := tao.RunnerInvoke("matmul", matmul.EncodeJob(job)); err == nil {
		c, perr := matmul.DecodeResult(out, job.N, job.M, job.P)
		if perr == nil && Verify(task, job, c) {
			return tao.SolveOutput{Response: out}, nil
		}
		tao.Log(tao.LevelWarn, "matmul runner returned a wrong product; computing in the module")
	} else {
		tao.Log(tao.LevelInfo, "computing in the module: "+err.Error())
	}
	return tao.SolveOutput{Response: matmul.EncodeResult(matmul.Multiply(job))}, nil
}

func onEpoch(in tao.OnEpochInput) (tao.OnEpochOutput, error) {
	if split, ok := Resplit(in, chainConfig()); ok {
		return tao.ResplitEmission(split), nil
	}
	return tao.KeepEmission(), nil
}

func registrationKey(hotkey [32]byte) []byte { return append([]byte("reg/"), hotkey[:]...) }

func onRegister(in tao.OnRegisterInput) (tao.OnRegisterOutput, error) {
	key := registrationKey(in.Hotkey)
	var previous uint32
	if v, ok := tao.StateGet(key); ok && len(v) == 4 {
		previous = binary.LittleEndian.Uint32(v)
	}
	out := CheckRegistration(in, chainConfig(), previous)
	if out.Allow {
		tao.StateSet(key, binary.LittleEndian.AppendUint32(nil, previous+1))
	}
	return out, nil
}

func main() {}
