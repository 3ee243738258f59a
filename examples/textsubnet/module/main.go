// Command module is a text subnet module, written with the Go guest SDK
// (package tao): validators ask miners questions whose answers the module
// can check itself, and miners answer them with a language model served by
// an OpenAI-compatible server (vLLM, llama.cpp's llama-server, Ollama)
// behind the node's runner named "llm" (kind http, mode openai).
//
// A task is a seed and a question count (Task); the questions are derived
// from the seed (Task.Questions), in turn of three kinds: integer
// arithmetic ("What is 3817 * 29 + 4?"), and retrieval from a passage the
// module writes, five vaults with distinct colours and codes, asking for a
// vault's code or for the colour of the vault with a code. solve sends
// every question at once as a chat-completions request (system and user
// message, temperature 0, Config.MaxTokens) with tao.RunnerSubmit, collects
// them with Wait and answers with the list of reply texts
// (choices[0].message.content). There is no fallback: without the runner
// solve fails, and says which runner it needs. score checks each text with
// Correct (the expected value and no other candidate value) and scores the
// fraction correct times a latency factor (ScoreResponse).
//
// Build:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o textsubnet.wasm ./examples/textsubnet/module
//
// Entry points: init (Config, see ParseConfig), challenge, solve, score.
// The module has no chain-side hooks: the chain's defaults apply.
//
// Invariants: a task's questions and expected answers are a deterministic
// function of its bytes, the same on every node; the scoring rule reads
// only the task and the answer texts; scores use integers only.
//
// Limitation: the questions are checkable by construction, so a program
// that parses them answers them as well as a model does (package
// examples/textsubnet/textsolver is such a program, used as the reference
// server in tests). The subnet measures correct, fast answers to these
// questions, not general language ability.
package main

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/taorun/taorun/sdk-wasm/go/tao"
)

// RunnerName is the runner solve sends chat requests to.
const RunnerName = "llm"

// cfg is the configuration init gave this instance (defaults otherwise).
var cfg = DefaultConfig()

func init() {
	tao.HandleInit(func(b []byte) error {
		c, err := ParseConfig(b)
		if err != nil {
			return err
		}
		cfg = c
		return nil
	})
	tao.HandleChallenge(func(in tao.ChallengeInput) (tao.ChallengeOutput, error) {
		return tao.ChallengeOutput{Task: Task{Seed: in.Seed, Count: cfg.Questions}.Encode(), TimeoutMillis: cfg.TimeoutMillis}, nil
	})
	tao.HandleSolve(solve)
	tao.HandleScore(func(in tao.ScoreInput) (tao.ScoreOutput, error) { return ScoreAll(in, cfg.TimeoutMillis) })
}

// solve asks the "llm" runner every question of the task, all in flight at
// once (the runner's concurrency decides how many the server sees
// together), and answers with the reply texts in question order. A failed
// request costs only its own question (answered "", which scores as wrong,
// and logged): the other answers still count. Only when every request
// fails does solve fail, with the first error, since then the node has no
// working model server.
func solve(in tao.SolveInput) (tao.SolveOutput, error) {
	task, err := ParseTask(in.Task)
	if err != nil {
		return tao.SolveOutput{}, err
	}
	qs := task.Questions()
	jobs := make([]tao.Job, len(qs))
	for i, q := range qs {
		body, err := json.Marshal(NewChatRequest(q, cfg.MaxTokens))
		if err != nil {
			return tao.SolveOutput{}, err
		}
		if jobs[i], err = tao.RunnerSubmit(RunnerName, body); err != nil {
			return tao.SolveOutput{}, needRunner(err)
		}
	}
	answers := make([]string, len(qs))
	var first error
	failed := 0
	for i, j := range jobs {
		out, err := j.Wait() // every job is collected, even after a failure
		if err == nil {
			answers[i], err = AnswerText(out)
		}
		if errors.Is(err, tao.ErrUnavailable) {
			err = needRunner(err) // a host may report a missing runner at Wait
		}
		if err != nil {
			err = fmt.Errorf("question %d: %w", i+1, err)
			tao.Log(tao.LevelWarn, "answering \"\": "+err.Error())
			answers[i], failed = "", failed+1
			if first == nil {
				first = err
			}
		}
	}
	if failed == len(jobs) {
		return tao.SolveOutput{}, first
	}
	return tao.SolveOutput{Response: EncodeAnswers(answers)}, nil
}

// needRunner explains an unavailable runner: solve has no fallback.
func needRunner(err error) error {
	return fmt.Errorf("solve needs an OpenAI-compatible model server as runner %q (kind http, mode openai): %w", RunnerName, err)
}

func main() {}
