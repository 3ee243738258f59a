package consensus

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestParseEpochInputDefaults(t *testing.T) {
	in, err := ParseEpochInput(strings.NewReader(`{"neurons": [{"stake": 5}, {}], "weights": [null, [[0, 7]]]}`))
	if err != nil {
		t.Fatal(err)
	}
	want := &EpochInput{Tempo: 360, ActivityCutoff: 5000, TaoWeight: DefaultTaoWeight,
		Params: DefaultHyperparameters(), Neurons: []Neuron{{Stake: 5}, {}},
		Weights: [][]WeightEntry{{}, {{0, 7}}}}
	if !reflect.DeepEqual(in, want) {
		t.Errorf("got %+v\nwant %+v", in, want)
	}
	in, err = ParseEpochInput(strings.NewReader(`{"tempo": 10, "owner_uid": 1, "neurons": [{}, {}],
		"hyperparameters": {"kappa": 1, "alpha_sigmoid_steepness": -5, "yuma3_enabled": true},
		"commit_blocks": [3, null]}`))
	if err != nil {
		t.Fatal(err)
	}
	if in.ActivityCutoff != 138 || !in.HasOwner || in.OwnerUID != 1 || in.Params.Kappa != 1 ||
		in.Params.AlphaSigmoidSteepness != -5 || !in.Params.Yuma3Enabled || in.Params.BondsPenalty != DefaultBondsPenalty ||
		!reflect.DeepEqual(in.CommitBlocks, []uint64{3, 1<<64 - 1}) {
		t.Errorf("got %+v", in)
	}
	if c := ActivityCutoff(DefaultActivityCutoffFactorMilli, 0); c != 1 {
		t.Errorf("cutoff at tempo 0 = %d", c)
	}
	for tempo, want := range map[uint16]uint64{1: 13, 10: 138, 360: 5000, 65534: 910201} {
		if c := ActivityCutoff(DefaultActivityCutoffFactorMilli, tempo); c != want {
			t.Errorf("cutoff at tempo %d = %d, want %d", tempo, c, want)
		}
	}
}

func TestParseEpochInputErrors(t *testing.T) {
	cases := []struct{ in, want string }{
		{``, "input: EOF"},
		{`[]`, "input: want an object, got an array"},
		{`{} {}`, "input: unexpected data after the JSON object"},
		{`{"blok": 1}`, `input: unknown key "blok"`},
		{`{"block": -1}`, "block: want an integer in [0, 18446744073709551615], got -1"},
		{`{"block": 1.5}`, "block: want an integer in [0, 18446744073709551615], got 1.5"},
		{`{"tempo": 65536}`, "tempo: want an integer in [0, 65535], got 65536"},
		{`{"owner_uid": "x"}`, "owner_uid: want an integer in [0, 18446744073709551615], got a string"},
		{`{"owner_uid": 70000}`, "owner_uid: want an integer in [0, 65535], got 70000"},
		{`{"owner_uid": 0}`, "owner_uid: uid 0 out of range (n = 0)"},
		{`{"hyperparameters": {"kappa": true}}`, "hyperparameters.kappa: want an integer in [0, 65535], got true"},
		{`{"hyperparameters": {"yuma3_enabled": 1}}`, "hyperparameters.yuma3_enabled: want true or false, got 1"},
		{`{"hyperparameters": {"alpha_sigmoid_steepness": 40000}}`, "hyperparameters.alpha_sigmoid_steepness: want an integer in [-32768, 32767], got 40000"},
		{`{"hyperparameters": {"rho": 1}}`, `hyperparameters: unknown key "rho"`},
		{`{"hyperparameters": []}`, "hyperparameters: want an object, got an array"},
		{`{"neurons": {}}`, "neurons: want an array, got an object"},
		{`{"neurons": [{}, {}, {}, {"stake": -3}]}`, "neurons[3].stake: want an integer in [0, 18446744073709551615], got -3"},
		{`{"neurons": [{"stake": 1, "permit": true}]}`, `neurons[0]: unknown key "permit"`},
		{`{"neurons": [{}], "weights": [[[0, 1]], []]}`, "weights: 2 rows for 1 neurons"},
		{`{"neurons": [{}], "weights": [[[1, 1]]]}`, "weights[0][0]: uid 1 out of range (n = 1)"},
		{`{"neurons": [{}], "weights": [[[0]]]}`, "weights[0][0]: want a pair [uid, value], got 1 elements"},
		{`{"neurons": [{}], "weights": [[[0, null]]]}`, "weights[0][0]: want a pair [uid, value], got null"},
		{`{"neurons": [{}], "bonds": [[[0, 65536]]]}`, "bonds[0][0][1]: want an integer in [0, 65535], got 65536"},
		{`{"neurons": [{}, {}], "bonds": [[[1, 1], [1, 2]], []]}`, "bonds[0][1]: duplicate uid 1"},
		{`{"neurons": [{}], "commit_blocks": [1, 2]}`, "commit_blocks: 2 entries for 1 neurons"},
	}
	for _, c := range cases {
		_, err := ParseEpochInput(strings.NewReader(c.in))
		if err == nil || err.Error() != c.want {
			t.Errorf("%s:\n got %v\nwant %s", c.in, err, c.want)
		}
	}
}

func TestEpochOutputJSONRoundTrip(t *testing.T) {
	out := &EpochOutput{StakeWeight: []uint16{1}, Consensus: []uint16{2}, Incentive: []uint16{3},
		Dividends: []uint16{4}, ValidatorTrust: []uint16{5}, Emission: []uint64{6}, ServerEmission: []uint64{7},
		ValidatorEmission: []uint64{8}, Active: []bool{true}, ValidatorPermit: []bool{false},
		Bonds: [][]WeightEntry{{{0, 9}}}}
	b, err := json.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"stake_weight":[1],"consensus":[2],"incentive":[3],"dividends":[4],"validator_trust":[5],` +
		`"emission":[6],"server_emission":[7],"validator_emission":[8],"active":[true],"validator_permit":[false],` +
		`"bonds":[[[0,9]]]}`
	if string(b) != want {
		t.Errorf("got %s", b)
	}
	var back EpochOutput
	if err := json.Unmarshal(b, &back); err != nil || !reflect.DeepEqual(&back, out) {
		t.Errorf("round trip: %v %+v", err, back)
	}
	empty, _ := json.Marshal(&EpochOutput{})
	if !strings.Contains(string(empty), `"incentive":[]`) || !strings.Contains(string(empty), `"bonds":[]`) {
		t.Errorf("empty output must use empty arrays: %s", empty)
	}
}
