package main

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/taorun/taorun/chain"
	"github.com/taorun/taorun/chain/tx"
	"github.com/taorun/taorun/keys"
)

// flagHotkeySS58 stakes to any hotkey instead of the wallet's own.
var flagHotkeySS58 = &cli.StringFlag{Name: "hotkey-ss58", Aliases: []string{"hotkey_ss58", "include-hotkeys"},
	Usage: "stake on this hotkey `ADDRESS` instead of the wallet's hotkey"}

// stakeCommand is `taorun stake` (btcli's `stake` group).
func stakeCommand() *cli.Command {
	amount := &cli.StringFlag{Name: "amount", Aliases: []string{"a"}, Usage: "`AMOUNT` (up to 9 decimals)"}
	return withSnakeAliases(&cli.Command{
		Name:    "stake",
		Aliases: []string{"st"},
		Usage:   "stake TAO to hotkeys on subnets (through the subnet's dTAO pool), unstake, move, list",
		Subcommands: []*cli.Command{
			{Name: "add", Usage: "stake free TAO (--amount in TAO) to a hotkey on a subnet",
				Flags: walletFlags(networkFlags(flagNetuid, flagHotkeySS58, amount, flagTxWait)...), Action: nodeAction(stakeAdd)},
			{Name: "remove", Usage: "unstake alpha (--amount in α, or --all) back to free TAO",
				Flags: walletFlags(networkFlags(flagNetuid, flagHotkeySS58, amount, flagTxWait,
					&cli.BoolFlag{Name: "all", Aliases: []string{"unstake-all"}, Usage: "unstake everything on this hotkey and subnet"})...),
				Action: nodeAction(stakeRemove)},
			{Name: "move", Usage: "move stake (--amount in α of the origin subnet) to another hotkey and/or subnet",
				Flags: walletFlags(networkFlags(amount, flagTxWait,
					&cli.StringFlag{Name: "origin-netuid", Usage: "`NETUID` the stake is on"},
					&cli.StringFlag{Name: "dest-netuid", Usage: "`NETUID` to move it to (default: the origin)"},
					&cli.StringFlag{Name: "dest", Aliases: []string{"dest-ss58", "destination"}, Usage: "destination hotkey `ADDRESS` (default: the wallet's hotkey)"})...),
				Action: nodeAction(stakeMove)},
			{Name: "list", Usage: "list the coldkey's stakes", Flags: walletFlags(networkFlags(
				&cli.StringFlag{Name: "ss58", Aliases: []string{"coldkey-ss58"}, Usage: "list this coldkey `ADDRESS` instead of the wallet's"})...),
				Action: nodeAction(stakeList)},
			stakeChildCommand(), // stake_child.go
		},
	})
}

// stakeHotkey is --hotkey-ss58, else the wallet's hotkey.
func (n *nodeCtx) stakeHotkey() (keys.PublicKey, error) {
	if n.c.String(flagHotkeySS58.Name) != "" {
		return n.addressFlag(flagHotkeySS58.Name, "hotkey")
	}
	return n.hotkeyPub()
}

func stakeAdd(n *nodeCtx) error {
	netuid, err := n.netuid(flagNetuid.Name)
	if err != nil {
		return err
	}
	hot, err := n.stakeHotkey()
	if err != nil {
		return err
	}
	amount, err := n.amountFlag("amount", "TAO to stake")
	if err != nil {
		return err
	}
	return n.submitStake(fmt.Sprintf("Stake %s TAO to %s on subnet %d?", formatTAO(amount), hot.SS58(), netuid),
		tx.AddStake{Hotkey: hot, Netuid: netuid, Amount: amount}, chain.EventStakeAdded, func(a map[string]string) string {
			return fmt.Sprintf("Staked %s τ to %s on subnet %d for %s α", formatTAO(amount), hot.SS58(), netuid, taoOf(a["alpha"]))
		})
}

// submitStake asks question, signs call with the coldkey, submits it and
// reports the outcome from its event: the one path of stake add, remove and
// move.
func (n *nodeCtx) submitStake(question string, call tx.Call, event string, what func(attrs map[string]string) string) error {
	if err := n.confirm(question); err != nil {
		return err
	}
	pair, err := n.coldkeyPair()
	if err != nil {
		return err
	}
	st, err := submit(n.c, n.client, pair, call)
	if err != nil {
		return err
	}
	return n.stakeResult(st, event, what)
}

// stakeResult reports a staking transaction with its event's attributes
// (in the JSON data, and through what in the text).
func (n *nodeCtx) stakeResult(st *included, event string, what func(attrs map[string]string) string) error {
	ev, err := st.event(event)
	if err != nil {
		return err
	}
	data := st.data()
	for k, v := range ev.Attrs {
		data[k] = v
	}
	return n.result(data, what(ev.Attrs)+": "+st.text())
}

// stakeOn returns the signer's alpha on (hotkey, netuid).
func (n *nodeCtx) stakeOn(coldkey, hotkey string, netuid uint16) (uint64, error) {
	info, err := n.client.StakeInfo(n.c.Context, coldkey)
	if err != nil {
		return 0, nodeErr(err)
	}
	for _, s := range info.Stakes {
		if s.Hotkey == hotkey && s.Netuid == netuid {
			return raoOf(s.Alpha)
		}
	}
	return 0, nil
}

func stakeRemove(n *nodeCtx) error {
	netuid, err := n.netuid(flagNetuid.Name)
	if err != nil {
		return err
	}
	hot, err := n.stakeHotkey()
	if err != nil {
		return err
	}
	var amount uint64
	if n.c.Bool("all") {
		cold, err := n.coldkeyPub()
		if err != nil {
			return err
		}
		if amount, err = n.stakeOn(cold.SS58(), hot.SS58(), netuid); err != nil {
			return err
		}
		if amount == 0 {
			return cli.Exit(fmt.Sprintf("no stake of %s on %s in subnet %d", cold.SS58(), hot.SS58(), netuid), 1)
		}
	} else if amount, err = n.amountFlag("amount", "alpha to unstake"); err != nil {
		return err
	}
	return n.submitStake(fmt.Sprintf("Unstake %s α from %s on subnet %d?", formatTAO(amount), hot.SS58(), netuid),
		tx.RemoveStake{Hotkey: hot, Netuid: netuid, Amount: amount}, chain.EventStakeRemoved, func(a map[string]string) string {
			return fmt.Sprintf("Unstaked %s α from %s on subnet %d for %s τ", formatTAO(amount), hot.SS58(), netuid, taoOf(a["tao"]))
		})
}

func stakeMove(n *nodeCtx) error {
	from, err := n.netuid("origin-netuid")
	if err != nil {
		return err
	}
	to := from
	if n.c.String("dest-netuid") != "" {
		if to, err = n.netuid("dest-netuid"); err != nil {
			return err
		}
	}
	fromHot, err := n.hotkeyPub()
	if err != nil {
		return err
	}
	toHot := fromHot
	if n.c.String("dest") != "" {
		if toHot, err = n.addressFlag("dest", "destination hotkey"); err != nil {
			return err
		}
	}
	amount, err := n.amountFlag("amount", "alpha to move")
	if err != nil {
		return err
	}
	return n.submitStake(fmt.Sprintf("Move %s α from %s on subnet %d to %s on subnet %d?", formatTAO(amount), fromHot.SS58(), from, toHot.SS58(), to),
		tx.MoveStake{FromHotkey: fromHot, ToHotkey: toHot, FromNetuid: from, ToNetuid: to, Amount: amount}, chain.EventStakeMoved, func(a map[string]string) string {
			return fmt.Sprintf("Moved %s α from subnet %d to %s on subnet %d as %s α", formatTAO(amount), from, toHot.SS58(), to, taoOf(a["to_alpha"]))
		})
}

func stakeList(n *nodeCtx) error {
	addr := n.c.String("ss58")
	if addr == "" {
		cold, err := n.coldkeyPub()
		if err != nil {
			return err
		}
		addr = cold.SS58()
	} else if id, err := keys.ParseAddress(addr); err != nil {
		return cli.Exit("--ss58: "+err.Error(), exitUsage)
	} else {
		addr = id.SS58()
	}
	info, err := n.client.StakeInfo(n.c.Context, addr)
	if err != nil {
		return nodeErr(err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Stakes of %s at block %d\n%6s %-48s %22s %22s\n", addr, info.Height, "NETUID", "HOTKEY", "STAKE (α)", "VALUE (τ)")
	for _, s := range info.Stakes {
		fmt.Fprintf(&b, "%6d %-48s %22s %22s\n", s.Netuid, s.Hotkey, taoOf(s.Alpha), taoOf(s.TaoValue))
	}
	fmt.Fprintf(&b, "%6s %-48s %22s %22s", "", "Total", "", taoOf(info.Total))
	return n.result(map[string]any{"stake_info": info}, b.String())
}
