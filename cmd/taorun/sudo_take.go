package main

import (
	"fmt"
	"math/big"
	"regexp"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/taorun/taorun/chain"
	"github.com/taorun/taorun/chain/tx"
)

// flagTake is btcli's --take: a fraction such as 0.09.
var flagTake = &cli.StringFlag{Name: "take", Aliases: []string{"t"}, Usage: "delegate take as a `FRACTION` (0.09 = 9 %)"}

// sudoSetTakeCommand is `taorun sudo set-take` (btcli's): the wallet's
// coldkey sets the delegate take of its hotkey.
func sudoSetTakeCommand() *cli.Command {
	return &cli.Command{Name: "set-take", Usage: "set the delegate take of the wallet's hotkey (--take as a fraction, e.g. 0.09)",
		Flags: walletFlags(networkFlags(flagTake, flagTxWait)...), Action: nodeAction(sudoSetTake)}
}

// sudoGetTakeCommand is `taorun sudo get-take` (btcli's): a hotkey's
// delegate take.
func sudoGetTakeCommand() *cli.Command {
	return &cli.Command{Name: "get-take", Usage: "show the delegate take of the wallet's hotkey (or --hotkey-ss58)",
		Flags: walletFlags(networkFlags(flagHotkeySS58)...), Action: nodeAction(sudoGetTake)}
}

// decimalPattern is a plain non-negative decimal: digits with an optional
// fraction part (no sign, exponent or base prefix).
var decimalPattern = regexp.MustCompile(`^([0-9]+(\.[0-9]*)?|\.[0-9]+)$`)

// parseTake turns a take fraction ("0.09", "0.18", "0") into the chain's u16
// proportion, floor(fraction × 65535) as btcli's float_to_u16, computed
// exactly, and requires it within [lo, hi].
func parseTake(s string, lo, hi uint16) (uint16, error) {
	scaled, err := parseFraction("take", "0.09", strings.TrimSpace(s), 65535)
	if err != nil {
		return 0, err
	}
	v := uint16(scaled)
	if v < lo || v > hi {
		return 0, fmt.Errorf("take %s (%d/65535) is outside the allowed %s..%s (%d..%d/65535)", strings.TrimSpace(s), v, proportion(lo), proportion(hi), lo, hi)
	}
	return v, nil
}

// parseFraction reads a decimal fraction in [0, 1] (what names it in
// errors, example shows one) exactly, without floats, and returns
// floor(fraction × scale).
func parseFraction(what, example, s string, scale uint64) (uint64, error) {
	s = strings.TrimSpace(s)
	r, ok := new(big.Rat).SetString(s)
	if !decimalPattern.MatchString(s) || !ok {
		return 0, fmt.Errorf("%s %q is not a decimal fraction such as %s", what, s, example)
	}
	if r.Cmp(big.NewRat(1, 1)) > 0 {
		return 0, fmt.Errorf("%s %q is above 1", what, s)
	}
	v := new(big.Int).Mul(r.Num(), new(big.Int).SetUint64(scale))
	return v.Quo(v, r.Denom()).Uint64(), nil
}

func sudoSetTake(n *nodeCtx) error {
	hot, err := n.hotkeyPub()
	if err != nil {
		return err
	}
	info, err := n.client.HotkeyInfo(n.c.Context, hot.SS58())
	if err != nil {
		return nodeErr(err)
	}
	s := n.c.String(flagTake.Name)
	if s == "" {
		if s, err = n.readLine(fmt.Sprintf("Enter the take (%s..%s): ", proportion(info.MinTake), proportion(info.MaxTake)), false); err != nil {
			return err
		}
	}
	take, err := parseTake(s, info.MinTake, info.MaxTake)
	if err != nil {
		return cli.Exit("--take: "+err.Error(), exitUsage)
	}
	cold, err := n.coldkeyPub()
	if err != nil {
		return err
	}
	if info.Owner != cold.SS58() {
		owner := info.Owner
		if owner == "" {
			owner = "no coldkey (it is not registered)"
		}
		return cli.Exit(fmt.Sprintf("hotkey %s (%s) is owned by %s, not this wallet's coldkey %s", n.hotkey, hot.SS58(), owner, cold.SS58()), 1)
	}
	if err := n.confirm(fmt.Sprintf("Set the delegate take of %s (%s) to %s (was %s)?", n.hotkey, hot.SS58(), proportion(take), proportion(info.Take))); err != nil {
		return err
	}
	pair, err := n.coldkeyPair()
	if err != nil {
		return err
	}
	st, err := submit(n.c, n.client, pair, tx.SetDelegateTake{Hotkey: hot, Take: take})
	if err != nil {
		return err
	}
	return n.stakeResult(st, chain.EventDelegateTakeSet, func(map[string]string) string {
		return fmt.Sprintf("Set the delegate take of %s to %s (%d/65535)", hot.SS58(), proportion(take), take)
	})
}

func sudoGetTake(n *nodeCtx) error {
	hot, err := n.stakeHotkey()
	if err != nil {
		return err
	}
	info, err := n.client.HotkeyInfo(n.c.Context, hot.SS58())
	if err != nil {
		return nodeErr(err)
	}
	text := fmt.Sprintf("Delegate take of %s: %s (%d/65535) at block %d", hot.SS58(), proportion(info.Take), info.Take, info.Height)
	if info.Owner == "" {
		text += " (not registered: the default take)"
	}
	return n.result(map[string]any{"hotkey": hot.SS58(), "owner": info.Owner, "take": proportion(info.Take), "take_u16": info.Take,
		"block": info.Height}, text)
}
