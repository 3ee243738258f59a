package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/taorun/taorun/keys"
	"github.com/taorun/taorun/node/rpc/api"
	"github.com/taorun/taorun/plugins/registry/registrytest"
)

// TestModuleChainEndToEnd drives a real localnet through the real binary:
// Alice, the demonstration subnet's owner, uploads the Go example module
// (built in this run, ~3 MB, past the 1 MiB bound of other transactions),
// activates it a few blocks ahead, and tao_moduleInfo reports it pending and
// then active; tao_getModule returns bytes whose sha256 is the ID; the CLI's
// list and show agree; a module the chain would refuse is refused before
// anything is sent.
func TestModuleChainEndToEnd(t *testing.T) {
	code := registrytest.PocSubnet(t)
	id := sha256.Sum256(code)
	idHex := "0x" + hex.EncodeToString(id[:])
	f := newLocalnetFixture(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	defer func() {
		if t.Failed() {
			b, _ := os.ReadFile(filepath.Join(f.dataDir, "..", "node.log"))
			t.Logf("node output:\n%s", b)
		}
	}()
	// The demonstration subnet is set up (Alice's transactions are done).
	waitFor(t, ctx, "localnet.json with the demonstration subnet", func() bool {
		var info localnetInfo
		b, err := os.ReadFile(filepath.Join(f.dataDir, "localnet.json"))
		return err == nil && json.Unmarshal(b, &info) == nil && len(info.Subnets) == 1
	})
	f.devWallet(t, "alice", "//Alice", "//Alice//hotkey")
	dir := t.TempDir()
	file := filepath.Join(dir, "pocsubnet.wasm")
	if err := os.WriteFile(file, code, 0o644); err != nil {
		t.Fatal(err)
	}
	netuid := fmt.Sprint(demoNetuid)

	// Refused locally, with the chain's error, and nothing sent.
	alice := keys.Dev("Alice").Public().SS58()
	nonce0, err := f.client.Nonce(ctx, alice)
	if err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.wasm")
	if err := os.WriteFile(bad, []byte("\x00asm\x01\x00\x00\x00garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	f.fail(t, exitPolicy, "upload_module: module rejected", "module", "upload", bad, "--wallet.name", "alice", "--netuid", netuid,
		"-y", "--network", "ws://"+f.addr)
	if n, err := f.client.Nonce(ctx, alice); err != nil || n != nonce0 {
		t.Fatalf("Alice's nonce %d → %d (%v): a refused upload sent something", nonce0, n, err)
	}
	if _, err := f.client.GetModule(ctx, id); err == nil || !strings.Contains(err.Error(), "module "+idHex+" not found") {
		t.Fatalf("tao_getModule before the upload: %v", err)
	}

	up := f.cliJSON(t, "module", "upload", file, "--wallet.name", "alice", "--netuid", netuid)
	if up["module_id"] != idHex || up["size"] != float64(len(code)) {
		t.Fatalf("upload output %v, want module %s of %d bytes", up, idHex, len(code))
	}
	act := f.cliJSON(t, "module", "activate", "--wallet.name", "alice", "--netuid", netuid, "--module", idHex, "--in-blocks", "6")
	at := uint64(act["at_block"].(float64))

	var sawPending bool
	waitFor(t, ctx, "the module active in tao_moduleInfo", func() bool {
		info, err := f.client.ModuleInfo(ctx, demoNetuid)
		if err != nil {
			t.Fatal(err)
		}
		if info.Netuid != demoNetuid || info.HookGas.ValidateWeights == 0 || info.HookGas.OnEpoch == 0 || info.HookGas.OnRegister == 0 {
			t.Fatalf("module info %+v", info)
		}
		if info.Pending != nil {
			if info.Pending.Module != idHex || info.Pending.AtBlock != at || info.Active != nil {
				t.Fatalf("pending %+v, active %v; want %s at %d", info.Pending, info.Active, idHex, at)
			}
			sawPending = true
		}
		return info.Active != nil && *info.Active == idHex && info.Pending == nil
	})
	if head, err := f.client.BlockNumber(ctx); err != nil || head < at {
		t.Fatalf("active at head %d (%v), before its block %d", head, err, at)
	}
	if !sawPending {
		t.Log("the activation was promoted before the first tao_moduleInfo read")
	}

	// tao_getModule: the raw shape, and the client's checked bytes.
	var m api.Module
	if err := f.client.Call(ctx, &m, api.MethodGetModule, idHex); err != nil {
		t.Fatal(err)
	}
	raw, err := hex.DecodeString(strings.TrimPrefix(m.Code, "0x"))
	if err != nil || m.ID != idHex || m.Size != len(code) || sha256.Sum256(raw) != id {
		t.Fatalf("tao_getModule: id %s size %d, %d code bytes (%v)", m.ID, m.Size, len(raw), err)
	}
	got, err := f.client.GetModule(ctx, id)
	if err != nil || sha256.Sum256(got) != id {
		t.Fatalf("GetModule: %d bytes, %v", len(got), err)
	}

	list := f.cliJSON(t, "module", "list", "--netuid", netuid)
	mods, _ := list["modules"].([]any)
	if len(mods) != 1 || mods[0].(map[string]any)["active"] != idHex {
		t.Fatalf("module list: %v", list)
	}
	show := f.cliJSON(t, "module", "show", idHex)
	var entries []string
	for _, e := range show["entry_points"].([]any) {
		entries = append(entries, e.(string))
	}
	if show["module_id"] != idHex || show["size"] != float64(len(code)) || !slices.Contains(entries, "validate_weights") {
		t.Fatalf("module show: %v", show)
	}
}
