package main

import (
	"flag"
	"fmt"
	"io"
	"math"
	"math/big"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/taorun/taorun/chain"
	"github.com/taorun/taorun/chain/tx"
	"github.com/taorun/taorun/keys"
	"github.com/taorun/taorun/node/rpc/api"
)

// Child key flags (btcli's `stake child` vocabulary). The list flags take
// several values as a comma-separated list, by repeating the flag, or as
// btcli writes them, space-separated after the flag (see childListArgs).
var (
	flagChildren = &cli.StringSliceFlag{Name: "children", Aliases: []string{"c"},
		Usage: "child hotkey `ADDRESSES` (comma-separated or repeated)"}
	flagProportions = &cli.StringSliceFlag{Name: "proportions", Aliases: []string{"prop"},
		Usage: "each child's share of the hotkey's stake as `FRACTIONS` (e.g. 0.5,0.3), in --children order"}
	flagChildTake = &cli.StringFlag{Name: "take", Aliases: []string{"t"},
		Usage: "childkey take as a `FRACTION` (0.05 = 5 %); without it, show the current take"}
)

// stakeChildCommand is `taorun stake child` (btcli's `stake child get|set|
// revoke|take`): the wallet's coldkey manages the child hotkeys of its
// hotkey (the wallet's, or --hotkey-ss58 for get) on a subnet.
func stakeChildCommand() *cli.Command {
	return &cli.Command{
		Name:  "child",
		Usage: "child hotkeys: lend a share of a hotkey's stake on a subnet to other hotkeys (set, get, revoke, take)",
		Subcommands: []*cli.Command{
			{Name: "get", Usage: "show the children, parents, pending children and childkey take of a hotkey on a subnet",
				Flags: walletFlags(networkFlags(flagNetuid, flagHotkeySS58)...), Action: nodeAction(stakeChildGet)},
			{Name: "set", Usage: "schedule the wallet hotkey's children on a subnet (they apply after the cooldown, in an epoch)",
				Flags: walletFlags(networkFlags(flagNetuid, flagChildren, flagProportions, flagTxWait)...), Action: stakeChildSetAction},
			{Name: "revoke", Usage: "schedule the removal of all children of the wallet's hotkey on a subnet",
				Flags: walletFlags(networkFlags(flagNetuid, flagTxWait)...), Action: nodeAction(stakeChildRevoke)},
			{Name: "take", Usage: "show or set (--take) the childkey take of the wallet's hotkey on a subnet",
				Flags: walletFlags(networkFlags(flagNetuid, flagChildTake, flagTxWait)...), Action: nodeAction(stakeChildTake)},
		},
	}
}

// parseChildProportion turns a fraction ("0.5", "1") into the chain's u64
// proportion floor(fraction × (2^64-1)), as btcli's float_to_u64, computed
// exactly.
func parseChildProportion(s string) (uint64, error) {
	return parseFraction("proportion", "0.5", s, math.MaxUint64)
}

// listFlag returns a list flag's values, each comma-separated part on its
// own, blanks dropped.
func listFlag(c *cli.Context, name string) []string {
	var out []string
	for _, v := range c.StringSlice(name) {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

// childKeys reads hotkey's child key records on netuid from the node.
func (n *nodeCtx) childKeys(netuid uint16, hot keys.PublicKey) (*api.ChildKeys, error) {
	ck, err := n.client.ChildKeys(n.c.Context, netuid, hot.SS58())
	return ck, nodeErr(err)
}

func stakeChildGet(n *nodeCtx) error {
	netuid, err := n.netuid(flagNetuid.Name)
	if err != nil {
		return err
	}
	hot, err := n.stakeHotkey()
	if err != nil {
		return err
	}
	ck, err := n.childKeys(netuid, hot)
	if err != nil {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Child keys of %s on subnet %d at block %d (childkey take %s)\n", hot.SS58(), netuid, ck.Height, proportion(ck.Take))
	section := func(title string, list []api.ChildLink) {
		fmt.Fprintf(&b, "%s:", title)
		if len(list) == 0 {
			b.WriteString(" none\n")
			return
		}
		b.WriteString("\n")
		for _, l := range list {
			fmt.Fprintf(&b, "  %-48s %s\n", l.Hotkey, l.Fraction)
		}
	}
	section("Children", ck.Children)
	section("Parents", ck.Parents)
	if ck.PendingAt != 0 {
		section(fmt.Sprintf("Pending (applied in the first epoch after block %d)", ck.PendingAt), ck.Pending)
	}
	return n.result(map[string]any{"child_keys": ck}, strings.TrimRight(b.String(), "\n"))
}

// isListFlag reports whether an argument names --children or
// --proportions (or an alias).
func isListFlag(a string) bool {
	name := strings.TrimLeft(a, "-")
	for _, f := range []cli.Flag{flagChildren, flagProportions} {
		if slices.Contains(f.Names(), name) {
			return true
		}
	}
	return false
}

// childListArgs sorts the arguments left after flag parsing stopped at the
// second value of a list flag (btcli's `--children A B --proportions 0.5
// 0.3`): values that follow a --children or --proportions token (or the
// stop itself) are list values, an address being a child and anything else
// a proportion (parseChildProportion then checks it); every other flag,
// with the values that follow it, is returned in rest, for the caller to
// parse.
func childListArgs(args []string) (children, proportions, rest []string) {
	inList := true
	for _, a := range args {
		switch {
		case isListFlag(a):
			inList = true
		case strings.HasPrefix(a, "-"):
			inList = false
			rest = append(rest, a)
		case !inList:
			rest = append(rest, a)
		default:
			for _, v := range strings.Split(a, ",") {
				if v = strings.TrimSpace(v); v == "" {
					continue
				}
				if _, err := keys.ParseAddress(v); err == nil {
					children = append(children, v)
				} else {
					proportions = append(proportions, v)
				}
			}
		}
	}
	return children, proportions, rest
}

// reparse parses rest, flags the parser never reached, with the command's
// own definitions of those flags, into a context over c: its lookups see
// these flags first and everything parsed before through c.
func reparse(c *cli.Context, rest []string) (*cli.Context, error) {
	set := flag.NewFlagSet(c.Command.Name, flag.ContinueOnError)
	set.SetOutput(io.Discard)
	for _, a := range rest {
		if !strings.HasPrefix(a, "-") {
			continue
		}
		name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		i := slices.IndexFunc(c.Command.Flags, func(f cli.Flag) bool { return slices.Contains(f.Names(), name) })
		if i < 0 {
			return nil, fmt.Errorf("flag provided but not defined: %s", a)
		}
		if set.Lookup(name) == nil {
			if err := c.Command.Flags[i].Apply(set); err != nil {
				return nil, err
			}
		}
	}
	if err := set.Parse(rest); err != nil {
		return nil, err
	}
	if set.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", set.Arg(0))
	}
	return cli.NewContext(c.App, set, c), nil
}

// stakeChildSetAction is nodeAction(stakeChildSet) that also accepts
// btcli's space-separated list values (childListArgs), with any flags
// after them.
func stakeChildSetAction(c *cli.Context) error {
	extraC, extraP, rest := childListArgs(c.Args().Slice())
	children, props := append(listFlag(c, flagChildren.Name), extraC...), append(listFlag(c, flagProportions.Name), extraP...)
	if len(rest) > 0 {
		rc, err := reparse(c, rest)
		if err != nil {
			return cli.Exit(err.Error(), exitUsage)
		}
		c = rc
	}
	n, err := openNode(c)
	if err != nil {
		return err
	}
	return stakeChildSet(n, children, props)
}

// stakeChildSet schedules children addrs with proportions props.
func stakeChildSet(n *nodeCtx, addrs, props []string) error {
	netuid, err := n.netuid(flagNetuid.Name)
	if err != nil {
		return err
	}
	if len(addrs) == 0 {
		return cli.Exit("--children: give at least one child hotkey (use `stake child revoke` to remove all)", exitUsage)
	}
	if len(props) != len(addrs) {
		return cli.Exit(fmt.Sprintf("--proportions has %d values for %d children", len(props), len(addrs)), exitUsage)
	}
	children := make([]tx.ChildEntry, len(addrs))
	sum := new(big.Int)
	for i := range addrs {
		id, err := keys.ParseAddress(addrs[i])
		if err != nil {
			return cli.Exit(fmt.Sprintf("--children %q: %v", addrs[i], err), exitUsage)
		}
		p, err := parseChildProportion(props[i])
		if err != nil {
			return cli.Exit("--proportions: "+err.Error(), exitUsage)
		}
		children[i] = tx.ChildEntry{Proportion: p, Hotkey: id}
		sum.Add(sum, new(big.Int).SetUint64(p))
	}
	if !sum.IsUint64() {
		return cli.Exit("--proportions sum to more than 1", exitUsage)
	}
	return n.submitChildren(netuid, children)
}

func stakeChildRevoke(n *nodeCtx) error {
	netuid, err := n.netuid(flagNetuid.Name)
	if err != nil {
		return err
	}
	return n.submitChildren(netuid, []tx.ChildEntry{})
}

// submitChildren signs set_children for the wallet's hotkey with the
// coldkey: the one path of set and revoke.
func (n *nodeCtx) submitChildren(netuid uint16, children []tx.ChildEntry) error {
	hot, err := n.hotkeyPub()
	if err != nil {
		return err
	}
	q := fmt.Sprintf("Revoke all children of %s on subnet %d?", hot.SS58(), netuid)
	if len(children) > 0 {
		parts := make([]string, len(children))
		for i, c := range children {
			parts[i] = fmt.Sprintf("%s %s", c.Hotkey.SS58(), proportionU64(c.Proportion))
		}
		q = fmt.Sprintf("Set the children of %s on subnet %d to %s?", hot.SS58(), netuid, strings.Join(parts, ", "))
	}
	return n.submitStake(q, tx.SetChildren{Hotkey: hot, Netuid: netuid, Children: children}, chain.EventChildrenScheduled,
		func(a map[string]string) string {
			what := fmt.Sprintf("Scheduled %d children", len(children))
			if len(children) == 0 {
				what = "Scheduled the removal of all children"
			}
			return fmt.Sprintf("%s of %s on subnet %d, applied in the first epoch after block %s", what, hot.SS58(), netuid, a["at"])
		})
}

// proportionU64 shows a u64 proportion (2^64-1 = 1) with 5 decimals
// (display only).
func proportionU64(p uint64) string {
	return new(big.Rat).SetFrac(new(big.Int).SetUint64(p), new(big.Int).SetUint64(math.MaxUint64)).FloatString(5)
}

func stakeChildTake(n *nodeCtx) error {
	netuid, err := n.netuid(flagNetuid.Name)
	if err != nil {
		return err
	}
	hot, err := n.hotkeyPub()
	if err != nil {
		return err
	}
	ck, err := n.childKeys(netuid, hot)
	if err != nil {
		return err
	}
	s := n.c.String(flagChildTake.Name)
	if s == "" {
		return n.result(map[string]any{"hotkey": hot.SS58(), "netuid": netuid, "take": proportion(ck.Take), "take_u16": ck.Take,
			"block": ck.Height}, fmt.Sprintf("Childkey take of %s on subnet %d: %s (%d/65535) at block %d", hot.SS58(), netuid,
			proportion(ck.Take), ck.Take, ck.Height))
	}
	take, err := parseTake(s, ck.MinTake, ck.MaxTake)
	if err != nil {
		return cli.Exit("--take: "+err.Error(), exitUsage)
	}
	return n.submitStake(fmt.Sprintf("Set the childkey take of %s on subnet %d to %s (was %s)?", hot.SS58(), netuid, proportion(take),
		proportion(ck.Take)), tx.SetChildkeyTake{Hotkey: hot, Netuid: netuid, Take: take}, chain.EventChildkeyTakeSet,
		func(map[string]string) string {
			return fmt.Sprintf("Set the childkey take of %s on subnet %d to %s (%d/65535)", hot.SS58(), netuid, proportion(take), take)
		})
}
