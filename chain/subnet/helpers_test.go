package subnet

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/taorun/taorun/chain/state"
	"github.com/taorun/taorun/chain/types"
	"github.com/taorun/taorun/consensus"
)

// env is a real pebble store in a temp dir with a block overlay on top.
type env struct {
	t     testing.TB
	store *state.Store
	o     *state.Overlay
}

func newEnv(t testing.TB) *env {
	t.Helper()
	st, err := state.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return &env{t: t, store: st, o: state.NewOverlay(st)}
}

// commit writes the overlay to pebble and starts a fresh one, so tests also
// exercise reads through the store.
func (e *env) commit() {
	e.t.Helper()
	if err := e.store.Commit(e.o); err != nil {
		e.t.Fatal(err)
	}
	e.o = state.NewOverlay(e.store)
}

func acct(name string) types.AccountID {
	var id types.AccountID
	copy(id[:], name)
	return id
}

// fund mints amount rao to who (raising issuance, as genesis does).
func (e *env) fund(who types.AccountID, amount uint64) {
	e.t.Helper()
	bal, _ := state.Balance(e.o, who)
	iss, _ := state.TotalIssuance(e.o)
	state.SetBalance(e.o, who, bal+amount)
	state.SetTotalIssuance(e.o, iss+amount)
}

func (e *env) balance(who types.AccountID) uint64 {
	e.t.Helper()
	b, err := state.Balance(e.o, who)
	if err != nil {
		e.t.Fatal(err)
	}
	return b
}

func (e *env) sudoSet(netuid uint16, name string, v uint64) {
	e.t.Helper()
	if err := SetHyperparameter(e.o, acct("sudo"), true, netuid, name, v); err != nil {
		e.t.Fatalf("sudo set %s=%d: %v", name, v, err)
	}
}

func (e *env) dump() []state.Write {
	e.t.Helper()
	d, err := state.Dump(e.o, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return d
}

// checkInvariants asserts the supply and alpha invariants.
func (e *env) checkInvariants() {
	e.t.Helper()
	if err := checkSupply(e.o); err != nil {
		e.t.Fatal(err)
	}
	if err := CheckAlpha(e.o); err != nil {
		e.t.Fatal(err)
	}
	if err := CheckChildKeys(e.o); err != nil {
		e.t.Fatal(err)
	}
}

// checkSupply is the invariant chain.CheckSupply will check once the lead
// adds PooledTAO to its holders: issuance == Σ balances + pools + burned ≤ cap.
func checkSupply(r state.Reader) error {
	var bal uint64
	if err := r.Iterate([]byte{state.PrefixBalance}, func(_, v []byte) error { bal += leU64(v); return nil }); err != nil {
		return err
	}
	pooled, err := PooledTAO(r)
	if err != nil {
		return err
	}
	burned, _ := state.Burned(r)
	iss, _ := state.TotalIssuance(r)
	if bal+pooled+burned != iss {
		return fmt.Errorf("supply: issuance %d != balances %d + pools %d + burned %d", iss, bal, pooled, burned)
	}
	if iss > consensus.MaxSupplyRao {
		return fmt.Errorf("supply: issuance %d over the cap", iss)
	}
	return nil
}

// expectFail runs op, requires an error wrapping want, and requires the
// whole state to be unchanged.
func (e *env) expectFail(name string, want error, op func() error) {
	e.t.Helper()
	before := e.dump()
	err := op()
	if !errors.Is(err, want) {
		e.t.Fatalf("%s: error %v, want %v", name, err, want)
	}
	after := e.dump()
	if len(before) != len(after) {
		e.t.Fatalf("%s: failed op changed state (%d → %d entries)", name, len(before), len(after))
	}
	for i := range before {
		if !bytes.Equal(before[i].Key, after[i].Key) || !bytes.Equal(before[i].Value, after[i].Value) {
			e.t.Fatalf("%s: failed op changed key %x", name, before[i].Key)
		}
	}
}

// must returns v, panicking (which fails the test) on err.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// newSubnet creates a subnet owned by "owner"/"ownerhot" at height with
// network limits lifted, funding the owner.
func (e *env) newSubnet(owner, hot string, height uint64) uint16 {
	e.t.Helper()
	e.sudoSet(RootNetuid, "network_rate_limit", 0)
	cost := must(LockCost(e.o, height))
	e.fund(acct(owner), cost)
	return must(CreateSubnet(e.o, acct(owner), acct(hot), height))
}

func (e *env) read() *rw { return &rw{o: e.o} }
