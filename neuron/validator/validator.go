// Package validator is taorun's validator loop, the subnet template's
// BaseValidatorNeuron with the subnet logic in the subnet's WASM module.
// Each Step:
//
//  1. reads the chain head, the subnet's metagraph and weight parameters;
//  2. derives the step's seed as BLAKE2b-256(block hash ‖ validator hotkey
//     public key) (32 + 32 bytes), so every validator gets its own task each
//     block, nobody can predict it before the block exists, and anyone can
//     recompute it afterwards;
//  3. calls the module's challenge(seed) → task and timeout (capped by
//     Config.MaxTimeout);
//  4. samples up to Config.SampleSize miners (Candidates, the template's
//     check_uid_availability): the UIDs serving an axon, other than its own
//     and other than validators, those holding a validator permit and more
//     than Config.VpermitTaoLimit stake, shuffled by a PRNG (ChaCha8) keyed
//     with BLAKE2b-256(seed ‖ "sample"), so the sample is deterministic
//     given the seed;
//  5. sends the task to them in parallel through the dendrite (synapse
//     miner.SynapseSolve) with the timeout;
//  6. calls score(task, responses with latencies and errors) → scores;
//  7. updates each sampled UID's exponential moving average, in fixed point
//     (ScoreOne = 1.0): ema ← (α·score + (1 − α)·ema), α = Config.Alpha, with
//     round-half-up, and persists the state (atomically, see below);
//  8. every Config.WeightsInterval blocks (and never within the subnet's
//     weights rate limit) turns the EMAs into u16 weights (ComputeWeights:
//     max weight limit, min allowed weights) and submits them, with
//     SetWeights or, when the subnet enables commit-reveal, CommitWeights now
//     and RevealWeights once the reveal epoch comes.
//
// # Invariants
//
//   - A module failure in challenge or score (trap, out of gas, guest
//     error, invalid output) skips the step with a log line: no EMA changes
//     and no weights are submitted in that step. A score output naming a UID
//     that was not queried or a value above ScoreOne is invalid output.
//     Queried UIDs missing from the output score 0.
//   - Every module call of a step runs the module active at the step's
//     block (package neuron/internal/modhost): a version scheduled for a
//     later block is compiled ahead in the background (ModuleStats) but
//     answers only from its activation block on.
//   - Failures of individual miners (offline, timeout, rejected, garbage)
//     reach score as responses with a non-empty Err; they never fail a step.
//   - EMAs are integers in [0, ScoreOne]. A UID whose hotkey changed (a new
//     registration took it) restarts from 0, as the template's
//     resync_metagraph does; UIDs no longer in the metagraph are dropped.
//   - The state (EMAs with their hotkeys, the last weights block, a pending
//     commit) is written to <DataDir>/validator-<netuid>.json after every
//     step that changed it: JSON with integers only, written to a temporary
//     file, fsynced and renamed, so a restart restores exactly what the last
//     completed step saved. A state file of another netuid or hotkey, or a
//     corrupt one, makes New fail rather than silently reset scores.
//   - Weights are submitted only when ComputeWeights succeeds (never an
//     all-zero or limit-breaking vector), at least Config.WeightsInterval and
//     the subnet's weights rate limit blocks after the last set (or commit).
//   - With commit-reveal a new commit is made only when no commit is
//     pending; a pending commit is revealed from its reveal epoch on
//     (commit epoch + reveal period) and dropped, with a log line, once that
//     epoch has passed without a successful reveal.
package validator

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"slices"
	"time"

	"golang.org/x/crypto/blake2b"

	"github.com/taorun/taorun/abi"
	"github.com/taorun/taorun/abi/wire"
	"github.com/taorun/taorun/keys"
	"github.com/taorun/taorun/neuron/dendrite"
	"github.com/taorun/taorun/neuron/internal/modhost"
	"github.com/taorun/taorun/neuron/miner"
)

// Defaults used when the Config leaves them zero.
const (
	DefaultSampleSize = 50
	// DefaultVpermitTaoLimit is the template's neuron.vpermit_tao_limit,
	// 4096 TAO, in rao (1 TAO = 10⁹ rao).
	DefaultVpermitTaoLimit = 4096 * 1_000_000_000
	DefaultAlpha           = wire.ScoreOne / 10 // the template's moving_average_alpha 0.1
	DefaultWeightsInterval = 100                // the template's epoch_length
	DefaultMaxTimeout      = 60 * time.Second
	DefaultStepInterval    = 12 * time.Second
	// SaltLen is how many u16 values a commit's salt has.
	SaltLen = 8
)

// Head is the chain head: height, hash and timestamp of a block.
type Head = modhost.Head

// ModuleSource resolves the module active on a subnet and its bytes.
type ModuleSource = modhost.Source

// ModuleStats count how the validator's module versions were loaded: on
// the call path, or compiled ahead of their activation block.
type ModuleStats = modhost.Stats

// ModuleConfig is the module settings a validator runs with: the source of
// the active module, the registry that compiles it, runners score may use,
// the init input and the gas limit (shared with the miner's Config).
type ModuleConfig = modhost.Options

// Neuron is one metagraph row, as much of it as the validator needs.
type Neuron struct {
	UID    uint16
	Hotkey keys.PublicKey
	// Axon is the published "ip:port" of the neuron's axon ("" when it
	// serves none).
	Axon            string
	Stake           uint64
	ValidatorPermit bool
	// LastUpdate is the block of the neuron's last weights.
	LastUpdate uint64
}

// Params are the subnet's weight-setting hyperparameters and its epoch.
type Params struct {
	// MinAllowedWeights is the fewest weights a vector may have.
	MinAllowedWeights uint16
	// MaxWeightLimit is the largest share one weight may have (of 65535).
	MaxWeightLimit uint16
	// WeightsRateLimit is the blocks that must pass between two weight sets.
	WeightsRateLimit uint64
	// WeightsVersionKey is the least version key the subnet accepts.
	WeightsVersionKey uint64
	// CommitReveal is whether weights must be committed, then revealed.
	CommitReveal bool
	// RevealPeriodEpochs is how many epochs after its commit a reveal is due.
	RevealPeriodEpochs uint64
	// Epoch is the subnet's current epoch index (the one a commit records).
	Epoch uint64
}

// Chain is what the validator needs from the chain (the node's RPC, through
// an adapter). The weight methods submit a transaction signed by the
// validator's hotkey and return once it is accepted (or rejected).
type Chain interface {
	// Head returns the latest block.
	Head(ctx context.Context) (Head, error)
	// Metagraph returns the subnet's neurons, ascending UID.
	Metagraph(ctx context.Context, netuid uint16) ([]Neuron, error)
	// SubnetParams returns the subnet's weight parameters at the head.
	SubnetParams(ctx context.Context, netuid uint16) (Params, error)
	// SetWeights sets the validator's weights.
	SetWeights(ctx context.Context, netuid uint16, uids, values []uint16, versionKey uint64) error
	// CommitWeights commits to weights by their hash (see Config.CommitHash).
	CommitWeights(ctx context.Context, netuid uint16, hash [32]byte) error
	// RevealWeights reveals the committed weights.
	RevealWeights(ctx context.Context, netuid uint16, uids, values, salt []uint16, versionKey uint64) error
}

// CommitHashFunc computes a weights commit's hash as the chain does
// (chain/subnet.CommitHash).
type CommitHashFunc func(hotkey [32]byte, netuid uint16, uids, values, salt []uint16, versionKey uint64) [32]byte

// Config configures a Validator.
type Config struct {
	// Hotkey is the validator's hotkey (signs queries; identifies it on
	// chain; seeds its challenges). Required.
	Hotkey *keys.Keypair
	// Netuid is the subnet validated.
	Netuid uint16
	// DataDir holds the state file. Required.
	DataDir string
	// Chain reads the chain and submits weights. Required.
	Chain Chain
	// Module is the module to run: Source and Registry are required;
	// Runners are runners score may use (nil: none).
	Module ModuleConfig
	// Dendrite sends the queries; nil creates one signing with Hotkey.
	Dendrite *dendrite.Client
	// SampleSize is how many miners each step queries; 0 means DefaultSampleSize.
	SampleSize int
	// VpermitTaoLimit, in rao: UIDs holding a validator permit and more
	// stake than this are not queried (--neuron.vpermit_tao_limit, in TAO
	// there). 0 means DefaultVpermitTaoLimit; math.MaxUint64 queries
	// validators whatever their stake.
	VpermitTaoLimit uint64
	// Alpha is the EMA's weight of a new score (ScoreOne = 1.0); 0 means
	// DefaultAlpha.
	Alpha uint64
	// WeightsInterval is the blocks between weight sets; 0 means
	// DefaultWeightsInterval.
	WeightsInterval uint64
	// VersionKey is the weights version key; the subnet's
	// WeightsVersionKey is used when it is larger.
	VersionKey uint64
	// CommitHash computes commit hashes; required on commit-reveal subnets.
	CommitHash CommitHashFunc
	// MaxTimeout caps the timeout challenge asks for; 0 means DefaultMaxTimeout.
	MaxTimeout time.Duration
	// StepInterval is how often Run polls for a new block; 0 means
	// DefaultStepInterval.
	StepInterval time.Duration
	// DisableSetWeights scores but never submits weights (--neuron.disable_set_weights).
	DisableSetWeights bool
	// Logger; nil means slog.Default().
	Logger *slog.Logger
}

// Validator runs the validation loop. Step and Run must not be called
// concurrently.
type Validator struct {
	cfg   Config
	mod   *modhost.Host
	dend  *dendrite.Client
	log   *slog.Logger
	path  string
	state *state
	tried uint64 // the last block Step started on, skipped or not
}

// New validates cfg, restores the state file and returns a Validator.
func New(cfg Config) (*Validator, error) {
	switch {
	case cfg.Hotkey == nil:
		return nil, errors.New("validator: config: Hotkey is required")
	case cfg.DataDir == "":
		return nil, errors.New("validator: config: DataDir is required")
	case cfg.Chain == nil:
		return nil, errors.New("validator: config: Chain is required")
	case cfg.SampleSize < 0:
		return nil, errors.New("validator: config: SampleSize is negative")
	case cfg.Alpha > wire.ScoreOne:
		return nil, fmt.Errorf("validator: config: Alpha %d is above ScoreOne", cfg.Alpha)
	}
	defaults := []struct {
		zero bool
		set  func()
	}{
		{cfg.SampleSize == 0, func() { cfg.SampleSize = DefaultSampleSize }},
		{cfg.VpermitTaoLimit == 0, func() { cfg.VpermitTaoLimit = DefaultVpermitTaoLimit }},
		{cfg.Alpha == 0, func() { cfg.Alpha = DefaultAlpha }},
		{cfg.WeightsInterval == 0, func() { cfg.WeightsInterval = DefaultWeightsInterval }},
		{cfg.MaxTimeout == 0, func() { cfg.MaxTimeout = DefaultMaxTimeout }},
		{cfg.StepInterval == 0, func() { cfg.StepInterval = DefaultStepInterval }},
		{cfg.Logger == nil, func() { cfg.Logger = slog.Default() }},
	}
	for _, d := range defaults {
		if d.zero {
			d.set()
		}
	}
	log := cfg.Logger.With("neuron", "validator", "netuid", cfg.Netuid, "hotkey", cfg.Hotkey.Public().SS58())
	mod, err := modhost.New(modhost.Config{Netuid: cfg.Netuid, Module: cfg.Module, Logger: log})
	if err != nil {
		return nil, fmt.Errorf("validator: config: %w", err)
	}
	dend := cfg.Dendrite
	if dend == nil {
		if dend, err = dendrite.New(dendrite.Config{Hotkey: cfg.Hotkey}); err != nil {
			return nil, fmt.Errorf("validator: %w", err)
		}
	}
	path := statePath(cfg.DataDir, cfg.Netuid)
	st, err := loadState(path, cfg.Netuid, cfg.Hotkey.Public())
	if err != nil {
		return nil, err
	}
	if len(st.scores) > 0 {
		log.Info("restored scores", "file", path, "uids", len(st.scores), "last_step", st.lastStep)
	}
	return &Validator{cfg: cfg, mod: mod, dend: dend, log: log, path: path, state: st}, nil
}

// Close releases the module instance.
func (v *Validator) Close(ctx context.Context) error { return v.mod.Close(ctx) }

// ModuleStats returns how the module versions were loaded so far.
func (v *Validator) ModuleStats() ModuleStats { return v.mod.Stats() }

// Scores returns a copy of the current EMAs by UID (ScoreOne = 1.0).
func (v *Validator) Scores() map[uint16]uint64 {
	out := make(map[uint16]uint64, len(v.state.scores))
	for uid, m := range v.state.scores {
		out[uid] = m.EMA
	}
	return out
}

// StepReport says what one Step did.
type StepReport struct {
	// Block is the head the step worked on.
	Block uint64
	// Skipped is why the step was skipped ("" when it ran).
	Skipped string
	// Queried are the UIDs sampled, ascending.
	Queried []uint16
	// Failed are the queried UIDs whose query failed, with the dendrite's
	// error (what score saw as Response.Err).
	Failed map[uint16]string
	// Scores are the module's scores for this step, by UID.
	Scores map[uint16]uint64
	// Weights is what was submitted (set, committed or revealed), if anything.
	Weights *Weights
	// WeightsAction is "set", "commit", "reveal" or "" (none), and
	// WeightsNote why nothing was submitted when it is "".
	WeightsAction, WeightsNote string
	// Took is the wall time of each phase the step reached.
	Took Phases
}

// Phases are the wall times of a step's phases (zero for a phase not
// reached), for logs and benchmarks.
type Phases struct {
	// Challenge is the module's challenge call.
	Challenge time.Duration
	// Query is the dendrite fan-out to the sampled miners.
	Query time.Duration
	// Score is the module's score call.
	Score time.Duration
	// Update is the EMA update and the state file's atomic save.
	Update time.Duration
	// Weights is computing and submitting weights (when due).
	Weights time.Duration
}

// Seed is the step seed of a validator at a block: BLAKE2b-256(block hash ‖
// hotkey).
func Seed(blockHash [32]byte, hotkey keys.PublicKey) [32]byte {
	var b [64]byte
	copy(b[:32], blockHash[:])
	copy(b[32:], hotkey[:])
	return blake2b.Sum256(b[:])
}

// Candidates are the UIDs a validator may query, ascending: those serving
// an axon, except self and except validators, the UIDs holding a validator
// permit and more than vpermitLimit (rao) of stake, as the template's
// check_uid_availability does.
func Candidates(neurons []Neuron, self uint16, vpermitLimit uint64) []uint16 {
	var out []uint16
	for _, n := range neurons {
		if n.UID != self && n.Axon != "" && !(n.ValidatorPermit && n.Stake > vpermitLimit) {
			out = append(out, n.UID)
		}
	}
	slices.Sort(out)
	return out
}

// Sample picks up to k candidates (their UIDs), deterministically from the
// seed, and returns them ascending.
func Sample(seed [32]byte, candidates []uint16, k int) []uint16 {
	c := slices.Clone(candidates)
	slices.Sort(c)
	key := blake2b.Sum256(append(seed[:], "sample"...))
	r := mrand.New(mrand.NewChaCha8(key))
	r.Shuffle(len(c), func(i, j int) { c[i], c[j] = c[j], c[i] })
	if len(c) > k {
		c = c[:k]
	}
	slices.Sort(c)
	return c
}

// Run steps once per new block (polling every Config.StepInterval) until
// ctx ends: a block is not stepped again after a completed or skipped step.
// Step errors (node faults) are logged and retried at the next new block.
func (v *Validator) Run(ctx context.Context) error {
	t := time.NewTicker(v.cfg.StepInterval)
	defer t.Stop()
	for {
		head, err := v.cfg.Chain.Head(ctx)
		switch {
		case err != nil:
			v.log.Warn("reading the chain head", "err", err)
		case head.Height > v.state.lastStep && head.Height > v.tried:
			if _, err := v.Step(ctx); err != nil && ctx.Err() == nil {
				v.log.Error("step failed", "block", head.Height, "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// skip ends a step early: with the node fault err when there is one,
// otherwise as a skipped step, logged with the reason why.
func (v *Validator) skip(rep StepReport, err error, why string) (StepReport, error) {
	if err != nil {
		return rep, err
	}
	rep.Skipped = why
	v.log.Warn("step skipped", "block", rep.Block, "reason", why)
	return rep, nil
}

// decoder is a module output type of package abi/wire (strict decoding).
type decoder interface{ Decode([]byte) error }

// call runs entry with input on the active module and decodes its output
// into out. err is a node fault; why, when not empty, is the module's
// failure (a failed call or an output that does not decode), which skips
// the step.
func (v *Validator) call(ctx context.Context, block wire.BlockInfo, entry string, input []byte, out decoder) (id [32]byte, why string, err error) {
	res, err := v.mod.Call(ctx, block, entry, input)
	if err != nil {
		return id, "", fmt.Errorf("validator: %w", err)
	}
	if res.Err != nil {
		return res.ModuleID, fmt.Sprintf("module %x %s failed: %v", res.ModuleID[:8], entry, res.Err), nil
	}
	if err := out.Decode(res.Output); err != nil {
		return res.ModuleID, fmt.Sprintf("module %x %s output: %v", res.ModuleID[:8], entry, err), nil
	}
	return res.ModuleID, "", nil
}

// Step runs one validation step at the current head (see the package doc).
// The error is a node fault (chain unreachable, state not saved, module not
// loadable); a module failure is a skipped step, reported with a nil error.
func (v *Validator) Step(ctx context.Context) (StepReport, error) {
	head, err := v.cfg.Chain.Head(ctx)
	if err != nil {
		return StepReport{}, fmt.Errorf("validator: chain head: %w", err)
	}
	rep := StepReport{Block: head.Height}
	v.tried = head.Height
	neurons, err := v.cfg.Chain.Metagraph(ctx, v.cfg.Netuid)
	if err != nil {
		return rep, fmt.Errorf("validator: metagraph: %w", err)
	}
	params, err := v.cfg.Chain.SubnetParams(ctx, v.cfg.Netuid)
	if err != nil {
		return rep, fmt.Errorf("validator: subnet params: %w", err)
	}
	me := v.cfg.Hotkey.Public()
	self := -1
	byUID := make(map[uint16]Neuron, len(neurons))
	for _, n := range neurons {
		byUID[n.UID] = n
		if n.Hotkey == me {
			self = int(n.UID)
		}
	}
	if self < 0 {
		return rep, fmt.Errorf("validator: hotkey %s is not registered on subnet %d", me.SS58(), v.cfg.Netuid)
	}
	block := head.BlockInfo(v.cfg.Netuid)

	// Challenge.
	seed := Seed(head.Hash, me)
	phase := time.Now()
	var ch wire.ChallengeOutput
	modID, why, err := v.call(ctx, block, abi.EntryChallenge,
		wire.ChallengeInput{Netuid: v.cfg.Netuid, Block: head.Height, Seed: seed, ValidatorHotkey: me}.Encode(), &ch)
	if err != nil || why != "" {
		return v.skip(rep, err, why)
	}
	timeout := min(time.Duration(ch.TimeoutMillis)*time.Millisecond, v.cfg.MaxTimeout)
	if timeout <= 0 {
		return v.skip(rep, nil, fmt.Sprintf("module %x challenge asked for a zero timeout", modID[:8]))
	}
	rep.Took.Challenge = lap(&phase)

	// Query a sample of the serving miners.
	rep.Queried = Sample(seed, Candidates(neurons, uint16(self), v.cfg.VpermitTaoLimit), v.cfg.SampleSize)
	targets := make([]dendrite.Axon, len(rep.Queried))
	for i, uid := range rep.Queried {
		targets[i] = dendrite.Axon{Hotkey: byUID[uid].Hotkey, Addr: byUID[uid].Axon}
	}
	answers := v.dend.QueryMany(ctx, targets, miner.SynapseSolve, ch.Task, timeout)
	if ctx.Err() != nil {
		return rep, fmt.Errorf("validator: querying miners: %w", ctx.Err())
	}
	in := wire.ScoreInput{Netuid: v.cfg.Netuid, Block: head.Height, Task: ch.Task}
	rep.Failed = map[uint16]string{}
	for i, a := range answers {
		r := wire.Response{UID: rep.Queried[i], LatencyMicros: uint64(max(a.Latency, 0).Microseconds())}
		if a.Err != nil {
			r.Err = a.Err.Error()
			if r.Err == "" {
				r.Err = "failed"
			}
			rep.Failed[r.UID] = r.Err
		} else {
			r.Response = a.Body
		}
		in.Responses = append(in.Responses, r)
	}
	rep.Took.Query = lap(&phase)

	// Score.
	var out wire.ScoreOutput
	if modID, why, err = v.call(ctx, block, abi.EntryScore, in.Encode(), &out); err != nil || why != "" {
		return v.skip(rep, err, why)
	}
	rep.Scores = make(map[uint16]uint64, len(rep.Queried))
	for _, uid := range rep.Queried {
		rep.Scores[uid] = 0
	}
	for _, s := range out.Scores {
		if _, ok := rep.Scores[s.UID]; !ok {
			return v.skip(rep, nil, fmt.Sprintf("module %x scored uid %d, which was not queried", modID[:8], s.UID))
		}
		if s.Value > wire.ScoreOne {
			return v.skip(rep, nil, fmt.Sprintf("module %x scored uid %d with %d, above ScoreOne", modID[:8], s.UID, s.Value))
		}
		rep.Scores[s.UID] = s.Value
	}
	rep.Took.Score = lap(&phase)

	// EMA.
	v.resync(byUID)
	for _, uid := range rep.Queried {
		m := v.state.scores[uid]
		m.UID, m.Hotkey = uid, byUID[uid].Hotkey.Hex()
		m.EMA = ema(m.EMA, rep.Scores[uid], v.cfg.Alpha)
		v.state.scores[uid] = m
	}
	v.state.lastStep, v.state.steps = head.Height, v.state.steps+1
	if err := v.state.save(v.path, v.cfg.Netuid, me); err != nil {
		return rep, err
	}
	rep.Took.Update = lap(&phase)
	v.log.Info("step", "block", head.Height, "queried", len(rep.Queried), "module", fmt.Sprintf("%x", modID[:8]),
		"challenge", rep.Took.Challenge, "query", rep.Took.Query, "score", rep.Took.Score, "update", rep.Took.Update)

	// Weights.
	if v.cfg.DisableSetWeights {
		rep.WeightsNote = "disabled"
		return rep, nil
	}
	err = v.weights(ctx, &rep, head, byUID[uint16(self)], uint16(len(neurons)), params)
	rep.Took.Weights = lap(&phase)
	return rep, err
}

// lap returns the time since *start and restarts it.
func lap(start *time.Time) time.Duration {
	now := time.Now()
	d := now.Sub(*start)
	*start = now
	return d
}

// resync drops EMAs of UIDs that left the metagraph or changed hotkey.
func (v *Validator) resync(byUID map[uint16]Neuron) {
	for uid, m := range v.state.scores {
		if n, ok := byUID[uid]; !ok || n.Hotkey.Hex() != m.Hotkey {
			v.log.Info("resetting score", "uid", uid, "old_hotkey", m.Hotkey)
			delete(v.state.scores, uid)
		}
	}
}

// ema is (α·score + (ScoreOne − α)·old) / ScoreOne, rounded half up. Both
// products are at most ScoreOne², far below 2^64.
func ema(old, score, alpha uint64) uint64 {
	return (alpha*score + (wire.ScoreOne-alpha)*old + wire.ScoreOne/2) / wire.ScoreOne
}

// weights submits weights when they are due (see the package invariants).
func (v *Validator) weights(ctx context.Context, rep *StepReport, head Head, self Neuron, n uint16, p Params) error {
	versionKey := max(v.cfg.VersionKey, p.WeightsVersionKey)
	if p.CommitReveal && v.state.pending != nil {
		return v.reveal(ctx, rep, p)
	}
	last := max(self.LastUpdate, v.state.lastSet)
	if last != 0 && head.Height-min(last, head.Height) < max(v.cfg.WeightsInterval, p.WeightsRateLimit) {
		rep.WeightsNote = fmt.Sprintf("not due: last set at block %d", last)
		return nil
	}
	scores := v.Scores()
	delete(scores, self.UID)
	w, err := ComputeWeights(scores, n, int(self.UID), p.MinAllowedWeights, p.MaxWeightLimit)
	if err != nil {
		rep.WeightsNote = err.Error()
		v.log.Info("not setting weights", "block", head.Height, "reason", err)
		return nil
	}
	if !p.CommitReveal {
		if err := v.cfg.Chain.SetWeights(ctx, v.cfg.Netuid, w.UIDs, w.Values, versionKey); err != nil {
			rep.WeightsNote = "set_weights failed: " + err.Error()
			v.log.Warn("set_weights failed", "block", head.Height, "err", err)
			return nil
		}
		rep.Weights, rep.WeightsAction = &w, "set"
		v.log.Info("weights set", "block", head.Height, "uids", w.UIDs, "values", w.Values)
	} else {
		if v.cfg.CommitHash == nil {
			return errors.New("validator: subnet uses commit-reveal but Config.CommitHash is nil")
		}
		salt := make([]uint16, SaltLen)
		var b [2 * SaltLen]byte
		if _, err := rand.Read(b[:]); err != nil {
			return fmt.Errorf("validator: salt: %w", err)
		}
		for i := range salt {
			salt[i] = binary.LittleEndian.Uint16(b[2*i:])
		}
		hash := v.cfg.CommitHash(v.cfg.Hotkey.Public(), v.cfg.Netuid, w.UIDs, w.Values, salt, versionKey)
		pc := &pendingCommit{Hash: "0x" + hex.EncodeToString(hash[:]), UIDs: w.UIDs, Values: w.Values, Salt: salt,
			VersionKey: versionKey, Epoch: p.Epoch, Block: head.Height}
		// Persist the salt before the commit can land: a crash after the
		// commit must still be able to reveal.
		v.state.pending = pc
		if err := v.state.save(v.path, v.cfg.Netuid, v.cfg.Hotkey.Public()); err != nil {
			return err
		}
		if err := v.cfg.Chain.CommitWeights(ctx, v.cfg.Netuid, hash); err != nil {
			v.state.pending = nil
			rep.WeightsNote = "commit_weights failed: " + err.Error()
			v.log.Warn("commit_weights failed", "block", head.Height, "err", err)
			return v.state.save(v.path, v.cfg.Netuid, v.cfg.Hotkey.Public())
		}
		rep.Weights, rep.WeightsAction = &w, "commit"
		v.log.Info("weights committed", "block", head.Height, "epoch", p.Epoch, "reveal_epoch", p.Epoch+p.RevealPeriodEpochs)
	}
	v.state.lastSet = head.Height
	return v.state.save(v.path, v.cfg.Netuid, v.cfg.Hotkey.Public())
}

// reveal reveals the pending commit when its epoch has come, and drops it
// once that epoch has passed.
func (v *Validator) reveal(ctx context.Context, rep *StepReport, p Params) error {
	pc := v.state.pending
	due := pc.Epoch + p.RevealPeriodEpochs
	switch {
	case p.Epoch < due:
		rep.WeightsNote = fmt.Sprintf("commit pending: reveal in epoch %d (now %d)", due, p.Epoch)
		return nil
	case p.Epoch > due+1:
		// One epoch of slack: the commit may have landed an epoch after the
		// one recorded.
		v.log.Warn("dropping an expired weights commit", "commit_epoch", pc.Epoch, "epoch", p.Epoch)
		v.state.pending = nil
		rep.WeightsNote = "commit expired"
		return v.state.save(v.path, v.cfg.Netuid, v.cfg.Hotkey.Public())
	}
	if err := v.cfg.Chain.RevealWeights(ctx, v.cfg.Netuid, pc.UIDs, pc.Values, pc.Salt, pc.VersionKey); err != nil {
		rep.WeightsNote = "reveal_weights failed: " + err.Error()
		v.log.Warn("reveal_weights failed; retrying next step", "epoch", p.Epoch, "err", err)
		return nil
	}
	rep.Weights, rep.WeightsAction = &Weights{UIDs: pc.UIDs, Values: pc.Values}, "reveal"
	v.state.pending = nil
	v.log.Info("weights revealed", "epoch", p.Epoch, "uids", pc.UIDs, "values", pc.Values)
	return v.state.save(v.path, v.cfg.Netuid, v.cfg.Hotkey.Public())
}
