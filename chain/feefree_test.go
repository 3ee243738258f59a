package chain

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/taorun/taorun/chain/block"
	"github.com/taorun/taorun/chain/state"
	"github.com/taorun/taorun/chain/subnet"
	"github.com/taorun/taorun/chain/tx"
	"github.com/taorun/taorun/chain/types"
	"github.com/taorun/taorun/keys"
	"github.com/taorun/taorun/runtime"
)

// ffTx is one transaction of a fee-free test block: fee-free with fee tip
// (0 by default), or with paid a paying one (MinFee plus tip).
type ffTx struct {
	k    *keys.Keypair
	call tx.Call
	paid bool
	tip  uint64
	// invalid: the validity error the tx must be refused with (CheckTx when
	// first in its block, PrepareProposal's drop, FinalizeBlock's receipt),
	// which must also wrap cause when set. failed: the tx is included but
	// its call fails with this text. Neither: it succeeds.
	invalid, cause error
	failed         string
}

// ffBlock is one block of a case: after produce empty blocks until wait
// (when set) holds, the txs in order.
type ffBlock struct {
	wait func(c *Chain) bool
	txs  []ffTx
}

// ffCase is a scenario on a chain with the standard hooks: setup txs (each
// must succeed, paid, in its own block), then blocks, then check.
type ffCase struct {
	name   string
	module *hookModes // activate testdata/modhooks.wat.tmpl with these modes after setup
	setup  []signed
	blocks []ffBlock
	check  func(t *testing.T, c *Chain)
}

// sign signs txs with consecutive nonces per signer from c's committed ones.
func sign(t *testing.T, c *Chain, txs []ffTx) [][]byte {
	t.Helper()
	next := map[types.AccountID]uint64{}
	raws := make([][]byte, len(txs))
	for i, x := range txs {
		id := x.k.Public()
		if _, ok := next[id]; !ok {
			next[id] = nonce(t, c, x.k)
		}
		var s *tx.Tx
		if x.paid {
			s = tx.New(x.k, c.GenesisHash(), next[id], x.call, x.tip)
		} else {
			s = tx.NewWithFee(x.k, c.GenesisHash(), next[id], x.call, x.tip)
			if _, ok := tx.FeeFreeNetuid(s); !ok {
				t.Fatalf("%s with fee %d is not fee-free", tx.Name(x.call.Kind()), x.tip)
			}
		}
		next[id]++
		raws[i] = s.Encode()
	}
	return raws
}

// wantValidity checks a validity error against x's expectation.
func wantValidity(t *testing.T, what string, x ffTx, err error) {
	t.Helper()
	switch {
	case x.invalid == nil && err != nil:
		t.Fatalf("%s: %s refused: %v", what, tx.Name(x.call.Kind()), err)
	case x.invalid != nil && (!errors.Is(err, x.invalid) || (x.cause != nil && !errors.Is(err, x.cause))):
		t.Fatalf("%s: %s: error %v, want %v wrapping %v", what, tx.Name(x.call.Kind()), err, x.invalid, x.cause)
	}
}

// runFeeFree runs each case through real blocks on real pebble and checks,
// block by block: CheckTx of the block's first tx, the block builder
// (PrepareProposal drops exactly the invalid txs, with their errors), the
// consensus path (FinalizeBlock of the full proposal: receipts invalid,
// failed or successful as expected, a fee-free tx's receipt fee its tip),
// that a never-funded signer of a fee-free tx still has no balance record,
// and that the state equals that of a twin chain with the same history
// whose block holds only the valid txs (so invalid txs had no effect).
func runFeeFree(t *testing.T, cases []ffCase) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var code []byte
			if tc.module != nil {
				code = hookWasm(t, *tc.module)
			}
			var history [][]ffTx // the valid txs of every block after setup
			build := func() *Chain {
				var c *Chain
				if code != nil {
					c = moduleChain(t, runtime.EngineWazero)
				} else {
					c = openChain(t, t.TempDir(), Options{Hooks: StandardHooks()})
					t.Cleanup(func() { c.Close() })
				}
				for _, s := range tc.setup {
					mustSend(t, c, s)
				}
				if code != nil {
					activateModule(t, c, code)
				}
				for _, b := range history {
					produce(t, c, sign(t, c, b)...)
				}
				return c
			}
			c := build()
			for bi, b := range tc.blocks {
				for n := 0; b.wait != nil && !b.wait(c); n++ {
					if n == 100 {
						t.Fatalf("block %d: condition not reached in 100 blocks", bi)
					}
					produce(t, c)
					history = append(history, nil)
				}
				raws := sign(t, c, b.txs)
				before := stateDump(t, c)
				_, err := c.CheckTx(raws[0])
				wantValidity(t, "CheckTx", b.txs[0], err)

				head := c.Head().Header
				p := Proposal{Height: head.Height + 1, Time: head.Time + 250, Txs: raws}
				kept, dropped, err := c.PrepareProposal(p, 1<<30)
				if err != nil {
					t.Fatal(err)
				}
				var valid []ffTx
				var keptRaws [][]byte
				for i, x := range b.txs {
					if x.invalid == nil {
						valid, keptRaws = append(valid, x), append(keptRaws, raws[i])
						continue
					}
					var got error
					for _, d := range dropped {
						if d.Hash == types.Sum(raws[i]) {
							got = d.Err
						}
					}
					wantValidity(t, "PrepareProposal", x, got)
				}
				if !reflect.DeepEqual(kept.Txs, keptRaws) {
					t.Fatalf("block %d: the builder kept %d txs, want the %d valid ones", bi, len(kept.Txs), len(keptRaws))
				}

				res, err := c.FinalizeBlock(p)
				if err != nil {
					t.Fatal(err)
				}
				if err := c.Commit(); err != nil {
					t.Fatal(err)
				}
				after := stateDump(t, c)
				for i, x := range b.txs {
					rc := res.Receipts[i]
					name := tx.Name(x.call.Kind())
					switch {
					case x.invalid != nil:
						if rc.Status != block.StatusInvalid || !strings.Contains(rc.Error, x.invalid.Error()) {
							t.Fatalf("block %d: %s: %s (%q), want invalid with %q", bi, name, rc.Status, rc.Error, x.invalid)
						}
						continue
					case x.failed != "":
						if rc.Status != block.StatusFailed || !strings.Contains(rc.Error, x.failed) {
							t.Fatalf("block %d: %s: %s (%q), want failed with %q", bi, name, rc.Status, rc.Error, x.failed)
						}
					case rc.Status != block.StatusSuccess:
						t.Fatalf("block %d: %s: %s %s", bi, name, rc.Status, rc.Error)
					}
					if !x.paid && rc.Fee != x.tip {
						t.Fatalf("block %d: fee-free %s charged %d rao, want its tip %d", bi, name, rc.Fee, x.tip)
					}
					bk := string(state.BalanceKey(x.k.Public()))
					if _, funded := before[bk]; !funded && x.tip == 0 && !x.paid {
						if _, ok := after[bk]; ok {
							t.Fatalf("block %d: %s gave never-funded %s a balance record", bi, name, x.k.Public().SS58())
						}
					}
				}
				history = append(history, valid)
				if len(valid) < len(b.txs) {
					if d := diffKeys(stateDump(t, build()), after); len(d) != 0 {
						t.Fatalf("block %d: %d state keys differ from the chain without the invalid txs", bi, len(d))
					}
				}
			}
			if tc.check != nil {
				tc.check(t, c)
			}
			if err := CheckSupply(c.State()); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// weightsRow returns uid's stored weights row on subnet 1 as (uid, value) pairs.
func weightsRow(t *testing.T, c *Chain, uid uint16) []uint16 {
	t.Helper()
	rows, err := subnet.Metagraph(c.State(), 1)
	if err != nil {
		t.Fatal(err)
	}
	var out []uint16
	for _, w := range rows[uid].Weights {
		out = append(out, w.UID, w.Value)
	}
	return out
}

// wantAccount checks k's balance and nonce.
func wantAccount(t *testing.T, c *Chain, k *keys.Keypair, bal, n uint64) {
	t.Helper()
	if got, _ := c.Balance(k.Public()); got != bal {
		t.Fatalf("%s: balance %d, want %d", k.Public().SS58(), got, bal)
	}
	if got := nonce(t, c, k); got != n {
		t.Fatalf("%s: nonce %d, want %d", k.Public().SS58(), got, n)
	}
}

// TestFeeFreeCalls: registered hotkeys that never held TAO serve axons and
// set, commit and reveal weights with fee 0; everything that fails the
// calls' checks is refused before inclusion with no effect; paying txs
// behave as before.
func TestFeeFreeCalls(t *testing.T) {
	var ip [16]byte
	copy(ip[12:], []byte{10, 0, 0, 1})
	// Subnet 1 owned by Alice (her owner hotkey, uid 0, needs no permit),
	// Bob's hotkey uid 1; neither hotkey holds TAO. No rate limit,
	// commit-reveal off.
	base := []signed{subnetBase[0], subnetBase[1],
		{alice, tx.SudoSet{Netuid: 1, Param: "weights_rate_limit", Value: 0}},
		{alice, tx.SudoSet{Netuid: 1, Param: "commit_reveal_weights_enabled", Value: 0}}}
	// rateLimited: weights at most every 3 blocks (registration counts as
	// an update, and the setup's blocks let that pass).
	rateLimited := append(append([]signed{}, base...), signed{alice, tx.SudoSet{Netuid: 1, Param: "weights_rate_limit", Value: 3}})
	weights := func(uids ...uint16) tx.SetWeights {
		return tx.SetWeights{Netuid: 1, Uids: uids, Weights: make([]uint16, len(uids))}
	}
	w10 := tx.SetWeights{Netuid: 1, Uids: []uint16{1, 0}, Weights: []uint16{2, 1}}
	axon := tx.ServeAxon{Netuid: 1, IP: ip, Port: 8091, IPType: 4, Protocol: 4}
	salt := []uint16{7, 8}
	commit := tx.CommitWeights{Netuid: 1, Hash: subnet.CommitHash(aliceHot.Public(), 1, w10.Uids, w10.Weights, salt, 0)}
	reveal := tx.RevealWeights{Netuid: 1, Uids: w10.Uids, Weights: w10.Weights, Salt: salt}
	// commitReveal: commit-reveal on, tempo 5, no rate limit.
	commitReveal := append(append([]signed{}, base[:3]...), signed{alice, tx.SudoSet{Netuid: 1, Param: "tempo", Value: 5}})
	revealDue := func(c *Chain) bool {
		return subnet.AdmitRevealWeights(c.State(), aliceHot.Public(), 1, reveal.Uids, reveal.Weights, reveal.Salt, 0,
			c.Head().Header.Height+1) == nil
	}
	runFeeFree(t, []ffCase{
		{name: "unfunded hotkey sets weights", setup: base,
			blocks: []ffBlock{{txs: []ffTx{{k: aliceHot, call: w10}}}},
			check: func(t *testing.T, c *Chain) {
				if got := weightsRow(t, c, 0); !reflect.DeepEqual(got, []uint16{1, 65535, 0, 32768}) {
					t.Fatalf("stored row %v", got)
				}
				wantAccount(t, c, aliceHot, 0, 1)
			}},
		{name: "fee-free with a tip", setup: append(append([]signed{}, base...), signed{alice, tx.Transfer{To: aliceHot.Public(), Amount: RaoPerTAO}}),
			blocks: []ffBlock{{txs: []ffTx{{k: aliceHot, call: w10, tip: 5}}}},
			check:  func(t *testing.T, c *Chain) { wantAccount(t, c, aliceHot, RaoPerTAO-5, 1) }},
		{name: "tip the hotkey cannot pay", setup: base,
			blocks: []ffBlock{{txs: []ffTx{{k: aliceHot, call: w10, tip: 5, invalid: ErrUnknownAccount}}}}},
		{name: "unregistered key", setup: base,
			blocks: []ffBlock{{txs: []ffTx{{k: daveHot, call: w10, invalid: ErrFeeFreeRefused, cause: subnet.ErrNotRegistered}}}},
			check:  func(t *testing.T, c *Chain) { wantAccount(t, c, daveHot, 0, 0) }},
		{name: "registered elsewhere only", setup: base,
			blocks: []ffBlock{{txs: []ffTx{{k: aliceHot, call: tx.SetWeights{Netuid: 2, Uids: []uint16{0}, Weights: []uint16{1}},
				invalid: ErrFeeFreeRefused, cause: subnet.ErrNoSubnet}}}}},
		{name: "rate-limited second set_weights", setup: rateLimited,
			blocks: []ffBlock{{txs: []ffTx{{k: aliceHot, call: w10}}},
				{txs: []ffTx{{k: aliceHot, call: weights(1), invalid: ErrFeeFreeRefused, cause: subnet.ErrRateLimited}}}},
			check: func(t *testing.T, c *Chain) {
				if got := weightsRow(t, c, 0); !reflect.DeepEqual(got, []uint16{1, 65535, 0, 32768}) {
					t.Fatalf("stored row %v: the rate-limited weights must not land", got)
				}
				wantAccount(t, c, aliceHot, 0, 1)
			}},
		{name: "one fee-free tx per signer and subnet per block", setup: base,
			blocks: []ffBlock{{txs: []ffTx{{k: aliceHot, call: w10}, {k: aliceHot, call: weights(1), invalid: ErrFeeFreeRefused}}},
				{txs: []ffTx{{k: aliceHot, call: weights(1)}, {k: bobHot, call: axon}}}},
			check: func(t *testing.T, c *Chain) { wantAccount(t, c, aliceHot, 0, 2) }},
		{name: "chain checks refuse before inclusion", setup: base,
			blocks: []ffBlock{{txs: []ffTx{{k: bobHot, call: weights(0), invalid: ErrFeeFreeRefused, cause: subnet.ErrWeights}}}}},
		{name: "paying txs as before", setup: append(append([]signed{}, rateLimited...), signed{alice, tx.Transfer{To: aliceHot.Public(), Amount: RaoPerTAO}},
			signed{bob, tx.Transfer{To: bobHot.Public(), Amount: RaoPerTAO}}),
			blocks: []ffBlock{{txs: []ffTx{{k: aliceHot, call: w10, paid: true}, {k: bobHot, call: weights(0), paid: true, failed: "no validator permit"}}},
				{txs: []ffTx{{k: aliceHot, call: weights(1), paid: true, failed: subnet.ErrRateLimited.Error()}}}},
			check: func(t *testing.T, c *Chain) {
				for _, k := range []*keys.Keypair{aliceHot, bobHot} {
					if bal, _ := c.Balance(k.Public()); bal >= RaoPerTAO {
						t.Fatalf("%s paid no fee", k.Public().SS58())
					}
				}
			}},
		{name: "serve axon", setup: base,
			blocks: []ffBlock{{txs: []ffTx{{k: bobHot, call: axon}}},
				{txs: []ffTx{{k: bobHot, call: axon, invalid: ErrFeeFreeRefused, cause: subnet.ErrRateLimited}}}},
			check: func(t *testing.T, c *Chain) {
				rows, _ := subnet.Metagraph(c.State(), 1)
				if rows[1].Axon.Port != 8091 {
					t.Fatalf("axon %+v", rows[1].Axon)
				}
				wantAccount(t, c, bobHot, 0, 1)
			}},
		{name: "commit and reveal", setup: commitReveal,
			blocks: []ffBlock{
				{txs: []ffTx{{k: aliceHot, call: reveal, invalid: ErrFeeFreeRefused, cause: subnet.ErrCommitReveal}}},
				{txs: []ffTx{{k: aliceHot, call: w10, invalid: ErrFeeFreeRefused, cause: subnet.ErrCommitReveal}}},
				{txs: []ffTx{{k: aliceHot, call: commit}}},
				{txs: []ffTx{{k: aliceHot, call: reveal, invalid: ErrFeeFreeRefused, cause: subnet.ErrCommitReveal}}}, // too early
				{wait: revealDue, txs: []ffTx{{k: aliceHot, call: tx.RevealWeights{Netuid: 1, Uids: reveal.Uids, Weights: reveal.Weights,
					Salt: []uint16{9}}, invalid: ErrFeeFreeRefused, cause: subnet.ErrCommitReveal}}}, // wrong salt
				{txs: []ffTx{{k: aliceHot, call: reveal}}},
			},
			check: func(t *testing.T, c *Chain) {
				if got := weightsRow(t, c, 0); !reflect.DeepEqual(got, []uint16{1, 65535, 0, 32768}) {
					t.Fatalf("revealed row %v", got)
				}
				wantAccount(t, c, aliceHot, 0, 2)
			}},
		{name: "commit rate limited", setup: append(append([]signed{}, commitReveal...), signed{alice, tx.SudoSet{Netuid: 1, Param: "weights_rate_limit", Value: 100}}),
			blocks: []ffBlock{{txs: []ffTx{{k: aliceHot, call: commit}}},
				{txs: []ffTx{{k: aliceHot, call: commit, invalid: ErrFeeFreeRefused, cause: subnet.ErrRateLimited}}}}},
		{name: "module hook fee waived", module: &hookModes{weights: 1}, setup: base,
			blocks: []ffBlock{{txs: []ffTx{{k: aliceHot, call: weights(1)}}}},
			check: func(t *testing.T, c *Chain) {
				if v, ok := moduleStorage(t, c, "w"); !ok || v != "v" {
					t.Fatalf("module storage w = %q %v: the hook did not run", v, ok)
				}
				wantAccount(t, c, aliceHot, 0, 1)
			}},
		{name: "module rejects a fee-free call", module: &hookModes{weights: 1}, setup: base,
			blocks: []ffBlock{{txs: []ffTx{{k: aliceHot, call: w10, failed: "no weights on uid 0"}}}},
			check: func(t *testing.T, c *Chain) {
				if _, ok := moduleStorage(t, c, "w"); ok {
					t.Fatal("the rejected call's module storage write was kept")
				}
				if got := weightsRow(t, c, 0); len(got) != 0 {
					t.Fatalf("rejected weights stored: %v", got)
				}
				wantAccount(t, c, aliceHot, 0, 1) // the nonce is consumed, nothing paid
			}},
	})
}

// TestEveryFeeFreeCallHasAnAdmission: the call table's FeeFree column and
// the admissions table agree both ways.
func TestEveryFeeFreeCallHasAnAdmission(t *testing.T) {
	n := 0
	for _, s := range tx.Specs() {
		if (s.FeeFree != nil) != (admissions[s.Kind] != nil) {
			t.Errorf("call %s: FeeFree set %v, admission present %v", s.Name, s.FeeFree != nil, admissions[s.Kind] != nil)
		}
		if s.FeeFree != nil {
			n++
		}
	}
	if n != len(admissions) || n != 4 {
		t.Fatalf("%d fee-free calls, %d admissions; want serve_axon and the three weights calls", n, len(admissions))
	}
}
