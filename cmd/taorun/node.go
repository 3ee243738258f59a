package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/taorun/taorun/chain"
	"github.com/taorun/taorun/node"
	"github.com/taorun/taorun/runtime"
	"github.com/urfave/cli/v2"
)

// Flags shared by `node run` and `localnet`.
var (
	flagDataDir = &cli.StringFlag{Name: "datadir", Aliases: []string{"base-path"}, Usage: "data directory (chain state in DIR/chain)"}
	flagRPCAddr = &cli.StringFlag{Name: "rpc.addr", Aliases: []string{"rpc-addr"}, Value: node.DefaultRPCAddr, Usage: "JSON-RPC listen address (HTTP and WebSocket)"}
	flagFast    = &cli.BoolFlag{Name: "fast", Usage: "250 ms blocks (subtensor's fast-runtime) instead of 12 s"}
	flagLog     = &cli.StringFlag{Name: "log.level", Value: "info", Usage: "debug, info, warn or error"}
	// flagModuleEngine picks the engine of the subnet modules' chain-side
	// hooks; every engine gives the same results and gas.
	flagModuleEngine = &cli.StringFlag{Name: "module.engine", Value: runtime.EngineWazero,
		Usage: "engine running the subnet modules' chain-side hooks: wazero, wazero-interp (or wasmtime in builds with -tags wasmtime)"}
)

// fastBlockTime and normalBlockTime are the engine's block intervals.
const (
	fastBlockTime   = 250 * time.Millisecond
	normalBlockTime = 12 * time.Second
)

func nodeCommand() *cli.Command {
	return &cli.Command{
		Name:  "node",
		Usage: "run a taorun node",
		Subcommands: []*cli.Command{{
			Name:  "run",
			Usage: "run a node (solo sequencer) over a data directory",
			Description: "Opens DIR/chain (creating it from --genesis when empty), serves JSON-RPC on --rpc.addr\n" +
				"and produces a block every block time. Ctrl-C stops after the block in progress.",
			Flags: []cli.Flag{
				&cli.StringFlag{Name: "datadir", Aliases: []string{"base-path"}, Required: true, Usage: "data directory"},
				flagRPCAddr, flagFast, flagLog, flagModuleEngine,
				&cli.StringFlag{Name: "genesis", Usage: "genesis JSON file (needed to initialise an empty data directory)"},
			},
			Action: runNode,
		}},
	}
}

// newLogger builds the slog logger for --log.level.
func newLogger(level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, cli.Exit(fmt.Sprintf("--log.level %q: want debug, info, warn or error", level), exitUsage)
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: l})), nil
}

func blockTime(c *cli.Context) time.Duration {
	if c.Bool("fast") {
		return fastBlockTime
	}
	return 0 // the genesis default
}

func runNode(c *cli.Context) error {
	log, err := newLogger(c.String("log.level"))
	if err != nil {
		return err
	}
	dir := c.String("datadir")
	var gen *chain.Genesis
	if p := c.String("genesis"); p != "" {
		if gen, err = chain.LoadGenesis(p); err != nil {
			return cli.Exit(err.Error(), exitUsage)
		}
	} else if !hasChain(dir) {
		return cli.Exit(fmt.Sprintf("no chain in %s: pass --genesis FILE to create one (or use `taorun localnet`)", dir), exitUsage)
	}
	n, err := node.New(node.Config{DataDir: filepath.Join(dir, "chain"), Genesis: gen, RPCAddr: c.String("rpc.addr"),
		BlockTime: blockTime(c), Logger: log, ModuleEngine: c.String(flagModuleEngine.Name)})
	if err != nil {
		return err
	}
	return runUntilSignal(n)
}

// hasChain reports whether dir already holds a chain database.
func hasChain(dir string) bool {
	entries, err := os.ReadDir(filepath.Join(dir, "chain"))
	if err != nil {
		return false
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "MANIFEST") {
			return true
		}
	}
	return false
}

// runUntilSignal runs n until SIGINT or SIGTERM, and beside it each
// background task (which must return when its context ends).
func runUntilSignal(n *node.Node, background ...func(ctx context.Context)) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var wg sync.WaitGroup
	defer wg.Wait()
	bctx, cancel := context.WithCancel(ctx)
	defer cancel() // runs before wg.Wait: the tasks end when the node does
	for _, task := range background {
		wg.Add(1)
		go func() { defer wg.Done(); task(bctx) }()
	}
	err := n.Run(ctx)
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}
