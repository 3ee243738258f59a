package subnet

import (
	"errors"
	"testing"

	"github.com/taorun/taorun/chain/state"
)

// call is one operation with its admission: the same arguments run through
// the Admit function (reading r) and through the operation (writing o).
type call struct {
	admit func(r state.Reader, netuid uint16) error
	op    func(o *state.Overlay, netuid uint16) error
}

func setWeightsCall(hot string, uids, vals []uint16, at uint64) call {
	return call{
		admit: func(r state.Reader, n uint16) error { return AdmitSetWeights(r, acct(hot), n, uids, vals, 0, at) },
		op:    func(o *state.Overlay, n uint16) error { return SetWeights(o, acct(hot), n, uids, vals, 0, at) },
	}
}

// Commits and reveals carry the weights and salt below.
var crUids, crVals, crSalt = []uint16{2, 3}, []uint16{7, 9}, []uint16{1, 2, 3}

func commitCall(hot string, at uint64) call {
	return call{
		admit: func(r state.Reader, n uint16) error { return AdmitCommitWeights(r, acct(hot), n, at) },
		op: func(o *state.Overlay, n uint16) error {
			return CommitWeights(o, acct(hot), n, CommitHash(acct(hot), n, crUids, crVals, crSalt, 0), at)
		},
	}
}

func revealCall(hot string, salt []uint16, at uint64) call {
	return call{
		admit: func(r state.Reader, n uint16) error {
			return AdmitRevealWeights(r, acct(hot), n, crUids, crVals, salt, 0, at)
		},
		op: func(o *state.Overlay, n uint16) error {
			return RevealWeights(o, acct(hot), n, crUids, crVals, salt, 0, at)
		},
	}
}

func serveCall(hot string, port uint16, at uint64) call {
	ax := Axon{IPType: 4, Port: port, IP: [16]byte{12: 10, 13: 0, 14: 0, 15: 1}}
	return call{
		admit: func(r state.Reader, n uint16) error { return AdmitServeAxon(r, acct(hot), n, ax, at) },
		op:    func(o *state.Overlay, n uint16) error { return ServeAxon(o, acct(hot), n, ax, at) },
	}
}

// TestAdmitMatchesOperation checks each Admit function against its
// operation on real pebble state (weightsEnv: rate limit 10, validator "val"
// with a permit): the admission writes nothing, and it refuses with exactly
// the error the operation fails with, or admits exactly when the operation
// succeeds.
func TestAdmitMatchesOperation(t *testing.T) {
	commitReveal := func(e *env, n uint16) { e.sudoSet(n, "commit_reveal_weights_enabled", 1) }
	committed := func(e *env, n uint16) {
		commitReveal(e, n)
		if err := commitCall("val", 20).op(e.o, n); err != nil {
			e.t.Fatal(err)
		}
	}
	revealEpoch := func(e *env, n uint16) { committed(e, n); e.read().addU64(epochKey(n, epIndex), 1) }
	weightsAt11 := func(e *env, n uint16) {
		if err := setWeightsCall("val", []uint16{2, 3}, []uint16{1, 1}, 11).op(e.o, n); err != nil {
			e.t.Fatal(err)
		}
	}
	served := func(e *env, n uint16) {
		if err := serveCall("m1", 8091, 11).op(e.o, n); err != nil {
			e.t.Fatal(err)
		}
	}
	cases := []struct {
		name   string
		prep   func(e *env, netuid uint16)
		call   call
		netuid uint16 // 0: the env's subnet
		want   error
	}{
		{name: "set weights", call: setWeightsCall("val", []uint16{2, 3}, []uint16{1, 1}, 11)},
		{name: "set weights unregistered", call: setWeightsCall("ghost", []uint16{2, 3}, []uint16{1, 1}, 11), want: ErrNotRegistered},
		{name: "set weights on a missing subnet", call: setWeightsCall("val", []uint16{2, 3}, []uint16{1, 1}, 11), netuid: 99, want: ErrNoSubnet},
		{name: "set weights rate limited", prep: weightsAt11, call: setWeightsCall("val", []uint16{2, 3}, []uint16{1, 1}, 20), want: ErrRateLimited},
		{name: "set weights after the rate limit", prep: weightsAt11, call: setWeightsCall("val", []uint16{2, 3}, []uint16{1, 1}, 21)},
		{name: "set weights without permit", call: setWeightsCall("m1", []uint16{2, 3}, []uint16{1, 1}, 11), want: ErrWeights},
		{name: "set weights duplicate uids", call: setWeightsCall("val", []uint16{2, 2}, []uint16{1, 1}, 11), want: ErrWeights},
		{name: "set weights on a commit-reveal subnet", prep: commitReveal, call: setWeightsCall("val", []uint16{2, 3}, []uint16{1, 1}, 11),
			want: ErrCommitReveal},
		{name: "commit", prep: commitReveal, call: commitCall("val", 20)},
		{name: "commit with commit-reveal off", call: commitCall("val", 20), want: ErrCommitReveal},
		{name: "commit unregistered", prep: commitReveal, call: commitCall("ghost", 20), want: ErrNotRegistered},
		{name: "commit again too soon", prep: committed, call: commitCall("val", 29), want: ErrRateLimited},
		{name: "commit again after the rate limit", prep: committed, call: commitCall("val", 30)},
		{name: "reveal", prep: revealEpoch, call: revealCall("val", crSalt, 25)},
		{name: "reveal without commit", prep: commitReveal, call: revealCall("val", crSalt, 25), want: ErrCommitReveal},
		{name: "reveal too early", prep: committed, call: revealCall("val", crSalt, 25), want: ErrCommitReveal},
		{name: "reveal with the wrong salt", prep: revealEpoch, call: revealCall("val", []uint16{9}, 25), want: ErrCommitReveal},
		{name: "reveal rate limited", prep: func(e *env, n uint16) { weightsAt11(e, n); revealEpoch(e, n) }, call: revealCall("val", crSalt, 20),
			want: ErrRateLimited},
		{name: "serve axon", call: serveCall("m1", 8091, 11)},
		{name: "serve axon unregistered", call: serveCall("ghost", 8091, 11), want: ErrNotRegistered},
		{name: "serve axon port 0", call: serveCall("m1", 0, 11), want: ErrBadAxon},
		{name: "serve axon rate limited", prep: served, call: serveCall("m1", 8092, 60), want: ErrRateLimited},
		{name: "serve axon after the rate limit", prep: served, call: serveCall("m1", 8092, 61)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e, netuid := weightsEnv(t)
			if c.prep != nil {
				c.prep(e, netuid)
			}
			if c.netuid != 0 {
				netuid = c.netuid
			}
			e.commit() // the admission reads through pebble
			before := e.o.Len()
			admitErr := c.call.admit(e.o, netuid)
			if e.o.Len() != before {
				t.Fatal("admission wrote state")
			}
			opErr := c.call.op(e.o.Child(), netuid)
			for what, err := range map[string]error{"admission": admitErr, "operation": opErr} {
				if (c.want == nil) != (err == nil) || (c.want != nil && !errors.Is(err, c.want)) {
					t.Errorf("%s: error %v, want %v", what, err, c.want)
				}
			}
		})
	}
}
