package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/taorun/taorun/consensus"
)

// buildTaorun builds the real binary once per test run.
func buildTaorun(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "taorun")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// runTaorun runs the binary and returns stdout, stderr and the exit status.
func runTaorun(t *testing.T, bin string, stdin []byte, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Stdin = bytes.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		code = exit.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return stdout.String(), stderr.String(), code
}

func decodeOutput(t *testing.T, s string) *consensus.EpochOutput {
	t.Helper()
	var out consensus.EpochOutput
	if err := json.Unmarshal([]byte(s), &out); err != nil {
		t.Fatalf("output is not an epoch output: %v\n%s", err, s)
	}
	return &out
}

func TestSimEpoch(t *testing.T) {
	bin := buildTaorun(t)

	t.Run("golden", func(t *testing.T) {
		in, err := os.ReadFile("testdata/sim/two_distinct_servers.in.json")
		if err != nil {
			t.Fatal(err)
		}
		// The dense epoch stores every column of a permit holder's bonds row.
		runs := []struct {
			args []string
			want string
		}{
			{[]string{"sim", "epoch", "--in", "testdata/sim/two_distinct_servers.in.json"}, "two_distinct_servers.out.json"},
			{[]string{"sim", "epoch", "--in", "-"}, "two_distinct_servers.out.json"},
			{[]string{"sim", "epoch"}, "two_distinct_servers.out.json"},
			{[]string{"sim", "epoch", "--dense", "--in", "testdata/sim/two_distinct_servers.in.json"}, "two_distinct_servers.dense.out.json"},
		}
		for _, r := range runs {
			want, err := os.ReadFile(filepath.Join("testdata/sim", r.want))
			if err != nil {
				t.Fatal(err)
			}
			stdout, stderr, code := runTaorun(t, bin, in, r.args...)
			if code != 0 {
				t.Fatalf("%v: exit %d: %s", r.args, code, stderr)
			}
			if got := decodeOutput(t, stdout); !reflect.DeepEqual(got, decodeOutput(t, string(want))) {
				t.Errorf("%v:\n got %s\nwant %s", r.args, stdout, want)
			}
		}
	})

	// Every vector input of package consensus, through the binary and in process.
	t.Run("vectors", func(t *testing.T) {
		files, _ := filepath.Glob("../../consensus/testdata/epoch/*.json")
		if len(files) == 0 {
			t.Fatal("no vector files")
		}
		for _, path := range files {
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			var v struct{ Input json.RawMessage }
			if err := json.Unmarshal(b, &v); err != nil {
				t.Fatal(err)
			}
			in, err := consensus.ParseEpochInput(bytes.NewReader(v.Input))
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			for _, dense := range []bool{false, true} {
				args := []string{"sim", "epoch"}
				run := consensus.Epoch
				if dense {
					args = append(args, "--dense")
					run = consensus.EpochDense
				}
				want, err := run(in)
				if err != nil {
					t.Fatal(err)
				}
				stdout, stderr, code := runTaorun(t, bin, v.Input, args...)
				if code != 0 {
					t.Fatalf("%s: exit %d: %s", path, code, stderr)
				}
				if got := decodeOutput(t, stdout); !reflect.DeepEqual(got, want) {
					t.Errorf("%s dense=%v: binary and library differ:\n%s", path, dense, stdout)
				}
			}
		}
	})

	t.Run("malformed", func(t *testing.T) {
		cases := []struct {
			args []string
			want string
		}{
			{[]string{"sim", "epoch", "--in", "testdata/sim/malformed_stake.in.json"},
				"neurons[3].stake: want an integer in [0, 18446744073709551615], got -4"},
			{[]string{"sim", "epoch", "--in", "testdata/sim/malformed_uid.in.json"},
				"weights[0][0]: uid 2 out of range (n = 2)"},
			{[]string{"sim", "epoch", "--in", "testdata/sim/missing.json"}, "--in: open testdata/sim/missing.json"},
		}
		for _, c := range cases {
			stdout, stderr, code := runTaorun(t, bin, nil, c.args...)
			if code != 2 || !strings.Contains(stderr, c.want) || stdout != "" {
				t.Errorf("%v: exit %d, stderr %q, stdout %q; want exit 2 naming %q", c.args, code, stderr, stdout, c.want)
			}
		}
		_, stderr, code := runTaorun(t, bin, []byte(`{"neurons": [], "extra": 1}`), "sim", "epoch")
		if code != 2 || !strings.Contains(stderr, `unknown key "extra"`) {
			t.Errorf("unknown key: exit %d, %q", code, stderr)
		}
	})
}
