package validator_test

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"math"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/taorun/taorun/abi/wire"
	"github.com/taorun/taorun/examples/pocsubnet/matmul"
	"github.com/taorun/taorun/host"
	"github.com/taorun/taorun/keys"
	"github.com/taorun/taorun/neuron/axon"
	"github.com/taorun/taorun/neuron/dendrite"
	"github.com/taorun/taorun/neuron/internal/neurontest"
	"github.com/taorun/taorun/neuron/miner"
	"github.com/taorun/taorun/neuron/validator"
)

func TestMain(m *testing.M) { neurontest.Main(m) }

// testChain is a test double for the chain, shared by the miners (Head,
// ServeAxon) and the validator: a settable head, a metagraph, subnet
// params, and a record of the weight transactions, checked the way the
// chain checks them (rate limit, commit-reveal gate, reveal hash).
type testChain struct {
	mu      sync.Mutex
	height  uint64
	neurons []validator.Neuron
	params  validator.Params
	hash    validator.CommitHashFunc
	hotkey  keys.PublicKey // the validator's

	sets    []setCall
	commits [][32]byte
	reveals []setCall
	refused []error
	reads   int // Metagraph calls: one per step
}

type setCall struct {
	Block      uint64
	UIDs       []uint16
	Values     []uint16
	VersionKey uint64
}

func (c *testChain) Head(context.Context) (validator.Head, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return validator.Head{Height: c.height, Hash: sha256.Sum256(binary.LittleEndian.AppendUint64(nil, c.height)),
		TimeMillis: 1_700_000_000_000 + 12_000*c.height}, nil
}

func (c *testChain) ServeAxon(context.Context, uint16, string) error { return nil }

func (c *testChain) Metagraph(context.Context, uint16) ([]validator.Neuron, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reads++
	return slices.Clone(c.neurons), nil
}

func (c *testChain) SubnetParams(context.Context, uint16) (validator.Params, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.params, nil
}

// stored records a weights row like the chain: rate limit and min count
// checked, LastUpdate of the validator's UID set.
func (c *testChain) stored(uids, values []uint16, versionKey uint64) error {
	for i := range c.neurons {
		n := &c.neurons[i]
		if n.Hotkey != c.hotkey {
			continue
		}
		if n.LastUpdate != 0 && c.height-n.LastUpdate < c.params.WeightsRateLimit {
			return fmt.Errorf("rate limited: last %d, now %d", n.LastUpdate, c.height)
		}
		if len(uids) < min(int(c.params.MinAllowedWeights), len(c.neurons)) {
			return fmt.Errorf("%d weights, need %d", len(uids), c.params.MinAllowedWeights)
		}
		n.LastUpdate = c.height
		return nil
	}
	return errors.New("validator not registered")
}

func (c *testChain) SetWeights(_ context.Context, _ uint16, uids, values []uint16, versionKey uint64) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var refuse error
	if c.params.CommitReveal {
		refuse = errors.New("commit-reveal required")
	}
	return c.record(&c.sets, refuse, uids, values, versionKey)
}

func (c *testChain) CommitWeights(_ context.Context, _ uint16, hash [32]byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.commits = append(c.commits, hash)
	return nil
}

func (c *testChain) RevealWeights(_ context.Context, netuid uint16, uids, values, salt []uint16, versionKey uint64) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var refuse error
	if len(c.commits) == 0 || c.hash(c.hotkey, netuid, uids, values, salt, versionKey) != c.commits[len(c.commits)-1] {
		refuse = errors.New("reveal does not match the commit")
	}
	return c.record(&c.reveals, refuse, uids, values, versionKey)
}

// record appends a weights row (a set or a reveal) to *to when refuse is
// nil and the chain's checks (stored) pass; otherwise it records and
// returns the refusal. c.mu is held.
func (c *testChain) record(to *[]setCall, refuse error, uids, values []uint16, versionKey uint64) error {
	if refuse == nil {
		refuse = c.stored(uids, values, versionKey)
	}
	if refuse != nil {
		c.refused = append(c.refused, refuse)
		return refuse
	}
	*to = append(*to, setCall{c.height, slices.Clone(uids), slices.Clone(values), versionKey})
	return nil
}

func (c *testChain) setHeight(h uint64) {
	c.mu.Lock()
	c.height = h
	c.mu.Unlock()
}

// testCommitHash is the test chain's commit hash (the real chain uses
// chain/subnet.CommitHash); any collision-resistant function shows that the
// validator reveals exactly what it committed.
func testCommitHash(hotkey [32]byte, netuid uint16, uids, values, salt []uint16, versionKey uint64) [32]byte {
	h := sha256.New()
	h.Write(hotkey[:])
	fmt.Fprint(h, netuid, uids, values, salt, versionKey)
	var out [32]byte
	copy(out[:], h.Sum(nil))
	return out
}

// slowRunners delays every runner job: an honest but slow miner.
type slowRunners struct {
	host.Runners
	delay time.Duration
}

func (r slowRunners) Invoke(ctx context.Context, name string, in []byte) ([]byte, error) {
	time.Sleep(r.delay)
	return r.Runners.Invoke(ctx, name, in)
}

// UIDs of the test network.
const (
	uidValidator = iota
	uidFast
	uidSlow
	uidCheater
	uidOffline
	uidGarbage
)

// network is a subnet on loopback: the validator's registration and five
// miners, all real axons except the offline one.
type network struct {
	chain *testChain
	src   *neurontest.Source
	vkey  *keys.Keypair
}

// startNetwork starts the miners: fast (pocsubnet + matmul-cpu), slow (the
// same with a 300 ms runner delay), a cheater (an axon answering the
// product with one entry wrong), an offline one (a closed port) and one
// answering garbage bytes.
func startNetwork(t *testing.T, params validator.Params) *network {
	t.Helper()
	ctx := context.Background()
	reg := neurontest.SharedRegistry(t)
	sched := neurontest.Matmul(t)
	src := &neurontest.Source{}
	src.Activate(neurontest.PocModule(t), 1)
	vkey := keys.Dev("Alice")
	chain := &testChain{height: 9, params: params, hash: testCommitHash, hotkey: vkey.Public()}
	initCfg := neurontest.PocConfig(32, 3000)

	newMiner := func(key *keys.Keypair, runners host.Runners) *miner.Miner {
		m, err := miner.New(miner.Config{Hotkey: key, Netuid: 1, Addr: "127.0.0.1:0", Chain: chain,
			Module: miner.ModuleConfig{Source: src, Registry: reg, Runners: runners, InitConfig: initCfg}})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	startAxon := func(key *keys.Keypair, h axon.Handler) string {
		s, err := axon.New(axon.Config{Hotkey: key, Addr: "127.0.0.1:0", Handlers: map[string]axon.Handler{miner.SynapseSolve: h}})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Shutdown(context.Background()) })
		return s.Addr()
	}

	keysByUID := []*keys.Keypair{vkey, keys.Dev("Bob"), keys.Dev("Charlie"), keys.Dev("Dave"), keys.Dev("Eve"), keys.Dev("Ferdie")}
	addrs := make([]string, len(keysByUID))
	for uid, runners := range map[int]host.Runners{uidFast: sched.HostRunners(), uidSlow: slowRunners{sched.HostRunners(), 300 * time.Millisecond}} {
		m := newMiner(keysByUID[uid], runners)
		if err := m.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { m.Shutdown(context.Background()) })
		_, _ = m.Solve(ctx, nil) // warm up: instantiate and init the module before the timed queries
		addrs[uid] = m.Addr()
	}
	honest := newMiner(keysByUID[uidCheater], sched.HostRunners())
	addrs[uidCheater] = startAxon(keysByUID[uidCheater], func(ctx context.Context, req *axon.Request) ([]byte, error) {
		out, err := honest.Solve(ctx, req.Body)
		if err != nil {
			return nil, err
		}
		n, m, p := binary.LittleEndian.Uint32(req.Body[1:]), binary.LittleEndian.Uint32(req.Body[9:]), binary.LittleEndian.Uint32(req.Body[13:])
		res, err := matmul.DecodeResult(out, n, m, p)
		if err != nil {
			return nil, err
		}
		res.C[0] = (res.C[0] + 1) % p
		return matmul.EncodeResult(res), nil
	})
	_, _ = honest.Solve(ctx, nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addrs[uidOffline] = ln.Addr().String()
	ln.Close()
	addrs[uidGarbage] = startAxon(keysByUID[uidGarbage], func(context.Context, *axon.Request) ([]byte, error) {
		return []byte("definitely not a matrix"), nil
	})

	for uid, k := range keysByUID {
		chain.neurons = append(chain.neurons, validator.Neuron{UID: uint16(uid), Hotkey: k.Public(), Axon: addrs[uid],
			Stake: 1000, ValidatorPermit: uid == uidValidator})
	}
	return &network{chain: chain, src: src, vkey: vkey}
}

func (n *network) config(t *testing.T, dir string) validator.Config {
	return validator.Config{Hotkey: n.vkey, Netuid: 1, DataDir: dir, Chain: n.chain,
		Module:     validator.ModuleConfig{Source: n.src, Registry: neurontest.SharedRegistry(t), InitConfig: neurontest.PocConfig(32, 3000)},
		SampleSize: 10, Alpha: wire.ScoreOne / 2, WeightsInterval: 2, CommitHash: testCommitHash}
}

func newValidator(t *testing.T, cfg validator.Config) *validator.Validator {
	t.Helper()
	v, err := validator.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close(context.Background()) })
	return v
}

func step(t *testing.T, n *network, v *validator.Validator, height uint64) validator.StepReport {
	t.Helper()
	n.chain.setHeight(height)
	rep, err := v.Step(context.Background())
	if err != nil {
		t.Fatalf("step at %d: %v", height, err)
	}
	return rep
}

// TestValidatorRanksMiners runs the validator against the five miners for
// a few blocks: the EMA orders fast > slow > 0 and gives the cheater, the
// offline and the garbage miner exactly 0; weights are set every two
// blocks and reflect that order; a restarted validator restores the EMA
// from disk and goes on from it.
func TestValidatorRanksMiners(t *testing.T) {
	n := startNetwork(t, validator.Params{MinAllowedWeights: 3, MaxWeightLimit: 65535, WeightsRateLimit: 1, WeightsVersionKey: 7})
	dir := t.TempDir()
	cfg := n.config(t, dir)
	v := newValidator(t, cfg)

	for h := uint64(10); h <= 13; h++ {
		rep := step(t, n, v, h)
		if rep.Skipped != "" {
			t.Fatalf("step %d skipped: %s", h, rep.Skipped)
		}
		if want := []uint16{uidFast, uidSlow, uidCheater, uidOffline, uidGarbage}; !slices.Equal(rep.Queried, want) {
			t.Fatalf("step %d queried %v, want %v", h, rep.Queried, want)
		}
		if len(rep.Failed) != 1 || !strings.Contains(rep.Failed[uidOffline], dendrite.ErrUnreachable.Error()) {
			t.Fatalf("step %d: failed queries %v, want only the offline miner, unreachable", h, rep.Failed)
		}
		t.Logf("block %d: scores %v, weights %s %v %s", h, rep.Scores, rep.WeightsAction, rep.Weights, rep.WeightsNote)
	}
	ema := v.Scores()
	if !(ema[uidFast] > ema[uidSlow] && ema[uidSlow] > 0) {
		t.Fatalf("EMA %v: want fast > slow > 0", ema)
	}
	for _, uid := range []uint16{uidCheater, uidOffline, uidGarbage} {
		if ema[uid] != 0 {
			t.Errorf("EMA of uid %d = %d, want 0", uid, ema[uid])
		}
	}

	c := n.chain
	if len(c.refused) != 0 {
		t.Fatalf("the chain refused weights: %v", c.refused)
	}
	if len(c.sets) != 2 || c.sets[0].Block != 10 || c.sets[1].Block != 12 {
		t.Fatalf("weights set at %v, want blocks 10 and 12", c.sets)
	}
	last := c.sets[1]
	if !slices.Equal(last.UIDs, []uint16{uidFast, uidSlow, uidCheater}) || last.VersionKey != 7 {
		t.Fatalf("weights %+v: want uids fast, slow and a zero for the cheater (min allowed 3), version key 7", last)
	}
	if !(last.Values[0] == 65535 && last.Values[1] < last.Values[0] && last.Values[1] > 0 && last.Values[2] == 0) {
		t.Fatalf("weight values %v: want 65535 > slow > 0 = cheater", last.Values)
	}

	// Restart: the EMA comes back from the state file exactly.
	if err := v.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	v2 := newValidator(t, cfg)
	if got := v2.Scores(); !maps.Equal(got, ema) {
		t.Fatalf("restored EMA %v, want %v", got, ema)
	}
	rep := step(t, n, v2, 14)
	if rep.WeightsAction != "set" {
		t.Fatalf("step 14 after the restart: weights %q (%s), want set", rep.WeightsAction, rep.WeightsNote)
	}
	if got := v2.Scores(); got[uidFast] == 0 || got[uidFast] < ema[uidFast]/2 {
		t.Fatalf("after the restart the EMA started over: %v (was %v)", got, ema)
	}

	// A state file of another hotkey, and a corrupt one, are refused.
	other := cfg
	other.Hotkey = keys.Dev("Bob")
	if _, err := validator.New(other); err == nil || !strings.Contains(err.Error(), "hotkey") {
		t.Fatalf("New with another hotkey's state = %v", err)
	}
	path := filepath.Join(dir, "validator-1.json")
	if err := os.WriteFile(path, []byte("{\"version\": 1, \"scores\": [ {"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := validator.New(cfg); err == nil || !strings.Contains(err.Error(), "corrupt") {
		t.Fatalf("New with a corrupt state file = %v", err)
	}
}

// TestValidatorModuleTrap: with a module whose score traps, every step is
// skipped with no EMA and no weights; the new module version scheduled for
// block 30 is compiled ahead of that block, and the validator switches to
// it exactly at its activation block and scores again.
func TestValidatorModuleTrap(t *testing.T) {
	n := startNetwork(t, validator.Params{MinAllowedWeights: 1, MaxWeightLimit: 65535})
	src := &neurontest.Source{}
	src.Activate(neurontest.AltModule(t), 1)
	src.Activate(neurontest.PocModule(t), 30)
	cfg := n.config(t, t.TempDir())
	cfg.Module.Source, cfg.Module.InitConfig = src, nil
	v := newValidator(t, cfg)
	for h := uint64(10); h < 13; h++ {
		rep := step(t, n, v, h)
		if !strings.Contains(rep.Skipped, "score failed") || !strings.Contains(rep.Skipped, "trap") {
			t.Fatalf("step %d: skipped %q, want a score trap", h, rep.Skipped)
		}
		if rep.Weights != nil {
			t.Fatalf("step %d submitted weights %v", h, rep.Weights)
		}
	}
	if len(n.chain.sets)+len(n.chain.commits) != 0 || len(v.Scores()) != 0 {
		t.Fatalf("a trapping module led to weights %v or scores %v", n.chain.sets, v.Scores())
	}
	if _, err := os.Stat(filepath.Join(cfg.DataDir, "validator-1.json")); !os.IsNotExist(err) {
		t.Fatalf("skipped steps wrote state: %v", err)
	}
	deadline := time.Now().Add(3 * time.Minute)
	for v.ModuleStats().AheadLoads == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if s := v.ModuleStats(); s.AheadLoads != 1 || s.Loads != 1 {
		t.Fatalf("before block 30: module stats %+v, want the scheduled version loaded ahead", s)
	}
	if rep := step(t, n, v, 29); !strings.Contains(rep.Skipped, "score failed") {
		t.Fatalf("block 29, before the activation: skipped %q, want the old module's score trap", rep.Skipped)
	}
	rep := step(t, n, v, 30)
	if rep.Skipped != "" || rep.Scores[uidFast] <= wire.ScoreOne/2 || rep.WeightsAction != "set" {
		t.Fatalf("at the new module's activation block: %+v", rep)
	}
	if s := v.ModuleStats(); s.AheadUsed != 1 || s.Loads != 1 {
		t.Fatalf("after the switch: module stats %+v, want the switch to take the version compiled ahead", s)
	}
}

// TestValidatorSkipsValidators: UIDs holding a validator permit and more
// stake than the vpermit TAO limit are validators and are not queried; a
// permit with little stake, or a limit turned off, leaves them in the sample.
func TestValidatorSkipsValidators(t *testing.T) {
	const tao = 1_000_000_000
	n := startNetwork(t, validator.Params{MinAllowedWeights: 1, MaxWeightLimit: 65535})
	n.chain.mu.Lock()
	n.chain.neurons[uidSlow].ValidatorPermit, n.chain.neurons[uidSlow].Stake = true, 5000*tao
	n.chain.neurons[uidGarbage].ValidatorPermit, n.chain.neurons[uidGarbage].Stake = true, 10*tao
	n.chain.mu.Unlock()
	for _, tc := range []struct {
		name  string
		limit uint64
		want  []uint16
	}{
		{"default limit, 4096 TAO", 0, []uint16{uidFast, uidCheater, uidOffline, uidGarbage}},
		{"a 5 TAO limit", 5 * tao, []uint16{uidFast, uidCheater, uidOffline}},
		{"no limit", math.MaxUint64, []uint16{uidFast, uidSlow, uidCheater, uidOffline, uidGarbage}},
	} {
		cfg := n.config(t, t.TempDir())
		cfg.VpermitTaoLimit, cfg.DisableSetWeights = tc.limit, true
		v := newValidator(t, cfg)
		if rep := step(t, n, v, 10); rep.Skipped != "" || !slices.Equal(rep.Queried, tc.want) {
			t.Errorf("%s: queried %v (skipped %q), want %v", tc.name, rep.Queried, rep.Skipped, tc.want)
		}
	}
}

// TestValidatorCommitReveal: on a commit-reveal subnet the validator commits,
// waits for the reveal epoch, and reveals exactly what it committed, even
// across a restart in between.
func TestValidatorCommitReveal(t *testing.T) {
	n := startNetwork(t, validator.Params{MinAllowedWeights: 1, MaxWeightLimit: 65535, CommitReveal: true, RevealPeriodEpochs: 1})
	cfg := n.config(t, t.TempDir())
	v := newValidator(t, cfg)
	if rep := step(t, n, v, 10); rep.WeightsAction != "commit" {
		t.Fatalf("block 10: %q (%s), want commit", rep.WeightsAction, rep.WeightsNote)
	}
	if rep := step(t, n, v, 13); rep.WeightsAction != "" || !strings.Contains(rep.WeightsNote, "pending") {
		t.Fatalf("block 13, same epoch: %q (%s), want a pending commit", rep.WeightsAction, rep.WeightsNote)
	}
	v.Close(context.Background())
	v2 := newValidator(t, cfg)
	n.chain.mu.Lock()
	n.chain.params.Epoch = 1
	n.chain.mu.Unlock()
	rep := step(t, n, v2, 14)
	if rep.WeightsAction != "reveal" || len(n.chain.reveals) != 1 || len(n.chain.refused) != 0 {
		t.Fatalf("block 14, reveal epoch: %q (%s); reveals %v, refused %v", rep.WeightsAction, rep.WeightsNote, n.chain.reveals, n.chain.refused)
	}
	if r := n.chain.reveals[0]; !slices.Equal(r.UIDs, []uint16{uidFast, uidSlow}) || r.Values[0] != 65535 || r.Values[1] == 0 {
		t.Fatalf("revealed %+v", r)
	}
	if len(n.chain.sets) != 0 {
		t.Fatalf("plain set_weights on a commit-reveal subnet: %v", n.chain.sets)
	}
}

// TestValidatorRun: Run steps once per new block, not once per poll, and
// stops when its context ends.
func TestValidatorRun(t *testing.T) {
	n := startNetwork(t, validator.Params{MinAllowedWeights: 1, MaxWeightLimit: 65535})
	cfg := n.config(t, t.TempDir())
	cfg.StepInterval = 20 * time.Millisecond
	v := newValidator(t, cfg)
	n.chain.setHeight(10)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- v.Run(ctx) }()
	reads := func() int {
		n.chain.mu.Lock()
		defer n.chain.mu.Unlock()
		return n.chain.reads
	}
	waitFor := func(want int) {
		deadline := time.Now().Add(10 * time.Second)
		for reads() < want && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		time.Sleep(200 * time.Millisecond) // ten more polls: no extra step may follow
		if got := reads(); got != want {
			t.Fatalf("%d steps, want %d", got, want)
		}
	}
	waitFor(1)
	n.chain.setHeight(11)
	waitFor(2)
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Run returned %v", err)
	}
	if s := v.Scores(); s[uidFast] == 0 {
		t.Fatalf("Run's steps left no scores: %v", s)
	}
}
