package modules_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/taorun/taorun/abi/wire"
	"github.com/taorun/taorun/chain/modules"
	"github.com/taorun/taorun/chain/state"
	"github.com/taorun/taorun/chain/tx"
	"github.com/taorun/taorun/chain/types"
	"github.com/taorun/taorun/host"
	"github.com/taorun/taorun/plugins"
	"github.com/taorun/taorun/plugins/registry"
	"github.com/taorun/taorun/plugins/registry/registrytest"
	"github.com/taorun/taorun/runtime"
)

var ctx = context.Background()

var (
	owner    = types.AccountID{0x0a}
	stranger = types.AccountID{0x0b}
)

const netuid = 3

// fixture is a real pebble store with the owner funded, and Modules whose
// owner callback knows one subnet (netuid, owned by owner).
type fixture struct {
	store *state.Store
	o     *state.Overlay
	m     *modules.Modules
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	st, err := state.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	o := state.NewOverlay(st)
	state.SetBalance(o, owner, 100_000_000_000)
	state.SetBalance(o, stranger, 100_000_000_000)
	if err := st.Commit(o); err != nil {
		t.Fatal(err)
	}
	m := &modules.Modules{Owner: func(_ state.Reader, n uint16) (types.AccountID, bool, error) {
		return owner, n == netuid, nil
	}}
	return &fixture{store: st, o: state.NewOverlay(st), m: m}
}

// dump is the whole state the overlay sees.
func (f *fixture) dump(t *testing.T) []state.Write {
	t.Helper()
	d, err := state.Dump(f.o, nil)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// unchanged runs op, which must fail with an error matching want, and checks
// that the state is exactly as before.
func (f *fixture) unchanged(t *testing.T, name string, want error, text string, op func() error) {
	t.Helper()
	before := f.dump(t)
	err := op()
	if err == nil || !errors.Is(err, want) || !strings.Contains(err.Error(), text) {
		t.Errorf("%s: error %v, want %v containing %q", name, err, want, text)
	}
	if after := f.dump(t); !reflect.DeepEqual(before, after) {
		t.Errorf("%s changed the state", name)
	}
}

func (f *fixture) upload(t *testing.T, code []byte) modules.ModuleID {
	t.Helper()
	id, err := f.m.Upload(f.o, owner, netuid, code)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestUploadStoresByHashAndBurnsTheFee(t *testing.T) {
	f := newFixture(t)
	for _, code := range [][]byte{registrytest.WAT(t, registrytest.HooksWAT), registrytest.PocSubnet(t)} {
		bal, _ := state.Balance(f.o, owner)
		burned, _ := state.Burned(f.o)
		id := f.upload(t, code)
		if id != sha256.Sum256(code) {
			t.Fatalf("id %x is not the code's sha256", id)
		}
		got, ok, err := modules.Code(f.o, id)
		if err != nil || !ok || string(got) != string(code) {
			t.Fatalf("stored code: %d bytes, %v, %v", len(got), ok, err)
		}
		fee := modules.UploadFee(len(code))
		if b, _ := state.Balance(f.o, owner); b != bal-fee {
			t.Fatalf("balance %d, want %d - fee %d", b, bal, fee)
		}
		if b, _ := state.Burned(f.o); b != burned+fee {
			t.Fatalf("burned %d, want %d + fee %d", b, burned, fee)
		}
		// Uploading the same bytes again changes nothing.
		before := f.dump(t)
		if again := f.upload(t, code); again != id || !reflect.DeepEqual(before, f.dump(t)) {
			t.Fatal("a second upload of the same bytes changed the state")
		}
	}
	if modules.UploadFee(1000) != modules.UploadBaseFee+1000*modules.UploadFeePerByte {
		t.Fatal("UploadFee does not follow its documented formula")
	}
}

func TestRejectedUploadLeavesNoState(t *testing.T) {
	f := newFixture(t)
	hooks := registrytest.WAT(t, registrytest.HooksWAT)
	cases := []struct {
		name, file, rule string
	}{
		{"simd", "plugins/testdata/simd.wat", "SIMD"},
		{"forbidden import", "plugins/testdata/badimport.wat", "import env."},
		{"start section", "plugins/testdata/start.wat", "start"},
	}
	for _, c := range cases {
		code := registrytest.WAT(t, c.file)
		_, wantErr := plugins.Prepare(code, plugins.DefaultLimits())
		if wantErr == nil {
			t.Fatalf("%s passes the policy", c.file)
		}
		f.unchanged(t, c.name, modules.ErrRejected, wantErr.Error(), func() error {
			_, err := f.m.Upload(f.o, owner, netuid, code)
			var pe *plugins.PolicyError
			if !errors.As(err, &pe) || !strings.Contains(err.Error(), c.rule) {
				return fmt.Errorf("%w (no policy error naming %q)", err, c.rule)
			}
			return err
		})
	}
	f.unchanged(t, "stranger", modules.ErrNotOwner, "not the subnet owner", func() error {
		_, err := f.m.Upload(f.o, stranger, netuid, hooks)
		return err
	})
	f.unchanged(t, "no subnet", modules.ErrNoSubnet, "does not exist: 4", func() error {
		_, err := f.m.Upload(f.o, owner, netuid+1, hooks)
		return err
	})
	state.SetBalance(f.o, owner, 10)
	f.unchanged(t, "poor owner", modules.ErrBalance, "upload fee", func() error {
		_, err := f.m.Upload(f.o, owner, netuid, hooks)
		return err
	})
}

func TestActivationIsPromotedExactlyAtItsBlock(t *testing.T) {
	f := newFixture(t)
	id := f.upload(t, registrytest.WAT(t, registrytest.HooksWAT))
	f.unchanged(t, "past block", modules.ErrNotFuture, "block 4, current block 5", func() error {
		return f.m.Activate(f.o, owner, netuid, id, 4, 5)
	})
	f.unchanged(t, "current block", modules.ErrNotFuture, "not in the future", func() error {
		return f.m.Activate(f.o, owner, netuid, id, 5, 5)
	})
	f.unchanged(t, "unknown module", modules.ErrNoModule, "not found", func() error {
		return f.m.Activate(f.o, owner, netuid, modules.ModuleID{1}, 10, 5)
	})
	f.unchanged(t, "stranger", modules.ErrNotOwner, "owner", func() error {
		return f.m.Activate(f.o, stranger, netuid, id, 10, 5)
	})
	f.unchanged(t, "deactivate nothing", modules.ErrInactive, "no active", func() error {
		return f.m.Deactivate(f.o, owner, netuid, 5)
	})
	if err := f.m.Activate(f.o, owner, netuid, id, 10, 5); err != nil {
		t.Fatal(err)
	}
	// Persist through pebble, then read the schedule back from the store.
	if err := f.store.Commit(f.o); err != nil {
		t.Fatal(err)
	}
	f.o = state.NewOverlay(f.store)
	for h := uint64(5); h <= 11; h++ {
		got, ok, err := modules.ActiveModule(f.o, netuid, h)
		if err != nil || ok != (h >= 10) || (ok && got != id) {
			t.Fatalf("ActiveModule at %d = %x, %v, %v", h, got, ok, err)
		}
	}
	if changed, err := modules.BeginBlock(f.o, 9); err != nil || len(changed) != 0 || f.o.Len() != 0 {
		t.Fatalf("BeginBlock(9) promoted %v (%v), %d writes", changed, err, f.o.Len())
	}
	changed, err := modules.BeginBlock(f.o, 10)
	if err != nil || !reflect.DeepEqual(changed, []uint16{netuid}) {
		t.Fatalf("BeginBlock(10) = %v, %v", changed, err)
	}
	if act, err := modules.ActiveModules(f.o, 10); err != nil || !reflect.DeepEqual(act, []modules.SubnetModule{{Netuid: netuid, ID: id}}) {
		t.Fatalf("ActiveModules = %+v, %v", act, err)
	}
	rec, err := modules.GetRecord(f.o, netuid)
	want := modules.Record{Active: id, HasActive: true, ActiveSince: 10, History: []modules.Change{{ID: id, Block: 10}}}
	if err != nil || !reflect.DeepEqual(rec, want) {
		t.Fatalf("record after promotion = %+v, %v", rec, err)
	}
	if changed, _ := modules.BeginBlock(f.o, 11); len(changed) != 0 {
		t.Fatal("BeginBlock promoted twice")
	}
	if err := f.m.Deactivate(f.o, owner, netuid, 12); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := modules.ActiveModule(f.o, netuid, 12); ok {
		t.Fatal("a deactivated subnet still has a module")
	}
	if act, _ := modules.ActiveModules(f.o, 12); len(act) != 0 {
		t.Fatalf("ActiveModules after deactivation = %+v", act)
	}
	rec, _ = modules.GetRecord(f.o, netuid)
	if len(rec.History) != 2 || rec.History[1] != (modules.Change{Block: 12}) {
		t.Fatalf("history after deactivation = %+v", rec.History)
	}
	// A due activation not yet promoted is applied before an operation.
	if err := f.m.Activate(f.o, owner, netuid, id, 20, 12); err != nil {
		t.Fatal(err)
	}
	if err := f.m.Deactivate(f.o, owner, netuid, 25); err != nil {
		t.Fatal(err)
	}
	rec, _ = modules.GetRecord(f.o, netuid)
	if h := rec.History; len(h) != 4 || h[2] != (modules.Change{ID: id, Block: 20}) || h[3] != (modules.Change{Block: 25}) {
		t.Fatalf("history = %+v", h)
	}
}

func TestHookGasSettings(t *testing.T) {
	f := newFixture(t)
	if g, err := modules.GetHookGas(f.o, netuid); err != nil || g != modules.DefaultHookGas() {
		t.Fatalf("default gas = %+v, %v", g, err)
	}
	set := modules.HookGas{ValidateWeights: 5_000_000, OnEpoch: modules.MaxHookGas, OnRegister: 1}
	if err := f.m.SetHookGas(f.o, owner, netuid, set); err != nil {
		t.Fatal(err)
	}
	if g, _ := modules.GetHookGas(f.o, netuid); g != set {
		t.Fatalf("gas = %+v, want %+v", g, set)
	}
	for _, bad := range []modules.HookGas{{0, 1, 1}, {1, modules.MaxHookGas + 1, 1}} {
		f.unchanged(t, fmt.Sprint(bad), modules.ErrGasLimit, "allowed 1..", func() error { return f.m.SetHookGas(f.o, owner, netuid, bad) })
	}
	f.unchanged(t, "stranger", modules.ErrNotOwner, "owner", func() error { return f.m.SetHookGas(f.o, stranger, netuid, set) })
	if err := f.m.SetHookGas(f.o, owner, netuid, modules.DefaultHookGas()); err != nil || len(f.dump(t)) != 2 {
		t.Fatalf("setting the defaults left %d keys (%v)", len(f.dump(t)), err)
	}
}

func TestModuleStorageIsPerSubnetAndBounded(t *testing.T) {
	f := newFixture(t)
	a, b := modules.ModuleStorage(f.o, 1), modules.ModuleStorage(f.o, 2)
	if err := a.Set([]byte("k"), []byte("a")); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := b.Get([]byte("k")); ok {
		t.Fatal("subnet 2 sees subnet 1's storage")
	}
	if v, ok, _ := a.Get([]byte("k")); !ok || string(v) != "a" {
		t.Fatalf("Get = %q, %v", v, ok)
	}
	f.unchanged(t, "long key", modules.ErrStorageBounds, "key of 257 bytes", func() error {
		return a.Set(make([]byte, host.MaxStateKeyBytes+1), nil)
	})
	f.unchanged(t, "long value", modules.ErrStorageBounds, "value of", func() error {
		return a.Set([]byte("k"), make([]byte, host.MaxStateValueBytes+1))
	})
	if err := a.Delete([]byte("k")); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := a.Get([]byte("k")); ok {
		t.Fatal("Delete did not delete")
	}
}

// TestCallsMatchThePolicy checks the module calls' table entries in package
// tx against this package: the code bound is the policy's module size limit
// and Apply executes exactly the module kinds.
func TestCallsMatchThePolicy(t *testing.T) {
	if tx.MaxCodeBytes != plugins.DefaultLimits().MaxModuleBytes {
		t.Fatal("tx.MaxCodeBytes differs from the policy's module size limit")
	}
	for _, s := range tx.Specs() {
		want := s.Kind >= 30 && s.Kind <= 39
		if modules.IsCall(s.Kind) != want {
			t.Errorf("%s: IsCall = %v, want %v", s.Name, !want, want)
		}
	}
	for _, k := range []tx.CallKind{tx.KindUploadModule, tx.KindActivateModule, tx.KindDeactivateModule} {
		if !modules.IsCall(k) {
			t.Errorf("%s is not a module call", tx.Name(k))
		}
	}
}

func TestApplyDispatchesTheCalls(t *testing.T) {
	f := newFixture(t)
	code := registrytest.WAT(t, registrytest.HooksWAT)
	id := sha256.Sum256(code)
	for _, c := range []tx.Call{
		tx.UploadModule{Netuid: netuid, Code: code},
		tx.ActivateModule{Netuid: netuid, ModuleID: id, AtBlock: 8},
	} {
		if err := f.m.Apply(f.o, owner, 7, c); err != nil {
			t.Fatalf("%T: %v", c, err)
		}
	}
	if got, ok, _ := modules.ActiveModule(f.o, netuid, 8); !ok || got != id {
		t.Fatal("upload + activate through Apply did not schedule the module")
	}
	if err := f.m.Apply(f.o, owner, 9, tx.DeactivateModule{Netuid: netuid}); err != nil {
		t.Fatal(err)
	}
	if err := f.m.Apply(f.o, owner, 9, tx.Transfer{}); err == nil {
		t.Fatal("Apply accepted a transfer")
	}
}

// hookOutcome is what consensus sees of one hook call through Hooks.
type hookOutcome struct {
	name, result string
	gas          uint64
	writes       int
}

// hookScenario uploads and activates the Go and WAT modules on two subnets and
// runs hooks through Hooks on engine, checking each outcome.
func hookScenario(t *testing.T, engine string) ([]hookOutcome, []state.Write) {
	f := newFixture(t)
	const watNet = netuid + 1
	m := &modules.Modules{Owner: func(_ state.Reader, n uint16) (types.AccountID, bool, error) {
		return owner, n == netuid || n == watNet, nil
	}}
	poc, wat := registrytest.PocSubnet(t), registrytest.WAT(t, registrytest.HooksWAT)
	for _, c := range []struct {
		n    uint16
		code []byte
	}{{netuid, poc}, {watNet, wat}} {
		id, err := m.Upload(f.o, owner, c.n, c.code)
		if err == nil {
			err = m.Activate(f.o, owner, c.n, id, 2, 1)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	reg, err := registry.New(registry.Config{Engine: engine, CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close(ctx)
	hooks := &modules.Hooks{Registry: reg, Metagraph: func(_ state.Reader, n uint16, h uint64) (wire.Metagraph, error) {
		return wire.Metagraph{Netuid: n, Block: h}, nil
	}}
	block := wire.BlockInfo{Height: 2, TimeMillis: 1_700_000_000_000, Hash: [32]byte{1}}
	var outs []hookOutcome
	add := func(name string, res any, hr registry.HookResult, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		outs = append(outs, hookOutcome{name, fmt.Sprintf("%+v", res), hr.GasUsed, f.o.Len()})
	}

	// Before the activation block: defaults, nothing run.
	early := block
	early.Height = 1
	vw, err := hooks.ValidateWeights(ctx, f.o, early, wire.ValidateWeightsInput{Netuid: netuid, SubnetN: 2})
	if err == nil && (vw.Status != registry.StatusDefault || vw.Verdict != wire.Accept || vw.Reason != "subnet has no active module") {
		t.Errorf("before activation: %+v", vw)
	}
	add("validate_weights early", vw, vw.HookResult, err)

	for _, c := range []struct {
		name    string
		in      wire.ValidateWeightsInput
		verdict wire.Verdict
	}{
		{"accept", wire.ValidateWeightsInput{Netuid: netuid, CallerUID: 0, SubnetN: 3, Weights: []wire.WeightEntry{{UID: 1, Value: 1}}}, wire.Accept},
		{"adjust", wire.ValidateWeightsInput{Netuid: netuid, CallerUID: 0, SubnetN: 3, Weights: []wire.WeightEntry{{UID: 0, Value: 1}, {UID: 1, Value: 1}}}, wire.Adjust},
		{"reject", wire.ValidateWeightsInput{Netuid: netuid, CallerUID: 0, SubnetN: 3, Weights: []wire.WeightEntry{{UID: 5, Value: 1}}}, wire.Reject},
	} {
		vw, err := hooks.ValidateWeights(ctx, f.o, block, c.in)
		if err == nil && (vw.Status != registry.StatusOK || vw.Verdict != c.verdict) {
			t.Errorf("validate_weights %s: %+v", c.name, vw)
		}
		add("validate_weights "+c.name, vw, vw.HookResult, err)
	}

	// on_register through the Go module counts in module storage, in the
	// overlay, under the subnet's prefix.
	hotkey := [32]byte{0x42}
	for i, allow := range []bool{true, true, true, false} {
		rr, err := hooks.OnRegister(ctx, f.o, block, wire.OnRegisterInput{Netuid: netuid, Hotkey: hotkey, UID: uint16(i)})
		if err == nil && rr.Allow != allow {
			t.Errorf("on_register %d: %+v", i, rr)
		}
		add(fmt.Sprint("on_register ", i), rr, rr.HookResult, err)
	}
	count, ok, _ := modules.ModuleStorage(f.o, netuid).Get(append([]byte("reg/"), hotkey[:]...))
	if !ok || count[0] != 3 {
		t.Errorf("registration count in the overlay = %x, %v", count, ok)
	}

	// on_epoch: hooks.wat picks its behaviour by the input Netuid, and
	// watNet (4) is "write k=v, keep Yuma's split"; the Go module caps the
	// 60 % miner at 50 %, conserving the total.
	neurons := []wire.EpochNeuron{{UID: 0, ServerEmission: 600}, {UID: 1, ServerEmission: 400}}
	budget := modules.NewEpochBudget()
	ep, err := hooks.OnEpoch(ctx, f.o, block, wire.OnEpochInput{Netuid: watNet, Neurons: neurons}, budget)
	if err == nil && (ep.Status != registry.StatusOK || ep.Resplit || budget.Left() != modules.OnEpochBlockBudget-ep.GasUsed) {
		t.Errorf("on_epoch wat: %+v, budget left %d", ep, budget.Left())
	}
	add("on_epoch wat", ep, ep.HookResult, err)
	if v, ok, _ := modules.ModuleStorage(f.o, watNet).Get([]byte("k")); !ok || string(v) != "v" {
		t.Errorf("on_epoch's storage write is not in the overlay: %q, %v", v, ok)
	}
	ep, err = hooks.OnEpoch(ctx, f.o, block, wire.OnEpochInput{Netuid: netuid, Neurons: neurons}, budget)
	if err == nil && (ep.Status != registry.StatusOK || fmt.Sprint(ep.ServerEmission) != "[500 500]") {
		t.Errorf("on_epoch go: %+v", ep)
	}
	add("on_epoch go", ep, ep.HookResult, err)
	spent := &modules.EpochBudget{}
	ep, err = hooks.OnEpoch(ctx, f.o, block, wire.OnEpochInput{Netuid: netuid, Neurons: neurons}, spent)
	if err == nil && (!ep.Fallback || ep.Failure != registry.FailureOutOfGas || ep.GasUsed != 0) {
		t.Errorf("on_epoch with a spent budget: %+v", ep)
	}
	add("on_epoch spent budget", ep, ep.HookResult, err)

	d, err := state.Dump(f.o, []byte{state.PrefixModule})
	if err != nil {
		t.Fatal(err)
	}
	return outs, d
}

// TestHooksThroughState runs hooks of active modules over a block overlay on
// every engine and requires identical outcomes, gas and state writes.
func TestHooksThroughState(t *testing.T) {
	var first []hookOutcome
	var firstState []state.Write
	for _, eng := range runtime.Engines() {
		outs, st := hookScenario(t, eng)
		if first == nil {
			first, firstState = outs, st
			continue
		}
		if !reflect.DeepEqual(outs, first) || !reflect.DeepEqual(st, firstState) {
			t.Errorf("engine %s disagrees:\n%+v\n%+v", eng, outs, first)
		}
	}
}

// TestFailedHookDiscardsItsWrites checks, over a real overlay, that a hook
// that writes module storage and then fails leaves the state unchanged,
// while one that writes and succeeds persists its write.
func TestFailedHookDiscardsItsWrites(t *testing.T) {
	f := newFixture(t)
	reg, err := registry.New(registry.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close(ctx)
	l, err := reg.Load(ctx, registrytest.WAT(t, registrytest.HooksWAT))
	if err != nil {
		t.Fatal(err)
	}
	env := registry.HookEnv{Storage: modules.ModuleStorage(f.o, netuid), Metagraph: func(context.Context) (wire.Metagraph, error) {
		return wire.Metagraph{}, nil
	}}
	before := f.dump(t)
	// Mode 3 writes "k" then traps; mode 1 breaks conservation.
	for _, mode := range []uint16{3, 1} {
		res, err := reg.RunOnEpoch(ctx, l, env, wire.OnEpochInput{Netuid: mode, Neurons: []wire.EpochNeuron{{ServerEmission: 5}}}, 1_000_000)
		if err != nil || !res.Fallback {
			t.Fatalf("mode %d: %+v, %v", mode, res, err)
		}
		if !reflect.DeepEqual(before, f.dump(t)) {
			t.Fatalf("mode %d: a failed hook changed the state", mode)
		}
	}
	res, err := reg.RunOnEpoch(ctx, l, env, wire.OnEpochInput{Netuid: 4}, 1_000_000)
	if err != nil || res.Status != registry.StatusOK {
		t.Fatalf("mode 4: %+v, %v", res, err)
	}
	if v, ok, _ := modules.ModuleStorage(f.o, netuid).Get([]byte("k")); !ok || string(v) != "v" {
		t.Fatalf("a successful hook's write did not persist: %q, %v", v, ok)
	}
}

func TestRecordEncodingIsCanonical(t *testing.T) {
	rec := modules.Record{Active: modules.ModuleID{1}, HasActive: true, ActiveSince: 7,
		Pending: modules.Pending{ID: modules.ModuleID{2}, AtBlock: 9}, HasPending: true,
		History: []modules.Change{{ID: modules.ModuleID{1}, Block: 7}}}
	b := modules.EncodeRecord(rec)
	if got, err := modules.DecodeRecord(b); err != nil || !reflect.DeepEqual(got, rec) {
		t.Fatalf("round trip: %+v, %v", got, err)
	}
	noFlag := modules.EncodeRecord(rec)
	noFlag[0] = 0 // HasActive false with an active ID set
	for name, bad := range map[string][]byte{
		"flag without value": noFlag,
		"trailing byte":      append(append([]byte(nil), b...), 0),
		"truncated":          b[:len(b)-1],
	} {
		if _, err := modules.DecodeRecord(bad); err == nil {
			t.Errorf("%s: decoded", name)
		}
	}
}

func TestHistoryKeepsTheLastChanges(t *testing.T) {
	f := newFixture(t)
	id := f.upload(t, registrytest.WAT(t, registrytest.HooksWAT))
	for h := uint64(1); h <= 2*modules.MaxHistory; h += 2 {
		if err := f.m.Activate(f.o, owner, netuid, id, h+1, h); err != nil {
			t.Fatal(err)
		}
		if err := f.m.Deactivate(f.o, owner, netuid, h+1); err != nil {
			t.Fatal(err)
		}
	}
	rec, err := modules.GetRecord(f.o, netuid)
	if err != nil || len(rec.History) != modules.MaxHistory {
		t.Fatalf("history has %d changes (%v)", len(rec.History), err)
	}
	if first, last := rec.History[0], rec.History[modules.MaxHistory-1]; first != (modules.Change{ID: id, Block: 18}) || last != (modules.Change{Block: 2 * modules.MaxHistory}) {
		t.Fatalf("history runs from %+v to %+v", first, last)
	}
}
