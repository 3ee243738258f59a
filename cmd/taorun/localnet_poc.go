package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/taorun/taorun/chain/subnet"
	"github.com/taorun/taorun/chain/tx"
	"github.com/taorun/taorun/examples/pocsubnet/matmul"
	"github.com/taorun/taorun/host"
	"github.com/taorun/taorun/keys"
	"github.com/taorun/taorun/neuron/axon"
	"github.com/taorun/taorun/neuron/chainrpc"
	"github.com/taorun/taorun/neuron/miner"
	"github.com/taorun/taorun/neuron/validator"
	"github.com/taorun/taorun/node/rpc/api"
	"github.com/taorun/taorun/plugins/registry"
)

// This file runs the demonstration subnets that are driven by an example
// module (--subnet poc, --subnet text): one code path, parameterised by a
// moduleSubnet, builds the module from the source tree, uploads and
// activates it, and runs Bob's validator and the miners in process. The
// proof-of-compute subnet's definition follows; localnet_text.go has the
// text subnet's.

// moduleSubnet describes a demonstration subnet driven by an example
// module.
type moduleSubnet struct {
	Title      string            // for messages: "proof-of-compute"
	Source     string            // the module's package, relative to the repository root
	Note       string            // localnet.json's note
	InitConfig []byte            // the module's init input, for miners and the validator
	Kinds      map[string]string // miner name (Charlie, Dave, Eve) → its kind, shown in the table
	// Miner prepares one miner of a kind: its runners, and how its axon
	// answers.
	Miner func(ctx context.Context, kind string) (minerSetup, error)
}

// minerSetup is what a moduleSubnet gives one of its miners.
type minerSetup struct {
	Runners host.Runners
	// Tamper, when set, rewrites every answer on the miner's axon: a
	// cheater whose runner cannot cheat (the module checks it).
	Tamper func([]byte) []byte
	Detail string // printed after the miner's axon address
	Close  func() // releases what Miner started; nil when nothing
}

// moduleSubnets are the --subnet modes driven by a module.
var moduleSubnets = map[string]*moduleSubnet{"poc": pocSubnet(), "text": textSubnet()}

// pocSubnet is the proof-of-compute subnet (examples/pocsubnet): in-process
// "matmul" runners, a tampering axon for the cheater.
func pocSubnet() *moduleSubnet {
	return &moduleSubnet{Title: "proof-of-compute", Source: "./examples/pocsubnet/module", Note: pocNote, InitConfig: pocInitConfig(),
		Kinds: pocMiners,
		Miner: func(_ context.Context, kind string) (minerSetup, error) {
			ms := minerSetup{Runners: host.NewFuncRunners(map[string]host.RunnerFunc{"matmul": pocRunner(kind)})}
			if kind == "cheater" {
				ms.Tamper = tamper
			}
			return ms, nil
		}}
}

// pocNote describes the proof-of-compute mode's weights in localnet.json.
const pocNote = "weights from the proof-of-compute module (examples/pocsubnet): Charlie fast, Dave slow (~300 ms), Eve returns wrong products"

// pocSlowDelay is how long the slow honest miner waits before multiplying.
const pocSlowDelay = 300 * time.Millisecond

// pocMiners maps each demonstration miner to its kind of matmul runner.
var pocMiners = map[string]string{"Charlie": "fast", "Dave": "slow", "Eve": "cheater"}

// pocInitConfig is the module's init input (examples/pocsubnet/module
// Config): 32×32 matrices, a 1 s miner timeout (so 300 ms of delay costs
// a visible part of the speed bonus), the module's default share cap and
// registration limit, no denied hotkeys.
func pocInitConfig() []byte {
	b := binary.LittleEndian.AppendUint32(nil, 32)
	b = binary.LittleEndian.AppendUint32(b, 1000)
	b = binary.LittleEndian.AppendUint16(b, 65535/2)
	b = binary.LittleEndian.AppendUint32(b, 3)
	return binary.LittleEndian.AppendUint32(b, 0)
}

// repoRoot walks up from dir for the go.mod of module
// github.com/taorun/taorun.
func repoRoot(dir string) (string, error) {
	for d := dir; ; d = filepath.Dir(d) {
		b, err := os.ReadFile(filepath.Join(d, "go.mod"))
		if err == nil && bytes.HasPrefix(bytes.TrimSpace(b), []byte("module github.com/taorun/taorun\n")) {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", errors.New("no taorun source tree (go.mod of github.com/taorun/taorun) above " + dir)
		}
	}
}

// buildModule compiles the module package source (relative to the
// repository root) for wasip1 from the source tree containing the working
// directory or the executable.
func buildModule(ctx context.Context, tmp, source string) ([]byte, error) {
	var root string
	var err error
	starts := []string{}
	if wd, e := os.Getwd(); e == nil {
		starts = append(starts, wd)
	}
	if exe, e := os.Executable(); e == nil {
		starts = append(starts, filepath.Dir(exe))
	}
	for _, s := range starts {
		if root, err = repoRoot(s); err == nil {
			break
		}
	}
	if root == "" {
		if err == nil {
			err = errors.New("no working directory or executable path")
		}
		return nil, err
	}
	if _, err := exec.LookPath("go"); err != nil {
		return nil, fmt.Errorf("the Go toolchain is needed to build the module: %w", err)
	}
	out := filepath.Join(tmp, "module.wasm")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, "-buildmode=c-shared", source)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	if b, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("building the module in %s: %v\n%s", root, err, b)
	}
	return os.ReadFile(out)
}

// pocRunner returns the in-process "matmul" runner of a miner kind: slow
// sleeps pocSlowDelay before multiplying, the others multiply at once. (A
// runner cannot cheat: the module checks its product and recomputes a wrong
// one, so the cheater tampers with its axon's answers instead; see
// cheatingAxon.)
func pocRunner(kind string) host.RunnerFunc {
	return func(ctx context.Context, input []byte) ([]byte, error) {
		j, err := matmul.DecodeJob(input)
		if err != nil {
			return nil, err
		}
		if kind == "slow" {
			select {
			case <-time.After(pocSlowDelay):
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		return matmul.EncodeResult(matmul.Multiply(j)), nil
	}
}

// tamper changes the last entry of an encoded matmul result by one (down,
// or up from 0, so it stays below any modulus ≥ 2): a wrong product of the
// right shape.
func tamper(resp []byte) []byte {
	out := bytes.Clone(resp)
	if len(out) < 12 { // header (n, m) and at least one entry
		return out
	}
	e := out[len(out)-4:]
	v := binary.LittleEndian.Uint32(e)
	if v > 0 {
		v--
	} else {
		v++
	}
	binary.LittleEndian.PutUint32(e, v)
	return out
}

// cheatingAxon serves m's solve with every answer rewritten by tamper, on
// its own axon (m's is never started), and publishes it on chain: a miner
// that returns wrong answers.
func cheatingAxon(ctx context.Context, m *miner.Miner, c *chainrpc.Client, hot *keys.Keypair, netuid uint16, roster axon.Roster,
	tamper func([]byte) []byte) (*axon.Server, error) {
	srv, err := axon.New(axon.Config{Hotkey: hot, Addr: "127.0.0.1:0", MaxConcurrent: 1, MaxQueue: miner.DefaultMaxQueue,
		Blacklist: axon.Policy{}.Blacklist(roster), Priority: axon.StakePriority(roster),
		Handlers: map[string]axon.Handler{miner.SynapseSolve: func(ctx context.Context, req *axon.Request) ([]byte, error) {
			out, err := m.Solve(ctx, req.Body)
			if err != nil {
				return nil, err
			}
			return tamper(out), nil
		}}})
	if err != nil {
		return nil, err
	}
	if err := srv.Start(); err != nil {
		return nil, err
	}
	if err := c.ServeAxon(ctx, netuid, srv.Addr()); err != nil {
		srv.Shutdown(context.Background())
		return nil, err
	}
	return srv, nil
}

// uploadModule uploads code to the demonstration subnet as Alice and
// activates it a few blocks ahead. It also lifts the serving rate limit, so
// the in-process miners can publish their new loopback ports when a
// localnet is resumed.
func (d *demo) uploadModule(ctx context.Context, code []byte) error {
	id := sha256.Sum256(code)
	alice := keys.Dev("Alice")
	if _, err := d.send(ctx, alice, tx.SudoSet{Netuid: demoNetuid, Param: "serving_rate_limit", Value: 0},
		tx.UploadModule{Netuid: demoNetuid, Code: code}); err != nil {
		return fmt.Errorf("upload: %w", err)
	}
	head, err := d.client.BlockNumber(ctx)
	if err != nil {
		return err
	}
	_, err = d.send(ctx, alice, tx.ActivateModule{Netuid: demoNetuid, ModuleID: id, AtBlock: head + 3})
	if err != nil {
		return fmt.Errorf("activate: %w", err)
	}
	fmt.Fprintf(d.out, "  module    %x uploaded and activated at block %d\n", id, head+3)
	return nil
}

// runModule runs a module-driven subnet's neurons in process until ctx
// ends: a miner per ms.Kinds entry with its runners, Bob's validator, and
// a table of the metagraph after every epoch.
func (d *demo) runModule(ctx context.Context, ms *moduleSubnet, sn *localnetSubnet, dataDir string, blockTime time.Duration) error {
	reg, err := registry.New(registry.Config{})
	if err != nil {
		return err
	}
	defer reg.Close(context.Background())
	quiet := discardLogger()
	adapter := func(name string) (*chainrpc.Client, *keys.Keypair, error) {
		hot := demoHotkey(name)
		c, err := chainrpc.New(chainrpc.Config{RPC: d.client, Hotkey: hot, Coldkey: keys.Dev(name), TxTimeout: 30 * time.Second, Logger: quiet})
		return c, hot, err
	}
	for _, name := range []string{"Charlie", "Dave", "Eve"} {
		kind := ms.Kinds[name]
		setup, err := ms.Miner(ctx, kind)
		if err != nil {
			return fmt.Errorf("miner %s: %w", name, err)
		}
		if setup.Close != nil {
			defer setup.Close()
		}
		c, hot, err := adapter(name)
		if err != nil {
			return err
		}
		roster := chainrpc.NewRoster(d.client, sn.Netuid, quiet)
		if err := roster.Refresh(ctx); err != nil {
			return err
		}
		go roster.Run(ctx, blockTime/2)
		m, err := miner.New(miner.Config{Hotkey: hot, Netuid: sn.Netuid, Addr: "127.0.0.1:0", Chain: c,
			Module: miner.ModuleConfig{Source: c, Registry: reg, Runners: setup.Runners, InitConfig: ms.InitConfig}, Roster: roster, Logger: quiet})
		if err != nil {
			return err
		}
		addr := ""
		if setup.Tamper != nil {
			srv, err := cheatingAxon(ctx, m, c, hot, sn.Netuid, roster, setup.Tamper)
			if err != nil {
				return fmt.Errorf("miner %s: %w", name, err)
			}
			defer srv.Shutdown(context.Background())
			addr = srv.Addr()
		} else {
			if err := m.Start(ctx); err != nil {
				return fmt.Errorf("miner %s: %w", name, err)
			}
			addr = m.Addr()
		}
		defer m.Shutdown(context.Background())
		fmt.Fprintf(d.out, "  miner     %-8s %-8s axon %s%s\n", name, kind, addr, setup.Detail)
	}
	c, hot, err := adapter("Bob")
	if err != nil {
		return err
	}
	vdir := filepath.Join(dataDir, "validator-bob")
	if err := os.MkdirAll(vdir, 0o700); err != nil {
		return err
	}
	v, err := validator.New(validator.Config{Hotkey: hot, Netuid: sn.Netuid, DataDir: vdir, Chain: c,
		Module: validator.ModuleConfig{Source: c, Registry: reg, InitConfig: ms.InitConfig}, SampleSize: 10, WeightsInterval: 1, MaxTimeout: 5 * time.Second, StepInterval: blockTime / 2, Logger: quiet,
		CommitHash: func(hk [32]byte, netuid uint16, uids, values, salt []uint16, vk uint64) [32]byte {
			return subnet.CommitHash(hk, netuid, uids, values, salt, vk)
		}})
	if err != nil {
		return err
	}
	defer v.Close(context.Background())
	fmt.Fprintln(d.out, "  validator Bob queries the miners every block and sets the module's weights")
	go v.Run(ctx)
	return d.table(ctx, sn, blockTime, ms.Kinds)
}

// table prints the subnet's metagraph after every epoch until ctx ends;
// kinds labels the miners.
func (d *demo) table(ctx context.Context, sn *localnetSubnet, every time.Duration, kinds map[string]string) error {
	roles := map[uint16]string{}
	for _, n := range sn.Neurons {
		roles[n.UID] = n.Role + " " + n.Name
		if k, ok := kinds[n.Name]; ok {
			roles[n.UID] += " (" + k + ")"
		}
	}
	last := ^uint64(0)
	for {
		mg, err := d.client.Metagraph(ctx, sn.Netuid, false)
		if err == nil && mg.EpochIndex != last {
			last = mg.EpochIndex
			printTable(d.out, mg.Height, mg.EpochIndex, mg.Neurons, roles)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(every):
		}
	}
}

// discardLogger is the in-process neurons' logger: the table is their output.
func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// printTable writes one epoch's compact table: block, epoch, then per uid
// its role, incentive and dividends (as fractions of 1) and emission.
func printTable(w io.Writer, block, epoch uint64, ns []api.Neuron, roles map[uint16]string) {
	fmt.Fprintf(w, "  block %d  epoch %d\n    %-4s %-26s %9s %9s %14s\n", block, epoch, "uid", "role", "incentive", "dividends", "emission")
	for _, n := range ns {
		fmt.Fprintf(w, "    %-4d %-26s %9.4f %9.4f %14s\n", n.UID, roles[n.UID], float64(n.Incentive)/65535, float64(n.Dividends)/65535, n.Emission)
	}
}
