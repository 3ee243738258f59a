package runner

import (
	"context"
	"os/exec"
	"reflect"
	"strings"
	"testing"
)

func TestParseNvidiaSMI(t *testing.T) {
	tests := []struct {
		name, in string
		want     []GPUStat
		errHas   string
	}{
		{"two GPUs", "0, NVIDIA H100 80GB HBM3, 37, 1024, 81559\n1, NVIDIA H100 80GB HBM3, 0, 0, 81559\n",
			[]GPUStat{{"0", "NVIDIA H100 80GB HBM3", 0.37, 1 << 30, 81559 << 20}, {"1", "NVIDIA H100 80GB HBM3", 0, 0, 81559 << 20}}, ""},
		{"not supported", "0, Tesla K80, [Not Supported], 10, [N/A]\n", []GPUStat{{"0", "Tesla K80", -1, 10 << 20, -1}}, ""},
		{"empty", "\n", nil, ""},
		{"short line", "0, H100, 1\n", nil, "want 5 comma-separated fields"},
		{"not a number", "0, H100, busy, 1, 2\n", nil, `"busy" is not a number`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseNvidiaSMI(tc.in)
			if tc.errHas != "" {
				if err == nil || !strings.Contains(err.Error(), tc.errHas) {
					t.Fatalf("error %v, want one containing %q", err, tc.errHas)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}

// TestQueryGPUs runs the real nvidia-smi where there is one.
func TestQueryGPUs(t *testing.T) {
	if _, err := exec.LookPath("nvidia-smi"); err != nil {
		t.Skip("no nvidia-smi on PATH")
	}
	stats, err := QueryGPUs(context.Background(), "")
	if err != nil || len(stats) == 0 {
		t.Fatalf("QueryGPUs: %+v, %v; want at least one GPU", stats, err)
	}
	for _, st := range stats {
		if st.MemoryTotal <= 0 || st.Name == "" {
			t.Errorf("implausible GPU report %+v", st)
		}
	}
}
