//go:build !unix

package runner

import "os/exec"

// isolate does nothing where process groups do not exist.
func isolate(*exec.Cmd) {}

// killTree kills the worker process.
func killTree(cmd *exec.Cmd) {
	if cmd.Process != nil {
		cmd.Process.Kill()
	}
}
