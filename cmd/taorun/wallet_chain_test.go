package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/taorun/taorun/keys"
	"github.com/taorun/taorun/node/rpcclient"
	"github.com/taorun/taorun/wallet"
)

func TestParseFormatTAO(t *testing.T) {
	for _, c := range []struct {
		in   string
		rao  uint64
		err  string
		show string
	}{
		{in: "1", rao: 1_000_000_000, show: "1.000000000"},
		{in: "1.5", rao: 1_500_000_000, show: "1.500000000"},
		{in: ".000000001", rao: 1, show: "0.000000001"},
		{in: "21000000.123456789", rao: 21_000_000_123_456_789, show: "21000000.123456789"},
		{in: "0", rao: 0, show: "0.000000000"},
		{in: "18446744073.709551615", rao: 1<<64 - 1, show: "18446744073.709551615"},
		{in: "18446744073.709551616", err: "too large"},
		{in: "1.0000000001", err: "10 decimals"},
		{in: "-1", err: "not a non-negative"},
		{in: "1e9", err: "not a non-negative"},
		{in: "", err: "not a number"},
		{in: ".", err: "not a number"},
	} {
		got, err := parseTAO(c.in)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("parseTAO(%q) = %d, %v; want error containing %q", c.in, got, err, c.err)
			}
			continue
		}
		if err != nil || got != c.rao {
			t.Errorf("parseTAO(%q) = %d, %v; want %d", c.in, got, err, c.rao)
		}
		if s := formatTAO(got); s != c.show {
			t.Errorf("formatTAO(%d) = %q, want %q", got, s, c.show)
		}
	}
}

// localnetFixture is a real localnet on loopback and a wallet directory.
type localnetFixture struct {
	bin, addr, wallets, dataDir string
	client                      *rpcclient.Client
}

// newLocalnetFixture builds the binary, starts `taorun localnet --fast`
// (with extra flags) and points BT_WALLET_PATH at an empty directory; the
// node stops at cleanup.
func newLocalnetFixture(t *testing.T, extra ...string) *localnetFixture {
	bin := buildNodeBinary(t)
	dir := filepath.Join(t.TempDir(), "data")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	cmd, _ := startLocalnet(t, bin, dir, addr, 0, extra...)
	t.Cleanup(func() { cmd.Process.Signal(syscall.SIGTERM); cmd.Wait() })
	f := &localnetFixture{bin: bin, addr: addr, wallets: t.TempDir(), dataDir: dir, client: rpcclient.New(addr)}
	t.Setenv(wallet.EnvPath, f.wallets)
	t.Setenv(wallet.EnvName, "")
	t.Setenv(wallet.EnvHotkey, "")
	t.Setenv(wallet.PasswordEnv, "")
	return f
}

// devWallet writes wallet NAME with unencrypted keys from secret URIs: the
// coldkey and the hotkey "default".
func (f *localnetFixture) devWallet(t *testing.T, name, coldURI, hotURI string) {
	walletJSON(t, f.bin, "wallet", "regen-coldkey", "--wallet.name", name, "--uri", coldURI, "--no-use-password", "--no-prompt")
	walletJSON(t, f.bin, "wallet", "regen-hotkey", "--wallet.name", name, "--uri", hotURI, "--no-use-password", "--no-prompt")
}

// fail runs a command that must fail with exit status code and a message
// containing want.
func (f *localnetFixture) fail(t *testing.T, code int, want string, args ...string) {
	t.Helper()
	_, stderr, got := runTaorun(t, f.bin, nil, args...)
	if got != code || !strings.Contains(stderr, want) {
		t.Fatalf("taorun %s: exit %d, stderr %q; want exit %d mentioning %q", strings.Join(args, " "), got, stderr, code, want)
	}
}

// uriAddress is the SS58 address of a secret URI's key.
func uriAddress(t *testing.T, uri string) string {
	k, err := keys.FromURI(uri)
	if err != nil {
		t.Fatal(err)
	}
	return k.Public().SS58()
}

// TestWalletChainCLI drives `wallet balance`, `transfer` and `overview`
// through the real binary against a real localnet.
func TestWalletChainCLI(t *testing.T) {
	f := newLocalnetFixture(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	// Ferdie takes no part in the localnet's demonstration subnet, so only
	// this test moves his balance.
	f.devWallet(t, "ferdie", "//Ferdie", "//Ferdie//hotkey")
	ferdie := keys.Dev("Ferdie").Public().SS58()
	net := []string{"--network", "ws://" + f.addr}

	free, err := f.client.Balance(ctx, ferdie)
	if err != nil {
		t.Fatal(err)
	}
	bal := walletJSON(t, f.bin, append([]string{"wallet", "balance", "--wallet.name", "ferdie"}, net...)...)
	entry, _ := bal["balances"].(map[string]any)[ferdie].(map[string]any)
	if entry == nil || entry["free"] != formatTAO(free) || entry["staked"] != formatTAO(0) || entry["name"] != "ferdie" {
		t.Fatalf("balance: %v, want free %s", bal, formatTAO(free))
	}

	dest := uriAddress(t, "//Transfer-Dest")
	out := walletJSON(t, f.bin, append([]string{"wallet", "transfer", "--wallet.name", "ferdie", "--dest", dest,
		"--amount", "1.5", "-y", "--rpc.addr", f.addr}, net...)...)
	got, err := f.client.Balance(ctx, dest)
	if err != nil || got != 1_500_000_000 {
		t.Fatalf("recipient holds %d rao (%v), want 1.5 TAO", got, err)
	}
	after, err := f.client.Balance(ctx, ferdie)
	if err != nil {
		t.Fatal(err)
	}
	fee := uint64(out["fee_rao"].(float64))
	if fee == 0 || after != free-1_500_000_000-fee || out["balance"] != formatTAO(after) || out["amount"] != "1.500000000" {
		t.Fatalf("sender: %d → %d rao with fee %d; output %v", free, after, fee, out)
	}

	// Text output names the amount with 9 decimals and the recipient.
	stdout, stderr, code := runTaorun(t, f.bin, nil, append([]string{"wallet", "transfer", "--wallet.name", "ferdie", "--dest", dest,
		"--amount", "0.000000600", "--no-prompt"}, net...)...)
	if code != 0 || !strings.Contains(stdout, "Transferred 0.000000600 TAO to "+dest) {
		t.Fatalf("text transfer: exit %d\n%s\n%s", code, stdout, stderr)
	}

	// Refusals: bad amounts and networks before anything is sent, chain
	// errors with the chain's reason.
	base := []string{"wallet", "transfer", "--wallet.name", "ferdie", "--dest", dest, "-y"}
	f.fail(t, exitUsage, "10 decimals", append(append(base, "--amount", "0.0000000001"), net...)...)
	f.fail(t, exitUsage, "must be more than 0", append(append(base, "--amount", "0"), net...)...)
	f.fail(t, exitUsage, "--network \"finney\"", append(base, "--amount", "1", "--network", "finney")...)
	f.fail(t, exitUsage, "--dest", "wallet", "transfer", "--wallet.name", "ferdie", "--dest", "5Nope", "--amount", "1", "-y", net[0], net[1])
	f.fail(t, 1, "insufficient balance", append(append(base, "--amount", "5000"), net...)...)
	f.fail(t, 1, "below existential deposit", "wallet", "transfer", "--wallet.name", "ferdie", "--dest", uriAddress(t, "//Fresh"),
		"--amount", "0.000000001", "-y", net[0], net[1])
	f.fail(t, exitUsage, "input needed but --no-prompt", "wallet", "transfer", "--wallet.name", "ferdie", "--dest", dest, "-y", net[0], net[1])
	if n, _ := f.client.Nonce(ctx, ferdie); n != 4 {
		t.Fatalf("ferdie's nonce is %d: want 4 (two transfers and two failed ones that paid their fee)", n)
	}

	// A watch-only wallet can show balances but not sign.
	walletJSON(t, f.bin, "wallet", "regen-coldkeypub", "--wallet.name", "watch", "--ss58", ferdie, "--no-prompt")
	f.fail(t, exitUsage, "watch-only", append(append([]string{"wallet", "transfer", "--wallet.name", "watch", "--dest", dest, "-y"}, "--amount", "1"), net...)...)
	all := walletJSON(t, f.bin, append([]string{"wallet", "balance", "--all"}, net...)...)
	if n := len(all["balances"].(map[string]any)); n != 1 { // ferdie and watch share one coldkey
		t.Fatalf("balance --all: %v", all)
	}
}

func TestResolveEndpoint(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
		err  string
	}{
		{nil, "127.0.0.1:9944", ""},
		{[]string{"--network", "local"}, "127.0.0.1:9944", ""},
		{[]string{"--subtensor.network", "ws://10.0.0.2:9944"}, "ws://10.0.0.2:9944", ""},
		{[]string{"--network", "https://node.example:443"}, "https://node.example:443", ""},
		{[]string{"--network", "local", "--rpc.addr", "127.0.0.1:7"}, "127.0.0.1:7", ""},
		{[]string{"--network", "finney"}, "", "no public taorun network"},
		{[]string{"--network", "ws://"}, "", "want local or"},
	} {
		var got string
		var gotErr error
		app := &cli.App{Flags: networkFlags(), Action: func(c *cli.Context) error {
			got, gotErr = resolveEndpoint(c)
			return nil
		}}
		if err := app.Run(append([]string{"taorun"}, c.args...)); err != nil {
			t.Fatal(err)
		}
		if c.err != "" {
			if gotErr == nil || !strings.Contains(gotErr.Error(), c.err) {
				t.Errorf("%v: error %v, want %q", c.args, gotErr, c.err)
			}
			continue
		}
		if gotErr != nil || got != c.want {
			t.Errorf("%v: %q, %v; want %q", c.args, got, gotErr, c.want)
		}
	}
}
