package chain

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/taorun/taorun/chain/block"
	"github.com/taorun/taorun/chain/state"
	"github.com/taorun/taorun/chain/subnet"
	"github.com/taorun/taorun/chain/tx"
	"github.com/taorun/taorun/keys"
)

// signed is a call and its signer.
type signed struct {
	k    *keys.Keypair
	call tx.Call
}

// callCase is one call run through real blocks by runCallCases: after its
// setup succeeds, call either fails with err (and changes only the signer's
// balance and nonce and the burned total) or succeeds with exactly one event
// of type event and passes check.
type callCase struct {
	name  string
	setup []signed
	call  signed
	err   error  // nil: success
	event string // on success
	check func(t *testing.T, c *Chain, rc *block.Receipt)
}

// runCallCases runs each case on a fresh chain (no hooks, so the only writes
// are the transactions') and checks the supply invariant and the alpha
// bookkeeping after it.
func runCallCases(t *testing.T, cases []callCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := openChain(t, t.TempDir(), Options{})
			defer c.Close()
			for i, s := range tc.setup {
				rc := produce(t, c, tx.New(s.k, c.GenesisHash(), nonce(t, c, s.k), s.call, 0).Encode()).Receipts[0]
				if rc.Status != block.StatusSuccess {
					t.Fatalf("setup %d (%s): %s %s", i, tx.Name(s.call.Kind()), rc.Status, rc.Error)
				}
			}
			before := stateDump(t, c)
			x := tx.New(tc.call.k, c.GenesisHash(), nonce(t, c, tc.call.k), tc.call.call, 0)
			rc := produce(t, c, x.Encode()).Receipts[0]
			switch {
			case tc.err != nil:
				if rc.Status != block.StatusFailed || !strings.Contains(rc.Error, tc.err.Error()) {
					t.Fatalf("status %s (%q), want failed with %q", rc.Status, rc.Error, tc.err)
				}
				want := map[string]bool{string(state.BalanceKey(x.Signer)): true,
					string(state.NonceKey(x.Signer)): true, string(state.KeyBurned): true}
				if d := diffKeys(before, stateDump(t, c)); !reflect.DeepEqual(d, want) {
					t.Fatalf("failed call changed %d keys, want exactly fee, nonce and burned", len(d))
				}
			default:
				if rc.Status != block.StatusSuccess || len(rc.Events) != 1 || rc.Events[0].Type != tc.event {
					t.Fatalf("status %s (%s), events %+v; want success with %s", rc.Status, rc.Error, rc.Events, tc.event)
				}
				if tc.check != nil {
					tc.check(t, c, rc)
				}
			}
			if err := CheckSupply(c.State()); err != nil {
				t.Fatal(err)
			}
			if err := subnet.CheckAlpha(c.State()); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func hotkeyOf(name string) *keys.Keypair {
	k, err := keys.FromURI("//" + name + "//hotkey")
	if err != nil {
		panic(err)
	}
	return k
}

var (
	aliceHot   = hotkeyOf("Alice")
	bobHot     = hotkeyOf("Bob")
	daveHot    = hotkeyOf("Dave")
	poor       = hotkeyOf("Poor")
	subnetBase = []signed{ // subnet 1 owned by Alice; Bob registered and staked
		{alice, tx.CreateSubnet{Hotkey: aliceHot.Public()}},
		{bob, tx.BurnedRegister{Netuid: 1, Hotkey: bobHot.Public()}},
		{bob, tx.AddStake{Hotkey: bobHot.Public(), Netuid: 1, Amount: 100 * RaoPerTAO}},
	}
	// weightsBase is subnet 1 with Bob registered, Alice's owner hotkey
	// funded for fees and commit-reveal off.
	weightsBase = []signed{subnetBase[0], subnetBase[1],
		{alice, tx.Transfer{To: aliceHot.Public(), Amount: RaoPerTAO}},
		{alice, tx.SudoSet{Netuid: 1, Param: "weights_rate_limit", Value: 0}},
		{alice, tx.SudoSet{Netuid: 1, Param: "commit_reveal_weights_enabled", Value: 0}}}
	// fundBobHot registers Bob's hotkey on subnet 1 and gives it TAO for fees.
	fundBobHot = append(append([]signed{}, subnetBase[:2]...), signed{bob, tx.Transfer{To: bobHot.Public(), Amount: RaoPerTAO}})
)

// TestSubnetCalls runs each subnet, staking and weights call through real
// blocks (no hooks, so the only writes are the tx's): a success emits its
// event and passes its check; a failure is included, pays its fee and bumps
// the nonce, and changes nothing else. Supply and alpha invariants hold after
// every case.
func TestSubnetCalls(t *testing.T) {
	var ip [16]byte
	copy(ip[12:], []byte{10, 0, 0, 1})
	runCallCases(t, []callCase{
		{name: "create subnet", call: signed{alice, tx.CreateSubnet{Hotkey: aliceHot.Public()}}, event: EventSubnetCreated,
			check: func(t *testing.T, c *Chain, rc *block.Receipt) {
				info, ok, err := subnet.Owner(c.State(), 1)
				if err != nil || !ok || info.OwnerColdkey != alice.Public() || info.OwnerHotkey != aliceHot.Public() {
					t.Fatalf("subnet 1: %+v %v %v", info, ok, err)
				}
				if a := rc.Events[0].Attrs; a[0].Value != "1" || a[3].Value != "1000000000000" {
					t.Fatalf("event %+v: want netuid 1, lock 1000 TAO", a)
				}
			}},
		{name: "create subnet without funds", setup: []signed{{alice, tx.Transfer{To: poor.Public(), Amount: 10 * RaoPerTAO}}},
			call: signed{poor, tx.CreateSubnet{Hotkey: daveHot.Public()}}, err: subnet.ErrInsufficientBalance},
		{name: "create subnet rate limited", setup: subnetBase[:1], call: signed{bob, tx.CreateSubnet{Hotkey: bobHot.Public()}}, err: subnet.ErrRateLimited},
		{name: "sudo set", setup: subnetBase[:1], call: signed{alice, tx.SudoSet{Netuid: 1, Param: "tempo", Value: 10}}, event: EventHyperparameterSet,
			check: func(t *testing.T, c *Chain, _ *block.Receipt) {
				if v, err := subnet.GetParam(c.State(), 1, "tempo"); err != nil || v != 10 {
					t.Fatalf("tempo %d %v", v, err)
				}
			}},
		{name: "sudo set by non-sudo", setup: subnetBase[:1], call: signed{bob, tx.SudoSet{Netuid: 1, Param: "tempo", Value: 10}}, err: ErrNotSudo},
		{name: "owner sets owner param", setup: subnetBase[:1], call: signed{alice, tx.SetHyperparameter{Netuid: 1, Param: "immunity_period", Value: 7}},
			event: EventHyperparameterSet},
		{name: "owner sets sudo-only param", setup: subnetBase[:1], call: signed{alice, tx.SetHyperparameter{Netuid: 1, Param: "tempo", Value: 7}},
			err: subnet.ErrParamNotSettable},
		{name: "non-owner sets param", setup: subnetBase[:1], call: signed{bob, tx.SetHyperparameter{Netuid: 1, Param: "immunity_period", Value: 7}},
			err: subnet.ErrNotOwner},
		{name: "unknown param", setup: subnetBase[:1], call: signed{alice, tx.SudoSet{Netuid: 1, Param: "nope", Value: 1}}, err: subnet.ErrUnknownParam},
		{name: "register", setup: subnetBase[:1], call: signed{bob, tx.BurnedRegister{Netuid: 1, Hotkey: bobHot.Public()}}, event: EventNeuronRegistered,
			check: func(t *testing.T, c *Chain, rc *block.Receipt) {
				if a := rc.Events[0].Attrs; a[1].Value != "1" || a[4].Value != "1000000000" {
					t.Fatalf("event %+v: want uid 1, burn 1 TAO", a)
				}
			}},
		{name: "register on missing subnet", call: signed{bob, tx.BurnedRegister{Netuid: 9, Hotkey: bobHot.Public()}}, err: subnet.ErrNoSubnet},
		{name: "register twice", setup: subnetBase[:2], call: signed{bob, tx.BurnedRegister{Netuid: 1, Hotkey: bobHot.Public()}}, err: subnet.ErrAlreadyRegistered},
		{name: "register someone else's hotkey", setup: subnetBase[:2], call: signed{dave, tx.BurnedRegister{Netuid: 1, Hotkey: bobHot.Public()}},
			err: subnet.ErrAlreadyRegistered},
		{name: "serve axon", setup: fundBobHot, call: signed{bobHot, tx.ServeAxon{Netuid: 1, IP: ip, Port: 8091, IPType: 4, Protocol: 4}},
			event: EventAxonServed, check: func(t *testing.T, c *Chain, rc *block.Receipt) {
				if a := rc.Events[0].Attrs; a[2].Value != "10.0.0.1" || a[3].Value != "8091" {
					t.Fatalf("event %+v", a)
				}
			}},
		{name: "serve axon unregistered", setup: fundBobHot[2:], call: signed{bobHot, tx.ServeAxon{Netuid: 1, IP: ip, Port: 8091, IPType: 4, Protocol: 4}},
			err: subnet.ErrNotRegistered},
		{name: "serve axon port 0", setup: fundBobHot, call: signed{bobHot, tx.ServeAxon{Netuid: 1, IP: ip, IPType: 4, Protocol: 4}},
			err: subnet.ErrBadAxon},
		{name: "add stake", setup: subnetBase[:2], call: signed{bob, tx.AddStake{Hotkey: bobHot.Public(), Netuid: 1, Amount: 10 * RaoPerTAO}},
			event: EventStakeAdded, check: func(t *testing.T, c *Chain, _ *block.Receipt) {
				if a, _ := subnet.Stake(c.State(), bobHot.Public(), bob.Public(), 1); a == 0 {
					t.Fatal("no alpha credited")
				}
			}},
		{name: "add stake below minimum", setup: subnetBase[:2], call: signed{bob, tx.AddStake{Hotkey: bobHot.Public(), Netuid: 1, Amount: 1}},
			err: subnet.ErrStakeTooLow},
		{name: "add stake unknown hotkey", setup: subnetBase[:1], call: signed{bob, tx.AddStake{Hotkey: bobHot.Public(), Netuid: 1, Amount: 10 * RaoPerTAO}},
			err: subnet.ErrHotkeyUnknown},
		{name: "remove stake", setup: subnetBase, call: signed{bob, tx.RemoveStake{Hotkey: bobHot.Public(), Netuid: 1, Amount: RaoPerTAO}},
			event: EventStakeRemoved},
		{name: "remove more than staked", setup: subnetBase, call: signed{bob, tx.RemoveStake{Hotkey: bobHot.Public(), Netuid: 1, Amount: 1 << 62}},
			err: subnet.ErrInsufficientStake},
		{name: "move stake", setup: subnetBase, call: signed{bob, tx.MoveStake{FromHotkey: bobHot.Public(), ToHotkey: aliceHot.Public(), FromNetuid: 1, ToNetuid: 1, Amount: RaoPerTAO}},
			event: EventStakeMoved, check: func(t *testing.T, c *Chain, _ *block.Receipt) {
				if a, _ := subnet.Stake(c.State(), aliceHot.Public(), bob.Public(), 1); a != RaoPerTAO {
					t.Fatalf("moved alpha %d", a)
				}
			}},
		{name: "owner sets weights", setup: weightsBase, call: signed{aliceHot, tx.SetWeights{Netuid: 1, Uids: []uint16{1, 0}, Weights: []uint16{2, 1}}},
			event: EventWeightsSet},
		{name: "weights without permit", setup: append(append([]signed{}, weightsBase...), signed{bob, tx.Transfer{To: bobHot.Public(), Amount: RaoPerTAO}}),
			call: signed{bobHot, tx.SetWeights{Netuid: 1, Uids: []uint16{0}, Weights: []uint16{1}}}, err: subnet.ErrWeights},
		{name: "weights on commit-reveal subnet", setup: weightsBase[:3], call: signed{aliceHot, tx.SetWeights{Netuid: 1, Uids: []uint16{1}, Weights: []uint16{1}}},
			err: subnet.ErrCommitReveal},
		{name: "weights with duplicate uids", setup: weightsBase, call: signed{aliceHot, tx.SetWeights{Netuid: 1, Uids: []uint16{1, 1}, Weights: []uint16{1, 1}}},
			err: subnet.ErrWeights},
		{name: "commit weights", setup: weightsBase[:3], call: signed{aliceHot, tx.CommitWeights{Netuid: 1,
			Hash: subnet.CommitHash(aliceHot.Public(), 1, []uint16{1}, []uint16{1}, []uint16{7}, 0)}}, event: EventWeightsCommitted},
		{name: "reveal too early", setup: append(append([]signed{}, weightsBase[:3]...), signed{aliceHot, tx.CommitWeights{Netuid: 1,
			Hash: subnet.CommitHash(aliceHot.Public(), 1, []uint16{1}, []uint16{1}, []uint16{7}, 0)}}),
			call: signed{aliceHot, tx.RevealWeights{Netuid: 1, Uids: []uint16{1}, Weights: []uint16{1}, Salt: []uint16{7}}}, err: subnet.ErrCommitReveal},
		{name: "set delegate take", setup: subnetBase[:2], call: signed{bob, tx.SetDelegateTake{Hotkey: bobHot.Public(), Take: 100}}, event: EventDelegateTakeSet},
		{name: "set delegate take of another's hotkey", setup: subnetBase[:2], call: signed{alice, tx.SetDelegateTake{Hotkey: bobHot.Public(), Take: 100}},
			err: subnet.ErrHotkeyOwned},
	})
}

// TestSubnetHookEmission runs the standard hooks over a live subnet: every
// block keeps the supply and alpha invariants, issuance grows by what the
// coinbase put into the pool, and epochs run every tempo, each reported once
// to Options.EpochObserver.
func TestSubnetHookEmission(t *testing.T) {
	var observed []uint16 // netuids, one per epoch run
	c := openChain(t, t.TempDir(), Options{Hooks: StandardHooks(),
		EpochObserver: func(netuid uint16, _ time.Duration) { observed = append(observed, netuid) }})
	defer c.Close()
	// Root stake, so that both tao_in (capped by root's share) and the chain
	// buy of the rest of the TAO emission run (§3.4 items 5–6).
	steps := append(append([]signed{}, subnetBase...), signed{alice, tx.SudoSet{Netuid: 1, Param: "tempo", Value: 5}},
		signed{bob, tx.AddStake{Hotkey: bobHot.Public(), Netuid: 0, Amount: 1_000 * RaoPerTAO}})
	for _, s := range steps {
		if rc := produce(t, c, tx.New(s.k, c.GenesisHash(), nonce(t, c, s.k), s.call, 0).Encode()).Receipts[0]; rc.Status != block.StatusSuccess {
			t.Fatalf("%s: %s", tx.Name(s.call.Kind()), rc.Error)
		}
	}
	iss0, _ := state.TotalIssuance(c.State())
	pool0, _ := subnet.GetPool(c.State(), 1)
	epochs := map[uint64]bool{}
	for range 40 { // the moving price (and so emission) starts ~16 blocks after creation
		before := len(observed)
		produce(t, c)
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
		epochs[in.LastMechanismStepBlock] = true
		ran := in.LastMechanismStepBlock == c.Head().Header.Height
		if got := observed[before:]; ran != (len(got) == 1) || len(got) > 1 || (ran && got[0] != 1) {
			t.Fatalf("block %d (epoch ran: %v): observer saw epochs of netuids %v", c.Head().Header.Height, ran, got)
		}
	}
	iss, _ := state.TotalIssuance(c.State())
	pool, _ := subnet.GetPool(c.State(), 1)
	if iss <= iss0 || iss-iss0 != pool.TAO-pool0.TAO {
		t.Fatalf("issuance %d → %d, pool TAO %d → %d: the coinbase must mint exactly what enters the pool", iss0, iss, pool0.TAO, pool.TAO)
	}
	if len(epochs) < 8 {
		t.Fatalf("epochs at %v over 40 blocks with tempo 5", epochs)
	}
}

// TestViewIsConsistent checks that a View keeps the state and height of the
// moment it was opened while blocks commit.
func TestViewIsConsistent(t *testing.T) {
	c := openChain(t, t.TempDir(), Options{})
	defer c.Close()
	produce(t, c, tx.New(alice, c.GenesisHash(), 0, tx.CreateSubnet{Hotkey: aliceHot.Public()}, 0).Encode())
	v, err := c.View()
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	produce(t, c, tx.New(bob, c.GenesisHash(), 0, tx.BurnedRegister{Netuid: 1, Hotkey: bobHot.Public()}, 0).Encode())
	if v.Height != 1 || c.Head().Header.Height != 2 {
		t.Fatalf("view at %d, head %d", v.Height, c.Head().Header.Height)
	}
	old, err := ViewNeurons(v, 1, v.Height)
	if err != nil || len(old) != 1 {
		t.Fatalf("view sees %d neurons (%v), want the 1 of block 1", len(old), err)
	}
	now, err := ViewNeurons(c.State(), 1, 2)
	if err != nil || len(now) != 2 || now[1].Hotkey != bobHot.Public() {
		t.Fatalf("committed state has %d neurons (%v)", len(now), err)
	}
	sv, ok, err := ViewSubnet(v, 1)
	if err != nil || !ok || sv.N != 1 || sv.Pool.TAO != 1_000*RaoPerTAO || sv.SpotPriceE9() != RaoPerTAO || sv.Burn != RaoPerTAO {
		t.Fatalf("subnet view %+v %v %v", sv, ok, err)
	}
}
