package main

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/taorun/taorun/abi/wire"
	"github.com/taorun/taorun/examples/pocsubnet/matmul"
	"github.com/taorun/taorun/sdk-wasm/go/tao"
)

// The module's logic, as plain functions of plain values: no host calls, so
// it is unit-tested on the host (logic_test.go). main.go wires it to the
// entry points.

// Modulus is the prime that challenges compute modulo: 65521, the largest
// prime below 2^16, the "matmul" runner's limit (matmul.MaxModulus), which
// keeps every dot product exact on a float64 GPU. No floats anywhere here.
const Modulus = 65521

// maxSide bounds each dimension of a task's matrices.
const maxSide = 512

// freivaldsRounds is how many random vectors the check uses; a wrong product
// passes one round with probability at most 1/P, so all four with at most
// 65521^-4 < 2^-63.
const freivaldsRounds = 4

// Config is the module's configuration (the init entry point's input).
type Config struct {
	MatrixN          uint32     // side of the challenge matrices
	TimeoutMillis    uint32     // how long miners get
	MaxShare         uint16     // largest share of miner emission one UID keeps (U16One = 100 %)
	MaxRegistrations uint32     // registrations allowed per hotkey
	Deny             [][32]byte // hotkeys that may not register and earn nothing
}

// DefaultConfig is used until init provides one.
func DefaultConfig() Config {
	return Config{MatrixN: 32, TimeoutMillis: 10_000, MaxShare: tao.U16One / 2, MaxRegistrations: 3}
}

// Encode returns the config's encoding (package wire's grammar).
func (c Config) Encode() []byte {
	var e wire.Encoder
	e.U32(c.MatrixN)
	e.U32(c.TimeoutMillis)
	e.U16(c.MaxShare)
	e.U32(c.MaxRegistrations)
	e.Count(len(c.Deny))
	for _, k := range c.Deny {
		e.Hash(k)
	}
	return e.Bytes()
}

// ParseConfig decodes a config; empty bytes mean DefaultConfig.
func ParseConfig(b []byte) (Config, error) {
	if len(b) == 0 {
		return DefaultConfig(), nil
	}
	d := wire.NewDecoder(b)
	c := Config{MatrixN: d.U32("MatrixN"), TimeoutMillis: d.U32("TimeoutMillis"), MaxShare: d.U16("MaxShare"),
		MaxRegistrations: d.U32("MaxRegistrations")}
	if n := d.Count("Deny", 32); n > 0 {
		c.Deny = make([][32]byte, n)
	}
	for i := range c.Deny {
		c.Deny[i] = d.Hash("Deny")
	}
	if err := d.Finish("Config"); err != nil {
		return Config{}, err
	}
	if c.MatrixN == 0 || c.MatrixN > maxSide {
		return Config{}, fmt.Errorf("config: MatrixN %d out of range 1..%d", c.MatrixN, maxSide)
	}
	if c.TimeoutMillis == 0 {
		return Config{}, errors.New("config: TimeoutMillis must be positive")
	}
	return c, nil
}

func (c Config) denied(hotkey [32]byte) bool {
	for _, k := range c.Deny {
		if k == hotkey {
			return true
		}
	}
	return false
}

// rng is xoshiro256**: a small, fast PRNG whose whole state comes from a
// 32-byte seed, so every node derives the same matrices from a challenge.
type rng struct{ s [4]uint64 }

func newRNG(seed [32]byte) *rng {
	r := &rng{}
	for i := range r.s {
		r.s[i] = binary.LittleEndian.Uint64(seed[8*i:])
	}
	if r.s == [4]uint64{} {
		r.s[0] = 1 // the all-zero state is a fixed point
	}
	return r
}

func rotl(x uint64, k uint) uint64 { return x<<k | x>>(64-k) }

func (r *rng) next() uint64 {
	s := &r.s
	out := rotl(s[1]*5, 7) * 9
	t := s[1] << 17
	s[2] ^= s[0]
	s[3] ^= s[1]
	s[1] ^= s[2]
	s[0] ^= s[3]
	s[2] ^= t
	s[3] = rotl(s[3], 45)
	return out
}

// below returns a value in [0, p).
func (r *rng) below(p uint32) uint32 { return uint32(r.next() % uint64(p)) }

// Task is what challenge sends to miners: multiply A (N×K) by B (K×M)
// modulo the prime P. The matrices are not sent but derived from Seed, which
// keeps tasks small whatever their shape.
type Task struct {
	N, K, M, P uint32
	Seed       [32]byte
}

const taskVersion = 2

// Encode returns the task's bytes: u8 version, u32 N, K, M, P, hash Seed.
func (t Task) Encode() []byte {
	var e wire.Encoder
	e.U8(taskVersion)
	e.U32(t.N)
	e.U32(t.K)
	e.U32(t.M)
	e.U32(t.P)
	e.Hash(t.Seed)
	return e.Bytes()
}

// ParseTask decodes a task and checks its shape (each side 1..maxSide) and
// modulus (a prime the matmul runner accepts: Freivalds' bound needs a prime).
func ParseTask(b []byte) (Task, error) {
	d := wire.NewDecoder(b)
	if v := d.U8("Version"); d.Err() == nil && v != taskVersion {
		d.Fail("Version", fmt.Sprintf("task version %d, want %d", v, taskVersion))
	}
	t := Task{N: d.U32("N"), K: d.U32("K"), M: d.U32("M"), P: d.U32("P"), Seed: d.Hash("Seed")}
	if err := d.Finish("Task"); err != nil {
		return Task{}, err
	}
	for _, side := range [...]struct {
		name string
		v    uint32
	}{{"N", t.N}, {"K", t.K}, {"M", t.M}} {
		if side.v == 0 || side.v > maxSide {
			return Task{}, fmt.Errorf("task: %s %d out of range 1..%d", side.name, side.v, maxSide)
		}
	}
	if t.P < 2 || t.P > matmul.MaxModulus || !prime(t.P) {
		return Task{}, fmt.Errorf("task: modulus %d is not a prime in 2..%d", t.P, matmul.MaxModulus)
	}
	return t, nil
}

// prime reports whether p is prime, by trial division (p ≤ 2^16).
func prime(p uint32) bool {
	if p < 2 {
		return false
	}
	for d := uint32(2); d*d <= p; d++ {
		if p%d == 0 {
			return false
		}
	}
	return true
}

// NewTask derives a square task of side n modulo Modulus from a challenge
// seed.
func NewTask(seed [32]byte, n uint32) Task { return Task{N: n, K: n, M: n, P: Modulus, Seed: seed} }

// Job derives the task's matrices: the "matmul" runner job a miner sends and
// the factors a validator checks the product against.
func (t Task) Job() matmul.Job {
	r := newRNG(t.Seed)
	j := matmul.Job{N: t.N, K: t.K, M: t.M, P: t.P, A: make([]uint32, t.N*t.K), B: make([]uint32, t.K*t.M)}
	for _, x := range [][]uint32{j.A, j.B} {
		for i := range x {
			x[i] = r.below(t.P)
		}
	}
	return j
}

// Verify checks c = A·B mod P with freivaldsRounds rounds of Freivalds'
// algorithm, O(NK + KM + NM) each. The random vectors come from a hash of
// the task seed and the claimed product (Fiat–Shamir), so a miner cannot know
// them before committing to c, and every validator node gets the same
// verdict. c must have the job's shape (matmul.DecodeResult checks it).
func Verify(task Task, job matmul.Job, c matmul.Result) bool {
	h := sha256.New()
	h.Write(task.Seed[:])
	h.Write(matmul.EncodeResult(c))
	var seed [32]byte
	copy(seed[:], h.Sum(nil))
	r := newRNG(seed)
	v := make([]uint64, job.M)
	for range freivaldsRounds {
		for i := range v {
			v[i] = uint64(r.below(job.P))
		}
		if !matmul.FreivaldsRound(job, c, v) {
			return false
		}
	}
	return true
}

// ScoreResponse scores one miner's response, a matmul result (the runner's
// output format): 0 for a failure, a malformed result or a wrong product; a
// correct product earns ScoreOne/2 plus up to ScoreOne/2 more the faster it
// came, linearly down to nothing at the timeout.
func ScoreResponse(task Task, job matmul.Job, r tao.Response, timeoutMillis uint32) uint64 {
	if r.Err != "" {
		return 0
	}
	c, err := matmul.DecodeResult(r.Response, task.N, task.M, task.P)
	if err != nil || !Verify(task, job, c) {
		return 0
	}
	limit := uint64(timeoutMillis) * 1000
	var speed uint64
	if r.LatencyMicros < limit {
		speed = tao.Ratio(limit-r.LatencyMicros, limit) / 2
	}
	return tao.ScoreOne/2 + speed
}

// ScoreAll scores every response to a task.
func ScoreAll(in tao.ScoreInput, timeoutMillis uint32) (tao.ScoreOutput, error) {
	task, err := ParseTask(in.Task)
	if err != nil {
		return tao.ScoreOutput{}, err
	}
	job := task.Job()
	out := tao.ScoreOutput{Scores: make([]tao.Score, len(in.Responses))}
	for i, r := range in.Responses {
		out.Scores[i] = tao.Score{UID: r.UID, Value: ScoreResponse(task, job, r, timeoutMillis)}
	}
	return out, nil
}

// CheckWeights is validate_weights' rule: weights on UIDs that do not exist
// and on the caller itself are dropped (the validator cannot vote for its
// own miner); if nothing is left the weights are rejected.
func CheckWeights(in tao.ValidateWeightsInput) tao.ValidateWeightsOutput {
	kept := make([]tao.WeightEntry, 0, len(in.Weights))
	for _, w := range in.Weights {
		if w.UID < in.SubnetN && w.UID != in.CallerUID {
			kept = append(kept, w)
		}
	}
	switch {
	case len(kept) == 0:
		return tao.RejectWeights("no valid weights: self-weights and UIDs outside the subnet are not allowed")
	case len(kept) < len(in.Weights):
		return tao.AdjustWeights(kept, fmt.Sprintf("dropped %d self or out-of-range weights", len(in.Weights)-len(kept)))
	}
	return tao.AcceptWeights()
}

// Resplit is on_epoch's rule. Denied hotkeys earn nothing, and no UID keeps
// more than MaxShare of the epoch's miner emission; what is taken goes to
// the other earning miners in proportion to what Yuma gave them
// (water-filling, so nobody is pushed over the cap). When every allowed
// miner is at the cap, the rest is shared among them anyway: the deny list
// wins over the cap. The total is conserved exactly. It returns false when
// Yuma's split stands: nothing to change, or nobody allowed to receive it.
func Resplit(in tao.OnEpochInput, cfg Config) ([]uint64, bool) {
	n := len(in.Neurons)
	amounts := make([]uint64, n)
	var total, kept uint64
	for i, nr := range in.Neurons {
		total += nr.ServerEmission
		if !cfg.denied(nr.Hotkey) {
			amounts[i] = nr.ServerEmission
			kept += nr.ServerEmission
		}
	}
	limit := total / uint64(tao.U16One) * uint64(cfg.MaxShare)
	limit += total % uint64(tao.U16One) * uint64(cfg.MaxShare) / uint64(tao.U16One)
	capped := make([]bool, n)
	free := total - kept
	// Each round caps at least one more UID or ends, so n+1 rounds suffice.
	for round := 0; round <= n; round++ {
		for i, a := range amounts {
			if a > limit {
				free += a - limit
				amounts[i], capped[i] = limit, true
			}
		}
		if free == 0 {
			break
		}
		shares := make([]uint64, n)
		for i, a := range amounts {
			if !capped[i] {
				shares[i] = a
			}
		}
		extra, ok := tao.SplitProportional(free, shares)
		if !ok {
			// Every earning miner is at the cap: the cap yields to the
			// deny list, and what is left goes to all allowed earners.
			for i, nr := range in.Neurons {
				if !cfg.denied(nr.Hotkey) {
					shares[i] = nr.ServerEmission
				}
			}
			if extra, ok = tao.SplitProportional(free, shares); !ok {
				return nil, false // nobody may receive the emission
			}
		}
		for i, x := range extra {
			amounts[i] += x
		}
		free = 0
	}
	if free != 0 {
		return nil, false
	}
	for i, nr := range in.Neurons {
		if amounts[i] != nr.ServerEmission {
			return amounts, true
		}
	}
	return nil, false
}

// CheckRegistration is on_register's rule: denied hotkeys may not register,
// and a hotkey may register at most MaxRegistrations times (deregistration
// churn is a cheap way to farm immunity periods). previous is how many
// times the hotkey registered before.
func CheckRegistration(in tao.OnRegisterInput, cfg Config, previous uint32) tao.OnRegisterOutput {
	if cfg.denied(in.Hotkey) {
		return tao.DenyRegistration("hotkey is on the subnet's deny list")
	}
	if previous >= cfg.MaxRegistrations {
		return tao.DenyRegistration(fmt.Sprintf("hotkey already registered %d times (limit %d)", previous, cfg.MaxRegistrations))
	}
	return tao.AllowRegistration()
}
