package chain

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/taorun/taorun/abi/wire"
	"github.com/taorun/taorun/chain/block"
	"github.com/taorun/taorun/chain/modules"
	"github.com/taorun/taorun/chain/state"
	"github.com/taorun/taorun/chain/subnet"
	"github.com/taorun/taorun/chain/tx"
	"github.com/taorun/taorun/chain/types"
	"github.com/taorun/taorun/plugins/registry"
	"github.com/taorun/taorun/plugins/registry/registrytest"
	"github.com/taorun/taorun/runtime"
)

// hookModes picks the behaviour of each hook of testdata/modhooks.wat.tmpl.
type hookModes struct{ weights, register, epoch int }

// hookWasm assembles testdata/modhooks.wat.tmpl with modes m using wabt's
// wat2wasm.
func hookWasm(t *testing.T, m hookModes) []byte {
	t.Helper()
	tmpl, err := os.ReadFile(filepath.Join("testdata", "modhooks.wat.tmpl"))
	if err != nil {
		t.Fatal(err)
	}
	bin, err := exec.LookPath("wat2wasm")
	if err != nil {
		t.Fatal("wat2wasm (wabt) is required to build test modules: apt-get install wabt")
	}
	dir := t.TempDir()
	src, out := filepath.Join(dir, "m.wat"), filepath.Join(dir, "m.wasm")
	if err := os.WriteFile(src, fmt.Appendf(nil, string(tmpl), m.weights, m.register, m.epoch), 0o644); err != nil {
		t.Fatal(err)
	}
	if msg, err := exec.Command(bin, "--enable-all", "-o", out, src).CombinedOutput(); err != nil {
		t.Fatalf("wat2wasm: %v\n%s", err, msg)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// moduleChain opens a chain with the standard hooks and a module runner on
// engine (a real registry with a disk cache).
func moduleChain(t *testing.T, engine string) *Chain {
	t.Helper()
	reg, err := registry.New(registry.Config{Engine: engine, CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { reg.Close(context.Background()) })
	c := openChain(t, t.TempDir(), Options{Hooks: StandardHooks(), Modules: NewModuleHooks(reg)})
	t.Cleanup(func() { c.Close() })
	return c
}

// mustSend executes s in a block of its own and fails the test unless it
// succeeds.
func mustSend(t *testing.T, c *Chain, s signed) *block.Receipt {
	t.Helper()
	rc := produce(t, c, tx.New(s.k, c.GenesisHash(), nonce(t, c, s.k), s.call, 0).Encode()).Receipts[0]
	if rc.Status != block.StatusSuccess {
		t.Fatalf("%s: %s %s", tx.Name(s.call.Kind()), rc.Status, rc.Error)
	}
	return rc
}

// activateModule uploads code as subnet 1's module (Alice owns it) and
// produces blocks until it is active.
func activateModule(t *testing.T, c *Chain, code []byte) {
	t.Helper()
	mustSend(t, c, signed{alice, tx.UploadModule{Netuid: 1, Code: code}})
	mustSend(t, c, signed{alice, tx.ActivateModule{Netuid: 1, ModuleID: sha256.Sum256(code), AtBlock: c.Head().Header.Height + 2}})
	produce(t, c)
	if _, ok, err := modules.ActiveModule(c.State(), 1, c.Head().Header.Height); err != nil || !ok {
		t.Fatalf("module not active: %v", err)
	}
}

// moduleStorage returns subnet 1's module storage value of key.
func moduleStorage(t *testing.T, c *Chain, key string) (string, bool) {
	t.Helper()
	o := state.NewOverlay(c.State())
	v, ok, err := modules.ModuleStorage(o, 1).Get([]byte(key))
	if err != nil {
		t.Fatal(err)
	}
	return string(v), ok
}

var engines = []string{runtime.EngineWazero, runtime.EngineWazeroInterp}

// TestModuleHookCalls runs set_weights, reveal_weights and burned_register
// through real blocks on a subnet whose active module's hooks say reject,
// adjust, trap, deny or allow, on both engines: a refused or failed call
// fails with the module's reason and changes nothing but the fee, the nonce
// and the burned counter (the module's storage write is gone too); an
// accepted one stores what the module said, keeps the module's storage write
// and burns modules.HookFee of the gas from the sender on top of the fee.
// Every engine ends in the same state root.
func TestModuleHookCalls(t *testing.T) {
	commit := func(uids, vals []uint16) tx.Call {
		return tx.CommitWeights{Netuid: 1, Hash: subnet.CommitHash(aliceHot.Public(), 1, uids, vals, []uint16{7}, 0)}
	}
	// revealBase: commit-reveal on, tempo 5, no rate limit, a commit of
	// weight 1 on uid 0 by Alice's owner hotkey.
	revealBase := append(append([]signed{}, weightsBase[:3]...),
		signed{alice, tx.SudoSet{Netuid: 1, Param: "tempo", Value: 5}},
		signed{alice, tx.SudoSet{Netuid: 1, Param: "weights_rate_limit", Value: 0}},
		signed{aliceHot, commit([]uint16{0}, []uint16{1})})
	cases := []struct {
		name   string
		modes  hookModes
		setup  []signed
		call   signed
		err    string   // "": success
		row    []uint16 // on success of a weights call: the stored row (uid, value, ...)
		reveal bool     // produce blocks until the commit's reveal epoch first
	}{
		{name: "weights rejected by the module", modes: hookModes{weights: 1}, setup: weightsBase,
			call: signed{aliceHot, tx.SetWeights{Netuid: 1, Uids: []uint16{1, 0}, Weights: []uint16{2, 1}}},
			err:  subnet.ErrModuleRejected.Error() + ": no weights on uid 0"},
		{name: "weights accepted by the module", modes: hookModes{weights: 1}, setup: weightsBase,
			call: signed{aliceHot, tx.SetWeights{Netuid: 1, Uids: []uint16{1}, Weights: []uint16{3}}}, row: []uint16{1, 65535}},
		{name: "weights adjusted by the module", modes: hookModes{weights: 2}, setup: weightsBase,
			call: signed{aliceHot, tx.SetWeights{Netuid: 1, Uids: []uint16{0, 1}, Weights: []uint16{9, 1}}}, row: []uint16{1, 65535}},
		{name: "weights hook reads the metagraph", modes: hookModes{weights: 4}, setup: weightsBase,
			call: signed{aliceHot, tx.SetWeights{Netuid: 1, Uids: []uint16{1}, Weights: []uint16{3}}}, row: []uint16{1, 65535}},
		{name: "weights hook traps", modes: hookModes{weights: 3}, setup: weightsBase,
			call: signed{aliceHot, tx.SetWeights{Netuid: 1, Uids: []uint16{1}, Weights: []uint16{1}}}, err: "validate_weights: "},
		{name: "chain checks come first", modes: hookModes{weights: 2}, setup: weightsBase,
			call: signed{aliceHot, tx.SetWeights{Netuid: 1, Uids: []uint16{1, 1}, Weights: []uint16{1, 1}}}, err: subnet.ErrWeights.Error()},
		{name: "reveal rejected by the module", modes: hookModes{weights: 1}, reveal: true,
			setup: revealBase,
			call:  signed{aliceHot, tx.RevealWeights{Netuid: 1, Uids: []uint16{0}, Weights: []uint16{1}, Salt: []uint16{7}}},
			err:   "no weights on uid 0"},
		{name: "reveal adjusted by the module", modes: hookModes{weights: 2}, reveal: true,
			setup: revealBase,
			call:  signed{aliceHot, tx.RevealWeights{Netuid: 1, Uids: []uint16{0}, Weights: []uint16{1}, Salt: []uint16{7}}},
			row:   []uint16{1, 65535}},
		{name: "registration denied by the module", modes: hookModes{register: 1}, setup: subnetBase[:1],
			call: signed{bob, tx.BurnedRegister{Netuid: 1, Hotkey: bobHot.Public()}}, err: subnet.ErrModuleRejected.Error() + ": nope!"},
		{name: "registration allowed by the module", modes: hookModes{register: 0}, setup: subnetBase[:1],
			call: signed{bob, tx.BurnedRegister{Netuid: 1, Hotkey: bobHot.Public()}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code := hookWasm(t, tc.modes)
			var roots []types.Hash
			build := func(engine string) *Chain {
				c := moduleChain(t, engine)
				for _, s := range tc.setup {
					mustSend(t, c, s)
				}
				activateModule(t, c, code)
				if tc.reveal {
					// Wait for the commit's reveal epoch: until a dry run of the
					// reveal (no hooks, discarded) is no longer too early.
					rv := tc.call.call.(tx.RevealWeights)
					for range 50 {
						err := subnet.RevealWeights(state.NewOverlay(c.State()), tc.call.k.Public(), 1, rv.Uids, rv.Weights, rv.Salt, 0,
							c.Head().Header.Height+1)
						if err == nil || !strings.Contains(err.Error(), "too early") {
							break
						}
						produce(t, c)
					}
				}
				return c
			}
			for _, engine := range engines {
				c := build(engine)
				burned0, _ := state.Burned(c.State())
				bal0, _ := state.Balance(c.State(), tc.call.k.Public())
				x := tx.New(tc.call.k, c.GenesisHash(), nonce(t, c, tc.call.k), tc.call.call, 0)
				res := produce(t, c, x.Encode())
				rc := res.Receipts[0]
				if tc.err != "" {
					if rc.Status != block.StatusFailed || !strings.Contains(rc.Error, tc.err) {
						t.Fatalf("%s: status %s (%q), want failed with %q", engine, rc.Status, rc.Error, tc.err)
					}
					// A twin chain with the same history produces the block
					// without the tx: only the fee, nonce and burned differ.
					twin := build(engine)
					produce(t, twin)
					want := map[string]bool{string(state.BalanceKey(x.Signer)): true,
						string(state.NonceKey(x.Signer)): true, string(state.KeyBurned): true}
					if d := diffKeys(stateDump(t, twin), stateDump(t, c)); !reflect.DeepEqual(d, want) {
						t.Fatalf("%s: failed call changed %d keys, want exactly fee, nonce and burned", engine, len(d))
					}
				} else {
					if rc.Status != block.StatusSuccess {
						t.Fatalf("%s: %s %s", engine, rc.Status, rc.Error)
					}
					if v, ok := moduleStorage(t, c, "w"); !ok || v != "v" {
						t.Fatalf("%s: module storage w = %q %v, want the hook's write kept", engine, v, ok)
					}
					burned, _ := state.Burned(c.State())
					bal, _ := state.Balance(c.State(), tc.call.k.Public())
					extra := burned - burned0 - x.Fee
					if bal0-bal != burned-burned0 || extra == 0 {
						t.Fatalf("%s: balance %d → %d, burned %d → %d (fee %d): want the hook fee burned from the sender", engine, bal0, bal, burned0, burned, x.Fee)
					}
					if reg, ok := tc.call.call.(tx.BurnedRegister); ok {
						for _, a := range rc.Events[0].Attrs {
							if a.Key == "burn" {
								extra -= atoi(t, a.Value) // the registration burn
							}
						}
						if uid, ok, _ := subnet.UID(c.State(), 1, reg.Hotkey); !ok || uid != 1 {
							t.Fatalf("%s: not registered", engine)
						}
					}
					if extra == 0 || extra > modules.HookFee(modules.DefaultValidateWeightsGas) {
						t.Fatalf("%s: hook fee %d rao, want 1..%d", engine, extra, modules.HookFee(modules.DefaultValidateWeightsGas))
					}
					if tc.row != nil {
						rows, err := subnet.Metagraph(c.State(), 1)
						if err != nil {
							t.Fatal(err)
						}
						var got []uint16
						for _, w := range rows[0].Weights {
							got = append(got, w.UID, w.Value)
						}
						if !reflect.DeepEqual(got, tc.row) {
							t.Fatalf("%s: stored row %v, want %v", engine, got, tc.row)
						}
					}
				}
				if err := CheckSupply(c.State()); err != nil {
					t.Fatal(err)
				}
				roots = append(roots, res.Block.Header.StateRoot)
			}
			if roots[0] != roots[1] {
				t.Fatalf("state roots differ between engines %v: %v", engines, roots)
			}
		})
	}
}

// TestModuleHookFeeUnpayable: a validator whose balance covers the tx fee
// but not the hook fee fails cleanly (insufficient balance), and nothing but
// the fee, the nonce and the burned counter changes.
func TestModuleHookFeeUnpayable(t *testing.T) {
	code := hookWasm(t, hookModes{weights: 1})
	var x *tx.Tx
	build := func() *Chain {
		c := moduleChain(t, runtime.EngineWazero)
		for _, s := range weightsBase[:2] {
			mustSend(t, c, s)
		}
		for _, s := range weightsBase[3:] {
			mustSend(t, c, s)
		}
		activateModule(t, c, code)
		x = tx.New(aliceHot, c.GenesisHash(), 0, tx.SetWeights{Netuid: 1, Uids: []uint16{1}, Weights: []uint16{1}}, 0)
		mustSend(t, c, signed{alice, tx.Transfer{To: aliceHot.Public(), Amount: x.Fee}})
		return c
	}
	twin := build()
	produce(t, twin)
	before := stateDump(t, twin)
	c := build()
	rc := produce(t, c, x.Encode()).Receipts[0]
	if rc.Status != block.StatusFailed || !strings.Contains(rc.Error, subnet.ErrInsufficientBalance.Error()) || !strings.Contains(rc.Error, "module hook gas") {
		t.Fatalf("status %s (%q), want failed: cannot pay the hook fee", rc.Status, rc.Error)
	}
	want := map[string]bool{string(state.BalanceKey(x.Signer)): true, string(state.NonceKey(x.Signer)): true, string(state.KeyBurned): true}
	if d := diffKeys(before, stateDump(t, c)); !reflect.DeepEqual(d, want) {
		t.Fatalf("failed call changed %d keys, want exactly fee, nonce and burned", len(d))
	}
}

// epochRun is the result of runEpochs: the metagraph after the epoch, the
// block events of the epoch block, Dave's stake, the head state root and
// the chain.
type epochRun struct {
	rows      []subnet.NeuronEntry
	events    []block.Event
	daveStake uint64
	root      types.Hash
	c         *Chain
}

// runEpochs builds subnet 1 (tempo 5) on c with three neurons (Alice's owner
// hotkey, Bob's, Dave's), Alice staked and setting all her weight on Bob,
// with code as the active module (nil: no module), and produces blocks until
// an epoch with emission has run after the weights were set. Every block
// keeps the supply and alpha invariants.
func runEpochs(t *testing.T, c *Chain, code []byte) epochRun {
	t.Helper()
	steps := []signed{subnetBase[0], subnetBase[1],
		{dave, tx.BurnedRegister{Netuid: 1, Hotkey: daveHot.Public()}},
		{alice, tx.Transfer{To: aliceHot.Public(), Amount: RaoPerTAO}},
		{alice, tx.AddStake{Hotkey: aliceHot.Public(), Netuid: 1, Amount: 1_000 * RaoPerTAO}},
		{alice, tx.SudoSet{Netuid: 1, Param: "tempo", Value: 5}},
		{alice, tx.SudoSet{Netuid: 1, Param: "weights_rate_limit", Value: 0}},
		{alice, tx.SudoSet{Netuid: 1, Param: "commit_reveal_weights_enabled", Value: 0}},
	}
	for _, s := range steps {
		mustSend(t, c, s)
	}
	if code != nil {
		activateModule(t, c, code)
	}
	for c.Head().Header.Height < 24 { // emission starts some 16 blocks after the subnet
		produce(t, c)
	}
	mustSend(t, c, signed{aliceHot, tx.SetWeights{Netuid: 1, Uids: []uint16{1}, Weights: []uint16{1}}})
	run := epochRun{c: c}
	for {
		res := produce(t, c)
		if err := CheckSupply(c.State()); err != nil {
			t.Fatal(err)
		}
		if err := subnet.CheckAlpha(c.State()); err != nil {
			t.Fatal(err)
		}
		in, err := subnet.EpochInput(c.State(), 1, c.Head().Header.Height, 0)
		if err != nil {
			t.Fatal(err)
		}
		if in.LastMechanismStepBlock == c.Head().Header.Height {
			run.events = res.Events
			break
		}
	}
	var err error
	if run.rows, err = subnet.Metagraph(c.State(), 1); err != nil {
		t.Fatal(err)
	}
	run.daveStake, _ = subnet.Stake(c.State(), daveHot.Public(), dave.Public(), 1)
	run.root = c.Head().Header.StateRoot
	return run
}

func emissions(rows []subnet.NeuronEntry) []uint64 {
	out := make([]uint64, len(rows))
	for i, r := range rows {
		out[i] = r.Emission
	}
	return out
}

func eventsOf(evs []block.Event, typ string) []block.Event {
	var out []block.Event
	for _, e := range evs {
		if e.Type == typ {
			out = append(out, e)
		}
	}
	return out
}

func atoi(t *testing.T, s string) uint64 {
	t.Helper()
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestModuleOnEpoch runs an epoch with Yuma's split (no module, and a module
// that keeps it), a module that resplits all miner emission to the last uid,
// and modules that break conservation, trap or run out of gas. The resplit
// pays Dave (last uid, no weight from Alice) what Yuma paid Bob as a miner,
// conserving the total, and keeps the hook's storage write; the failing
// modules fall back to exactly Yuma's split with a module_epoch_fallback
// event and leave no storage write. The resplit gives the same state root on
// both engines.
func TestModuleOnEpoch(t *testing.T) {
	yuma := runEpochs(t, moduleChain(t, runtime.EngineWazero), nil)
	em := emissions(yuma.rows)
	if len(em) != 3 || em[1] == 0 || em[2] != 0 || yuma.daveStake != 0 {
		t.Fatalf("Yuma emissions %v, Dave's stake %d: want Bob paid, Dave nothing", em, yuma.daveStake)
	}
	if len(eventsOf(yuma.events, EventModuleEpochFallback))+len(eventsOf(yuma.events, EventModuleEpochResplit)) != 0 {
		t.Fatalf("module events without a module: %+v", yuma.events)
	}
	keep := runEpochs(t, moduleChain(t, runtime.EngineWazero), hookWasm(t, hookModes{epoch: 0}))
	if !reflect.DeepEqual(emissions(keep.rows), em) || keep.daveStake != yuma.daveStake {
		t.Fatalf("a module keeping Yuma's split changed it: %v vs %v", emissions(keep.rows), em)
	}

	var resplitRoots []types.Hash
	for _, engine := range engines {
		r := runEpochs(t, moduleChain(t, engine), hookWasm(t, hookModes{epoch: 1}))
		got := emissions(r.rows)
		var sumY, sumR uint64
		for i := range em {
			sumY, sumR = sumY+em[i], sumR+got[i]
		}
		if sumR != sumY || got[2] == 0 || got[1] >= em[1] || got[0] != em[0] || r.daveStake == 0 {
			t.Fatalf("%s: resplit emissions %v (Yuma %v), Dave's stake %d: want Bob's miner emission moved to Dave, totals equal", engine, got, em, r.daveStake)
		}
		if evs := eventsOf(r.events, EventModuleEpochResplit); len(evs) != 1 || evs[0].Attrs[0].Value != "1" {
			t.Fatalf("%s: resplit events %+v", engine, r.events)
		}
		if v, ok := moduleStorage(t, r.c, "e"); !ok || v != "v" {
			t.Fatalf("%s: module storage after a resplit: %q %v", engine, v, ok)
		}
		resplitRoots = append(resplitRoots, r.root)
	}
	if resplitRoots[0] != resplitRoots[1] {
		t.Fatalf("resplit state roots differ between engines: %v", resplitRoots)
	}

	for _, fb := range []struct {
		name   string
		mode   int
		reason string
	}{{"conservation", 2, "conservation"}, {"trap", 3, "on_epoch: "}, {"out of gas", 4, "gas"}} {
		t.Run(fb.name, func(t *testing.T) {
			r := runEpochs(t, moduleChain(t, runtime.EngineWazero), hookWasm(t, hookModes{epoch: fb.mode}))
			if !reflect.DeepEqual(emissions(r.rows), em) || r.daveStake != yuma.daveStake {
				t.Fatalf("emissions %v, want Yuma's %v", emissions(r.rows), em)
			}
			evs := eventsOf(r.events, EventModuleEpochFallback)
			if len(evs) != 1 || evs[0].Attrs[0].Value != "1" || !strings.Contains(evs[0].Attrs[1].Value, fb.reason) {
				t.Fatalf("fallback events %+v, want one for subnet 1 saying %q", evs, fb.reason)
			}
			if v, ok := moduleStorage(t, r.c, "e"); ok {
				t.Fatalf("a failed on_epoch kept its storage write %q", v)
			}
		})
	}
}

// TestNoModuleSameRoot: a chain with a module runner and no module runs
// exactly as one without (same state root after registrations, weights and
// epochs with emission).
func TestNoModuleSameRoot(t *testing.T) {
	with := runEpochs(t, moduleChain(t, runtime.EngineWazero), nil)
	c := openChain(t, t.TempDir(), Options{Hooks: StandardHooks()})
	defer c.Close()
	without := runEpochs(t, c, nil)
	if with.root != without.root || with.c.Head().Header.Height != without.c.Head().Header.Height {
		t.Fatalf("with a module runner: root %s at %d; without: %s at %d", with.root, with.c.Head().Header.Height,
			without.root, without.c.Head().Header.Height)
	}
}

// TestModuleHookNodeFault: when a hook meets a node fault (here the
// metagraph provider fails while the module reads the metagraph), the block
// is not executed at all: FinalizeBlock fails with ErrNodeFault and the head
// stays where it was, instead of the tx failing.
func TestModuleHookNodeFault(t *testing.T) {
	reg, err := registry.New(registry.Config{CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close(context.Background())
	hooks := NewModuleHooks(reg)
	hooks.Metagraph = func(state.Reader, uint16, uint64) (wire.Metagraph, error) {
		return wire.Metagraph{}, errors.New("state unreadable")
	}
	c := openChain(t, t.TempDir(), Options{Hooks: StandardHooks(), Modules: hooks})
	defer c.Close()
	for _, s := range weightsBase {
		mustSend(t, c, s)
	}
	activateModule(t, c, hookWasm(t, hookModes{weights: 4}))
	head := c.Head()
	x := tx.New(aliceHot, c.GenesisHash(), nonce(t, c, aliceHot), tx.SetWeights{Netuid: 1, Uids: []uint16{1}, Weights: []uint16{1}}, 0)
	_, err = c.FinalizeBlock(Proposal{Height: head.Header.Height + 1, Time: head.Header.Time + 250, Txs: [][]byte{x.Encode()}})
	if !errors.Is(err, ErrNodeFault) || !strings.Contains(err.Error(), "state unreadable") {
		t.Fatalf("FinalizeBlock: %v, want a node fault", err)
	}
	if c.Head() != head {
		t.Fatal("the head moved")
	}
}

// TestGoModuleWeightsHook runs the Go example module
// (examples/pocsubnet/module, built for wasip1 in this run) as subnet 1's
// module: its validate_weights drops the caller's self-weight (adjust), so
// the owner's weights on itself and Bob are stored as all weight on Bob;
// weights on itself alone are rejected with the module's reason. Both
// engines run the same signed txs (signatures are randomised, and the block
// hash seeds a Go guest's runtime, whose gas, and so the hook fee, depends
// on it) and end in the same state root.
func TestGoModuleWeightsHook(t *testing.T) {
	code := registrytest.PocSubnet(t)
	var script [][]byte // the signed txs, made in the first run
	var roots []types.Hash
	for _, engine := range engines {
		c := moduleChain(t, engine)
		n := 0
		send := func(s signed) *block.Receipt {
			t.Helper()
			if n == len(script) {
				script = append(script, tx.New(s.k, c.GenesisHash(), nonce(t, c, s.k), s.call, 0).Encode())
			}
			n++
			return produce(t, c, script[n-1]).Receipts[0]
		}
		steps := append(append([]signed{}, weightsBase...), signed{alice, tx.UploadModule{Netuid: 1, Code: code}},
			signed{alice, tx.ActivateModule{Netuid: 1, ModuleID: sha256.Sum256(code), AtBlock: uint64(len(weightsBase)) + 3}})
		for _, s := range steps {
			if rc := send(s); rc.Status != block.StatusSuccess {
				t.Fatalf("%s: %s", tx.Name(s.call.Kind()), rc.Error)
			}
		}
		produce(t, c)
		if rc := send(signed{aliceHot, tx.SetWeights{Netuid: 1, Uids: []uint16{0}, Weights: []uint16{1}}}); rc.Status != block.StatusFailed ||
			!strings.Contains(rc.Error, "self-weights") {
			t.Fatalf("%s: self weight only: %s %q, want the module's rejection", engine, rc.Status, rc.Error)
		}
		if rc := send(signed{aliceHot, tx.SetWeights{Netuid: 1, Uids: []uint16{0, 1}, Weights: []uint16{5, 2}}}); rc.Status != block.StatusSuccess {
			t.Fatalf("%s: %s", engine, rc.Error)
		}
		rows, err := subnet.Metagraph(c.State(), 1)
		if err != nil {
			t.Fatal(err)
		}
		if w := rows[0].Weights; len(w) != 1 || w[0] != (subnet.Weight{UID: 1, Value: 65535}) {
			t.Fatalf("%s: stored weights %+v, want all on uid 1", engine, w)
		}
		roots = append(roots, c.Head().Header.StateRoot)
	}
	if roots[0] != roots[1] {
		t.Fatalf("state roots differ between engines: %v", roots)
	}
}
