package main

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/taorun/taorun/chain"
	"github.com/taorun/taorun/chain/subnet"
	"github.com/taorun/taorun/chain/tx"
	"github.com/taorun/taorun/keys"
)

// `wallet swap-hotkey` needs the node, like balance and transfer.
func init() {
	walletSubcommands = append(walletSubcommands, walletSwapHotkeyCommand)
}

// flagNewHotkey names the wallet hotkey that replaces --wallet.hotkey.
var flagNewHotkey = &cli.StringFlag{Name: "new-hotkey", Aliases: []string{"new_hotkey", "destination-hotkey-name", "destination_hotkey_name"},
	Usage: "`NAME` of the wallet hotkey (in the wallet's hotkeys dir) that replaces --wallet.hotkey"}

// walletSwapHotkeyCommand is `taorun wallet swap-hotkey` (btcli's): the
// wallet's coldkey replaces its hotkey --wallet.hotkey by the wallet's
// hotkey --new-hotkey (or the first argument, btcli's
// destination_hotkey_name) on every subnet, burning the key swap cost.
func walletSwapHotkeyCommand() *cli.Command {
	return &cli.Command{
		Name:      "swap-hotkey",
		Usage:     "replace the wallet's hotkey by another of its hotkeys on every subnet (stake, uids, take follow; burns the key swap cost)",
		ArgsUsage: "[NEW_HOTKEY_NAME]",
		Flags:     walletFlags(networkFlags(flagNewHotkey, flagTxWait)...),
		Action: func(c *cli.Context) error {
			if c.NArg() > 1 {
				return cli.Exit(fmt.Sprintf("unexpected argument %q", c.Args().Get(1)), exitUsage)
			}
			n, err := openNode(c)
			if err != nil {
				return err
			}
			return walletSwapHotkey(n)
		},
	}
}

// newHotkeyName is --new-hotkey, else the positional argument, else asked.
func (n *nodeCtx) newHotkeyName() (string, error) {
	name := n.c.String(flagNewHotkey.Name)
	if arg := n.c.Args().First(); arg != "" {
		if name != "" && name != arg {
			return "", cli.Exit(fmt.Sprintf("--new-hotkey %q and argument %q disagree: give one", name, arg), exitUsage)
		}
		name = arg
	}
	if name == "" {
		var err error
		if name, err = n.readLine("Enter the name of the new hotkey: ", false); err != nil {
			return "", err
		}
		name = strings.TrimSpace(name)
	}
	if name == n.hotkey {
		return "", cli.Exit(fmt.Sprintf("--new-hotkey %q is the hotkey being replaced (--wallet.hotkey)", name), exitUsage)
	}
	return name, nil
}

func walletSwapHotkey(n *nodeCtx) error {
	cold, err := n.coldkeyPub()
	if err != nil {
		return err
	}
	oldHot, err := n.hotkeyPub()
	if err != nil {
		return err
	}
	name, err := n.newHotkeyName()
	if err != nil {
		return err
	}
	newHot, err := n.w.HotkeyPub(name)
	if err != nil {
		return cli.Exit(fmt.Sprintf("--new-hotkey %q: %v (create it with `taorun wallet new-hotkey --wallet.name %s --wallet.hotkey %s`)",
			name, err, n.w.Name(), name), exitUsage)
	}
	// The chain refuses these too; checking first saves the fee and names
	// the keys as the user knows them.
	if err := n.checkSwapKeys(cold, oldHot, newHot, name); err != nil {
		return err
	}
	// The cost is the network's key_swap_cost, which sudo may change; the
	// result reports what was actually burned.
	if err := n.confirm(fmt.Sprintf("Swap hotkey %s (%s) for %s (%s) on every subnet? Stake, uids, take and axons move to the new hotkey; the network's key_swap_cost is burned (%s TAO unless sudo changed it; `taorun sudo get` on any subnet shows it).",
		n.hotkey, oldHot.SS58(), name, newHot.SS58(), formatTAO(subnet.DefaultKeySwapCost))); err != nil {
		return err
	}
	pair, err := n.coldkeyPair()
	if err != nil {
		return err
	}
	st, err := submit(n.c, n.client, pair, tx.SwapHotkey{OldHotkey: oldHot, NewHotkey: newHot})
	if err != nil {
		return err
	}
	return n.stakeResult(st, chain.EventHotkeySwapped, func(a map[string]string) string {
		return fmt.Sprintf("Swapped hotkey %s (%s) for %s (%s), burning %s TAO", n.hotkey, oldHot.SS58(), name, newHot.SS58(), taoOf(a["cost"]))
	})
}

// checkSwapKeys checks over RPC that the wallet's coldkey owns the old
// hotkey and that no coldkey owns the new one.
func (n *nodeCtx) checkSwapKeys(cold, oldHot, newHot keys.PublicKey, newName string) error {
	oldInfo, err := n.client.HotkeyInfo(n.c.Context, oldHot.SS58())
	if err != nil {
		return nodeErr(err)
	}
	switch oldInfo.Owner {
	case cold.SS58():
	case "":
		return cli.Exit(fmt.Sprintf("hotkey %s (%s) is not registered: nothing to swap", n.hotkey, oldHot.SS58()), 1)
	default:
		return cli.Exit(fmt.Sprintf("hotkey %s (%s) is owned by %s, not this wallet's coldkey %s", n.hotkey, oldHot.SS58(), oldInfo.Owner, cold.SS58()), 1)
	}
	newInfo, err := n.client.HotkeyInfo(n.c.Context, newHot.SS58())
	if err != nil {
		return nodeErr(err)
	}
	if newInfo.Owner != "" {
		return cli.Exit(fmt.Sprintf("new hotkey %s (%s) is already in use (owned by %s): pick an unused hotkey", newName, newHot.SS58(), newInfo.Owner), 1)
	}
	return nil
}
