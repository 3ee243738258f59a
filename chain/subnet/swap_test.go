package subnet

import (
	"bytes"
	"maps"
	"slices"
	"testing"

	"github.com/taorun/taorun/chain/state"
	"github.com/taorun/taorun/chain/types"
)

// swapFixture is two subnets (tempo 10, weights rate limit 0; subnet 1
// without and subnet 2 with commit-reveal) where coldkey vcold's hotkey
// oldhot is registered on both, staked on both and on root by vcold and a
// nominator, has a take, an axon on subnet 1, a pending commit on subnet 2
// and, after the first epoch, a validator permit and weights on subnet 1.
type swapFixture struct {
	*env
	n1, n2                     uint16
	vcold, nom, mcold, oldhot  types.AccountID
	m1, m2, poor, poorhot, mal types.AccountID
	axon                       Axon
}

func newSwapFixture(t *testing.T) *swapFixture {
	e := newEnv(t)
	f := &swapFixture{env: e, vcold: acct("vcold"), nom: acct("nominator"), mcold: acct("mcold"), oldhot: acct("oldhot"),
		m1: acct("miner1"), m2: acct("miner2"), poor: acct("poor"), poorhot: acct("poorhot"), mal: acct("mallory")}
	f.n1 = e.newSubnet("owner", "ownerhot", 1)
	f.n2 = e.newSubnet("owner2", "owner2hot", 1)
	for _, n := range []uint16{f.n1, f.n2} {
		for name, v := range map[string]uint64{"tempo": 10, "weights_rate_limit": 0, "max_registrations_per_block": 10,
			"min_allowed_weights": 1, "min_burn": 0, "burn_increase_mult": 1000} {
			e.sudoSet(n, name, v)
		}
	}
	e.sudoSet(f.n1, "commit_reveal_weights_enabled", 0)
	for _, c := range []types.AccountID{f.vcold, f.nom, f.mcold, f.mal} {
		e.fund(c, 1_000*RaoPerTao)
	}
	must(BurnedRegister(e.o, f.vcold, f.oldhot, f.n1, 1))
	must(BurnedRegister(e.o, f.vcold, f.oldhot, f.n2, 1))
	must(BurnedRegister(e.o, f.mcold, f.m1, f.n1, 1))
	must(BurnedRegister(e.o, f.mcold, f.m2, f.n2, 1))
	// poor can pay its registration and nothing more.
	e.fund(f.poor, must(Burn(e.o, f.n1)))
	must(BurnedRegister(e.o, f.poor, f.poorhot, f.n1, 1))
	must(AddStake(e.o, f.vcold, f.oldhot, f.n1, 100*RaoPerTao))
	must(AddStake(e.o, f.nom, f.oldhot, f.n1, 50*RaoPerTao))
	must(AddStake(e.o, f.vcold, f.oldhot, f.n2, 20*RaoPerTao))
	must(AddStake(e.o, f.nom, f.oldhot, RootNetuid, 30*RaoPerTao))
	if err := SetDelegateTake(e.o, f.vcold, f.oldhot, 1000); err != nil {
		t.Fatal(err)
	}
	f.axon = Axon{Version: 3, Port: 8091, IPType: 4, Protocol: 4}
	copy(f.axon.IP[12:], []byte{10, 0, 0, 7})
	if err := ServeAxon(e.o, f.oldhot, f.n1, f.axon, 1); err != nil {
		t.Fatal(err)
	}
	f.axon.Block = 1
	if err := CommitWeights(e.o, f.oldhot, f.n2, CommitHash(f.oldhot, f.n2, []uint16{2}, []uint16{1}, []uint16{7}, 0), 1); err != nil {
		t.Fatal(err)
	}
	e.commit()
	e.step(2, 10) // first epoch of subnet 1: permits
	uid := e.uid(f.n1, f.oldhot)
	if !e.read().result(f.n1, uid).ValidatorPermit {
		t.Fatal("oldhot has no validator permit after the first epoch")
	}
	if err := SetWeights(e.o, f.oldhot, f.n1, []uint16{e.uid(f.n1, f.m1)}, []uint16{1}, 0, 11); err != nil {
		t.Fatal(err)
	}
	e.commit()
	return f
}

// uid is hotkey's uid on netuid; the test fails if it is not registered.
func (e *env) uid(netuid uint16, hotkey types.AccountID) uint16 {
	e.t.Helper()
	uid, ok, err := UID(e.o, netuid, hotkey)
	if err != nil || !ok {
		e.t.Fatalf("%s has no uid on %d (%v)", hotkey.SS58(), netuid, err)
	}
	return uid
}

// hotkeyRecords is everything the chain keeps for a hotkey that a swap
// must carry over, read through the package's own accessors.
type hotkeyRecords struct {
	owner      types.AccountID
	take       uint16
	stakes     map[[2]uint16]uint64 // (coldkey index, netuid) → alpha
	totals     map[uint16]uint64
	nominators map[uint16][]types.AccountID
	uids       map[uint16]uint16
	neurons    map[uint16]Neuron // hotkey field cleared
	results    map[uint16]Result
	commits    map[uint16]commit
}

func (f *swapFixture) records(hot types.AccountID) hotkeyRecords {
	f.t.Helper()
	s := f.read()
	r := hotkeyRecords{take: s.take(hot), stakes: map[[2]uint16]uint64{}, totals: map[uint16]uint64{},
		nominators: map[uint16][]types.AccountID{}, uids: map[uint16]uint16{}, neurons: map[uint16]Neuron{},
		results: map[uint16]Result{}, commits: map[uint16]commit{}}
	r.owner, _ = s.account(ownerKey(hot))
	for _, n := range []uint16{RootNetuid, f.n1, f.n2} {
		for i, c := range []types.AccountID{f.vcold, f.nom} {
			if a := s.u64(stakeKey(hot, c, n)); a > 0 {
				r.stakes[[2]uint16{uint16(i), n}] = a
			}
		}
		r.totals[n] = s.u64(hotkeyTotalKey(hot, n))
		r.nominators[n] = s.nominators(hot, n)
		if uid, ok := s.uid(n, hot); ok {
			r.uids[n] = uid
			nr, _ := s.neuron(n, uid)
			nr.Hotkey = types.AccountID{}
			r.neurons[n], r.results[n] = nr, s.result(n, uid)
		}
		if c, ok := s.commit(n, hot); ok {
			r.commits[n] = c
		}
	}
	if s.err != nil {
		f.t.Fatal(s.err)
	}
	return r
}

// noTrace fails if any key or value of the whole state contains hot, but
// hot's set_children / set_childkey_take rate-limit blocks, which a swap
// leaves with the old hotkey.
func (f *swapFixture) noTrace(hot types.AccountID) {
	f.t.Helper()
	prefix := state.Key(state.PrefixStake, hot[:])
	for _, w := range f.dump() {
		if bytes.HasPrefix(w.Key, prefix) && staysWithHotkey(w.Key[len(prefix):]) {
			continue
		}
		if bytes.Contains(w.Key, hot[:]) || bytes.Contains(w.Value, hot[:]) {
			f.t.Fatalf("state still names %s: key %x value %x", hot.SS58(), w.Key, w.Value)
		}
	}
}

func (f *swapFixture) checkAll() {
	f.t.Helper()
	f.checkInvariants()
	if err := CheckUIDs(f.o); err != nil {
		f.t.Fatal(err)
	}
}

// TestSwapHotkey swaps a registered, staked, serving validator's hotkey and
// checks that every record follows, nothing names the old hotkey, the
// invariants hold, and the neuron keeps earning through the next epoch.
func TestSwapHotkey(t *testing.T) {
	f := newSwapFixture(t)
	newhot := acct("newhot")
	before := f.records(f.oldhot)
	if len(before.stakes) != 4 || len(before.uids) != 2 || len(before.commits) != 1 || before.take != 1000 {
		t.Fatalf("fixture records incomplete: %+v", before)
	}
	bal, burned := f.balance(f.vcold), must(state.Burned(f.o))
	const h = 12
	if cost := must(SwapHotkey(f.o, f.vcold, f.oldhot, newhot, h)); cost != DefaultKeySwapCost {
		t.Fatalf("cost %d, want %d", cost, uint64(DefaultKeySwapCost))
	}
	f.commit()

	after := f.records(newhot)
	if after.owner != f.vcold {
		t.Fatalf("new hotkey owner %s", after.owner.SS58())
	}
	after.owner = types.AccountID{}
	before.owner = types.AccountID{}
	if !recordsEqual(before, after) {
		t.Fatalf("records changed in the swap:\nbefore %+v\nafter  %+v", before, after)
	}
	for n, uid := range after.uids {
		if nr, _ := f.read().neuron(n, uid); nr.Hotkey != newhot {
			t.Fatalf("subnet %d uid %d names %s", n, uid, nr.Hotkey.SS58())
		}
	}
	if nr, _ := f.read().neuron(f.n1, after.uids[f.n1]); nr.Axon != f.axon {
		t.Fatalf("axon %+v, want %+v", nr.Axon, f.axon)
	}
	if _, ok, _ := HotkeyOwner(f.o, f.oldhot); ok {
		t.Fatal("old hotkey still has an owner")
	}
	f.noTrace(f.oldhot)
	if got := f.balance(f.vcold); got != bal-DefaultKeySwapCost {
		t.Fatalf("coldkey balance %d → %d, want the swap cost %d burned", bal, got, uint64(DefaultKeySwapCost))
	}
	if got := must(state.Burned(f.o)); got != burned+DefaultKeySwapCost {
		t.Fatalf("burned %d → %d", burned, got)
	}
	if last := must(LastTxBlock(f.o, f.vcold)); last != h {
		t.Fatalf("coldkey last tx block %d, want %d", last, h)
	}
	f.checkAll()

	// The neuron keeps validating and earning under its new hotkey: weights
	// pass the permit check (the uid's result stayed), and the epoch at 20
	// pays dividends to the new hotkey's stakers.
	if err := SetWeights(f.o, newhot, f.n1, []uint16{f.uid(f.n1, f.m1)}, []uint16{1}, 0, 13); err != nil {
		t.Fatalf("weights of the new hotkey: %v", err)
	}
	if err := SetWeights(f.o, f.oldhot, f.n1, []uint16{0}, []uint16{1}, 0, 13); err == nil {
		t.Fatal("the old hotkey can still set weights")
	}
	vs, ns := must(Stake(f.o, newhot, f.vcold, f.n1)), must(Stake(f.o, newhot, f.nom, f.n1))
	f.step(13, 20)
	if f.read().u64(epochKey(f.n1, epIndex)) != 2 {
		t.Fatal("the epoch at block 20 did not run")
	}
	if v, n := must(Stake(f.o, newhot, f.vcold, f.n1)), must(Stake(f.o, newhot, f.nom, f.n1)); v <= vs || n <= ns {
		t.Fatalf("new hotkey's stakers earned nothing: vcold %d → %d, nominator %d → %d", vs, v, ns, n)
	}
	if r := f.read().result(f.n1, after.uids[f.n1]); r.Dividends == 0 || !r.ValidatorPermit {
		t.Fatalf("uid result after the epoch %+v", r)
	}
	f.noTrace(f.oldhot)
	f.checkAll()

	// Rate limit: the coldkey's next swap waits DefaultTxRateLimit blocks.
	third := acct("thirdhot")
	f.expectFail("rate limited", ErrRateLimited, func() error {
		_, err := SwapHotkey(f.o, f.vcold, newhot, third, h+DefaultTxRateLimit)
		return err
	})
	must(SwapHotkey(f.o, f.vcold, newhot, third, h+DefaultTxRateLimit+1))
	// The old hotkey, now unused, may be swapped back in.
	must(SwapHotkey(f.o, f.vcold, third, f.oldhot, h+2*DefaultTxRateLimit+2))
	if got := f.records(f.oldhot); got.owner != f.vcold || len(got.uids) != 2 {
		t.Fatalf("swapping back: %+v", got)
	}
	f.noTrace(newhot)
	f.noTrace(third)
	f.checkAll()
}

func recordsEqual(a, b hotkeyRecords) bool {
	return a.owner == b.owner && a.take == b.take && maps.Equal(a.stakes, b.stakes) && maps.Equal(a.totals, b.totals) &&
		maps.EqualFunc(a.nominators, b.nominators, slices.Equal[[]types.AccountID]) && maps.Equal(a.uids, b.uids) && maps.Equal(a.neurons, b.neurons) &&
		maps.Equal(a.results, b.results) && maps.Equal(a.commits, b.commits)
}

// TestSwapSubnetOwnerHotkey swaps a subnet owner's hotkey: the subnet's
// owner hotkey follows, and the owner cut of the next epoch is staked to it.
func TestSwapSubnetOwnerHotkey(t *testing.T) {
	f := newSwapFixture(t)
	owner, oldOwnerHot, newOwnerHot := acct("owner"), acct("ownerhot"), acct("ownerhot-new")
	f.fund(owner, DefaultKeySwapCost)
	must(SwapHotkey(f.o, owner, oldOwnerHot, newOwnerHot, 12))
	info, _, _ := Owner(f.o, f.n1)
	if info.OwnerHotkey != newOwnerHot || info.OwnerColdkey != owner {
		t.Fatalf("subnet info after the swap %+v", info)
	}
	if other, _, _ := Owner(f.o, f.n2); other.OwnerHotkey != acct("owner2hot") {
		t.Fatalf("the other subnet's owner hotkey changed: %+v", other)
	}
	before := must(Stake(f.o, newOwnerHot, owner, f.n1))
	f.step(12, 20)
	if after := must(Stake(f.o, newOwnerHot, owner, f.n1)); after <= before {
		t.Fatalf("owner cut did not reach the new owner hotkey: %d → %d", before, after)
	}
	f.noTrace(oldOwnerHot)
	f.checkAll()
}

// TestSwapHotkeyRefusals: each refused swap returns its error and leaves
// the whole state as it was.
func TestSwapHotkeyRefusals(t *testing.T) {
	f := newSwapFixture(t)
	fresh := acct("fresh")
	for _, c := range []struct {
		name                 string
		coldkey, old, newHot types.AccountID
		want                 error
	}{
		{"signer does not own the hotkey", f.mal, f.oldhot, fresh, ErrHotkeyOwned},
		{"miner's coldkey is not the owner", f.mcold, f.oldhot, fresh, ErrHotkeyOwned},
		{"old hotkey unknown", f.vcold, acct("nobody"), fresh, ErrHotkeyUnknown},
		{"same hotkey", f.vcold, f.oldhot, f.oldhot, ErrSameHotkey},
		{"new hotkey registered by another coldkey", f.vcold, f.oldhot, f.m1, ErrHotkeyInUse},
		{"new hotkey is a subnet owner's", f.vcold, f.oldhot, acct("ownerhot"), ErrHotkeyInUse},
		{"cannot pay the swap cost", f.poor, f.poorhot, fresh, ErrInsufficientBalance},
	} {
		f.expectFail(c.name, c.want, func() error {
			_, err := SwapHotkey(f.o, c.coldkey, c.old, c.newHot, 12)
			return err
		})
	}
	// A hotkey the same coldkey owns is in use too.
	must(BurnedRegister(f.o, f.vcold, acct("vhot2"), f.n2, 12))
	f.expectFail("new hotkey owned by the signer", ErrHotkeyInUse, func() error {
		_, err := SwapHotkey(f.o, f.vcold, f.oldhot, acct("vhot2"), 12)
		return err
	})
}

// TestSwapHotkeyChildKeys swaps a hotkey that is a child (of the subnet
// owner's hotkey), a parent (of a miner) and has a pending children list:
// every link names the new hotkey, the pending list applies to it in the
// next epoch, and nothing names the old one.
func TestSwapHotkeyChildKeys(t *testing.T) {
	f := newSwapFixture(t)
	if err := SetChildParam(f.o, "pending_childkey_cooldown", 1); err != nil {
		t.Fatal(err)
	}
	const half = 1 << 63
	ownerhot, newhot := acct("ownerhot"), acct("newhot")
	if err := SetChildren(f.o, acct("owner"), ownerhot, f.n1, []Child{{half, f.oldhot}}, 12); err != nil {
		t.Fatal(err)
	}
	if err := SetChildren(f.o, f.vcold, f.oldhot, f.n1, []Child{{half, f.m1}}, 12); err != nil {
		t.Fatal(err)
	}
	f.step(12, 20) // subnet 1's epoch applies both lists
	if err := SetChildren(f.o, f.vcold, f.oldhot, f.n2, []Child{{half, f.m2}}, 21); err != nil {
		t.Fatal(err)
	}
	ck := func(hot types.AccountID, n uint16) ChildInfo { return must(ChildKeys(f.o, hot, n)) }
	if ci := ck(f.oldhot, f.n1); len(ci.Children) != 1 || len(ci.Parents) != 1 || !ck(f.oldhot, f.n2).HasPend {
		t.Fatalf("fixture child keys of the old hotkey: %+v", ci)
	}

	must(SwapHotkey(f.o, f.vcold, f.oldhot, newhot, 22))
	want := func(what string, got []Child, wantHot types.AccountID) {
		t.Helper()
		if len(got) != 1 || got[0] != (Child{half, wantHot}) {
			t.Fatalf("%s: %+v, want [%s at half]", what, got, wantHot.SS58())
		}
	}
	want("owner hotkey's children", ck(ownerhot, f.n1).Children, newhot)
	want("miner's parents", ck(f.m1, f.n1).Parents, newhot)
	want("new hotkey's parents", ck(newhot, f.n1).Parents, ownerhot)
	want("new hotkey's children", ck(newhot, f.n1).Children, f.m1)
	if p := ck(newhot, f.n2); !p.HasPend || len(p.Pending) != 1 || p.Pending[0].Hotkey != f.m2 {
		t.Fatalf("pending children did not move: %+v", p)
	}
	f.noTrace(f.oldhot)
	f.checkAll()

	f.step(22, 30) // subnet 2's epoch applies the moved pending list
	want("new hotkey's children on subnet 2", ck(newhot, f.n2).Children, f.m2)
	want("miner 2's parents", ck(f.m2, f.n2).Parents, newhot)
	f.noTrace(f.oldhot)
	f.checkAll()
}

// TestSwapHotkeyLastTxBlock: the new hotkey may be an account whose only
// record is its last-tx block (a coldkey that swapped a hotkey), and, as
// upstream's set_last_tx_block(new, last_tx_block(old)), it then carries
// the old hotkey's block (none here), while the signer's becomes the swap's.
func TestSwapHotkeyLastTxBlock(t *testing.T) {
	f := newSwapFixture(t)
	owner := acct("owner")
	f.fund(owner, DefaultKeySwapCost)
	must(SwapHotkey(f.o, owner, acct("ownerhot"), acct("ownerhot-new"), 12))
	if last := must(LastTxBlock(f.o, owner)); last != 12 {
		t.Fatalf("owner's last tx block %d", last)
	}
	must(SwapHotkey(f.o, f.vcold, f.oldhot, owner, 13))
	if last := must(LastTxBlock(f.o, owner)); last != 0 {
		t.Fatalf("the new hotkey kept its own last tx block %d, want the old hotkey's (none)", last)
	}
	if last := must(LastTxBlock(f.o, f.vcold)); last != 13 {
		t.Fatalf("signer's last tx block %d, want 13", last)
	}
	if hv, ok, _ := HotkeyOwner(f.o, owner); !ok || hv != f.vcold {
		t.Fatalf("owner account as a hotkey belongs to %s %v", hv.SS58(), ok)
	}
	f.checkAll()
}

// TestSwapHotkeyParams: key_swap_cost and tx_rate_limit are root
// hyperparameters that sudo sets within bounds; a changed value governs
// the next swap, and a refused setting leaves state as it was.
func TestSwapHotkeyParams(t *testing.T) {
	f := newSwapFixture(t)
	sudo := acct("sudo")
	for _, c := range []struct {
		name   string
		netuid uint16
		param  string
		value  uint64
		sudo   bool
		want   error
	}{
		{"cost above the bound", RootNetuid, "key_swap_cost", 1_000*RaoPerTao + 1, true, ErrParamOutOfBounds},
		{"rate limit above the bound", RootNetuid, "tx_rate_limit", 1<<32 + 1, true, ErrParamOutOfBounds},
		{"cost on a subnet", f.n1, "key_swap_cost", 1, true, ErrNoSubnet},
		{"rate limit by the subnet owner", RootNetuid, "tx_rate_limit", 1, false, ErrParamNotSettable},
	} {
		f.expectFail(c.name, c.want, func() error {
			return SetHyperparameter(f.o, sudo, c.sudo, c.netuid, c.param, c.value)
		})
	}
	for name, want := range map[string]uint64{"key_swap_cost": DefaultKeySwapCost, "tx_rate_limit": DefaultTxRateLimit} {
		if v := must(GetParam(f.o, RootNetuid, name)); v != want {
			t.Fatalf("%s = %d, want the default %d", name, v, want)
		}
	}

	steps := []struct {
		name        string
		cost, limit uint64
		old, newHot types.AccountID
		height      uint64
		wantErr     error
		wantBurned  uint64
	}{
		{"dearer swap", 5 * RaoPerTao, 10, f.oldhot, acct("h1"), 12, nil, 5 * RaoPerTao},
		{"within the new rate limit", 5 * RaoPerTao, 10, acct("h1"), acct("h2"), 22, ErrRateLimited, 0},
		{"just past it", 5 * RaoPerTao, 10, acct("h1"), acct("h2"), 23, nil, 5 * RaoPerTao},
		{"free swap with no rate limit", 0, 0, acct("h2"), acct("h3"), 23, nil, 0},
		{"a cost the coldkey cannot pay", 1_000 * RaoPerTao, 0, acct("h3"), acct("h4"), 24, ErrInsufficientBalance, 0},
	}
	for _, st := range steps {
		f.sudoSet(RootNetuid, "key_swap_cost", st.cost)
		f.sudoSet(RootNetuid, "tx_rate_limit", st.limit)
		bal, burned := f.balance(f.vcold), must(state.Burned(f.o))
		if st.wantErr != nil {
			f.expectFail(st.name, st.wantErr, func() error {
				_, err := SwapHotkey(f.o, f.vcold, st.old, st.newHot, st.height)
				return err
			})
			continue
		}
		cost, err := SwapHotkey(f.o, f.vcold, st.old, st.newHot, st.height)
		if err != nil || cost != st.wantBurned {
			t.Fatalf("%s: cost %d, %v; want %d", st.name, cost, err, st.wantBurned)
		}
		if got := f.balance(f.vcold); got != bal-st.wantBurned {
			t.Fatalf("%s: balance %d → %d, want %d burned", st.name, bal, got, st.wantBurned)
		}
		if got := must(state.Burned(f.o)); got != burned+st.wantBurned {
			t.Fatalf("%s: burned %d → %d", st.name, burned, got)
		}
		f.checkAll()
	}
}

// TestSwapHotkeyChildRateLimits: as upstream, the blocks of the old
// hotkey's last set_children and set_childkey_take stay with it, so the new
// hotkey may call both at once, the old one may be swapped in again later,
// and it is then still rate limited by its own earlier calls.
func TestSwapHotkeyChildRateLimits(t *testing.T) {
	f := newSwapFixture(t)
	newhot := acct("newhot")
	if err := SetChildren(f.o, f.vcold, f.oldhot, f.n1, []Child{{1 << 62, f.m1}}, 12); err != nil {
		t.Fatal(err)
	}
	if err := SetChildkeyTake(f.o, f.vcold, f.oldhot, f.n1, 100, 12); err != nil {
		t.Fatal(err)
	}
	limited := func(hot types.AccountID, h uint64) {
		t.Helper()
		f.expectFail("set_children", ErrRateLimited, func() error { return SetChildren(f.o, f.vcold, hot, f.n1, nil, h) })
		f.expectFail("childkey take raise", ErrRateLimited, func() error { return SetChildkeyTake(f.o, f.vcold, hot, f.n1, 200, h) })
	}
	limited(f.oldhot, 13)
	oldBlocks := func() []state.Write {
		var out []state.Write
		prefix := state.Key(state.PrefixStake, f.oldhot[:])
		for _, w := range f.dump() {
			if bytes.HasPrefix(w.Key, prefix) && staysWithHotkey(w.Key[len(prefix):]) {
				out = append(out, w)
			}
		}
		return out
	}
	before := oldBlocks()
	if len(before) != 2 {
		t.Fatalf("fixture: %d rate-limit records of the old hotkey, want 2", len(before))
	}

	must(SwapHotkey(f.o, f.vcold, f.oldhot, newhot, 13))
	if after := oldBlocks(); !slices.EqualFunc(before, after, func(a, b state.Write) bool {
		return bytes.Equal(a.Key, b.Key) && bytes.Equal(a.Value, b.Value)
	}) {
		t.Fatalf("the old hotkey's rate-limit blocks changed in the swap: %v → %v", before, after)
	}
	f.noTrace(f.oldhot)
	f.checkAll()
	// What moved: the pending list and the take; what did not: the limits.
	if ci := must(ChildKeys(f.o, newhot, f.n1)); !ci.HasPend || ci.Take != 100 {
		t.Fatalf("new hotkey's child keys %+v", ci)
	}
	if err := SetChildkeyTake(f.o, f.vcold, newhot, f.n1, 200, 14); err != nil {
		t.Fatalf("the new hotkey inherited the take rate limit: %v", err)
	}
	if err := SetChildren(f.o, f.vcold, newhot, f.n1, []Child{{1 << 61, f.m1}}, 14); err != nil {
		t.Fatalf("the new hotkey inherited the set_children rate limit: %v", err)
	}

	// The old hotkey, holding only its rate-limit blocks, is unused: it may
	// be swapped in again, and its own take raise at 12 limits it again
	// (tx_childkey_take_rate_limit is far longer than the swap's wait).
	h := uint64(14 + DefaultTxRateLimit)
	must(SwapHotkey(f.o, f.vcold, newhot, f.oldhot, h))
	f.expectFail("take raise after swapping back", ErrRateLimited, func() error {
		return SetChildkeyTake(f.o, f.vcold, f.oldhot, f.n1, 300, h)
	})
	f.checkAll()
}
