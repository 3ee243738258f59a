package main

import (
	"context"
	"encoding/binary"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/taorun/taorun/examples/textsubnet/textsolver"
	"github.com/taorun/taorun/host/runner"
)

// The text subnet demonstration (--subnet text): examples/textsubnet's
// module, whose miners ask an OpenAI-compatible model server through their
// runner "llm". Each miner gets its own reference server (package
// examples/textsubnet/textsolver) on loopback and a real host/runner
// scheduler with an http runner in openai mode pointing at it: the same
// path a miner with vLLM or llama-server takes.

// textNote describes the text mode's weights in localnet.json.
const textNote = "weights from the text module (examples/textsubnet): Charlie answers fast, Dave slowly (~300 ms), Eve wrongly; each via an OpenAI-compatible runner"

// textSlowDelay is how long the slow honest miner's server waits before
// each answer (its questions are asked concurrently).
const textSlowDelay = 300 * time.Millisecond

// textMiners maps each demonstration miner to its kind of model server.
var textMiners = map[string]string{"Charlie": "fast", "Dave": "slow", "Eve": "wrong"}

// textInitConfig is the module's init input (examples/textsubnet/module
// Config): 4 questions, a 1 s miner timeout (so 300 ms of delay costs a
// visible part of the speed bonus), 32 tokens per answer.
func textInitConfig() []byte {
	b := binary.LittleEndian.AppendUint32(nil, 4)
	b = binary.LittleEndian.AppendUint32(b, 1000)
	return binary.LittleEndian.AppendUint32(b, 32)
}

// textSubnet is the text subnet's definition for runModule.
func textSubnet() *moduleSubnet {
	return &moduleSubnet{Title: "text", Source: "./examples/textsubnet/module", Note: textNote, InitConfig: textInitConfig(),
		Kinds: textMiners, Miner: textMiner}
}

// textMiner starts a model server of kind (fast, slow or wrong) on a
// loopback port and a runner scheduler whose "llm" runner reaches it.
func textMiner(ctx context.Context, kind string) (minerSetup, error) {
	opts := textsolver.Options{Wrong: kind == "wrong"}
	if kind == "slow" {
		opts.Delay = textSlowDelay
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return minerSetup{}, err
	}
	srv := &http.Server{Handler: textsolver.New(opts), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	url := "http://" + ln.Addr().String() + "/v1"
	sched, err := llmScheduler(url)
	if err == nil {
		readyCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
		_, err = sched.WaitReady(readyCtx, "llm")
		cancel()
		if err != nil {
			sched.Close()
		}
	}
	if err != nil {
		srv.Close()
		return minerSetup{}, fmt.Errorf("runner llm at %s: %w", url, err)
	}
	return minerSetup{Runners: sched.HostRunners(), Detail: ", runner llm → " + url,
		Close: func() { sched.Close(); srv.Close() }}, nil
}

// llmScheduler returns a scheduler with one runner "llm" (kind http, mode
// openai) at url, as a node's config file would declare it.
func llmScheduler(url string) (*runner.Scheduler, error) {
	cfg := &runner.Config{Runners: []runner.RunnerConfig{{Name: "llm", Kind: runner.KindHTTP, Mode: runner.ModeOpenAI, URL: url,
		Model: textsolver.DefaultModel, Concurrency: 4, Timeout: 5 * time.Second}}}
	if err := cfg.Finish(); err != nil {
		return nil, fmt.Errorf("runner config: %w", err)
	}
	return runner.New(cfg, runner.Options{})
}
