// Package wallet reads and writes Bittensor wallets exactly as btwallet
// (bittensor-wallet 4.x, used by btcli) keeps them, so existing wallets work
// with taorun and wallets made by taorun work with btcli:
//
//	ROOT/NAME/coldkey               $NACL-encrypted (or plain) JSON keyfile
//	ROOT/NAME/coldkeypub.txt        plain JSON, public fields only
//	ROOT/NAME/hotkeys/HOTKEY        JSON keyfile, usually unencrypted
//	ROOT/NAME/hotkeys/HOTKEYpub.txt plain JSON, public fields only
//
// ROOT defaults to ~/.bittensor/wallets (BT_WALLET_PATH overrides), NAME to
// "default" (BT_WALLET_NAME), HOTKEY to "default" (BT_WALLET_HOTKEY).
//
// Invariants:
//   - Files are written 0600 and directories 0700, atomically (a temporary
//     file renamed into place), and never replaced unless overwrite is asked.
//   - Encryption is always $NACL: "$NACL" || 24-byte nonce || XSalsa20-Poly1305
//     secretbox of the JSON, keyed by Argon2i v1.3 (8 passes, 512 MiB, one
//     lane) of the password over btwallet's fixed salt.
//   - A keyfile that is read back has all its public fields consistent with
//     its secret, or reading fails with an error naming the file.
//   - Headless passwords come from BT_PW_<PATH> (btwallet's obfuscated form)
//     or TAORUN_WALLET_PASSWORD (plain), in that order, before any prompt.
package wallet

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/taorun/taorun/keys"
)

// Environment variables btwallet and btcli honour.
const (
	EnvPath   = "BT_WALLET_PATH"
	EnvName   = "BT_WALLET_NAME"
	EnvHotkey = "BT_WALLET_HOTKEY"
)

// DefaultName is the wallet and hotkey name used when none is given.
const DefaultName = "default"

// ErrExists is returned (wrapped, with the path) when a keyfile would be
// replaced without overwrite.
var ErrExists = errors.New("keyfile already exists")

// ErrNoPassword is returned (wrapped) when a keyfile is encrypted and neither
// an environment variable nor a prompt supplies the password.
var ErrNoPassword = errors.New("password required")

// DefaultRoot returns BT_WALLET_PATH, or ~/.bittensor/wallets.
func DefaultRoot() string {
	if p := os.Getenv(EnvPath); p != "" {
		return ExpandHome(p)
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return filepath.Join(".bittensor", "wallets")
	}
	return filepath.Join(home, ".bittensor", "wallets")
}

// DefaultWalletName returns BT_WALLET_NAME, or "default".
func DefaultWalletName() string { return envOr(EnvName, DefaultName) }

// DefaultHotkeyName returns BT_WALLET_HOTKEY, or "default".
func DefaultHotkeyName() string { return envOr(EnvHotkey, DefaultName) }

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// ExpandHome replaces a leading "~/", or a whole "~", with the home
// directory, as btwallet does with wallet paths.
func ExpandHome(p string) string {
	rest, ok := strings.CutPrefix(p, "~/")
	if p == "~" {
		rest, ok = "", true
	}
	if ok {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, rest)
		}
	}
	return p
}

// PasswordPrompt asks the user for the password of the keyfile at path.
type PasswordPrompt func(path string) (string, error)

// Wallet is one wallet directory: a coldkey and its hotkeys.
type Wallet struct {
	root, name string
	// Status, if set, receives progress lines such as "Decrypting…", which
	// matter because unlocking takes seconds and 512 MiB.
	Status io.Writer
}

// Open returns the wallet NAME under root (a "~/" prefix is expanded). It
// does not touch the disk; a wallet that does not exist yet can be created.
func Open(root, name string) (*Wallet, error) {
	if err := checkName("wallet", name); err != nil {
		return nil, err
	}
	if root == "" {
		return nil, errors.New("wallet path is empty")
	}
	return &Wallet{root: filepath.Clean(ExpandHome(root)), name: name}, nil
}

// checkName rejects names that would escape the wallet directory.
func checkName(kind, name string) error {
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, `/\`) || strings.ContainsRune(name, 0) {
		return fmt.Errorf("%s name %q is not a plain file name", kind, name)
	}
	return nil
}

// Name returns the wallet's name (also its coldkey's name).
func (w *Wallet) Name() string { return w.name }

// Dir returns the wallet's directory.
func (w *Wallet) Dir() string { return filepath.Join(w.root, w.name) }

// ColdkeyPath returns the path of the coldkey file.
func (w *Wallet) ColdkeyPath() string { return filepath.Join(w.Dir(), "coldkey") }

// ColdkeyPubPath returns the path of coldkeypub.txt.
func (w *Wallet) ColdkeyPubPath() string { return filepath.Join(w.Dir(), "coldkeypub.txt") }

// HotkeyPath returns the path of the hotkey file; the name is not checked.
func (w *Wallet) HotkeyPath(hotkey string) string {
	return filepath.Join(w.Dir(), "hotkeys", hotkey)
}

// HotkeyPubPath returns the path of the hotkey's public file.
func (w *Wallet) HotkeyPubPath(hotkey string) string {
	return filepath.Join(w.Dir(), "hotkeys", hotkey+"pub.txt")
}

// Coldkey unlocks the coldkey. For an encrypted file the password comes from
// BT_PW_<path> or TAORUN_WALLET_PASSWORD, else from prompt (which may be nil
// for headless use, giving ErrNoPassword).
func (w *Wallet) Coldkey(prompt PasswordPrompt) (*Key, error) {
	return w.readKey(w.ColdkeyPath(), prompt)
}

// ColdkeyPub returns the coldkey's public key from coldkeypub.txt, which is
// never encrypted, so no password is needed.
func (w *Wallet) ColdkeyPub() (keys.PublicKey, error) {
	k, err := w.readKey(w.ColdkeyPubPath(), nil)
	if err != nil {
		return keys.PublicKey{}, err
	}
	return k.Public, nil
}

// Hotkey unlocks the named hotkey; passwords as for Coldkey.
func (w *Wallet) Hotkey(hotkey string, prompt PasswordPrompt) (*Key, error) {
	if err := checkName("hotkey", hotkey); err != nil {
		return nil, err
	}
	return w.readKey(w.HotkeyPath(hotkey), prompt)
}

// HotkeyPub returns the hotkey's public key: from HOTKEYpub.txt when present
// (older wallets lack it), else from the hotkey file if it is unencrypted.
func (w *Wallet) HotkeyPub(hotkey string) (keys.PublicKey, error) {
	if err := checkName("hotkey", hotkey); err != nil {
		return keys.PublicKey{}, err
	}
	path := w.HotkeyPubPath(hotkey)
	if _, err := os.Stat(path); err != nil {
		path = w.HotkeyPath(hotkey)
	}
	k, err := w.readKey(path, nil)
	if err != nil {
		return keys.PublicKey{}, err
	}
	return k.Public, nil
}

// readKey reads, decrypts if needed, and parses one keyfile. Every error
// names the file.
func (w *Wallet) readKey(path string, prompt PasswordPrompt) (*Key, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("keyfile %s does not exist", path)
		}
		return nil, fmt.Errorf("keyfile %s: %w", path, err)
	}
	if isEncrypted(data) {
		pw, ok, err := EnvPassword(path)
		if err != nil {
			return nil, fmt.Errorf("keyfile %s: %w", path, err)
		}
		if !ok {
			if prompt == nil {
				return nil, fmt.Errorf("keyfile %s is encrypted: %w (set %s or %s)", path, ErrNoPassword, BTPasswordEnvVar(path), PasswordEnv)
			}
			if pw, err = prompt(path); err != nil {
				return nil, fmt.Errorf("keyfile %s: reading password: %w", path, err)
			}
		}
		w.status("Decrypting…")
		if data, err = decryptNaCl(data, pw); err != nil {
			return nil, fmt.Errorf("keyfile %s: %w", path, err)
		}
	}
	k, err := decodeKeyfile(data)
	if err != nil {
		return nil, fmt.Errorf("keyfile %s: %w", path, err)
	}
	return k, nil
}

func (w *Wallet) status(msg string) {
	if w.Status != nil {
		fmt.Fprintln(w.Status, msg)
	}
}

// SetColdkey writes the coldkey, encrypted with password unless password is
// "" (btcli's --no-use-password), and its coldkeypub.txt.
func (w *Wallet) SetColdkey(k *Key, password string, overwrite bool) error {
	if k.Pair == nil {
		return errors.New("coldkey has no secret key; use SetColdkeyPub for a watch-only wallet")
	}
	if err := w.checkWritable(overwrite, w.ColdkeyPath(), w.ColdkeyPubPath()); err != nil {
		return err
	}
	if err := w.writeKey(w.ColdkeyPath(), k, password); err != nil {
		return err
	}
	return w.writeKey(w.ColdkeyPubPath(), k.PublicOnly(), "")
}

// SetColdkeyPub writes only coldkeypub.txt (a watch-only wallet, as btcli's
// regen-coldkeypub makes).
func (w *Wallet) SetColdkeyPub(pub keys.PublicKey, overwrite bool) error {
	if err := w.checkWritable(overwrite, w.ColdkeyPubPath()); err != nil {
		return err
	}
	return w.writeKey(w.ColdkeyPubPath(), &Key{Public: pub}, "")
}

// SetHotkey writes the hotkey, unencrypted when password is "" (the usual
// case, so miners and validators start unattended), and its pub file.
func (w *Wallet) SetHotkey(hotkey string, k *Key, password string, overwrite bool) error {
	if err := checkName("hotkey", hotkey); err != nil {
		return err
	}
	if strings.HasSuffix(hotkey, "pub.txt") {
		return fmt.Errorf("hotkey name %q would clash with public key files", hotkey)
	}
	if k.Pair == nil {
		return errors.New("hotkey has no secret key")
	}
	if err := w.checkWritable(overwrite, w.HotkeyPath(hotkey), w.HotkeyPubPath(hotkey)); err != nil {
		return err
	}
	if err := w.writeKey(w.HotkeyPath(hotkey), k, password); err != nil {
		return err
	}
	return w.writeKey(w.HotkeyPubPath(hotkey), k.PublicOnly(), "")
}

// checkWritable fails, before anything is written, if a target exists and
// overwrite is false, so a refused write leaves no half-updated wallet.
func (w *Wallet) checkWritable(overwrite bool, paths ...string) error {
	if overwrite {
		return nil
	}
	for _, p := range paths {
		if _, err := os.Lstat(p); err == nil {
			return fmt.Errorf("keyfile %s: %w (pass --overwrite to replace it)", p, ErrExists)
		}
	}
	return nil
}

// writeKey serialises, optionally encrypts, and atomically writes a keyfile.
func (w *Wallet) writeKey(path string, k *Key, password string) error {
	data := encodeKeyfile(k)
	if password != "" {
		w.status("Encrypting…")
		var err error
		if data, err = encryptNaCl(data, password); err != nil {
			return fmt.Errorf("keyfile %s: %w", path, err)
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("keyfile %s: creating directory: %w", path, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("keyfile %s: %w", path, err)
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	// CreateTemp makes the file 0600 already; Chmod states it explicitly.
	err = tmp.Chmod(0o600)
	if err == nil {
		_, err = tmp.Write(data)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("keyfile %s: writing: %w", path, err)
	}
	return nil
}

// IsColdkeyEncrypted reports whether the coldkey file is encrypted.
func (w *Wallet) IsColdkeyEncrypted() (bool, error) {
	data, err := os.ReadFile(w.ColdkeyPath())
	if err != nil {
		return false, fmt.Errorf("keyfile %s: %w", w.ColdkeyPath(), err)
	}
	return isEncrypted(data), nil
}

// Hotkeys returns the names of the wallet's hotkeys, sorted.
func (w *Wallet) Hotkeys() ([]string, error) {
	entries, err := os.ReadDir(filepath.Join(w.Dir(), "hotkeys"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("wallet %s: listing hotkeys: %w", w.name, err)
	}
	var names []string
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() || strings.HasPrefix(n, ".") || strings.HasSuffix(n, "pub.txt") {
			continue
		}
		names = append(names, n)
	}
	sort.Strings(names)
	return names, nil
}

// Info summarises one wallet for listing; unreadable parts carry an error
// instead of failing the whole listing.
type Info struct {
	Name       string
	Coldkey    *keys.PublicKey // nil when coldkeypub.txt is missing or unreadable
	ColdkeyErr error
	Hotkeys    []HotkeyInfo
}

// HotkeyInfo summarises one hotkey.
type HotkeyInfo struct {
	Name   string
	Public *keys.PublicKey
	Err    error
}

// List returns every wallet under root, sorted by name. A directory counts
// as a wallet if it has a coldkey, a coldkeypub.txt or a hotkeys directory.
// A missing root gives an empty list.
func List(root string) ([]Info, error) {
	root = ExpandHome(root)
	entries, err := os.ReadDir(root)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("wallet path %s: %w", root, err)
	}
	var out []Info
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		w, err := Open(root, e.Name())
		if err != nil || !w.looksLikeWallet() {
			continue
		}
		info := Info{Name: w.name}
		if pub, err := w.ColdkeyPub(); err == nil {
			info.Coldkey = &pub
		} else {
			info.ColdkeyErr = err
		}
		hks, err := w.Hotkeys()
		if err != nil {
			info.Hotkeys = []HotkeyInfo{{Err: err}}
		}
		for _, h := range hks {
			hi := HotkeyInfo{Name: h}
			if pub, err := w.HotkeyPub(h); err == nil {
				hi.Public = &pub
			} else {
				hi.Err = err
			}
			info.Hotkeys = append(info.Hotkeys, hi)
		}
		out = append(out, info)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func (w *Wallet) looksLikeWallet() bool {
	for _, p := range []string{w.ColdkeyPath(), w.ColdkeyPubPath(), filepath.Join(w.Dir(), "hotkeys")} {
		if _, err := os.Stat(p); err == nil {
			return true
		}
	}
	return false
}
