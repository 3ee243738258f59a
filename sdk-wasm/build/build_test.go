package build

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/tetratelabs/wazero"

	"github.com/taorun/taorun/abi"
)

// repoRoot is the taorun checkout these tests run in.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := FindSDK(".")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

func TestCheckName(t *testing.T) {
	for _, name := range []string{"a", "hello", "my-subnet_2", strings.Repeat("a", maxNameLen)} {
		if err := CheckName(name); err != nil {
			t.Errorf("CheckName(%q): %v", name, err)
		}
	}
	for _, name := range []string{"", "Hello", "9lives", "-x", "a b", "a/b", "..", "café", strings.Repeat("a", maxNameLen+1)} {
		if err := CheckName(name); err == nil || !strings.Contains(err.Error(), "module name") {
			t.Errorf("CheckName(%q) = %v, want an error about the module name", name, err)
		}
	}
}

func TestParseLanguage(t *testing.T) {
	for _, l := range Languages {
		if got, err := ParseLanguage(string(l)); err != nil || got != l {
			t.Errorf("ParseLanguage(%q) = %q, %v", l, got, err)
		}
	}
	if _, err := ParseLanguage("rust"); err == nil || !strings.Contains(err.Error(), `"rust"`) {
		t.Errorf("ParseLanguage(rust) = %v, want an error naming it", err)
	}
}

func TestFindSDK(t *testing.T) {
	root := repoRoot(t)
	b, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil || !strings.HasPrefix(string(b), "module "+SDKModulePath+"\n") {
		t.Fatalf("FindSDK(.) = %s, whose go.mod is not taorun's (%v)", root, err)
	}
	// Outside any checkout, the checkout this test binary was built from.
	if got, err := FindSDK(t.TempDir()); err != nil || got != root {
		t.Errorf("FindSDK(temp dir) = %q, %v; want %q", got, err, root)
	}
	other := t.TempDir()
	if err := os.WriteFile(filepath.Join(other, "go.mod"), []byte("module example.com/other\n\ngo 1.24\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := CheckSDK(other); err == nil || !strings.Contains(err.Error(), `declares module "example.com/other"`) {
		t.Errorf("CheckSDK(another module) = %v", err)
	}
	if _, err := CheckSDK(filepath.Join(other, "missing")); err == nil || !strings.Contains(err.Error(), "is not a taorun checkout") {
		t.Errorf("CheckSDK(missing dir) = %v", err)
	}
}

func TestScaffoldRefuses(t *testing.T) {
	sdk := repoRoot(t)
	full := t.TempDir()
	if err := os.WriteFile(filepath.Join(full, "keep.txt"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	notSDK := t.TempDir()
	cases := []struct {
		what, dir, name string
		lang            Language
		sdk, want       string
	}{
		{"bad name", filepath.Join(t.TempDir(), "p"), "Bad Name", Go, sdk, `module name "Bad Name" is not valid`},
		{"unknown language", filepath.Join(t.TempDir(), "p"), "p", "rust", sdk, `unknown language "rust"`},
		{"not a checkout", filepath.Join(t.TempDir(), "p"), "p", Go, notSDK, "is not a taorun checkout"},
		{"non-empty dir", full, "p", Go, sdk, "already exists and is not empty"},
		{"dir is a file", filepath.Join(full, "keep.txt"), "p", Go, sdk, "already exists and is not a usable directory"},
	}
	for _, c := range cases {
		err := Scaffold(c.dir, c.name, c.lang, c.sdk)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: Scaffold = %v, want an error containing %q", c.what, err, c.want)
		}
		if c.dir != full && !strings.HasPrefix(c.dir, full) {
			if _, err := os.Lstat(c.dir); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("%s: Scaffold left %s behind (%v)", c.what, c.dir, err)
			}
		}
	}
	entries, err := os.ReadDir(full)
	if err != nil || len(entries) != 1 {
		t.Errorf("the non-empty directory changed: %v, %v", entries, err)
	}
}

// checkModule compiles the module at path and checks that every import is
// one ABI v1 allows, with its signature's arity, and that it exports the
// ABI items and exactly the entry points want.
func checkModule(t *testing.T, a *Artifact, want []string) {
	t.Helper()
	b, err := os.ReadFile(a.Path)
	if err != nil {
		t.Fatal(err)
	}
	if sum := sha256.Sum256(b); a.SHA256 != hex.EncodeToString(sum[:]) || a.Size != int64(len(b)) {
		t.Errorf("artifact says %d bytes, sha256 %s; the file has %d, %x", a.Size, a.SHA256, len(b), sum)
	}
	ctx := context.Background()
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigInterpreter())
	defer rt.Close(ctx)
	cm, err := rt.CompileModule(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range cm.ImportedFunctions() {
		mod, name, _ := f.Import()
		hf, ok := abi.LookupImport(mod, name)
		if !ok || len(hf.Params) != len(f.ParamTypes()) || len(hf.Results) != len(f.ResultTypes()) {
			t.Errorf("import %s.%s%v is not allowed by ABI v1 (allowed: %v %+v)", mod, name, f.ParamTypes(), ok, hf)
		}
	}
	exports := cm.ExportedFunctions()
	for _, name := range append([]string{abi.ABIMarker, abi.AllocExport, abi.DeallocExport}, want...) {
		if _, ok := exports[name]; !ok {
			t.Errorf("module does not export %s", name)
		}
	}
	if !reflect.DeepEqual(a.EntryPoints, want) {
		t.Errorf("entry points %v, want %v", a.EntryPoints, want)
	}
}

// copyProject copies the project in src to dst, linking dst's SDKLink to
// sdk instead of copying the link.
func copyProject(t *testing.T, src, dst, sdk string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if rel == SDKLink || strings.HasSuffix(rel, ".wasm") {
			return nil
		}
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(sdk, filepath.Join(dst, SDKLink)); err != nil {
		t.Fatal(err)
	}
}

// entryNames is every ABI entry point, in abi.Entries order.
func entryNames() []string {
	var names []string
	for _, e := range abi.Entries() {
		names = append(names, e.Name)
	}
	return names
}

// checkReproducible builds a copy of the project in dir elsewhere, through
// another path to the same SDK checkout, and wants the same module ID.
func checkReproducible(t *testing.T, dir, sdk string, first *Artifact) {
	t.Helper()
	alias := filepath.Join(t.TempDir(), "another-name-for-the-checkout")
	if err := os.Symlink(sdk, alias); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(t.TempDir(), "deeper", "copy")
	copyProject(t, dir, other, alias)
	again, err := Build(context.Background(), other, Options{Output: filepath.Join(t.TempDir(), "out", "m.wasm")})
	if err != nil {
		t.Fatal(err)
	}
	if again.SHA256 != first.SHA256 || again.Size != first.Size {
		t.Errorf("a copy in %s built to %s (%d bytes), the original to %s (%d bytes)", other, again.SHA256, again.Size, first.SHA256, first.Size)
	}
}

func TestGoProject(t *testing.T) {
	sdk := repoRoot(t)
	dir := filepath.Join(t.TempDir(), "hello")
	if err := Scaffold(dir, "hello", Go, sdk); err != nil {
		t.Fatal(err)
	}
	if target, err := os.Readlink(filepath.Join(dir, SDKLink)); err != nil || target != sdk {
		t.Fatalf("%s links to %q (%v), want %q", SDKLink, target, err, sdk)
	}
	for _, f := range []string{"go.mod", "main.go", "main_test.go", "README.md", ".gitignore"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("scaffold has no %s: %v", f, err)
		}
	}

	t.Run("host tests pass", func(t *testing.T) {
		cmd := exec.Command("go", "test", "-count=1", "./...")
		cmd.Dir, cmd.Env = dir, append(os.Environ(), "GOWORK=off", "GOFLAGS=")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go test in the scaffold: %v\n%s", err, out)
		}
	})

	first, err := Build(context.Background(), dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if first.Path != filepath.Join(dir, "hello.wasm") || first.Language != Go || !strings.HasPrefix(first.Toolchain, "go1.") {
		t.Errorf("artifact %+v", first)
	}
	checkModule(t, first, entryNames())

	t.Run("reproducible", func(t *testing.T) { checkReproducible(t, dir, sdk, first) })

	t.Run("go env -w settings are refused", func(t *testing.T) {
		for _, c := range []struct{ setting, want string }{
			{"GOFLAGS=-tags=extra", "GOFLAGS"},
			{"GOWASM=satconv", "GOWASM"},
		} {
			envFile := filepath.Join(t.TempDir(), "env")
			if err := os.WriteFile(envFile, []byte(c.setting+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			t.Setenv("GOENV", envFile)
			_, err := Build(context.Background(), dir, Options{Output: filepath.Join(t.TempDir(), "x.wasm")})
			if err == nil || !strings.Contains(err.Error(), "go env -u "+c.want) {
				t.Errorf("%s: Build = %v, want an error telling to unset %s", c.setting, err, c.want)
			}
		}
	})
}

func TestBuildErrors(t *testing.T) {
	ctx := context.Background()
	empty := t.TempDir()
	if _, err := Build(ctx, empty, Options{}); !errors.Is(err, ErrNoProject) || !strings.Contains(err.Error(), "taorun module new") {
		t.Errorf("Build(empty dir) = %v", err)
	}
	if _, err := Build(ctx, filepath.Join(empty, "missing"), Options{}); !errors.Is(err, ErrNoProject) {
		t.Errorf("Build(missing dir) = %v", err)
	}

	project := func(src string) string {
		dir := t.TempDir()
		for name, data := range map[string]string{"go.mod": "module plain\n\ngo 1.24\n", "main.go": src} {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	_, err := Build(ctx, project("package main\n\nfunc main() { undefinedThing() }\n"), Options{})
	if err == nil || errors.Is(err, ErrNoProject) || !strings.Contains(err.Error(), "undefined: undefinedThing") {
		t.Errorf("Build(compile error) = %v, want the compiler's message", err)
	}
	_, err = Build(ctx, project("package main\n\nfunc main() {}\n"), Options{})
	if err == nil || !strings.Contains(err.Error(), "does not export "+abi.ABIMarker) {
		t.Errorf("Build(module without the SDK) = %v, want a missing-export error", err)
	}
}

func TestAssemblyScriptProject(t *testing.T) {
	sdk := repoRoot(t)
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node is not installed")
	}
	if _, err := os.Stat(filepath.Join(sdk, "sdk-wasm", "assemblyscript", "node_modules", ".bin", "asc")); err != nil {
		t.Skip("the AssemblyScript SDK's compiler is not installed (npm ci in sdk-wasm/assemblyscript)")
	}
	dir := filepath.Join(t.TempDir(), "ashello")
	if err := Scaffold(dir, "ashello", AssemblyScript, sdk); err != nil {
		t.Fatal(err)
	}
	first, err := Build(context.Background(), dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if first.Language != AssemblyScript || !strings.HasPrefix(first.Toolchain, "assemblyscript 0.") {
		t.Errorf("artifact %+v", first)
	}
	checkModule(t, first, []string{abi.EntryValidateWeights, abi.EntryOnEpoch, abi.EntryChallenge, abi.EntrySolve, abi.EntryScore})
	t.Run("reproducible", func(t *testing.T) { checkReproducible(t, dir, sdk, first) })

	if err := os.Remove(filepath.Join(dir, SDKLink)); err != nil {
		t.Fatal(err)
	}
	if _, err := Build(context.Background(), dir, Options{}); err == nil || !strings.Contains(err.Error(), "ln -sfn") {
		t.Errorf("Build without the SDK link = %v, want the fix", err)
	}
}

func TestGoBuildCommand(t *testing.T) {
	env, args := GoBuildCommand("/out/m.wasm")
	want := []string{"build", "-buildmode=c-shared", "-trimpath", "-buildvcs=false", "-ldflags=-s -w -buildid=", "-o", "/out/m.wasm", "."}
	if !reflect.DeepEqual(args, want) {
		t.Errorf("args %q, want %q", args, want)
	}
	got := withEnv([]string{"GOOS=linux", "HOME=/h", "GOFLAGS=-mod=mod", "GOARCH=amd64"}, env)
	if !reflect.DeepEqual(got, append([]string{"HOME=/h"}, goEnvFixed...)) {
		t.Errorf("withEnv = %q", got)
	}
}
