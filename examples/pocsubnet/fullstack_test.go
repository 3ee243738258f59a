package pocsubnet_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/taorun/taorun/abi"
	"github.com/taorun/taorun/abi/wire"
	"github.com/taorun/taorun/examples/pocsubnet/matmul"
	"github.com/taorun/taorun/host"
	"github.com/taorun/taorun/host/runner"
	"github.com/taorun/taorun/plugins"
	"github.com/taorun/taorun/runtime"
	"github.com/taorun/taorun/sdk-wasm/wasmtest"
)

// callGas is the gas limit of every call, far above what any of them needs.
const callGas = 2_000_000_000

// recorder is a host.Runners that passes every call to the node's real
// runners (the scheduler's adapter) and records the jobs and their outputs,
// so the test can tell which jobs reached the worker.
type recorder struct {
	host.Runners
	mu            sync.Mutex
	inputs, outs  [][]byte
	invokeFailure error
}

// Invoke runs the job on the wrapped runners and records it.
func (r *recorder) Invoke(ctx context.Context, name string, input []byte) ([]byte, error) {
	out, err := r.Runners.Invoke(ctx, name, input)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.inputs = append(r.inputs, append([]byte(nil), input...))
	r.outs = append(r.outs, append([]byte(nil), out...))
	if err != nil {
		r.invokeFailure = err
	}
	return out, err
}

// jobs returns how many jobs were invoked and the last failure, if any.
func (r *recorder) jobs() (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.inputs), r.invokeFailure
}

// call is everything an engine must agree on about one entry-point call.
type call struct {
	Entry  string
	Output []byte
	Err    string
	Gas    uint64
}

// TestFullStack runs the proof-of-compute subnet the way a network does:
// the module is built for wasip1, goes through the real upload pipeline
// (plugins.Prepare) and runs instrumented on every engine with taorun's host
// functions; the miner's solve reaches a real host/runner Scheduler running
// the matmul-cpu worker process; the validator's score checks the product
// with Freivalds' algorithm. Every engine must give identical outputs and
// gas, solve's included (the runner's result is deterministic).
func TestFullStack(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a wasm module and a worker; skipped with -short")
	}
	ctx := context.Background()

	// Upload: build, then the chain's pipeline.
	original := wasmtest.BuildGo(t, "module")
	prepared, err := plugins.Prepare(original, plugins.DefaultLimits())
	if err != nil {
		t.Fatalf("upload pipeline refused the module: %v", err)
	}

	// The operator's runner: the Go worker, configured as in a node's
	// taorun.toml and loaded by the node's config loader.
	dir := t.TempDir()
	worker := filepath.Join(dir, "bin", "matmul-cpu")
	if out, err := exec.Command("go", "build", "-o", worker, "../runners/matmul-cpu").CombinedOutput(); err != nil {
		t.Fatalf("building matmul-cpu: %v\n%s", err, out)
	}
	conf := filepath.Join(dir, "taorun.toml")
	toml := "[[runner]]\nname = \"matmul\"\nkind = \"exec\"\ncommand = [\"./bin/matmul-cpu\"]\ntimeout = \"30s\"\n"
	if err := os.WriteFile(conf, []byte(toml), 0o644); err != nil {
		t.Fatal(err)
	}
	rcfg, err := runner.LoadConfig(conf, nil)
	if err != nil {
		t.Fatal(err)
	}
	sched, err := runner.New(rcfg, runner.Options{WorkerStderr: os.Stderr})
	if err != nil {
		t.Fatal(err)
	}
	defer sched.Close()
	readyCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	health, err := sched.WaitReady(readyCtx, "matmul")
	cancel()
	if err != nil || len(health) != 1 || !strings.Contains(health[0].Detail, "matmul-cpu") {
		t.Fatalf("matmul runner not ready: %+v, %v", health, err)
	}

	engines := runtime.Engines()
	if len(engines) < 2 {
		t.Fatalf("engines %v: want at least wazero and its interpreter", engines)
	}
	var first []call
	for _, eng := range engines {
		calls := runStack(t, ctx, eng, prepared.Instrumented, sched)
		for _, c := range calls {
			t.Logf("%s: %s used %d gas", eng, c.Entry, c.Gas)
		}
		if first == nil {
			first = calls
			continue
		}
		if !reflect.DeepEqual(calls, first) {
			for i := range calls {
				if !reflect.DeepEqual(calls[i], first[i]) {
					t.Errorf("%s differs from %s on call %d (%s): gas %d vs %d, err %q vs %q, outputs equal %v",
						eng, engines[0], i, calls[i].Entry, calls[i].Gas, first[i].Gas, calls[i].Err, first[i].Err,
						bytes.Equal(calls[i].Output, first[i].Output))
				}
			}
		}
	}
}

// runStack drives one engine through init, challenge, solve, score (a
// correct, a corrupted and a failed answer) and the chain side, checking
// each outcome, and returns what the engines must agree on.
func runStack(t *testing.T, ctx context.Context, engine string, instrumented []byte, sched *runner.Scheduler) []call {
	t.Helper()
	rt, err := runtime.New(runtime.Config{Engine: engine, Host: host.Functions()})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close(ctx)
	mod, err := rt.Compile(ctx, instrumented)
	if err != nil {
		t.Fatalf("%s: compile: %v", engine, err)
	}
	inst, err := mod.Instantiate(ctx, runtime.InstanceConfig{InitGas: callGas, Time: 1_700_000_000_000_000_000, Seed: [32]byte{1}})
	if err != nil {
		t.Fatalf("%s: instantiate: %v", engine, err)
	}
	defer inst.Close(ctx)

	runners := &recorder{Runners: sched.HostRunners()}
	block := wire.BlockInfo{Netuid: 1, Height: 100, TimeMillis: 1_700_000_000_000, Hash: [32]byte{0xb1}}
	node := &host.Env{Side: abi.NodeSide, Block: block, Runners: runners}
	var calls []call
	do := func(env *host.Env, entry string, in []byte) []byte {
		t.Helper()
		res := inst.Call(host.WithEnv(ctx, env), entry, in, callGas)
		c := call{Entry: entry, Output: res.Output, Gas: res.GasUsed}
		if res.Err != nil {
			c.Err = res.Err.Error()
			t.Fatalf("%s: %s: %v (log %q)", engine, entry, res.Err, res.Log)
		}
		calls = append(calls, c)
		return res.Output
	}

	// init with empty bytes: the module's default config, 32×32 matrices
	// mod 65521 and ten seconds for miners.
	do(node, "init", nil)

	// Validator: challenge.
	var ch wire.ChallengeOutput
	if err := ch.Decode(do(node, "challenge", wire.ChallengeInput{Netuid: 1, Block: 100, Seed: [32]byte{0x5e, 0xed}, ValidatorHotkey: [32]byte{0xaa}}.Encode())); err != nil {
		t.Fatal(err)
	}
	if ch.TimeoutMillis != 10_000 || len(ch.Task) == 0 {
		t.Fatalf("%s: challenge = %+v", engine, ch)
	}

	// Miner: solve, through the real runner.
	var sol wire.SolveOutput
	if err := sol.Decode(do(node, "solve", wire.SolveInput{Netuid: 1, Block: 100, MinerHotkey: [32]byte{0xbb}, Task: ch.Task}.Encode())); err != nil {
		t.Fatal(err)
	}
	if n, failure := runners.jobs(); n != 1 || failure != nil {
		t.Fatalf("%s: solve sent %d jobs to the runner (failure: %v), want 1 that succeeds", engine, n, failure)
	}
	job, err := matmul.DecodeJob(runners.inputs[0])
	if err != nil {
		t.Fatalf("%s: the module sent an invalid job: %v", engine, err)
	}
	if job.N != 32 || job.K != 32 || job.M != 32 || job.P != 65521 {
		t.Fatalf("%s: job is %dx%dx%d mod %d, want 32x32x32 mod 65521", engine, job.N, job.K, job.M, job.P)
	}
	product := matmul.EncodeResult(matmul.Multiply(job))
	if !bytes.Equal(runners.outs[0], product) || !bytes.Equal(sol.Response, product) {
		t.Fatalf("%s: the worker or solve did not return the product", engine)
	}

	// Validator: score the honest answer, a corrupted one and a failure.
	bad, err := matmul.DecodeResult(sol.Response, job.N, job.M, job.P)
	if err != nil {
		t.Fatal(err)
	}
	bad.C[100] = (bad.C[100] + 1) % job.P
	var scores wire.ScoreOutput
	if err := scores.Decode(do(node, "score", wire.ScoreInput{Netuid: 1, Block: 101, Task: ch.Task, Responses: []wire.Response{
		{UID: 1, LatencyMicros: 100_000, Response: sol.Response},
		{UID: 2, LatencyMicros: 1_000, Response: matmul.EncodeResult(bad)},
		{UID: 3, Err: "timeout"},
	}}.Encode())); err != nil {
		t.Fatal(err)
	}
	// 0.5 for a correct product + 0.5 × (1 - 100 ms / 10 s) for its speed.
	want := []wire.Score{{UID: 1, Value: 995_000_000}, {UID: 2, Value: 0}, {UID: 3, Value: 0}}
	if !reflect.DeepEqual(scores.Scores, want) {
		t.Fatalf("%s: scores = %v, want %v", engine, scores.Scores, want)
	}

	// Chain side. validate_weights itself never calls a runner; it runs
	// under a chain-side Env with storage, and still answers.
	chain := &host.Env{Side: abi.ChainSide, Block: block, Storage: &host.MemStorage{}, Runners: runners,
		Metagraph: func(context.Context) (wire.Metagraph, error) { return wire.Metagraph{Netuid: 1, Block: 100}, nil }}
	var vw wire.ValidateWeightsOutput
	if err := vw.Decode(do(chain, "validate_weights", wire.ValidateWeightsInput{Netuid: 1, Block: 100, CallerUID: 2, SubnetN: 4,
		Weights: []wire.WeightEntry{{UID: 1, Value: 10}, {UID: 2, Value: 10}}}.Encode())); err != nil {
		t.Fatal(err)
	}
	if vw.Verdict != wire.Adjust || len(vw.Weights) != 1 || vw.Weights[0].UID != 1 {
		t.Fatalf("%s: validate_weights = %+v", engine, vw)
	}
	// runner_invoke under a chain-side Env: the same solve code, with the
	// real scheduler present, is told "unavailable", nothing reaches the
	// worker, and the module falls back to computing in process.
	res := inst.Call(host.WithEnv(ctx, chain), "solve", wire.SolveInput{Netuid: 1, Block: 100, Task: ch.Task}.Encode(), callGas)
	if res.Err != nil {
		t.Fatalf("%s: chain-side solve: %v", engine, res.Err)
	}
	calls = append(calls, call{Entry: "solve (chain side)", Output: res.Output, Gas: res.GasUsed})
	if n, _ := runners.jobs(); n != 1 {
		t.Fatalf("%s: a chain-side call reached the runner (%d jobs)", engine, n)
	}
	if want := fmt.Sprintf("computing in the module: runner %q not available", "matmul"); !strings.Contains(string(res.Log), want) {
		t.Fatalf("%s: chain-side solve log %q, want %q", engine, res.Log, want)
	}
	if err := sol.Decode(res.Output); err != nil || !bytes.Equal(sol.Response, product) {
		t.Fatalf("%s: fallback product differs (%v)", engine, err)
	}
	return calls
}
