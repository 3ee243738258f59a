package wallet

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/taorun/taorun/keys"
)

func newWallet(t *testing.T, name string) *Wallet {
	t.Helper()
	w, err := Open(t.TempDir(), name)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func fixedPrompt(pw string) PasswordPrompt {
	return func(string) (string, error) { return pw, nil }
}

func TestWalletRoundTrip(t *testing.T) {
	w := newWallet(t, "mywallet")
	cold, err := KeyFromMnemonic(keys.DevPhrase)
	if err != nil {
		t.Fatal(err)
	}
	hot, err := KeyFromURI("//Bob")
	if err != nil {
		t.Fatal(err)
	}
	if err := w.SetColdkey(cold, "s3cret-pass", false); err != nil {
		t.Fatal(err)
	}
	if err := w.SetHotkey("miner1", hot, "", false); err != nil {
		t.Fatal(err)
	}

	if enc, err := w.IsColdkeyEncrypted(); err != nil || !enc {
		t.Errorf("coldkey encrypted = %v, %v", enc, err)
	}
	if pub, err := w.ColdkeyPub(); err != nil || pub != cold.Public {
		t.Errorf("ColdkeyPub = %s, %v", pub.SS58(), err)
	}
	got, err := w.Coldkey(fixedPrompt("s3cret-pass"))
	if err != nil {
		t.Fatal(err)
	}
	if got.Public != cold.Public || got.Mnemonic != keys.DevPhrase || got.Pair.SecretBytes() != cold.Pair.SecretBytes() {
		t.Error("coldkey read back differs")
	}
	if _, err := w.Coldkey(fixedPrompt("nope")); err == nil || !strings.Contains(err.Error(), "wrong password") || !strings.Contains(err.Error(), w.ColdkeyPath()) {
		t.Errorf("wrong password error = %v", err)
	}
	_, err = w.Coldkey(nil)
	if !errors.Is(err, ErrNoPassword) || !strings.Contains(err.Error(), BTPasswordEnvVar(w.ColdkeyPath())) {
		t.Errorf("headless without password: %v", err)
	}

	h, err := w.Hotkey("miner1", nil) // unencrypted: no password needed
	if err != nil || h.Public != hot.Public || h.Pair == nil {
		t.Errorf("Hotkey = %v, %v", h, err)
	}
	if pub, err := w.HotkeyPub("miner1"); err != nil || pub != hot.Public {
		t.Errorf("HotkeyPub = %s, %v", pub.SS58(), err)
	}
	names, err := w.Hotkeys()
	if err != nil || len(names) != 1 || names[0] != "miner1" {
		t.Errorf("Hotkeys = %v, %v", names, err)
	}
	if _, err := w.Hotkey("missing", nil); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("missing hotkey: %v", err)
	}
}

func TestFileModes(t *testing.T) {
	w := newWallet(t, "w")
	k, _ := KeyFromURI("//Alice")
	if err := w.SetColdkey(k, "s3cret-pass", false); err != nil {
		t.Fatal(err)
	}
	if err := w.SetHotkey("default", k, "", false); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{w.ColdkeyPath(), w.ColdkeyPubPath(), w.HotkeyPath("default"), w.HotkeyPubPath("default")} {
		assertMode(t, p, 0o600)
	}
	for _, d := range []string{w.Dir(), filepath.Dir(w.HotkeyPath("default"))} {
		assertMode(t, d, fs.ModeDir|0o700)
	}
	entries, _ := os.ReadDir(w.Dir())
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
}

func assertMode(t *testing.T, path string, want fs.FileMode) {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode() != want {
		t.Errorf("%s mode = %v, want %v", path, st.Mode(), want)
	}
}

func TestOverwrite(t *testing.T) {
	w := newWallet(t, "w")
	a, _ := KeyFromURI("//Alice")
	b, _ := KeyFromURI("//Bob")
	if err := w.SetHotkey("h", a, "", false); err != nil {
		t.Fatal(err)
	}
	err := w.SetHotkey("h", b, "", false)
	if !errors.Is(err, ErrExists) || !strings.Contains(err.Error(), w.HotkeyPath("h")) {
		t.Errorf("second write without overwrite: %v", err)
	}
	if pub, _ := w.HotkeyPub("h"); pub != a.Public {
		t.Error("refused write changed the hotkey")
	}
	if err := w.SetHotkey("h", b, "", true); err != nil {
		t.Fatal(err)
	}
	if pub, _ := w.HotkeyPub("h"); pub != b.Public {
		t.Error("overwrite did not replace the hotkey")
	}
	// A coldkeypub.txt alone (watch-only) still blocks a new coldkey.
	if err := w.SetColdkeyPub(a.Public, false); err != nil {
		t.Fatal(err)
	}
	if err := w.SetColdkey(b, "", false); !errors.Is(err, ErrExists) {
		t.Errorf("coldkey over existing coldkeypub: %v", err)
	}
	if _, err := os.Stat(w.ColdkeyPath()); !errors.Is(err, fs.ErrNotExist) {
		t.Error("refused SetColdkey wrote the coldkey anyway")
	}
}

func TestEnvPasswords(t *testing.T) {
	w := newWallet(t, "envwallet")
	k, _ := KeyFromURI("//Charlie")
	if err := w.SetHotkey("enc", k, "hotkey-pass", false); err != nil {
		t.Fatal(err)
	}
	path := w.HotkeyPath("enc")
	name := BTPasswordEnvVar(path)

	t.Setenv(name, EncodeBTPassword(name, "hotkey-pass"))
	if got, err := w.Hotkey("enc", nil); err != nil || got.Public != k.Public {
		t.Errorf("BT_PW_ unlock: %v", err)
	}
	// btwallet's value is not the plain password; say so.
	t.Setenv(name, "hotkey-pass")
	if _, err := w.Hotkey("enc", nil); err == nil || !strings.Contains(err.Error(), "not the plain password") {
		t.Errorf("plain value in BT_PW_: %v", err)
	}
	os.Unsetenv(name)

	t.Setenv(PasswordEnv, "hotkey-pass")
	if got, err := w.Hotkey("enc", nil); err != nil || got.Public != k.Public {
		t.Errorf("%s unlock: %v", PasswordEnv, err)
	}
	// The env var wins over the prompt, so scripts never block.
	if _, err := w.Hotkey("enc", func(string) (string, error) { t.Error("prompted"); return "", nil }); err != nil {
		t.Error(err)
	}
}

func TestBTPasswordEnvVar(t *testing.T) {
	if got := BTPasswordEnvVar("/home/ubuntu/.bittensor/wallets/mywallet/coldkey"); got != "BT_PW__HOME_UBUNTU__BITTENSOR_WALLETS_MYWALLET_COLDKEY" {
		t.Errorf("BTPasswordEnvVar = %s", got)
	}
	// 'a'^'A' = 'b'^'B' = 0x20; base64 of two 0x20 bytes is "ICA=".
	if got := EncodeBTPassword("AB", "ab"); got != "ICA=" {
		t.Errorf("EncodeBTPassword = %s, want ICA=", got)
	}
	// The name repeats when the password is longer than it.
	name := "BT_PW_X"
	pw := "a much longer password than the variable name"
	if got, err := DecodeBTPassword(name, EncodeBTPassword(name, pw)); err != nil || got != pw {
		t.Errorf("round trip = %q, %v", got, err)
	}
	if _, err := DecodeBTPassword(name, "!!!"); err == nil || !strings.Contains(err.Error(), "base64") {
		t.Errorf("bad base64: %v", err)
	}
}

func TestPasswordPolicy(t *testing.T) {
	cases := []struct {
		pw, want string // want "" means accepted
	}{
		{"", "0 characters"},
		{"abc12", "5 characters"},
		{"123456", "too weak"},
		{"password", "too weak"},
		{"aaaaaaa", "too weak"},
		{"654321", "too weak"},
		{"hunter2", ""},
		{"correct horse battery staple", ""},
		{"Tr0ub4dor&3", ""},
	}
	for _, c := range cases {
		err := CheckPassword(c.pw)
		if c.want == "" && err != nil {
			t.Errorf("CheckPassword(%q) = %v, want ok", c.pw, err)
		}
		if c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
			t.Errorf("CheckPassword(%q) = %v, want %q", c.pw, err, c.want)
		}
	}
	if PasswordScore("correct horse battery staple") <= PasswordScore("hunter2") {
		t.Error("longer passphrase should score higher")
	}
}

func TestNames(t *testing.T) {
	for _, bad := range []string{"", ".", "..", "a/b", `a\b`} {
		if _, err := Open(t.TempDir(), bad); err == nil {
			t.Errorf("Open(%q) succeeded", bad)
		}
	}
	w := newWallet(t, "w")
	k, _ := KeyFromURI("//Alice")
	for _, bad := range []string{"../escape", "xpub.txt"} {
		if err := w.SetHotkey(bad, k, "", false); err == nil {
			t.Errorf("SetHotkey(%q) succeeded", bad)
		}
	}
}

func TestDefaults(t *testing.T) {
	t.Setenv(EnvPath, "~/custom/wallets")
	home, _ := os.UserHomeDir()
	if got := DefaultRoot(); got != filepath.Join(home, "custom", "wallets") {
		t.Errorf("DefaultRoot = %s", got)
	}
	t.Setenv(EnvPath, "")
	if got := DefaultRoot(); got != filepath.Join(home, ".bittensor", "wallets") {
		t.Errorf("DefaultRoot = %s", got)
	}
	if DefaultWalletName() != "default" || DefaultHotkeyName() != "default" {
		t.Error("defaults are not \"default\"")
	}
	t.Setenv(EnvName, "w1")
	t.Setenv(EnvHotkey, "h1")
	if DefaultWalletName() != "w1" || DefaultHotkeyName() != "h1" {
		t.Error("BT_WALLET_NAME/BT_WALLET_HOTKEY ignored")
	}
}

func TestList(t *testing.T) {
	root := t.TempDir()
	a, _ := Open(root, "alpha")
	b, _ := Open(root, "beta")
	alice, _ := KeyFromURI("//Alice")
	bob, _ := KeyFromURI("//Bob")
	if err := a.SetColdkey(alice, "", false); err != nil {
		t.Fatal(err)
	}
	for _, h := range []string{"h2", "h1"} {
		if err := a.SetHotkey(h, bob, "", false); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.SetColdkeyPub(bob.Public, false); err != nil {
		t.Fatal(err)
	}
	os.Mkdir(filepath.Join(root, "not-a-wallet"), 0o700)
	os.WriteFile(filepath.Join(root, "stray-file"), nil, 0o600)

	list, err := List(root)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Name != "alpha" || list[1].Name != "beta" {
		t.Fatalf("List = %+v", list)
	}
	if list[0].Coldkey == nil || *list[0].Coldkey != alice.Public {
		t.Error("alpha coldkey wrong")
	}
	if len(list[0].Hotkeys) != 2 || list[0].Hotkeys[0].Name != "h1" || *list[0].Hotkeys[1].Public != bob.Public {
		t.Errorf("alpha hotkeys = %+v", list[0].Hotkeys)
	}
	if list[1].Coldkey == nil || *list[1].Coldkey != bob.Public || len(list[1].Hotkeys) != 0 {
		t.Errorf("beta = %+v", list[1])
	}
	if l, err := List(filepath.Join(root, "missing")); err != nil || len(l) != 0 {
		t.Errorf("missing root = %v, %v", l, err)
	}
}

// TestExpandHome checks that "~" and a leading "~/" become the home
// directory and that nothing else changes (a bare "~" used to become
// HOME/~).
func TestExpandHome(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	for in, want := range map[string]string{
		"~":              home,
		"~/":             home,
		"~/.bittensor/w": filepath.Join(home, ".bittensor", "w"),
		"~x/y":           "~x/y",
		"/abs/~/p":       "/abs/~/p",
		"rel":            "rel",
	} {
		if got := ExpandHome(in); got != want {
			t.Errorf("ExpandHome(%q) = %q, want %q", in, got, want)
		}
	}
}
