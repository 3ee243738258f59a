package main

import (
	"bufio"
	"encoding/json"
	"net/http"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestProgram builds the command, runs it as a process on a free loopback
// port with --wrong and --model, asks it a question over HTTP, and stops it
// with SIGTERM.
func TestProgram(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the program")
	}
	bin := filepath.Join(t.TempDir(), "textsolver")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "--addr", "127.0.0.1:0", "--model", "m2", "--wrong", "--delay", "1ms")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	lines := bufio.NewScanner(stderr)
	if !lines.Scan() {
		t.Fatalf("no startup line: %v", lines.Err())
	}
	m := regexp.MustCompile(`serving model "m2" on (http://127\.0\.0\.1:\d+/v1) \(delay 1ms, wrong true\)`).FindStringSubmatch(lines.Text())
	if m == nil {
		t.Fatalf("startup line %q", lines.Text())
	}
	client := &http.Client{Timeout: time.Minute}
	resp, err := client.Post(m[1]+"/chat/completions", "application/json",
		strings.NewReader(`{"model":"m2","messages":[{"role":"user","content":"What is 6 * 7?"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	var cr struct {
		Model   string
		Choices []struct{ Message struct{ Content string } }
	}
	err = json.NewDecoder(resp.Body).Decode(&cr)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 || cr.Model != "m2" || len(cr.Choices) != 1 || cr.Choices[0].Message.Content != "52" {
		t.Fatalf("chat: HTTP %d %+v (%v), want the wrong answer 52 from m2", resp.StatusCode, cr, err)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("after SIGTERM: %v", err)
	}
}
