package runner

import (
	"bytes"
	"context"
	"math/rand/v2"
	"testing"
)

// TestExampleConfigs loads the shipped example configurations and runs the
// exec ones with the workers this test run built.
func TestExampleConfigs(t *testing.T) {
	tests := []struct {
		path  string
		names []string
	}{
		{"../../examples/runners/taorun.toml", []string{"echo", "matmul"}},
		{"../../examples/runners/taorun-llm.yaml", []string{"llm", "scorer"}},
	}
	for _, tc := range tests {
		cfg, err := LoadConfig(tc.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, rc := range cfg.Runners {
			names = append(names, rc.Name)
		}
		if len(names) != len(tc.names) || names[0] != tc.names[0] || names[1] != tc.names[1] {
			t.Errorf("%s: runners %v, want %v", tc.path, names, tc.names)
		}
	}
	cfg, err := LoadConfig("../../examples/runners/taorun.toml", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, set := range []string{`echo.command=["` + workerPath("echo") + `"]`, `matmul.command=["` + workerPath("matmul-cpu") + `"]`} {
		if err := cfg.Override(set); err != nil {
			t.Fatal(err)
		}
	}
	s, _ := start(t, cfg.Runners...)
	in, want := randomMatmul(rand.New(rand.NewPCG(5, 6)), 4, 4, 4, 65521)
	if out, err := s.Invoke(context.Background(), "matmul", in); err != nil || !bytes.Equal(out, want) {
		t.Errorf("matmul: %x, %v; want %x", out, err, want)
	}
	if out, err := s.Invoke(context.Background(), "echo", []byte("hi")); err != nil || string(out) != "hi" {
		t.Errorf("echo: %q, %v", out, err)
	}
}
