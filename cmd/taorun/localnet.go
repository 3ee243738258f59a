package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/taorun/taorun/chain"
	"github.com/taorun/taorun/keys"
	"github.com/taorun/taorun/node"
	"github.com/taorun/taorun/node/rpcclient"
	"github.com/urfave/cli/v2"
)

func localnetCommand() *cli.Command {
	return &cli.Command{
		Name:  "localnet",
		Usage: "run a one-node development chain with funded dev accounts",
		Description: "Starts a fresh dev chain (in a temporary directory unless --datadir is given; an existing\n" +
			"--datadir is resumed) whose genesis funds //Alice … //Ferdie, with //Alice as sudo, like\n" +
			"subtensor's localnet. Writes DATADIR/localnet.json with the accounts and RPC address.\n" +
			"Unless --demo=false it also creates subnet 1 (tempo 10): Alice owns it, Bob (hotkey //Bob//hotkey)\n" +
			"validates with 1000 TAO staked, Charlie, Dave and Eve mine. What drives the weights is --subnet:\n" +
			"  poc       (default) the proof-of-compute module (examples/pocsubnet): Charlie multiplies\n" +
			"            matrices fast, Dave slowly, Eve returns wrong products;\n" +
			"  text      the text subnet module (examples/textsubnet): each miner's runner \"llm\" is an\n" +
			"            http/openai runner on its own in-process reference model server (textsolver) on\n" +
			"            loopback; Charlie answers fast, Dave slowly, Eve wrongly;\n" +
			"  scripted  Bob sets weights from a fixed script every tempo.\n" +
			"A module is built from the source tree at start, uploaded and activated, and runs in process:\n" +
			"Bob validates with it and a table of incentive, dividends and emission follows every epoch.\n" +
			"Without Go or the source tree the module modes fall back to scripted. localnet.json then lists\n" +
			"each neuron's role, hotkey and uid.\n" +
			"$TAORUN_DEFAULT_TOKEN_WALLET (or $BT_DEFAULT_TOKEN_WALLET) names an extra SS58 address to fund with 10^6 TAO.",
		Flags: []cli.Flag{flagDataDir, flagRPCAddr, flagFast, flagLog, flagModuleEngine,
			&cli.BoolFlag{Name: "demo", Value: true, Usage: "create and run the demonstration subnet 1 (--demo=false: a bare chain)"},
			&cli.StringFlag{Name: "subnet", Value: "poc", Usage: "the demonstration subnet's `MODE`: poc (proof-of-compute module), text (text module over OpenAI-compatible runners) or scripted (fixed weights)"}},
		Action: runLocalnet,
	}
}

// localnetInfo is DATADIR/localnet.json, read by tools and scripts.
type localnetInfo struct {
	ChainID     string            `json:"chainId"`
	GenesisHash string            `json:"genesisHash"`
	RPC         string            `json:"rpc"`
	WS          string            `json:"ws"`
	DataDir     string            `json:"dataDir"`
	BlockTimeMs int64             `json:"blockTimeMs"`
	Sudo        string            `json:"sudo"`
	Accounts    []localnetAccount `json:"accounts"`
	Subnets     []localnetSubnet  `json:"subnets"`
}

type localnetAccount struct {
	Name    string `json:"name"`
	URI     string `json:"uri,omitempty"` // dev accounts only
	Address string `json:"address"`
	Balance uint64 `json:"balance"` // rao at genesis
}

func runLocalnet(c *cli.Context) error {
	start := time.Now()
	log, err := newLogger(c.String("log.level"))
	if err != nil {
		return err
	}
	dir := c.String("datadir")
	if dir == "" {
		if dir, err = os.MkdirTemp("", "taorun-localnet-"); err != nil {
			return err
		}
		defer os.RemoveAll(dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	bt := normalBlockTime
	if c.Bool("fast") {
		bt = fastBlockTime
	}
	// The genesis file is written before the chain, so a resumed localnet
	// always reopens with the genesis it was created with.
	genPath := filepath.Join(dir, "genesis.json")
	gen, err := chain.LoadGenesis(genPath)
	resumed := err == nil
	if errors.Is(err, fs.ErrNotExist) {
		gen = chain.DevGenesis(time.Now().UnixMilli(), bt.Milliseconds())
		if addr := defaultTokenWallet(); addr != "" { // funded like subtensor's BT_DEFAULT_TOKEN_WALLET
			gen.Balances = append(gen.Balances, chain.GenesisBalance{Account: addr, Balance: 1_000_000 * chain.RaoPerTAO})
			if err := gen.Validate(); err != nil {
				return cli.Exit(fmt.Sprintf("TAORUN_DEFAULT_TOKEN_WALLET: %v", err), exitUsage)
			}
		}
		if err = writeJSON(genPath, gen); err != nil {
			return err
		}
	} else if err != nil {
		return cli.Exit(err.Error(), exitUsage)
	}
	n, err := node.New(node.Config{DataDir: filepath.Join(dir, "chain"), Genesis: gen, RPCAddr: c.String("rpc.addr"),
		BlockTime: bt, Proposer: keys.Dev("Alice").Public(), Logger: log, ModuleEngine: c.String(flagModuleEngine.Name)})
	if err != nil {
		return err
	}
	info := localnetInfo{ChainID: gen.ChainID, GenesisHash: n.Chain().GenesisHash().Hex(), RPC: "http://" + n.RPCAddr(),
		WS: "ws://" + n.RPCAddr(), DataDir: dir, BlockTimeMs: bt.Milliseconds(), Sudo: "Alice"}
	devNames := map[string]string{}
	for _, a := range chain.DevAccounts {
		devNames[keys.Dev(a.Name).Public().SS58()] = a.Name
	}
	for _, b := range gen.Balances { // from the genesis, so a resumed localnet lists what it was created with
		a := localnetAccount{Name: "default-token-wallet", Address: b.Account, Balance: b.Balance}
		if name, ok := devNames[b.Account]; ok {
			a.Name, a.URI = name, "//"+name
		}
		info.Accounts = append(info.Accounts, a)
	}
	if err := writeJSON(filepath.Join(dir, "localnet.json"), info); err != nil {
		n.Close()
		return err
	}
	mode := c.String("subnet")
	ms := moduleSubnets[mode]
	if ms == nil && mode != "scripted" {
		n.Close()
		return cli.Exit(fmt.Sprintf("--subnet %q: want poc, text or scripted", mode), exitUsage)
	}
	w := c.App.Writer
	state := "fresh chain"
	if resumed {
		state = fmt.Sprintf("resumed at height %d", n.Chain().Head().Header.Height)
	}
	fmt.Fprintf(w, "taorun localnet: %s %s, genesis %s (ready in %s)\n", info.ChainID, state, info.GenesisHash, time.Since(start).Round(time.Millisecond))
	if c.String("datadir") == "" {
		fmt.Fprintf(w, "  data      %s (temporary: deleted on exit; use --datadir to keep it)\n", dir)
	} else {
		fmt.Fprintf(w, "  data      %s\n", dir)
	}
	fmt.Fprintf(w, "  rpc       %s   %s\n", info.RPC, info.WS)
	fmt.Fprintf(w, "  blocks    every %s\n", bt)
	fmt.Fprintln(w, "  accounts  (//Alice is sudo)")
	for _, a := range info.Accounts {
		fmt.Fprintf(w, "    %-8s %s  %d TAO\n", a.Name, a.Address, a.Balance/chain.RaoPerTAO)
	}
	fmt.Fprintf(w, "  look      curl -s -H 'Content-Type: application/json' -d '{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tao_chainInfo\"}' %s\n", info.RPC)
	fmt.Fprintf(w, "  metrics   %s/metrics\n", info.RPC)
	fmt.Fprintf(w, "  wrote     %s\n", filepath.Join(dir, "localnet.json"))
	if !c.Bool("demo") {
		return runUntilSignal(n)
	}
	info.Subnets = []localnetSubnet{} // written once the subnet is up
	return runUntilSignal(n, func(ctx context.Context) {
		d := &demo{client: rpcclient.New(n.RPCAddr()), out: w}
		var code []byte
		if ms != nil {
			tmp, err := os.MkdirTemp("", "taorun-module-")
			if err == nil {
				code, err = buildModule(ctx, tmp, ms.Source)
				os.RemoveAll(tmp)
			}
			if err != nil {
				if ctx.Err() != nil {
					return
				}
				fmt.Fprintf(w, "  demo      cannot build the %s module (%v);\n            falling back to the scripted demonstration\n", ms.Title, err)
				ms = nil
			}
		}
		sn, err := d.ensure(ctx)
		if err != nil {
			if ctx.Err() == nil {
				fmt.Fprintf(w, "  demo      subnet %d could not be set up: %v\n", demoNetuid, err)
			}
			return
		}
		if ms != nil {
			if err := d.uploadModule(ctx, code); err != nil {
				if ctx.Err() == nil {
					fmt.Fprintf(w, "  demo      the %s module: %v\n", ms.Title, err)
				}
				return
			}
			sn.Note = ms.Note
		}
		info.Subnets = append(info.Subnets, *sn)
		if err := writeJSON(filepath.Join(dir, "localnet.json"), info); err != nil {
			fmt.Fprintf(w, "  demo      writing localnet.json: %v\n", err)
		}
		fmt.Fprintf(w, "  subnet %d  tempo %d, owner Alice; %s\n", sn.Netuid, sn.Tempo, sn.Note)
		for _, nr := range sn.Neurons {
			fmt.Fprintf(w, "    uid %-3d %-9s %-8s hotkey %s (%s)\n", nr.UID, nr.Role, nr.Name, nr.Hotkey, nr.HotkeyURI)
		}
		if ms != nil {
			if err := d.runModule(ctx, ms, sn, dir, n.BlockTime()); err != nil && ctx.Err() == nil {
				fmt.Fprintf(w, "  demo      the %s neurons stopped: %v\n", ms.Title, err)
			}
			return
		}
		d.validate(ctx, sn, n.BlockTime())
	})
}

// defaultTokenWallet returns the SS58 address a fresh localnet also funds
// with 10^6 TAO: $TAORUN_DEFAULT_TOKEN_WALLET, else $BT_DEFAULT_TOKEN_WALLET.
func defaultTokenWallet() string {
	if v := os.Getenv("TAORUN_DEFAULT_TOKEN_WALLET"); v != "" {
		return v
	}
	return os.Getenv("BT_DEFAULT_TOKEN_WALLET")
}

// writeJSON writes v to path atomically (temp file, fsync, rename).
func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
