package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"github.com/taorun/taorun/keys"
	"github.com/taorun/taorun/wallet"
)

// walletSubcommands builds the subcommands of `taorun wallet`. Commands that
// need the node (balance, transfer, overview) live in other files and append
// their constructors from an init function; they can reuse walletFlags,
// openWallet and unlockPrompt.
var walletSubcommands = []func() *cli.Command{
	walletCreateCommand, walletNewColdkeyCommand, walletNewHotkeyCommand,
	walletRegenColdkeyCommand, walletRegenColdkeypubCommand, walletRegenHotkeyCommand,
	walletListCommand,
}

// walletCommand is `taorun wallet`: Bittensor-compatible wallets, with
// btcli's command names and flag spellings.
func walletCommand() *cli.Command {
	cmd := &cli.Command{
		Name:    "wallet",
		Aliases: []string{"w", "wallets"},
		Usage:   "create, restore and list Bittensor-compatible wallets (~/.bittensor/wallets)",
		Description: `Wallets are the files btcli keeps: WALLET/coldkey ($NACL-encrypted),
WALLET/coldkeypub.txt, WALLET/hotkeys/HOTKEY and HOTKEYpub.txt, mode 0600.
Environment: BT_WALLET_PATH, BT_WALLET_NAME, BT_WALLET_HOTKEY choose the wallet;
for scripts, TAORUN_WALLET_PASSWORD (plain) or btwallet's BT_PW_<PATH> (base64 of
the password XOR the variable name) supply the password without a prompt.`,
	}
	for _, sub := range walletSubcommands {
		c := sub()
		// btcli accepts snake_case twins of every multi-word command.
		if strings.Contains(c.Name, "-") {
			c.Aliases = append(c.Aliases, strings.ReplaceAll(c.Name, "-", "_"))
		}
		cmd.Subcommands = append(cmd.Subcommands, c)
	}
	return cmd
}

// Flag names shared by the wallet commands, with btcli's aliases.
var (
	flagWalletName = &cli.StringFlag{Name: "wallet.name", Aliases: []string{"wallet-name", "wallet_name", "name"},
		Usage: "wallet `NAME` (default $BT_WALLET_NAME or \"default\")"}
	flagWalletHotkey = &cli.StringFlag{Name: "wallet.hotkey", Aliases: []string{"hotkey", "H", "wallet-hotkey", "wallet_hotkey"},
		Usage: "hotkey `NAME` (default $BT_WALLET_HOTKEY or \"default\")"}
	flagWalletPath = &cli.StringFlag{Name: "wallet.path", Aliases: []string{"wallet-path", "wallet_path", "p"},
		Usage: "wallets `DIR` (default $BT_WALLET_PATH or ~/.bittensor/wallets)"}
	flagNoPrompt   = &cli.BoolFlag{Name: "no-prompt", Aliases: []string{"y", "yes"}, Usage: "never ask; fail instead"}
	flagJSONOutput = &cli.BoolFlag{Name: "json-output", Aliases: []string{"json-out"}, Usage: "print one JSON object"}
	flagOverwrite  = &cli.BoolFlag{Name: "overwrite", Usage: "replace existing keyfiles without asking"}
	flagNWords     = &cli.IntFlag{Name: "n-words", Aliases: []string{"n_words"}, Value: 12, Usage: "mnemonic length: 12, 15, 18, 21 or 24"}
	flagMnemonic   = &cli.StringFlag{Name: "mnemonic", Usage: "restore from this BIP-39 `PHRASE`"}
	flagSeed       = &cli.StringFlag{Name: "seed", Usage: "restore from this 0x-hex `SEED` (32-byte mini-secret)"}
	flagURI        = &cli.StringFlag{Name: "uri", Usage: "restore from a secret `URI`, e.g. Alice or //Alice (dev keys)"}
	flagUsePw      = &cli.BoolFlag{Name: "use-password", Usage: "encrypt the key with a password"}
	flagNoPw       = &cli.BoolFlag{Name: "no-use-password", Aliases: []string{"no-password"}, Usage: "store the key unencrypted"}
)

// walletFlags are the flags every wallet command accepts.
func walletFlags(extra ...cli.Flag) []cli.Flag {
	return append([]cli.Flag{flagWalletName, flagWalletPath, flagWalletHotkey, flagNoPrompt, flagJSONOutput}, extra...)
}

// walletCtx is what one wallet command run needs.
type walletCtx struct {
	c        *cli.Context
	w        *wallet.Wallet
	hotkey   string
	noPrompt bool
	json     bool
	stdin    *bufio.Reader
}

// openWallet resolves the wallet flags (flags, then BT_WALLET_* variables,
// then defaults) and opens the wallet.
func openWallet(c *cli.Context) (*walletCtx, error) {
	root := c.String(flagWalletPath.Name)
	if root == "" {
		root = wallet.DefaultRoot()
	}
	name := c.String(flagWalletName.Name)
	if name == "" {
		name = wallet.DefaultWalletName()
	}
	hotkey := c.String(flagWalletHotkey.Name)
	if hotkey == "" {
		hotkey = wallet.DefaultHotkeyName()
	}
	w, err := wallet.Open(root, name)
	if err != nil {
		return nil, cli.Exit(err.Error(), exitUsage)
	}
	wc := &walletCtx{c: c, w: w, hotkey: hotkey, noPrompt: c.Bool(flagNoPrompt.Name), json: c.Bool(flagJSONOutput.Name),
		stdin: bufio.NewReader(os.Stdin)}
	w.Status = c.App.ErrWriter
	if w.Status == nil {
		w.Status = os.Stderr
	}
	return wc, nil
}

// errOut is where prompts and notices go, keeping stdout for results.
func (wc *walletCtx) errOut() io.Writer { return wc.w.Status }

// readLine prompts on stderr and reads one line, without echo when secret
// and stdin is a terminal.
func (wc *walletCtx) readLine(prompt string, secret bool) (string, error) {
	if wc.noPrompt {
		return "", cli.Exit("input needed but --no-prompt was given: "+strings.TrimSpace(prompt), exitUsage)
	}
	fmt.Fprint(wc.errOut(), prompt)
	if secret && term.IsTerminal(int(os.Stdin.Fd())) {
		b, err := term.ReadPassword(int(os.Stdin.Fd()))
		fmt.Fprintln(wc.errOut())
		return string(b), err
	}
	line, err := wc.stdin.ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		return "", fmt.Errorf("reading input: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// unlockPrompt is the password prompt for unlocking keyfiles; environment
// variables are consulted first by the wallet package itself.
func (wc *walletCtx) unlockPrompt() wallet.PasswordPrompt {
	if wc.noPrompt {
		return nil
	}
	return func(path string) (string, error) {
		return wc.readLine(fmt.Sprintf("Enter password to unlock %s: ", path), true)
	}
}

// newPassword returns the password to encrypt a new keyfile at path with:
// from the environment when set, else typed twice and checked against the
// policy.
func (wc *walletCtx) newPassword(path string) (string, error) {
	pw, ok, err := wallet.EnvPassword(path)
	if err != nil {
		return "", cli.Exit(err.Error(), exitUsage)
	}
	if ok {
		if err := wallet.CheckPassword(pw); err != nil {
			return "", cli.Exit(fmt.Sprintf("password from the environment for %s: %v", path, err), exitUsage)
		}
		return pw, nil
	}
	if wc.noPrompt {
		return "", cli.Exit(fmt.Sprintf("a password is needed to encrypt %s: set %s (or %s), or pass --no-use-password",
			path, wallet.PasswordEnv, wallet.BTPasswordEnvVar(path)), exitUsage)
	}
	for range 3 {
		pw, err := wc.readLine("Enter your password: ", true)
		if err != nil {
			return "", err
		}
		if err := wallet.CheckPassword(pw); err != nil {
			fmt.Fprintln(wc.errOut(), err)
			continue
		}
		again, err := wc.readLine("Retype your password: ", true)
		if err != nil {
			return "", err
		}
		if again != pw {
			fmt.Fprintln(wc.errOut(), "Passwords do not match.")
			continue
		}
		return pw, nil
	}
	return "", cli.Exit("no acceptable password after 3 attempts", exitUsage)
}

// usePassword decides whether a new key is encrypted: coldkeys by default,
// hotkeys only on request, as btcli does.
func (wc *walletCtx) usePassword(defaultOn bool) (bool, error) {
	use, no := wc.c.Bool(flagUsePw.Name), wc.c.Bool(flagNoPw.Name)
	if use && no {
		return false, cli.Exit("--use-password and --no-use-password contradict each other", exitUsage)
	}
	return (defaultOn || use) && !no, nil
}

// keyRole says which key of a wallet a command writes.
type keyRole int

const (
	coldkey keyRole = iota
	hotkey
)

func (r keyRole) String() string { return [...]string{"coldkey", "hotkey"}[r] }

// path is the keyfile the role writes.
func (wc *walletCtx) path(r keyRole) string {
	if r == coldkey {
		return wc.w.ColdkeyPath()
	}
	return wc.w.HotkeyPath(wc.hotkey)
}

// store writes a key for the role, encrypting as the flags say, and asks
// before replacing an existing keyfile unless --overwrite was given.
func (wc *walletCtx) store(r keyRole, k *wallet.Key) error {
	encrypt, err := wc.usePassword(r == coldkey)
	if err != nil {
		return err
	}
	pw := ""
	if encrypt {
		if pw, err = wc.newPassword(wc.path(r)); err != nil {
			return err
		}
	}
	set := func(overwrite bool) error {
		if r == coldkey {
			return wc.w.SetColdkey(k, pw, overwrite)
		}
		return wc.w.SetHotkey(wc.hotkey, k, pw, overwrite)
	}
	err = set(wc.c.Bool(flagOverwrite.Name))
	if errors.Is(err, wallet.ErrExists) && !wc.noPrompt {
		answer, rerr := wc.readLine(fmt.Sprintf("%s %s already exists. Overwrite? (y/N) ", r, wc.path(r)), false)
		if rerr != nil {
			return rerr
		}
		if strings.EqualFold(strings.TrimSpace(answer), "y") {
			err = set(true)
		}
	}
	if err != nil {
		return cli.Exit(err.Error(), exitUsage)
	}
	return nil
}

// newKey makes a fresh mnemonic key.
func (wc *walletCtx) newKey() (*wallet.Key, error) {
	m, err := keys.GenerateMnemonic(wc.c.Int(flagNWords.Name))
	if err != nil {
		return nil, cli.Exit("--n-words: "+err.Error(), exitUsage)
	}
	return wallet.KeyFromMnemonic(m)
}

// showMnemonic prints a new key's mnemonic once the key is safely stored
// (JSON output carries it in the data instead).
func (wc *walletCtx) showMnemonic(r keyRole, m string) {
	if wc.json || m == "" {
		return
	}
	fmt.Fprintf(wc.c.App.Writer, "\nIMPORTANT: store this mnemonic in a secure (preferably offline) place; anyone who has it controls your %s.\n"+
		"The mnemonic to the new %s is: %s\nYou can restore the key with: taorun wallet regen-%s --mnemonic %q\n\n", r, r, m, r, m)
}

// restoredKey builds a key from --mnemonic, --seed or --uri (exactly one),
// asking for a mnemonic when none is given and prompting is allowed.
func (wc *walletCtx) restoredKey() (*wallet.Key, error) {
	m, seed, uri := wc.c.String(flagMnemonic.Name), wc.c.String(flagSeed.Name), wc.c.String(flagURI.Name)
	given := 0
	for _, s := range []string{m, seed, uri} {
		if s != "" {
			given++
		}
	}
	if given > 1 {
		return nil, cli.Exit("give only one of --mnemonic, --seed and --uri", exitUsage)
	}
	var (
		k   *wallet.Key
		err error
	)
	switch {
	case seed != "":
		k, err = wallet.KeyFromSeed(seed)
		err = flagErr("--seed", err)
	case uri != "":
		k, err = wallet.KeyFromURI(uri)
		err = flagErr("--uri", err)
	default:
		if m == "" {
			if m, err = wc.readLine("Enter the mnemonic (or 0x seed) of the key: ", true); err != nil {
				return nil, err
			}
			if strings.HasPrefix(m, "0x") {
				k, err = wallet.KeyFromSeed(m)
				return k, flagErr("seed", err)
			}
		}
		k, err = wallet.KeyFromMnemonic(m)
		err = flagErr("--mnemonic", err)
	}
	return k, err
}

func flagErr(flag string, err error) error {
	if err == nil {
		return nil
	}
	return cli.Exit(flag+": "+err.Error(), exitUsage)
}

// result prints a command's outcome: JSON when asked, else text lines.
func (wc *walletCtx) result(data map[string]any, text string) error {
	if wc.json {
		b, err := json.Marshal(map[string]any{"success": true, "data": data, "error": ""})
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(wc.c.App.Writer, "%s\n", b)
		return err
	}
	_, err := fmt.Fprintln(wc.c.App.Writer, text)
	return err
}

// keyData is the JSON description of a written key.
func keyData(data map[string]any, r keyRole, k *wallet.Key) {
	data[r.String()+"_ss58"] = k.Public.SS58()
	if k.Mnemonic != "" {
		data[r.String()+"_mnemonic"] = k.Mnemonic
	}
}

// walletKeyCommand builds the create/new/regen commands, which differ only in
// which roles they write and where the key comes from.
func walletKeyCommand(name, usage string, roles []keyRole, restore bool) *cli.Command {
	flags := []cli.Flag{flagOverwrite, flagUsePw, flagNoPw}
	if restore {
		flags = append(flags, flagMnemonic, flagSeed, flagURI)
	} else {
		flags = append(flags, flagNWords, flagURI)
	}
	return &cli.Command{
		Name:  name,
		Usage: usage,
		Flags: walletFlags(flags...),
		Action: func(c *cli.Context) error {
			wc, err := openWallet(c)
			if err != nil {
				return err
			}
			if c.NArg() > 0 {
				return cli.Exit(fmt.Sprintf("unexpected argument %q", c.Args().First()), exitUsage)
			}
			data := map[string]any{"name": wc.w.Name(), "path": wc.w.Dir()}
			var lines []string
			for _, r := range roles {
				fresh := !restore && c.String(flagURI.Name) == ""
				var k *wallet.Key
				if fresh {
					k, err = wc.newKey()
				} else {
					k, err = wc.restoredKey()
				}
				if err != nil {
					return err
				}
				if err := wc.store(r, k); err != nil {
					return err
				}
				if fresh {
					wc.showMnemonic(r, k.Mnemonic)
				}
				keyData(data, r, k)
				if r == hotkey {
					data["hotkey"] = wc.hotkey
				}
				lines = append(lines, fmt.Sprintf("%s %s written to %s", r, k.Public.SS58(), wc.path(r)))
			}
			return wc.result(data, strings.Join(lines, "\n"))
		},
	}
}

func walletCreateCommand() *cli.Command {
	return walletKeyCommand("create", "create a wallet: a new coldkey and a new hotkey",
		[]keyRole{coldkey, hotkey}, false)
}

func walletNewColdkeyCommand() *cli.Command {
	return walletKeyCommand("new-coldkey", "create a new coldkey (encrypted unless --no-use-password)",
		[]keyRole{coldkey}, false)
}

func walletNewHotkeyCommand() *cli.Command {
	return walletKeyCommand("new-hotkey", "create a new hotkey (unencrypted unless --use-password)",
		[]keyRole{hotkey}, false)
}

func walletRegenColdkeyCommand() *cli.Command {
	return walletKeyCommand("regen-coldkey", "restore a coldkey from --mnemonic, --seed or --uri",
		[]keyRole{coldkey}, true)
}

func walletRegenHotkeyCommand() *cli.Command {
	return walletKeyCommand("regen-hotkey", "restore a hotkey from --mnemonic, --seed or --uri",
		[]keyRole{hotkey}, true)
}

// walletRegenColdkeypubCommand writes a watch-only coldkeypub.txt.
func walletRegenColdkeypubCommand() *cli.Command {
	return &cli.Command{
		Name:  "regen-coldkeypub",
		Usage: "write coldkeypub.txt from an address (a watch-only wallet)",
		Flags: walletFlags(flagOverwrite,
			&cli.StringFlag{Name: "ss58", Aliases: []string{"ss58-address", "ss58_address"}, Usage: "SS58 `ADDRESS` of the coldkey"},
			&cli.StringFlag{Name: "public-key-hex", Aliases: []string{"public_key_hex", "public-key"}, Usage: "0x-hex public `KEY` of the coldkey"}),
		Action: func(c *cli.Context) error {
			wc, err := openWallet(c)
			if err != nil {
				return err
			}
			addr := c.String("ss58")
			if hexKey := c.String("public-key-hex"); hexKey != "" {
				if addr != "" {
					return cli.Exit("give only one of --ss58 and --public-key-hex", exitUsage)
				}
				addr = hexKey
			}
			if addr == "" {
				if addr, err = wc.readLine("Enter the ss58 address or public key of the coldkey: ", false); err != nil {
					return err
				}
			}
			pub, err := keys.ParseAddress(strings.TrimSpace(addr))
			if err != nil {
				return cli.Exit(err.Error(), exitUsage)
			}
			if err := wc.w.SetColdkeyPub(pub, c.Bool(flagOverwrite.Name)); err != nil {
				return cli.Exit(err.Error(), exitUsage)
			}
			return wc.result(map[string]any{"name": wc.w.Name(), "path": wc.w.Dir(), "coldkey_ss58": pub.SS58()},
				fmt.Sprintf("coldkeypub %s written to %s", pub.SS58(), wc.w.ColdkeyPubPath()))
		},
	}
}

// walletListCommand prints every wallet and its hotkeys as a tree (or JSON).
func walletListCommand() *cli.Command {
	return &cli.Command{
		Name:  "list",
		Usage: "list wallets and their hotkeys",
		Flags: []cli.Flag{flagWalletPath, flagJSONOutput},
		Action: func(c *cli.Context) error {
			root := c.String(flagWalletPath.Name)
			if root == "" {
				root = wallet.DefaultRoot()
			}
			infos, err := wallet.List(root)
			if err != nil {
				return cli.Exit(err.Error(), exitUsage)
			}
			if c.Bool(flagJSONOutput.Name) {
				return printWalletListJSON(c.App.Writer, infos)
			}
			printWalletTree(c.App.Writer, root, infos)
			return nil
		},
	}
}

func addrOrProblem(p *keys.PublicKey, err error) string {
	if p != nil {
		return p.SS58()
	}
	if err != nil {
		return "?: " + err.Error()
	}
	return "?"
}

func printWalletTree(out io.Writer, root string, infos []wallet.Info) {
	fmt.Fprintf(out, "Wallets (%s)\n", root)
	if len(infos) == 0 {
		fmt.Fprintln(out, "└── (none: create one with `taorun wallet create`)")
	}
	for i, info := range infos {
		branch, indent := "├── ", "│   "
		if i == len(infos)-1 {
			branch, indent = "└── ", "    "
		}
		fmt.Fprintf(out, "%sColdkey %s  ss58_address %s\n", branch, info.Name, addrOrProblem(info.Coldkey, info.ColdkeyErr))
		for j, h := range info.Hotkeys {
			hb := "├── "
			if j == len(info.Hotkeys)-1 {
				hb = "└── "
			}
			fmt.Fprintf(out, "%s%sHotkey %s  ss58_address %s\n", indent, hb, h.Name, addrOrProblem(h.Public, h.Err))
		}
	}
}

func printWalletListJSON(out io.Writer, infos []wallet.Info) error {
	type hk struct {
		Name string `json:"name"`
		SS58 string `json:"ss58_address"`
	}
	type wl struct {
		Name    string `json:"name"`
		SS58    string `json:"ss58_address"`
		Hotkeys []hk   `json:"hotkeys"`
	}
	list := []wl{}
	for _, info := range infos {
		w := wl{Name: info.Name, SS58: addrOrProblem(info.Coldkey, nil), Hotkeys: []hk{}}
		for _, h := range info.Hotkeys {
			w.Hotkeys = append(w.Hotkeys, hk{Name: h.Name, SS58: addrOrProblem(h.Public, nil)})
		}
		list = append(list, w)
	}
	b, err := json.Marshal(map[string]any{"wallets": list})
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(out, "%s\n", b)
	return err
}
