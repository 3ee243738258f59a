package fault

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// childEnv, when set, makes the test binary act as a worker: it parses its
// arguments with Flags, receives the number of jobs the variable names,
// printing "job N" to stdout after each, then "done".
const childEnv = "FAULT_TEST_CHILD_JOBS"

func TestMain(m *testing.M) {
	if n := os.Getenv(childEnv); n != "" {
		child(n)
		return
	}
	os.Exit(m.Run())
}

func child(jobs string) {
	fs := flag.NewFlagSet("child", flag.ExitOnError)
	plan := Flags(fs, "child")
	fs.Parse(os.Args[1:])
	var n int
	fmt.Sscan(jobs, &n)
	for i := 1; i <= n; i++ {
		plan.Job()
		fmt.Println("job", i)
	}
	fmt.Println("done")
	os.Exit(0)
}

// TestPlan runs the test binary as a worker receiving 4 jobs under each
// fault flag and checks how far it gets and how it ends.
func TestPlan(t *testing.T) {
	cases := []struct {
		args []string
		// jobs is how many jobs complete; status the exit status, -1 for a
		// worker that hangs (killed by the test once it says so).
		jobs, status int
		stderr       string
	}{
		{args: nil, jobs: 4, status: 0},
		{args: []string{"--crash-after", "-1", "--hang-after", "-1"}, jobs: 4, status: 0},
		{args: []string{"--crash-after", "0"}, jobs: 0, status: CrashStatus, stderr: "child: crashing on job 1 as asked (--crash-after 0)"},
		{args: []string{"--crash-after", "2"}, jobs: 2, status: CrashStatus, stderr: "child: crashing on job 3 as asked (--crash-after 2)"},
		{args: []string{"--crash-after", "9"}, jobs: 4, status: 0},
		{args: []string{"--hang-after", "1"}, jobs: 1, status: -1, stderr: "child: hanging on job 2 as asked (--hang-after 1)"},
		{args: []string{"--hang-after", "3", "--crash-after", "1"}, jobs: 1, status: CrashStatus, stderr: "crashing on job 2"},
	}
	for _, c := range cases {
		t.Run(strings.Join(append([]string{"flags"}, c.args...), " "), func(t *testing.T) {
			cmd := exec.Command(os.Args[0], c.args...)
			cmd.Env = append(os.Environ(), childEnv+"=4")
			var stdout strings.Builder
			cmd.Stdout = &stdout
			stderr, err := cmd.StderrPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			// Read stderr up to the expected message (or its end), then
			// stop a hanging worker: it will never exit by itself.
			var said strings.Builder
			sc := bufio.NewScanner(stderr)
			for sc.Scan() {
				said.WriteString(sc.Text() + "\n")
				if c.stderr != "" && strings.Contains(sc.Text(), c.stderr) {
					break
				}
			}
			if c.stderr != "" && !strings.Contains(said.String(), c.stderr) {
				t.Errorf("stderr %q does not say %q", said.String(), c.stderr)
			}
			if c.status == -1 {
				cmd.Process.Kill()
			}
			err = cmd.Wait()
			status := 0
			var exit *exec.ExitError
			switch {
			case errors.As(err, &exit) && c.status == -1:
				status = -1 // killed by us, not exited
				if exit.Exited() {
					t.Errorf("the hanging worker exited by itself: %v", err)
				}
			case errors.As(err, &exit):
				status = exit.ExitCode()
			case err != nil:
				t.Fatal(err)
			}
			if status != c.status {
				t.Errorf("exit status %d, want %d", status, c.status)
			}
			want := ""
			for i := 1; i <= c.jobs; i++ {
				want += fmt.Sprintf("job %d\n", i)
			}
			if c.status == 0 {
				want += "done\n"
			}
			if stdout.String() != want {
				t.Errorf("stdout %q, want %q", stdout.String(), want)
			}
		})
	}
}
