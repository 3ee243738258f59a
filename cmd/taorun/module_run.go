package main

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/taorun/taorun/abi"
	"github.com/taorun/taorun/abi/wire"
	"github.com/taorun/taorun/host"
	"github.com/taorun/taorun/runtime"
)

func init() { moduleSubcommands = append(moduleSubcommands, moduleRunCommand) }

// defaultRunGas is `module run`'s default gas limit.
const defaultRunGas = 10_000_000_000

// runBlock is the block that block_info reports to `module run` calls.
var runBlock = wire.BlockInfo{Netuid: 1, Height: 1}

// moduleRunCommand is `taorun module run FILE.wasm --entry E`.
func moduleRunCommand() *cli.Command {
	return &cli.Command{
		Name:      "run",
		Usage:     "run one entry point of a module locally, metered as on chain",
		ArgsUsage: "FILE.wasm",
		Description: `Prepares FILE.wasm with the chain's upload pipeline (as ` + "`taorun module check`" + `), then
calls entry point --entry on a fresh instance with the encoded input payload read from
--input FILE ("-": stdin; absent: empty; a FILE named *.hex is hex text, whitespace and
# comments ignored, the format of abi/wire/testdata), under --gas-limit, with taorun's host functions:
block_info reports netuid 1 at height 1, chain-side hooks get an empty module storage and
an empty metagraph, and node-side entry points have no runners and no clock (those calls
answer "unavailable"). It prints the output (hex), the error if any, the gas used, the peak
memory in 64 KiB pages, the maximum stack depth and the engine. The stack depth, in the
instrumenter's 8-byte slots, is the smallest stack budget with which the call does not
overflow, found by running it again with smaller budgets (so it costs a few more runs);
the chain's budget is the runtime's default.

With --json-output it prints one JSON object {"output_hex", "error", "gas_used", "gas_limit",
"peak_memory_pages", "max_stack_depth", "engine"} so that scripts can compare engines
(--engine wazero, wazero-interp, or wasmtime in builds with -tags wasmtime). A call that
fails (guest error, trap, out of gas) exits with status 1 after printing; a module the
policy refuses also exits with status 1; a bad flag or file with status 2.`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "entry", Usage: "the entry point to call (" + strings.Join(entryPointNames(), ", ") + ")"},
			&cli.StringFlag{Name: "input", Usage: "read the encoded input payload from `FILE` (\"-\": stdin)"},
			&cli.StringFlag{Name: "engine", Value: runtime.EngineWazero, Usage: "the engine: wazero, wazero-interp or wasmtime"},
			&cli.Uint64Flag{Name: "gas-limit", Value: defaultRunGas, Usage: "the call's gas limit `N`"},
			&cli.BoolFlag{Name: "json-output", Usage: "print one JSON object instead of text"},
		},
		Action: func(c *cli.Context) error {
			args, err := positionalArgs(c)
			if err != nil {
				return cli.Exit(err.Error(), exitUsage)
			}
			if len(args) != 1 {
				return cli.Exit(fmt.Sprintf("want exactly one argument, the module FILE.wasm; got %d", len(args)), exitUsage)
			}
			entry := c.String("entry")
			if _, ok := abi.LookupEntry(entry); !ok {
				return cli.Exit(fmt.Sprintf("--entry %q: want one of %s", entry, strings.Join(entryPointNames(), ", ")), exitUsage)
			}
			if c.Uint64("gas-limit") == 0 {
				return cli.Exit("--gas-limit: want at least 1", exitUsage)
			}
			wasm, err := os.ReadFile(args[0])
			if err != nil {
				return cli.Exit(err.Error(), exitUsage)
			}
			input, err := readInput(c.String("input"))
			if err != nil {
				return cli.Exit("--input: "+err.Error(), exitUsage)
			}
			m, err := prepareModule(c.Context, wasm)
			if err != nil {
				return reportRefusal(c.App.Writer, c.Bool("json-output"), err)
			}
			out, err := runEntry(c.Context, c.String("engine"), m.Instrumented, entry, input, c.Uint64("gas-limit"))
			if err != nil {
				return cli.Exit(err.Error(), exitUsage)
			}
			if c.Bool("json-output") {
				err = printJSON(c.App.Writer, out)
			} else {
				err = out.write(c.App.Writer)
			}
			if err != nil {
				return err
			}
			if out.Error != "" {
				return cli.Exit(fmt.Sprintf("%s failed: %s", entry, out.Error), exitPolicy)
			}
			return nil
		},
	}
}

// entryPointNames lists the ABI entry points in abi.Entries order.
func entryPointNames() []string {
	var names []string
	for _, e := range abi.Entries() {
		names = append(names, e.Name)
	}
	return names
}

// readInput reads the input payload: name "" is empty, "-" stdin, and a
// file whose name ends in .hex is hex text.
func readInput(name string) ([]byte, error) {
	switch name {
	case "":
		return nil, nil
	case "-":
		return io.ReadAll(os.Stdin)
	}
	b, err := os.ReadFile(name)
	if err != nil || !strings.HasSuffix(name, ".hex") {
		return b, err
	}
	return parseHexText(b)
}

// parseHexText decodes hex text as in abi/wire/testdata: whitespace and
// comments from '#' to the end of a line are ignored.
func parseHexText(b []byte) ([]byte, error) {
	var digits strings.Builder
	for i, line := range strings.Split(string(b), "\n") {
		line, _, _ = strings.Cut(line, "#")
		for _, f := range strings.Fields(line) {
			if _, err := hex.DecodeString(strings.Repeat("0", len(f)%2) + f); err != nil {
				return nil, fmt.Errorf("line %d: %q is not hex", i+1, f)
			}
			digits.WriteString(f)
		}
	}
	out, err := hex.DecodeString(digits.String())
	if err != nil {
		return nil, fmt.Errorf("odd number of hex digits (%d)", digits.Len())
	}
	return out, nil
}

// runOutcome is `module run`'s result.
type runOutcome struct {
	OutputHex       string `json:"output_hex"`
	Error           string `json:"error"`
	GasUsed         uint64 `json:"gas_used"`
	GasLimit        uint64 `json:"gas_limit"`
	PeakMemoryPages uint32 `json:"peak_memory_pages"`
	MaxStackDepth   uint32 `json:"max_stack_depth"`
	Engine          string `json:"engine"`
	log             []byte
}

// runEntry runs entry of the instrumented module wasm once under gas and
// measures its stack depth. An error means the run could not be set up
// (an unknown engine); the call's own failure is in Error.
func runEntry(ctx context.Context, engine string, wasm []byte, entry string, input []byte, gas uint64) (*runOutcome, error) {
	cacheDir, err := os.MkdirTemp("", "taorun-module-run-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(cacheDir)
	run := func(budget uint32) (runtime.Result, error) {
		return runOnce(ctx, runtime.Config{Engine: engine, CacheDir: cacheDir, StackBudget: budget, Host: host.Functions()}, wasm, entry, input, gas)
	}
	res, err := run(runtime.DefaultStackBudget)
	if err != nil {
		return nil, err
	}
	out := &runOutcome{OutputHex: hex.EncodeToString(res.Output), GasUsed: res.GasUsed, GasLimit: gas,
		PeakMemoryPages: res.PeakMemoryPages, MaxStackDepth: runtime.DefaultStackBudget, Engine: engine, log: res.Log}
	if res.Err != nil {
		out.Error = res.Err.Error()
	}
	if errors.Is(res.Err, runtime.ErrStackOverflow) {
		return out, nil
	}
	depth, err := minStackBudget(runtime.DefaultStackBudget, run)
	if err != nil {
		return nil, err
	}
	out.MaxStackDepth = depth
	return out, nil
}

// minStackBudget returns the smallest budget in [1, hi] with which run does
// not overflow the stack, given that hi does not. Overflowing is monotone in
// the budget, since the stack charges never change what a module computes,
// so it searches: doubling from firstStackProbe (most calls need a few
// hundred slots), then bisecting. The runs are sequential: runtimes sharing
// a compilation cache directory must not load from it at the same time.
func minStackBudget(hi uint32, run func(budget uint32) (runtime.Result, error)) (uint32, error) {
	lo := uint32(1)
	fits := func(budget uint32) (bool, error) {
		res, err := run(budget)
		return !errors.Is(res.Err, runtime.ErrStackOverflow), err
	}
	for b := uint32(firstStackProbe); b < hi; b *= 2 {
		ok, err := fits(b)
		if err != nil {
			return 0, err
		}
		if ok {
			hi = b
			break
		}
		lo = b + 1
	}
	for lo < hi {
		mid := lo + (hi-lo)/2
		ok, err := fits(mid)
		if err != nil {
			return 0, err
		}
		if ok {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo, nil
}

// firstStackProbe is the first budget minStackBudget tries.
const firstStackProbe = 256

// runOnce runs entry on a fresh instance of wasm in a runtime made with cfg.
func runOnce(ctx context.Context, cfg runtime.Config, wasm []byte, entry string, input []byte, gas uint64) (runtime.Result, error) {
	r, err := runtime.New(cfg)
	if err != nil {
		return runtime.Result{}, fmt.Errorf("--engine %s: %w", cfg.Engine, err)
	}
	defer r.Close(ctx)
	mod, err := r.Compile(ctx, wasm)
	if err != nil {
		return runtime.Result{}, err
	}
	e, _ := abi.LookupEntry(entry)
	env := &host.Env{
		Side:    e.Side,
		Block:   runBlock,
		Storage: &host.MemStorage{},
		Metagraph: func(context.Context) (wire.Metagraph, error) {
			return wire.Metagraph{Netuid: runBlock.Netuid, Block: runBlock.Height}, nil
		},
	}
	return mod.Run(host.WithEnv(ctx, env), runtime.InstanceConfig{}, entry, input, gas), nil
}

// write prints the outcome as text.
func (o *runOutcome) write(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "output (%d bytes): %s\n", len(o.OutputHex)/2, o.OutputHex)
	if o.Error != "" {
		fmt.Fprintf(&b, "error:            %s\n", o.Error)
	}
	fmt.Fprintf(&b, "gas used:         %d of %d\n", o.GasUsed, o.GasLimit)
	fmt.Fprintf(&b, "peak memory:      %d pages (%d KiB)\n", o.PeakMemoryPages, uint64(o.PeakMemoryPages)*64)
	fmt.Fprintf(&b, "max stack depth:  %d slots (budget %d)\n", o.MaxStackDepth, runtime.DefaultStackBudget)
	fmt.Fprintf(&b, "engine:           %s\n", o.Engine)
	if len(o.log) > 0 {
		fmt.Fprintf(&b, "log:\n%s", o.log)
		if o.log[len(o.log)-1] != '\n' {
			b.WriteByte('\n')
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
