package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/taorun/taorun/chain"
	"github.com/taorun/taorun/chain/tx"
	"github.com/taorun/taorun/node/rpc/api"
)

// subnetsCommand is `taorun subnets` (btcli's `subnets` group).
func subnetsCommand() *cli.Command {
	return withSnakeAliases(&cli.Command{
		Name:    "subnets",
		Aliases: []string{"s", "subnet"},
		Usage:   "list, inspect, create and register on subnets",
		Subcommands: []*cli.Command{
			{Name: "list", Usage: "list subnets with their pools and prices", Flags: walletFlags(networkFlags()...), Action: nodeAction(subnetsList)},
			{Name: "show", Usage: "show a subnet and its neurons", Flags: walletFlags(networkFlags(flagNetuid)...), Action: nodeAction(subnetsShow(false))},
			{Name: "metagraph", Usage: "show a subnet's full metagraph", Flags: walletFlags(networkFlags(flagNetuid)...), Action: nodeAction(subnetsShow(true))},
			{Name: "hyperparameters", Usage: "show a subnet's hyperparameters", Flags: walletFlags(networkFlags(flagNetuid)...), Action: nodeAction(subnetsHyperparameters)},
			{Name: "burn-cost", Usage: "show the TAO locked to create a subnet now", Flags: walletFlags(networkFlags()...), Action: nodeAction(subnetsBurnCost)},
			{Name: "create", Usage: "create a subnet owned by the wallet's coldkey, with its hotkey as the owner neuron",
				Flags: walletFlags(networkFlags(flagTxWait)...), Action: nodeAction(subnetsCreate)},
			{Name: "register", Aliases: []string{"burned-register"}, Usage: "register the wallet's hotkey on a subnet, burning the registration cost",
				Flags: walletFlags(networkFlags(flagNetuid, flagTxWait)...), Action: nodeAction(subnetsRegister)},
			setHyperparameterCommand("set-hyperparameter", "set a subnet hyperparameter (owner, or sudo with the sudo key)"),
		},
	})
}

// withSnakeAliases adds btcli's snake_case twin to every multi-word subcommand.
func withSnakeAliases(cmd *cli.Command) *cli.Command {
	for _, s := range cmd.Subcommands {
		if strings.Contains(s.Name, "-") {
			s.Aliases = append(s.Aliases, strings.ReplaceAll(s.Name, "-", "_"))
		}
	}
	return cmd
}

func subnetsList(n *nodeCtx) error {
	subnets, err := n.client.Subnets(n.c.Context)
	if err != nil {
		return nodeErr(err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%6s %9s %6s %14s %14s %20s %20s %20s %14s %14s  %s\n", "NETUID", "NEURONS", "TEMPO", "PRICE τ/α",
		"EMA PRICE", "TAO IN (τ)", "ALPHA IN (α)", "ALPHA OUT (α)", "α/BLOCK", "BURN (τ)", "OWNER")
	for _, s := range subnets {
		fmt.Fprintf(&b, "%6d %4d/%-4d %6d %14s %14s %20s %20s %20s %14s %14s  %s\n", s.Netuid, s.Neurons, s.MaxNeurons, s.Tempo, s.Price,
			s.MovingPrice, taoOf(s.TaoIn), taoOf(s.AlphaIn), taoOf(s.AlphaOut), taoOf(s.AlphaEmission), taoOf(s.BurnCost), s.Owner)
	}
	if len(subnets) == 0 {
		b.WriteString("(no subnets: create one with `taorun subnets create`)\n")
	}
	if subnets == nil {
		subnets = []api.Subnet{}
	}
	return n.result(map[string]any{"subnets": subnets}, strings.TrimRight(b.String(), "\n"))
}

// writeSubnet writes a subnet's summary lines.
func writeSubnet(w io.Writer, s *api.SubnetInfo) {
	fmt.Fprintf(w, "Subnet %d at block %d\n", s.Netuid, s.Height)
	fmt.Fprintf(w, "  owner        %s (hotkey %s)\n", s.Owner, s.OwnerHotkey)
	fmt.Fprintf(w, "  neurons      %d of %d, tempo %d, registered at block %d\n", s.Neurons, s.MaxNeurons, s.Tempo, s.RegisteredAt)
	fmt.Fprintf(w, "  epochs       %d so far, last at block %d, next at block %d\n", s.EpochIndex, s.LastEpoch, s.NextEpoch)
	fmt.Fprintf(w, "  pool         %s τ / %s α, price %s τ/α (EMA %s); %s α outstanding\n", taoOf(s.TaoIn), taoOf(s.AlphaIn), s.Price,
		s.MovingPrice, taoOf(s.AlphaOut))
	fmt.Fprintf(w, "  emission     %s α per block; pending for the next epoch: miners %s α, validators %s α, root %s α, owner %s α\n",
		taoOf(s.AlphaEmission), taoOf(s.Pending.Server), taoOf(s.Pending.Validator), taoOf(s.Pending.Root), taoOf(s.Pending.Owner))
	fmt.Fprintf(w, "  burn cost    %s τ to register a neuron\n", taoOf(s.BurnCost))
}

// writeNeuronTable writes one line per neuron; label, when not nil, adds a
// name column (the local hotkey name in `wallet overview`).
func writeNeuronTable(w io.Writer, ns []api.Neuron, label func(i int) string) {
	fmt.Fprintf(w, "%5s %18s %8s %8s %8s %8s %8s %16s %3s %3s %8s  %-22s %-48s %s\n", "UID", "STAKE (α)", "S.WEIGHT", "CONSENS", "INCENT",
		"DIVIDND", "VTRUST", "EMISSION (α)", "VAL", "ACT", "UPDATED", "AXON", "HOTKEY", "COLDKEY")
	for i, nr := range ns {
		axon := "-"
		if nr.Axon != nil {
			axon = fmt.Sprintf("%s:%d", nr.Axon.IP, nr.Axon.Port)
		}
		name := ""
		if label != nil {
			name = "  " + label(i)
		}
		fmt.Fprintf(w, "%5d %18s %8s %8s %8s %8s %8s %16s %3s %3s %8d  %-22s %-48s %s%s\n", nr.UID, taoOf(nr.Stake), proportion(nr.StakeWeight),
			proportion(nr.Consensus), proportion(nr.Incentive), proportion(nr.Dividends), proportion(nr.ValidatorTrust), taoOf(nr.Emission),
			yesNo(nr.ValidatorPermit), yesNo(nr.Active), nr.LastUpdate, axon, nr.Hotkey, nr.Coldkey, name)
	}
}

func yesNo(b bool) string {
	if b {
		return "*"
	}
	return "-"
}

// subnetsShow is `subnets show` (full: `subnets metagraph`, with weights and bonds in JSON).
func subnetsShow(full bool) func(n *nodeCtx) error {
	return func(n *nodeCtx) error {
		netuid, err := n.netuid(flagNetuid.Name)
		if err != nil {
			return err
		}
		mg, err := n.client.Metagraph(n.c.Context, netuid, full)
		if err != nil {
			return nodeErr(err)
		}
		var b strings.Builder
		writeSubnet(&b, &mg.SubnetInfo)
		b.WriteString("\n")
		writeNeuronTable(&b, mg.Neurons, nil)
		return n.result(map[string]any{"metagraph": mg}, strings.TrimRight(b.String(), "\n"))
	}
}

func subnetsHyperparameters(n *nodeCtx) error {
	netuid, err := n.netuid(flagNetuid.Name)
	if err != nil {
		return err
	}
	info, err := n.client.SubnetInfo(n.c.Context, netuid)
	if err != nil {
		return nodeErr(err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Subnet %d hyperparameters at block %d\n%-36s %24s  %s\n", netuid, info.Height, "HYPERPARAMETER", "VALUE", "SET BY")
	values := map[string]uint64{}
	for _, h := range info.Hyperparameters {
		who := map[bool]string{false: "sudo", true: "owner or sudo"}[h.Owner]
		if h.Network {
			who = "sudo, network-wide (--netuid 0)"
		}
		fmt.Fprintf(&b, "%-36s %24d  %s\n", h.Name, h.Value, who)
		values[h.Name] = h.Value
	}
	return n.result(map[string]any{"netuid": netuid, "hyperparameters": values}, strings.TrimRight(b.String(), "\n"))
}

func subnetsBurnCost(n *nodeCtx) error {
	cost, err := n.client.SubnetLockCost(n.c.Context)
	if err != nil {
		return nodeErr(err)
	}
	return n.result(map[string]any{"burn_cost": formatTAO(cost), "burn_cost_rao": cost},
		fmt.Sprintf("Creating a subnet now locks %s TAO.", formatTAO(cost)))
}

func subnetsCreate(n *nodeCtx) error {
	hot, err := n.hotkeyPub()
	if err != nil {
		return err
	}
	cost, err := n.client.SubnetLockCost(n.c.Context)
	if err != nil {
		return nodeErr(err)
	}
	if err := n.confirm(fmt.Sprintf("Create a subnet owned by wallet %s (owner hotkey %s), locking %s TAO?", n.w.Name(), hot.SS58(), formatTAO(cost))); err != nil {
		return err
	}
	pair, err := n.coldkeyPair()
	if err != nil {
		return err
	}
	st, err := submit(n.c, n.client, pair, tx.CreateSubnet{Hotkey: hot})
	if err != nil {
		return err
	}
	ev, err := st.event(chain.EventSubnetCreated)
	if err != nil {
		return err
	}
	data := st.data()
	for k, v := range ev.Attrs {
		data[k] = v
	}
	return n.result(data, fmt.Sprintf("Created subnet %s (owner hotkey %s, locked %s TAO): %s", ev.Attrs["netuid"], hot.SS58(),
		taoOf(ev.Attrs["lock"]), st.text()))
}

func subnetsRegister(n *nodeCtx) error {
	netuid, err := n.netuid(flagNetuid.Name)
	if err != nil {
		return err
	}
	hot, err := n.hotkeyPub()
	if err != nil {
		return err
	}
	info, err := n.client.SubnetInfo(n.c.Context, netuid)
	if err != nil {
		return nodeErr(err)
	}
	if err := n.confirm(fmt.Sprintf("Register hotkey %s on subnet %d, burning %s TAO?", hot.SS58(), netuid, taoOf(info.BurnCost))); err != nil {
		return err
	}
	pair, err := n.coldkeyPair()
	if err != nil {
		return err
	}
	st, err := submit(n.c, n.client, pair, tx.BurnedRegister{Netuid: netuid, Hotkey: hot})
	if err != nil {
		return err
	}
	ev, err := st.event(chain.EventNeuronRegistered)
	if err != nil {
		return err
	}
	data := st.data()
	for k, v := range ev.Attrs {
		data[k] = v
	}
	return n.result(data, fmt.Sprintf("Registered %s on subnet %d as uid %s (burned %s TAO): %s", hot.SS58(), netuid, ev.Attrs["uid"],
		taoOf(ev.Attrs["burn"]), st.text()))
}

// setHyperparameterCommand is `subnets set-hyperparameter` and `sudo set`:
// with the chain's sudo key it sends sudo_set, otherwise the owner's
// set_hyperparameter.
func setHyperparameterCommand(name, usage string) *cli.Command {
	return &cli.Command{
		Name:  name,
		Usage: usage,
		Flags: walletFlags(networkFlags(flagNetuid, flagTxWait,
			&cli.StringFlag{Name: "param", Aliases: []string{"parameter"}, Usage: "hyperparameter `NAME` (see `subnets hyperparameters`)"},
			&cli.StringFlag{Name: "value", Usage: "new `VALUE` (an integer; true/false for booleans)"})...),
		Action: nodeAction(func(n *nodeCtx) error {
			netuid, err := n.netuid(flagNetuid.Name)
			if err != nil {
				return err
			}
			param := n.c.String("param")
			if param == "" {
				if param, err = n.readLine("Enter the hyperparameter name: ", false); err != nil {
					return err
				}
			}
			value, err := parseParamValue(n.c.String("value"))
			if err != nil {
				return err
			}
			info, err := n.client.ChainInfo(n.c.Context)
			if err != nil {
				return nodeErr(err)
			}
			pair, err := n.coldkeyPair()
			if err != nil {
				return err
			}
			var call tx.Call = tx.SetHyperparameter{Netuid: netuid, Param: param, Value: value}
			if info.Sudo != "" && info.Sudo == pair.Public().SS58() {
				call = tx.SudoSet{Netuid: netuid, Param: param, Value: value}
			}
			if err := n.confirm(fmt.Sprintf("Set %s of subnet %d to %d (%s)?", param, netuid, value, tx.Name(call.Kind()))); err != nil {
				return err
			}
			st, err := submit(n.c, n.client, pair, call)
			if err != nil {
				return err
			}
			data := st.data()
			data["netuid"], data["param"], data["value"], data["call"] = netuid, param, value, tx.Name(call.Kind())
			return n.result(data, fmt.Sprintf("Set %s of subnet %d to %d: %s", param, netuid, value, st.text()))
		}),
	}
}

// boolWords are the words --value accepts for boolean hyperparameters.
var boolWords = map[string]uint64{"true": 1, "false": 0, "yes": 1, "no": 0, "on": 1, "off": 0}

// parseParamValue reads a hyperparameter value: an unsigned integer, or
// true/false for booleans.
func parseParamValue(s string) (uint64, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if v, ok := boolWords[s]; ok {
		return v, nil
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, cli.Exit(fmt.Sprintf("--value %q: want an unsigned integer, true or false", s), exitUsage)
	}
	return v, nil
}
