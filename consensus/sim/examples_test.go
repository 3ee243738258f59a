package sim

import (
	"path/filepath"
	"testing"
)

const examplesDir = "../../examples/scenarios"

// runExample loads and runs a shipped scenario and returns its summary by name.
func runExample(t *testing.T, file string) map[string]UIDSummary {
	t.Helper()
	s, err := LoadScenario(filepath.Join(examplesDir, file))
	if err != nil {
		t.Fatal(err)
	}
	r := mustRun(t, s)
	out := map[string]UIDSummary{}
	for _, u := range r.Summary() {
		out[u.Name] = u
	}
	return out
}

// TestExamplesRun runs every shipped scenario, so that a new file is checked too.
func TestExamplesRun(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(examplesDir, "*.json"))
	if err != nil || len(files) < 3 {
		t.Fatalf("shipped scenarios: %v, %v", files, err)
	}
	for _, f := range files {
		runExample(t, filepath.Base(f))
	}
}

// TestExampleCopier asserts the outcome examples/scenarios/README.md describes: in the
// steady state an honest validator earns more dividends per unit of stake than the
// consensus copier under both Yuma versions, and the copier earns less under Yuma3 than
// under original Yuma.
func TestExampleCopier(t *testing.T) {
	yuma, yuma3 := runExample(t, "copier-yuma.json"), runExample(t, "copier-yuma3.json")
	for _, sum := range []map[string]UIDSummary{yuma, yuma3} {
		for _, h := range []string{"honest-1", "honest-2", "honest-3"} {
			if sum[h].DividendsPerStake <= sum["copier"].DividendsPerStake {
				t.Errorf("%s dividends/stake %.4f <= copier's %.4f", h, sum[h].DividendsPerStake, sum["copier"].DividendsPerStake)
			}
		}
	}
	if c3, c := yuma3["copier"].DividendsPerStake, yuma["copier"].DividendsPerStake; c3 >= c {
		t.Errorf("copier dividends/stake: Yuma3 %.4f >= original Yuma %.4f", c3, c)
	}
}

// TestExampleColluding asserts the outcome of the colluding-group scenario: consensus
// clipping leaves the cabal's validators far less dividends per stake than honest ones,
// its miners less incentive than the good honest miners, and the lazy validator earns
// less than the honest ones but more than the cabal.
func TestExampleColluding(t *testing.T) {
	sum := runExample(t, "colluding-yuma3.json")
	honest := min(sum["honest-1"].DividendsPerStake, sum["honest-2"].DividendsPerStake)
	for _, c := range []string{"cabal-1", "cabal-2"} {
		if d := sum[c].DividendsPerStake; d >= honest/2 {
			t.Errorf("%s dividends/stake %.4f, want below half the honest %.4f", c, d, honest)
		}
	}
	if l := sum["lazy"].DividendsPerStake; l >= honest || l <= sum["cabal-1"].DividendsPerStake {
		t.Errorf("lazy dividends/stake %.4f, want between cabal %.4f and honest %.4f", l, sum["cabal-1"].DividendsPerStake, honest)
	}
	for _, cm := range []string{"cabal-miner-1", "cabal-miner-2"} {
		for _, m := range []string{"miner-a", "miner-b", "miner-c"} {
			if sum[cm].MeanIncentive >= sum[m].MeanIncentive {
				t.Errorf("%s incentive %.4f >= %s's %.4f", cm, sum[cm].MeanIncentive, m, sum[m].MeanIncentive)
			}
		}
	}
}

// BenchmarkRunCopierExample times a whole shipped run (120 epochs, 10 neurons).
func BenchmarkRunCopierExample(b *testing.B) {
	s, err := LoadScenario(filepath.Join(examplesDir, "copier-yuma3.json"))
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < b.N; i++ {
		if _, err := Run(s); err != nil {
			b.Fatal(err)
		}
	}
}
