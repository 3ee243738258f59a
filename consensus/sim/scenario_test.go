package sim

import (
	"strings"
	"testing"
)

// minimal is a valid scenario body that the error cases below modify.
const minimal = `{"epochs": 3, "neurons": [
 {"name": "v", "stake": 10, "weights": {"strategy": "honest"}},
 {"name": "m", "quality": 1}]}`

func TestParseScenarioDefaults(t *testing.T) {
	s, err := ParseScenario(strings.NewReader(minimal))
	if err != nil {
		t.Fatal(err)
	}
	if s.Tempo != 360 || s.EmissionRao != 360e9 || s.ActivityCutoff != 5000 || s.Params.CommitRevealEnabled {
		t.Errorf("defaults: tempo %d, emission %d, cutoff %d, commit-reveal %v", s.Tempo, s.EmissionRao, s.ActivityCutoff, s.Params.CommitRevealEnabled)
	}
	if s.Params.Kappa != 32767 || s.Params.BondsMovingAverage != 900_000 || s.Params.Yuma3Enabled {
		t.Errorf("hyperparameter defaults: %+v", s.Params)
	}
	v, m := s.Neurons[0], s.Neurons[1]
	if v.StakeRao != 10e9 || !v.Permit || v.Weights.Kind != StrategyHonest || v.Weights.Every != 1 {
		t.Errorf("validator: %+v %+v", v, v.Weights)
	}
	if m.Permit || m.Weights != nil || len(m.Quality) != 1 || m.Quality[0].Value != ppm {
		t.Errorf("miner: %+v", m)
	}
}

func TestParseScenarioOverrides(t *testing.T) {
	s, err := ParseScenario(strings.NewReader(`{"epochs": 10, "tempo": 100, "activity_cutoff": 7,
	 "emission_per_epoch": 1.5, "warmup_epochs": 2, "compound": true,
	 "hyperparameters": {"yuma3_enabled": true, "kappa": 40000, "bonds_moving_average": 975000},
	 "neurons": [
	  {"name": "x", "stake": 1, "validator_permit": false, "weights": {"strategy": "explicit",
	   "schedule": [{"from_epoch": 0, "weights": {"z": 2, "y": 1}}, {"from_epoch": 5, "weights": {"y": 0.5}}]}},
	  {"name": "y", "quality": 0.25, "quality_schedule": [{"from_epoch": 4, "quality": 0.5}]},
	  {"name": "z", "weights": {"strategy": "copier", "source": "x", "every": 3, "offset": 2}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if s.Tempo != 100 || s.ActivityCutoff != 7 || s.EmissionRao != 1_500_000_000 || s.WarmupEpochs != 2 || !s.Compound {
		t.Errorf("scenario: %+v", s)
	}
	if !s.Params.Yuma3Enabled || s.Params.Kappa != 40000 || s.Params.BondsMovingAverage != 975000 {
		t.Errorf("params: %+v", s.Params)
	}
	x := s.Neurons[0]
	if x.Permit {
		t.Error("validator_permit false ignored")
	}
	sch := x.Weights.Schedule
	// Targets are in uid order whatever the JSON key order.
	if len(sch) != 2 || sch[0].Targets[0] != 1 || sch[0].Targets[1] != 2 || sch[0].Values[0] != ppm || sch[0].Values[1] != 2*ppm || sch[1].From != 5 {
		t.Errorf("schedule: %+v", sch)
	}
	if q := s.Neurons[1].Quality; len(q) != 2 || q[1] != (Step{4, ppm / 2}) {
		t.Errorf("quality steps: %+v", q)
	}
	if z := s.Neurons[2].Weights; z.Source != 0 || z.Every != 3 || z.Offset != 2 {
		t.Errorf("copier: %+v", z)
	}
}

func TestParseScenarioErrors(t *testing.T) {
	cases := []struct{ json, want string }{
		{`{"epochs": 0, "neurons": [{"name": "a"}]}`, "epochs: want 1..100000, got 0"},
		{`{"epochs": 2, "neurons": []}`, "neurons: want 1..4096 neurons, got 0"},
		{`{"epochs": 2, "bogus": 1, "neurons": [{"name": "a"}]}`, `unknown field "bogus"`},
		{`{"epochs": 2, "tempo": 0, "neurons": [{"name": "a"}]}`, "tempo: must be at least 1"},
		{`{"epochs": 2, "warmup_epochs": 2, "neurons": [{"name": "a"}]}`, "warmup_epochs: want 0..1"},
		{`{"epochs": 2, "emission_per_epoch": -1, "neurons": [{"name": "a"}]}`, "emission_per_epoch: want a non-negative amount"},
		{`{"epochs": 2, "hyperparameters": {"kapa": 1}, "neurons": [{"name": "a"}]}`, `hyperparameters: json: unknown field "kapa"`},
		{`{"epochs": 2, "hyperparameters": {"bonds_moving_average": 1000001}, "neurons": [{"name": "a"}]}`, "hyperparameters.bonds_moving_average: want 0..1000000"},
		{`{"epochs": 2, "neurons": [{"name": "a"}, {"name": "a"}]}`, `neurons[1].name: "a" already used by neurons[0]`},
		{`{"epochs": 2, "neurons": [{"stake": 1}]}`, "neurons[0].name: missing"},
		{`{"epochs": 2, "neurons": [{"name": "a", "stake": -5}]}`, "neurons[0].stake: want a non-negative amount"},
		{`{"epochs": 2, "neurons": [{"name": "a", "quality": 2e6}]}`, "neurons[0].quality: want a value in 0..1e+06"},
		{`{"epochs": 5, "neurons": [{"name": "a", "quality_schedule": [{"from_epoch": 0, "quality": 1}]}]}`, "neurons[0].quality_schedule[0].from_epoch: want increasing epochs in 1..4, got 0"},
		{`{"epochs": 2, "neurons": [{"name": "a", "weights": {}}]}`, "neurons[0].weights.strategy: missing"},
		{`{"epochs": 2, "neurons": [{"name": "a", "weights": {"strategy": "lazy"}}]}`, `neurons[0].weights.strategy: unknown strategy "lazy"`},
		{`{"epochs": 2, "neurons": [{"name": "a", "weights": {"strategy": "honest", "noise": 1.5}}]}`, "neurons[0].weights.noise: want 0..1, got 1.5"},
		{`{"epochs": 2, "neurons": [{"name": "a", "weights": {"strategy": "honest", "targets": ["a"]}}]}`, `neurons[0].weights.targets: not used by strategy "honest"`},
		{`{"epochs": 4, "neurons": [{"name": "a", "weights": {"strategy": "honest", "every": 5}}]}`, "neurons[0].weights.every: want 1..4, got 5"},
		{`{"epochs": 4, "neurons": [{"name": "a", "weights": {"strategy": "honest", "every": 2, "offset": 2}}]}`, "neurons[0].weights.offset: want 0..1, got 2"},
		{`{"epochs": 2, "neurons": [{"name": "a", "weights": {"strategy": "copier", "source": "b"}}]}`, `neurons[0].weights.source: unknown neuron "b"`},
		{`{"epochs": 2, "neurons": [{"name": "a", "weights": {"strategy": "copier", "source": "a"}}]}`, "neurons[0].weights.source: a copier cannot copy itself"},
		{`{"epochs": 2, "neurons": [{"name": "a", "weights": {"strategy": "colluding"}}]}`, "neurons[0].weights.targets: a colluding validator needs at least one target"},
		{`{"epochs": 2, "neurons": [{"name": "a", "weights": {"strategy": "colluding", "targets": ["zz"]}}]}`, `neurons[0].weights.targets[0]: unknown neuron "zz"`},
		{`{"epochs": 2, "neurons": [{"name": "a", "weights": {"strategy": "colluding", "targets": ["a", "a"]}}]}`, `neurons[0].weights.targets[1]: "a" listed twice`},
		{`{"epochs": 2, "neurons": [{"name": "a", "weights": {"strategy": "explicit"}}]}`, "neurons[0].weights.schedule: an explicit strategy needs at least one entry"},
		{`{"epochs": 2, "neurons": [{"name": "a", "weights": {"strategy": "explicit", "schedule": [{"from_epoch": 1, "weights": {}}]}}]}`, "neurons[0].weights.schedule[0].from_epoch: want 0 first"},
		{`{"epochs": 2, "neurons": [{"name": "a", "weights": {"strategy": "explicit", "schedule": [{"from_epoch": 0, "weights": {"q": 1}}]}}]}`, `neurons[0].weights.schedule[0].weights: unknown neuron "q"`},
		{`{"epochs": 2, "neurons": [{"name": "a"}]} {}`, "unexpected data after the JSON object"},
	}
	for _, c := range cases {
		_, err := ParseScenario(strings.NewReader(c.json))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ParseScenario(%s)\n  error %v\n  want  %q", c.json, err, c.want)
		}
	}
}
