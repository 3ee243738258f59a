package registry_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/taorun/taorun/abi/wire"
	"github.com/taorun/taorun/host"
	"github.com/taorun/taorun/plugins"
	"github.com/taorun/taorun/plugins/registry"
	"github.com/taorun/taorun/plugins/registry/registrytest"
	"github.com/taorun/taorun/runtime"
)

var ctx = context.Background()

// hookGas is enough for a Go guest's _initialize and a hook call.
const hookGas = 50_000_000

func newRegistry(t testing.TB, engine string) *registry.Registry {
	t.Helper()
	r, err := registry.New(registry.Config{Engine: engine, CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close(ctx) })
	return r
}

func load(t testing.TB, r *registry.Registry, wasm []byte) *registry.Loaded {
	t.Helper()
	l, err := r.Load(ctx, wasm)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// env returns a HookEnv over st with a one-neuron metagraph.
func env(st host.Storage) registry.HookEnv {
	return registry.HookEnv{
		Block:   wire.BlockInfo{Netuid: 1, Height: 100, TimeMillis: 1_700_000_000_000, Hash: [32]byte{9}},
		Storage: st,
		Metagraph: func(context.Context) (wire.Metagraph, error) {
			return wire.Metagraph{Netuid: 1, Block: 100, Neurons: []wire.Neuron{{UID: 0}}}, nil
		},
	}
}

func dump(st *host.MemStorage) string {
	var b strings.Builder
	for k, v := range st.All() {
		fmt.Fprintf(&b, "%s=%s;", k, v)
	}
	return b.String()
}

func TestLoadCachesAndPins(t *testing.T) {
	hooks := registrytest.WAT(t, registrytest.HooksWAT)
	r, err := registry.New(registry.Config{PreparedBytes: 1}) // every unpinned entry is evicted at once
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close(ctx)
	l := load(t, r, hooks)
	if l.ID != sha256.Sum256(hooks) || l.Prepared.ID != l.ID || l.Module.ID() != runtime.ModuleID(l.Prepared.InstrumentedID) {
		t.Fatalf("ids: loaded %x, prepared %x / %x, compiled %x", l.ID, l.Prepared.ID, l.Prepared.InstrumentedID, l.Module.ID())
	}
	if registry.CachedPrepared(r, l.ID) {
		t.Fatal("an unpinned module stayed in a 1-byte cache")
	}
	r.Pin(l.ID)
	l2 := load(t, r, hooks)
	if !registry.CachedPrepared(r, l.ID) {
		t.Fatal("a pinned module was evicted")
	}
	if l3 := load(t, r, hooks); l3.Prepared != l2.Prepared {
		t.Fatal("a pinned module was prepared again")
	}
	r.Unpin(l.ID)
	if registry.CachedPrepared(r, l.ID) {
		t.Fatal("an unpinned module stayed in a 1-byte cache after Unpin")
	}
	// A module the policy rejects names the rule.
	_, err = r.Load(ctx, registrytest.WAT(t, "plugins/testdata/simd.wat"))
	var pe *plugins.PolicyError
	if !errors.As(err, &pe) || pe.Rule != "feature" {
		t.Fatalf("loading a SIMD module: %v", err)
	}
}

// TestPinActive checks that the pinned set follows the modules subnets run:
// a module stays cached while any subnet runs it and returns to the LRU when
// the last one moves on.
func TestPinActive(t *testing.T) {
	a := registrytest.WAT(t, registrytest.HooksWAT)
	b := registrytest.PocSubnet(t)
	r, err := registry.New(registry.Config{PreparedBytes: 1}) // every unpinned entry is evicted at once
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close(ctx)
	idA, idB := sha256.Sum256(a), sha256.Sum256(b)
	r.PinActive(1, idA)
	r.PinActive(2, idA)
	load(t, r, a)
	if !registry.CachedPrepared(r, idA) {
		t.Fatal("the module two subnets run was evicted")
	}
	r.PinActive(1, idB) // subnet 2 still runs A
	load(t, r, b)
	if !registry.CachedPrepared(r, idA) || !registry.CachedPrepared(r, idB) {
		t.Fatal("a module a subnet runs was evicted")
	}
	r.PinActive(2, idB) // nobody runs A any more
	if registry.CachedPrepared(r, idA) {
		t.Fatal("a module no subnet runs stayed pinned")
	}
	if !registry.CachedPrepared(r, idB) {
		t.Fatal("the module both subnets run was evicted")
	}
}

// outcome is everything consensus sees of a hook call, for comparing engines.
type outcome struct {
	name, result, storage string
	gas                   uint64
}

// scenario runs every hook case on one engine and returns the outcomes.
func scenario(t *testing.T, engine string) []outcome {
	r := newRegistry(t, engine)
	poc := load(t, r, registrytest.PocSubnet(t))
	hooks := load(t, r, registrytest.WAT(t, registrytest.HooksWAT))
	var outs []outcome
	record := func(name string, st *host.MemStorage, res any, hr registry.HookResult, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		outs = append(outs, outcome{name, fmt.Sprintf("%+v", res), dump(st), hr.GasUsed})
	}

	// validate_weights through the Go module: accept, adjust, reject.
	weights := []struct {
		name    string
		in      wire.ValidateWeightsInput
		verdict wire.Verdict
		kept    int
	}{
		{"accept", wire.ValidateWeightsInput{Netuid: 1, CallerUID: 0, SubnetN: 4, Weights: []wire.WeightEntry{{UID: 1, Value: 5}, {UID: 3, Value: 9}}}, wire.Accept, 0},
		{"adjust", wire.ValidateWeightsInput{Netuid: 1, CallerUID: 1, SubnetN: 4, Weights: []wire.WeightEntry{{UID: 1, Value: 5}, {UID: 2, Value: 9}, {UID: 7, Value: 1}}}, wire.Adjust, 1},
		{"reject", wire.ValidateWeightsInput{Netuid: 1, CallerUID: 2, SubnetN: 4, Weights: []wire.WeightEntry{{UID: 2, Value: 9}}}, wire.Reject, 0},
	}
	for _, c := range weights {
		st := &host.MemStorage{}
		res, err := r.RunValidateWeights(ctx, poc, env(st), c.in, hookGas)
		if err == nil && (res.Status != registry.StatusOK || res.Verdict != c.verdict || len(res.Weights) != c.kept || res.GasUsed == 0) {
			t.Errorf("validate_weights %s: %+v", c.name, res)
		}
		record("validate_weights "+c.name, st, res, res.HookResult, err)
	}
	// A module without validate_weights: accepted by default, no gas.
	st := &host.MemStorage{}
	vw, err := r.RunValidateWeights(ctx, hooks, env(st), weights[0].in, hookGas)
	if err == nil && (vw.Status != registry.StatusDefault || vw.Verdict != wire.Accept || vw.GasUsed != 0) {
		t.Errorf("absent validate_weights: %+v", vw)
	}
	record("validate_weights absent", st, vw, vw.HookResult, err)

	// on_epoch.
	neurons := []wire.EpochNeuron{{UID: 0, ServerEmission: 800}, {UID: 1, ServerEmission: 100}, {UID: 2, ServerEmission: 100}, {UID: 3, ValidatorEmission: 1000}}
	epochs := []struct {
		name     string
		mod      *registry.Loaded
		netuid   uint16
		gas      uint64
		status   registry.Status
		failure  registry.Failure
		resplit  []uint64
		reason   string
		storage  string
		preStore bool // storage holds "k=old" before the call
	}{
		{"go resplit", poc, 1, hookGas, registry.StatusOK, registry.FailureNone, []uint64{499, 251, 250, 0}, "", "", false},
		{"wat keep", hooks, 0, 1_000_000, registry.StatusOK, registry.FailureNone, nil, "", "", false},
		{"wat conservation", hooks, 1, 1_000_000, registry.StatusFailed, registry.FailureConservation, nil,
			"on_epoch: conservation: resplit pays 4 rao, Yuma's miner emission is 1000 rao", "", false},
		{"wat out of gas", hooks, 2, 100_000, registry.StatusFailed, registry.FailureOutOfGas, nil, "on_epoch: out of gas", "", false},
		{"go out of gas", poc, 1, 200_000, registry.StatusFailed, registry.FailureOutOfGas, nil, "on_epoch: out of gas", "", false},
		{"wat write then trap", hooks, 3, 1_000_000, registry.StatusFailed, registry.FailureTrap, nil, "on_epoch: trap", "k=old;", true},
		{"wat write then keep", hooks, 4, 1_000_000, registry.StatusOK, registry.FailureNone, nil, "", "k=v;", true},
		{"wat invalid output", hooks, 5, 1_000_000, registry.StatusFailed, registry.FailureInvalidOutput, nil,
			"on_epoch: invalid output: wire: OnEpochOutput.Resplit", "", false},
		{"wat not implemented", hooks, 6, 1_000_000, registry.StatusDefault, registry.FailureNone, nil, "on_epoch not implemented: not here", "", false},
	}
	for _, c := range epochs {
		st := &host.MemStorage{}
		if c.preStore {
			st.Set([]byte("k"), []byte("old"))
		}
		res, err := r.RunOnEpoch(ctx, c.mod, env(st), wire.OnEpochInput{Netuid: c.netuid, Block: 100, RaoEmission: 2000, Neurons: neurons}, c.gas)
		if err == nil {
			bad := res.Status != c.status || res.Failure != c.failure || res.Fallback != (c.status == registry.StatusFailed) ||
				fmt.Sprint(res.ServerEmission) != fmt.Sprint(c.resplit) || res.Resplit != (c.resplit != nil) ||
				!strings.HasPrefix(res.Reason, c.reason) || dump(st) != c.storage
			if c.failure == registry.FailureOutOfGas && res.GasUsed != c.gas {
				bad = true
			}
			if bad {
				t.Errorf("on_epoch %s: %+v, storage %q", c.name, res, dump(st))
			}
		}
		record("on_epoch "+c.name, st, res, res.HookResult, err)
	}

	// on_register: the WAT module denies (and its write persists); the Go
	// module allows a hotkey three times, counting in storage, then denies.
	st = &host.MemStorage{}
	reg, err := r.RunOnRegister(ctx, hooks, env(st), wire.OnRegisterInput{Netuid: 1, UID: 3}, 1_000_000)
	if err == nil && (reg.Status != registry.StatusOK || reg.Allow || reg.Reason != "nope!" || dump(st) != "r=v;") {
		t.Errorf("wat on_register: %+v, storage %q", reg, dump(st))
	}
	record("on_register wat", st, reg, reg.HookResult, err)
	st = &host.MemStorage{}
	for i, allow := range []bool{true, true, true, false} {
		reg, err := r.RunOnRegister(ctx, poc, env(st), wire.OnRegisterInput{Netuid: 1, Hotkey: [32]byte{0x42}, UID: uint16(i)}, hookGas)
		if err == nil && (reg.Status != registry.StatusOK || reg.Allow != allow ||
			(!allow && reg.Reason != "hotkey already registered 3 times (limit 3)")) {
			t.Errorf("go on_register %d: %+v", i, reg)
		}
		record(fmt.Sprintf("on_register go %d", i), st, reg, reg.HookResult, err)
	}
	return outs
}

// TestHooksAgreeOnEveryEngine runs every hook case on every engine built in
// and requires identical results, gas and storage.
func TestHooksAgreeOnEveryEngine(t *testing.T) {
	engines := runtime.Engines()
	var first []outcome
	for _, eng := range engines {
		outs := scenario(t, eng)
		if first == nil {
			first = outs
			continue
		}
		for i := range outs {
			if outs[i] != first[i] {
				t.Errorf("%s differs between %s and %s:\n%+v\n%+v", outs[i].name, engines[0], eng, first[i], outs[i])
			}
		}
	}
	for _, o := range first {
		t.Logf("%-32s gas %10d", o.name, o.gas)
	}
}

// faultyStorage fails every read, like a broken disk.
type faultyStorage struct{ host.MemStorage }

func (faultyStorage) Get([]byte) ([]byte, bool, error) { return nil, false, errors.New("disk on fire") }

func TestNodeFaultIsNotTheModules(t *testing.T) {
	r := newRegistry(t, "")
	poc := load(t, r, registrytest.PocSubnet(t))
	_, err := r.RunOnRegister(ctx, poc, env(&faultyStorage{}), wire.OnRegisterInput{Netuid: 1}, hookGas)
	if !registry.IsNodeFault(err) || !strings.Contains(err.Error(), "disk on fire") {
		t.Fatalf("storage fault gave %v", err)
	}
	e := env(&host.MemStorage{})
	e.Metagraph = nil
	if _, err := r.RunOnRegister(ctx, poc, e, wire.OnRegisterInput{Netuid: 1}, hookGas); !registry.IsNodeFault(err) {
		t.Fatalf("missing metagraph provider gave %v", err)
	}
}

// BenchmarkValidateWeightsGo measures one validate_weights call on the Go
// example module: a fresh instance, the Go runtime's _initialize, the call.
func BenchmarkValidateWeightsGo(b *testing.B) {
	for _, eng := range runtime.Engines() {
		b.Run(eng, func(b *testing.B) {
			r := newRegistry(b, eng)
			poc := load(b, r, registrytest.PocSubnet(b))
			in := wire.ValidateWeightsInput{Netuid: 1, CallerUID: 1, SubnetN: 64}
			for uid := range uint16(64) {
				in.Weights = append(in.Weights, wire.WeightEntry{UID: uid, Value: 1000})
			}
			st := &host.MemStorage{}
			var gas uint64
			b.ResetTimer()
			for b.Loop() {
				res, err := r.RunValidateWeights(ctx, poc, env(st), in, hookGas)
				if err != nil || res.Status != registry.StatusOK {
					b.Fatal(err, res)
				}
				gas = res.GasUsed
			}
			b.ReportMetric(float64(gas), "gas/op")
		})
	}
}

func TestLoadIDUsesTheCacheAndChecksTheHash(t *testing.T) {
	hooks := registrytest.WAT(t, registrytest.HooksWAT)
	id := sha256.Sum256(hooks)
	r := newRegistry(t, "")
	fetches := 0
	fetch := func() ([]byte, error) { fetches++; return hooks, nil }
	l1, err := r.LoadID(ctx, id, fetch)
	if err != nil {
		t.Fatal(err)
	}
	l2, err := r.LoadID(ctx, id, fetch)
	if err != nil || l2 != l1 || fetches != 1 {
		t.Fatalf("second LoadID: same=%v, %d fetches, %v", l2 == l1, fetches, err)
	}
	if _, err := r.LoadID(ctx, [32]byte{1}, fetch); err == nil || !strings.Contains(err.Error(), "hash to") {
		t.Fatalf("LoadID with bytes of another module: %v", err)
	}
	want := errors.New("state unavailable")
	if _, err := r.LoadID(ctx, [32]byte{2}, func() ([]byte, error) { return nil, want }); !errors.Is(err, want) {
		t.Fatalf("LoadID with a failing fetch: %v", err)
	}
}

// BenchmarkGoInitialize measures the fixed part of every hook call on a Go
// guest: a fresh instance and the Go runtime's _initialize, with no call.
func BenchmarkGoInitialize(b *testing.B) {
	for _, eng := range runtime.Engines() {
		b.Run(eng, func(b *testing.B) {
			r := newRegistry(b, eng)
			poc := load(b, r, registrytest.PocSubnet(b))
			var gas uint64
			for b.Loop() {
				inst, err := poc.Module.Instantiate(ctx, runtime.InstanceConfig{InitGas: hookGas})
				if err != nil {
					b.Fatal(err)
				}
				gas = inst.InitGasUsed()
				inst.Close(ctx)
			}
			b.ReportMetric(float64(gas), "gas/op")
		})
	}
}
