package chain

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"math/rand"
	"reflect"
	"strings"
	"testing"

	"github.com/taorun/taorun/chain/block"
	"github.com/taorun/taorun/chain/state"
	"github.com/taorun/taorun/chain/tx"
	"github.com/taorun/taorun/chain/types"
	"github.com/taorun/taorun/keys"
)

const genesisTime = 1_700_000_000_000

var (
	alice = keys.Dev("Alice")
	bob   = keys.Dev("Bob")
	dave  = keys.Dev("Dave")
	// stranger holds nothing at genesis.
	stranger, _ = keys.FromURI("//Stranger")
)

func openChain(t testing.TB, dir string, opts Options) *Chain {
	t.Helper()
	if opts.Genesis == nil {
		opts.Genesis = DevGenesis(genesisTime, 250)
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	c, err := Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// produce executes and commits one block holding raws.
func produce(t testing.TB, c *Chain, raws ...[]byte) *FinalizeResult {
	t.Helper()
	h := c.Head().Header
	res, err := c.FinalizeBlock(Proposal{Height: h.Height + 1, Time: h.Time + 250, Txs: raws})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Commit(); err != nil {
		t.Fatal(err)
	}
	return res
}

func nonce(t testing.TB, c *Chain, k *keys.Keypair) uint64 {
	n, err := c.Nonce(k.Public())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func stateDump(t testing.TB, c *Chain) map[string]string {
	t.Helper()
	ws, err := state.Dump(c.State(), nil)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, w := range ws {
		if state.IsState(w.Key) {
			m[string(w.Key)] = string(w.Value)
		}
	}
	return m
}

// diffKeys returns the state keys whose values differ.
func diffKeys(a, b map[string]string) map[string]bool {
	d := map[string]bool{}
	for k, v := range a {
		if b[k] != v {
			d[k] = true
		}
	}
	for k, v := range b {
		if a[k] != v {
			d[k] = true
		}
	}
	return d
}

func TestCalls(t *testing.T) {
	newAcct, _ := keys.FromURI("//NewAccount")
	type env struct {
		c *Chain
		g types.Hash
	}
	sign := func(k *keys.Keypair, call tx.Call) func(e env) *tx.Tx {
		return func(e env) *tx.Tx { return tx.New(k, e.g, nonce(t, e.c, k), call, 0) }
	}
	cases := []struct {
		name   string
		build  func(e env) *tx.Tx
		status block.Status
		err    error
		check  func(t *testing.T, e env)
	}{
		{"transfer", sign(alice, tx.Transfer{To: bob.Public(), Amount: 5 * RaoPerTAO}), block.StatusSuccess, nil,
			func(t *testing.T, e env) {
				if b, _ := e.c.Balance(bob.Public()); b != 1_000_005*RaoPerTAO {
					t.Fatalf("bob balance %d", b)
				}
			}},
		{"transfer creates account", sign(alice, tx.Transfer{To: newAcct.Public(), Amount: ExistentialDeposit}), block.StatusSuccess, nil,
			func(t *testing.T, e env) {
				if b, _ := e.c.Balance(newAcct.Public()); b != ExistentialDeposit {
					t.Fatalf("new balance %d", b)
				}
			}},
		{"transfer insufficient", sign(dave, tx.Transfer{To: bob.Public(), Amount: 2_001 * RaoPerTAO}), block.StatusFailed, ErrInsufficientBalance, nil},
		{"transfer zero", sign(dave, tx.Transfer{To: bob.Public(), Amount: 0}), block.StatusFailed, ErrZeroAmount, nil},
		{"transfer dust to new account", sign(dave, tx.Transfer{To: newAcct.Public(), Amount: ExistentialDeposit - 1}), block.StatusFailed, ErrExistentialDeposit, nil},
		{"sudo mint", sign(alice, tx.SudoMint{To: dave.Public(), Amount: 7}), block.StatusSuccess, nil,
			func(t *testing.T, e env) {
				if iss, _ := state.TotalIssuance(e.c.State()); iss != 3_006_000*RaoPerTAO+7 {
					t.Fatalf("issuance %d", iss)
				}
			}},
		{"sudo mint by non-sudo", sign(bob, tx.SudoMint{To: bob.Public(), Amount: 7}), block.StatusFailed, ErrNotSudo, nil},
		{"sudo mint past cap", sign(alice, tx.SudoMint{To: bob.Public(), Amount: MaxSupply}), block.StatusFailed, ErrSupplyCap, nil},
		{"bad signature", func(e env) *tx.Tx {
			good := tx.New(alice, e.g, nonce(t, e.c, alice), tx.Transfer{To: bob.Public(), Amount: 1000}, 0)
			bad := *good
			bad.Signature = bob.Sign(good.SigningPayload())
			out, _ := tx.Decode((&tx.Tx{Genesis: bad.Genesis, Signer: bad.Signer, Nonce: bad.Nonce, Fee: bad.Fee, Call: bad.Call, Signature: bad.Signature}).Encode())
			return out
		}, block.StatusInvalid, ErrBadSignature, nil},
		{"wrong genesis", func(e env) *tx.Tx {
			return tx.New(alice, types.Sum([]byte("other chain")), nonce(t, e.c, alice), tx.Transfer{To: bob.Public(), Amount: 1000}, 0)
		}, block.StatusInvalid, ErrWrongGenesis, nil},
		{"nonce too low", func(e env) *tx.Tx {
			produce(t, e.c, tx.New(alice, e.g, 0, tx.Transfer{To: bob.Public(), Amount: 1000}, 0).Encode())
			return tx.New(alice, e.g, 0, tx.Transfer{To: bob.Public(), Amount: 1000}, 0)
		}, block.StatusInvalid, ErrNonceTooLow, nil},
		{"nonce too high", func(e env) *tx.Tx {
			return tx.New(alice, e.g, 1, tx.Transfer{To: bob.Public(), Amount: 1000}, 0)
		}, block.StatusInvalid, ErrNonceTooHigh, nil},
		{"fee too low", func(e env) *tx.Tx {
			t0 := tx.New(alice, e.g, 0, tx.Transfer{To: bob.Public(), Amount: 1000}, 0)
			low := &tx.Tx{Genesis: t0.Genesis, Signer: t0.Signer, Nonce: 0, Fee: tx.MinFee(t0) - 1, Call: t0.Call}
			low.Signature = alice.Sign(low.SigningPayload())
			out, _ := tx.Decode(low.Encode())
			return out
		}, block.StatusInvalid, ErrFeeTooLow, nil},
		{"unknown account", sign(stranger, tx.Transfer{To: bob.Public(), Amount: 1000}), block.StatusInvalid, ErrUnknownAccount, nil},
		{"cannot pay fee", func(e env) *tx.Tx {
			return tx.New(dave, e.g, 0, tx.Transfer{To: bob.Public(), Amount: 1000}, 2_001*RaoPerTAO)
		}, block.StatusInvalid, ErrCannotPayFee, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := openChain(t, t.TempDir(), Options{})
			defer c.Close()
			e := env{c, c.GenesisHash()}
			x := tc.build(e)
			before := stateDump(t, c)
			signerBal, _ := c.Balance(x.Signer)

			// CheckTx agrees with block execution on validity.
			_, cerr := c.CheckTx(x.Encode())
			if tc.status == block.StatusInvalid && tc.err != ErrNonceTooHigh {
				if !errors.Is(cerr, tc.err) {
					t.Fatalf("CheckTx error %v, want %v", cerr, tc.err)
				}
			} else if cerr != nil {
				t.Fatalf("CheckTx: %v", cerr)
			}

			res := produce(t, c, x.Encode())
			rc := res.Receipts[0]
			if rc.Status != tc.status {
				t.Fatalf("status %s (%s), want %s", rc.Status, rc.Error, tc.status)
			}
			if tc.err != nil && !strings.Contains(rc.Error, tc.err.Error()) {
				t.Fatalf("receipt error %q, want %q", rc.Error, tc.err)
			}
			got, err := c.Receipt(x.Hash())
			if err != nil || got == nil || got.Status != tc.status || got.Height != res.Block.Header.Height {
				t.Fatalf("stored receipt %+v, %v", got, err)
			}
			after := stateDump(t, c)
			d := diffKeys(before, after)
			switch tc.status {
			case block.StatusInvalid:
				if len(d) != 0 {
					t.Fatalf("invalid tx changed state: %d keys", len(d))
				}
			case block.StatusFailed:
				want := map[string]bool{string(state.BalanceKey(x.Signer)): true,
					string(state.NonceKey(x.Signer)): true, string(state.KeyBurned): true}
				if !reflect.DeepEqual(d, want) {
					t.Fatalf("failed tx changed %d keys, want exactly fee, nonce, burned", len(d))
				}
				if b, _ := c.Balance(x.Signer); b != signerBal-x.Fee || rc.Fee != x.Fee {
					t.Fatalf("signer paid %d, want fee %d", signerBal-b, x.Fee)
				}
			case block.StatusSuccess:
				if tc.check != nil {
					tc.check(t, e)
				}
			}
			if err := CheckSupply(c.State()); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestCheckTxRejectsGarbageAndAllowsNonceAhead(t *testing.T) {
	c := openChain(t, t.TempDir(), Options{})
	defer c.Close()
	if _, err := c.CheckTx([]byte{1, 2, 3}); !errors.Is(err, tx.ErrDecode) {
		t.Fatalf("garbage: %v", err)
	}
	ahead := tx.New(alice, c.GenesisHash(), MaxNonceAhead, tx.Transfer{To: bob.Public(), Amount: 1000}, 0)
	if _, err := c.CheckTx(ahead.Encode()); err != nil {
		t.Fatalf("nonce within window: %v", err)
	}
	far := tx.New(alice, c.GenesisHash(), MaxNonceAhead+1, tx.Transfer{To: bob.Public(), Amount: 1000}, 0)
	if _, err := c.CheckTx(far.Encode()); !errors.Is(err, ErrNonceTooHigh) {
		t.Fatalf("nonce past window: %v", err)
	}
}

func TestRestartKeepsHeadRootAndReceipts(t *testing.T) {
	dir := t.TempDir()
	c := openChain(t, dir, Options{})
	g := c.GenesisHash()
	var hashes []types.Hash
	for i := 0; i < 5; i++ {
		x := tx.New(alice, g, uint64(i), tx.Transfer{To: bob.Public(), Amount: 1000}, 0)
		hashes = append(hashes, x.Hash())
		produce(t, c, x.Encode())
	}
	head := c.Head()
	dump := stateDump(t, c)
	// An uncommitted block must vanish on restart.
	if _, err := c.FinalizeBlock(Proposal{Height: head.Header.Height + 1, Time: head.Header.Time,
		Txs: [][]byte{tx.New(alice, g, 5, tx.Transfer{To: bob.Public(), Amount: 1000}, 0).Encode()}}); err != nil {
		t.Fatal(err)
	}
	c.Close()

	// Reopen without a genesis: the stored one is used.
	c, err := Open(dir, Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { c.Close() }()
	if c.Head() != head || c.GenesisHash() != g {
		t.Fatalf("head after reopen %+v, want %+v", c.Head(), head)
	}
	if !reflect.DeepEqual(stateDump(t, c), dump) {
		t.Fatal("state differs after reopen")
	}
	for _, h := range hashes {
		if rc, err := c.Receipt(h); err != nil || rc == nil || rc.Status != block.StatusSuccess {
			t.Fatalf("receipt %s: %+v %v", h, rc, err)
		}
	}
	b, err := c.BlockByHash(head.Hash)
	if err != nil || b == nil || b.Header.Height != head.Header.Height {
		t.Fatalf("block by hash: %v %v", b, err)
	}
	// A different genesis must be refused for an existing directory.
	c.Close()
	other := DevGenesis(genesisTime+1, 250)
	if _, err := Open(dir, Options{Genesis: other}); err == nil || !strings.Contains(err.Error(), "differs") {
		t.Fatalf("open with another genesis: %v", err)
	}
	c = openChain(t, dir, Options{})
}

// TestRandomRunDeterministicAndSupply drives two chains with the same random
// blocks (one through PrepareProposal's reuse path, one through plain
// FinalizeBlock) and checks identical roots and the supply invariant.
func TestRandomRunDeterministicAndSupply(t *testing.T) {
	a := openChain(t, t.TempDir(), Options{})
	defer a.Close()
	b := openChain(t, t.TempDir(), Options{})
	defer b.Close()
	rng := rand.New(rand.NewSource(42))
	var accts []*keys.Keypair
	for _, d := range DevAccounts {
		accts = append(accts, keys.Dev(d.Name))
	}
	accts = append(accts, stranger)
	nonces := map[types.AccountID]uint64{}
	g := a.GenesisHash()
	for blk := 0; blk < 30; blk++ {
		var raws [][]byte
		for i := rng.Intn(8); i > 0; i-- {
			from, to := accts[rng.Intn(len(accts))], accts[rng.Intn(len(accts))]
			var call tx.Call = tx.Transfer{To: to.Public(), Amount: uint64(rng.Int63n(3_000 * RaoPerTAO))}
			if rng.Intn(5) == 0 {
				call = tx.SudoMint{To: to.Public(), Amount: uint64(rng.Int63n(RaoPerTAO))}
			}
			n := nonces[from.Public()]
			if rng.Intn(10) == 0 {
				n += 3 // an invalid nonce now and then
			}
			x := tx.New(from, g, n, call, uint64(rng.Intn(1000)))
			raws = append(raws, x.Encode())
			if n == nonces[from.Public()] {
				nonces[from.Public()]++
			}
		}
		h := a.Head().Header
		p := Proposal{Height: h.Height + 1, Time: h.Time + 250, Txs: raws}
		prep, dropped, err := a.PrepareProposal(p, 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range dropped { // the sender's later nonces are now gaps: resync
			x, _ := tx.Decode(d.Raw)
			nonces[x.Signer] = 0
		}
		ra, err := a.FinalizeBlock(*prep)
		if err != nil {
			t.Fatal(err)
		}
		rb, err := b.FinalizeBlock(*prep)
		if err != nil {
			t.Fatal(err)
		}
		if ra.Hash != rb.Hash || ra.Block.Header.StateRoot != rb.Block.Header.StateRoot {
			t.Fatalf("block %d: chains diverge", p.Height)
		}
		for i := range ra.Receipts {
			if !bytes.Equal(ra.Receipts[i].Encode(), rb.Receipts[i].Encode()) {
				t.Fatalf("block %d receipt %d differs", p.Height, i)
			}
		}
		if err := a.Commit(); err != nil {
			t.Fatal(err)
		}
		if err := b.Commit(); err != nil {
			t.Fatal(err)
		}
		if err := CheckSupply(a.State()); err != nil {
			t.Fatalf("block %d: %v", p.Height, err)
		}
		for _, k := range accts {
			if nonces[k.Public()] == 0 {
				nonces[k.Public()], _ = a.Nonce(k.Public())
			}
		}
	}
	if burned, _ := state.Burned(a.State()); burned == 0 {
		t.Fatal("no fees burned in 30 blocks")
	}
}

type testHook struct {
	failAt uint64
}

func (testHook) Name() string { return "test" }
func (h testHook) BeginBlock(ctx *BlockContext) error {
	if ctx.Height == h.failAt {
		return errors.New("boom")
	}
	ctx.State.Set(state.Key(state.PrefixEpoch, state.BE64(ctx.Height)), []byte{1})
	ctx.Emit("begin", block.Attr{Key: "height", Value: fmt.Sprint(ctx.Height)})
	return nil
}
func (testHook) EndBlock(*BlockContext) error { return nil }

func TestHooksWriteStateAndAbortBlocks(t *testing.T) {
	c := openChain(t, t.TempDir(), Options{Hooks: []Hook{testHook{failAt: 3}}})
	defer c.Close()
	plain := openChain(t, t.TempDir(), Options{})
	defer plain.Close()
	r1 := produce(t, c)
	r2 := produce(t, plain)
	if r1.Block.Header.StateRoot == r2.Block.Header.StateRoot {
		t.Fatal("hook writes did not change the state root")
	}
	if len(r1.Events) != 1 || r1.Events[0].Type != "begin" {
		t.Fatalf("events %+v", r1.Events)
	}
	if _, ok, _ := c.State().Get(state.Key(state.PrefixEpoch, state.BE64(1))); !ok {
		t.Fatal("hook write not committed")
	}
	if ev, err := c.BlockEvents(1); err != nil || !reflect.DeepEqual(ev, r1.Events) {
		t.Fatalf("stored block events %+v %v", ev, err)
	}
	if ev, err := plain.BlockEvents(1); err != nil || ev != nil {
		t.Fatalf("events of a hookless block: %+v %v", ev, err)
	}
	produce(t, c)
	h := c.Head().Header
	if _, err := c.FinalizeBlock(Proposal{Height: 3, Time: h.Time}); err == nil || !strings.Contains(err.Error(), "hook test") {
		t.Fatalf("failing hook: %v", err)
	}
	if c.Commit() == nil {
		t.Fatal("commit after a failed FinalizeBlock succeeded")
	}
	if c.Head().Header.Height != 2 {
		t.Fatal("head moved")
	}
}

func TestProposalChecks(t *testing.T) {
	c := openChain(t, t.TempDir(), Options{})
	defer c.Close()
	h := c.Head().Header
	for name, p := range map[string]Proposal{
		"height gap":     {Height: 2, Time: h.Time},
		"time goes back": {Height: 1, Time: h.Time - 1},
		"garbage tx":     {Height: 1, Time: h.Time, Txs: [][]byte{{0xde, 0xad}}},
	} {
		if err := c.ProcessProposal(p); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	// FinalizeBlock records an undecodable tx as invalid, without effect.
	res, err := c.FinalizeBlock(Proposal{Height: 1, Time: h.Time, Txs: [][]byte{{0xde, 0xad}}})
	if err != nil || res.Receipts[0].Status != block.StatusInvalid {
		t.Fatalf("%+v %v", res, err)
	}
}

func TestGenesisValidation(t *testing.T) {
	ok := DevGenesis(genesisTime, 250)
	for name, tc := range map[string]struct {
		mut  func(g *Genesis)
		want string
	}{
		"empty chain id":  {func(g *Genesis) { g.ChainID = "" }, "chainId"},
		"bad sudo":        {func(g *Genesis) { g.Sudo = "5xyz" }, "sudo"},
		"duplicate":       {func(g *Genesis) { g.Balances = append(g.Balances, g.Balances[0]) }, "twice"},
		"dust":            {func(g *Genesis) { g.Balances[0].Balance = 1 }, "existential"},
		"over cap":        {func(g *Genesis) { g.Balances[0].Balance = MaxSupply }, "cap"},
		"bad account":     {func(g *Genesis) { g.Balances[1].Account = "nope" }, "balances[1]"},
		"negative period": {func(g *Genesis) { g.BlockTimeMs = -1 }, "blockTimeMs"},
	} {
		g := *ok
		g.Balances = append([]GenesisBalance(nil), ok.Balances...)
		tc.mut(&g)
		if err := g.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want error containing %q", name, err, tc.want)
		}
	}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestEveryCallHasAHandler(t *testing.T) {
	for _, s := range tx.Specs() {
		if handlers[s.Kind] == nil {
			t.Errorf("call %s has no handler", s.Name)
		}
	}
}

func TestCheckSupplyDetectsImbalance(t *testing.T) {
	c := openChain(t, t.TempDir(), Options{})
	defer c.Close()
	if err := CheckSupply(c.State()); err != nil {
		t.Fatal(err)
	}
	o := state.NewOverlay(c.State())
	bal, _ := state.Balance(o, bob.Public())
	state.SetBalance(o, bob.Public(), bal+1) // TAO from nowhere
	if err := CheckSupply(o); err == nil || !strings.Contains(err.Error(), "issuance") {
		t.Fatalf("minted-from-nowhere not detected: %v", err)
	}
	state.SetBalance(o, bob.Public(), bal)
	state.SetBurned(o, 1) // burned without leaving a balance
	if err := CheckSupply(o); err == nil {
		t.Fatal("burn-from-nowhere not detected")
	}
}
