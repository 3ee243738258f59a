// Package testfiles reads and builds the files under a test package's
// testdata directory: WebAssembly text modules assembled with wabt's
// wat2wasm before the tests run (Main), and line-oriented vector and golden
// files (Lines).
//
// It is a test helper; nothing in a node imports it. It imports only the
// standard library, so the tests of packages that import nothing of ours
// (runtime) can use it without pulling any of our packages in.
//
// Invariant: paths are relative to the working directory, which go test
// sets to the package under test, so "testdata/..." names that package's
// files.
package testfiles

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Main is a test package's TestMain body: it assembles every testdata/*.wat
// into a new temporary directory (name.wat becomes name.wasm), calls setup
// with that directory, runs the tests, removes the directory and exits with
// the tests' status. prefix starts the directory's name. If wat2wasm is
// missing or refuses a file, no test runs and the process exits with 1.
func Main(m *testing.M, prefix string, setup func(wasmDir string)) {
	os.Exit(run(m, prefix, setup))
}

func run(m *testing.M, prefix string, setup func(string)) int {
	dir, err := os.MkdirTemp("", prefix)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	if err := AssembleAll("testdata", dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	setup(dir)
	return m.Run()
}

// AssembleAll assembles every *.wat file in srcDir into outDir with
// wat2wasm, name.wat to name.wasm.
func AssembleAll(srcDir, outDir string) error {
	wats, err := filepath.Glob(filepath.Join(srcDir, "*.wat"))
	if err != nil {
		return err
	}
	for _, w := range wats {
		out := filepath.Join(outDir, strings.TrimSuffix(filepath.Base(w), ".wat")+".wasm")
		if b, err := exec.Command("wat2wasm", w, "-o", out).CombinedOutput(); err != nil {
			return fmt.Errorf("wat2wasm %s: %v\n%s(scripts/test.sh installs wabt)", w, err, b)
		}
	}
	return nil
}

// Lines returns the lines of the text file at path that carry data: blank
// lines and comment lines (first non-space character '#') are left out;
// the others are returned as they are, untrimmed. The test fails if the
// file cannot be read.
func Lines(t testing.TB, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		trimmed := strings.TrimSpace(sc.Text())
		if trimmed == "" || trimmed[0] == '#' {
			continue
		}
		lines = append(lines, sc.Text())
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("reading %s: %v", path, err)
	}
	return lines
}
