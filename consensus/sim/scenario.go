package sim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"slices"

	"github.com/taorun/taorun/consensus"
)

// Limits on scenario sizes, to keep runs and plots reasonable.
const (
	MaxEpochs  = 100_000
	MaxNeurons = 4096
	// maxQuality bounds qualities and explicit weights so that integer weight maths
	// (ppm * 65535 * 2) cannot overflow a uint64.
	maxQuality = 1e6
	ppm        = 1_000_000
)

// Strategy names accepted in a neuron's "weights.strategy".
const (
	StrategyHonest    = "honest"    // weights ∝ miners' hidden quality, plus seeded noise
	StrategyCopier    = "copier"    // copies last epoch's consensus or another validator
	StrategyColluding = "colluding" // weights only its group's targets
	StrategyExplicit  = "explicit"  // piecewise-constant weights given per epoch
)

// Scenario is a parsed and validated scenario file. Use ParseScenario or LoadScenario;
// fields are exported for reading.
type Scenario struct {
	Name, Description string
	// Epochs is the number of epochs to run.
	Epochs int
	// Tempo is the subnet tempo in blocks; epoch e runs at block (e+1)*Tempo.
	Tempo uint16
	// Seed drives the honest validators' noise.
	Seed uint64
	// EmissionRao is the alpha-rao each epoch distributes.
	EmissionRao uint64
	// ActivityCutoff in blocks.
	ActivityCutoff uint64
	// Compound adds each uid's emission to its stake after every epoch.
	Compound bool
	// WarmupEpochs are run and reported but left out of the summary, so that it measures
	// the steady state after bonds have built up.
	WarmupEpochs int
	// Params are the subnet hyperparameters.
	Params  consensus.Hyperparameters
	Neurons []NeuronSpec
}

// NeuronSpec is one neuron of a scenario.
type NeuronSpec struct {
	Name string
	// StakeRao is the initial alpha stake.
	StakeRao uint64
	// Permit is the validator permit before the first epoch.
	Permit bool
	// Quality is the hidden quality as a miner, piecewise constant over epochs (ppm).
	Quality []Step
	// Weights is the validator strategy; nil for a neuron that never sets weights.
	Weights *Strategy
}

// Step is a value that holds from epoch From on (until the next step).
type Step struct {
	From  int
	Value uint64 // ppm
}

// Strategy is a validator's weight-setting behaviour.
type Strategy struct {
	Kind string
	// NoisePPM is the honest strategy's relative noise amplitude: each weight is scaled
	// by a uniform factor in [1-noise, 1+noise].
	NoisePPM uint64
	// Source is the copier's source: -1 for last epoch's consensus, else a uid whose
	// stored weights (as of the previous epoch) are copied.
	Source int
	// Targets are the colluding strategy's uids (weighted equally).
	Targets []uint16
	// Schedule is the explicit strategy's weights, in increasing From order.
	Schedule []ExplicitWeights
	// Every and Offset make the validator set weights only at epochs e with
	// e % Every == Offset (late or outdated validators); Every 1 is every epoch.
	Every, Offset int
}

// ExplicitWeights are the explicit strategy's weights from epoch From on.
type ExplicitWeights struct {
	From    int
	Targets []uint16
	Values  []uint64 // ppm, parallel to Targets
}

// The JSON shape of a scenario file.
type scenarioJSON struct {
	Name             string          `json:"name"`
	Description      string          `json:"description"`
	Epochs           int             `json:"epochs"`
	Tempo            *uint16         `json:"tempo"`
	Seed             uint64          `json:"seed"`
	EmissionPerEpoch *float64        `json:"emission_per_epoch"`
	ActivityCutoff   *uint64         `json:"activity_cutoff"`
	Compound         bool            `json:"compound"`
	WarmupEpochs     int             `json:"warmup_epochs"`
	Hyperparameters  json.RawMessage `json:"hyperparameters"`
	Neurons          []neuronJSON    `json:"neurons"`
}

type neuronJSON struct {
	Name            string        `json:"name"`
	Stake           float64       `json:"stake"`
	ValidatorPermit *bool         `json:"validator_permit"`
	Quality         float64       `json:"quality"`
	QualitySchedule []qualityJSON `json:"quality_schedule"`
	Weights         *strategyJSON `json:"weights"`
}

type qualityJSON struct {
	FromEpoch int     `json:"from_epoch"`
	Quality   float64 `json:"quality"`
}

type strategyJSON struct {
	Strategy string         `json:"strategy"`
	Noise    float64        `json:"noise"`
	Source   string         `json:"source"`
	Targets  []string       `json:"targets"`
	Schedule []scheduleJSON `json:"schedule"`
	Every    int            `json:"every"`
	Offset   int            `json:"offset"`
}

type scheduleJSON struct {
	FromEpoch int                `json:"from_epoch"`
	Weights   map[string]float64 `json:"weights"`
}

type hyperJSON struct {
	Kappa                 *uint16 `json:"kappa"`
	BondsPenalty          *uint16 `json:"bonds_penalty"`
	BondsMovingAverage    *uint64 `json:"bonds_moving_average"`
	Yuma3Enabled          *bool   `json:"yuma3_enabled"`
	LiquidAlphaEnabled    *bool   `json:"liquid_alpha_enabled"`
	AlphaLow              *uint16 `json:"alpha_low"`
	AlphaHigh             *uint16 `json:"alpha_high"`
	AlphaSigmoidSteepness *int16  `json:"alpha_sigmoid_steepness"`
	MaxAllowedValidators  *uint16 `json:"max_allowed_validators"`
	StakeThreshold        *uint64 `json:"stake_threshold"`
}

// LoadScenario reads and validates a scenario file; errors name the file.
func LoadScenario(path string) (*Scenario, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	s, err := ParseScenario(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// ParseScenario reads one scenario JSON object and validates it. Unknown keys are
// errors; errors name the offending field, e.g. `neurons[3].weights.targets[0]: unknown
// neuron "m9"`. The format is described in examples/scenarios/README.md.
func ParseScenario(r io.Reader) (*Scenario, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var sj scenarioJSON
	if err := dec.Decode(&sj); err != nil {
		return nil, fmt.Errorf("scenario: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("scenario: unexpected data after the JSON object")
	}
	s := &Scenario{Name: sj.Name, Description: sj.Description, Epochs: sj.Epochs, Tempo: 360,
		Seed: sj.Seed, Compound: sj.Compound, Params: consensus.DefaultHyperparameters()}
	// Commit-reveal needs commit blocks, which scenarios do not model.
	s.Params.CommitRevealEnabled = false
	if s.Epochs < 1 || s.Epochs > MaxEpochs {
		return nil, fmt.Errorf("epochs: want 1..%d, got %d", MaxEpochs, sj.Epochs)
	}
	if sj.WarmupEpochs < 0 || sj.WarmupEpochs >= s.Epochs {
		return nil, fmt.Errorf("warmup_epochs: want 0..%d (fewer than epochs), got %d", s.Epochs-1, sj.WarmupEpochs)
	}
	s.WarmupEpochs = sj.WarmupEpochs
	if sj.Tempo != nil {
		if *sj.Tempo == 0 {
			return nil, errors.New("tempo: must be at least 1")
		}
		s.Tempo = *sj.Tempo
	}
	s.ActivityCutoff = consensus.ActivityCutoff(consensus.DefaultActivityCutoffFactorMilli, s.Tempo)
	if sj.ActivityCutoff != nil {
		s.ActivityCutoff = *sj.ActivityCutoff
	}
	emission := float64(s.Tempo) // one alpha per block by default
	if sj.EmissionPerEpoch != nil {
		emission = *sj.EmissionPerEpoch
	}
	var err error
	if s.EmissionRao, err = toRao("emission_per_epoch", emission); err != nil {
		return nil, err
	}
	if err := parseHyper(sj.Hyperparameters, &s.Params); err != nil {
		return nil, err
	}
	if len(sj.Neurons) == 0 || len(sj.Neurons) > MaxNeurons {
		return nil, fmt.Errorf("neurons: want 1..%d neurons, got %d", MaxNeurons, len(sj.Neurons))
	}
	uids := make(map[string]int, len(sj.Neurons))
	for i, n := range sj.Neurons {
		if n.Name == "" {
			return nil, fmt.Errorf("neurons[%d].name: missing", i)
		}
		if j, dup := uids[n.Name]; dup {
			return nil, fmt.Errorf("neurons[%d].name: %q already used by neurons[%d]", i, n.Name, j)
		}
		uids[n.Name] = i
	}
	for i, nj := range sj.Neurons {
		ns, err := parseNeuron(fmt.Sprintf("neurons[%d]", i), nj, uids, s.Epochs)
		if err != nil {
			return nil, err
		}
		s.Neurons = append(s.Neurons, ns)
	}
	return s, nil
}

func parseHyper(raw json.RawMessage, p *consensus.Hyperparameters) error {
	if len(raw) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var h hyperJSON
	if err := dec.Decode(&h); err != nil {
		return fmt.Errorf("hyperparameters: %w", err)
	}
	set(&p.Kappa, h.Kappa)
	set(&p.BondsPenalty, h.BondsPenalty)
	set(&p.BondsMovingAverage, h.BondsMovingAverage)
	set(&p.Yuma3Enabled, h.Yuma3Enabled)
	set(&p.LiquidAlphaEnabled, h.LiquidAlphaEnabled)
	set(&p.AlphaLow, h.AlphaLow)
	set(&p.AlphaHigh, h.AlphaHigh)
	set(&p.AlphaSigmoidSteepness, h.AlphaSigmoidSteepness)
	set(&p.MaxAllowedValidators, h.MaxAllowedValidators)
	set(&p.StakeThreshold, h.StakeThreshold)
	if p.BondsMovingAverage > ppm {
		return fmt.Errorf("hyperparameters.bonds_moving_average: want 0..%d, got %d", ppm, p.BondsMovingAverage)
	}
	return nil
}

// set overwrites *dst with *src when src is present.
func set[T any](dst *T, src *T) {
	if src != nil {
		*dst = *src
	}
}

func parseNeuron(path string, nj neuronJSON, uids map[string]int, epochs int) (NeuronSpec, error) {
	ns := NeuronSpec{Name: nj.Name}
	var err error
	if ns.StakeRao, err = toRao(path+".stake", nj.Stake); err != nil {
		return ns, err
	}
	ns.Permit = ns.StakeRao > 0
	if nj.ValidatorPermit != nil {
		ns.Permit = *nj.ValidatorPermit
	}
	q, err := toPPM(path+".quality", nj.Quality)
	if err != nil {
		return ns, err
	}
	ns.Quality = []Step{{0, q}}
	for k, qs := range nj.QualitySchedule {
		p := fmt.Sprintf("%s.quality_schedule[%d]", path, k)
		if qs.FromEpoch <= ns.Quality[len(ns.Quality)-1].From || qs.FromEpoch >= epochs {
			return ns, fmt.Errorf("%s.from_epoch: want increasing epochs in 1..%d, got %d", p, epochs-1, qs.FromEpoch)
		}
		v, err := toPPM(p+".quality", qs.Quality)
		if err != nil {
			return ns, err
		}
		ns.Quality = append(ns.Quality, Step{qs.FromEpoch, v})
	}
	if nj.Weights != nil {
		st, err := parseStrategy(path+".weights", *nj.Weights, uids, epochs, uids[nj.Name])
		if err != nil {
			return ns, err
		}
		ns.Weights = &st
	}
	return ns, nil
}

func parseStrategy(path string, sj strategyJSON, uids map[string]int, epochs, self int) (Strategy, error) {
	st := Strategy{Kind: sj.Strategy, Source: -1, Every: 1, Offset: sj.Offset}
	if sj.Every != 0 {
		st.Every = sj.Every
	}
	if st.Every < 1 || st.Every > epochs {
		return st, fmt.Errorf("%s.every: want 1..%d, got %d", path, epochs, sj.Every)
	}
	if st.Offset < 0 || st.Offset >= st.Every {
		return st, fmt.Errorf("%s.offset: want 0..%d, got %d", path, st.Every-1, sj.Offset)
	}
	lookup := func(p, name string) (uint16, error) {
		u, ok := uids[name]
		if !ok {
			return 0, fmt.Errorf("%s: unknown neuron %q", p, name)
		}
		return uint16(u), nil
	}
	only := func(field string, set bool) error {
		if set {
			return fmt.Errorf("%s.%s: not used by strategy %q", path, field, st.Kind)
		}
		return nil
	}
	var err error
	switch st.Kind {
	case StrategyHonest:
		if sj.Noise < 0 || sj.Noise > 1 {
			return st, fmt.Errorf("%s.noise: want 0..1, got %g", path, sj.Noise)
		}
		st.NoisePPM, _ = toPPM(path+".noise", sj.Noise)
		err = errors.Join(only("source", sj.Source != ""), only("targets", sj.Targets != nil), only("schedule", sj.Schedule != nil))
	case StrategyCopier:
		if sj.Source != "" && sj.Source != "consensus" {
			u, err := lookup(path+".source", sj.Source)
			if err != nil {
				return st, err
			}
			if int(u) == self {
				return st, fmt.Errorf("%s.source: a copier cannot copy itself", path)
			}
			st.Source = int(u)
		}
		err = errors.Join(only("noise", sj.Noise != 0), only("targets", sj.Targets != nil), only("schedule", sj.Schedule != nil))
	case StrategyColluding:
		if len(sj.Targets) == 0 {
			return st, fmt.Errorf("%s.targets: a colluding validator needs at least one target", path)
		}
		for k, name := range sj.Targets {
			u, err := lookup(fmt.Sprintf("%s.targets[%d]", path, k), name)
			if err != nil {
				return st, err
			}
			if slices.Contains(st.Targets, u) {
				return st, fmt.Errorf("%s.targets[%d]: %q listed twice", path, k, name)
			}
			st.Targets = append(st.Targets, u)
		}
		err = errors.Join(only("noise", sj.Noise != 0), only("source", sj.Source != ""), only("schedule", sj.Schedule != nil))
	case StrategyExplicit:
		if len(sj.Schedule) == 0 {
			return st, fmt.Errorf("%s.schedule: an explicit strategy needs at least one entry", path)
		}
		for k, e := range sj.Schedule {
			p := fmt.Sprintf("%s.schedule[%d]", path, k)
			if (k == 0 && e.FromEpoch != 0) || (k > 0 && e.FromEpoch <= st.Schedule[k-1].From) || e.FromEpoch >= epochs {
				return st, fmt.Errorf("%s.from_epoch: want 0 first, then increasing epochs below %d, got %d", p, epochs, e.FromEpoch)
			}
			ew := ExplicitWeights{From: e.FromEpoch}
			names := slices.Collect(maps.Keys(e.Weights))
			slices.Sort(names) // map order must not leak into results or error messages
			type tv struct {
				uid uint16
				v   uint64
			}
			var tvs []tv
			for _, name := range names {
				u, err := lookup(p+".weights", name)
				if err != nil {
					return st, err
				}
				q, err := toPPM(p+".weights."+name, e.Weights[name])
				if err != nil {
					return st, err
				}
				tvs = append(tvs, tv{u, q})
			}
			slices.SortFunc(tvs, func(a, b tv) int { return int(a.uid) - int(b.uid) })
			for _, x := range tvs {
				ew.Targets, ew.Values = append(ew.Targets, x.uid), append(ew.Values, x.v)
			}
			st.Schedule = append(st.Schedule, ew)
		}
		err = errors.Join(only("noise", sj.Noise != 0), only("source", sj.Source != ""), only("targets", sj.Targets != nil))
	case "":
		return st, fmt.Errorf("%s.strategy: missing (want honest, copier, colluding or explicit)", path)
	default:
		return st, fmt.Errorf("%s.strategy: unknown strategy %q (want honest, copier, colluding or explicit)", path, st.Kind)
	}
	return st, err
}

// toRao converts a non-negative amount of alpha to alpha-rao (nearest).
func toRao(path string, v float64) (uint64, error) {
	if math.IsNaN(v) || v < 0 || v > float64(math.MaxUint64)/1e9/2 {
		return 0, fmt.Errorf("%s: want a non-negative amount below 9.2e9, got %g", path, v)
	}
	return uint64(math.Round(v * 1e9)), nil
}

// toPPM converts a non-negative quality or weight to parts per million (nearest).
func toPPM(path string, v float64) (uint64, error) {
	if math.IsNaN(v) || v < 0 || v > maxQuality {
		return 0, fmt.Errorf("%s: want a value in 0..%g, got %g", path, float64(maxQuality), v)
	}
	return uint64(math.Round(v * ppm)), nil
}
