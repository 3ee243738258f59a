package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSimRunCLI drives `taorun sim run` on a shipped scenario: tables and summary,
// --plot, --json-output, and usage errors with exit status 2.
func TestSimRunCLI(t *testing.T) {
	bin := buildTaorun(t)
	scenario := filepath.Join("..", "..", "examples", "scenarios", "colluding-yuma3.json")
	plot := filepath.Join(t.TempDir(), "out.svg")

	stdout, stderr, code := runTaorun(t, bin, nil, "sim", "run", "--scenario", scenario, "--every", "20", "--plot", plot)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"epoch 0 (block 100)", "epoch 40 (block 4100)", "epoch 59 (block 6000)", "summary: colluding group", "cabal-miner-2"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if strings.Contains(stdout, "epoch 1 (") {
		t.Error("--every 20 printed epoch 1")
	}
	svg, err := os.ReadFile(plot)
	if err != nil || !strings.HasPrefix(string(svg), "<svg") || !strings.Contains(string(svg), "<polyline") {
		t.Errorf("plot: %v, %.80q", err, svg)
	}

	pngPlot := filepath.Join(t.TempDir(), "out.PNG")
	if _, stderr, code := runTaorun(t, bin, nil, "sim", "run", "--scenario", scenario, "--summary-only", "--plot", pngPlot); code != 0 {
		t.Fatalf("--plot PNG: exit %d: %s", code, stderr)
	}
	if b, err := os.ReadFile(pngPlot); err != nil || !strings.HasPrefix(string(b), "\x89PNG\r\n") {
		t.Errorf("PNG plot: %v, %.8q", err, b)
	}

	stdout, stderr, code = runTaorun(t, bin, nil, "sim", "run", "--scenario", scenario, "--json-output")
	var out struct {
		Epochs  []json.RawMessage `json:"epochs"`
		Summary []struct {
			Name string `json:"name"`
		} `json:"summary"`
	}
	if code != 0 || json.Unmarshal([]byte(stdout), &out) != nil || len(out.Epochs) != 60 || len(out.Summary) != 11 {
		t.Errorf("--json-output: exit %d, %d epochs, %d summary rows; %s", code, len(out.Epochs), len(out.Summary), stderr)
	}

	bad := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(bad, []byte(`{"epochs": 2, "neurons": [{"name": "a", "weights": {"strategy": "lazy"}}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--scenario", bad}, `neurons[0].weights.strategy: unknown strategy "lazy"`},
		{[]string{"--scenario", "missing.json"}, "--scenario: open missing.json"},
		{[]string{"--scenario", scenario, "--plot", "x.jpg"}, "name the file *.svg or *.png"},
		{[]string{"--scenario", scenario, "--every", "0"}, "--every: want at least 1"},
	} {
		_, stderr, code := runTaorun(t, bin, nil, append([]string{"sim", "run"}, c.args...)...)
		if code != exitUsage || !strings.Contains(stderr, c.want) {
			t.Errorf("sim run %v: exit %d, stderr %q, want %q", c.args, code, stderr, c.want)
		}
	}
}
