package matmulgpu

import (
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// fakePython writes an executable that answers the probe with reply (a JSON
// object) or, when reply is "", fails.
func fakePython(t *testing.T, dir, name, reply string) string {
	t.Helper()
	script := "#!/bin/sh\nexit 3\n"
	if reply != "" {
		script = "#!/bin/sh\necho '" + reply + "'\n"
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestProbeAndChoose(t *testing.T) {
	dir := t.TempDir()
	none := fakePython(t, dir, "none", `{"numpy": false, "torch": false}`)
	numpy := fakePython(t, dir, "numpy", `{"numpy": true, "torch": false}`)
	both := fakePython(t, dir, "both", `{"numpy": true, "torch": true}`)
	both2 := fakePython(t, dir, "both2", `{"numpy": true, "torch": true}`)
	broken := fakePython(t, dir, "broken", "")
	link := filepath.Join(dir, "link")
	if err := os.Symlink(numpy, link); err != nil {
		t.Fatal(err)
	}

	ran, problems := Probe([]string{filepath.Join(dir, "absent"), broken, none, numpy, link, both, both2})
	var paths []string
	for _, p := range ran {
		paths = append(paths, p.Path)
	}
	// The absent and broken ones are reported, the link to numpy is a duplicate.
	if want := []string{none, numpy, both, both2}; !reflect.DeepEqual(paths, want) {
		t.Fatalf("ran %v, want %v", paths, want)
	}
	if !strings.Contains(problems, "absent") || !strings.Contains(problems, "broken: exit status 3") {
		t.Errorf("problems %q: want the absent and the broken interpreter", problems)
	}
	if got := Devices(ran[1].Available()); !reflect.DeepEqual(got, []string{"numpy"}) {
		t.Errorf("numpy fake runs %v", got)
	}

	if got := Choose(ran).Path; got != both {
		t.Errorf("Choose picked %s, want the first that runs every backend, %s", got, both)
	}
	if got := Choose(ran[:2]).Path; got != numpy {
		t.Errorf("Choose without a complete one picked %s, want the one that runs most, %s", got, numpy)
	}
	if got := Choose(ran[:1]).Path; got != none {
		t.Errorf("Choose picked %s, want the only one, %s", got, none)
	}
	if Shortfall(ran[2], ran) != "" {
		t.Errorf("Shortfall with every backend: %q", Shortfall(ran[2], ran))
	}
	if msg := Shortfall(ran[1], ran[:2]); !strings.Contains(msg, none+" runs none") || !strings.Contains(msg, numpy+" runs numpy)") {
		t.Errorf("Shortfall %q", msg)
	}
}

// TestRequireEnv runs TestHelperChild in a child process with fake
// interpreters: under TAORUN_REQUIRE_TORCH a missing backend must fail the
// test, and without it skip only what is missing.
func TestRequireEnv(t *testing.T) {
	dir := t.TempDir()
	numpy := fakePython(t, dir, "numpy-only", `{"numpy": true, "torch": false}`)
	both := fakePython(t, dir, "both", `{"numpy": true, "torch": true}`)
	absent := filepath.Join(dir, "absent")
	for _, tc := range []struct {
		call, candidate, require string
		want                     []string // in the child's output
		fail                     bool
	}{
		{"ForTest", numpy, "1", []string{"--- FAIL", RequireEnv + " is set but no interpreter runs every backend of numpy,torch-cpu (" + numpy + " runs numpy)"}, true},
		{"ForTest", numpy, "", []string{"--- PASS", "left out", "chose " + numpy}, false},
		{"ForTest", both, "1", []string{"--- PASS", "chose " + both}, false},
		{"ForBackend", numpy, "1", []string{"--- FAIL", RequireEnv + " is set but " + numpy + " cannot import torch for the torch-cpu backend"}, true},
		{"ForBackend", numpy, "", []string{"--- SKIP", numpy + " cannot import torch for the torch-cpu backend"}, false},
		{"ForBackend", numpy, "0", []string{"--- SKIP", "cannot import torch"}, false},
		{"ForBackend", both, "1", []string{"--- PASS", "chose " + both}, false},
		{"Interpreter", numpy, "1", []string{"--- PASS", "chose " + numpy}, false},
		{"Interpreter", absent, "1", []string{"--- FAIL", RequireEnv + " is set but no Python runs"}, true},
		{"Interpreter", absent, "", []string{"--- SKIP", "no Python interpreter"}, false},
		{"ForBackend", absent, "", []string{"--- SKIP", "no Python interpreter"}, false},
	} {
		name := tc.call + " " + tc.candidate + " " + RequireEnv + "=" + tc.require
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperChild$", "-test.v", "-test.count=1")
		cmd.Env = append(os.Environ(), "MATMULGPU_CHILD="+tc.call, "MATMULGPU_CANDIDATE="+tc.candidate, RequireEnv+"="+tc.require)
		out, err := cmd.CombinedOutput()
		if (err != nil) != tc.fail {
			t.Errorf("%s: exit %v, want failure %v\n%s", name, err, tc.fail, out)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(string(out), w) {
				t.Errorf("%s: output lacks %q:\n%s", name, w, out)
			}
		}
	}
}

// TestHelperChild is TestRequireEnv's child.
func TestHelperChild(t *testing.T) {
	call := os.Getenv("MATMULGPU_CHILD")
	if call == "" {
		t.Skip("run by TestRequireEnv")
	}
	Candidates = []string{os.Getenv("MATMULGPU_CANDIDATE")}
	var p Python
	switch call {
	case "ForTest":
		p = ForTest(t)
	case "ForBackend":
		p = ForBackend(t, Backends[1])
	case "Interpreter":
		p = Interpreter(t)
	}
	t.Logf("chose %s", p.Path)
}

func TestPaths(t *testing.T) {
	for _, p := range []string{Worker(), TestScript()} {
		if _, err := os.Stat(p); err != nil {
			t.Error(err)
		}
	}
}
