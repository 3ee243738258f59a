package main

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/taorun/taorun/node/rpc/api"
)

// TestChildListFlags: the three ways of giving several children and
// proportions (comma-separated, repeated, btcli's space-separated) read the
// same lists, and a misplaced flag is refused.
func TestChildListFlags(t *testing.T) {
	a, b := uriAddress(t, "//Ferdie//c1"), uriAddress(t, "//Ferdie//c2")
	for _, c := range []struct {
		name string
		args []string
		err  string
	}{
		{"commas", []string{"--children", a + "," + b, "--proportions", "0.5,0.25"}, ""},
		{"repeated", []string{"--children", a, "--proportions", "0.5", "--children", b, "--proportions", "0.25"}, ""},
		{"btcli", []string{"--children", a, b, "--proportions", "0.5", "0.25"}, ""},
		{"btcli, proportions first", []string{"--netuid", "1", "--proportions", "0.5", "0.25", "--children", a, b}, ""},
		{"btcli, flags after the values", []string{"--children", a, b, "--netuid", "1", "--proportions", "0.5", "0.25"}, ""},
		{"btcli, flag= after the values", []string{"--children", a, b, "--proportions", "0.5", "0.25", "--netuid=1"}, ""},
		{"unknown flag after the values", []string{"--children", a, b, "--nope", "1"}, "not defined: --nope"},
		{"stray argument", []string{"--children", a, b, "--netuid", "1", "x"}, `unexpected argument "x"`},
	} {
		var gotC, gotP []string
		var netuid string
		app := &cli.App{Name: "t", Commands: []*cli.Command{{Name: "set", Flags: []cli.Flag{flagChildren, flagProportions, flagNetuid},
			Action: func(ctx *cli.Context) error {
				extraC, extraP, rest := childListArgs(ctx.Args().Slice())
				gotC, gotP = append(listFlag(ctx, flagChildren.Name), extraC...), append(listFlag(ctx, flagProportions.Name), extraP...)
				if len(rest) > 0 {
					rc, err := reparse(ctx, rest)
					if err != nil {
						return err
					}
					ctx = rc
				}
				netuid = ctx.String(flagNetuid.Name)
				return nil
			}}}}
		err := app.Run(append([]string{"t", "set"}, c.args...))
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s: %v, want an error mentioning %q", c.name, err, c.err)
			}
			continue
		}
		wantNetuid := ""
		if slices.ContainsFunc(c.args, func(s string) bool { return strings.HasPrefix(s, "--netuid") }) {
			wantNetuid = "1"
		}
		if err != nil || !slices.Equal(gotC, []string{a, b}) || !slices.Equal(gotP, []string{"0.5", "0.25"}) || netuid != wantNetuid {
			t.Errorf("%s: children %v, proportions %v, netuid %q, %v", c.name, gotC, gotP, netuid, err)
		}
	}
}

// TestStakeChildCLI drives `stake child set|get|take|revoke` through the
// real binary against a real localnet: Ferdie's hotkey schedules two
// children, which the subnet's next epoch applies (the cooldown set to 0
// by sudo); get shows them from both sides; the childkey take is set and
// read back; refusals by the CLI and by the chain exit with their reason.
func TestStakeChildCLI(t *testing.T) {
	f := newLocalnetFixture(t, "--demo=false")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	f.devWallet(t, "alice", "//Alice", "//Alice//hotkey")
	f.devWallet(t, "ferdie", "//Ferdie", "//Ferdie//hotkey")
	walletJSON(t, f.bin, "wallet", "regen-hotkey", "--wallet.name", "ferdie", "--wallet.hotkey", "second", "--uri", "//Ferdie//second",
		"--no-use-password", "--no-prompt")
	parent, c1, c2 := uriAddress(t, "//Ferdie//hotkey"), uriAddress(t, "//Ferdie//c1"), uriAddress(t, "//Ferdie//c2")

	f.cliJSON(t, "subnets", "create", "--wallet.name", "alice")
	f.cliJSON(t, "sudo", "set", "--wallet.name", "alice", "--netuid", "1", "--param", "tempo", "--value", "4")
	f.cliJSON(t, "sudo", "set", "--wallet.name", "alice", "--netuid", "0", "--param", "pending_childkey_cooldown", "--value", "0")
	f.cliJSON(t, "subnets", "register", "--wallet.name", "ferdie", "--netuid", "1")
	f.cliJSON(t, "stake", "add", "--wallet.name", "ferdie", "--netuid", "1", "--amount", "10")

	f.failOnNode(t, exitUsage, "2 values for 1 children", "stake", "child", "set", "--wallet.name", "ferdie", "--netuid", "1", "--children", c1,
		"--proportions", "0.5,0.2")
	f.failOnNode(t, exitUsage, "above 1", "stake", "child", "set", "--wallet.name", "ferdie", "--netuid", "1", "--children", c1, "--proportions", "2")
	f.failOnNode(t, 1, "cannot be its own child", "stake", "child", "set", "--wallet.name", "ferdie", "--netuid", "1", "--children", parent,
		"--proportions", "0.5")

	f.failOnNode(t, exitUsage, "not defined: --nope", "stake", "child", "set", "--netuid", "1", "--children", c1, c2, "--nope")
	// btcli's form: space-separated values after each list flag, other
	// flags after them.
	set := f.cliJSON(t, "stake", "child", "set", "--netuid", "1", "--children", c1, c2, "--proportions", "0.5", "0.25",
		"--wallet.name", "ferdie")
	if set["count"] != "2" || set["hotkey"] != parent || set["at"] == nil {
		t.Fatalf("set: %v", set)
	}
	var ck *api.ChildKeys
	waitFor(t, ctx, "the children to apply in an epoch", func() bool {
		var err error
		ck, err = f.client.ChildKeys(ctx, 1, parent)
		return err == nil && len(ck.Children) == 2
	})
	got := f.cliJSON(t, "stake", "child", "get", "--wallet.name", "ferdie", "--netuid", "1")["child_keys"].(map[string]any)
	children := got["children"].([]any)
	fractions := map[string]string{}
	for _, c := range children {
		m := c.(map[string]any)
		fractions[m["hotkey"].(string)] = m["fraction"].(string)
	}
	if len(children) != 2 || fractions[c1] != "0.499999999" || fractions[c2] != "0.249999999" || got["pendingAt"] != nil {
		t.Fatalf("get: %v", got)
	}
	parents := f.cliJSON(t, "stake", "child", "get", "--wallet.name", "ferdie", "--netuid", "1", "--hotkey-ss58", c1)["child_keys"].(map[string]any)["parents"].([]any)
	if len(parents) != 1 || parents[0].(map[string]any)["hotkey"] != parent {
		t.Fatalf("parents of the child: %v", parents)
	}

	// Childkey take: shown, set, read back, bounded.
	if got := f.cliJSON(t, "stake", "child", "take", "--wallet.name", "ferdie", "--netuid", "1"); got["take_u16"] != 0.0 {
		t.Fatalf("take before: %v", got)
	}
	f.cliJSON(t, "stake", "child", "take", "--wallet.name", "ferdie", "--netuid", "1", "--take", "0.05")
	if got := f.cliJSON(t, "stake", "child", "take", "--wallet.name", "ferdie", "--netuid", "1"); got["take_u16"] != 3276.0 || got["take"] != "0.04999" {
		t.Fatalf("take after: %v", got)
	}
	f.failOnNode(t, exitUsage, "outside the allowed", "stake", "child", "take", "--wallet.name", "ferdie", "--netuid", "1", "--take", "0.5")

	// Revoke: the chain's rate limit refuses a second set_children so soon;
	// a hotkey without children may revoke (schedule an empty list).
	f.failOnNode(t, 1, "rate limited", "stake", "child", "revoke", "--wallet.name", "ferdie", "--netuid", "1")
	f.cliJSON(t, "subnets", "register", "--wallet.name", "ferdie", "--wallet.hotkey", "second", "--netuid", "1")
	if rv := f.cliJSON(t, "stake", "child", "revoke", "--wallet.name", "ferdie", "--wallet.hotkey", "second", "--netuid", "1"); rv["count"] != "0" {
		t.Fatalf("revoke: %v", rv)
	}
}
