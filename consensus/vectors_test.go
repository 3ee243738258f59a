package consensus

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/taorun/taorun/consensus/internal/mat"
)

// vectorFile is one upstream test replayed as a sequence of epochs (testdata/epoch).
// The input is in `taorun sim epoch` format; between steps the new validator permits
// and stored bonds of the previous epoch carry over, as they do on chain.
type vectorFile struct {
	Source string          `json:"source"`
	Dense  bool            `json:"dense"` // also replay with EpochDense
	Input  json.RawMessage `json:"input"`
	Steps  []vectorStep    `json:"steps"`
}

type vectorStep struct {
	Block   uint64         `json:"block"`
	Actions []vectorAction `json:"actions"`
	// Expect holds output fields (sim output format) that must match exactly; bonds are
	// compared as dense matrices (a missing entry is 0).
	Expect json.RawMessage `json:"expect"`
	// BondCells are exact stored bonds [i, j, value] (missing entry = 0).
	BondCells [][3]uint64 `json:"bond_cells"`
	// DividendsApprox are upstream's tolerance targets on dividends/65535.
	DividendsApprox *struct {
		Tolerance float64   `json:"tolerance"`
		Values    []float64 `json:"values"`
	} `json:"dividends_approx"`
}

// vectorAction is a state change between epochs, mirroring the pallet calls the
// upstream tests make.
type vectorAction struct {
	// SetWeights stores the max-upscaled row (set_weights) and sets LastUpdate = Block.
	SetWeights *struct {
		UID   int         `json:"uid"`
		Block uint64      `json:"block"`
		Row   [][2]uint16 `json:"row"`
	} `json:"set_weights"`
	// ReplaceNeuron registers a new hotkey with no stake on UID at Block (replace_neuron).
	ReplaceNeuron *struct {
		UID   int    `json:"uid"`
		Block uint64 `json:"block"`
	} `json:"replace_neuron"`
	// ResetBonds removes the bonds column of a uid from every row (do_reset_bonds).
	ResetBonds *uint16 `json:"reset_bonds"`
	// Hyperparameters patches the hyperparameters (sim input keys).
	Hyperparameters json.RawMessage `json:"hyperparameters"`
}

func TestEpochVectors(t *testing.T) {
	files, err := filepath.Glob("testdata/epoch/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no vector files: %v", err)
	}
	for _, path := range files {
		var v vectorFile
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&v); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		name := strings.TrimSuffix(filepath.Base(path), ".json")
		t.Run(name+"/sparse", func(t *testing.T) { replay(t, &v, Epoch) })
		if v.Dense {
			t.Run(name+"/dense", func(t *testing.T) { replay(t, &v, EpochDense) })
		}
	}
}

func replay(t *testing.T, v *vectorFile, run func(*EpochInput) (*EpochOutput, error)) {
	t.Helper()
	in, err := ParseEpochInput(bytes.NewReader(v.Input))
	if err != nil {
		t.Fatalf("input: %v", err)
	}
	n := len(in.Neurons)
	if in.Weights == nil {
		in.Weights = make([][]WeightEntry, n)
	}
	if in.Bonds == nil {
		in.Bonds = make([][]WeightEntry, n)
	}
	for si, st := range v.Steps {
		in.Block = st.Block
		for _, a := range st.Actions {
			applyAction(t, in, &a)
		}
		out, err := run(in)
		if err != nil {
			t.Fatalf("step %d: %v", si, err)
		}
		checkStep(t, fmt.Sprintf("step %d (block %d)", si, st.Block), &st, out, n)
		for i := range in.Neurons {
			in.Neurons[i].ValidatorPermit = out.ValidatorPermit[i]
		}
		in.Bonds = out.Bonds
	}
}

func applyAction(t *testing.T, in *EpochInput, a *vectorAction) {
	t.Helper()
	switch {
	case a.SetWeights != nil:
		s := a.SetWeights
		vals := make([]uint16, len(s.Row))
		for k, p := range s.Row {
			vals[k] = p[1]
		}
		stored := mat.VecU16MaxUpscaleToU16(vals)
		row := make([]WeightEntry, len(s.Row))
		for k, p := range s.Row {
			row[k] = WeightEntry{p[0], stored[k]}
		}
		in.Weights[s.UID] = row
		in.Neurons[s.UID].LastUpdate = s.Block
	case a.ReplaceNeuron != nil:
		u := a.ReplaceNeuron.UID
		in.Neurons[u] = Neuron{LastUpdate: a.ReplaceNeuron.Block, BlockAtRegistration: a.ReplaceNeuron.Block}
		in.Weights[u], in.Bonds[u] = nil, nil
		for i, row := range in.Weights {
			for k := range row {
				if int(row[k].UID) == u {
					in.Weights[i][k].Value = 0
				}
			}
		}
	case a.ResetBonds != nil:
		for i, row := range in.Bonds {
			kept := []WeightEntry{}
			for _, e := range row {
				if e.UID != *a.ResetBonds {
					kept = append(kept, e)
				}
			}
			in.Bonds[i] = kept
		}
	case a.Hyperparameters != nil:
		if err := parseParams(a.Hyperparameters, &in.Params); err != nil {
			t.Fatal(err)
		}
	default:
		t.Fatal("empty action")
	}
}

func checkStep(t *testing.T, where string, st *vectorStep, out *EpochOutput, n int) {
	t.Helper()
	got := decodeObject(t, mustJSON(t, out))
	if st.Expect != nil {
		want := decodeObject(t, st.Expect)
		for k, w := range want {
			g, ok := got[k]
			if !ok {
				t.Fatalf("%s: expected key %q is not an output", where, k)
			}
			if k == "bonds" {
				g, w = denseBonds(t, g, n), denseBonds(t, w, n)
			}
			if !reflect.DeepEqual(g, w) {
				t.Errorf("%s: %s\n got %v\nwant %v", where, k, g, w)
			}
		}
	}
	for _, c := range st.BondCells {
		if got := bondAt(out.Bonds, int(c[0]), int(c[1])); uint64(got) != c[2] {
			t.Errorf("%s: bond[%d][%d] = %d, want %d", where, c[0], c[1], got, c[2])
		}
	}
	if d := st.DividendsApprox; d != nil {
		for i, w := range d.Values {
			if g := float64(out.Dividends[i]) / 65535; math.Abs(g-w) > d.Tolerance {
				t.Errorf("%s: dividends[%d]/65535 = %.5f, want %.4f ± %g", where, i, g, w, d.Tolerance)
			}
		}
	}
}

func bondAt(rows [][]WeightEntry, i, j int) uint16 {
	for _, e := range rows[i] {
		if int(e.UID) == j {
			return e.Value
		}
	}
	return 0
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func decodeObject(t *testing.T, b []byte) map[string]any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

// denseBonds turns [[[uid, value]...]...] into an n x n matrix of json.Number strings.
func denseBonds(t *testing.T, rows any, n int) [][]string {
	t.Helper()
	out := make([][]string, n)
	for i := range out {
		out[i] = make([]string, n)
		for j := range out[i] {
			out[i][j] = "0"
		}
	}
	for i, r := range rows.([]any) {
		for _, p := range r.([]any) {
			pair := p.([]any)
			var j int
			fmt.Sscan(string(pair[0].(json.Number)), &j)
			out[i][j] = string(pair[1].(json.Number))
		}
	}
	return out
}
