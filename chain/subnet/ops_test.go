package subnet

import (
	"testing"

	"github.com/taorun/taorun/chain/state"
)

func TestCreateSubnet(t *testing.T) {
	e := newEnv(t)
	e.sudoSet(RootNetuid, "network_min_lock_cost", 100*RaoPerTao)
	e.fund(acct("alice"), 1_000*RaoPerTao)
	cost := must(LockCost(e.o, 10))
	if cost != 100*RaoPerTao {
		t.Fatalf("first lock cost %d, want the minimum", cost)
	}
	netuid := must(CreateSubnet(e.o, acct("alice"), acct("alicehot"), 10))
	if netuid != 1 {
		t.Fatalf("netuid %d, want 1", netuid)
	}
	e.commit()
	if got := e.balance(acct("alice")); got != 900*RaoPerTao {
		t.Fatalf("alice balance %d", got)
	}
	p := must(GetPool(e.o, 1))
	if p != (Pool{TAO: cost, AlphaIn: cost}) {
		t.Fatalf("pool %+v", p)
	}
	info, ok, _ := Owner(e.o, 1)
	if !ok || info.OwnerHotkey != acct("alicehot") || info.LockCost != cost || info.RegisteredAt != 10 {
		t.Fatalf("info %+v", info)
	}
	if uid, ok := e.read().uid(1, acct("alicehot")); !ok || uid != 0 {
		t.Fatal("owner hotkey is not uid 0")
	}
	// Lock cost doubles, then decays by last/interval per block.
	if c := must(LockCost(e.o, 10)); c != 2*cost {
		t.Fatalf("lock right after %d, want %d", c, 2*cost)
	}
	if c := must(LockCost(e.o, 10+NetworkLockReductionInterval)); c != 2*cost-cost/NetworkLockReductionInterval*NetworkLockReductionInterval {
		t.Fatalf("decayed lock %d", c)
	}
	e.checkInvariants()

	e.expectFail("rate limited", ErrRateLimited, func() error {
		_, err := CreateSubnet(e.o, acct("alice"), acct("alicehot2"), 11)
		return err
	})
	e.sudoSet(RootNetuid, "network_rate_limit", 0)
	e.expectFail("poor", ErrInsufficientBalance, func() error {
		_, err := CreateSubnet(e.o, acct("bob"), acct("bobhot"), 12)
		return err
	})
	e.fund(acct("bob"), 10_000*RaoPerTao)
	e.expectFail("hotkey of another coldkey", ErrHotkeyOwned, func() error {
		_, err := CreateSubnet(e.o, acct("bob"), acct("alicehot"), 12)
		return err
	})
	if n := must(CreateSubnet(e.o, acct("bob"), acct("bobhot"), 12)); n != 2 {
		t.Fatalf("second netuid %d", n)
	}
	e.checkInvariants()
}

func TestSetHyperparameter(t *testing.T) {
	e := newEnv(t)
	netuid := e.newSubnet("owner", "ownerhot", 1)
	owner, other := acct("owner"), acct("mallory")
	ok := []struct {
		signer string
		sudo   bool
		netuid uint16
		name   string
		value  uint64
	}{
		{"owner", false, netuid, "immunity_period", 7},
		{"owner", false, netuid, "commit_reveal_weights_enabled", 0},
		{"sudo", true, netuid, "tempo", 10},
		{"sudo", true, RootNetuid, "tao_weight", 1 << 63},
		{"owner", false, netuid, "alpha_low", 1638},
	}
	for _, c := range ok {
		if err := SetHyperparameter(e.o, acct(c.signer), c.sudo, c.netuid, c.name, c.value); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if v := must(GetParam(e.o, c.netuid, c.name)); v != c.value {
			t.Fatalf("%s = %d, want %d", c.name, v, c.value)
		}
	}
	fails := []struct {
		name  string
		err   error
		apply func() error
	}{
		{"not owner", ErrNotOwner, func() error { return SetHyperparameter(e.o, other, false, netuid, "kappa", 1) }},
		{"not owner-settable", ErrParamNotSettable, func() error { return SetHyperparameter(e.o, owner, false, netuid, "tempo", 20) }},
		{"root-only by owner", ErrNoSubnet, func() error { return SetHyperparameter(e.o, owner, false, netuid, "tao_weight", 1) }},
		{"root-only needs sudo", ErrParamNotSettable, func() error { return SetHyperparameter(e.o, owner, false, 0, "tao_weight", 1) }},
		{"unknown", ErrUnknownParam, func() error { return SetHyperparameter(e.o, owner, false, netuid, "nope", 1) }},
		{"below min", ErrParamOutOfBounds, func() error { return SetHyperparameter(e.o, owner, true, netuid, "tempo", 0) }},
		{"above max", ErrParamOutOfBounds, func() error { return SetHyperparameter(e.o, owner, false, netuid, "bonds_moving_avg", 975_001) }},
		{"low above high", ErrParamOutOfBounds, func() error { return SetHyperparameter(e.o, owner, false, netuid, "alpha_low", 60_000) }},
		{"no subnet", ErrNoSubnet, func() error { return SetHyperparameter(e.o, owner, true, 9, "kappa", 1) }},
	}
	for _, c := range fails {
		e.expectFail(c.name, c.err, c.apply)
	}
	// The table reaches the epoch: yuma_version 2 turns Yuma3 off.
	if !e.read().epochParams(netuid).Yuma3Enabled {
		t.Fatal("new subnets run Yuma3 by default")
	}
	if err := SetHyperparameter(e.o, owner, false, netuid, "yuma_version", 2); err != nil {
		t.Fatal(err)
	}
	if p := e.read().epochParams(netuid); p.Yuma3Enabled || p.AlphaLow != 1638 || p.CommitRevealEnabled {
		t.Fatalf("epoch params %+v", p)
	}
}

func TestBurnedRegisterAndPruning(t *testing.T) {
	e := newEnv(t)
	netuid := e.newSubnet("owner", "ownerhot", 1)
	e.sudoSet(netuid, "max_allowed_uids", 3)
	e.sudoSet(netuid, "max_registrations_per_block", 2)
	e.fund(acct("cold"), 100*RaoPerTao)
	burn0 := must(Burn(e.o, netuid))
	uid := must(BurnedRegister(e.o, acct("cold"), acct("h1"), netuid, 5))
	if uid != 1 {
		t.Fatalf("uid %d", uid)
	}
	if b := must(Burn(e.o, netuid)); b != burn0*1260/1000 {
		t.Fatalf("burn after registration %d, want %d", b, burn0*1260/1000)
	}
	if burned, _ := state.Burned(e.o); burned != burn0 {
		t.Fatalf("burned %d", burned)
	}
	must(BurnedRegister(e.o, acct("cold"), acct("h2"), netuid, 5))
	e.checkInvariants()
	netuid2 := e.newSubnet("owner2", "owner2hot", 1)

	fails := []struct {
		name string
		err  error
		reg  func() error
	}{
		{"root", ErrNoSubnet, func() error { _, err := BurnedRegister(e.o, acct("cold"), acct("h3"), 0, 5); return err }},
		{"no subnet", ErrNoSubnet, func() error { _, err := BurnedRegister(e.o, acct("cold"), acct("h3"), 7, 5); return err }},
		{"again", ErrAlreadyRegistered, func() error { _, err := BurnedRegister(e.o, acct("cold"), acct("h1"), netuid, 6); return err }},
		{"per block", ErrTooManyRegistrations, func() error { _, err := BurnedRegister(e.o, acct("cold"), acct("h3"), netuid, 5); return err }},
		{"poor", ErrInsufficientBalance, func() error { _, err := BurnedRegister(e.o, acct("poor"), acct("h3"), netuid, 6); return err }},
		{"hotkey owned", ErrHotkeyOwned, func() error { _, err := BurnedRegister(e.o, acct("poor"), acct("h1"), netuid2, 6); return err }},
	}
	for _, c := range fails {
		e.expectFail(c.name, c.err, c.reg)
	}
	e.sudoSet(netuid, "registration_allowed", 0)
	e.expectFail("closed", ErrRegistrationClosed, func() error {
		_, err := BurnedRegister(e.o, acct("cold"), acct("h3"), netuid, 6)
		return err
	})
	e.sudoSet(netuid, "registration_allowed", 1)

	// Full: the non-immune uid with the lowest emission goes; uid 1 earned more.
	e.sudoSet(netuid, "immunity_period", 10)
	s := e.read()
	s.o.Set(neuronKey(netuid, 1, neuronRes), (&Result{Emission: 50}).encode())
	s.o.Set(neuronKey(netuid, 2, neuronRes), (&Result{Emission: 40, ValidatorPermit: true}).encode())
	s.setRow(weightsKey(netuid, 1), []Weight{{2, 100}, {0, 5}})
	s.setRow(weightsKey(netuid, 2), []Weight{{1, 9}})
	uid = must(BurnedRegister(e.o, acct("cold"), acct("h3"), netuid, 20))
	if uid != 2 {
		t.Fatalf("pruned uid %d, want 2", uid)
	}
	if _, ok := s.uid(netuid, acct("h2")); ok {
		t.Fatal("pruned hotkey still mapped")
	}
	if row := s.row(weightsKey(netuid, 1)); row[0] != (Weight{2, 0}) || row[1] != (Weight{0, 5}) {
		t.Fatalf("incoming weight not zeroed in place: %v", row)
	}
	if row := s.row(weightsKey(netuid, 2)); row != nil {
		t.Fatalf("pruned uid's own row kept: %v", row)
	}
	if s.result(netuid, 2).ValidatorPermit {
		t.Fatal("permit kept")
	}
	if n := s.n(netuid); n != 3 {
		t.Fatalf("n = %d", n)
	}
	e.checkInvariants()
}

func TestBurnDecay(t *testing.T) {
	for _, hl := range []uint64{1, 2, 360, 65535} {
		f := DecayFactorQ32(hl)
		if powQ32(f, hl) > 1<<31 || (f < 1<<32 && powQ32(f+1, hl) <= 1<<31) {
			t.Fatalf("half-life %d: factor %d is not the largest with f^hl <= 1/2", hl, f)
		}
	}
	if f := DecayFactorQ32(1); f != 1<<31 {
		t.Fatalf("half-life 1: %d", f)
	}
	e := newEnv(t)
	netuid := e.newSubnet("owner", "ownerhot", 1)
	e.sudoSet(netuid, "burn_half_life", 1)
	e.sudoSet(netuid, "min_burn", 0)
	b0 := must(Burn(e.o, netuid))
	if err := BlockStep(e.o, 2); err != nil {
		t.Fatal(err)
	}
	if b := must(Burn(e.o, netuid)); b != b0/2 {
		t.Fatalf("burn after one half-life %d, want %d", b, b0/2)
	}
}

func TestServeAxon(t *testing.T) {
	e := newEnv(t)
	netuid := e.newSubnet("owner", "ownerhot", 1)
	v4 := Axon{Version: 1, IPType: 4, Port: 8091, Protocol: 4}
	copy(v4.IP[12:], []byte{10, 0, 0, 1})
	if err := ServeAxon(e.o, acct("ownerhot"), netuid, v4, 5); err != nil {
		t.Fatal(err)
	}
	nr, _ := e.read().neuron(netuid, 0)
	if nr.Axon.Port != 8091 || nr.Axon.Block != 5 || nr.Axon.IP != v4.IP {
		t.Fatalf("axon %+v", nr.Axon)
	}
	bad := func(mut func(a *Axon)) Axon { a := v4; mut(&a); return a }
	fails := []struct {
		name string
		err  error
		hot  string
		ax   Axon
		h    uint64
	}{
		{"not registered", ErrNotRegistered, "nobody", v4, 100},
		{"ip type", ErrBadAxon, "ownerhot", bad(func(a *Axon) { a.IPType = 5 }), 100},
		{"port", ErrBadAxon, "ownerhot", bad(func(a *Axon) { a.Port = 0 }), 100},
		{"v4 high bytes", ErrBadAxon, "ownerhot", bad(func(a *Axon) { a.IP[0] = 1 }), 100},
		{"v6 zero", ErrBadAxon, "ownerhot", bad(func(a *Axon) { a.IPType, a.IP = 6, [16]byte{} }), 100},
		{"rate limit", ErrRateLimited, "ownerhot", v4, 54},
	}
	for _, c := range fails {
		e.expectFail(c.name, c.err, func() error { return ServeAxon(e.o, acct(c.hot), netuid, c.ax, c.h) })
	}
	if err := ServeAxon(e.o, acct("ownerhot"), netuid, v4, 55); err != nil {
		t.Fatal(err)
	}
}
