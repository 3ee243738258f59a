package main

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/taorun/taorun/abi/wire"
	"github.com/taorun/taorun/examples/textsubnet/textsolver"
	"github.com/taorun/taorun/sdk-wasm/wasmtest"
)

// chatRunner is an "llm" runner for wasmtest: it checks each request's
// shape and answers like the reference server (textsolver.Answer), wrong
// on purpose when wrong is set.
func chatRunner(t *testing.T, wrong bool, requests *[]ChatRequest) func([]byte) ([]byte, error) {
	return func(in []byte) ([]byte, error) {
		var req ChatRequest
		if err := json.Unmarshal(in, &req); err != nil {
			return nil, err
		}
		*requests = append(*requests, req)
		if len(req.Messages) != 2 || req.Messages[0].Role != "system" || req.Messages[1].Role != "user" {
			t.Errorf("request messages %+v: want system then user", req.Messages)
		}
		answer := textsolver.Answer(req.Messages[1].Content, wrong)
		return json.Marshal(textsolver.ChatResponse{Object: "chat.completion",
			Choices: []textsolver.Choice{{Message: textsolver.ChatMessage{Role: "assistant", Content: answer}, FinishReason: "stop"}}})
	}
}

// TestModuleInWasm builds this module for wasip1 and drives its entry
// points through wazero, the way a validator and a miner would.
func TestModuleInWasm(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a wasm module; skipped with -short")
	}
	ctx := context.Background()
	wasm := wasmtest.BuildGo(t, ".")
	if err := wasmtest.CheckImports(ctx, wasm); err != nil {
		t.Fatalf("module: %v", err)
	}
	var requests []ChatRequest
	host := &wasmtest.Host{Runners: map[string]func([]byte) ([]byte, error){RunnerName: chatRunner(t, false, &requests)}}
	m, err := wasmtest.Instantiate(ctx, wasm, host)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close(ctx)
	call := func(entry string, in []byte) []byte {
		t.Helper()
		out, err := m.Call(ctx, entry, in)
		if err != nil {
			t.Fatalf("%s: %v", entry, err)
		}
		return out
	}
	for _, name := range []string{"tao_abi_v1", "alloc", "dealloc", "init", "challenge", "solve", "score"} {
		if !m.HasExport(name) {
			t.Errorf("module does not export %s", name)
		}
	}
	call("init", Config{Questions: 5, TimeoutMillis: 2000, MaxTokens: 12}.Encode())

	// Validator: challenge.
	var ch wire.ChallengeOutput
	if err := ch.Decode(call("challenge", wire.ChallengeInput{Netuid: 1, Block: 10, Seed: [32]byte{7, 7}}.Encode())); err != nil {
		t.Fatal(err)
	}
	task, err := ParseTask(ch.Task)
	if err != nil || task != (Task{Seed: [32]byte{7, 7}, Count: 5}) || ch.TimeoutMillis != 2000 {
		t.Fatalf("challenge gave task %+v (%v), timeout %d", task, err, ch.TimeoutMillis)
	}
	qs := task.Questions()

	// Miner: solve, one chat request per question.
	solve := func() (wire.SolveOutput, error) {
		var sol wire.SolveOutput
		out, err := m.Call(ctx, "solve", wire.SolveInput{Netuid: 1, Block: 10, Task: ch.Task}.Encode())
		if err == nil {
			err = sol.Decode(out)
		}
		return sol, err
	}
	sol, err := solve()
	if err != nil {
		t.Fatal(err)
	}
	if len(requests) != len(qs) {
		t.Fatalf("solve sent %d requests, want %d", len(requests), len(qs))
	}
	for i, r := range requests {
		if r.Messages[1].Content != qs[i].Prompt || r.Messages[0].Content != SystemPrompt || r.Temperature != 0 || r.MaxTokens != 12 {
			t.Fatalf("request %d = %+v", i, r)
		}
	}
	answers, err := DecodeAnswers(sol.Response)
	if err != nil || len(answers) != len(qs) {
		t.Fatalf("solve answered %q (%v)", answers, err)
	}
	for i, q := range qs {
		if answers[i] != q.Answer {
			t.Fatalf("answer %d = %q, want %q", i, answers[i], q.Answer)
		}
	}

	// A wrong model's answers.
	host.Runners[RunnerName] = chatRunner(t, true, &requests)
	bad, err := solve()
	if err != nil {
		t.Fatal(err)
	}

	// Validator: score fast, slow, wrong and failed answers.
	var scores wire.ScoreOutput
	if err := scores.Decode(call("score", wire.ScoreInput{Netuid: 1, Block: 11, Task: ch.Task, Responses: []wire.Response{
		{UID: 1, LatencyMicros: 200_000, Response: sol.Response},
		{UID: 2, LatencyMicros: 1_000_000, Response: sol.Response},
		{UID: 3, LatencyMicros: 1_000, Response: bad.Response},
		{UID: 4, Err: "timeout"},
	}}.Encode())); err != nil {
		t.Fatal(err)
	}
	want := []wire.Score{{UID: 1, Value: 950_000_000}, {UID: 2, Value: 750_000_000}, {UID: 3, Value: 0}, {UID: 4, Value: 0}}
	if len(scores.Scores) != len(want) {
		t.Fatalf("scores = %v, want %v", scores.Scores, want)
	}
	for i := range want {
		if scores.Scores[i] != want[i] {
			t.Fatalf("scores = %v, want %v", scores.Scores, want)
		}
	}

	// One failed request costs only its question: solve answers the others,
	// logs the failure, and the answer scores 4/5 of the full one.
	calls := 0
	honest := chatRunner(t, false, &requests)
	host.Runners[RunnerName] = func(in []byte) ([]byte, error) {
		if calls++; calls == 2 {
			return nil, errors.New("HTTP 503")
		}
		return honest(in)
	}
	host.Logs = nil
	partial, err := solve()
	if err != nil {
		t.Fatalf("solve with one failed request: %v", err)
	}
	got, err := DecodeAnswers(partial.Response)
	if err != nil || len(got) != len(qs) {
		t.Fatalf("solve with one failed request answered %q (%v)", got, err)
	}
	for i, q := range qs {
		if want := map[bool]string{true: "", false: q.Answer}[i == 1]; got[i] != want {
			t.Fatalf("answer %d = %q, want %q", i, got[i], want)
		}
	}
	if !slices.ContainsFunc(host.Logs, func(l string) bool {
		return strings.Contains(l, `answering "": question 2: runner "llm" failed: HTTP 503`)
	}) {
		t.Errorf("logs %q: want the failed question logged", host.Logs)
	}
	if err := scores.Decode(call("score", wire.ScoreInput{Netuid: 1, Block: 11, Task: ch.Task, Responses: []wire.Response{
		{UID: 1, LatencyMicros: 200_000, Response: partial.Response}}}.Encode())); err != nil {
		t.Fatal(err)
	}
	if len(scores.Scores) != 1 || scores.Scores[0] != (wire.Score{UID: 1, Value: 760_000_000}) {
		t.Fatalf("partial answer scores %v, want 760000000 (4/5 of 950000000)", scores.Scores)
	}

	// Failures: no runner, a failing runner, a response that is not a chat
	// completion. Every request fails, so solve fails with an error saying
	// what is wrong.
	failures := []struct {
		runner func([]byte) ([]byte, error)
		want   string
	}{
		{nil, `solve needs an OpenAI-compatible model server as runner "llm" (kind http, mode openai): runner "llm" not available`},
		{func([]byte) ([]byte, error) { return nil, errors.New("HTTP 500") }, `question 1: runner "llm" failed: HTTP 500`},
		{func([]byte) ([]byte, error) { return []byte(`{"choices":[]}`), nil }, "question 1: chat response has no choices"},
	}
	for _, f := range failures {
		delete(host.Runners, RunnerName)
		if f.runner != nil {
			host.Runners[RunnerName] = f.runner
		}
		_, err := solve()
		var ge *wasmtest.GuestError
		if !errors.As(err, &ge) || ge.Trap || !strings.Contains(ge.Msg, f.want) {
			t.Errorf("solve error = %v, want a guest error containing %q", err, f.want)
		}
	}
}
