package main

import (
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
	"strings"
	"sync/atomic"
	"testing"

	"github.com/tetratelabs/wazero"

	"github.com/taorun/taorun/abi"
	"github.com/taorun/taorun/abi/wire"
	"github.com/taorun/taorun/runtime"
	"github.com/taorun/taorun/sdk-wasm/build"
)

// buildOutput is `taorun module build --json-output`'s object.
type buildOutput struct {
	Path        string   `json:"path"`
	Size        int64    `json:"size"`
	SHA256      string   `json:"sha256"`
	Language    string   `json:"language"`
	Toolchain   string   `json:"toolchain"`
	EntryPoints []string `json:"entry_points"`
}

// moduleBuild runs `taorun module build --json-output args...` and checks
// that the reported size and sha256 are the file's.
func moduleBuild(t *testing.T, bin string, args ...string) buildOutput {
	t.Helper()
	stdout, stderr, code := runTaorun(t, bin, nil, append([]string{"module", "build", "--json-output"}, args...)...)
	if code != 0 {
		t.Fatalf("module build %v: exit %d: %s", args, code, stderr)
	}
	var out buildOutput
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		t.Fatalf("module build printed %q: %v", stdout, err)
	}
	b, err := os.ReadFile(out.Path)
	if err != nil {
		t.Fatal(err)
	}
	if sum := sha256.Sum256(b); out.SHA256 != hex.EncodeToString(sum[:]) || out.Size != int64(len(b)) {
		t.Fatalf("module build reported %d bytes, sha256 %s; %s has %d, %x", out.Size, out.SHA256, out.Path, len(b), sum)
	}
	return out
}

// wantExports compiles the module at path with wazero and fails unless it
// exports the ABI items and the functions in names.
func wantExports(t *testing.T, path string, names ...string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	rt := wazero.NewRuntime(ctx)
	defer rt.Close(ctx)
	cm, err := rt.CompileModule(ctx, b)
	if err != nil {
		t.Fatalf("%s does not compile: %v", path, err)
	}
	funcs := cm.ExportedFunctions()
	for _, name := range append([]string{abi.ABIMarker, abi.AllocExport, abi.DeallocExport}, names...) {
		if _, ok := funcs[name]; !ok {
			t.Errorf("%s does not export %s", path, name)
		}
	}
	if _, ok := cm.ExportedMemories()[abi.MemoryExport]; !ok {
		t.Errorf("%s does not export its memory", path)
	}
}

// copyTree copies directory src to dst, symbolic links as links.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		to := filepath.Join(dst, rel)
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return os.Symlink(target, to)
		case d.IsDir():
			return os.MkdirAll(to, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(to, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// runOutput is `taorun module run --json-output`'s object.
type runOutput struct {
	OutputHex       string `json:"output_hex"`
	Error           string `json:"error"`
	GasUsed         uint64 `json:"gas_used"`
	GasLimit        uint64 `json:"gas_limit"`
	PeakMemoryPages uint32 `json:"peak_memory_pages"`
	MaxStackDepth   uint32 `json:"max_stack_depth"`
	Engine          string `json:"engine"`
}

// moduleRun runs `taorun module run --json-output` on entry of wasm with
// input and wants exit status code.
func moduleRun(t *testing.T, bin, wasm, entry string, input []byte, code int, extra ...string) runOutput {
	t.Helper()
	in := filepath.Join(t.TempDir(), "input.bin")
	if err := os.WriteFile(in, input, 0o644); err != nil {
		t.Fatal(err)
	}
	args := append([]string{"module", "run", "--json-output", "--entry", entry, "--input", in}, extra...)
	stdout, stderr, got := runTaorun(t, bin, nil, append(args, wasm)...)
	if got != code {
		t.Fatalf("module run %s %v: exit %d, want %d\n%s%s", entry, extra, got, code, stdout, stderr)
	}
	var out runOutput
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		t.Fatalf("module run printed %q: %v", stdout, err)
	}
	return out
}

// scaffoldWork is the scaffolds' work: task hashed 1000 times.
func scaffoldWork(task []byte) []byte {
	h := sha256.Sum256(task)
	for i := 1; i < 1000; i++ {
		h = sha256.Sum256(h[:])
	}
	return h[:]
}

// checkScaffoldRuns runs the scaffold's subnet end to end through
// `module run`: challenge, solve, score and validate_weights. Runs use
// wazero's interpreter, which compiles fastest; challenge and score also
// run on wazero's compiler, and the two engines must agree exactly.
func checkScaffoldRuns(t *testing.T, bin, wasm string) {
	t.Helper()
	interp := []string{"--engine", "wazero-interp"}
	run := func(entry string, compare bool, in interface{ Encode() []byte }, out interface{ Decode([]byte) error }) {
		t.Helper()
		res := moduleRun(t, bin, wasm, entry, in.Encode(), 0, interp...)
		if compare {
			compiled := moduleRun(t, bin, wasm, entry, in.Encode(), 0)
			if compiled.Engine != "wazero" || res.Engine != "wazero-interp" {
				t.Errorf("engines reported: %q, %q", compiled.Engine, res.Engine)
			}
			compiled.Engine = res.Engine
			if compiled != res {
				t.Errorf("%s: the engines disagree:\n wazero        %+v\n wazero-interp %+v", entry, compiled, res)
			}
		}
		if res.GasUsed == 0 || res.GasUsed >= res.GasLimit || res.PeakMemoryPages == 0 || res.MaxStackDepth == 0 || res.MaxStackDepth >= 16384 {
			t.Errorf("%s: implausible measurements %+v", entry, res)
		}
		b, err := hex.DecodeString(res.OutputHex)
		if err != nil {
			t.Fatal(err)
		}
		if err := out.Decode(b); err != nil {
			t.Fatalf("%s output: %v", entry, err)
		}
	}
	seed := [32]byte{7, 7, 7}
	var ch wire.ChallengeOutput
	run("challenge", true, wire.ChallengeInput{Netuid: 1, Seed: seed}, &ch)
	if string(ch.Task) != string(seed[:]) || ch.TimeoutMillis != 2000 {
		t.Fatalf("challenge: %+v", ch)
	}
	var sol wire.SolveOutput
	run("solve", false, wire.SolveInput{Task: ch.Task}, &sol)
	if want := scaffoldWork(ch.Task); string(sol.Response) != string(want) {
		t.Fatalf("solve answered %x, want %x", sol.Response, want)
	}
	var sc wire.ScoreOutput
	run("score", true, wire.ScoreInput{Task: ch.Task, Responses: []wire.Response{
		{UID: 0, Response: sol.Response}, {UID: 1, Response: []byte("wrong")},
	}}, &sc)
	if len(sc.Scores) != 2 || sc.Scores[0] != (wire.Score{UID: 0, Value: wire.ScoreOne}) || sc.Scores[1] != (wire.Score{UID: 1}) {
		t.Fatalf("score: %+v", sc.Scores)
	}
	var vw wire.ValidateWeightsOutput
	run("validate_weights", false, wire.ValidateWeightsInput{CallerUID: 1, SubnetN: 3, Weights: []wire.WeightEntry{{UID: 0, Value: 1}, {UID: 1, Value: 2}}}, &vw)
	if vw.Verdict != wire.Adjust || len(vw.Weights) != 1 {
		t.Fatalf("validate_weights: %+v", vw)
	}

	// A failing call prints its result and exits 1.
	oog := moduleRun(t, bin, wasm, "challenge", wire.ChallengeInput{}.Encode(), 1, append(interp, "--gas-limit", "1000")...)
	if oog.Error != "out of gas" || oog.GasUsed != 1000 || oog.GasLimit != 1000 {
		t.Errorf("out of gas: %+v", oog)
	}
	bad := moduleRun(t, bin, wasm, "solve", wire.SolveInput{Task: []byte("short")}.Encode(), 1, interp...)
	if !strings.Contains(bad.Error, "task is 5 bytes, want 32") {
		t.Errorf("solve of a bad task: %+v", bad)
	}
}

// The entry points both scaffolds implement.
var scaffoldEntries = []string{abi.EntryChallenge, abi.EntrySolve, abi.EntryScore, abi.EntryValidateWeights, abi.EntryOnEpoch}

func TestModuleNewBuild(t *testing.T) {
	bin := buildTaorun(t)
	work := t.TempDir()
	dir := filepath.Join(work, "demo")

	// Flags after NAME, as users type them.
	stdout, stderr, code := runTaorun(t, bin, nil, "module", "new", "demo", "--dir", dir)
	if code != 0 || !strings.Contains(stdout, "created go module demo") {
		t.Fatalf("module new: exit %d\n%s%s", code, stdout, stderr)
	}
	first := moduleBuild(t, bin, dir)
	if first.Path != filepath.Join(dir, "demo.wasm") || first.Language != "go" || !strings.HasPrefix(first.Toolchain, "go1.") {
		t.Errorf("module build: %+v", first)
	}
	wantExports(t, first.Path, scaffoldEntries...)

	t.Run("text output", func(t *testing.T) {
		stdout, stderr, code := runTaorun(t, bin, nil, "module", "build", dir, "-o", filepath.Join(work, "text.wasm"))
		if code != 0 || !strings.Contains(stdout, "module ID:    "+first.SHA256) || !strings.Contains(stdout, "text.wasm") {
			t.Errorf("module build: exit %d\n%s%s", code, stdout, stderr)
		}
	})

	t.Run("reproducible", func(t *testing.T) {
		again := moduleBuild(t, bin, dir)
		other := filepath.Join(t.TempDir(), "elsewhere", "demo-copy")
		copyTree(t, dir, other)
		copied := moduleBuild(t, bin, "-o", filepath.Join(t.TempDir(), "copy.wasm"), other)
		if again.SHA256 != first.SHA256 || copied.SHA256 != first.SHA256 {
			t.Errorf("module IDs differ: first %s, again %s, from a copy in %s %s", first.SHA256, again.SHA256, other, copied.SHA256)
		}
	})

	t.Run("check", func(t *testing.T) {
		stdout, stderr, code := runTaorun(t, bin, nil, "module", "check", first.Path)
		if code != 0 || !strings.Contains(stdout, "policy:             OK") || !strings.Contains(stdout, "module ID:          "+first.SHA256) ||
			!strings.Contains(stdout, "gas table (version 1)") {
			t.Errorf("module check: exit %d\n%s%s", code, stdout, stderr)
		}
		stdout, stderr, code = runTaorun(t, bin, nil, "module", "check", "--json-output", first.Path)
		var rep struct {
			OK                bool     `json:"ok"`
			ModuleID          string   `json:"module_id"`
			OriginalBytes     int64    `json:"original_bytes"`
			InstrumentedBytes int64    `json:"instrumented_bytes"`
			EntryPoints       []string `json:"entry_points"`
			Imports           []struct {
				Module, Name, Signature string
			} `json:"imports"`
		}
		if err := json.Unmarshal([]byte(stdout), &rep); code != 0 || err != nil {
			t.Fatalf("module check --json-output: exit %d, %v\n%s%s", code, err, stdout, stderr)
		}
		if !rep.OK || rep.ModuleID != first.SHA256 || rep.OriginalBytes != first.Size || rep.InstrumentedBytes <= rep.OriginalBytes ||
			strings.Join(rep.EntryPoints, ",") != strings.Join(first.EntryPoints, ",") {
			t.Errorf("module check --json-output: %+v", rep)
		}
		if len(rep.Imports) == 0 || rep.Imports[0].Module != "wasi_snapshot_preview1" || !strings.Contains(rep.Imports[0].Signature, "->") {
			t.Errorf("module check --json-output imports: %+v", rep.Imports)
		}
	})

	t.Run("check refuses", func(t *testing.T) {
		// A valid module that exports a name reserved for the host.
		reserved := []byte{0, 'a', 's', 'm', 1, 0, 0, 0,
			1, 4, 1, 0x60, 0, 0, // type: () -> ()
			3, 2, 1, 0, // one function
			7, 11, 1, 7, '_', '_', 't', 'a', 'o', '_', 'x', 0, 0, // export "__tao_x"
			10, 4, 1, 2, 0, 0x0b} // body: end
		for _, c := range []struct {
			name string
			wasm []byte
			want string
		}{
			{"garbage", []byte("not wasm"), "policy violation (decode)"},
			{"reserved export", reserved, "policy violation"},
		} {
			p := filepath.Join(t.TempDir(), c.name+".wasm")
			if err := os.WriteFile(p, c.wasm, 0o644); err != nil {
				t.Fatal(err)
			}
			_, stderr, code := runTaorun(t, bin, nil, "module", "check", p)
			if code != 1 || !strings.Contains(stderr, c.want) {
				t.Errorf("%s: module check: exit %d, stderr %q; want exit 1 and %q", c.name, code, stderr, c.want)
			}
		}
		if _, stderr, code := runTaorun(t, bin, nil, "module", "check", filepath.Join(work, "missing.wasm")); code != exitUsage {
			t.Errorf("module check of a missing file: exit %d: %s", code, stderr)
		}
	})

	t.Run("run", func(t *testing.T) {
		checkScaffoldRuns(t, bin, first.Path)
		// The command the scaffold's README shows, with a hex test vector.
		stdout, stderr, code := runTaorun(t, bin, nil, "module", "run", first.Path, "--engine", "wazero-interp", "--entry", "challenge",
			"--input", filepath.Join(dir, build.SDKLink, "abi", "wire", "testdata", "challenge_input.hex"))
		if code != 0 || !strings.Contains(stdout, "output (40 bytes): 20000000") || !strings.Contains(stdout, "max stack depth:") {
			t.Errorf("module run with a .hex input: exit %d\n%s%s", code, stdout, stderr)
		}
		for _, args := range [][]string{
			{"module", "run", "--entry", "nope", first.Path},
			{"module", "run", "--entry", "score", "--engine", "v8", first.Path},
			{"module", "run", "--entry", "score", "--input", filepath.Join(work, "missing"), first.Path},
		} {
			if _, stderr, code := runTaorun(t, bin, nil, args...); code != exitUsage {
				t.Errorf("%v: exit %d, want %d: %s", args, code, exitUsage, stderr)
			}
		}
	})

	t.Run("errors", func(t *testing.T) {
		empty := t.TempDir()
		for _, c := range []struct {
			args []string
			want string
		}{
			{[]string{"module", "new", "demo", "--dir", dir}, "already exists and is not empty"},
			{[]string{"module", "new", "Bad.Name", "--dir", filepath.Join(empty, "x")}, `module name "Bad.Name" is not valid`},
			{[]string{"module", "new", "ok", "--lang", "cobol", "--dir", filepath.Join(empty, "y")}, `unknown language "cobol"`},
			{[]string{"module", "new", "ok", "--sdk", empty, "--dir", filepath.Join(empty, "z")}, "is not a taorun checkout"},
			{[]string{"module", "new"}, "want exactly one argument"},
			{[]string{"module", "new", "a", "b"}, "want exactly one argument"},
			{[]string{"module", "new", "a", "--dir"}, "flag needs an argument: --dir"},
			{[]string{"module", "build", empty}, "not a module project"},
			{[]string{"module", "build", filepath.Join(empty, "missing")}, "does not exist"},
		} {
			_, stderr, code := runTaorun(t, bin, nil, c.args...)
			if code != exitUsage || !strings.Contains(stderr, c.want) {
				t.Errorf("%v: exit %d, stderr %q; want exit %d and %q", c.args, code, stderr, exitUsage, c.want)
			}
		}
		if entries, _ := os.ReadDir(empty); len(entries) != 0 {
			t.Errorf("failed commands left %v behind", entries)
		}
	})

	t.Run("compile error", func(t *testing.T) {
		broken := filepath.Join(t.TempDir(), "broken")
		copyTree(t, dir, broken)
		if err := os.WriteFile(filepath.Join(broken, "extra.go"), []byte("package main\n\nvar x int = \"not an int\"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		_, stderr, code := runTaorun(t, bin, nil, "module", "build", broken)
		if code != 1 || !strings.Contains(stderr, "extra.go") {
			t.Errorf("module build of broken code: exit %d, stderr %q; want exit 1 and the compiler's message", code, stderr)
		}
	})
}

func TestModuleNewBuildAssemblyScript(t *testing.T) {
	sdk, err := build.FindSDK(".")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node is not installed")
	}
	if _, err := os.Stat(filepath.Join(sdk, "sdk-wasm", "assemblyscript", "node_modules", ".bin", "asc")); err != nil {
		t.Skip("the AssemblyScript SDK's compiler is not installed (npm ci in sdk-wasm/assemblyscript)")
	}
	bin := buildTaorun(t)
	dir := filepath.Join(t.TempDir(), "asdemo")
	stdout, stderr, code := runTaorun(t, bin, nil, "module", "new", "--lang", "assemblyscript", "--sdk", sdk, "--dir", dir, "asdemo")
	if code != 0 || !strings.Contains(stdout, "created assemblyscript module asdemo") {
		t.Fatalf("module new: exit %d\n%s%s", code, stdout, stderr)
	}
	first := moduleBuild(t, bin, dir)
	if first.Language != "assemblyscript" {
		t.Errorf("module build: %+v", first)
	}
	wantExports(t, first.Path, scaffoldEntries...)
	if stdout, stderr, code := runTaorun(t, bin, nil, "module", "check", first.Path); code != 0 || !strings.Contains(stdout, "module ID:          "+first.SHA256) {
		t.Errorf("module check: exit %d\n%s%s", code, stdout, stderr)
	}
	checkScaffoldRuns(t, bin, first.Path)
	other := filepath.Join(t.TempDir(), "copy")
	copyTree(t, dir, other)
	if copied := moduleBuild(t, bin, other); copied.SHA256 != first.SHA256 {
		t.Errorf("a copy built to %s, the original to %s", copied.SHA256, first.SHA256)
	}
}

func TestMinStackBudget(t *testing.T) {
	for _, need := range []uint32{1, 2, 3, 389, 4097, 16383, 16384} {
		var calls atomic.Int32
		got, err := minStackBudget(16384, func(budget uint32) (runtime.Result, error) {
			calls.Add(1)
			if budget < need {
				return runtime.Result{Err: fmt.Errorf("call: %w", runtime.ErrStackOverflow)}, nil
			}
			return runtime.Result{Err: runtime.ErrOutOfGas}, nil // any other outcome counts as fitting
		})
		if err != nil || got != need {
			t.Errorf("need %d: got %d, %v", need, got, err)
		}
		if calls.Load() > 20 { // 6 doublings from 256, then bisection
			t.Errorf("need %d: %d runs", need, calls.Load())
		}
	}
	_, err := minStackBudget(100, func(uint32) (runtime.Result, error) { return runtime.Result{}, errors.New("no engine") })
	if err == nil || !strings.Contains(err.Error(), "no engine") {
		t.Errorf("a failing run gave %v", err)
	}
}

func TestParseHexText(t *testing.T) {
	got, err := parseHexText([]byte("# a comment\n0a0B 0c\n\t0d # trailing\n"))
	if err != nil || hex.EncodeToString(got) != "0a0b0c0d" {
		t.Errorf("parseHexText = %x, %v", got, err)
	}
	for _, bad := range []string{"0g", "abc", "12 3"} {
		if _, err := parseHexText([]byte(bad)); err == nil {
			t.Errorf("parseHexText(%q) accepted it", bad)
		}
	}
}
