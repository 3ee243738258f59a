package main

import (
	"context"
	"testing"
	"time"

	"github.com/taorun/taorun/chain/subnet"
	"github.com/taorun/taorun/keys"
)

// TestHotkeySwapAndTakeCLI drives `sudo get-take`, `sudo set-take` and
// `wallet swap-hotkey` through the real binary against a real localnet,
// checking the results over RPC: the take is set and read back, and after
// the swap the neuron, its stake and its take belong to the new hotkey.
func TestHotkeySwapAndTakeCLI(t *testing.T) {
	f := newLocalnetFixture(t, "--demo=false")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	f.devWallet(t, "alice", "//Alice", "//Alice//hotkey")
	f.devWallet(t, "ferdie", "//Ferdie", "//Ferdie//hotkey")
	for name, uri := range map[string]string{"new": "//Ferdie//new", "third": "//Ferdie//third", "alices": "//Alice//hotkey"} {
		walletJSON(t, f.bin, "wallet", "regen-hotkey", "--wallet.name", "ferdie", "--wallet.hotkey", name, "--uri", uri, "--no-use-password", "--no-prompt")
	}
	oldHot, newHot := uriAddress(t, "//Ferdie//hotkey"), uriAddress(t, "//Ferdie//new")
	ferdie := keys.Dev("Ferdie").Public().SS58()
	f.cliJSON(t, "subnets", "create", "--wallet.name", "alice")
	if reg := f.cliJSON(t, "subnets", "register", "--wallet.name", "ferdie", "--netuid", "1"); reg["uid"] != "1" {
		t.Fatalf("register: %v", reg)
	}
	f.cliJSON(t, "stake", "add", "--wallet.name", "ferdie", "--netuid", "1", "--amount", "10")

	// Takes: the default, a new one, refusals.
	if got := f.cliJSON(t, "sudo", "get-take", "--wallet.name", "ferdie"); got["take_u16"] != float64(subnet.DefaultDelegateTake) || got["owner"] != ferdie {
		t.Fatalf("get-take before: %v", got)
	}
	if set := f.cliJSON(t, "sudo", "set-take", "--wallet.name", "ferdie", "--take", "0.09"); set["take"] != "5898" || set["hotkey"] != oldHot {
		t.Fatalf("set-take: %v", set)
	}
	if info, err := f.client.HotkeyInfo(ctx, oldHot); err != nil || info.Take != 5898 {
		t.Fatalf("take on chain %+v %v", info, err)
	}
	if got := f.cliJSON(t, "sudo", "get_take", "--hotkey-ss58", oldHot); got["take"] != "0.09000" {
		t.Fatalf("get-take after: %v", got)
	}
	f.failOnNode(t, exitUsage, "outside the allowed", "sudo", "set-take", "--wallet.name", "ferdie", "--take", "0.5")
	f.failOnNode(t, exitUsage, "not a decimal fraction", "sudo", "set-take", "--wallet.name", "ferdie", "--take", "9%")
	f.failOnNode(t, 1, "owned by no coldkey", "sudo", "set-take", "--wallet.name", "ferdie", "--wallet.hotkey", "new", "--take", "0.1")
	f.failOnNode(t, 1, "not this wallet's coldkey", "sudo", "set-take", "--wallet.name", "ferdie", "--wallet.hotkey", "alices", "--take", "0.1")

	// Swap refusals before anything is sent.
	f.failOnNode(t, exitUsage, "does not exist", "wallet", "swap-hotkey", "--wallet.name", "ferdie", "--new-hotkey", "nope")
	f.failOnNode(t, exitUsage, "is the hotkey being replaced", "wallet", "swap-hotkey", "--wallet.name", "ferdie", "--new-hotkey", "default")
	f.failOnNode(t, 1, "already in use", "wallet", "swap-hotkey", "--wallet.name", "ferdie", "--new-hotkey", "alices")
	f.failOnNode(t, 1, "not registered", "wallet", "swap-hotkey", "--wallet.name", "ferdie", "--wallet.hotkey", "new", "--new-hotkey", "third")

	free0, err := f.client.Balance(ctx, ferdie)
	if err != nil {
		t.Fatal(err)
	}
	out := f.cliJSON(t, "wallet", "swap-hotkey", "--wallet.name", "ferdie", "--wallet.hotkey", "default", "--new-hotkey", "new")
	if out["old_hotkey"] != oldHot || out["new_hotkey"] != newHot || out["cost"] != "100000000" {
		t.Fatalf("swap-hotkey: %v", out)
	}
	free1, _ := f.client.Balance(ctx, ferdie)
	if free0-free1 != subnet.DefaultKeySwapCost+uint64(out["fee_rao"].(float64)) {
		t.Fatalf("balance %d → %d: want the swap cost and the fee", free0, free1)
	}
	mg, err := f.client.Metagraph(ctx, 1, false)
	if err != nil || mg.Neurons[1].Hotkey != newHot || mg.Neurons[1].Coldkey != ferdie || mg.Neurons[1].Stake == "0" {
		t.Fatalf("metagraph uid 1 after the swap: %+v %v", mg.Neurons[1], err)
	}
	stakes, err := f.client.StakeInfo(ctx, ferdie)
	if err != nil || len(stakes.Stakes) != 1 || stakes.Stakes[0].Hotkey != newHot {
		t.Fatalf("stakes after the swap: %+v %v", stakes, err)
	}
	if got := f.cliJSON(t, "sudo", "get-take", "--wallet.name", "ferdie", "--wallet.hotkey", "new"); got["take_u16"] != 5898.0 || got["owner"] != ferdie {
		t.Fatalf("take of the new hotkey: %v", got)
	}
	if got := f.cliJSON(t, "sudo", "get-take", "--wallet.name", "ferdie"); got["owner"] != "" {
		t.Fatalf("old hotkey still owned: %v", got)
	}
	// The chain's own refusal: a second swap within tx_rate_limit blocks.
	// (btcli's positional NEW_HOTKEY_NAME; flags must come before it.)
	f.fail(t, 1, "rate limited", "wallet", "swap_hotkey", "--wallet.name", "ferdie", "--wallet.hotkey", "new", "--network", "ws://"+f.addr, "-y", "third")
}
