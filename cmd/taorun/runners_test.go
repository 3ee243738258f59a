package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestRunnersCLI runs `taorun runners list|test` against a config with a
// real echo worker, a crashing one and an HTTP service on loopback.
func TestRunnersCLI(t *testing.T) {
	bin := buildTaorun(t)
	dir := t.TempDir()
	echoBin := filepath.Join(dir, "echo")
	if out, err := exec.Command("go", "build", "-o", echoBin, "../../examples/runners/echo").CombinedOutput(); err != nil {
		t.Fatalf("go build echo: %v\n%s", err, out)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, `{"got":%s}`, body)
	}))
	defer srv.Close()
	down := httptest.NewServer(http.NotFoundHandler())
	downURL := down.URL
	down.Close()

	write := func(name, doc string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(doc), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.toml", fmt.Sprintf(`
[[runner]]
name = "echo"
kind = "exec"
command = [%q]
devices = ["0", "1"]
timeout = "5s"

[[runner]]
name = "crashy"
kind = "exec"
command = [%q, "--crash-after", "0"]

[[runner]]
name = "svc"
kind = "http"
url = %q
`, echoBin, echoBin, srv.URL))
	yamlCfg := write("good.yaml", fmt.Sprintf("runner:\n  - name: echo\n    kind: exec\n    command: [%q]\n", echoBin))
	downCfg := write("down.toml", fmt.Sprintf("[[runner]]\nname = \"gone\"\nkind = \"http\"\nurl = %q\nmode = \"openai\"\n", downURL))
	badCfg := write("bad.toml", "[[runner]]\nname = \"x\"\nkind = \"exec\"\ncommand = [\"w\"]\nconcurrency = -2\n")
	inputFile := write("in.bin", "\x00\x01binary")

	tests := []struct {
		name     string
		env      []string
		args     []string
		code     int
		stdout   []string
		stderr   []string
		jsonList bool
	}{
		{name: "list table", args: []string{"runners", "list", "--config", good, "--set", "crashy.timeout=1s"},
			stdout: []string{"NAME", "echo", "exec", "crashy", "1s", "svc", "http", srv.URL + " (json)", "ready", "echo pid"}},
		{name: "list json", args: []string{"runners", "list", "--config", yamlCfg, "--json-output"}, jsonList: true},
		{name: "list unhealthy", args: []string{"runners", "list", "--config", downCfg}, code: 1,
			stdout: []string{"gone", "unreachable"}, stderr: []string{`runner "gone" device "" is unreachable`}},
		{name: "test echo hex", args: []string{"runners", "test", "echo", "--config", good, "--input-hex", "68656c6c6f"},
			stdout: []string{"device 0: ready", "device 1: ready", `ok: runner "echo"`, "5 input bytes with 5 output bytes", "output (text):\nhello"}},
		{name: "test echo file", args: []string{"runners", "test", "echo", "--config", good, "--input", inputFile},
			stdout: []string{"output (hex):\n000162696e617279"}},
		{name: "test http", args: []string{"runners", "test", "svc", "--config", good, "--input-hex", hexOf(`{"a":1}`)},
			stdout: []string{`{"got":{"a":1}}`}},
		{name: "test crash", args: []string{"runners", "test", "crashy", "--config", good}, code: 1,
			stderr: []string{`runner "crashy"`, "worker died", "exit status 3"}},
		{name: "test env override", env: []string{"TAORUN_RUNNER_ECHO_MAX_INPUT_BYTES=2"}, args: []string{"runners", "test", "echo", "--config", good, "--input-hex", "010203"},
			code: 1, stderr: []string{"input too large: 3 bytes, over max_input_bytes 2"}},
		{name: "test env bad value", env: []string{"TAORUN_RUNNER_ECHO_TIMEOUT=soon"}, args: []string{"runners", "test", "echo", "--config", good}, code: 2,
			stderr: []string{`runner "echo": environment TAORUN_RUNNER_ECHO_TIMEOUT: "soon" is not a duration`}},
		{name: "test flags first", args: []string{"runners", "test", "--config", good, "--input-hex", "6869", "echo"},
			stdout: []string{"output (text):\nhi"}},
		{name: "test extra argument", args: []string{"runners", "test", "echo", "echo", "--config", good}, code: 2,
			stderr: []string{`unexpected argument "echo"`}},
		{name: "test unknown flag", args: []string{"runners", "test", "echo", "--colour", "red"}, code: 2,
			stderr: []string{"flag provided but not defined: -colour"}},
		{name: "test unknown", args: []string{"runners", "test", "nope", "--config", good}, code: 2, stderr: []string{`no runner named "nope"`}},
		{name: "test bad hex", args: []string{"runners", "test", "echo", "--config", good, "--input-hex", "zz"}, code: 2, stderr: []string{"--input-hex"}},
		{name: "bad config", args: []string{"runners", "list", "--config", badCfg}, code: 2, stderr: []string{`runner "x": field "concurrency" is -2`}},
		{name: "missing config", args: []string{"runners", "list", "--config", filepath.Join(dir, "none.toml")}, code: 2, stderr: []string{"none.toml", "no such file"}},
		{name: "bad set", args: []string{"runners", "list", "--config", good, "--set", "echo.colour=red"}, code: 2, stderr: []string{`runner "echo" has no settable field "colour"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, kv := range tc.env {
				k, v, _ := strings.Cut(kv, "=")
				t.Setenv(k, v)
			}
			stdout, stderr, code := runTaorun(t, bin, nil, tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tc.code, stdout, stderr)
			}
			for _, s := range tc.stdout {
				if !strings.Contains(stdout, s) {
					t.Errorf("stdout lacks %q:\n%s", s, stdout)
				}
			}
			for _, s := range tc.stderr {
				if !strings.Contains(stderr, s) {
					t.Errorf("stderr lacks %q:\n%s", s, stderr)
				}
			}
			if tc.jsonList {
				var views []runnerView
				if err := json.Unmarshal([]byte(stdout), &views); err != nil {
					t.Fatalf("not JSON: %v\n%s", err, stdout)
				}
				if len(views) != 1 || views[0].Name != "echo" || !views[0].Healthy || views[0].Timeout != "30s" || len(views[0].Health) != 1 {
					t.Errorf("JSON listing %+v", views)
				}
			}
		})
	}
}

func hexOf(s string) string { return fmt.Sprintf("%x", s) }
