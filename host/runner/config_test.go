package runner

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

const tomlDoc = `
[node]
home = "/var/lib/taorun"

[[runner]]
name = "matmul"
kind = "exec"
command = ["./workers/matmul-cpu", "--flag"]
devices = ["0", "1"]
concurrency = 2
timeout = "5s"
max_input_bytes = 1024
max_output_bytes = 2048
max_queue = 8

[[runner]]
name = "llm"
kind = "http"
url = "http://127.0.0.1:8000/v1"
mode = "openai"
model = "qwen"
`

const yamlDoc = `
node:
  home: /var/lib/taorun
runner:
  - name: matmul
    kind: exec
    command: ["./workers/matmul-cpu", "--flag"]
    devices: ["0", "1"]
    concurrency: 2
    timeout: 5s
    max_input_bytes: 1024
    max_output_bytes: 2048
    max_queue: 8
  - name: llm
    kind: http
    url: http://127.0.0.1:8000/v1
    mode: openai
    model: qwen
`

func TestLoadConfig(t *testing.T) {
	dir := t.TempDir()
	want := []RunnerConfig{
		{Name: "matmul", Kind: KindExec, Command: []string{filepath.Join(dir, "workers/matmul-cpu"), "--flag"}, Dir: dir, Devices: []string{"0", "1"},
			Concurrency: 2, Timeout: 5 * time.Second, MaxInputBytes: 1024, MaxOutputBytes: 2048, MaxQueue: 8,
			HealthInterval: DefaultHealthInterval, StartTimeout: DefaultStartTimeout, CancelGrace: DefaultCancelGrace},
		{Name: "llm", Kind: KindHTTP, URL: "http://127.0.0.1:8000/v1", Mode: ModeOpenAI, Model: "qwen",
			Concurrency: 1, Timeout: DefaultTimeout, MaxInputBytes: DefaultMaxBytes, MaxOutputBytes: DefaultMaxBytes, MaxQueue: DefaultMaxQueue,
			HealthInterval: DefaultHealthInterval, StartTimeout: DefaultStartTimeout, CancelGrace: DefaultCancelGrace},
	}
	for _, tc := range []struct{ file, doc string }{{"taorun.toml", tomlDoc}, {"taorun.yaml", yamlDoc}} {
		t.Run(tc.file, func(t *testing.T) {
			path := filepath.Join(dir, tc.file)
			if err := os.WriteFile(path, []byte(tc.doc), 0o600); err != nil {
				t.Fatal(err)
			}
			cfg, err := LoadConfig(path, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(cfg.Runners, want) {
				t.Errorf("got  %+v\nwant %+v", cfg.Runners, want)
			}
		})
	}
}

func TestConfigOverrides(t *testing.T) {
	tests := []struct {
		name   string
		env    []string
		set    []string
		check  func(rc RunnerConfig) bool
		errHas string
	}{
		{"env timeout", []string{"TAORUN_RUNNER_MATMUL_TIMEOUT=250ms"}, nil,
			func(rc RunnerConfig) bool { return rc.Timeout == 250*time.Millisecond }, ""},
		{"env devices comma list", []string{"TAORUN_RUNNER_MATMUL_DEVICES=2, 3"}, nil,
			func(rc RunnerConfig) bool { return reflect.DeepEqual(rc.Devices, []string{"2", "3"}) }, ""},
		{"env command JSON", []string{`TAORUN_RUNNER_MATMUL_COMMAND=["/bin/w", "a b"]`}, nil,
			func(rc RunnerConfig) bool { return reflect.DeepEqual(rc.Command, []string{"/bin/w", "a b"}) }, ""},
		{"flag beats env", []string{"TAORUN_RUNNER_MATMUL_MAX_QUEUE=3"}, []string{"matmul.max_queue=9"},
			func(rc RunnerConfig) bool { return rc.MaxQueue == 9 }, ""},
		{"other runner untouched", []string{"TAORUN_RUNNER_OTHER_TIMEOUT=1s"}, nil,
			func(rc RunnerConfig) bool { return rc.Timeout == 5*time.Second }, ""},
		{"env bad integer", []string{"TAORUN_RUNNER_MATMUL_CONCURRENCY=two"}, nil, nil, `runner "matmul": environment TAORUN_RUNNER_MATMUL_CONCURRENCY: "two" is not an integer`},
		{"flag unknown field", nil, []string{"matmul.gpus=2"}, nil, `runner "matmul" has no settable field "gpus"`},
		{"flag unknown runner", nil, []string{"nope.timeout=1s"}, nil, `no runner named "nope"`},
		{"flag malformed", nil, []string{"timeout=1s"}, nil, "want NAME.FIELD=VALUE"},
		{"flag invalid value", nil, []string{"matmul.concurrency=-1"}, nil, `runner "matmul": field "concurrency" is -1; must be positive`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := ParseTOML([]byte(tomlDoc))
			if err != nil {
				t.Fatal(err)
			}
			err = cfg.ApplyEnv(tc.env)
			for _, s := range tc.set {
				if err == nil {
					err = cfg.Override(s)
				}
			}
			if err == nil {
				err = cfg.Finish()
			}
			if tc.errHas != "" {
				if err == nil || !strings.Contains(err.Error(), tc.errHas) {
					t.Fatalf("error %v, want one containing %q", err, tc.errHas)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			rc, _ := cfg.Runner("matmul")
			if !tc.check(rc) {
				t.Errorf("override not applied: %+v", rc)
			}
		})
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct{ name, doc, errHas string }{
		{"unknown field", "[[runner]]\nname=\"a\"\nkind=\"exec\"\ncommand=[\"x\"]\ngpu=1\n", `runner #1 ("a"): unknown field "gpu"`},
		{"bad kind", "[[runner]]\nname=\"a\"\nkind=\"grpc\"\n", `runner "a": field "kind" is "grpc"`},
		{"exec without command", "[[runner]]\nname=\"a\"\nkind=\"exec\"\n", `runner "a": field "command" is required`},
		{"http without url", "[[runner]]\nname=\"a\"\nkind=\"http\"\n", `runner "a": field "url"`},
		{"http bad mode", "[[runner]]\nname=\"a\"\nkind=\"http\"\nurl=\"http://127.0.0.1:1\"\nmode=\"grpc\"\n", `runner "a": field "mode" is "grpc"`},
		{"bad timeout", "[[runner]]\nname=\"a\"\nkind=\"exec\"\ncommand=[\"x\"]\ntimeout=\"soon\"\n", `runner #1 ("a"): field "timeout": "soon" is not a duration`},
		{"list for scalar", "[[runner]]\nname=\"a\"\nkind=[\"exec\"]\n", `field "kind": got a list`},
		{"duplicate device", "[[runner]]\nname=\"a\"\nkind=\"exec\"\ncommand=[\"x\"]\ndevices=[\"0\",\"0\"]\n", `runner "a": field "devices" lists a device twice`},
		{"duplicate name", "[[runner]]\nname=\"a\"\nkind=\"exec\"\ncommand=[\"x\"]\n[[runner]]\nname=\"a\"\nkind=\"exec\"\ncommand=[\"x\"]\n", `runner "a": field "name": configured twice`},
		{"bad name", "[[runner]]\nname=\"a b\"\nkind=\"exec\"\ncommand=[\"x\"]\n", `runner "a b": field "name" must be`},
		{"runner not a list", "runner = 3\n", `"runner" must be an array of tables`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := ParseTOML([]byte(tc.doc))
			if err == nil {
				err = cfg.Finish()
			}
			if err == nil || !strings.Contains(err.Error(), tc.errHas) {
				t.Fatalf("error %v, want one containing %q", err, tc.errHas)
			}
		})
	}
}
