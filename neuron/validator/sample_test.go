package validator

import (
	"slices"
	"testing"
)

// TestCandidates: the template's check_uid_availability. A UID is queried
// when it serves an axon, is not the validator itself, and is not a
// validator: a validator permit together with more stake than the limit.
func TestCandidates(t *testing.T) {
	const tao = 1_000_000_000
	row := func(uid uint16, axon bool, permit bool, stake uint64) Neuron {
		n := Neuron{UID: uid, ValidatorPermit: permit, Stake: stake}
		if axon {
			n.Axon = "127.0.0.1:9000"
		}
		return n
	}
	cases := []struct {
		name    string
		neurons []Neuron
		self    uint16
		limit   uint64
		want    []uint16
	}{
		{"miners without permits, whatever their stake",
			[]Neuron{row(0, true, true, 9000*tao), row(1, true, false, 0), row(2, true, false, 9000*tao)}, 0, DefaultVpermitTaoLimit, []uint16{1, 2}},
		{"permit and stake above the limit: a validator",
			[]Neuron{row(0, true, true, 9000*tao), row(1, true, true, 4097*tao), row(2, true, false, 1)}, 0, DefaultVpermitTaoLimit, []uint16{2}},
		{"permit and stake at the limit: still a miner (the rule is strictly more)",
			[]Neuron{row(0, true, true, 0), row(1, true, true, 4096*tao), row(2, true, true, 4096*tao+1)}, 0, DefaultVpermitTaoLimit, []uint16{1}},
		{"permit with little stake: a miner",
			[]Neuron{row(3, true, true, 10*tao), row(0, true, false, 0)}, 0, DefaultVpermitTaoLimit, []uint16{3}},
		{"not serving an axon",
			[]Neuron{row(0, true, true, 0), row(1, false, false, 0), row(2, true, false, 0)}, 0, DefaultVpermitTaoLimit, []uint16{2}},
		{"self excluded wherever it is",
			[]Neuron{row(0, true, false, 0), row(5, true, false, 0), row(9, true, false, 0)}, 5, DefaultVpermitTaoLimit, []uint16{0, 9}},
		{"a lower limit",
			[]Neuron{row(0, true, true, 0), row(1, true, true, 100*tao), row(2, true, true, 99*tao)}, 0, 99 * tao, []uint16{2}},
		{"rule off",
			[]Neuron{row(0, true, true, 0), row(1, true, true, ^uint64(0)-1)}, 0, ^uint64(0), []uint16{1}},
		{"ascending whatever the order given",
			[]Neuron{row(7, true, false, 0), row(2, true, false, 0), row(4, true, false, 0)}, 0, DefaultVpermitTaoLimit, []uint16{2, 4, 7}},
		{"nobody", nil, 0, DefaultVpermitTaoLimit, nil},
	}
	for _, c := range cases {
		if got := Candidates(c.neurons, c.self, c.limit); !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}
