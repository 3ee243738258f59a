// Command textsolver serves package examples/textsubnet/textsolver, the text
// subnet's reference OpenAI-compatible model server: a deterministic,
// rule-based stand-in for vLLM, llama-server or Ollama that answers the
// subnet's arithmetic and passage questions (it is not a language model).
// Point a node's runner "llm" (kind http, mode openai) at it:
//
//	textsolver --addr 127.0.0.1:8000
//	taorun runners test llm --config examples/runners/taorun-llm.yaml \
//	  --input-hex $(printf '{"messages":[{"role":"user","content":"What is 6 * 7?"}]}' | xxd -p -c0)
//
// --delay answers every chat request late (a slow miner), --wrong answers
// plausibly but incorrectly (a bad miner). It stops on SIGINT or SIGTERM.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/taorun/taorun/examples/textsubnet/textsolver"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8000", "`HOST:PORT` to listen on")
	model := flag.String("model", textsolver.DefaultModel, "the model `NAME` served and reported by /v1/models")
	delay := flag.Duration("delay", 0, "time `D` added to every chat completion")
	wrong := flag.Bool("wrong", false, "answer plausibly but incorrectly")
	flag.Parse()
	if err := serve(*addr, textsolver.Options{Model: *model, Delay: *delay, Wrong: *wrong}); err != nil {
		fmt.Fprintln(os.Stderr, "textsolver:", err)
		os.Exit(1)
	}
}

// serve listens on addr until a signal, then drains requests in flight.
func serve(addr string, opts textsolver.Options) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: textsolver.New(opts), ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(os.Stderr, "textsolver: serving model %q on http://%s/v1 (delay %s, wrong %v)\n", opts.Model, ln.Addr(), opts.Delay, opts.Wrong)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second+opts.Delay)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
