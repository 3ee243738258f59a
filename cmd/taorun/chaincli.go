package main

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/taorun/taorun/chain"
	"github.com/taorun/taorun/chain/tx"
	"github.com/taorun/taorun/keys"
	"github.com/taorun/taorun/node"
	"github.com/taorun/taorun/node/rpc/api"
	"github.com/taorun/taorun/node/rpcclient"
)

// Flags of the commands that talk to a node (wallet balance/transfer/overview,
// subnets, stake, weights, sudo), with btcli's spellings.
var (
	flagNetwork = &cli.StringFlag{Name: "network", Aliases: []string{"subtensor.network", "chain", "subtensor.chain_endpoint"},
		Usage: "`NETWORK`: local (ws://127.0.0.1:9944) or a ws://, wss://, http:// or https:// endpoint (default local)"}
	flagNodeAddr = &cli.StringFlag{Name: "rpc.addr", Aliases: []string{"rpc-addr"},
		Usage: "node JSON-RPC `HOST:PORT` (overrides --network)"}
	flagTxWait = &cli.DurationFlag{Name: "wait", Value: 60 * time.Second,
		Usage: "how long to wait for a submitted transaction to be included"}
)

// networkFlags are the flags of every command that reads from a node.
func networkFlags(extra ...cli.Flag) []cli.Flag {
	return append([]cli.Flag{flagNetwork, flagNodeAddr}, extra...)
}

// networks maps btcli network names to taorun endpoints. Only a local node
// exists for now; finney/test are refused with a clear message rather than
// silently pointed somewhere.
var networks = map[string]string{
	"local": node.DefaultRPCAddr,
}

// resolveEndpoint turns --rpc.addr / --network into the node endpoint.
func resolveEndpoint(c *cli.Context) (string, error) {
	if a := c.String(flagNodeAddr.Name); a != "" {
		return a, nil
	}
	n := c.String(flagNetwork.Name)
	if n == "" {
		n = "local"
	}
	if ep, ok := networks[n]; ok {
		return ep, nil
	}
	for _, scheme := range []string{"ws://", "wss://", "http://", "https://"} {
		if strings.HasPrefix(n, scheme) && len(n) > len(scheme) {
			return n, nil
		}
	}
	return "", cli.Exit(fmt.Sprintf("--network %q: want local or a ws://, wss://, http:// or https:// endpoint (no public taorun network is defined yet)", n), exitUsage)
}

// dialNode returns a client for the node the flags name.
func dialNode(c *cli.Context) (*rpcclient.Client, error) {
	ep, err := resolveEndpoint(c)
	if err != nil {
		return nil, err
	}
	return rpcclient.New(ep), nil
}

// taoDecimals is the number of decimals of TAO (and of alpha).
const taoDecimals = 9

// parseTAO parses a TAO amount with up to 9 decimals ("1", "0.5",
// "21000000.000000001") into rao, refusing negatives, more decimals, and
// amounts past 2^64-1 rao.
func parseTAO(s string) (uint64, error) {
	s = strings.TrimSpace(s)
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" && frac == "" {
		return 0, fmt.Errorf("amount %q is not a number", s)
	}
	if len(frac) > taoDecimals {
		return 0, fmt.Errorf("amount %q has %d decimals; TAO has %d", s, len(frac), taoDecimals)
	}
	digits := whole + frac + strings.Repeat("0", taoDecimals-len(frac))
	for _, r := range digits {
		if r < '0' || r > '9' {
			return 0, fmt.Errorf("amount %q is not a non-negative decimal number", s)
		}
	}
	v, ok := new(big.Int).SetString(digits, 10)
	if !ok || !v.IsUint64() {
		return 0, fmt.Errorf("amount %q is too large", s)
	}
	return v.Uint64(), nil
}

// formatTAO shows rao as TAO with all 9 decimals.
func formatTAO(rao uint64) string {
	return fmt.Sprintf("%d.%09d", rao/chain.RaoPerTAO, rao%chain.RaoPerTAO)
}

// amountFlag reads a TAO amount flag, prompting for it when absent.
func (wc *walletCtx) amountFlag(name, what string) (uint64, error) {
	s := wc.c.String(name)
	if s == "" {
		var err error
		if s, err = wc.readLine(fmt.Sprintf("Enter the %s (TAO): ", what), false); err != nil {
			return 0, err
		}
	}
	v, err := parseTAO(s)
	if err != nil {
		return 0, cli.Exit("--"+name+": "+err.Error(), exitUsage)
	}
	return v, nil
}

// addressFlag reads an SS58 (or 0x-hex) address flag, prompting when absent.
func (wc *walletCtx) addressFlag(name, what string) (keys.PublicKey, error) {
	s := wc.c.String(name)
	if s == "" {
		var err error
		if s, err = wc.readLine(fmt.Sprintf("Enter the %s (SS58 address): ", what), false); err != nil {
			return keys.PublicKey{}, err
		}
	}
	id, err := keys.ParseAddress(strings.TrimSpace(s))
	if err != nil {
		return id, cli.Exit("--"+name+": "+err.Error(), exitUsage)
	}
	return id, nil
}

// confirm asks a yes/no question unless --no-prompt was given (which means
// yes: the user already agreed on the command line).
func (wc *walletCtx) confirm(question string) error {
	if wc.noPrompt {
		return nil
	}
	answer, err := wc.readLine(question+" [y/n]: ", false)
	if err != nil {
		return err
	}
	if a := strings.ToLower(strings.TrimSpace(answer)); a != "y" && a != "yes" {
		return cli.Exit("aborted", 1)
	}
	return nil
}

// coldkeyPair unlocks the wallet's coldkey for signing.
func (wc *walletCtx) coldkeyPair() (*keys.Keypair, error) {
	_, noCold := os.Stat(wc.w.ColdkeyPath())
	_, noPub := os.Stat(wc.w.ColdkeyPubPath())
	k, err := wc.w.Coldkey(wc.unlockPrompt())
	if err != nil && noCold != nil && noPub == nil {
		err = fmt.Errorf("wallet %s is watch-only (coldkeypub.txt without a coldkey): it cannot sign", wc.w.Name())
	}
	if err != nil {
		return nil, cli.Exit(err.Error(), exitUsage)
	}
	if k.Pair == nil {
		return nil, cli.Exit(fmt.Sprintf("wallet %s has only a public coldkey (watch-only): it cannot sign", wc.w.Name()), exitUsage)
	}
	return k.Pair, nil
}

// hotkeyPair unlocks the wallet's selected hotkey for signing.
func (wc *walletCtx) hotkeyPair() (*keys.Keypair, error) {
	k, err := wc.w.Hotkey(wc.hotkey, wc.unlockPrompt())
	if err != nil {
		return nil, cli.Exit(err.Error(), exitUsage)
	}
	if k.Pair == nil {
		return nil, cli.Exit(fmt.Sprintf("hotkey %s of wallet %s has no secret: it cannot sign", wc.hotkey, wc.w.Name()), exitUsage)
	}
	return k.Pair, nil
}

// coldkeyPub returns the wallet's coldkey address without unlocking it.
func (wc *walletCtx) coldkeyPub() (keys.PublicKey, error) {
	p, err := wc.w.ColdkeyPub()
	if err != nil {
		return p, cli.Exit(err.Error(), exitUsage)
	}
	return p, nil
}

// hotkeyPub returns the selected hotkey's address without unlocking it.
func (wc *walletCtx) hotkeyPub() (keys.PublicKey, error) {
	p, err := wc.w.HotkeyPub(wc.hotkey)
	if err != nil {
		return p, cli.Exit(err.Error(), exitUsage)
	}
	return p, nil
}

// errTxFailed marks a transaction that was included but whose call failed.
var errTxFailed = errors.New("transaction failed")

// included is a successful transaction's receipt, with its fee parsed.
type included struct {
	*api.TxStatus
	FeeRao uint64
}

// submit signs call with k, sends it, waits for its block (up to --wait when
// the command has that flag) and returns the receipt. A failed or invalid
// transaction is an error (exit 1) carrying the chain's reason.
func submit(c *cli.Context, client *rpcclient.Client, k *keys.Keypair, call tx.Call) (*included, error) {
	wait := c.Duration(flagTxWait.Name)
	if wait <= 0 {
		wait = flagTxWait.Value
	}
	ctx, cancel := context.WithTimeout(c.Context, wait)
	defer cancel()
	h, err := client.Submit(ctx, k, call, 0)
	if err != nil {
		return nil, cli.Exit(fmt.Sprintf("%s: %v", tx.Name(call.Kind()), err), 1)
	}
	st, err := client.WaitForTx(ctx, h)
	if err != nil {
		return nil, cli.Exit(fmt.Sprintf("%s: transaction %s submitted but not seen in a block: %v", tx.Name(call.Kind()), h, err), 1)
	}
	if st.Status != api.StatusSuccess {
		return nil, cli.Exit(fmt.Sprintf("%s: %v in block %d (tx %s): %s", tx.Name(call.Kind()), errTxFailed, st.Height, h, st.Error), 1)
	}
	fee, err := strconv.ParseUint(st.Fee, 10, 64)
	if err != nil {
		return nil, cli.Exit(fmt.Sprintf("%s: node reported a malformed fee %q for tx %s", tx.Name(call.Kind()), st.Fee, h), 1)
	}
	return &included{TxStatus: st, FeeRao: fee}, nil
}

// data is the JSON description of an included transaction.
func (in *included) data() map[string]any {
	return map[string]any{"extrinsic_hash": in.Hash.Hex(), "block": in.Height, "fee": formatTAO(in.FeeRao), "fee_rao": in.FeeRao}
}

// event returns the transaction's first event of type typ.
func (in *included) event(typ string) (*api.Event, error) {
	for i := range in.Events {
		if in.Events[i].Type == typ {
			return &in.Events[i], nil
		}
	}
	return nil, cli.Exit(fmt.Sprintf("transaction %s succeeded but has no %s event", in.Hash, typ), 1)
}

// text is the one-line description of an included transaction.
func (in *included) text() string {
	return fmt.Sprintf("included in block %d, fee %s TAO, tx %s", in.Height, formatTAO(in.FeeRao), in.Hash.Hex())
}

// nodeCtx is a wallet command run that also talks to a node.
type nodeCtx struct {
	*walletCtx
	client *rpcclient.Client
}

// openNode resolves the wallet and network flags.
func openNode(c *cli.Context) (*nodeCtx, error) {
	wc, err := openWallet(c)
	if err != nil {
		return nil, err
	}
	client, err := dialNode(c)
	if err != nil {
		return nil, err
	}
	return &nodeCtx{walletCtx: wc, client: client}, nil
}

// nodeAction wraps a command body that needs a wallet and a node.
func nodeAction(body func(n *nodeCtx) error) cli.ActionFunc {
	return func(c *cli.Context) error {
		if c.NArg() > 0 {
			return cli.Exit(fmt.Sprintf("unexpected argument %q", c.Args().First()), exitUsage)
		}
		n, err := openNode(c)
		if err != nil {
			return err
		}
		return body(n)
	}
}

// flagNetuid is btcli's --netuid.
var flagNetuid = &cli.StringFlag{Name: "netuid", Aliases: []string{"n"}, Usage: "subnet `NETUID`"}

// netuid reads a u16 flag (--netuid by default), prompting when absent.
func (wc *walletCtx) netuid(name string) (uint16, error) {
	s := wc.c.String(name)
	if s == "" {
		var err error
		if s, err = wc.readLine("Enter the netuid: ", false); err != nil {
			return 0, err
		}
	}
	v, err := strconv.ParseUint(strings.TrimSpace(s), 10, 16)
	if err != nil {
		return 0, cli.Exit(fmt.Sprintf("--%s %q: want a subnet number 0–65535", name, s), exitUsage)
	}
	return uint16(v), nil
}

// nodeErr turns an RPC failure into a command failure.
func nodeErr(err error) error {
	if err == nil {
		return nil
	}
	return cli.Exit(err.Error(), 1)
}

// raoOf parses a rao decimal string from the node.
func raoOf(s string) (uint64, error) {
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, cli.Exit(fmt.Sprintf("node sent a malformed amount %q", s), 1)
	}
	return v, nil
}

// taoOf shows a rao decimal string from the node as TAO ("?" if malformed).
func taoOf(s string) string {
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return "?" + s
	}
	return formatTAO(v)
}

// proportion shows a u16 proportion (65535 = 1) with 5 decimals (display only).
func proportion(v uint16) string { return strconv.FormatFloat(float64(v)/65535, 'f', 5, 64) }
