// Package node wires a taorun node together: the chain, a mempool, a block
// engine (the solo Sequencer for now), the JSON-RPC server, Prometheus
// metrics and the module registry that runs the subnet modules' chain-side
// hooks (plugins/registry, compiled code cached under the data directory).
//
// Invariants: the node is the only writer of its data directory; block
// production happens on one goroutine (the engine's), RPC handlers only read
// committed state or submit txs through CheckTx; wall-clock time enters the
// chain only as the proposer's block time. Stopping (context cancel) finishes
// the block in progress, so a graceful stop never loses a committed block, and
// a kill -9 loses at most the uncommitted one.
package node

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/taorun/taorun/chain"
	"github.com/taorun/taorun/chain/types"
	"github.com/taorun/taorun/node/mempool"
	"github.com/taorun/taorun/node/rpc"
	"github.com/taorun/taorun/node/rpc/api"
	"github.com/taorun/taorun/plugins/registry"
)

// DefaultRPCAddr is the JSON-RPC address every Bittensor tool assumes for a
// local node.
const DefaultRPCAddr = "127.0.0.1:9944"

// Config configures a node.
type Config struct {
	DataDir string
	// Genesis initialises an empty DataDir (ignored if the genesis matches the
	// stored one; refused if it differs).
	Genesis *chain.Genesis
	// RPCAddr is the JSON-RPC listen address ("" for DefaultRPCAddr; port 0
	// picks a free port, see Node.RPCAddr).
	RPCAddr string
	// BlockTime overrides the genesis block time when positive.
	BlockTime time.Duration
	// Proposer is recorded in the blocks this node produces.
	Proposer types.AccountID
	// Mempool bounds (0: 50,000 txs and 64 MiB).
	MempoolTxs, MempoolBytes int
	RPCLimits                rpc.Limits
	// Hooks are the chain's per-block hooks (nil: chain.StandardHooks(),
	// which every node of a network must agree on).
	Hooks  []chain.Hook
	Logger *slog.Logger
	// ModuleEngine is the WebAssembly engine that runs the subnet modules'
	// chain-side hooks ("": the runtime's default, wazero). Every engine
	// gives the same results and gas, so nodes of a network may differ.
	ModuleEngine string
	// ModuleCacheDir holds the compiled module code ("": DataDir/wasm-cache).
	ModuleCacheDir string
}

// Node is a running (or ready to run) node.
type Node struct {
	cfg     Config
	log     *slog.Logger
	chain   *chain.Chain
	modules *registry.Registry
	pool    *mempool.Mempool
	engine  *Sequencer
	rpc     *rpc.Server
	metrics *Metrics
	heads   headFeed
	ln      net.Listener
}

// New opens the chain and binds the RPC listener (so the address is known and
// in use before Run).
func New(cfg Config) (*Node, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.RPCAddr == "" {
		cfg.RPCAddr = DefaultRPCAddr
	}
	if cfg.MempoolTxs == 0 {
		cfg.MempoolTxs = 50_000
	}
	if cfg.MempoolBytes == 0 {
		cfg.MempoolBytes = 64 << 20
	}
	if cfg.Hooks == nil {
		cfg.Hooks = chain.StandardHooks()
	}
	if cfg.RPCLimits == (rpc.Limits{}) {
		cfg.RPCLimits = rpc.DefaultLimits()
	}
	if cfg.ModuleCacheDir == "" {
		cfg.ModuleCacheDir = filepath.Join(cfg.DataDir, "wasm-cache")
	}
	reg, err := registry.New(registry.Config{Engine: cfg.ModuleEngine, CacheDir: cfg.ModuleCacheDir})
	if err != nil {
		return nil, fmt.Errorf("module registry: %w", err)
	}
	metrics := newMetrics()
	c, err := chain.Open(cfg.DataDir, chain.Options{Genesis: cfg.Genesis, Hooks: cfg.Hooks, Logger: cfg.Logger,
		Modules:       chain.NewModuleHooks(reg),
		EpochObserver: func(_ uint16, took time.Duration) { metrics.EpochTime.Observe(took.Seconds()) }})
	if err != nil {
		reg.Close(context.Background())
		return nil, err
	}
	bt := cfg.BlockTime
	if bt <= 0 {
		bt = time.Duration(c.Genesis().BlockTimeMs) * time.Millisecond
	}
	if bt <= 0 {
		bt = 12 * time.Second
	}
	n := &Node{cfg: cfg, log: cfg.Logger, chain: c, modules: reg, pool: mempool.New(cfg.MempoolTxs, cfg.MempoolBytes, c.SubnetStake), metrics: metrics}
	n.engine = &Sequencer{Chain: c, Pool: n.pool, BlockTime: bt, Proposer: cfg.Proposer, Log: cfg.Logger, OnCommit: n.onCommit}
	n.rpc = rpc.NewServer(n, cfg.RPCLimits, cfg.Logger)
	n.metrics.Height.Set(float64(c.Head().Header.Height))
	ln, err := net.Listen("tcp", cfg.RPCAddr)
	if err != nil {
		c.Close()
		reg.Close(context.Background())
		return nil, fmt.Errorf("rpc listen %s: %w", cfg.RPCAddr, err)
	}
	n.ln = ln
	return n, nil
}

// Chain returns the node's chain (implements rpc.Backend).
func (n *Node) Chain() *chain.Chain { return n.chain }

// RPC returns the JSON-RPC server, to register more methods before Run.
func (n *Node) RPC() *rpc.Server { return n.rpc }

// Metrics returns the node's metrics.
func (n *Node) Metrics() *Metrics { return n.metrics }

// RPCAddr returns the bound RPC address (host:port).
func (n *Node) RPCAddr() string { return n.ln.Addr().String() }

// BlockTime returns the engine's block interval.
func (n *Node) BlockTime() time.Duration { return n.engine.BlockTime }

// SubmitTx implements rpc.Backend.
func (n *Node) SubmitTx(raw []byte) (types.Hash, error) {
	h, err := n.engine.SubmitTx(raw)
	if err == nil {
		n.metrics.Mempool.Set(float64(n.engine.MempoolSize()))
	}
	return h, err
}

// Pending implements rpc.Backend.
func (n *Node) Pending(h types.Hash) bool { return n.engine.Pending(h) }

// SubscribeHeads implements rpc.Backend.
func (n *Node) SubscribeHeads(buf int) (<-chan api.Header, func()) { return n.heads.subscribe(buf) }

func (n *Node) onCommit(res *chain.FinalizeResult, took time.Duration) {
	h := res.Block.Header
	n.metrics.Height.Set(float64(h.Height))
	n.metrics.CommitTime.Observe(took.Seconds())
	n.metrics.Mempool.Set(float64(n.pool.Len()))
	for _, rc := range res.Receipts {
		n.metrics.TxsApplied.WithLabelValues(rc.Status.String()).Inc()
	}
	n.heads.publish(rpc.HeaderJSON(&h))
	if len(res.Receipts) > 0 {
		n.log.Info("block", "height", h.Height, "txs", len(res.Receipts), "hash", res.Hash, "took", took.Round(time.Microsecond))
	} else {
		n.log.Debug("block", "height", h.Height, "hash", res.Hash)
	}
}

// Run serves RPC and produces blocks until ctx ends or the engine fails, then
// shuts down and closes the chain and the module registry.
func (n *Node) Run(ctx context.Context) error {
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(n.metrics.Registry, promhttp.HandlerOpts{}))
	mux.Handle("/", n.rpc)
	ectx, cancel := context.WithCancel(ctx)
	defer cancel()
	// Requests (and so WebSocket connections, which Shutdown does not track)
	// end when the node stops.
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second,
		BaseContext: func(net.Listener) context.Context { return ectx }}
	srvErr := make(chan error, 1)
	go func() { srvErr <- srv.Serve(n.ln) }()
	n.log.Info("node running", "rpc", "http://"+n.RPCAddr(), "ws", "ws://"+n.RPCAddr(), "blockTime", n.engine.BlockTime,
		"height", n.chain.Head().Header.Height)
	engErr := make(chan error, 1)
	go func() { engErr <- n.engine.Run(ectx) }()
	var err error
	select {
	case err = <-engErr:
		if err != nil {
			err = fmt.Errorf("block engine: %w", err)
		}
		cancel()
	case err = <-srvErr:
		err = fmt.Errorf("rpc server: %w", err)
		cancel()
		<-engErr
	}
	sctx, scancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer scancel()
	if serr := srv.Shutdown(sctx); serr != nil && !errors.Is(serr, context.DeadlineExceeded) {
		n.log.Warn("rpc shutdown", "err", serr)
	}
	if cerr := n.chain.Close(); err == nil {
		err = cerr
	}
	if merr := n.modules.Close(context.Background()); err == nil {
		err = merr
	}
	return err
}

// Close releases the node without running it (Run closes on its own).
func (n *Node) Close() error {
	n.ln.Close()
	return n.chain.Close()
}
