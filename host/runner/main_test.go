package runner

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// workerDir holds the example workers, built once for the whole test run.
var workerDir string

// workers maps a worker's name to its package, relative to this directory.
var workers = map[string]string{
	"echo":       "../../examples/runners/echo",
	"matmul-cpu": "../../examples/runners/matmul-cpu",
}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "taorun-runner-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	workerDir = dir
	for name, pkg := range workers {
		out, err := exec.Command("go", "build", "-o", filepath.Join(dir, name), pkg).CombinedOutput()
		if err != nil {
			fmt.Fprintf(os.Stderr, "go build %s: %v\n%s", pkg, err, out)
			os.RemoveAll(dir)
			os.Exit(1)
		}
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// workerPath returns the built worker's path.
func workerPath(name string) string { return filepath.Join(workerDir, name) }
