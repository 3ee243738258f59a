package plugins

import (
	"errors"
	"fmt"
	"strings"

	"github.com/taorun/taorun/abi"
	"github.com/taorun/taorun/plugins/internal/wasmbin"
)

// sigEntry is every entry point's signature, (ptr i32, len i32) -> i64.
var sigEntry = wasmbin.FuncType{Params: []wasmbin.ValType{wasmbin.I32, wasmbin.I32}, Results: []wasmbin.ValType{wasmbin.I64}}

// requiredFuncs are the ABI exports other than entry points, with their
// signatures.
var requiredFuncs = []struct {
	name string
	sig  wasmbin.FuncType
}{
	{abi.AllocExport, wasmbin.FuncType{Params: []wasmbin.ValType{wasmbin.I32}, Results: []wasmbin.ValType{wasmbin.I32}}},
	{abi.DeallocExport, wasmbin.FuncType{Params: []wasmbin.ValType{wasmbin.I32, wasmbin.I32}}},
}

func toWasm(ts []abi.ValType) []wasmbin.ValType {
	out := make([]wasmbin.ValType, len(ts))
	for i, t := range ts {
		out[i] = wasmbin.ValType(t)
	}
	return out
}

// checkPolicy applies the import, export, memory, table and size rules,
// rewriting the memory and table maxima in m, and returns the report's
// module-level part.
func checkPolicy(m *wasmbin.Module, lim *Limits) (*Report, error) {
	rep := &Report{}
	if m.HasStart {
		if err := startToInitialize(m); err != nil {
			return nil, err
		}
	}
	if len(m.Funcs) > lim.MaxFunctions {
		return nil, perr("limits", "module", "defines %d functions, more than the limit of %d", len(m.Funcs), lim.MaxFunctions)
	}
	if len(m.Imports) > lim.MaxImports {
		return nil, perr("limits", "module", "has %d imports, more than the limit of %d", len(m.Imports), lim.MaxImports)
	}

	// Imports: whitelisted functions with exact signatures, and env.memory.
	memImported := false
	for i := range m.Imports {
		im := &m.Imports[i]
		where := fmt.Sprintf("import %s.%s", im.Module, im.Name)
		switch im.Kind {
		case wasmbin.KindFunc:
			hf, ok := abi.LookupImport(im.Module, im.Name)
			if !ok {
				return nil, perr("imports", where, "is not in the host import whitelist (package abi)")
			}
			want := wasmbin.FuncType{Params: toWasm(hf.Params), Results: toWasm(hf.Results)}
			if int(im.TypeIndex) >= len(m.Types) {
				return nil, perr("imports", where, "type index %d out of range", im.TypeIndex)
			}
			got := m.Types[im.TypeIndex]
			if !got.Equal(want) {
				return nil, perr("imports", where, "has signature %s, want %s", got, want)
			}
			rep.Imports = append(rep.Imports, ImportReport{Module: im.Module, Name: im.Name, Signature: got.String(), Scope: hf.Scope.String()})
		case wasmbin.KindMemory:
			if im.Module != abi.HostModule || im.Name != abi.MemoryExport {
				return nil, perr("imports", where, "memory may only be imported as %s.%s", abi.HostModule, abi.MemoryExport)
			}
			memImported = true
			if err := capMemory(&im.Memory, lim); err != nil {
				return nil, err
			}
			rep.Memory = im.Memory
			m.SetSection(wasmbin.SecImport, wasmbin.AppendImports(nil, m.Imports))
		default:
			return nil, perr("imports", where, "imports a %s; only functions and env.memory may be imported", wasmbin.KindName(im.Kind))
		}
	}

	// Memory: exactly one.
	if n := len(m.Memories) + m.NumImported[wasmbin.KindMemory]; n != 1 {
		return nil, perr("memory", "module", "has %d memories; exactly one is required", n)
	}
	if !memImported {
		if err := capMemory(&m.Memories[0], lim); err != nil {
			return nil, err
		}
		rep.Memory = m.Memories[0]
		m.SetSection(wasmbin.SecMemory, wasmbin.AppendMemories(nil, m.Memories))
	}

	// Table: at most one, bounded, and fixed in size.
	if len(m.Tables) > 1 {
		return nil, perr("table", "module", "has %d tables; at most one is allowed", len(m.Tables))
	}
	if len(m.Tables) == 1 {
		t := &m.Tables[0]
		if t.Min > lim.MaxTableElems {
			return nil, perr("table", "table 0", "has %d elements, more than the limit of %d", t.Min, lim.MaxTableElems)
		}
		t.Max, t.HasMax = t.Min, true
		m.SetSection(wasmbin.SecTable, wasmbin.AppendTables(nil, m.Tables))
	}

	// Locals and body sizes.
	total := uint64(0)
	for i, c := range m.Codes {
		where := fmt.Sprintf("function %d", m.NumImported[wasmbin.KindFunc]+i)
		if c.NumLocals > uint64(lim.MaxLocalsPerFunction) {
			return nil, perr("limits", where, "declares %d locals, more than the limit of %d", c.NumLocals, lim.MaxLocalsPerFunction)
		}
		if len(c.Expr) > lim.MaxBodyBytes {
			return nil, perr("limits", where, "body is %d bytes, more than the limit of %d", len(c.Expr), lim.MaxBodyBytes)
		}
		total += c.NumLocals
		if err := c.Scan(); err != nil {
			var be *wasmbin.BannedOpError
			if errors.As(err, &be) {
				return nil, perr("feature", where, "%s", be.Message())
			}
			return nil, perr("decode", where, "malformed: %v", err)
		}
	}
	if total > uint64(lim.MaxTotalLocals) {
		return nil, perr("limits", "module", "declares %d locals in total, more than the limit of %d", total, lim.MaxTotalLocals)
	}

	// Exports: no reserved names, the required ABI exports with exact
	// signatures, at least one entry point.
	have := func(name string) *wasmbin.Export {
		for i := range m.Exports {
			if m.Exports[i].Name == name {
				return &m.Exports[i]
			}
		}
		return nil
	}
	for _, e := range m.Exports {
		if strings.HasPrefix(e.Name, abi.ReservedPrefix) {
			return nil, perr("exports", "export "+e.Name, "uses the reserved prefix %q", abi.ReservedPrefix)
		}
		er := ExportReport{Name: e.Name, Kind: wasmbin.KindName(e.Kind)}
		if e.Kind == wasmbin.KindFunc {
			t, err := m.FuncType(e.Index)
			if err != nil {
				return nil, perr("exports", "export "+e.Name, "%v", err)
			}
			er.Signature = t.String()
		}
		rep.Exports = append(rep.Exports, er)
	}
	if e := have(abi.MemoryExport); e == nil || e.Kind != wasmbin.KindMemory {
		return nil, perr("exports", "module", "does not export its memory as %q", abi.MemoryExport)
	}
	if e := have(abi.ABIMarker); e == nil {
		return nil, perr("exports", "module", "does not export the ABI marker %q", abi.ABIMarker)
	} else if e.Kind != wasmbin.KindFunc && e.Kind != wasmbin.KindGlobal {
		return nil, perr("exports", "export "+e.Name, "must be a function or a global, is a %s", wasmbin.KindName(e.Kind))
	}
	for _, rf := range requiredFuncs {
		if err := checkFuncExport(m, have(rf.name), rf.name, rf.sig); err != nil {
			return nil, err
		}
	}
	for _, en := range abi.Entries() {
		e := have(en.Name)
		if e == nil {
			continue
		}
		if err := checkFuncExport(m, e, en.Name, sigEntry); err != nil {
			return nil, err
		}
		rep.EntryPoints = append(rep.EntryPoints, en.Name)
	}
	if len(rep.EntryPoints) == 0 {
		names := make([]string, 0, 8)
		for _, en := range abi.Entries() {
			names = append(names, en.Name)
		}
		return nil, perr("exports", "module", "exports no entry point (one of %s)", strings.Join(names, ", "))
	}
	return rep, nil
}

func checkFuncExport(m *wasmbin.Module, e *wasmbin.Export, name string, want wasmbin.FuncType) error {
	if e == nil {
		return perr("exports", "module", "does not export %q", name)
	}
	if e.Kind != wasmbin.KindFunc {
		return perr("exports", "export "+name, "must be a function, is a %s", wasmbin.KindName(e.Kind))
	}
	got, err := m.FuncType(e.Index)
	if err != nil {
		return perr("exports", "export "+name, "%v", err)
	}
	if !got.Equal(want) {
		return perr("exports", "export "+name, "has signature %s, want %s", got, want)
	}
	return nil
}

// capMemory enforces and rewrites the memory limits: min <= MaxMemoryPages,
// max = min(declared max, MaxMemoryPages).
func capMemory(l *wasmbin.Limits, lim *Limits) error {
	if l.Min > lim.MaxMemoryPages {
		return perr("memory", "memory 0", "starts at %d pages, more than the limit of %d", l.Min, lim.MaxMemoryPages)
	}
	if !l.HasMax || l.Max > lim.MaxMemoryPages {
		l.Max, l.HasMax = lim.MaxMemoryPages, true
	}
	return nil
}

// startToInitialize turns a start function into the exported initialiser
// abi.InitializeExport, which the host runs once per instance under gas
// like any call: a start function would run during instantiation, before
// the host could set the gas global. AssemblyScript emits one for
// top-level statements. A module that has both is refused.
func startToInitialize(m *wasmbin.Module) error {
	for _, e := range m.Exports {
		if e.Name == abi.InitializeExport {
			return perr("start", "module", "has both a start function (%d) and an export %q", m.Start, abi.InitializeExport)
		}
	}
	t, err := m.FuncType(m.Start)
	if err != nil {
		return perr("start", "module", "start function: %v", err)
	}
	if len(t.Params)+len(t.Results) != 0 {
		return perr("start", "module", "start function %d has signature %s, want () -> ()", m.Start, t)
	}
	m.Exports = append(m.Exports, wasmbin.Export{Name: abi.InitializeExport, Kind: wasmbin.KindFunc, Index: m.Start})
	kept := m.Sections[:0]
	for _, s := range m.Sections {
		if s.ID != wasmbin.SecStart {
			kept = append(kept, s)
		}
	}
	m.Sections, m.HasStart = kept, false
	return nil
}
