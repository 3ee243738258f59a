package main

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/taorun/taorun/host"
	"github.com/taorun/taorun/plugins"
	"github.com/taorun/taorun/runtime"
)

func init() { moduleSubcommands = append(moduleSubcommands, moduleCheckCommand) }

// exitPolicy is the exit status of a module that breaks the upload policy
// or cannot run.
const exitPolicy = 1

// costClassNames names the instruction classes of plugins.CostTable.Class,
// in index order (plugins/internal/wasmbin's Class constants). The array
// length makes the build fail if the number of classes changes.
var costClassNames = [len(plugins.CostTable{}.Class)]string{
	"structural", "base", "control", "call", "call_indirect", "global", "load", "store",
	"int div/rem", "float", "float (NaN-canonicalised)", "float div/sqrt", "convert",
	"memory.size", "memory.grow", "bulk memory", "table",
}

// moduleCheckCommand is `taorun module check FILE.wasm`.
func moduleCheckCommand() *cli.Command {
	return &cli.Command{
		Name:      "check",
		Usage:     "check a module against the chain's upload policy and show what the chain would store",
		ArgsUsage: "FILE.wasm",
		Description: `Runs the chain's exact upload pipeline on FILE.wasm (the policy of plugins.DefaultLimits,
the instrumentation with the version 1 cost table, validation of the result) and links the
instrumented module against the host functions, as an upload does. It prints the module ID
(SHA-256 of the file), the instrumented module's ID, the sizes, memory limits, imports,
exports, entry points, a summary of the functions' metering and the gas tables; with
--json-output one JSON object {"ok", "module_id", "instrumented_id", "config_hash",
"original_bytes", "instrumented_bytes", "memory_min_pages", "memory_max_pages", "entry_points",
"imports", "exports", "functions", "static_gas", "max_frame_slots", "cost_table", "host_costs"}
or, for a refused module, {"ok": false, "rule", "where", "error"}.
A policy violation exits with status 1; an unreadable file with status 2.`,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "json-output", Usage: "print one JSON object instead of text"},
		},
		Action: func(c *cli.Context) error {
			args, err := positionalArgs(c)
			if err != nil {
				return cli.Exit(err.Error(), exitUsage)
			}
			if len(args) != 1 {
				return cli.Exit(fmt.Sprintf("want exactly one argument, the module FILE.wasm; got %d", len(args)), exitUsage)
			}
			wasm, err := os.ReadFile(args[0])
			if err != nil {
				return cli.Exit(err.Error(), exitUsage)
			}
			m, err := prepareModule(c.Context, wasm)
			if err != nil {
				return reportRefusal(c.App.Writer, c.Bool("json-output"), err)
			}
			rep := newCheckReport(m)
			if c.Bool("json-output") {
				return printJSON(c.App.Writer, rep)
			}
			return rep.write(c.App.Writer)
		},
	}
}

// prepareModule runs the upload pipeline on wasm and links the result
// against taorun's host functions, as the chain does on upload. Errors are
// *plugins.PolicyError for policy violations.
func prepareModule(ctx context.Context, wasm []byte) (*plugins.Module, error) {
	m, err := plugins.Prepare(wasm, plugins.DefaultLimits())
	if err != nil {
		return nil, err
	}
	r, err := runtime.New(runtime.Config{Engine: runtime.EngineWazeroInterp, Host: host.Functions()})
	if err != nil {
		return nil, err
	}
	defer r.Close(ctx)
	if _, err := r.Compile(ctx, m.Instrumented); err != nil {
		return nil, &plugins.PolicyError{Rule: "link", Where: "module", Msg: err.Error()}
	}
	return m, nil
}

// reportRefusal prints why a module was refused and returns the exit error.
func reportRefusal(w io.Writer, asJSON bool, err error) error {
	var pe *plugins.PolicyError
	if !errors.As(err, &pe) {
		return cli.Exit(err.Error(), exitPolicy)
	}
	if asJSON {
		if err := printJSON(w, map[string]any{"ok": false, "rule": pe.Rule, "where": pe.Where, "error": pe.Error()}); err != nil {
			return err
		}
	}
	return cli.Exit(fmt.Sprintf("policy violation (%s): %s", pe.Rule, pe.Error()), exitPolicy)
}

// checkReport is `module check`'s report.
type checkReport struct {
	OK                bool              `json:"ok"`
	ModuleID          string            `json:"module_id"`
	InstrumentedID    string            `json:"instrumented_id"`
	ConfigHash        string            `json:"config_hash"`
	OriginalBytes     int               `json:"original_bytes"`
	InstrumentedBytes int               `json:"instrumented_bytes"`
	MemoryMinPages    uint64            `json:"memory_min_pages"`
	MemoryMaxPages    uint64            `json:"memory_max_pages"`
	EntryPoints       []string          `json:"entry_points"`
	Imports           []checkImport     `json:"imports"`
	Exports           []checkExport     `json:"exports"`
	Functions         int               `json:"functions"`
	StaticGas         uint64            `json:"static_gas"`
	MaxFrameSlots     uint32            `json:"max_frame_slots"`
	CostTable         map[string]uint64 `json:"cost_table"`
	HostCosts         map[string]uint64 `json:"host_costs"`
	limits            plugins.Limits    // for the text report
}

// checkImport is one import in checkReport.
type checkImport struct {
	Module    string `json:"module"`
	Name      string `json:"name"`
	Signature string `json:"signature"`
	Scope     string `json:"scope"`
}

// checkExport is one export in checkReport.
type checkExport struct {
	Name      string `json:"name"`
	Kind      string `json:"kind"`
	Signature string `json:"signature,omitempty"`
}

// newCheckReport summarises a prepared module.
func newCheckReport(m *plugins.Module) *checkReport {
	lim := plugins.DefaultLimits()
	rep := &checkReport{
		OK:                true,
		ModuleID:          hex.EncodeToString(m.ID[:]),
		InstrumentedID:    hex.EncodeToString(m.InstrumentedID[:]),
		ConfigHash:        hex.EncodeToString(m.ConfigHash[:]),
		OriginalBytes:     m.Report.OriginalBytes,
		InstrumentedBytes: m.Report.InstrumentedBytes,
		MemoryMinPages:    m.Report.Memory.Min,
		MemoryMaxPages:    m.Report.Memory.Max,
		EntryPoints:       m.Report.EntryPoints,
		Functions:         len(m.Report.Functions),
		CostTable:         map[string]uint64{},
		HostCosts:         hostCostTable(host.HostCostsV1()),
		limits:            lim,
	}
	for _, im := range m.Report.Imports {
		rep.Imports = append(rep.Imports, checkImport(im))
	}
	for _, ex := range m.Report.Exports {
		rep.Exports = append(rep.Exports, checkExport(ex))
	}
	for _, f := range m.Report.Functions {
		rep.StaticGas += f.StaticGas
		rep.MaxFrameSlots = max(rep.MaxFrameSlots, f.FrameCost)
	}
	ct := lim.Costs
	for i, price := range ct.Class {
		rep.CostTable[costClassNames[i]] = uint64(price)
	}
	rep.CostTable["version"] = uint64(ct.Version)
	rep.CostTable["function entry"] = uint64(ct.FuncEntry)
	rep.CostTable["per local"] = uint64(ct.PerLocal)
	rep.CostTable["memory.grow per page"] = uint64(ct.GrowPerPage)
	rep.CostTable["bulk bytes per unit"] = 1 << ct.BulkByteShift
	rep.CostTable["frame base slots"] = uint64(ct.FrameBase)
	return rep
}

// hostCostTable lists a host cost table by name.
func hostCostTable(c host.Costs) map[string]uint64 {
	return map[string]uint64{
		"version": uint64(c.Version), "call": c.Call, "read byte": c.ReadByte, "return byte": c.ReturnByte,
		"hash byte": c.HashByte, "log byte": c.LogByte, "storage read": c.StorageRead,
		"storage read byte": c.StorageReadByte, "storage write": c.StorageWrite, "storage write byte": c.StorageWriteByte,
	}
}

// write prints the report as text.
func (r *checkReport) write(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "policy:             OK (the chain would accept this module)\n")
	fmt.Fprintf(&b, "module ID:          %s\n", r.ModuleID)
	fmt.Fprintf(&b, "instrumented ID:    %s\n", r.InstrumentedID)
	fmt.Fprintf(&b, "config hash:        %s\n", r.ConfigHash)
	fmt.Fprintf(&b, "size:               %d bytes (limit %d); instrumented %d bytes (limit %d)\n",
		r.OriginalBytes, r.limits.MaxModuleBytes, r.InstrumentedBytes, r.limits.MaxInstrumentedBytes)
	fmt.Fprintf(&b, "memory:             %d to %d pages of 64 KiB\n", r.MemoryMinPages, r.MemoryMaxPages)
	fmt.Fprintf(&b, "entry points:       %s\n", strings.Join(r.EntryPoints, ", "))
	fmt.Fprintf(&b, "functions:          %d (limit %d); static gas of every segment once: %d; largest frame: %d stack slots\n",
		r.Functions, r.limits.MaxFunctions, r.StaticGas, r.MaxFrameSlots)
	fmt.Fprintf(&b, "imports (%d):\n", len(r.Imports))
	for _, im := range r.Imports {
		fmt.Fprintf(&b, "  %-48s %-32s %s\n", im.Module+"."+im.Name, im.Signature, im.Scope)
	}
	fmt.Fprintf(&b, "exports (%d):\n", len(r.Exports))
	for _, ex := range r.Exports {
		fmt.Fprintf(&b, "  %-48s %-8s %s\n", ex.Name, ex.Kind, ex.Signature)
	}
	ct := r.limits.Costs
	fmt.Fprintf(&b, "gas table (version %d), per instruction:\n", ct.Version)
	for i, price := range ct.Class {
		fmt.Fprintf(&b, "  %-28s %d\n", costClassNames[i], price)
	}
	fmt.Fprintf(&b, "  function entry %d, per local %d, memory.grow %d per page, bulk memory 1 per %d bytes, frame base %d slots\n",
		ct.FuncEntry, ct.PerLocal, ct.GrowPerPage, 1<<ct.BulkByteShift, ct.FrameBase)
	hc := host.HostCostsV1()
	fmt.Fprintf(&b, "host function gas (version %d): call %d, read byte %d, return byte %d, hash byte %d, log byte %d,\n",
		hc.Version, hc.Call, hc.ReadByte, hc.ReturnByte, hc.HashByte, hc.LogByte)
	fmt.Fprintf(&b, "  storage read %d + %d per byte, storage write %d + %d per byte\n",
		hc.StorageRead, hc.StorageReadByte, hc.StorageWrite, hc.StorageWriteByte)
	_, err := io.WriteString(w, b.String())
	return err
}
