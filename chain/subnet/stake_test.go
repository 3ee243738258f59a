package subnet

import (
	"testing"
)

func TestStaking(t *testing.T) {
	e := newEnv(t)
	netuid := e.newSubnet("owner", "ownerhot", 1)
	netuid2 := e.newSubnet("owner2", "owner2hot", 1)
	alice, hot := acct("alice"), acct("ownerhot")
	e.fund(alice, 5_000*RaoPerTao)
	e.commit()

	// Constant product: alpha = floor(alpha_in * tao / (tao_in + tao)).
	p0 := must(GetPool(e.o, netuid))
	tao := uint64(250 * RaoPerTao)
	alpha := must(AddStake(e.o, alice, hot, netuid, tao))
	if want := mulDiv(p0.AlphaIn, tao, p0.TAO+tao); alpha != want {
		t.Fatalf("alpha %d, want %d", alpha, want)
	}
	if p := must(GetPool(e.o, netuid)); p != (Pool{p0.TAO + tao, p0.AlphaIn - alpha, alpha}) {
		t.Fatalf("pool %+v", p)
	}
	if st := must(Stake(e.o, hot, alice, netuid)); st != alpha {
		t.Fatalf("stake %d", st)
	}
	if tot := must(HotkeyStake(e.o, hot, netuid)); tot != alpha {
		t.Fatalf("hotkey total %d", tot)
	}
	// Root is 1:1.
	if a := must(AddStake(e.o, alice, hot, RootNetuid, 10*RaoPerTao)); a != 10*RaoPerTao {
		t.Fatalf("root alpha %d", a)
	}
	e.checkInvariants()

	// Selling back: tao = floor(tao_in * alpha / (alpha_in + alpha)).
	p1 := must(GetPool(e.o, netuid))
	bal := e.balance(alice)
	half := alpha / 2
	got := must(RemoveStake(e.o, alice, hot, netuid, half))
	if want := mulDiv(p1.TAO, half, p1.AlphaIn+half); got != want || e.balance(alice) != bal+want {
		t.Fatalf("unstake paid %d, want %d", got, want)
	}
	e.checkInvariants()

	// Move across subnets goes through TAO.
	p2, q2 := must(GetPool(e.o, netuid)), must(GetPool(e.o, netuid2))
	rest := alpha - half
	moved := must(MoveStake(e.o, alice, hot, acct("owner2hot"), netuid, netuid2, rest))
	mid := mulDiv(p2.TAO, rest, p2.AlphaIn+rest)
	if want := mulDiv(q2.AlphaIn, mid, q2.TAO+mid); moved != want {
		t.Fatalf("moved %d, want %d", moved, want)
	}
	if st := must(Stake(e.o, hot, alice, netuid)); st != 0 {
		t.Fatalf("source stake left %d", st)
	}
	// Move within a subnet keeps the amount.
	if m := must(MoveStake(e.o, alice, acct("owner2hot"), hot, netuid2, netuid2, moved)); m != moved {
		t.Fatalf("same-subnet move %d", m)
	}
	e.checkInvariants()

	fails := []struct {
		name string
		err  error
		op   func() error
	}{
		{"stake below minimum", ErrStakeTooLow, func() error { _, err := AddStake(e.o, alice, hot, netuid, MinStake-1); return err }},
		{"stake no subnet", ErrNoSubnet, func() error { _, err := AddStake(e.o, alice, hot, 9, MinStake); return err }},
		{"stake unknown hotkey", ErrHotkeyUnknown, func() error { _, err := AddStake(e.o, alice, acct("ghost"), netuid, MinStake); return err }},
		{"stake poor", ErrInsufficientBalance, func() error { _, err := AddStake(e.o, acct("poor"), hot, netuid, MinStake); return err }},
		{"unstake zero", ErrZeroAmount, func() error { _, err := RemoveStake(e.o, alice, hot, netuid, 0); return err }},
		{"unstake too much", ErrInsufficientStake, func() error { _, err := RemoveStake(e.o, alice, hot, RootNetuid, 11*RaoPerTao); return err }},
		{"unstake no subnet", ErrNoSubnet, func() error { _, err := RemoveStake(e.o, alice, hot, 9, 1); return err }},
		{"move too much", ErrInsufficientStake, func() error {
			_, err := MoveStake(e.o, alice, hot, hot, RootNetuid, netuid, 11*RaoPerTao)
			return err
		}},
		{"move dust across", ErrStakeTooLow, func() error { _, err := MoveStake(e.o, alice, hot, hot, RootNetuid, netuid, 5); return err }},
		{"move to unknown hotkey", ErrHotkeyUnknown, func() error {
			_, err := MoveStake(e.o, alice, hot, acct("ghost"), RootNetuid, netuid, RaoPerTao)
			return err
		}},
		{"take not owner", ErrHotkeyOwned, func() error { return SetDelegateTake(e.o, alice, hot, 0) }},
		{"take too high", ErrTakeOutOfBounds, func() error { return SetDelegateTake(e.o, acct("owner"), hot, MaxDelegateTake+1) }},
		{"take unknown", ErrHotkeyUnknown, func() error { return SetDelegateTake(e.o, alice, acct("ghost"), 0) }},
	}
	for _, c := range fails {
		e.expectFail(c.name, c.err, c.op)
	}
	if err := SetDelegateTake(e.o, acct("owner"), hot, 100); err != nil {
		t.Fatal(err)
	}
	if tk := must(DelegateTake(e.o, hot)); tk != 100 {
		t.Fatalf("take %d", tk)
	}
}
