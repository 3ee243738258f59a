package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/taorun/taorun/node/rpcclient"
)

// TestLocalnetModuleSubnets runs `taorun localnet --fast --subnet MODE`
// for each module-driven mode, the two localnets side by side on one
// binary: poc (the proof-of-compute module; Charlie fast, Dave slow, Eve
// returning wrong products) and text (the text module, each miner asking
// its own in-process OpenAI-compatible server through an http/openai
// runner; Charlie fast, Dave slow, Eve answering wrongly). The module is
// built from this tree, uploaded and activated, and Bob's in-process
// validator scores the miners. Two epochs after Bob's first module weights
// the incentive must order fast > slow > bad, the bad miner's being zero;
// the live table and localnet.json must show the roles.
func TestLocalnetModuleSubnets(t *testing.T) {
	if testing.Short() {
		t.Skip("starts real localnets and builds the modules")
	}
	bin := buildNodeBinary(t)
	for _, tc := range []struct {
		mode, note string
		kinds      map[string]string
	}{
		{"poc", pocNote, pocMiners},
		{"text", textNote, textMiners},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			t.Parallel()
			runModuleLocalnet(t, bin, tc.mode, tc.note, tc.kinds)
		})
	}
}

// runModuleLocalnet runs one localnet with --subnet mode and checks it.
func runModuleLocalnet(t *testing.T, bin, mode, note string, kinds map[string]string) {
	dir := filepath.Join(t.TempDir(), "data")
	addr := freeAddr(t)
	logPath := filepath.Join(t.TempDir(), "localnet.log")
	logf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "localnet", "--fast", "--subnet", mode, "--datadir", dir, "--rpc.addr", addr, "--log.level", "warn")
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
		logf.Close()
		if t.Failed() {
			b, _ := os.ReadFile(logPath)
			t.Logf("localnet output:\n%s", b)
		}
	})
	client := rpcclient.New(addr)
	const charlie, dave, eve = 2, 3, 4 // uids: demoRoles order
	// Bob's first weights come from the module: nothing else sets any.
	// The deadline is generous: the module is built at start, and the two
	// localnets share the machine.
	var first uint64
	ctx, cancel := context.WithTimeout(context.Background(), 180*time.Second)
	defer cancel()
	waitFor(t, ctx, "Bob's module weights on the miners", func() bool {
		mg, err := client.Metagraph(ctx, demoNetuid, true)
		if err != nil || len(mg.Neurons) != 5 || len(mg.Neurons[1].Weights) == 0 {
			return false
		}
		first = mg.EpochIndex
		return true
	})
	var inc [5]uint16
	waitFor(t, ctx, "two epochs after the first module weights", func() bool {
		mg, err := client.Metagraph(ctx, demoNetuid, false)
		if err != nil || mg.EpochIndex < first+2 {
			return false
		}
		for i, n := range mg.Neurons {
			inc[i] = n.Incentive
		}
		return true
	})
	if !(inc[charlie] > inc[dave] && inc[dave] > inc[eve] && inc[eve] == 0) {
		t.Fatalf("incentive fast %d, slow %d, %s %d: want fast > slow > %s = 0", inc[charlie], inc[dave], kinds["Eve"], inc[eve], kinds["Eve"])
	}

	var info localnetInfo
	b, err := os.ReadFile(filepath.Join(dir, "localnet.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &info); err != nil {
		t.Fatal(err)
	}
	if len(info.Subnets) != 1 || info.Subnets[0].Note != note || len(info.Subnets[0].Neurons) != 5 {
		t.Fatalf("localnet.json subnets: %+v", info.Subnets)
	}
	for _, n := range info.Subnets[0].Neurons {
		if want := demoRoles[n.UID]; n.Name != want.Name || n.Role != want.Role {
			t.Fatalf("localnet.json neuron %+v, want %+v", n, want)
		}
	}
	out, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	wants := []string{"uploaded and activated", "incentive"}
	for _, name := range []string{"Charlie", "Dave", "Eve"} {
		wants = append(wants, "miner "+name+" ("+kinds[name]+")")
	}
	if mode == "text" {
		wants = append(wants, "runner llm → http://127.0.0.1:")
	}
	for _, want := range wants {
		if !strings.Contains(string(out), want) {
			t.Fatalf("localnet output lacks %q", want)
		}
	}
}
