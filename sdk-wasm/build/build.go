package build

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/tetratelabs/wazero"

	"github.com/taorun/taorun/abi"
)

// ErrNoProject is wrapped by Build's and Detect's errors when the directory
// is not a module project (nothing was compiled).
var ErrNoProject = errors.New("not a module project")

// Options tune Build. The zero value is the default everywhere.
type Options struct {
	// Output is the .wasm file to write, relative to the current directory
	// or absolute. Default: DIR/NAME.wasm, NAME being DIR's base name.
	Output string
	// GoCommand is the go command to run (Go projects). Default: "go",
	// looked up in PATH.
	GoCommand string
}

// Artifact describes a built module.
type Artifact struct {
	// Path is the absolute path of the .wasm file.
	Path string `json:"path"`
	// Size is its length in bytes.
	Size int64 `json:"size"`
	// SHA256 is the lowercase hex SHA-256 of its bytes: the module ID the
	// chain will give it.
	SHA256 string `json:"sha256"`
	// Language is the project's language.
	Language Language `json:"language"`
	// Toolchain is the compiler that built it ("go1.26.8",
	// "assemblyscript 0.28.20"); another one may give other bytes.
	Toolchain string `json:"toolchain"`
	// EntryPoints are the ABI entry points the module exports, in the
	// order of abi.Entries. (The Go SDK exports all of them and answers
	// "not implemented" for those without a handler.)
	EntryPoints []string `json:"entry_points"`
}

// Detect returns the language of the project in dir: Go if it has a go.mod,
// AssemblyScript if it has assembly/index.ts and package.json.
func Detect(dir string) (Language, error) {
	st, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("%w: %s does not exist", ErrNoProject, dir)
	}
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrNoProject, err)
	}
	if !st.IsDir() {
		return "", fmt.Errorf("%w: %s is not a directory", ErrNoProject, dir)
	}
	if fileExists(filepath.Join(dir, "go.mod")) {
		return Go, nil
	}
	if fileExists(filepath.Join(dir, "assembly", "index.ts")) && fileExists(filepath.Join(dir, "package.json")) {
		return AssemblyScript, nil
	}
	return "", fmt.Errorf("%w: %s has neither a go.mod (Go) nor assembly/index.ts and package.json (AssemblyScript); create one with `taorun module new`", ErrNoProject, dir)
}

// fileExists reports whether p is an existing regular file.
func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}

// Build compiles the module project in dir (see the package documentation
// for the exact commands) and describes the result. A compiler's failure
// is returned with the compiler's output.
func Build(ctx context.Context, dir string, opts Options) (*Artifact, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	lang, err := Detect(abs)
	if err != nil {
		return nil, err
	}
	out := opts.Output
	if out == "" {
		out = filepath.Join(abs, filepath.Base(abs)+".wasm")
	}
	if out, err = filepath.Abs(out); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return nil, err
	}
	var toolchain string
	switch lang {
	case Go:
		toolchain, err = buildGo(ctx, abs, out, opts)
	case AssemblyScript:
		toolchain, err = buildAS(ctx, abs, out)
	}
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(out)
	if err != nil {
		return nil, fmt.Errorf("reading the built module: %w", err)
	}
	entries, err := entryPoints(ctx, b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", out, err)
	}
	sum := sha256.Sum256(b)
	return &Artifact{Path: out, Size: int64(len(b)), SHA256: hex.EncodeToString(sum[:]), Language: lang, Toolchain: toolchain, EntryPoints: entries}, nil
}

// entryPoints compiles module b and returns the entry points it exports, in
// the order of abi.Entries. A module without the SDK's ABI exports is an
// error: the project does not use an SDK.
func entryPoints(ctx context.Context, b []byte) ([]string, error) {
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigInterpreter())
	defer rt.Close(ctx)
	cm, err := rt.CompileModule(ctx, b)
	if err != nil {
		return nil, fmt.Errorf("the built module is not valid WebAssembly: %w", err)
	}
	funcs := cm.ExportedFunctions()
	for _, name := range []string{abi.ABIMarker, abi.AllocExport, abi.DeallocExport} {
		if _, ok := funcs[name]; !ok {
			return nil, fmt.Errorf("the built module does not export %s, so it is not an ABI v1 module: use the taorun SDK (docs/abi.md)", name)
		}
	}
	if _, ok := cm.ExportedMemories()[abi.MemoryExport]; !ok {
		return nil, fmt.Errorf("the built module does not export its memory as %q (docs/abi.md)", abi.MemoryExport)
	}
	var entries []string
	for _, e := range abi.Entries() {
		if _, ok := funcs[e.Name]; ok {
			entries = append(entries, e.Name)
		}
	}
	return entries, nil
}

// goEnvFixed are the environment variables every Go module build sets,
// overriding the caller's.
var goEnvFixed = []string{
	"GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0", "GO111MODULE=on",
	"GOFLAGS=", "GOWORK=off", "GOWASM=", "GOEXPERIMENT=",
}

// goBuildFlags are the flags of every Go module build (before -o).
var goBuildFlags = []string{"-buildmode=c-shared", "-trimpath", "-buildvcs=false", "-ldflags=-s -w -buildid="}

// GoBuildCommand returns the environment overrides and the arguments of
// the go command that builds the Go project in the current directory into
// output.
func GoBuildCommand(output string) (env, args []string) {
	args = append([]string{"build"}, goBuildFlags...)
	return slices.Clone(goEnvFixed), append(args, "-o", output, ".")
}

// withEnv returns base with the variables of overrides replacing any of
// the same name.
func withEnv(base, overrides []string) []string {
	names := make(map[string]bool, len(overrides))
	for _, kv := range overrides {
		name, _, _ := strings.Cut(kv, "=")
		names[name] = true
	}
	out := make([]string, 0, len(base)+len(overrides))
	for _, kv := range base {
		if name, _, _ := strings.Cut(kv, "="); !names[name] {
			out = append(out, kv)
		}
	}
	return append(out, overrides...)
}

// buildGo builds the Go project in dir into out and returns the Go version.
func buildGo(ctx context.Context, dir, out string, opts Options) (string, error) {
	goCmd := opts.GoCommand
	if goCmd == "" {
		goCmd = "go"
	}
	overrides, args := GoBuildCommand(out)
	env := withEnv(os.Environ(), overrides)
	version, err := checkGoEnv(ctx, goCmd, dir, env)
	if err != nil {
		return "", err
	}
	cmd := exec.CommandContext(ctx, goCmd, args...)
	cmd.Dir, cmd.Env = dir, env
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build in %s: %v\n%s", dir, err, bytes.TrimSpace(b))
	}
	return version, nil
}

// checkGoEnv asks the go command in dir, with env, for the settings that
// change a build's bytes, and returns the Go version. Clearing a variable
// in the environment does not clear a value set with `go env -w`, so a
// setting that survives is an error naming the fix.
func checkGoEnv(ctx context.Context, goCmd, dir string, env []string) (string, error) {
	cmd := exec.CommandContext(ctx, goCmd, "env", "-json", "GOVERSION", "GOOS", "GOARCH", "CGO_ENABLED", "GOFLAGS", "GOWASM", "GOEXPERIMENT")
	cmd.Dir, cmd.Env = dir, env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	b, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go env in %s: %v\n%s", dir, err, bytes.TrimSpace(stderr.Bytes()))
	}
	var got map[string]string
	if err := json.Unmarshal(b, &got); err != nil {
		return "", fmt.Errorf("go env: %v", err)
	}
	want := map[string]string{"GOOS": "wasip1", "GOARCH": "wasm", "CGO_ENABLED": "0", "GOWASM": "", "GOEXPERIMENT": ""}
	for _, name := range []string{"GOOS", "GOARCH", "CGO_ENABLED", "GOWASM", "GOEXPERIMENT"} {
		if got[name] != want[name] {
			return "", fmt.Errorf("the go command reports %s=%q, not %q, although the build environment sets it: it comes from `go env -w`; remove it with `go env -u %s`", name, got[name], want[name], name)
		}
	}
	// Flags that Build passes anyway are harmless in GOFLAGS.
	for _, f := range strings.Fields(got["GOFLAGS"]) {
		if !slices.Contains(goBuildFlags, f) {
			return "", fmt.Errorf("the go command reports GOFLAGS=%q, set with `go env -w`: flag %s could change the module's bytes; remove it with `go env -u GOFLAGS`", got["GOFLAGS"], f)
		}
	}
	if got["GOVERSION"] == "" {
		return "", errors.New("go env reports no GOVERSION")
	}
	return got["GOVERSION"], nil
}

// asSDKDir is the AssemblyScript SDK inside a project, through SDKLink.
var asSDKDir = filepath.Join(SDKLink, "sdk-wasm", "assemblyscript")

// ASBuildCommand returns the compiler, relative to the project directory,
// and the arguments that build the AssemblyScript project in the current
// directory into output.
func ASBuildCommand(output string) (compiler string, args []string) {
	// The compiler names source files by their path relative to the
	// current directory, so the SDK's taoAbort is reached through the link.
	abort := "abort=" + SDKLink + "/sdk-wasm/assemblyscript/assembly/index/taoAbort"
	return filepath.Join(asSDKDir, "node_modules", ".bin", "asc"),
		[]string{"assembly/index.ts", "--runtime", "stub", "--use", abort, "--disable", "simd", "-O3", "-o", output}
}

// buildAS builds the AssemblyScript project in dir into out and returns
// the compiler's name and version.
func buildAS(ctx context.Context, dir, out string) (string, error) {
	sdk := filepath.Join(dir, asSDKDir)
	if _, err := os.Stat(filepath.Join(sdk, "package.json")); err != nil {
		return "", fmt.Errorf("%w: the AssemblyScript SDK is not at %s (%v): link %s to your taorun checkout: ln -sfn /path/to/taorun %s",
			ErrNoProject, sdk, err, SDKLink, filepath.Join(dir, SDKLink))
	}
	compiler, args := ASBuildCommand(out)
	var pkg struct{ Version string }
	b, err := os.ReadFile(filepath.Join(sdk, "node_modules", "assemblyscript", "package.json"))
	if err == nil {
		err = json.Unmarshal(b, &pkg)
	}
	if err != nil || !fileExists(filepath.Join(dir, compiler)) {
		return "", fmt.Errorf("the SDK's AssemblyScript compiler is not installed in %s: run `npm ci` there", sdk)
	}
	cmd := exec.CommandContext(ctx, filepath.Join(dir, compiler), args...)
	cmd.Dir = dir
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("asc in %s: %v\n%s", dir, err, bytes.TrimSpace(b))
	}
	return "assemblyscript " + pkg.Version, nil
}
