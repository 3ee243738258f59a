package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/taorun/taorun/keys"
	"github.com/taorun/taorun/neuron/dendrite"
	"github.com/taorun/taorun/neuron/miner"
	"github.com/taorun/taorun/node/rpc/api"
)

// startNeuron starts `taorun ARGS...` in the background with its output in
// DIR/NAME.log; cleanup stops it with SIGTERM and checks a clean exit.
func startNeuron(t *testing.T, bin, dir, name string, args ...string) (logPath string) {
	t.Helper()
	logPath = filepath.Join(dir, name+".log")
	logf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("taorun %s exited with %v", name, err)
			}
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			<-done
			t.Errorf("taorun %s did not stop within 20s of SIGTERM", name)
		}
		logf.Close()
		if t.Failed() {
			b, _ := os.ReadFile(logPath)
			t.Logf("taorun %s log:\n%s", name, b)
		}
	})
	return logPath
}

// TestMinerValidatorBinaries runs the real binaries: a localnet with its
// demonstration subnet, the proof-of-compute module uploaded and activated
// with the CLI, `taorun miner` as Eve with the matmul runner and `taorun
// validator` as the subnet owner's hotkey, then a second miner (Ferdie)
// that registers itself with --register. The validator must query both,
// score their answers and set weights on chain; the miner must refuse an
// unregistered caller.
func TestMinerValidatorBinaries(t *testing.T) {
	f := newLocalnetFixture(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	work := t.TempDir()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range []struct {
		pkg, out string
		wasm     bool
	}{{"./examples/pocsubnet/module", "pocsubnet.wasm", true}, {"./examples/runners/matmul-cpu", "matmul-cpu", false}} {
		args := []string{"build", "-o", filepath.Join(work, b.out)}
		cmd := exec.Command("go", args...)
		cmd.Env = os.Environ()
		if b.wasm {
			cmd.Args = append(cmd.Args, "-buildmode=c-shared")
			cmd.Env = append(cmd.Env, "GOOS=wasip1", "GOARCH=wasm")
		}
		cmd.Args = append(cmd.Args, b.pkg)
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("building %s: %v\n%s", b.pkg, err, out)
		}
	}
	waitFor(t, ctx, "the demonstration subnet", func() bool {
		mg, err := f.client.Metagraph(ctx, 1, false)
		return err == nil && len(mg.Neurons) == 5
	})
	f.devWallet(t, "alice", "//Alice", "//Alice//hotkey")
	f.devWallet(t, "eve", "//Eve", "//Eve//hotkey")

	// The module, with the CLI.
	up := f.cliJSON(t, "module", "upload", filepath.Join(work, "pocsubnet.wasm"), "--wallet.name", "alice", "--netuid", "1")
	id, _ := up["module_id"].(string)
	f.cliJSON(t, "module", "activate", "--wallet.name", "alice", "--netuid", "1", "--module", id, "--in-blocks", "3")

	runners := filepath.Join(work, "taorun.toml")
	toml := fmt.Sprintf("[[runner]]\nname = \"matmul\"\nkind = \"exec\"\ncommand = [%q]\ntimeout = \"30s\"\n", filepath.Join(work, "matmul-cpu"))
	if err := os.WriteFile(runners, []byte(toml), 0o644); err != nil {
		t.Fatal(err)
	}
	network := "ws://" + f.addr
	f.devWallet(t, "ferdie", "//Ferdie", "//Ferdie//hotkey")
	f.fail(t, exitUsage, "--netuid is required", "miner", "--wallet.name", "eve", "--network", network)
	f.fail(t, 1, "is not registered on subnet 1", "miner", "--netuid", "1", "--wallet.name", "ferdie", "--network", network,
		"--datadir", filepath.Join(work, "ferdie"))
	startNeuron(t, f.bin, work, "miner", "miner", "--netuid", "1", "--wallet.name", "eve", "--axon.port", "0", "--axon.ip", "127.0.0.1",
		"--runners", runners, "--datadir", filepath.Join(work, "miner"), "--network", network)

	eve, _ := keys.FromURI("//Eve//hotkey")
	var axonAddr string
	waitFor(t, ctx, "Eve's axon on chain", func() bool {
		mg, err := f.client.Metagraph(ctx, 1, false)
		if err != nil || len(mg.Neurons) < 5 || mg.Neurons[4].Hotkey != eve.Public().SS58() || mg.Neurons[4].Axon == nil {
			return false
		}
		axonAddr = mg.Neurons[4].Axon.IP + ":" + strconv.Itoa(int(mg.Neurons[4].Axon.Port))
		return true
	})

	// An unregistered caller is blacklisted from the roster (metagraph).
	ferdie, _ := keys.FromURI("//Ferdie//hotkey")
	d, err := dendrite.New(dendrite.Config{Hotkey: ferdie})
	if err != nil {
		t.Fatal(err)
	}
	if r := d.Query(ctx, dendrite.Axon{Hotkey: eve.Public(), Addr: axonAddr}, miner.SynapseSolve, []byte("task"), 5*time.Second); r.Status != http.StatusForbidden {
		t.Fatalf("unregistered caller: status %d, %v", r.Status, r.Err)
	}

	// A second miner registers itself with --register (its coldkey pays the
	// burn) and serves from a hotkey that never held TAO: serve-axon is
	// fee-free for a registered hotkey.
	startNeuron(t, f.bin, work, "miner-ferdie", "miner", "--netuid", "1", "--wallet.name", "ferdie", "--register", "--axon.port", "0",
		"--runners", runners, "--datadir", filepath.Join(work, "ferdie"), "--network", network)
	waitFor(t, ctx, "Ferdie registered with an axon", func() bool {
		mg, err := f.client.Metagraph(ctx, 1, false)
		return err == nil && len(mg.Neurons) == 6 && mg.Neurons[5].Hotkey == ferdie.Public().SS58() && mg.Neurons[5].Axon != nil
	})
	if bal, err := f.client.Balance(ctx, ferdie.Public().SS58()); err != nil || bal != 0 {
		t.Fatalf("Ferdie's hotkey balance after serving: %d, %v; want 0 (serve-axon is fee-free)", bal, err)
	}

	vlog := startNeuron(t, f.bin, work, "validator", "validator", "--netuid", "1", "--wallet.name", "alice", "--sample", "10",
		"--weights-interval", "1", "--timeout", "5s", "--datadir", filepath.Join(work, "validator"), "--network", network)
	waitFor(t, ctx, "the validator's weights on Eve and Ferdie", func() bool {
		mg, err := f.client.Metagraph(ctx, 1, true)
		if err != nil {
			return false
		}
		ws := mg.Neurons[0].Weights
		i := slices.IndexFunc(ws, func(w api.WeightEntry) bool { return w.UID == 4 })
		j := slices.IndexFunc(ws, func(w api.WeightEntry) bool { return w.UID == 5 })
		return i >= 0 && j >= 0 && ws[i].Value > 0 && ws[j].Value > 0
	})
	// The validator logs each step and the weights once the transaction is
	// in a block, which may be just after the chain shows them.
	wants := []string{"msg=scored", "queried=\"[4 5]\"", "msg=\"weights set\""}
	waitFor(t, ctx, fmt.Sprintf("the validator to log %q", wants), func() bool {
		b, err := os.ReadFile(vlog)
		return err == nil && !slices.ContainsFunc(wants, func(w string) bool { return !strings.Contains(string(b), w) })
	})
}
