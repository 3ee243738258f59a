package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/taorun/taorun/host"
	"github.com/taorun/taorun/host/runner"
	"github.com/taorun/taorun/keys"
	"github.com/taorun/taorun/neuron/axon"
	"github.com/taorun/taorun/neuron/chainrpc"
	"github.com/taorun/taorun/neuron/miner"
	"github.com/taorun/taorun/plugins/registry"
)

// Flags of the neuron commands (miner, validator), with the subnet
// template's spellings where it has them.
var (
	flagNeuronDataDir = &cli.StringFlag{Name: "datadir", Aliases: []string{"neuron.full_path"},
		Usage: "neuron data `DIR`: compiled-module cache, validator state (default ~/.taorun/neurons/WALLET/HOTKEY/NETUID)"}
	flagRunnersFile = &cli.StringFlag{Name: "runners", Aliases: []string{"config"},
		Usage: "runner config `FILE` (.toml, .yaml or .yml; see `taorun runners`) for the module's runner host calls"}
	flagRegister = &cli.BoolFlag{Name: "register",
		Usage: "register the hotkey on the subnet first (burned registration signed by the coldkey) unless it is registered"}
	flagInitConfig = &cli.StringFlag{Name: "module.init-config", Aliases: []string{"init-config"},
		Usage: "`FILE` whose bytes are the input of the module's init entry point (default: none, the module's defaults)"}
	flagFundHotkey = &cli.StringFlag{Name: "hotkey.fund", Aliases: []string{"fund-hotkey"},
		Usage: "top the hotkey's free balance up to `TAO` from the coldkey first (not needed to serve or set weights: a registered hotkey's serve-axon and weights transactions are fee-free, as in subtensor)"}
)

// neuronCtx is what a miner or validator run shares: the wallet's hotkey,
// the chain adapter, the module registry and the runners.
type neuronCtx struct {
	*nodeCtx
	netuid  uint16
	hotkey  *keys.Keypair
	chain   *chainrpc.Client
	reg     *registry.Registry
	runners host.Runners
	sched   *runner.Scheduler
	dataDir string
	// initConfig is the module's init input (--module.init-config).
	initConfig []byte
	// blockTime is the chain's block time, for polling.
	blockTime time.Duration
	log       *slog.Logger
}

// openNeuron resolves the wallet, node, netuid, data dir and runner flags,
// unlocks the hotkey (and the coldkey with --register) and registers when
// asked. role is "miner" or "validator".
func openNeuron(c *cli.Context, role string) (*neuronCtx, error) {
	if c.NArg() > 0 {
		return nil, cli.Exit(fmt.Sprintf("unexpected argument %q", c.Args().First()), exitUsage)
	}
	log, err := newLogger(c.String(flagLog.Name))
	if err != nil {
		return nil, err
	}
	n, err := openNode(c)
	if err != nil {
		return nil, err
	}
	if !c.IsSet(flagNetuid.Name) {
		return nil, cli.Exit("--netuid is required", exitUsage)
	}
	netuid, err := n.netuid(flagNetuid.Name)
	if err != nil {
		return nil, err
	}
	hot, err := n.hotkeyPair()
	if err != nil {
		return nil, err
	}
	cfg := chainrpc.Config{RPC: n.client, Hotkey: hot, TxTimeout: c.Duration(flagTxWait.Name), Logger: log}
	var fund uint64
	if v := c.String(flagFundHotkey.Name); v != "" {
		if fund, err = parseTAO(v); err != nil {
			return nil, cli.Exit("--"+flagFundHotkey.Name+": "+err.Error(), exitUsage)
		}
	}
	if c.Bool(flagRegister.Name) || fund > 0 {
		if cfg.Coldkey, err = n.coldkeyPair(); err != nil {
			return nil, err
		}
	}
	ch, err := chainrpc.New(cfg)
	if err != nil {
		return nil, cli.Exit(err.Error(), 1)
	}
	nc := &neuronCtx{nodeCtx: n, netuid: netuid, hotkey: hot, chain: ch, log: log}
	nc.dataDir = c.String(flagNeuronDataDir.Name)
	if nc.dataDir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return nil, cli.Exit("--datadir is required (no home directory: "+err.Error()+")", exitUsage)
		}
		nc.dataDir = filepath.Join(home, ".taorun", "neurons", n.w.Name(), n.hotkey, strconv.Itoa(int(netuid)))
	}
	if err := os.MkdirAll(nc.dataDir, 0o700); err != nil {
		return nil, cli.Exit(fmt.Sprintf("--datadir: %v", err), exitUsage)
	}
	log.Info("starting "+role, "netuid", netuid, "hotkey", hot.Public().SS58(), "datadir", nc.dataDir)

	ctx, cancel := context.WithTimeout(c.Context, time.Minute)
	defer cancel()
	// Order: the registration check, the optional top-up, then --register.
	// The hotkey needs no balance: serve-axon and weights transactions of a
	// registered hotkey are fee-free (chain package doc).
	if !c.Bool(flagRegister.Name) {
		uid, ok, err := ch.UID(ctx, netuid)
		switch {
		case err != nil:
			return nil, cli.Exit(err.Error(), 1)
		case !ok:
			return nil, cli.Exit(fmt.Sprintf("hotkey %s is not registered on subnet %d (use --register, or `taorun subnets register`)",
				hot.Public().SS58(), netuid), 1)
		}
		log.Info("hotkey found in the metagraph", "netuid", netuid, "uid", uid)
	}
	if fund > 0 {
		if _, err := ch.TopUpHotkey(ctx, fund); err != nil {
			return nil, cli.Exit(err.Error(), 1)
		}
	}
	bal, err := n.client.Balance(ctx, hot.Public().SS58())
	if err != nil {
		return nil, nodeErr(err)
	}
	log.Info("hotkey balance", "tao", formatTAO(bal))
	if c.Bool(flagRegister.Name) {
		uid, err := ch.Register(ctx, netuid)
		if err != nil {
			return nil, cli.Exit(err.Error(), 1)
		}
		log.Info("hotkey registered", "netuid", netuid, "uid", uid)
	}

	if path := c.String(flagInitConfig.Name); path != "" {
		if nc.initConfig, err = os.ReadFile(path); err != nil {
			return nil, cli.Exit("--"+flagInitConfig.Name+": "+err.Error(), exitUsage)
		}
	}
	info, err := n.client.ChainInfo(ctx)
	if err != nil {
		return nil, nodeErr(err)
	}
	nc.blockTime = max(time.Duration(info.BlockTimeMs)*time.Millisecond, 100*time.Millisecond)

	if nc.reg, err = registry.New(registry.Config{CacheDir: filepath.Join(nc.dataDir, "wasm-cache")}); err != nil {
		return nil, cli.Exit(fmt.Sprintf("module registry: %v", err), 1)
	}
	if path := c.String(flagRunnersFile.Name); path != "" {
		rc, err := runner.LoadConfig(path, os.Environ())
		if err == nil {
			err = rc.Finish()
		}
		if err != nil {
			nc.close()
			return nil, cli.Exit(fmt.Sprintf("--runners: %v", err), exitUsage)
		}
		if nc.sched, err = runner.New(rc, runner.Options{WorkerStderr: os.Stderr}); err != nil {
			nc.close()
			return nil, cli.Exit(fmt.Sprintf("--runners: %v", err), 1)
		}
		nc.runners = nc.sched.HostRunners()
		log.Info("runners started", "file", path, "runners", nc.sched.Names())
	}
	return nc, nil
}

// moduleConfig is the module settings of both loops: the chain adapter as
// the module source (it also reports scheduled versions, which the loops
// compile ahead of their activation), the registry, the runners and the init
// input.
func (nc *neuronCtx) moduleConfig() miner.ModuleConfig {
	return miner.ModuleConfig{Source: nc.chain, Registry: nc.reg, Runners: nc.runners, InitConfig: nc.initConfig}
}

// close releases the runners and the registry.
func (nc *neuronCtx) close() {
	if nc.sched != nil {
		_ = nc.sched.Close()
	}
	if nc.reg != nil {
		_ = nc.reg.Close(context.Background())
	}
}

// signalContext is c.Context ended by SIGINT or SIGTERM.
func signalContext(c *cli.Context) (context.Context, context.CancelFunc) {
	return signal.NotifyContext(c.Context, os.Interrupt, syscall.SIGTERM)
}

// flagMaxWorkers sizes the miner's axon handlers and module instances
// (Bittensor's --axon.max_workers).
const flagMaxWorkers = "axon.max_workers"

// minerCommand is `taorun miner`: serve the subnet module's solve on an axon.
func minerCommand() *cli.Command {
	return &cli.Command{
		Name:  "miner",
		Usage: "run a miner: serve the subnet module's solve on an axon, with the local runners",
		Description: `The miner serves an axon whose Solve synapse runs the solve entry point of the
module active on the subnet, and publishes the axon's address on chain with a
serve-axon transaction signed by the hotkey. --axon.ip is the address published
(your public IP); the axon listens on every interface at --axon.port (with
--axon.port 0 it listens on --axon.ip at a free port and publishes that).
--axon.max_workers requests are served at once, each solve on a module
instance of its own; more wait in a queue that serves the highest stake first.`,
		Flags: walletFlags(networkFlags(flagNetuid, flagNeuronDataDir, flagRunnersFile, flagRegister, flagFundHotkey, flagInitConfig, flagTxWait, flagLog,
			&cli.IntFlag{Name: "axon.port", Value: 8091, Usage: "axon `PORT` (0: a free port on --axon.ip)"},
			&cli.StringFlag{Name: "axon.ip", Aliases: []string{"axon.external_ip"}, Value: "127.0.0.1", Usage: "`IP` published on chain for the axon"},
			&cli.BoolFlag{Name: "blacklist.force_validator_permit", Usage: "refuse registered callers without a validator permit"},
			&cli.BoolFlag{Name: "blacklist.allow_non_registered", Usage: "serve callers that are not registered on the subnet"},
			&cli.IntFlag{Name: flagMaxWorkers, Aliases: []string{"axon.max-workers", "axon.max_concurrent"}, Value: miner.DefaultMaxWorkers,
				Usage: "requests served at once: solves in flight, each on a module instance of its own (memory grows with it), and so runner jobs in flight; beyond it requests wait in a queue served by stake"},
		)...),
		Action: minerAction,
	}
}

func minerAction(c *cli.Context) error {
	ip := net.ParseIP(c.String("axon.ip"))
	port := c.Int("axon.port")
	workers := c.Int(flagMaxWorkers)
	switch {
	case workers < 1:
		return cli.Exit(fmt.Sprintf("--%s %d: want at least 1 (requests served at once)", flagMaxWorkers, workers), exitUsage)
	case ip == nil:
		return cli.Exit(fmt.Sprintf("--axon.ip %q is not an IP address", c.String("axon.ip")), exitUsage)
	case ip.IsUnspecified():
		return cli.Exit("--axon.ip must be the address validators reach (not 0.0.0.0 or ::)", exitUsage)
	case port < 0 || port > 65535:
		return cli.Exit(fmt.Sprintf("--axon.port %d is not a port", port), exitUsage)
	}
	nc, err := openNeuron(c, "miner")
	if err != nil {
		return err
	}
	defer nc.close()
	ctx, stop := signalContext(c)
	defer stop()

	roster := chainrpc.NewRoster(nc.client, nc.netuid, nc.log)
	if err := roster.Refresh(ctx); err != nil {
		return cli.Exit(err.Error(), 1)
	}
	go roster.Run(ctx, nc.blockTime/2) // a refresh per block

	cfg := miner.Config{Hotkey: nc.hotkey, Netuid: nc.netuid, Chain: nc.chain, Module: nc.moduleConfig(),
		Roster: roster, Logger: nc.log, MaxWorkers: workers,
		Policy: axon.Policy{ForceValidatorPermit: c.Bool("blacklist.force_validator_permit"),
			AllowNonRegistered: c.Bool("blacklist.allow_non_registered")}}
	if port == 0 {
		cfg.Addr = net.JoinHostPort(ip.String(), "0")
	} else {
		cfg.Addr = net.JoinHostPort("", strconv.Itoa(port))
		cfg.ExternalAddr = net.JoinHostPort(ip.String(), strconv.Itoa(port))
	}
	m, err := miner.New(cfg)
	if err != nil {
		return cli.Exit(err.Error(), 1)
	}
	if err := m.Start(ctx); err != nil {
		return cli.Exit(err.Error(), 1)
	}
	nc.log.Info("miner ready", "netuid", nc.netuid, "listen", m.Addr(), "roster", roster.Len())
	<-ctx.Done()
	nc.log.Info("miner stopping")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return m.Shutdown(sctx)
}
