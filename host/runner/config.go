package runner

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"gopkg.in/yaml.v3"
)

// Runner kinds.
const (
	KindExec = "exec"
	KindHTTP = "http"
)

// HTTP runner modes.
const (
	ModeJSON   = "json"
	ModeOpenAI = "openai"
)

// Config is the runners section of the node's config file.
type Config struct {
	// Runners lists the configured runners; names are unique.
	Runners []RunnerConfig
}

// RunnerConfig configures one runner. Field names in the config file,
// environment and flags are the snake_case names given in each comment.
type RunnerConfig struct {
	Name           string        // name: how modules address the runner
	Kind           string        // kind: "exec" or "http"
	Command        []string      // command: exec worker argv (relative paths resolve against the config file)
	Env            []string      // env: extra KEY=VALUE pairs for exec workers
	Dir            string        // dir: exec workers' working directory (default: the config file's directory)
	Devices        []string      // devices: one exec worker per entry, with CUDA_VISIBLE_DEVICES set to it
	Concurrency    int           // concurrency: jobs in flight per device
	Timeout        time.Duration // timeout: per job, queueing included
	MaxInputBytes  int           // max_input_bytes: inputs over this are refused
	MaxOutputBytes int           // max_output_bytes: outputs over this fail their job
	MaxQueue       int           // max_queue: queued jobs beyond this are refused
	MaxBatch       int           // max_batch: caps the batch a worker advertises (0: the worker's)
	URL            string        // url: http runner base URL
	Mode           string        // mode: http runner mode, "json" or "openai"
	Model          string        // model: default model for mode "openai"
	HealthURL      string        // health_url: GET for health (default: /v1/models in openai mode, none in json)
	HealthInterval time.Duration // health_interval: how often idle workers are probed
	StartTimeout   time.Duration // start_timeout: time for a worker's hello frame
	CancelGrace    time.Duration // cancel_grace: time a worker has to answer a cancelled job before it is restarted
}

// Defaults applied to fields left unset.
const (
	DefaultConcurrency    = 1
	DefaultTimeout        = 30 * time.Second
	DefaultMaxBytes       = 16 << 20
	DefaultMaxQueue       = 64
	DefaultHealthInterval = 10 * time.Second
	DefaultStartTimeout   = 10 * time.Second
	DefaultCancelGrace    = 2 * time.Second
)

// field is one configurable field: its name and how to set it from text
// (environment, flags, scalar file values).
type field struct {
	name string
	set  func(rc *RunnerConfig, s string) error
	list bool // a list: files give arrays, text gives a JSON array or comma-separated items
}

// fields lists every RunnerConfig field in configuration order.
var fields = []field{
	{"name", str(func(rc *RunnerConfig) *string { return &rc.Name }), false},
	{"kind", str(func(rc *RunnerConfig) *string { return &rc.Kind }), false},
	{"command", strs(func(rc *RunnerConfig) *[]string { return &rc.Command }, strings.Fields), true},
	{"env", strs(func(rc *RunnerConfig) *[]string { return &rc.Env }, commaList), true},
	{"dir", str(func(rc *RunnerConfig) *string { return &rc.Dir }), false},
	{"devices", strs(func(rc *RunnerConfig) *[]string { return &rc.Devices }, commaList), true},
	{"concurrency", integer(func(rc *RunnerConfig) *int { return &rc.Concurrency }), false},
	{"timeout", duration(func(rc *RunnerConfig) *time.Duration { return &rc.Timeout }), false},
	{"max_input_bytes", integer(func(rc *RunnerConfig) *int { return &rc.MaxInputBytes }), false},
	{"max_output_bytes", integer(func(rc *RunnerConfig) *int { return &rc.MaxOutputBytes }), false},
	{"max_queue", integer(func(rc *RunnerConfig) *int { return &rc.MaxQueue }), false},
	{"max_batch", integer(func(rc *RunnerConfig) *int { return &rc.MaxBatch }), false},
	{"url", str(func(rc *RunnerConfig) *string { return &rc.URL }), false},
	{"mode", str(func(rc *RunnerConfig) *string { return &rc.Mode }), false},
	{"model", str(func(rc *RunnerConfig) *string { return &rc.Model }), false},
	{"health_url", str(func(rc *RunnerConfig) *string { return &rc.HealthURL }), false},
	{"health_interval", duration(func(rc *RunnerConfig) *time.Duration { return &rc.HealthInterval }), false},
	{"start_timeout", duration(func(rc *RunnerConfig) *time.Duration { return &rc.StartTimeout }), false},
	{"cancel_grace", duration(func(rc *RunnerConfig) *time.Duration { return &rc.CancelGrace }), false},
}

// fieldByName finds a field of the table.
func fieldByName(name string) (field, bool) {
	i := slices.IndexFunc(fields, func(f field) bool { return f.name == name })
	if i < 0 {
		return field{}, false
	}
	return fields[i], true
}

func str(p func(*RunnerConfig) *string) func(*RunnerConfig, string) error {
	return func(rc *RunnerConfig, s string) error { *p(rc) = s; return nil }
}

func strs(p func(*RunnerConfig) *[]string, split func(string) []string) func(*RunnerConfig, string) error {
	return func(rc *RunnerConfig, s string) error {
		if strings.HasPrefix(strings.TrimSpace(s), "[") {
			var l []string
			if err := json.Unmarshal([]byte(s), &l); err != nil {
				return fmt.Errorf("%q is not a JSON array of strings: %v", s, err)
			}
			*p(rc) = l
			return nil
		}
		*p(rc) = split(s)
		return nil
	}
}

func integer(p func(*RunnerConfig) *int) func(*RunnerConfig, string) error {
	return func(rc *RunnerConfig, s string) error {
		v, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			return fmt.Errorf("%q is not an integer", s)
		}
		*p(rc) = v
		return nil
	}
}

func duration(p func(*RunnerConfig) *time.Duration) func(*RunnerConfig, string) error {
	return func(rc *RunnerConfig, s string) error {
		v, err := time.ParseDuration(strings.TrimSpace(s))
		if err != nil {
			return fmt.Errorf("%q is not a duration such as \"5s\" or \"250ms\"", s)
		}
		*p(rc) = v
		return nil
	}
}

// commaList splits a comma-separated list, dropping empty items.
func commaList(s string) []string {
	var out []string
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// decoders parse a config file by extension into a generic document.
var decoders = map[string]func([]byte, *map[string]any) error{
	".toml": func(b []byte, v *map[string]any) error { return toml.Unmarshal(b, v) },
	".yaml": func(b []byte, v *map[string]any) error { return yaml.Unmarshal(b, v) },
	".yml":  func(b []byte, v *map[string]any) error { return yaml.Unmarshal(b, v) },
}

// LoadConfig reads the runners section of the config file at path (TOML
// for .toml, YAML for .yaml/.yml): an array of tables under the key
// "runner" (TOML `[[runner]]`; YAML `runner:` list). Other sections are
// ignored. Then environment overrides (see ApplyEnv) are applied, defaults
// filled in and the result validated. A relative command path (the first
// word, when it contains a slash) and a relative dir resolve against the
// file's directory, which is also exec workers' default working directory.
func LoadConfig(path string, environ []string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("runner config: %w", err)
	}
	ext := strings.ToLower(filepath.Ext(path))
	decode, ok := decoders[ext]
	if !ok {
		return nil, fmt.Errorf("runner config %s: unknown extension %q (want .toml, .yaml or .yml)", path, ext)
	}
	cfg, err := ParseConfig(b, decode)
	if err != nil {
		return nil, fmt.Errorf("runner config %s: %w", path, err)
	}
	dir, err := filepath.Abs(filepath.Dir(path))
	if err != nil {
		return nil, fmt.Errorf("runner config %s: %w", path, err)
	}
	for i := range cfg.Runners {
		rc := &cfg.Runners[i]
		if cmd := rc.Command; len(cmd) > 0 && strings.ContainsRune(cmd[0], filepath.Separator) && !filepath.IsAbs(cmd[0]) {
			cmd[0] = filepath.Join(dir, cmd[0])
		}
		if rc.Kind == KindExec && !filepath.IsAbs(rc.Dir) {
			rc.Dir = filepath.Join(dir, rc.Dir)
		}
	}
	if err := cfg.ApplyEnv(environ); err != nil {
		return nil, err
	}
	if err := cfg.Finish(); err != nil {
		return nil, fmt.Errorf("runner config %s: %w", path, err)
	}
	return cfg, nil
}

// ParseTOML parses a TOML document's runners section without applying
// environment overrides or defaults.
func ParseTOML(b []byte) (*Config, error) { return ParseConfig(b, decoders[".toml"]) }

// ParseYAML parses a YAML document's runners section without applying
// environment overrides or defaults.
func ParseYAML(b []byte) (*Config, error) { return ParseConfig(b, decoders[".yaml"]) }

// ParseConfig decodes a document with decode and reads its "runner" array.
func ParseConfig(b []byte, decode func([]byte, *map[string]any) error) (*Config, error) {
	var doc map[string]any
	if err := decode(b, &doc); err != nil {
		return nil, err
	}
	raw, ok := doc["runner"]
	if !ok {
		return &Config{}, nil
	}
	list, ok := raw.([]any)
	if !ok {
		// TOML arrays of tables decode as []map[string]any.
		maps, isMaps := raw.([]map[string]any)
		if !isMaps {
			return nil, fmt.Errorf("\"runner\" must be an array of tables, not %T", raw)
		}
		for _, m := range maps {
			list = append(list, m)
		}
	}
	cfg := &Config{}
	for i, item := range list {
		m, ok := item.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("runner #%d must be a table, not %T", i+1, item)
		}
		rc, err := parseRunner(m)
		if err != nil {
			return nil, fmt.Errorf("runner #%d (%s): %w", i+1, displayName(m), err)
		}
		cfg.Runners = append(cfg.Runners, rc)
	}
	return cfg, nil
}

// displayName names a raw runner table for errors.
func displayName(m map[string]any) string {
	if n, ok := m["name"].(string); ok {
		return strconv.Quote(n)
	}
	return "unnamed"
}

// parseRunner sets the fields of one runner table, in table order.
func parseRunner(m map[string]any) (RunnerConfig, error) {
	var rc RunnerConfig
	for key := range m {
		if _, ok := fieldByName(key); !ok {
			return rc, fmt.Errorf("unknown field %q", key)
		}
	}
	for _, f := range fields {
		v, ok := m[f.name]
		if !ok {
			continue
		}
		text, err := fieldText(f, v)
		if err == nil {
			err = f.set(&rc, text)
		}
		if err != nil {
			return rc, fmt.Errorf("field %q: %w", f.name, err)
		}
	}
	return rc, nil
}

// fieldText turns a decoded file value into the text form f.set parses.
func fieldText(f field, v any) (string, error) {
	if arr, ok := v.([]any); ok {
		if !f.list {
			return "", fmt.Errorf("got a list, want a single value")
		}
		l := make([]string, len(arr))
		for i, x := range arr {
			l[i] = fmt.Sprint(x)
		}
		b, err := json.Marshal(l)
		return string(b), err
	}
	if _, isMap := v.(map[string]any); isMap {
		return "", fmt.Errorf("got a table, want a value")
	}
	if f.list {
		// A single string stands for a one-item list (JSON-quoted so spaces survive).
		b, err := json.Marshal([]string{fmt.Sprint(v)})
		return string(b), err
	}
	return fmt.Sprint(v), nil
}

// envName is the environment variable overriding field of runner name:
// TAORUN_RUNNER_<NAME>_<FIELD>, upper case, non-alphanumerics as '_'.
func envName(name, fieldName string) string {
	return "TAORUN_RUNNER_" + envWord(name) + "_" + envWord(fieldName)
}

var nonAlnum = regexp.MustCompile(`[^A-Za-z0-9]`)

func envWord(s string) string { return strings.ToUpper(nonAlnum.ReplaceAllString(s, "_")) }

// ApplyEnv applies TAORUN_RUNNER_<NAME>_<FIELD>=VALUE overrides from
// environ (os.Environ's form) to the runners already configured; NAME and
// FIELD are upper-cased with every other character than a letter or digit
// written '_' (runner "matmul-gpu", field max_queue:
// TAORUN_RUNNER_MATMUL_GPU_MAX_QUEUE). The name itself cannot be overridden. List
// fields take a JSON array or comma-separated items (command:
// whitespace-separated words).
func (c *Config) ApplyEnv(environ []string) error {
	vars := map[string]string{}
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok && strings.HasPrefix(k, "TAORUN_RUNNER_") {
			vars[k] = v
		}
	}
	for i := range c.Runners {
		rc := &c.Runners[i]
		name := rc.Name
		for _, f := range fields {
			k := envName(name, f.name)
			v, ok := vars[k]
			if !ok || f.name == "name" {
				continue
			}
			if err := f.set(rc, v); err != nil {
				return fmt.Errorf("runner %q: environment %s: %w", name, k, err)
			}
		}
	}
	return nil
}

// Override sets one field from a NAME.FIELD=VALUE assignment (the form of
// the --runner-set flag), for a runner already configured.
func (c *Config) Override(assign string) error {
	lhs, value, ok := strings.Cut(assign, "=")
	name, fname, ok2 := strings.Cut(lhs, ".")
	if !ok || !ok2 {
		return fmt.Errorf("runner override %q: want NAME.FIELD=VALUE", assign)
	}
	i := slices.IndexFunc(c.Runners, func(rc RunnerConfig) bool { return rc.Name == name })
	if i < 0 {
		return fmt.Errorf("runner override %q: no runner named %q is configured", assign, name)
	}
	f, ok := fieldByName(fname)
	if !ok || f.name == "name" {
		return fmt.Errorf("runner override %q: runner %q has no settable field %q", assign, name, fname)
	}
	if err := f.set(&c.Runners[i], value); err != nil {
		return fmt.Errorf("runner %q: override of field %q: %w", name, fname, err)
	}
	return nil
}

// Finish fills in defaults and validates every runner; errors name the
// runner and the field.
func (c *Config) Finish() error {
	seen := map[string]bool{}
	for i := range c.Runners {
		rc := &c.Runners[i]
		rc.applyDefaults()
		if err := rc.Validate(); err != nil {
			return err
		}
		if seen[rc.Name] {
			return fmt.Errorf("runner %q: field \"name\": configured twice", rc.Name)
		}
		seen[rc.Name] = true
	}
	return nil
}

// Runner returns the configuration of the runner named name.
func (c *Config) Runner(name string) (RunnerConfig, bool) {
	i := slices.IndexFunc(c.Runners, func(rc RunnerConfig) bool { return rc.Name == name })
	if i < 0 {
		return RunnerConfig{}, false
	}
	return c.Runners[i], true
}

// applyDefaults fills unset fields.
func (rc *RunnerConfig) applyDefaults() {
	for _, d := range []struct {
		p *int
		v int
	}{{&rc.Concurrency, DefaultConcurrency}, {&rc.MaxInputBytes, DefaultMaxBytes}, {&rc.MaxOutputBytes, DefaultMaxBytes}, {&rc.MaxQueue, DefaultMaxQueue}} {
		if *d.p == 0 {
			*d.p = d.v
		}
	}
	for _, d := range []struct {
		p *time.Duration
		v time.Duration
	}{{&rc.Timeout, DefaultTimeout}, {&rc.HealthInterval, DefaultHealthInterval}, {&rc.StartTimeout, DefaultStartTimeout}, {&rc.CancelGrace, DefaultCancelGrace}} {
		if *d.p == 0 {
			*d.p = d.v
		}
	}
	if rc.Kind == KindHTTP && rc.Mode == "" {
		rc.Mode = ModeJSON
	}
}

var validName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)

// check is one validation rule: the field it concerns and the problem, if any.
type check struct {
	field   string
	problem func(rc *RunnerConfig) string
}

// checks are the validation rules, in field order.
var checks = []check{
	{"name", func(rc *RunnerConfig) string {
		return cond(!validName.MatchString(rc.Name), "must be 1-64 letters, digits, '_', '.' or '-', starting with a letter or digit")
	}},
	{"kind", func(rc *RunnerConfig) string {
		return cond(rc.Kind != KindExec && rc.Kind != KindHTTP, fmt.Sprintf("is %q; want %q or %q", rc.Kind, KindExec, KindHTTP))
	}},
	{"command", func(rc *RunnerConfig) string {
		return cond(rc.Kind == KindExec && len(rc.Command) == 0, "is required for an exec runner")
	}},
	{"devices", func(rc *RunnerConfig) string {
		if slices.Contains(rc.Devices, "") {
			return "has an empty device"
		}
		return cond(len(slices.Compact(slices.Sorted(slices.Values(rc.Devices)))) != len(rc.Devices), "lists a device twice")
	}},
	{"env", func(rc *RunnerConfig) string {
		i := slices.IndexFunc(rc.Env, func(kv string) bool { return !strings.Contains(kv, "=") })
		return cond(i >= 0, "entries must be KEY=VALUE")
	}},
	{"concurrency", positive(func(rc *RunnerConfig) int { return rc.Concurrency })},
	{"timeout", func(rc *RunnerConfig) string { return cond(rc.Timeout < 0, "must be positive") }},
	{"max_input_bytes", positive(func(rc *RunnerConfig) int { return rc.MaxInputBytes })},
	{"max_output_bytes", positive(func(rc *RunnerConfig) int { return rc.MaxOutputBytes })},
	{"max_queue", positive(func(rc *RunnerConfig) int { return rc.MaxQueue })},
	{"max_batch", func(rc *RunnerConfig) string { return cond(rc.MaxBatch < 0, "must not be negative") }},
	{"url", func(rc *RunnerConfig) string {
		if rc.Kind != KindHTTP {
			return ""
		}
		u, err := url.Parse(rc.URL)
		return cond(err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "", fmt.Sprintf("is %q; an http runner needs an http:// or https:// URL", rc.URL))
	}},
	{"mode", func(rc *RunnerConfig) string {
		return cond(rc.Kind == KindHTTP && rc.Mode != ModeJSON && rc.Mode != ModeOpenAI, fmt.Sprintf("is %q; want %q or %q", rc.Mode, ModeJSON, ModeOpenAI))
	}},
	{"health_interval", func(rc *RunnerConfig) string { return cond(rc.HealthInterval < 0, "must be positive") }},
	{"start_timeout", func(rc *RunnerConfig) string { return cond(rc.StartTimeout < 0, "must be positive") }},
	{"cancel_grace", func(rc *RunnerConfig) string { return cond(rc.CancelGrace < 0, "must be positive") }},
}

func cond(bad bool, problem string) string {
	if bad {
		return problem
	}
	return ""
}

func positive(get func(*RunnerConfig) int) func(*RunnerConfig) string {
	return func(rc *RunnerConfig) string {
		return cond(get(rc) <= 0, fmt.Sprintf("is %d; must be positive", get(rc)))
	}
}

// Validate reports the first problem with rc, naming the runner and field.
func (rc *RunnerConfig) Validate() error {
	for _, c := range checks {
		if p := c.problem(rc); p != "" {
			return fmt.Errorf("runner %q: field %q %s", rc.Name, c.field, p)
		}
	}
	return nil
}

// deviceList is the devices workers run on: the configured ones, or one
// unnamed device.
func (rc *RunnerConfig) deviceList() []string {
	if len(rc.Devices) == 0 {
		return []string{""}
	}
	return rc.Devices
}
