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

// TestLocalnetPocSubnet runs `taorun localnet --fast --subnet poc`: the
// proof-of-compute module built from this tree, uploaded and activated,
// Bob's in-process validator scoring Charlie (fast), Dave (slow) and Eve
// (wrong products). Two epochs after Bob's first module weights the
// incentive must order fast > slow > cheater, the cheater's being zero;
// the live table and localnet.json must show the roles.
func TestLocalnetPocSubnet(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a real localnet and builds the module")
	}
	bin := buildNodeBinary(t)
	dir := filepath.Join(t.TempDir(), "data")
	addr := freeAddr(t)
	logPath := filepath.Join(t.TempDir(), "localnet.log")
	logf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "localnet", "--fast", "--subnet", "poc", "--datadir", dir, "--rpc.addr", addr, "--log.level", "warn")
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
	var first uint64
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
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
		t.Fatalf("incentive fast %d, slow %d, cheater %d: want fast > slow > cheater = 0", inc[charlie], inc[dave], inc[eve])
	}

	var info localnetInfo
	b, err := os.ReadFile(filepath.Join(dir, "localnet.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &info); err != nil {
		t.Fatal(err)
	}
	if len(info.Subnets) != 1 || info.Subnets[0].Note != pocNote || len(info.Subnets[0].Neurons) != 5 {
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
	for _, want := range []string{"uploaded and activated", "miner Charlie (fast)", "miner Dave (slow)", "miner Eve (cheater)", "incentive"} {
		if !strings.Contains(string(out), want) {
			t.Fatalf("localnet output lacks %q", want)
		}
	}
}
