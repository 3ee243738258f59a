package main

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/taorun/taorun/keys"
	"github.com/taorun/taorun/wallet"
)

// walletJSON runs a wallet command with --json-output and decodes its data.
func walletJSON(t *testing.T, bin string, args ...string) map[string]any {
	t.Helper()
	stdout, stderr, code := runTaorun(t, bin, nil, append(args, "--json-output")...)
	if code != 0 {
		t.Fatalf("taorun %s: exit %d\n%s", strings.Join(args, " "), code, stderr)
	}
	var out struct {
		Success bool           `json:"success"`
		Data    map[string]any `json:"data"`
	}
	if err := json.Unmarshal([]byte(stdout), &out); err != nil || !out.Success {
		t.Fatalf("taorun %s: bad JSON output %q: %v", strings.Join(args, " "), stdout, err)
	}
	return out.Data
}

// TestWalletCLI drives the real binary against a temporary BT_WALLET_PATH:
// the headless flows scripts and CI use.
func TestWalletCLI(t *testing.T) {
	bin := buildTaorun(t)
	root := t.TempDir()
	t.Setenv(wallet.EnvPath, root)
	t.Setenv(wallet.EnvName, "")
	t.Setenv(wallet.EnvHotkey, "")
	t.Setenv(wallet.PasswordEnv, "")
	const password = "cli-test-pass-42"

	// create: encrypted coldkey (real Argon2i cost, once) and a plain hotkey.
	t.Setenv(wallet.PasswordEnv, password)
	created := walletJSON(t, bin, "wallet", "create", "--wallet.name", "w1", "--wallet.hotkey", "h1", "--no-prompt")
	t.Setenv(wallet.PasswordEnv, "")
	coldSS58, _ := created["coldkey_ss58"].(string)
	hotSS58, _ := created["hotkey_ss58"].(string)
	coldMnemonic, _ := created["coldkey_mnemonic"].(string)
	hotMnemonic, _ := created["hotkey_mnemonic"].(string)
	if _, err := keys.ParseSS58(coldSS58); err != nil {
		t.Fatalf("coldkey_ss58: %v", err)
	}
	if len(strings.Fields(coldMnemonic)) != 12 || len(strings.Fields(hotMnemonic)) != 12 {
		t.Fatalf("mnemonics = %q, %q", coldMnemonic, hotMnemonic)
	}

	w1 := filepath.Join(root, "w1")
	for _, f := range []string{"coldkey", "coldkeypub.txt", "hotkeys/h1", "hotkeys/h1pub.txt"} {
		st, err := os.Stat(filepath.Join(w1, f))
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode() != 0o600 {
			t.Errorf("%s mode = %v, want 0600", f, st.Mode())
		}
	}
	if st, err := os.Stat(w1); err != nil || st.Mode() != fs.ModeDir|0o700 {
		t.Errorf("wallet dir mode = %v, %v", st.Mode(), err)
	}
	raw, _ := os.ReadFile(filepath.Join(w1, "coldkey"))
	if !strings.HasPrefix(string(raw), "$NACL") {
		t.Errorf("coldkey is not $NACL-encrypted: %.20q", raw)
	}
	raw, _ = os.ReadFile(filepath.Join(w1, "hotkeys", "h1"))
	if !strings.Contains(string(raw), `"ss58Address":"`+hotSS58+`"`) {
		t.Errorf("hotkey file is not plain JSON for %s: %s", hotSS58, raw)
	}

	// The encrypted coldkey opens with btwallet's BT_PW_ variable.
	w, err := wallet.Open(root, "w1")
	if err != nil {
		t.Fatal(err)
	}
	envVar := wallet.BTPasswordEnvVar(w.ColdkeyPath())
	t.Setenv(envVar, wallet.EncodeBTPassword(envVar, password))
	ck, err := w.Coldkey(nil)
	if err != nil {
		t.Fatal(err)
	}
	if ck.Public.SS58() != coldSS58 || ck.Mnemonic != coldMnemonic {
		t.Errorf("decrypted coldkey %s (%q), want %s", ck.Public.SS58(), ck.Mnemonic, coldSS58)
	}
	t.Setenv(envVar, "")

	// list shows it.
	stdout, stderr, code := runTaorun(t, bin, nil, "wallet", "list", "--json-output")
	if code != 0 {
		t.Fatalf("list: exit %d: %s", code, stderr)
	}
	var listed struct {
		Wallets []struct {
			Name    string `json:"name"`
			SS58    string `json:"ss58_address"`
			Hotkeys []struct {
				Name string `json:"name"`
				SS58 string `json:"ss58_address"`
			} `json:"hotkeys"`
		} `json:"wallets"`
	}
	if err := json.Unmarshal([]byte(stdout), &listed); err != nil {
		t.Fatalf("list output %q: %v", stdout, err)
	}
	if len(listed.Wallets) != 1 || listed.Wallets[0].Name != "w1" || listed.Wallets[0].SS58 != coldSS58 ||
		len(listed.Wallets[0].Hotkeys) != 1 || listed.Wallets[0].Hotkeys[0].SS58 != hotSS58 {
		t.Errorf("list = %s", stdout)
	}
	stdout, _, _ = runTaorun(t, bin, nil, "wallet", "list")
	if !strings.Contains(stdout, "w1") || !strings.Contains(stdout, coldSS58) || !strings.Contains(stdout, hotSS58) {
		t.Errorf("list tree = %s", stdout)
	}

	// Regenerating from the mnemonics gives the same addresses.
	regen := walletJSON(t, bin, "wallet", "regen-coldkey", "--wallet.name", "w2", "--mnemonic", coldMnemonic,
		"--no-use-password", "-y")
	if regen["coldkey_ss58"] != coldSS58 {
		t.Errorf("regen-coldkey gives %v, want %s", regen["coldkey_ss58"], coldSS58)
	}
	regen = walletJSON(t, bin, "wallet", "regen_hotkey", "--name", "w2", "-H", "h1", "--mnemonic", hotMnemonic, "-y")
	if regen["hotkey_ss58"] != hotSS58 {
		t.Errorf("regen-hotkey gives %v, want %s", regen["hotkey_ss58"], hotSS58)
	}
	t.Setenv(wallet.EnvName, "w2") // BT_WALLET_NAME picks the wallet
	regen = walletJSON(t, bin, "wallet", "regen-hotkey", "--wallet.hotkey", "alice", "--uri", "Alice", "-y")
	if regen["hotkey_ss58"] != keys.Dev("Alice").Public().SS58() || regen["name"] != "w2" {
		t.Errorf("regen-hotkey --uri Alice = %v", regen)
	}
	t.Setenv(wallet.EnvName, "")

	// Refusals exit 2 with a message that says what to do.
	refusals := []struct {
		args []string
		want string
	}{
		{[]string{"wallet", "regen-hotkey", "--name", "w2", "-H", "h1", "--mnemonic", hotMnemonic, "-y"}, "--overwrite"},
		{[]string{"wallet", "new-coldkey", "--name", "w3", "-y"}, wallet.PasswordEnv},
		{[]string{"wallet", "new-hotkey", "--name", "w3", "--n-words", "13", "-y"}, "--n-words"},
		{[]string{"wallet", "regen-coldkey", "--name", "w3", "--mnemonic", "not a mnemonic", "-y"}, "--mnemonic"},
		{[]string{"wallet", "regen-coldkey", "--name", "w3", "--seed", "0x12", "--uri", "Bob", "-y"}, "only one"},
		{[]string{"wallet", "regen-coldkey", "--name", "w3", "-y"}, "--no-prompt"},
		{[]string{"wallet", "new-hotkey", "--name", "../x", "-y"}, "not a plain file name"},
	}
	for _, r := range refusals {
		_, stderr, code := runTaorun(t, bin, nil, r.args...)
		if code != exitUsage || !strings.Contains(stderr, r.want) {
			t.Errorf("taorun %s: exit %d, stderr %q; want exit %d mentioning %q",
				strings.Join(r.args, " "), code, stderr, exitUsage, r.want)
		}
	}
	if _, err := os.Stat(filepath.Join(root, "w3", "coldkey")); err == nil {
		t.Error("a refused command wrote a coldkey")
	}
	// --overwrite replaces.
	regen = walletJSON(t, bin, "wallet", "regen-hotkey", "--name", "w2", "-H", "h1", "--uri", "//Bob", "--overwrite", "-y")
	if regen["hotkey_ss58"] != keys.Dev("Bob").Public().SS58() {
		t.Errorf("overwrite: %v", regen)
	}
}
