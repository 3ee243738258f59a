package main

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/taorun/taorun/chain/tx"
	"github.com/taorun/taorun/keys"
	"github.com/taorun/taorun/node/rpc/api"
	"github.com/taorun/taorun/node/rpcclient"
	"github.com/taorun/taorun/wallet"
)

// The wallet commands that need a node: balance, transfer, overview.
func init() {
	walletSubcommands = append(walletSubcommands, walletBalanceCommand, walletTransferCommand, walletOverviewCommand)
}

// balanceRow is one account's line in `wallet balance`.
type balanceRow struct {
	Name    string `json:"name"`
	Address string `json:"coldkey"`
	Free    uint64 `json:"free"`   // rao
	Staked  uint64 `json:"staked"` // rao: TAO value of all stake at current pool prices
}

// walletBalanceCommand is `taorun wallet balance`: free, staked and total
// TAO of the wallet's coldkey, of every wallet (--all), or of addresses (--ss58).
func walletBalanceCommand() *cli.Command {
	return &cli.Command{
		Name:  "balance",
		Usage: "show the free, staked and total TAO of a coldkey (--all: every wallet; --ss58: any address)",
		Flags: walletFlags(networkFlags(
			&cli.BoolFlag{Name: "all", Aliases: []string{"a"}, Usage: "every wallet under --wallet.path"},
			&cli.StringSliceFlag{Name: "ss58", Aliases: []string{"ss58-address", "ss58_address"}, Usage: "an SS58 `ADDRESS` to show (repeatable)"})...),
		Action: func(c *cli.Context) error {
			wc, err := openWallet(c)
			if err != nil {
				return err
			}
			client, err := dialNode(c)
			if err != nil {
				return err
			}
			var rows []balanceRow
			switch {
			case len(c.StringSlice("ss58")) > 0:
				for _, s := range c.StringSlice("ss58") {
					id, err := keys.ParseAddress(strings.TrimSpace(s))
					if err != nil {
						return cli.Exit("--ss58: "+err.Error(), exitUsage)
					}
					rows = append(rows, balanceRow{Name: "", Address: id.SS58()})
				}
			case c.Bool("all"):
				root := c.String(flagWalletPath.Name)
				if root == "" {
					root = wallet.DefaultRoot()
				}
				infos, err := wallet.List(root)
				if err != nil {
					return cli.Exit(err.Error(), exitUsage)
				}
				for _, info := range infos {
					if info.Coldkey != nil {
						rows = append(rows, balanceRow{Name: info.Name, Address: info.Coldkey.SS58()})
					}
				}
			default:
				pub, err := wc.coldkeyPub()
				if err != nil {
					return err
				}
				rows = append(rows, balanceRow{Name: wc.w.Name(), Address: pub.SS58()})
			}
			var free, staked uint64
			for i := range rows {
				r := &rows[i]
				if r.Free, err = client.Balance(c.Context, r.Address); err != nil {
					return cli.Exit(err.Error(), 1)
				}
				if r.Staked, err = stakedValue(c, client, r.Address); err != nil {
					return err
				}
				free, staked = free+r.Free, staked+r.Staked
			}
			var b strings.Builder
			fmt.Fprintf(&b, "%-16s %-48s %22s %22s %22s\n", "Wallet", "Coldkey", "Free (TAO)", "Staked (TAO)", "Total (TAO)")
			for _, r := range rows {
				fmt.Fprintf(&b, "%-16s %-48s %22s %22s %22s\n", r.Name, r.Address, formatTAO(r.Free), formatTAO(r.Staked), formatTAO(r.Free+r.Staked))
			}
			fmt.Fprintf(&b, "%-16s %-48s %22s %22s %22s", "Total", "", formatTAO(free), formatTAO(staked), formatTAO(free+staked))
			balances := map[string]any{}
			for _, r := range rows {
				balances[r.Address] = map[string]any{"name": r.Name, "free": formatTAO(r.Free), "staked": formatTAO(r.Staked),
					"total": formatTAO(r.Free + r.Staked), "free_rao": r.Free, "staked_rao": r.Staked}
			}
			return wc.result(map[string]any{"balances": balances, "totals": map[string]any{
				"free": formatTAO(free), "staked": formatTAO(staked), "total": formatTAO(free + staked)}}, b.String())
		},
	}
}

// walletTransferCommand is `taorun wallet transfer`: send free TAO from the
// wallet's coldkey to --dest.
func walletTransferCommand() *cli.Command {
	return &cli.Command{
		Name:  "transfer",
		Usage: "send TAO from the wallet's coldkey to another address",
		Flags: walletFlags(networkFlags(flagTxWait,
			&cli.StringFlag{Name: "dest", Aliases: []string{"destination", "d"}, Usage: "recipient SS58 `ADDRESS`"},
			&cli.StringFlag{Name: "amount", Aliases: []string{"a"}, Usage: "`TAO` to send (up to 9 decimals)"})...),
		Action: func(c *cli.Context) error {
			wc, err := openWallet(c)
			if err != nil {
				return err
			}
			client, err := dialNode(c)
			if err != nil {
				return err
			}
			dest, err := wc.addressFlag("dest", "destination")
			if err != nil {
				return err
			}
			amount, err := wc.amountFlag("amount", "amount to transfer")
			if err != nil {
				return err
			}
			if amount == 0 {
				return cli.Exit("--amount: must be more than 0", exitUsage)
			}
			if err := wc.confirm(fmt.Sprintf("Transfer %s TAO from %s to %s?", formatTAO(amount), wc.w.Name(), dest.SS58())); err != nil {
				return err
			}
			pair, err := wc.coldkeyPair()
			if err != nil {
				return err
			}
			st, err := submit(c, client, pair, tx.Transfer{To: dest, Amount: amount})
			if err != nil {
				return err
			}
			bal, err := client.Balance(c.Context, pair.Public().SS58())
			if err != nil {
				return cli.Exit(err.Error(), 1)
			}
			data := st.data()
			data["from"], data["to"], data["amount"], data["amount_rao"] = pair.Public().SS58(), dest.SS58(), formatTAO(amount), amount
			data["balance"] = formatTAO(bal)
			return wc.result(data, fmt.Sprintf("Transferred %s TAO to %s: %s\nBalance: %s TAO",
				formatTAO(amount), dest.SS58(), st.text(), formatTAO(bal)))
		},
	}
}

// stakedValue returns the TAO value (rao) of all of a coldkey's stake.
func stakedValue(c *cli.Context, client *rpcclient.Client, coldkey string) (uint64, error) {
	info, err := client.StakeInfo(c.Context, coldkey)
	if err != nil {
		return 0, nodeErr(err)
	}
	return raoOf(info.Total)
}

// walletOverviewCommand is `taorun wallet overview`: the coldkey's balance and,
// per subnet, every neuron of the wallet (its hotkeys, or hotkeys the coldkey
// owns) with its metagraph numbers.
func walletOverviewCommand() *cli.Command {
	return &cli.Command{
		Name:  "overview",
		Usage: "show the wallet's balance and its neurons on every subnet",
		Flags: walletFlags(networkFlags()...),
		Action: nodeAction(func(n *nodeCtx) error {
			ctx := n.c.Context
			cold, err := n.coldkeyPub()
			if err != nil {
				return err
			}
			mine := map[string]string{} // hotkey SS58 → local hotkey name
			names, err := n.w.Hotkeys()
			if err != nil {
				return cli.Exit(err.Error(), exitUsage)
			}
			for _, h := range names {
				if p, err := n.w.HotkeyPub(h); err == nil {
					mine[p.SS58()] = h
				}
			}
			free, err := n.client.Balance(ctx, cold.SS58())
			if err != nil {
				return nodeErr(err)
			}
			staked, err := stakedValue(n.c, n.client, cold.SS58())
			if err != nil {
				return err
			}
			subnets, err := n.client.Subnets(ctx)
			if err != nil {
				return nodeErr(err)
			}
			var b strings.Builder
			fmt.Fprintf(&b, "Wallet %s  coldkey %s\n  free %s TAO  staked %s TAO  total %s TAO\n",
				n.w.Name(), cold.SS58(), formatTAO(free), formatTAO(staked), formatTAO(free+staked))
			type row struct {
				Netuid     uint16 `json:"netuid"`
				HotkeyName string `json:"hotkey_name,omitempty"`
				api.Neuron
			}
			rows := []row{}
			for _, s := range subnets {
				mg, err := n.client.Metagraph(ctx, s.Netuid, false)
				if err != nil {
					return nodeErr(err)
				}
				var here []row
				for _, nr := range mg.Neurons {
					name, ok := mine[nr.Hotkey]
					if ok || nr.Coldkey == cold.SS58() {
						here = append(here, row{Netuid: s.Netuid, HotkeyName: name, Neuron: nr})
					}
				}
				if len(here) == 0 {
					continue
				}
				fmt.Fprintf(&b, "\nSubnet %d (%d neurons, tempo %d, price %s TAO/α)\n", s.Netuid, s.Neurons, s.Tempo, s.Price)
				writeNeuronTable(&b, neuronsOf(here, func(r row) api.Neuron { return r.Neuron }), func(i int) string { return here[i].HotkeyName })
				rows = append(rows, here...)
			}
			if len(rows) == 0 {
				b.WriteString("\nNo neurons registered (taorun subnets register --netuid N).\n")
			}
			return n.result(map[string]any{"coldkey": cold.SS58(), "free": formatTAO(free), "staked": formatTAO(staked),
				"total": formatTAO(free + staked), "neurons": rows}, strings.TrimRight(b.String(), "\n"))
		}),
	}
}

// neuronsOf projects a slice onto its neurons.
func neuronsOf[T any](xs []T, f func(T) api.Neuron) []api.Neuron {
	out := make([]api.Neuron, len(xs))
	for i, x := range xs {
		out[i] = f(x)
	}
	return out
}
