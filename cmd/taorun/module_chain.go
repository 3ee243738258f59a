package main

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/taorun/taorun/chain"
	"github.com/taorun/taorun/chain/modules"
	"github.com/taorun/taorun/chain/tx"
	"github.com/taorun/taorun/node/rpc/api"
	"github.com/taorun/taorun/plugins"
)

func init() {
	moduleSubcommands = append(moduleSubcommands, moduleUploadCommand, moduleActivateCommand,
		moduleDeactivateCommand, moduleListCommand, moduleShowCommand)
}

// Flags of the module chain commands.
var (
	flagModuleID = &cli.StringFlag{Name: "module", Usage: "module `0xID` (the sha256 of its bytes, as upload prints it)"}
	flagAtBlock  = &cli.Uint64Flag{Name: "at-block", Usage: "activate at block `H` (after the block the transaction lands in)"}
	flagInBlocks = &cli.Uint64Flag{Name: "in-blocks", Value: 3, Usage: "activate `K` blocks after the current head (at least 2)"}
)

// nodeArgsAction wraps a command body that takes exactly want positional
// arguments (named what in errors; flags may follow them) and needs a
// wallet and a node.
func nodeArgsAction(want int, what string, body func(n *nodeCtx, args []string) error) cli.ActionFunc {
	return func(c *cli.Context) error {
		args, err := positionalArgs(c)
		if err != nil {
			return cli.Exit(err.Error(), exitUsage)
		}
		if len(args) != want {
			return cli.Exit(fmt.Sprintf("want exactly %d argument(s), %s; got %d", want, what, len(args)), exitUsage)
		}
		n, err := openNode(c)
		if err != nil {
			return err
		}
		return body(n, args)
	}
}

// moduleUploadCommand is `taorun module upload FILE.wasm --netuid N`.
func moduleUploadCommand() *cli.Command {
	return &cli.Command{
		Name:      "upload",
		Usage:     "upload a module to the chain for a subnet you own",
		ArgsUsage: "FILE.wasm",
		Description: `Uploads FILE.wasm as a module of subnet --netuid, signed by the wallet's coldkey (the
subnet owner). The chain's upload policy (plugins.Prepare under the default limits) runs
here first, and a module the chain would refuse is refused with the chain's error before
anything is sent (exit status 1). The coldkey pays the transaction fee (per byte) and
the upload fee (` + fmt.Sprintf("%s TAO + %d rao per byte", formatTAO(modules.UploadBaseFee), modules.UploadFeePerByte) + `), unless the
same bytes are already stored. Prints the module ID (0x sha256 of the file) to pass to
` + "`taorun module activate`" + `; with --json-output, {"success", "data": {"module_id", "size",
"upload_fee", "extrinsic_hash", "block", "fee", ...}, "error"}.`,
		Flags:  walletFlags(networkFlags(flagNetuid, flagTxWait)...),
		Action: nodeArgsAction(1, "the module FILE.wasm", moduleUpload),
	}
}

// chainRefusal is the error the chain gives a module that fails the policy
// (modules.Modules.Upload), prefixed with the call name as submit does.
func chainRefusal(err error) error {
	return cli.Exit(fmt.Sprintf("%s: %v", tx.Name(tx.KindUploadModule), fmt.Errorf("%w: %w", modules.ErrRejected, err)), exitPolicy)
}

func moduleUpload(n *nodeCtx, args []string) error {
	code, err := os.ReadFile(args[0])
	if err != nil {
		return cli.Exit(err.Error(), exitUsage)
	}
	if len(code) > tx.MaxCodeBytes {
		return chainRefusal(fmt.Errorf("module of %d bytes exceeds the %d-byte upload limit", len(code), tx.MaxCodeBytes))
	}
	if _, err := plugins.Prepare(code, plugins.DefaultLimits()); err != nil {
		return chainRefusal(err)
	}
	netuid, err := n.netuid(flagNetuid.Name)
	if err != nil {
		return err
	}
	id := sha256.Sum256(code)
	call := tx.UploadModule{Netuid: netuid, Code: code}
	txFee := tx.MinFee(&tx.Tx{Call: call})
	if err := n.confirm(fmt.Sprintf("Upload module 0x%x (%d bytes) to subnet %d from wallet %s, paying about %s TAO (transaction %s + upload %s)?",
		id, len(code), netuid, n.w.Name(), formatTAO(txFee+modules.UploadFee(len(code))), formatTAO(txFee),
		formatTAO(modules.UploadFee(len(code))))); err != nil {
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
	ev, err := st.event(chain.EventModuleUploaded)
	if err != nil {
		return err
	}
	data := st.data()
	data["netuid"], data["module_id"], data["size"] = netuid, ev.Attrs["module"], len(code)
	data["upload_fee"], data["upload_fee_rao"] = taoOf(ev.Attrs["fee"]), ev.Attrs["fee"]
	return n.result(data, fmt.Sprintf("Uploaded module %s (%d bytes) for subnet %d, upload fee %s TAO: %s\nActivate it with: taorun module activate --netuid %d --module %s",
		ev.Attrs["module"], len(code), netuid, taoOf(ev.Attrs["fee"]), st.text(), netuid, ev.Attrs["module"]))
}

// parseModuleID reads a module ID: 64 hex digits, with or without 0x.
func parseModuleID(s string) ([32]byte, error) {
	var id [32]byte
	h := strings.TrimPrefix(strings.TrimSpace(s), "0x")
	if len(h) != 64 {
		return id, fmt.Errorf("module ID %q: want 0x and 64 hex digits", s)
	}
	if _, err := hex.Decode(id[:], []byte(h)); err != nil {
		return id, fmt.Errorf("module ID %q: %v", s, err)
	}
	return id, nil
}

// moduleActivateCommand is `taorun module activate --netuid N --module 0xID`.
func moduleActivateCommand() *cli.Command {
	return &cli.Command{
		Name:  "activate",
		Usage: "schedule an uploaded module to become a subnet's module at a future block",
		Description: `Schedules module --module (uploaded before) to become subnet --netuid's module at the
start of block --at-block H, or --in-blocks K after the current head (default 3). The block
must come after the one the transaction lands in. A later activation replaces a pending
one. Signed by the wallet's coldkey (the subnet owner).`,
		Flags:  walletFlags(networkFlags(flagNetuid, flagModuleID, flagAtBlock, flagInBlocks, flagTxWait)...),
		Action: nodeAction(moduleActivate),
	}
}

func moduleActivate(n *nodeCtx) error {
	netuid, err := n.netuid(flagNetuid.Name)
	if err != nil {
		return err
	}
	id, err := parseModuleID(n.c.String(flagModuleID.Name))
	if err != nil {
		return cli.Exit("--module: "+err.Error(), exitUsage)
	}
	head, err := n.client.BlockNumber(n.c.Context)
	if err != nil {
		return nodeErr(err)
	}
	at := n.c.Uint64(flagAtBlock.Name)
	switch {
	case n.c.IsSet(flagAtBlock.Name) && n.c.IsSet(flagInBlocks.Name):
		return cli.Exit("give --at-block or --in-blocks, not both", exitUsage)
	case n.c.IsSet(flagAtBlock.Name):
		if at <= head+1 {
			return cli.Exit(fmt.Sprintf("--at-block %d: the head is block %d, so the transaction lands in block %d or later; pick a later block", at, head, head+1), exitUsage)
		}
	default:
		k := n.c.Uint64(flagInBlocks.Name)
		if k < 2 {
			return cli.Exit(fmt.Sprintf("--in-blocks %d: want at least 2 (the transaction itself lands in the next block)", k), exitUsage)
		}
		at = head + k
	}
	if err := n.confirm(fmt.Sprintf("Activate module 0x%x on subnet %d at block %d (head %d)?", id, netuid, at, head)); err != nil {
		return err
	}
	pair, err := n.coldkeyPair()
	if err != nil {
		return err
	}
	st, err := submit(n.c, n.client, pair, tx.ActivateModule{Netuid: netuid, ModuleID: id, AtBlock: at})
	if err != nil {
		return err
	}
	if _, err := st.event(chain.EventModuleScheduled); err != nil {
		return err
	}
	data := st.data()
	data["netuid"], data["module_id"], data["at_block"] = netuid, fmt.Sprintf("0x%x", id), at
	return n.result(data, fmt.Sprintf("Module 0x%x becomes subnet %d's module at block %d: %s", id, netuid, at, st.text()))
}

// moduleDeactivateCommand is `taorun module deactivate --netuid N`.
func moduleDeactivateCommand() *cli.Command {
	return &cli.Command{
		Name:  "deactivate",
		Usage: "remove a subnet's module and any pending activation",
		Description: `Removes subnet --netuid's active module and pending activation at once; from the next
hook on, the chain's defaults apply (docs/abi.md §3). Signed by the wallet's coldkey.`,
		Flags:  walletFlags(networkFlags(flagNetuid, flagTxWait)...),
		Action: nodeAction(moduleDeactivate),
	}
}

func moduleDeactivate(n *nodeCtx) error {
	netuid, err := n.netuid(flagNetuid.Name)
	if err != nil {
		return err
	}
	if err := n.confirm(fmt.Sprintf("Deactivate subnet %d's module?", netuid)); err != nil {
		return err
	}
	pair, err := n.coldkeyPair()
	if err != nil {
		return err
	}
	st, err := submit(n.c, n.client, pair, tx.DeactivateModule{Netuid: netuid})
	if err != nil {
		return err
	}
	data := st.data()
	data["netuid"] = netuid
	return n.result(data, fmt.Sprintf("Subnet %d has no module now: %s", netuid, st.text()))
}

// moduleListCommand is `taorun module list [--netuid N]`.
func moduleListCommand() *cli.Command {
	return &cli.Command{
		Name:  "list",
		Usage: "show subnets' modules: active, pending activation and hook gas limits",
		Description: `Shows subnet --netuid's module record at the node's head (tao_moduleInfo), or every
subnet's without --netuid. With --json-output, {"success", "data": {"modules": [ModuleInfo]}}
where ModuleInfo is {"netuid", "active", "pending": {"module", "at_block"}, "hook_gas"}.`,
		Flags:  walletFlags(networkFlags(flagNetuid)...),
		Action: nodeAction(moduleList),
	}
}

func moduleList(n *nodeCtx) error {
	var netuids []uint16
	if n.c.IsSet(flagNetuid.Name) {
		v, err := n.netuid(flagNetuid.Name)
		if err != nil {
			return err
		}
		netuids = append(netuids, v)
	} else {
		subnets, err := n.client.Subnets(n.c.Context)
		if err != nil {
			return nodeErr(err)
		}
		for _, s := range subnets {
			netuids = append(netuids, s.Netuid)
		}
	}
	infos := []*api.ModuleInfo{}
	var b strings.Builder
	fmt.Fprintf(&b, "%6s  %-32s  %-66s  %s\n", "NETUID", "HOOK GAS (weights/epoch/register)", "ACTIVE MODULE", "PENDING ACTIVATION")
	for _, netuid := range netuids {
		info, err := n.client.ModuleInfo(n.c.Context, netuid)
		if err != nil {
			return nodeErr(err)
		}
		infos = append(infos, info)
		active, pending := "(none: defaults)", "-"
		if info.Active != nil {
			active = *info.Active
		}
		if info.Pending != nil {
			pending = info.Pending.Module + " at block " + strconv.FormatUint(info.Pending.AtBlock, 10)
		}
		gas := fmt.Sprintf("%d/%d/%d", info.HookGas.ValidateWeights, info.HookGas.OnEpoch, info.HookGas.OnRegister)
		fmt.Fprintf(&b, "%6d  %-32s  %-66s  %s\n", netuid, gas, active, pending)
	}
	return n.result(map[string]any{"modules": infos}, strings.TrimRight(b.String(), "\n"))
}

// moduleShowCommand is `taorun module show 0xID`.
func moduleShowCommand() *cli.Command {
	return &cli.Command{
		Name:      "show",
		Usage:     "show a stored module: size, entry points, imports and exports",
		ArgsUsage: "0xID",
		Description: `Fetches module 0xID from the node (tao_getModule), checks that its sha256 is the ID, runs
the upload policy on it locally and shows its size, instrumented size, memory limits, entry
points, imports and exports. --output FILE also writes the module's bytes to FILE. With
--json-output, {"success", "data": {"module_id", "size", "instrumented_bytes",
"memory_min_pages", "memory_max_pages", "entry_points", "imports", "exports"}}.`,
		Flags: walletFlags(networkFlags(&cli.StringFlag{Name: "output", Aliases: []string{"o"},
			Usage: "write the module's bytes to `FILE`"})...),
		Action: nodeArgsAction(1, "the module 0xID", moduleShow),
	}
}

func moduleShow(n *nodeCtx, args []string) error {
	id, err := parseModuleID(args[0])
	if err != nil {
		return cli.Exit(err.Error(), exitUsage)
	}
	code, err := n.client.GetModule(n.c.Context, id)
	if err != nil {
		return nodeErr(err)
	}
	if out := n.c.String("output"); out != "" {
		if err := os.WriteFile(out, code, 0o644); err != nil {
			return cli.Exit(err.Error(), 1)
		}
	}
	m, err := plugins.Prepare(code, plugins.DefaultLimits())
	var pe *plugins.PolicyError
	if errors.As(err, &pe) {
		return cli.Exit(fmt.Sprintf("module 0x%x is stored but fails this binary's upload policy (%s): %v", id, pe.Rule, pe), 1)
	} else if err != nil {
		return cli.Exit(err.Error(), 1)
	}
	rep := newCheckReport(m)
	data := map[string]any{"module_id": fmt.Sprintf("0x%x", id), "size": len(code), "instrumented_bytes": rep.InstrumentedBytes,
		"memory_min_pages": rep.MemoryMinPages, "memory_max_pages": rep.MemoryMaxPages, "entry_points": rep.EntryPoints,
		"imports": rep.Imports, "exports": rep.Exports}
	var b strings.Builder
	fmt.Fprintf(&b, "module ID:          0x%x\nsize:               %d bytes\ninstrumented:       %d bytes\nmemory:             %d..%d pages\nentry points:       %s\n",
		id, len(code), rep.InstrumentedBytes, rep.MemoryMinPages, rep.MemoryMaxPages, strings.Join(rep.EntryPoints, ", "))
	b.WriteString("imports:\n")
	for _, im := range rep.Imports {
		fmt.Fprintf(&b, "  %s.%s %s (%s)\n", im.Module, im.Name, im.Signature, im.Scope)
	}
	b.WriteString("exports:\n")
	for _, ex := range rep.Exports {
		fmt.Fprintf(&b, "  %s %s %s\n", ex.Name, ex.Kind, ex.Signature)
	}
	return n.result(data, strings.TrimRight(b.String(), "\n"))
}
