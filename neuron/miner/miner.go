// Package miner is taorun's miner loop: it serves an axon (package
// neuron/axon) whose one synapse, SynapseSolve, runs the subnet module's
// solve entry point on the validator's task with the operator's runners, and
// publishes the axon's address on chain with a serve-axon transaction.
//
// The request body of SynapseSolve is ChallengeOutput.Task exactly as the
// validator's module produced it; the response body is SolveOutput.Response
// (docs/abi.md §8). The miner fills SolveInput.Block with its latest block
// and MinerHotkey with its hotkey.
//
// Invariants:
//   - solve runs on a pool of at most Config.MaxWorkers initialised
//     instances of the module active on the subnet at the miner's head
//     (package neuron/internal/modhost), one instance per solve in flight:
//     instances are created as concurrent requests need them, all replaced
//     when a new module version reaches its activation block (compiled
//     ahead of that block when the module source reports the scheduled
//     version; solves in flight finish on the old version), and an instance
//     whose solve trapped is discarded alone.
//   - The axon runs at most Config.MaxWorkers handlers at once, as many as
//     there are instances, so its own handlers never wait for an instance:
//     when every worker is busy, requests wait in the axon's queue and the
//     queue's stake priority (then arrival order), not the order of arrival
//     at the module, decides who is served next. Up to MaxWorkers solves,
//     and so runner jobs, are in flight at once: a solve mostly waits on its
//     runner job, and the runner scheduler may batch concurrent jobs. With
//     MaxWorkers 1 solves are serialised. (Solve called outside the axon
//     shares the same instances and waits for one when all are busy.)
//   - Every answer is the output of the module's solve; a failed solve (guest
//     error, trap, out of gas, no active module) is a 500 with the reason,
//     never an empty or partial answer.
//   - A request whose deadline passes gets 408 from the axon; the module call
//     itself is not interrupted (gas bounds it), but runner waits end with
//     the request's context.
package miner

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/taorun/taorun/abi"
	"github.com/taorun/taorun/abi/wire"
	"github.com/taorun/taorun/keys"
	"github.com/taorun/taorun/neuron/axon"
	"github.com/taorun/taorun/neuron/internal/modhost"
)

// SynapseSolve is the synapse name the miner serves (validators' dendrites
// POST the task to /Solve).
const SynapseSolve = "Solve"

// DefaultMaxWorkers is Config.MaxWorkers when it is zero: Bittensor's
// axon default (--axon.max_workers 10).
const DefaultMaxWorkers = 10

// DefaultMaxQueue is the axon queue length when Config.MaxQueue is zero:
// room for every validator of a busy subnet to wait its turn.
const DefaultMaxQueue = 256

// Head is the chain head: height, hash and timestamp of a block.
type Head = modhost.Head

// ModuleSource resolves the module active on a subnet and its bytes.
type ModuleSource = modhost.Source

// ModuleStats count the miner's module loads and instances (see
// modhost.Stats).
type ModuleStats = modhost.Stats

// ModuleConfig is the module settings a miner runs with: the source of the
// active module, the registry that compiles it, the operator's runners, the
// init input and the gas limit (shared with the validator's Config).
type ModuleConfig = modhost.Options

// Chain is what the miner needs from the chain (the node's RPC, through an
// adapter).
type Chain interface {
	// Head returns the latest block.
	Head(ctx context.Context) (Head, error)
	// ServeAxon submits a serve-axon transaction publishing addr
	// ("ip:port") as the hotkey's axon on netuid.
	ServeAxon(ctx context.Context, netuid uint16, addr string) error
}

// Config configures a Miner.
type Config struct {
	// Hotkey is the miner's hotkey (signs axon answers). Required.
	Hotkey *keys.Keypair
	// Netuid is the subnet mined.
	Netuid uint16
	// Addr is the axon's listen address, e.g. ":8091" or "127.0.0.1:0". Required.
	Addr string
	// ExternalAddr is the "ip:port" published on chain; empty means the
	// address the axon listens on.
	ExternalAddr string
	// Chain gives the head and publishes the axon. Required.
	Chain Chain
	// Module is the module to run: Source and Registry are required;
	// Runners are the operator's runners (host/runner's
	// Scheduler.HostRunners()).
	Module ModuleConfig
	// Roster, when set, is the subnet's metagraph for the blacklist and
	// stake priority (axon.Policy, axon.StakePriority); nil admits every
	// verified caller at equal priority.
	Roster axon.Roster
	// Policy is the blacklist policy applied with Roster.
	Policy axon.Policy
	// MaxTimeout caps the timeout a request may ask for; 0 means axon's default.
	MaxTimeout time.Duration
	// MaxWorkers is how many requests are served at once: both the axon's
	// concurrent handlers and the most module instances kept, one per
	// solve in flight (Bittensor's --axon.max_workers; see the package
	// invariants). Each instance holds the module's memory. 0 means
	// DefaultMaxWorkers; negative is an error.
	MaxWorkers int
	// MaxQueue is how many requests may wait for a handler (beyond it the
	// axon answers 429); 0 means DefaultMaxQueue, negative no queue.
	MaxQueue int
	// Logger; nil means slog.Default().
	Logger *slog.Logger
}

// Miner serves solve over an axon.
type Miner struct {
	cfg  Config
	mod  *modhost.Host
	axon *axon.Server
	log  *slog.Logger
}

// New validates cfg and returns a Miner that is not yet serving.
func New(cfg Config) (*Miner, error) {
	switch {
	case cfg.Hotkey == nil:
		return nil, errors.New("miner: config: Hotkey is required")
	case cfg.Addr == "":
		return nil, errors.New("miner: config: Addr is required")
	case cfg.Chain == nil:
		return nil, errors.New("miner: config: Chain is required")
	case cfg.MaxWorkers < 0:
		return nil, fmt.Errorf("miner: config: MaxWorkers is %d, want at least 1 (0: %d)", cfg.MaxWorkers, DefaultMaxWorkers)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.MaxWorkers == 0 {
		cfg.MaxWorkers = DefaultMaxWorkers
	}
	if cfg.MaxQueue == 0 {
		cfg.MaxQueue = DefaultMaxQueue
	}
	log := cfg.Logger.With("neuron", "miner", "netuid", cfg.Netuid, "hotkey", cfg.Hotkey.Public().SS58())
	mod, err := modhost.New(modhost.Config{Netuid: cfg.Netuid, Module: cfg.Module, Instances: cfg.MaxWorkers, Logger: log})
	if err != nil {
		return nil, fmt.Errorf("miner: config: %w", err)
	}
	m := &Miner{cfg: cfg, mod: mod, log: log}
	acfg := axon.Config{
		Hotkey: cfg.Hotkey, Addr: cfg.Addr, MaxTimeout: cfg.MaxTimeout, MaxConcurrent: cfg.MaxWorkers, MaxQueue: cfg.MaxQueue,
		Handlers: map[string]axon.Handler{SynapseSolve: m.handle},
	}
	if cfg.Roster != nil {
		acfg.Blacklist = cfg.Policy.Blacklist(cfg.Roster)
		acfg.Priority = axon.StakePriority(cfg.Roster)
	}
	if m.axon, err = axon.New(acfg); err != nil {
		return nil, fmt.Errorf("miner: %w", err)
	}
	return m, nil
}

// Start starts the axon and publishes its address with a serve-axon
// transaction. If publishing fails the axon is shut down again.
func (m *Miner) Start(ctx context.Context) error {
	if err := m.axon.Start(); err != nil {
		return fmt.Errorf("miner: starting the axon: %w", err)
	}
	addr := m.cfg.ExternalAddr
	if addr == "" {
		addr = m.axon.Addr()
	}
	if host, _, err := net.SplitHostPort(addr); err != nil || host == "" || net.ParseIP(host) == nil {
		_ = m.axon.Shutdown(ctx)
		return fmt.Errorf("miner: axon address %q to publish is not ip:port (set ExternalAddr)", addr)
	}
	if err := m.cfg.Chain.ServeAxon(ctx, m.cfg.Netuid, addr); err != nil {
		_ = m.axon.Shutdown(ctx)
		return fmt.Errorf("miner: publishing axon %s: %w", addr, err)
	}
	m.log.Info("axon serving", "addr", m.axon.Addr(), "published", addr)
	return nil
}

// MaxWorkers returns how many requests the miner serves at once
// (Config.MaxWorkers, defaulted).
func (m *Miner) MaxWorkers() int { return m.cfg.MaxWorkers }

// ModuleStats returns the module's load and instance counts.
func (m *Miner) ModuleStats() ModuleStats { return m.mod.Stats() }

// Addr returns the address the axon listens on ("" before Start).
func (m *Miner) Addr() string { return m.axon.Addr() }

// Shutdown stops the axon, waiting until ctx ends for requests in flight,
// and releases the module instances.
func (m *Miner) Shutdown(ctx context.Context) error {
	err := m.axon.Shutdown(ctx)
	return errors.Join(err, m.mod.Close(ctx))
}

// Axon returns the miner's axon server (an http.Handler, to mount elsewhere instead of Start).
func (m *Miner) Axon() *axon.Server { return m.axon }

// Solve runs the module's solve on task at the current head and returns
// the response bytes. It is what the axon's SynapseSolve handler does.
func (m *Miner) Solve(ctx context.Context, task []byte) ([]byte, error) {
	head, err := m.cfg.Chain.Head(ctx)
	if err != nil {
		return nil, fmt.Errorf("chain head: %w", err)
	}
	in := wire.SolveInput{Netuid: m.cfg.Netuid, Block: head.Height, MinerHotkey: m.cfg.Hotkey.Public(), Task: task}
	res, err := m.mod.Call(ctx, head.BlockInfo(m.cfg.Netuid), abi.EntrySolve, in.Encode())
	if err != nil {
		return nil, err
	}
	if res.Err != nil {
		return nil, fmt.Errorf("module %x solve: %w", res.ModuleID[:8], res.Err)
	}
	var out wire.SolveOutput
	if err := out.Decode(res.Output); err != nil {
		return nil, fmt.Errorf("module %x solve output: %w", res.ModuleID[:8], err)
	}
	return out.Response, nil
}

func (m *Miner) handle(ctx context.Context, req *axon.Request) ([]byte, error) {
	start := time.Now()
	out, err := m.Solve(ctx, req.Body)
	if err != nil {
		m.log.Warn("solve failed", "caller", req.Caller.SS58(), "err", err)
		return nil, err
	}
	m.log.Debug("solved", "caller", req.Caller.SS58(), "took", time.Since(start), "bytes", len(out))
	return out, nil
}
