package subnet

import (
	"slices"
	"testing"
)

func TestMaxUpscale(t *testing.T) {
	cases := []struct{ in, want []uint16 }{
		{[]uint16{16383, 32767, 49149, 65535}, []uint16{16383, 32767, 49149, 65535}},
		{[]uint16{43690, 21845}, []uint16{65535, 32768}},
		{[]uint16{32767, 32767}, []uint16{65535, 65535}},
		{slices.Repeat([]uint16{127}, 448), slices.Repeat([]uint16{65535}, 448)},
		{[]uint16{0, 0}, []uint16{0, 0}},
	}
	for _, c := range cases {
		if got := MaxUpscale(c.in); !slices.Equal(got, c.want) {
			t.Fatalf("MaxUpscale(%v...) = %v, want %v", c.in[:min(4, len(c.in))], got[:min(4, len(got))], c.want[:min(4, len(c.want))])
		}
	}
}

// weightsEnv is a subnet with 4 uids (owner 0, validator 1 with a permit,
// miners 2 and 3), commit-reveal off, rate limit 10.
func weightsEnv(t *testing.T) (*env, uint16) {
	e := newEnv(t)
	netuid := e.newSubnet("owner", "ownerhot", 1)
	e.sudoSet(netuid, "max_registrations_per_block", 10)
	e.sudoSet(netuid, "weights_rate_limit", 10)
	e.sudoSet(netuid, "commit_reveal_weights_enabled", 0)
	e.sudoSet(netuid, "min_allowed_weights", 2)
	e.fund(acct("cold"), 100*RaoPerTao)
	for _, h := range []string{"val", "m1", "m2"} {
		must(BurnedRegister(e.o, acct("cold"), acct(h), netuid, 1))
	}
	e.o.Set(neuronKey(netuid, 1, neuronRes), (&Result{ValidatorPermit: true}).encode())
	return e, netuid
}

func TestSetWeights(t *testing.T) {
	e, netuid := weightsEnv(t)
	val := acct("val")
	if err := SetWeights(e.o, val, netuid, []uint16{2, 3}, []uint16{100, 50}, 0, 11); err != nil {
		t.Fatal(err)
	}
	s := e.read()
	if row := s.row(weightsKey(netuid, 1)); !slices.Equal(row, []Weight{{2, 65535}, {3, 32768}}) {
		t.Fatalf("stored row %v", row)
	}
	if nr, _ := s.neuron(netuid, 1); nr.LastUpdate != 11 {
		t.Fatalf("last update %d", nr.LastUpdate)
	}
	// Self-weight without permit, and the owner without permit, are allowed.
	if err := SetWeights(e.o, acct("m1"), netuid, []uint16{2}, []uint16{1}, 0, 11); err != nil {
		t.Fatal(err)
	}
	if err := SetWeights(e.o, acct("ownerhot"), netuid, []uint16{2, 3}, []uint16{1, 1}, 0, 11); err != nil {
		t.Fatal(err)
	}
	e.sudoSet(netuid, "weights_version", 3)
	fails := []struct {
		name        string
		hot         string
		uids, vals  []uint16
		version, at uint64
	}{
		{"not registered", "ghost", []uint16{2, 3}, []uint16{1, 1}, 3, 30},
		{"length mismatch", "val", []uint16{2, 3}, []uint16{1}, 3, 30},
		{"old version", "val", []uint16{2, 3}, []uint16{1, 1}, 2, 30},
		{"rate limited", "val", []uint16{2, 3}, []uint16{1, 1}, 3, 20},
		{"no permit", "m2", []uint16{2, 3}, []uint16{1, 1}, 3, 30},
		{"uid out of range", "val", []uint16{2, 4}, []uint16{1, 1}, 3, 30},
		{"duplicate", "val", []uint16{2, 2}, []uint16{1, 1}, 3, 30},
		{"too few", "val", []uint16{2}, []uint16{1}, 3, 30},
	}
	errs := map[string]error{"not registered": ErrNotRegistered, "rate limited": ErrRateLimited}
	for _, c := range fails {
		want := errs[c.name]
		if want == nil {
			want = ErrWeights
		}
		e.expectFail(c.name, want, func() error { return SetWeights(e.o, acct(c.hot), netuid, c.uids, c.vals, c.version, c.at) })
	}
	e.sudoSet(netuid, "max_weights_limit", 40000)
	e.expectFail("max weight", ErrWeights, func() error {
		return SetWeights(e.o, val, netuid, []uint16{2, 3}, []uint16{100, 1}, 3, 30)
	})
	if err := SetWeights(e.o, val, netuid, []uint16{2, 3}, []uint16{100, 90}, 3, 30); err != nil {
		t.Fatal(err)
	}
	e.sudoSet(netuid, "commit_reveal_weights_enabled", 1)
	e.expectFail("commit-reveal on", ErrCommitReveal, func() error {
		return SetWeights(e.o, val, netuid, []uint16{2, 3}, []uint16{1, 1}, 3, 60)
	})
	e.expectFail("root", ErrNoSubnet, func() error { return SetWeights(e.o, val, 0, nil, nil, 3, 60) })
}

func TestCommitReveal(t *testing.T) {
	e, netuid := weightsEnv(t)
	e.sudoSet(netuid, "commit_reveal_weights_enabled", 1)
	val := acct("val")
	uids, vals, salt := []uint16{2, 3}, []uint16{7, 9}, []uint16{1, 2, 3}
	h := CommitHash(val, netuid, uids, vals, salt, 0)
	if h == CommitHash(val, netuid, uids, vals, []uint16{1, 2, 4}, 0) || h == CommitHash(acct("m1"), netuid, uids, vals, salt, 0) {
		t.Fatal("commit hash ignores its inputs")
	}
	e.expectFail("reveal without commit", ErrCommitReveal, func() error {
		return RevealWeights(e.o, val, netuid, uids, vals, salt, 0, 20)
	})
	if err := CommitWeights(e.o, val, netuid, h, 20); err != nil {
		t.Fatal(err)
	}
	e.expectFail("too early", ErrCommitReveal, func() error { return RevealWeights(e.o, val, netuid, uids, vals, salt, 0, 21) })
	e.read().addU64(epochKey(netuid, epIndex), 1) // one epoch passes
	e.expectFail("wrong salt", ErrCommitReveal, func() error {
		return RevealWeights(e.o, val, netuid, uids, vals, []uint16{9}, 0, 25)
	})
	e.expectFail("reveal runs the weight checks", ErrRateLimited, func() error {
		return RevealWeights(e.o, val, netuid, uids, vals, salt, 0, 5)
	})
	in := must(EpochInput(e.o, netuid, 25, 0))
	if in.CommitBlocks[1] != 20 || in.CommitBlocks[2] != noCommit {
		t.Fatalf("commit blocks %v", in.CommitBlocks)
	}
	if err := RevealWeights(e.o, val, netuid, uids, vals, salt, 0, 25); err != nil {
		t.Fatal(err)
	}
	if row := e.read().row(weightsKey(netuid, 1)); !slices.Equal(row, []Weight{{2, 50972}, {3, 65535}}) {
		t.Fatalf("revealed row %v", row)
	}
	if _, ok := e.read().commit(netuid, val); ok {
		t.Fatal("commit kept after reveal")
	}
	// Expired: committed at epoch 1, revealed at epoch 3.
	if err := CommitWeights(e.o, val, netuid, h, 40); err != nil {
		t.Fatal(err)
	}
	e.read().addU64(epochKey(netuid, epIndex), 2)
	e.expectFail("expired", ErrCommitReveal, func() error { return RevealWeights(e.o, val, netuid, uids, vals, salt, 0, 60) })
	e.sudoSet(netuid, "commit_reveal_weights_enabled", 0)
	e.expectFail("commit when disabled", ErrCommitReveal, func() error { return CommitWeights(e.o, val, netuid, h, 61) })
	e.expectFail("commit unregistered", ErrNotRegistered, func() error { return CommitWeights(e.o, acct("x"), netuid, h, 61) })
}
