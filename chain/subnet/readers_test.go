package subnet

import (
	"cmp"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/taorun/taorun/chain/state"
	"github.com/taorun/taorun/chain/types"
	"github.com/taorun/taorun/consensus"
	"github.com/taorun/taorun/consensus/fixed"
)

// TestEpochReaders runs a subnet through blocks and two epochs, committing
// every block to pebble, and checks what GetEpochState, GetPendingEmission
// and MovingPrice read back from the store against the rules that wrote it:
// the epoch schedule, the per-block alpha split (§3.4) and the moving-price
// EMA (§3.5). With root stake and the root sell flag the root share
// accumulates too.
func TestEpochReaders(t *testing.T) {
	for _, tc := range []struct {
		name     string
		rootSell bool
	}{
		{"no_root_stake", false},
		{"root_sell", true},
	} {
		t.Run(tc.name, func(t *testing.T) { epochReaders(t, tc.rootSell) })
	}
}

func epochReaders(t *testing.T, rootSell bool) {
	const tempo = 10
	e := newEnv(t)
	netuid := e.newSubnet("owner", "ownerhot", 1)
	e.sudoSet(netuid, "tempo", tempo)
	if rootSell {
		e.fund(acct("vcold"), 1_000*RaoPerTao)
		must(BurnedRegister(e.o, acct("vcold"), acct("val"), netuid, 1))
		must(AddStake(e.o, acct("vcold"), acct("val"), RootNetuid, 500*RaoPerTao))
		// Σ moving prices > 1 sets the root sell flag.
		e.read().setMovingPrice(netuid, fixed.U64FromUint(2))
	}
	e.commit()

	info, ok, err := Owner(e.store, netuid)
	if err != nil || !ok {
		t.Fatalf("subnet %d: ok %v, %v", netuid, ok, err)
	}
	// Created at block 1 with the default tempo, its first "last epoch" is
	// the creation block less its stagger (netuid mod tempo).
	defTempo, _ := LookupParam("tempo")
	want := EpochState{LastEpoch: satSub(info.RegisteredAt, uint64(netuid)%defTempo.Default)}
	if got := must(GetEpochState(e.store, netuid)); got != want {
		t.Fatalf("epoch state after creation %+v, want %+v", got, want)
	}
	var pend PendingEmission
	price := must(MovingPrice(e.store, netuid))
	epochs := 0
	for h := uint64(2); epochs < 2; h++ {
		before := must(GetPool(e.store, netuid))
		protocolBefore := e.read().u64(epochKey(netuid, epProtocolAlpha))
		e.step(h, h)
		e.commit()

		epoch := h-want.LastEpoch >= tempo
		if epoch {
			epochs++
			want = EpochState{LastEpoch: h, SinceStep: 0, Index: want.Index + 1}
		} else {
			want.SinceStep++
		}
		if got := must(GetEpochState(e.store, netuid)); got != want {
			t.Fatalf("block %d: epoch state %+v, want %+v", h, got, want)
		}

		got := must(GetPendingEmission(e.store, netuid))
		after := must(GetPool(e.store, netuid))
		switch {
		case epoch:
			if got != (PendingEmission{}) {
				t.Fatalf("block %d: the epoch left pending %+v", h, got)
			}
		default:
			// The owner cut, then half of the rest to miners (§3.4 item 7).
			alphaEm := fixed.U96FromUint(consensus.BlockEmission(before.AlphaIn + before.AlphaOut))
			owner := alphaEm.SatMul(ownerCutFrac)
			server := alphaEm.SatSub(owner).SatMul(u96Half)
			if got.Owner-pend.Owner != owner.SatToU64() || got.Server-pend.Server != server.SatToU64() {
				t.Fatalf("block %d: pending owner +%d server +%d, want +%d +%d", h, got.Owner-pend.Owner,
					got.Server-pend.Server, owner.SatToU64(), server.SatToU64())
			}
			if rootSell != (got.Root > pend.Root) || got.Validator <= pend.Validator {
				t.Fatalf("block %d (root sell %v): pending root %d → %d, validator %d → %d", h, rootSell,
					pend.Root, got.Root, pend.Validator, got.Validator)
			}
			// All alpha the block put out is pending or held by the protocol.
			added := got.Server + got.Validator + got.Root + got.Owner - (pend.Server + pend.Validator + pend.Root + pend.Owner)
			protocol := e.read().u64(epochKey(netuid, epProtocolAlpha)) - protocolBefore
			if after.AlphaOut-before.AlphaOut != added+protocol {
				t.Fatalf("block %d: alpha out +%d, pending +%d and protocol +%d", h, after.AlphaOut-before.AlphaOut, added, protocol)
			}
		}
		pend = got

		spot := fixed.U64FromUint(after.TAO).SafeDiv(fixed.U64FromUint(after.AlphaIn))
		// Stored as I96F32: fraction bits below 2^-32 are dropped.
		price = NextMovingPrice(price, spot, DefaultMovingAlpha, h-info.RegisteredAt+1).SatToI96F32().SatToU64F64()
		if got := must(MovingPrice(e.store, netuid)); got != price {
			t.Fatalf("block %d: moving price %v, want %v", h, got, price)
		}
		if h > 100 {
			t.Fatalf("no two epochs by block %d", h)
		}
	}
	if price.IsZero() {
		t.Fatal("moving price never moved")
	}
}

// TestColdkeyStakes stakes from several coldkeys to several hotkeys on a
// subnet and root, through AddStake and RemoveStake, and checks that
// ColdkeyStakes returns exactly each coldkey's stakes by hotkey then netuid,
// with the alpha the operations credited, and none of the other records
// kept under the stake prefix (owner, take, totals, nominator index).
func TestColdkeyStakes(t *testing.T) {
	type op struct {
		coldkey, hotkey string
		netuid          uint16
		tao             uint64 // add stake (rao); 0: remove all of it
	}
	ops := []op{
		{"c1", "h2", 1, 30 * RaoPerTao},
		{"c1", "h1", 1, 10 * RaoPerTao},
		{"c1", "h1", RootNetuid, 5 * RaoPerTao},
		{"c2", "h1", 1, 7 * RaoPerTao},
		{"c1", "h1", 1, 4 * RaoPerTao}, // a second stake on the same (hotkey, netuid) adds up
		{"c2", "h2", RootNetuid, 3 * RaoPerTao},
		{"c2", "h2", RootNetuid, 0}, // removed entirely: gone from the list
		{"c3", "h2", 1, 2 * RaoPerTao},
	}
	e := newEnv(t)
	netuid := e.newSubnet("owner", "ownerhot", 1)
	if netuid != 1 {
		t.Fatalf("netuid %d, want 1", netuid)
	}
	e.sudoSet(netuid, "max_registrations_per_block", 10)
	for _, c := range []string{"c1", "c2", "c3", "hc"} {
		e.fund(acct(c), 1_000*RaoPerTao)
	}
	for _, h := range []string{"h1", "h2"} {
		must(BurnedRegister(e.o, acct("hc"), acct(h), netuid, 1))
	}
	if err := SetDelegateTake(e.o, acct("hc"), acct("h1"), 1000); err != nil {
		t.Fatal(err)
	}
	type at struct {
		cold, hot types.AccountID
		netuid    uint16
	}
	held := map[at]uint64{}
	for _, o := range ops {
		k := at{acct(o.coldkey), acct(o.hotkey), o.netuid}
		if o.tao == 0 {
			must(RemoveStake(e.o, k.cold, k.hot, k.netuid, held[k]))
			delete(held, k)
			continue
		}
		held[k] += must(AddStake(e.o, k.cold, k.hot, k.netuid, o.tao))
	}
	e.commit()

	for _, c := range []string{"c1", "c2", "c3", "hc", "nobody"} {
		var want []ColdkeyStake
		for k, alpha := range held {
			if k.cold == acct(c) {
				want = append(want, ColdkeyStake{Hotkey: k.hot, Netuid: k.netuid, Alpha: alpha})
			}
		}
		slices.SortFunc(want, func(a, b ColdkeyStake) int {
			return cmp.Or(cmpAccount(a.Hotkey, b.Hotkey), cmp.Compare(a.Netuid, b.Netuid))
		})
		got := must(ColdkeyStakes(e.store, acct(c)))
		if !slices.Equal(got, want) {
			t.Fatalf("%s: stakes %+v, want %+v", c, got, want)
		}
		for _, s := range got {
			if a := must(Stake(e.store, s.Hotkey, acct(c), s.Netuid)); a != s.Alpha || a == 0 {
				t.Fatalf("%s: listed %d alpha on (%s, %d), Stake reads %d", c, s.Alpha, s.Hotkey.SS58(), s.Netuid, a)
			}
		}
	}
	if got := must(ColdkeyStakes(e.store, acct("c1"))); len(got) != 3 {
		t.Fatalf("c1 has %d stakes, want 3 (h1 on root and 1, h2 on 1)", len(got))
	}
}

// TestReadersAbsentAndCorrupt checks the readers on a subnet that does not
// exist (zero values, as GetPool) and on corrupt records (an error that
// names the key, never a guessed value).
func TestReadersAbsentAndCorrupt(t *testing.T) {
	e := newEnv(t)
	netuid := e.newSubnet("owner", "ownerhot", 1)
	e.commit()
	if got := must(GetEpochState(e.store, 7)); got != (EpochState{}) {
		t.Fatalf("epoch state of a missing subnet %+v", got)
	}
	if got := must(GetPendingEmission(e.store, 7)); got != (PendingEmission{}) {
		t.Fatalf("pending emission of a missing subnet %+v", got)
	}
	if got := must(MovingPrice(e.store, 7)); !got.IsZero() {
		t.Fatalf("moving price of a missing subnet %v", got)
	}

	stakeAt := stakeKey(acct("hot"), acct("cold"), netuid)
	for _, tc := range []struct {
		name    string
		key     []byte
		value   []byte
		read    func(r state.Reader) error
		corrupt bool // wraps ErrCorrupt (else the state layer's length error)
	}{
		{"epoch index", epochKey(netuid, epIndex), []byte{1, 2, 3},
			func(r state.Reader) error { _, err := GetEpochState(r, netuid); return err }, false},
		{"pending owner", epochKey(netuid, epPendOwner), make([]byte, 9),
			func(r state.Reader) error { _, err := GetPendingEmission(r, netuid); return err }, false},
		{"moving price", poolKey(netuid, poolMoving), make([]byte, 8),
			func(r state.Reader) error { _, err := MovingPrice(r, netuid); return err }, true},
		{"stake", stakeAt, make([]byte, 5),
			func(r state.Reader) error { _, err := ColdkeyStakes(r, acct("cold")); return err }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := state.NewOverlay(e.store)
			o.Set(tc.key, tc.value)
			err := tc.read(o)
			if err == nil || errors.Is(err, ErrCorrupt) != tc.corrupt {
				t.Fatalf("error %v, want one (ErrCorrupt: %v)", err, tc.corrupt)
			}
			if tc.corrupt && !strings.Contains(err.Error(), "bytes") {
				t.Fatalf("error %q does not say what is wrong", err)
			}
		})
	}
}
