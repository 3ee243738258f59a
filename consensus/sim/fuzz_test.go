package sim

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzScenario checks the package invariant that a scenario which parses always runs,
// and that neither parsing nor running panics.
func FuzzScenario(f *testing.F) {
	f.Add([]byte(minimal))
	f.Add([]byte(`{"epochs": 4, "tempo": 3, "neurons": [{"name": "v", "stake": 1, "weights": {"strategy": "colluding", "targets": ["v", "m"], "every": 2}}, {"name": "m", "quality": 0.5}]}`))
	files, _ := filepath.Glob(filepath.Join(examplesDir, "*.json"))
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := ParseScenario(bytes.NewReader(b))
		if err != nil || s.Epochs > 50 || len(s.Neurons) > 50 {
			return // keep runs short
		}
		if _, err := Run(s); err != nil {
			t.Fatalf("parsed scenario fails to run: %v", err)
		}
	})
}
