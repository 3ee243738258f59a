package subnet

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/taorun/taorun/chain/state"
	"github.com/taorun/taorun/chain/types"
	"github.com/taorun/taorun/consensus"
)

// childFixture is a subnet (tempo 10, no commit-reveal) with a validator
// "val" (coldkey vcold, own alpha), a miner "m1" (mcold), and a hotkey
// "par" (pcold) registered only on a second subnet but staked on the first:
// a parent that holds no uid there.
type childFixture struct {
	*env
	net, other             uint16
	vcold, mcold, pcold    types.AccountID
	val, m1, par, ownerhot types.AccountID
}

func newChildFixture(t *testing.T) *childFixture {
	e := newEnv(t)
	f := &childFixture{env: e, vcold: acct("vcold"), mcold: acct("mcold"), pcold: acct("pcold"),
		val: acct("val"), m1: acct("m1"), par: acct("par"), ownerhot: acct("ownerhot")}
	f.net = e.newSubnet("owner", "ownerhot", 1)
	f.other = e.newSubnet("owner2", "owner2hot", 1)
	for name, v := range map[string]uint64{"tempo": 10, "commit_reveal_weights_enabled": 0, "weights_rate_limit": 0,
		"max_registrations_per_block": 10, "min_allowed_weights": 1} {
		e.sudoSet(f.net, name, v)
	}
	for _, c := range []types.AccountID{f.vcold, f.mcold, f.pcold} {
		e.fund(c, 1_000*RaoPerTao)
	}
	must(BurnedRegister(e.o, f.vcold, f.val, f.net, 1))
	must(BurnedRegister(e.o, f.mcold, f.m1, f.net, 1))
	must(BurnedRegister(e.o, f.pcold, f.par, f.other, 1))
	must(AddStake(e.o, f.vcold, f.val, f.net, 20*RaoPerTao))
	must(AddStake(e.o, f.pcold, f.par, f.net, 100*RaoPerTao))
	must(AddStake(e.o, f.pcold, f.par, RootNetuid, 50*RaoPerTao))
	e.commit()
	return f
}

func (f *childFixture) keys(hot types.AccountID) ChildInfo {
	f.t.Helper()
	ci, err := ChildKeys(f.o, hot, f.net)
	if err != nil {
		f.t.Fatal(err)
	}
	return ci
}

// TestSetChildrenRefusals: every refused set_children names what is wrong
// and leaves state untouched (upstream's children.rs cases
// test_do_set_child_singular_network_does_not_exist, _invalid_child,
// _non_associated_coldkey, _root_network, test_do_schedule_children_multiple_*,
// test_set_children_rate_limit_fail_then_succeed, test_do_set_child_below_min_stake
// and test_revoke_child_no_min_stake_check, here with taorun's per-subnet
// stake_threshold).
func TestSetChildrenRefusals(t *testing.T) {
	f := newChildFixture(t)
	if err := SetChildParam(f.o, "pending_childkey_cooldown", 0); err != nil {
		t.Fatal(err)
	}
	// par → val applied, so val may not name par as a child afterwards.
	if err := SetChildren(f.o, f.pcold, f.par, f.net, []Child{{1 << 62, f.val}}, 2); err != nil {
		t.Fatal(err)
	}
	f.step(2, 10)
	if got := f.keys(f.val).Parents; len(got) != 1 || got[0].Hotkey != f.par {
		t.Fatalf("setup: val's parents %+v", got)
	}
	six := make([]Child, 6)
	for i := range six {
		six[i] = Child{1, acct(fmt.Sprintf("c%d", i))}
	}
	cases := []struct {
		name     string
		cold     types.AccountID
		hot      types.AccountID
		netuid   uint16
		children []Child
		height   uint64
		want     error
	}{
		{"root", f.vcold, f.val, RootNetuid, []Child{{1, f.m1}}, 11, ErrChildren},
		{"no subnet", f.vcold, f.val, 77, []Child{{1, f.m1}}, 11, ErrNoSubnet},
		{"not the owner", f.mcold, f.val, f.net, []Child{{1, f.m1}}, 11, ErrHotkeyOwned},
		{"unknown hotkey", f.vcold, acct("nobody"), f.net, []Child{{1, f.m1}}, 11, ErrHotkeyUnknown},
		{"self", f.vcold, f.val, f.net, []Child{{1, f.val}}, 11, ErrChildren},
		{"duplicate", f.vcold, f.val, f.net, []Child{{1, f.m1}, {2, f.m1}}, 11, ErrChildren},
		{"six children", f.vcold, f.val, f.net, six, 11, ErrChildren},
		{"proportions overflow", f.vcold, f.val, f.net, []Child{{math.MaxUint64, f.m1}, {1, acct("x")}}, 11, ErrChildren},
		{"parent as child", f.vcold, f.val, f.net, []Child{{1, f.par}}, 11, ErrChildren},
		{"rate limited", f.pcold, f.par, f.net, nil, 2 + SetChildrenRateLimit - 1, ErrRateLimited},
	}
	for _, c := range cases {
		f.expectFail(c.name, c.want, func() error { return SetChildren(f.o, c.cold, c.hot, c.netuid, c.children, c.height) })
	}
	// The rate limit lapses after SetChildrenRateLimit blocks.
	if err := SetChildren(f.o, f.pcold, f.par, f.net, nil, 2+SetChildrenRateLimit); err != nil {
		t.Fatalf("set_children after the rate limit: %v", err)
	}
	// stake_threshold: a non-empty list needs that much own alpha.
	f.sudoSet(f.net, "stake_threshold", 1<<62)
	f.expectFail("below stake_threshold", ErrStakeTooLow, func() error {
		return SetChildren(f.o, f.vcold, f.val, f.net, []Child{{1, f.m1}}, 11)
	})
	if err := SetChildren(f.o, f.vcold, f.val, f.net, nil, 11); err != nil {
		t.Fatalf("an empty list needs no stake: %v", err)
	}
}

// TestChildrenLifecycle: a list is pending until the first epoch after its
// cooldown, then becomes the children with the inverse parents index; a
// replacement drops the old children's parent links; an empty list
// revokes everything, leaving no records behind (upstream's
// test_do_set_child_cooldown_period, test_do_set_pending_children_runs_in_epoch,
// test_do_schedule_children_multiple_overwrite_existing and
// test_set_child_keys_empty_vector_clears_storage).
func TestChildrenLifecycle(t *testing.T) {
	f := newChildFixture(t)
	if err := SetChildParam(f.o, "pending_childkey_cooldown", 12); err != nil {
		t.Fatal(err)
	}
	a, b := Child{3 << 60, f.val}, Child{1 << 60, f.m1}
	if err := SetChildren(f.o, f.pcold, f.par, f.net, []Child{b, a}, 2); err != nil {
		t.Fatal(err)
	}
	if ci := f.keys(f.par); !ci.HasPend || ci.PendingAt != 14 || len(ci.Children) != 0 {
		t.Fatalf("after set_children: %+v, want pending until 14 and no children yet", ci)
	}
	f.step(2, 10) // epoch at 10: cooldown (14) not over
	if ci := f.keys(f.par); !ci.HasPend || len(ci.Children) != 0 {
		t.Fatalf("applied before the cooldown: %+v", ci)
	}
	f.step(11, 20) // epoch at 20 applies it
	ci := f.keys(f.par)
	sorted := []Child{a, b}
	slices.SortFunc(sorted, func(x, y Child) int { return compareAccounts(x.Hotkey, y.Hotkey) })
	if ci.HasPend || !slices.Equal(ci.Children, sorted) {
		t.Fatalf("after the epoch: %+v, want children %+v (sorted by hotkey) and nothing pending", ci, sorted)
	}
	for _, c := range []Child{a, b} {
		if p := f.keys(c.Hotkey).Parents; !slices.Equal(p, []Child{{c.Proportion, f.par}}) {
			t.Fatalf("parents of %s: %+v", c.Hotkey.SS58(), p)
		}
	}

	// Replace [a, b] by [b'] (new proportion): val loses its parent.
	b2 := Child{1 << 62, f.m1}
	if err := SetChildren(f.o, f.pcold, f.par, f.net, []Child{b2}, 2+SetChildrenRateLimit); err != nil {
		t.Fatal(err)
	}
	f.step(21, 180)
	if ci := f.keys(f.par); !slices.Equal(ci.Children, []Child{b2}) {
		t.Fatalf("after the replacement: %+v", ci)
	}
	if p := f.keys(f.val).Parents; len(p) != 0 {
		t.Fatalf("val kept parents %+v", p)
	}
	if p := f.keys(f.m1).Parents; !slices.Equal(p, []Child{{b2.Proportion, f.par}}) {
		t.Fatalf("m1's parents %+v", p)
	}

	// Revoke: nothing of the child key lists is left.
	if err := SetChildren(f.o, f.pcold, f.par, f.net, nil, 2+2*SetChildrenRateLimit); err != nil {
		t.Fatal(err)
	}
	f.step(181, 330)
	for _, h := range []types.AccountID{f.par, f.val, f.m1} {
		if ci := f.keys(h); len(ci.Children)+len(ci.Parents) != 0 || ci.HasPend {
			t.Fatalf("after revoking, %s still has %+v", h.SS58(), ci)
		}
		for _, k := range []byte{ckChildren, ckParents} {
			if _, ok := f.read().get(childKey(h, f.net, k)); ok {
				t.Fatalf("empty list of %s kept in state", h.SS58())
			}
		}
	}
}

// TestChildkeyTake: bounds, the rate limit on raising (not on lowering),
// the minimum as default, and refusals leaving state untouched (upstream's
// test_childkey_take_functionality, test_childkey_take_rate_limiting,
// test_multiple_networks_childkey_take, test_do_set_childkey_take_*).
func TestChildkeyTake(t *testing.T) {
	f := newChildFixture(t)
	if got := f.keys(f.val).Take; got != DefaultMinChildkeyTake {
		t.Fatalf("default take %d", got)
	}
	f.expectFail("not owner", ErrHotkeyOwned, func() error { return SetChildkeyTake(f.o, f.mcold, f.val, f.net, 100, 2) })
	f.expectFail("no subnet", ErrNoSubnet, func() error { return SetChildkeyTake(f.o, f.vcold, f.val, 55, 100, 2) })
	f.expectFail("above max", ErrChildkeyTake, func() error {
		return SetChildkeyTake(f.o, f.vcold, f.val, f.net, DefaultMaxChildkeyTake+1, 2)
	})
	if err := SetChildkeyTake(f.o, f.vcold, f.val, f.net, 1000, 2); err != nil {
		t.Fatal(err)
	}
	f.expectFail("raise within the limit", ErrRateLimited, func() error {
		return SetChildkeyTake(f.o, f.vcold, f.val, f.net, 1001, 2+DefaultTxChildkeyTakeRateLimit-1)
	})
	if err := SetChildkeyTake(f.o, f.vcold, f.val, f.net, 500, 3); err != nil {
		t.Fatalf("lowering is not rate limited: %v", err)
	}
	f.expectFail("raise within the period the lowering restarted", ErrRateLimited, func() error {
		return SetChildkeyTake(f.o, f.vcold, f.val, f.net, 2000, 2+DefaultTxChildkeyTakeRateLimit)
	})
	if err := SetChildkeyTake(f.o, f.vcold, f.val, f.net, 2000, 3+DefaultTxChildkeyTakeRateLimit); err != nil {
		t.Fatalf("raise after the limit: %v", err)
	}
	if got := f.keys(f.val).Take; got != 2000 {
		t.Fatalf("take %d, want 2000", got)
	}
	if other := must(ChildKeys(f.o, f.val, f.other)).Take; other != DefaultMinChildkeyTake {
		t.Fatalf("take is per subnet, other subnet has %d", other)
	}
	// A higher minimum lifts every take below it.
	if err := SetChildParam(f.o, "min_childkey_take", 3000); err != nil {
		t.Fatal(err)
	}
	if got := f.keys(f.val).Take; got != 3000 {
		t.Fatalf("take under a 3000 minimum reads %d", got)
	}
	f.expectFail("min above max", ErrParamOutOfBounds, func() error { return SetChildParam(f.o, "min_childkey_take", 20_000) })
	f.expectFail("unknown parameter", ErrUnknownChildParam, func() error { return SetChildParam(f.o, "childkey_magic", 1) })
}

// TestEpochWithChildren: once par (no uid on the subnet) gives half its
// stake to the validator val, the epoch weighs val with the inherited
// stake (alpha and root TAO), and val's dividends are shared with par by
// contribution, val keeping its childkey take of par's share; the alpha
// invariants hold after every block.
func TestEpochWithChildren(t *testing.T) {
	f := newChildFixture(t)
	if err := SetChildParam(f.o, "pending_childkey_cooldown", 0); err != nil {
		t.Fatal(err)
	}
	const half = math.MaxUint64 / 2
	if err := SetChildren(f.o, f.pcold, f.par, f.net, []Child{{half, f.val}}, 2); err != nil {
		t.Fatal(err)
	}
	if err := SetChildkeyTake(f.o, f.vcold, f.val, f.net, 6553, 2); err != nil {
		t.Fatal(err)
	}
	f.step(2, 10)
	if len(f.keys(f.val).Parents) != 1 {
		t.Fatal("children not applied at the first epoch")
	}
	if err := SetWeights(f.o, f.val, f.net, []uint16{2}, []uint16{1}, 0, 11); err != nil {
		t.Fatal(err)
	}
	f.step(11, 19)
	f.commit()

	// The epoch input carries the inherited stakes.
	own := func(h types.AccountID, n uint16) uint64 { return must(HotkeyStake(f.o, h, n)) }
	in := must(EpochInput(f.o, f.net, 20, 0))
	uid := must(f.read().uidOr(f.net, f.val))
	parAlpha, parRoot := own(f.par, f.net), own(f.par, RootNetuid)
	wantAlpha := InheritedStake(own(f.val, f.net), nil, []ParentStake{{half, parAlpha}})
	wantTAO := InheritedStake(own(f.val, RootNetuid), nil, []ParentStake{{half, parRoot}})
	if in.Neurons[uid].Stake != wantAlpha || in.Neurons[uid].TaoStake != wantTAO {
		t.Fatalf("val's epoch stake %d/%d, want inherited %d/%d", in.Neurons[uid].Stake, in.Neurons[uid].TaoStake, wantAlpha, wantTAO)
	}
	// (2^64-1)/2 is 0.5 - 2^-32 in U96F32, so half of par's stake arrives
	// less about parAlpha/2^32.
	if got := wantAlpha - own(f.val, f.net); got > parAlpha/2 || got < parAlpha/2-parAlpha>>31-1 {
		t.Fatalf("inherited alpha %d adds %d, not half of par's %d", wantAlpha, got, parAlpha)
	}

	// Expected split, from the state block 20's epoch sees (coinbase on a
	// scratch overlay): val's Yuma dividend is split by the parents' and
	// its own contributions of *own* stake (not inherited), then all
	// hotkeys' dividends share pending_validator (DividendDistribution).
	scratch := &rw{o: f.o.Child()}
	iss := must(state.TotalIssuance(scratch.o))
	scratch.coinbase(scratch.netuids(), iss, consensus.BlockEmission(iss))
	pendServer, pendValid := scratch.u64(epochKey(f.net, epPendServer)), scratch.u64(epochKey(f.net, epPendValid))
	pendRoot := scratch.u64(epochKey(f.net, epPendRoot))
	ein, _ := scratch.epochInput(f.net, 20, pendServer+pendValid+pendRoot)
	out := must(consensus.Epoch(ein))
	if out.ValidatorEmission[uid] == 0 {
		t.Fatal("val earned no dividend")
	}
	toParents, self := ParentChildDividends(DividendSplit{Dividend: out.ValidatorEmission[uid], Take: 6553,
		Alpha: own(f.val, f.net), Root: own(f.val, RootNetuid),
		Parents: []DividendParent{{half, parAlpha, parRoot, false}}}, scratch.taoWeight())
	divs := slices.Clone(out.ValidatorEmission)
	divs[uid] = self
	divs = append(divs, toParents[0])
	var stakes []HotkeyStakes
	for _, h := range []types.AccountID{f.ownerhot, f.val, f.m1, f.par} {
		stakes = append(stakes, HotkeyStakes{own(h, f.net), own(h, RootNetuid)})
	}
	validatorAlpha := pendValid
	if slices.Max(out.ServerEmission) == 0 {
		validatorAlpha += pendServer
	}
	alphaDivs, rootDivs := DividendDistribution(stakes, divs, scratch.taoWeight(), validatorAlpha, pendRoot)
	wantPar := alphaDivs[3].SatToU64() + rootDivs[3].SatToU64()

	// par, with no uid and no Yuma dividend of its own, gains stake on the
	// subnet only through val's split, all of it to pcold (take and its
	// only nominator).
	parBefore := must(Stake(f.o, f.par, f.pcold, f.net))
	valBefore := must(Stake(f.o, f.val, f.vcold, f.net))
	f.step(20, 20)
	parGain := must(Stake(f.o, f.par, f.pcold, f.net)) - parBefore
	valGain := must(Stake(f.o, f.val, f.vcold, f.net)) - valBefore
	if parGain != wantPar || wantPar == 0 {
		t.Fatalf("par gained %d, want %d", parGain, wantPar)
	}
	if valGain == 0 {
		t.Fatal("val gained nothing")
	}
	// par's contribution (alpha/2 + root/2·tw, tw = 0.18 by default) far
	// outweighs val's own 20 TAO of alpha, so par gets most of val's
	// dividend even after val's 10 % take.
	if parGain <= valGain {
		t.Fatalf("par gained %d, val %d: the parent's larger contribution should earn more", parGain, valGain)
	}
}

// uidOr returns hotkey's uid on netuid, or an error naming it.
func (s *rw) uidOr(netuid uint16, hotkey types.AccountID) (uint16, error) {
	uid, ok := s.uid(netuid, hotkey)
	if !ok {
		return 0, fmt.Errorf("%s has no uid on subnet %d", hotkey.SS58(), netuid)
	}
	return uid, s.err
}

// TestSwapChildKeyRecords checks what the hotkey swap does to child keys
// beyond the links (TestSwapHotkeyChildKeys): a pending list of another
// hotkey naming the old hotkey as a child names the new one (moved to the
// end), the set_children rate limit does not follow the hotkey, and a
// swap whose pending list would no longer be valid for the new hotkey is
// refused with state untouched (upstream's ensure_pending_consistency).
func TestSwapChildKeyRecords(t *testing.T) {
	f := newChildFixture(t)
	if err := SetChildParam(f.o, "pending_childkey_cooldown", 0); err != nil {
		t.Fatal(err)
	}
	newpar, x := acct("newpar"), acct("x")
	if err := SetChildren(f.o, f.pcold, f.par, f.net, []Child{{1 << 62, f.val}}, 2); err != nil {
		t.Fatal(err)
	}
	f.step(2, 10)
	// m1's pending list names par (then x) as children.
	if err := SetChildren(f.o, f.mcold, f.m1, f.net, []Child{{7, f.par}, {9, x}}, 11); err != nil {
		t.Fatal(err)
	}
	must(SwapHotkey(f.o, f.pcold, f.par, newpar, 12))
	if p := f.keys(f.m1); !slices.Equal(p.Pending, []Child{{9, x}, {7, newpar}}) {
		t.Fatalf("m1's pending list after the swap: %+v", p.Pending)
	}
	if err := SetChildren(f.o, f.pcold, newpar, f.net, nil, 13); err != nil {
		t.Fatalf("the new hotkey inherited par's set_children rate limit: %v", err)
	}

	// m1 becomes a parent of val while val's own list naming m1 waits
	// for a long cooldown; swapping val would keep a pending child that
	// is now its parent, so the swap is refused.
	if err := SetChildren(f.o, f.mcold, f.m1, f.net, []Child{{1 << 60, f.val}}, 11+SetChildrenRateLimit); err != nil {
		t.Fatal(err)
	}
	if err := SetChildParam(f.o, "pending_childkey_cooldown", 1_000); err != nil {
		t.Fatal(err)
	}
	if err := SetChildren(f.o, f.vcold, f.val, f.net, []Child{{1 << 60, f.m1}}, 11+SetChildrenRateLimit); err != nil {
		t.Fatal(err)
	}
	f.step(11, 170) // m1's list applies at 170, val's waits
	if p := f.keys(f.val); !p.HasPend || !slices.ContainsFunc(p.Parents, func(c Child) bool { return c.Hotkey == f.m1 }) {
		t.Fatalf("setup: val %+v", p)
	}
	f.expectFail("swap with an inconsistent pending list", ErrChildren, func() error {
		_, err := SwapHotkey(f.o, f.vcold, f.val, acct("newval"), 171)
		return err
	})
}

// TestCheckChildKeysDetects: CheckChildKeys reports each kind of broken
// child key state.
func TestCheckChildKeysDetects(t *testing.T) {
	a, b := acct("a"), acct("b")
	cases := []struct {
		name  string
		write func(s *rw)
		want  string
	}{
		{"child without parent link", func(s *rw) { s.setLinks(a, 1, ckChildren, []Child{{5, b}}) }, "1 child links but 0 parent links"},
		{"proportions differ", func(s *rw) {
			s.setLinks(a, 1, ckChildren, []Child{{5, b}})
			s.setLinks(b, 1, ckParents, []Child{{6, a}})
		}, "does not list it as a child"},
		{"self link", func(s *rw) { s.setLinks(a, 1, ckChildren, []Child{{5, a}}) }, "twice or itself"},
		{"root", func(s *rw) { s.setLinks(a, RootNetuid, ckChildren, []Child{{5, b}}) }, "links on root"},
		{"empty list", func(s *rw) { s.o.Set(childKey(a, 1, ckParents), []byte{0, 0, 0, 0}) }, "empty list"},
		{"ownerless parent", func(s *rw) {
			s.setLinks(b, 1, ckChildren, []Child{{5, a}})
			s.setLinks(a, 1, ckParents, []Child{{5, b}})
		}, "has no owner"},
		{"overflow", func(s *rw) {
			s.setLinks(a, 1, ckChildren, []Child{{math.MaxUint64, b}, {1, acct("c")}})
		}, "sum past"},
	}
	for _, c := range cases {
		e := newEnv(t)
		e.read().o.Set(ownerKey(a), b[:]) // a has an owner, so only the case's flaw is reported
		c.write(e.read())
		if err := CheckChildKeys(e.o); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error mentioning %q", c.name, err, c.want)
		}
	}
}

// TestRandomChildKeys runs seeded random child key, take, stake and
// weights operations between blocks with epochs every few blocks: the
// supply, alpha and child key invariants hold after every block, and a
// refused operation leaves state exactly as it was.
func TestRandomChildKeys(t *testing.T) {
	f := newChildFixture(t)
	rng := rand.New(rand.NewPCG(5, 9))
	f.sudoSet(f.net, "tempo", 3)
	f.sudoSet(f.net, "max_registrations_per_block", 10)
	hots := []types.AccountID{f.val, f.m1, f.par}
	colds := map[types.AccountID]types.AccountID{f.val: f.vcold, f.m1: f.mcold, f.par: f.pcold}
	for i := range 4 {
		h, c := acct(fmt.Sprintf("h%d", i)), acct(fmt.Sprintf("hc%d", i))
		f.fund(c, 100*RaoPerTao)
		must(BurnedRegister(f.o, c, h, f.net, 1))
		must(AddStake(f.o, c, h, f.net, RaoPerTao+rng.Uint64N(20*RaoPerTao)))
		hots, colds[h] = append(hots, h), c
	}
	if err := SetChildParam(f.o, "pending_childkey_cooldown", 2); err != nil {
		t.Fatal(err)
	}
	f.sudoSet(RootNetuid, "tao_weight", math.MaxUint64/5)
	refused := 0
	for h := uint64(2); h < 400; h++ {
		hot := hots[rng.IntN(len(hots))]
		var op func() error
		switch rng.IntN(4) {
		case 0:
			var list []Child
			for range rng.IntN(4) {
				list = append(list, Child{rng.Uint64N(math.MaxUint64 / 3), hots[rng.IntN(len(hots))]})
			}
			op = func() error { return SetChildren(f.o, colds[hot], hot, f.net, list, h) }
		case 1:
			take := uint16(rng.IntN(DefaultMaxChildkeyTake + 2))
			op = func() error { return SetChildkeyTake(f.o, colds[hot], hot, f.net, take, h) }
		case 2:
			op = func() error {
				_, err := AddStake(f.o, colds[hot], hot, f.net, MinStake+rng.Uint64N(5*RaoPerTao))
				return err
			}
		case 3:
			uids := []uint16{uint16(rng.IntN(7)), uint16(rng.IntN(7))}
			if uids[0] == uids[1] {
				uids = uids[:1]
			}
			op = func() error { return SetWeights(f.o, hot, f.net, uids, []uint16{3, 1}[:len(uids)], 0, h) }
		}
		before := f.dump()
		if err := op(); err != nil {
			refused++
			if after := f.dump(); len(after) != len(before) || !slices.EqualFunc(before, after, func(a, b state.Write) bool {
				return string(a.Key) == string(b.Key) && string(a.Value) == string(b.Value)
			}) {
				t.Fatalf("block %d: refused op (%v) changed state", h, err)
			}
		}
		f.step(h, h)
	}
	var links int
	for _, h := range hots {
		links += len(f.keys(h).Children)
	}
	if links == 0 || refused == 0 {
		t.Fatalf("the run applied %d child links and refused %d ops: it exercised too little", links, refused)
	}
}

// TestRemoveStakeDropsPendingChildren: remove_stake drops the hotkey's
// pending children list on the subnet when its stake there is left below
// the subnet's stake_threshold (upstream's do_remove_stake step "remove
// pending children"), and only then: not with the default threshold 0, not
// while the stake stays at or above it, not a pending revocation, not the
// subnet owner's hotkey, and not for an unstake on another subnet.
func TestRemoveStakeDropsPendingChildren(t *testing.T) {
	cases := []struct {
		name string
		// hot (owned by cold) schedules list on the fixture's subnet, then
		// cold removes the fraction num/den of its stake on unstakeNet,
		// with stake_threshold set to thresholdHalves/2 of hot's stake on
		// the subnet first.
		hot, cold       func(f *childFixture) types.AccountID
		list            func(f *childFixture) []Child
		thresholdHalves uint64
		unstakeNet      func(f *childFixture) uint16
		num, den        uint64
		wantDropped     bool
	}{
		{name: "default threshold 0", num: 99, den: 100},
		{name: "stake left above the threshold", thresholdHalves: 1, num: 1, den: 4},
		{name: "stake left exactly at the threshold", thresholdHalves: 1, num: 1, den: 2},
		{name: "stake left below the threshold", thresholdHalves: 1, num: 3, den: 4, wantDropped: true},
		{name: "all stake removed", thresholdHalves: 1, num: 1, den: 1, wantDropped: true},
		{name: "a pending revocation is kept", thresholdHalves: 1, num: 3, den: 4,
			list: func(*childFixture) []Child { return nil }},
		{name: "the subnet owner's hotkey is exempt", thresholdHalves: 1, num: 3, den: 4,
			hot: func(f *childFixture) types.AccountID { return f.ownerhot }, cold: func(*childFixture) types.AccountID { return acct("owner") }},
		{name: "unstaking on root leaves the subnet's list", thresholdHalves: 3, num: 1, den: 1,
			hot: func(f *childFixture) types.AccountID { return f.par }, cold: func(f *childFixture) types.AccountID { return f.pcold },
			unstakeNet: func(*childFixture) uint16 { return RootNetuid }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newChildFixture(t)
			hot, cold := f.val, f.vcold
			if c.hot != nil {
				hot, cold = c.hot(f), c.cold(f)
			}
			if hot == f.ownerhot {
				f.fund(cold, 100*RaoPerTao)
				must(AddStake(f.o, cold, hot, f.net, 20*RaoPerTao))
			}
			list := []Child{{1 << 62, f.m1}}
			if c.list != nil {
				list = c.list(f)
			}
			if err := SetChildren(f.o, cold, hot, f.net, list, 2); err != nil {
				t.Fatal(err)
			}
			own := must(HotkeyStake(f.o, hot, f.net))
			f.sudoSet(f.net, "stake_threshold", own/2*c.thresholdHalves)
			net := f.net
			if c.unstakeNet != nil {
				net = c.unstakeNet(f)
			}
			have := must(Stake(f.o, hot, cold, net))
			amount := have / c.den * c.num
			if c.num == c.den {
				amount = have
			}
			must(RemoveStake(f.o, cold, hot, net, amount))
			ci := f.keys(hot)
			if ci.HasPend == c.wantDropped {
				t.Fatalf("pending list present %v after unstaking %d of %d (stake now %d, threshold %d), want dropped %v",
					ci.HasPend, amount, have, must(HotkeyStake(f.o, hot, f.net)), must(GetParam(f.o, f.net, "stake_threshold")), c.wantDropped)
			}
			f.checkInvariants()
		})
	}
}
