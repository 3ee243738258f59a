package plugins

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/taorun/taorun/plugins/internal/wasmbin"
)

// immText gives each immediate kind a valid text form in the module that
// TestEveryOpcode builds.
var immText = map[wasmbin.ImmKind]string{ // read by key only
	wasmbin.ImmNone: "", wasmbin.ImmBlock: "", wasmbin.ImmLabel: " 0", wasmbin.ImmBrTable: " 0 0",
	wasmbin.ImmFunc: " $f", wasmbin.ImmCallIndirect: " (type $t)", wasmbin.ImmLocal: " 0",
	wasmbin.ImmGlobal: " $g", wasmbin.ImmTable: " 0", wasmbin.ImmMemArg: "", wasmbin.ImmMemIdx: "",
	wasmbin.ImmI32: " 1", wasmbin.ImmI64: " 1", wasmbin.ImmF32: " 1", wasmbin.ImmF64: " 1",
	wasmbin.ImmSelectT: " (result i32)", wasmbin.ImmRefNull: " func", wasmbin.ImmDataMem: " $d",
	wasmbin.ImmData: " $d", wasmbin.ImmMemMem: "",
}

// TestEveryOpcode assembles one function per allowed opcode with wabt, in
// unreachable code so any operands type-check, and checks that each decodes
// to that opcode, that the module passes the pipeline, and that banned
// opcodes in the table are refused with their name.
func TestEveryOpcode(t *testing.T) {
	var funcs []string
	var want []wasmbin.Op
	for _, op := range wasmbin.Ops() {
		info := wasmbin.Lookup(op)
		body := info.Name + immText[info.Imm]
		switch op {
		case wasmbin.OpElse, wasmbin.OpEnd:
			continue
		case wasmbin.OpBlock, wasmbin.OpLoop:
			body += " end"
		case wasmbin.OpIf:
			body += " else end"
		}
		if info.Banned != "" {
			continue
		}
		funcs = append(funcs, fmt.Sprintf("  (func (local i32) unreachable %s unreachable)", body))
		want = append(want, op)
	}
	src := "(module\n  (type $t (func))\n  (memory (export \"memory\") 1)\n  (table 1 funcref)\n" +
		"  (global $g (mut i32) (i32.const 0))\n  (data $d \"x\")\n  (elem declare func $f)\n" +
		"  (func $f)\n" + strings.Join(funcs, "\n") + "\n" +
		"  (func (export \"tao_abi_v1\"))\n  (func (export \"alloc\") (param i32) (result i32) i32.const 0)\n" +
		"  (func (export \"dealloc\") (param i32 i32))\n  (func (export \"score\") (param i32 i32) (result i64) i64.const 0))\n"
	dir := t.TempDir()
	in, out := filepath.Join(dir, "all.wat"), filepath.Join(dir, "all.wasm")
	if err := os.WriteFile(in, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := exec.LookPath("wat2wasm"); err != nil {
		t.Fatal("wat2wasm (wabt) is required")
	}
	if msg, err := exec.Command("wat2wasm", "--enable-all", "-o", out, in).CombinedOutput(); err != nil {
		t.Fatalf("wat2wasm: %v\n%s", err, msg)
	}
	bin, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	m, err := wasmbin.Decode(bin)
	if err != nil {
		t.Fatal(err)
	}
	// Function 1+i holds want[i] after the leading unreachable.
	for i, op := range want {
		r := wasmbin.NewReader(m.Codes[1+i].Expr, 0)
		var a, b wasmbin.Instr
		if err := wasmbin.DecodeInstr(r, &a); err != nil {
			t.Fatal(err)
		}
		if err := wasmbin.DecodeInstr(r, &b); err != nil || b.Op != op {
			t.Errorf("function for %s decoded as %v, %v", wasmbin.Lookup(op).Name, b.Op, err)
		}
	}
	if _, err := Prepare(bin, DefaultLimits()); err != nil {
		t.Fatalf("Prepare: %v", err)
	}
	t.Logf("%d opcodes assembled, decoded and instrumented", len(want))
}
