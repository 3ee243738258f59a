package consensus

import (
	"reflect"
	"testing"
)

func TestSplitEmission(t *testing.T) {
	cases := []struct {
		emission uint64
		count    int
		split    []uint16
		want     []uint64
	}{
		{1000, 1, nil, []uint64{1000}},
		{1000, 3, nil, []uint64{334, 333, 333}},
		{1000, 2, []uint16{65535}, []uint64{1000, 0}},
		{1000, 2, []uint16{13107, 52428}, []uint64{200, 800}},
		{1000, 2, []uint16{1, 65534}, []uint64{1, 999}},
		{1000, 3, []uint16{65535}, []uint64{1000, 0, 0}},
		{0, 4, nil, []uint64{0, 0, 0, 0}},
		{1<<64 - 1, 2, []uint16{32768, 32767}, []uint64{9223512776490647552, 9223231297218904063}},
	}
	for _, c := range cases {
		if got := SplitEmission(c.emission, c.count, c.split); !reflect.DeepEqual(got, c.want) {
			t.Errorf("SplitEmission(%d, %d, %v) = %v, want %v", c.emission, c.count, c.split, got, c.want)
		}
	}
}

// mechanismsFixture is the epoch_logs mechanism setup (spec 5.2): validators with 1e9
// stake each, servers without stake, all registered at 0 and updated at block 1.
func mechanismsFixture(validators, servers int, emission uint64, rows ...[][]WeightEntry) *MechanismsInput {
	n := validators + servers
	in := &MechanismsInput{Subnet: EpochInput{Block: 1, Tempo: 10, RaoEmission: emission,
		ActivityCutoff: ActivityCutoff(DefaultActivityCutoffFactorMilli, 10),
		Params:         DefaultHyperparameters(), Neurons: make([]Neuron, n)}}
	in.Subnet.Params.MaxAllowedValidators = 100
	for i := range validators {
		in.Subnet.Neurons[i] = Neuron{Stake: 1e9, ValidatorPermit: true}
	}
	for _, w := range rows {
		lu := make([]uint64, n)
		for i := range lu {
			lu[i] = 1
		}
		in.Mechanisms = append(in.Mechanisms, Mechanism{LastUpdate: lu, Weights: w})
	}
	return in
}

func row(uids ...uint16) []WeightEntry {
	out := make([]WeightEntry, len(uids))
	for k, u := range uids {
		out[k] = WeightEntry{u, 65535}
	}
	return out
}

func TestEpochWithMechanisms(t *testing.T) {
	// epoch_mechanism_reads_weights_per_mechanism: mechanism 1 has the weights flipped.
	in := mechanismsFixture(3, 2, 2000,
		[][]WeightEntry{row(3), row(4), row(3), nil, nil},
		[][]WeightEntry{row(4), row(3), row(4), nil, nil})
	out, err := EpochWithMechanisms(in)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]uint64{{250, 0, 250, 500, 0}, {250, 0, 250, 0, 500}}
	for m, w := range want {
		if got := out.PerMechanism[m].Emission; !reflect.DeepEqual(got, w) {
			t.Errorf("mechanism %d emission %v, want %v", m, got, w)
		}
	}
	if got := out.Subnet.Emission; !reflect.DeepEqual(got, []uint64{250, 0, 250, 250, 250}) {
		t.Errorf("aggregate emission %v", got)
	}
	if got := out.Subnet.ServerEmission; !reflect.DeepEqual(got, []uint64{0, 0, 0, 500, 500}) {
		t.Errorf("aggregate server emission %v", got)
	}
	if got := out.Subnet.Consensus; !reflect.DeepEqual(got, []uint16{0, 0, 0, 32767, 32767}) {
		t.Errorf("aggregate consensus %v", got)
	}

	// epoch_mechanism_three_mechanisms_separate_state.
	in = mechanismsFixture(2, 2, 3000,
		[][]WeightEntry{row(2), row(2), nil, nil},
		[][]WeightEntry{row(2, 3), row(2, 3), nil, nil},
		[][]WeightEntry{row(3), row(3), nil, nil})
	if out, err = EpochWithMechanisms(in); err != nil {
		t.Fatal(err)
	}
	want = [][]uint64{{250, 250, 500, 0}, {250, 250, 250, 250}, {250, 250, 0, 500}}
	for m, w := range want {
		if got := out.PerMechanism[m].Emission; !reflect.DeepEqual(got, w) {
			t.Errorf("three: mechanism %d emission %v, want %v", m, got, w)
		}
	}

	// One mechanism with the whole emission equals a plain epoch.
	in = mechanismsFixture(3, 2, 1e9, [][]WeightEntry{row(3), row(4), row(3), nil, nil})
	if out, err = EpochWithMechanisms(in); err != nil {
		t.Fatal(err)
	}
	single := in.Subnet
	single.Weights = in.Mechanisms[0].Weights
	for i := range single.Neurons {
		single.Neurons[i].LastUpdate = 1
	}
	plain, err := Epoch(&single)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(plain.Emission, out.Subnet.Emission) || !reflect.DeepEqual(plain.Dividends, out.Subnet.Dividends) {
		t.Errorf("single mechanism differs from Epoch: %v vs %v", out.Subnet, plain)
	}
}

func TestEpochWithMechanismsErrors(t *testing.T) {
	in := mechanismsFixture(1, 1, 10)
	if _, err := EpochWithMechanisms(in); err == nil || err.Error() != "mechanisms: 0 mechanisms, want 1 to 16" {
		t.Errorf("no mechanisms: %v", err)
	}
	in = mechanismsFixture(1, 1, 10, nil, nil)
	in.Split = []uint16{1, 2}
	if _, err := EpochWithMechanisms(in); err == nil || err.Error() != "split: shares sum to 3, want 65535" {
		t.Errorf("bad split: %v", err)
	}
	in = mechanismsFixture(1, 1, 10, nil, [][]WeightEntry{{{5, 1}}, nil})
	if _, err := EpochWithMechanisms(in); err == nil || err.Error() != "mechanisms[1].weights[0][0]: uid 5 out of range (n = 2)" {
		t.Errorf("bad weights: %v", err)
	}
}
