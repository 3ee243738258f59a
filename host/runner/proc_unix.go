//go:build unix

package runner

import (
	"os/exec"
	"syscall"
)

// isolate puts the worker in its own process group so that killing it
// also kills any children it started (shell wrappers, data loaders).
func isolate(cmd *exec.Cmd) { cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} }

// killTree kills the worker's process group.
func killTree(cmd *exec.Cmd) {
	if cmd.Process != nil {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		cmd.Process.Kill()
	}
}
