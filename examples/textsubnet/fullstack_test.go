package textsubnet_test

import (
	"bytes"
	"context"
	"net"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/taorun/taorun/abi"
	"github.com/taorun/taorun/abi/wire"
	"github.com/taorun/taorun/examples/textsubnet/textsolver"
	"github.com/taorun/taorun/host"
	"github.com/taorun/taorun/host/runner"
	"github.com/taorun/taorun/plugins"
	"github.com/taorun/taorun/runtime"
	"github.com/taorun/taorun/sdk-wasm/wasmtest"
)

// callGas is the gas limit of every call, far above what any of them needs.
const callGas = 2_000_000_000

// slowDelay is the slow miner's delay per request: a fifth of the module's
// default 10 s timeout, so its speed bonus is visibly smaller than the fast
// miner's however loaded the test machine is.
const slowDelay = 2 * time.Second

// miner is one miner's node in the test: a model server and the runner
// scheduler that reaches it, as configured in a node's config file.
type miner struct {
	name  string
	sched *runner.Scheduler
}

// llmRunners returns a scheduler with one runner "llm" of kind http, mode
// openai, at url, loaded through the node's YAML config parser.
func llmRunners(t *testing.T, url string) *runner.Scheduler {
	t.Helper()
	yaml := "runner:\n  - name: llm\n    kind: http\n    mode: openai\n    url: " + url + "\n    model: " + textsolver.DefaultModel +
		"\n    concurrency: 4\n    timeout: 30s\n"
	cfg, err := runner.ParseYAML([]byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Finish(); err != nil {
		t.Fatal(err)
	}
	s, err := runner.New(cfg, runner.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestFullStack runs the text subnet the way a network does: the module is
// built for wasip1 and goes through the chain's upload pipeline; three
// miners' solve calls reach reference model servers on loopback through
// the real runner scheduler (http runner, openai mode) — honest and fast,
// honest and slow, wrong — and the validator's score must order them
// fast > slow > wrong = 0 on every engine, whose solve outputs and gas
// must agree. Without a reachable runner solve fails with a clear error.
func TestFullStack(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a wasm module; skipped with -short")
	}
	ctx := context.Background()
	prepared, err := plugins.Prepare(wasmtest.BuildGo(t, "module"), plugins.DefaultLimits())
	if err != nil {
		t.Fatalf("upload pipeline refused the module: %v", err)
	}
	var miners []miner
	for _, m := range []struct {
		name string
		opts textsolver.Options
	}{{"fast", textsolver.Options{}}, {"slow", textsolver.Options{Delay: slowDelay}}, {"wrong", textsolver.Options{Wrong: true}}} {
		srv := httptest.NewServer(textsolver.New(m.opts))
		t.Cleanup(srv.Close)
		s := llmRunners(t, srv.URL+"/v1")
		readyCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
		_, err := s.WaitReady(readyCtx, "llm")
		cancel()
		if err != nil {
			t.Fatalf("%s model server not ready: %v", m.name, err)
		}
		miners = append(miners, miner{m.name, s})
	}

	engines := runtime.Engines()
	if len(engines) < 2 {
		t.Fatalf("engines %v: want at least wazero and its interpreter", engines)
	}
	var first []call
	for _, eng := range engines {
		calls := runStack(t, ctx, eng, prepared.Instrumented, miners)
		if first == nil {
			first = calls
			continue
		}
		for i := range calls {
			if calls[i].entry != first[i].entry || calls[i].gas != first[i].gas || !bytes.Equal(calls[i].output, first[i].output) {
				t.Errorf("%s differs from %s on %s: gas %d vs %d, outputs equal %v", eng, engines[0], calls[i].entry,
					calls[i].gas, first[i].gas, bytes.Equal(calls[i].output, first[i].output))
			}
		}
	}
}

// call is what the engines must agree on about one solve.
type call struct {
	entry  string
	output []byte
	gas    uint64
}

// runStack runs init, challenge, every miner's solve and score on one
// engine, checks the scores and the failure cases, and returns the solves.
func runStack(t *testing.T, ctx context.Context, engine string, instrumented []byte, miners []miner) []call {
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
	block := wire.BlockInfo{Netuid: 7, Height: 100, TimeMillis: 1_700_000_000_000, Hash: [32]byte{0xb1}}
	do := func(runners host.Runners, entry string, in []byte) runtime.Result {
		return inst.Call(host.WithEnv(ctx, &host.Env{Side: abi.NodeSide, Block: block, Runners: runners}), entry, in, callGas)
	}
	must := func(entry string, res runtime.Result) []byte {
		t.Helper()
		if res.Err != nil {
			t.Fatalf("%s: %s: %v (log %q)", engine, entry, res.Err, res.Log)
		}
		return res.Output
	}
	must("init", do(nil, "init", nil)) // the default config: 4 questions, 10 s

	var ch wire.ChallengeOutput
	if err := ch.Decode(must("challenge", do(nil, "challenge", wire.ChallengeInput{Netuid: 7, Block: 100, Seed: [32]byte{0x5e, 0xed}}.Encode()))); err != nil {
		t.Fatal(err)
	}
	if ch.TimeoutMillis != 10_000 {
		t.Fatalf("%s: challenge timeout %d, want the default 10000", engine, ch.TimeoutMillis)
	}

	// Each miner solves; its latency is measured around the call, as a
	// validator measures the round trip.
	var calls []call
	var responses []wire.Response
	for i, m := range miners {
		start := time.Now()
		res := do(m.sched.HostRunners(), "solve", wire.SolveInput{Netuid: 7, Block: 100, Task: ch.Task}.Encode())
		latency := time.Since(start)
		var sol wire.SolveOutput
		if err := sol.Decode(must("solve "+m.name, res)); err != nil {
			t.Fatal(err)
		}
		calls = append(calls, call{"solve " + m.name, res.Output, res.GasUsed})
		responses = append(responses, wire.Response{UID: uint16(i), LatencyMicros: uint64(latency.Microseconds()), Response: sol.Response})
		t.Logf("%s: %s miner solved in %s with %d gas", engine, m.name, latency.Round(time.Millisecond), res.GasUsed)
	}
	var scores wire.ScoreOutput
	if err := scores.Decode(must("score", do(nil, "score", wire.ScoreInput{Netuid: 7, Block: 101, Task: ch.Task, Responses: responses}.Encode()))); err != nil {
		t.Fatal(err)
	}
	s := scores.Scores
	t.Logf("%s: scores fast %d, slow %d, wrong %d", engine, s[0].Value, s[1].Value, s[2].Value)
	if len(s) != 3 || !(s[0].Value > s[1].Value && s[1].Value > s[2].Value && s[2].Value == 0) {
		t.Fatalf("%s: scores %v: want fast > slow > wrong = 0", engine, s)
	}
	// All of the honest miners' answers are right: at least the 1/2 of a
	// correct answer at the timeout.
	if s[1].Value < 500_000_000 {
		t.Fatalf("%s: the slow honest miner scored %d: some answers were judged wrong", engine, s[1].Value)
	}

	// Without a reachable runner solve fails, naming the problem: a node
	// with no "llm" runner, and one whose server is down.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := "http://" + ln.Addr().String() + "/v1"
	ln.Close()
	for _, f := range []struct {
		runners host.Runners
		want    string
	}{
		{nil, `solve needs an OpenAI-compatible model server as runner "llm" (kind http, mode openai): runner "llm" not available`},
		{host.NewFuncRunners(nil), `runner "llm" not available`},
		{llmRunners(t, down).HostRunners(), `question 1: runner "llm" failed`},
	} {
		res := do(f.runners, "solve", wire.SolveInput{Netuid: 7, Block: 100, Task: ch.Task}.Encode())
		if res.Err == nil || !strings.Contains(res.Err.Error(), f.want) {
			t.Fatalf("%s: solve without a reachable runner: error %v, want one containing %q", engine, res.Err, f.want)
		}
	}
	return calls
}
