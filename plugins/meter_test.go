package plugins

import (
	"math"
	"strings"
	"testing"

	"github.com/taorun/taorun/abi"
)

// prepared instruments testdata/name.wat with the default limits.
func prepared(t *testing.T, name string) *Module {
	t.Helper()
	m, err := Prepare(wat(t, name), DefaultLimits())
	if err != nil {
		t.Fatalf("Prepare(%s): %v", name, err)
	}
	return m
}

// TestExactGas checks hand-computed gas under CostTableV1 in both engines.
// count.wat's score(p, n) costs 25 + 16n: entry 5 + 1 local + loop 2 = 8,
// then 16 per pass through the loop head, n+1 passes: the head (local.get,
// i32.eqz, br_if) and the body after the br_if form one segment, charged
// in full even on the last pass where br_if leaves (4 + 12), and the final
// local.get 1 after the block that br_if targets. bulk.wat costs 34 static plus one unit per 8 bytes for
// each of memory.fill and memory.copy.
func TestExactGas(t *testing.T) {
	count, bulk := prepared(t, "count"), prepared(t, "bulk")
	cases := []struct {
		mod     *Module
		n       uint64
		wantRes uint64
		wantGas uint64
	}{
		{count, 0, 0, 25},
		{count, 1, 1, 41},
		{count, 10, 55, 185},
		{count, 1000, 500500, 16025},
		{bulk, 0, 0, 34},
		{bulk, 7, 7, 34},
		{bulk, 8, 7, 36},
		{bulk, 1000, 7, 34 + 2*125},
	}
	for _, e := range engines {
		for _, c := range cases {
			in := instantiate(t, e.cfg(), c.mod.Instrumented, true)
			res, used, oog, err := in.call(1<<30, 1000, "score", 0, c.n)
			if err != nil || oog != 0 {
				t.Fatalf("%s n=%d: %v oog=%d", e.name, c.n, err, oog)
			}
			if res[0] != c.wantRes || used != c.wantGas {
				t.Errorf("%s n=%d: result %d gas %d, want %d gas %d", e.name, c.n, res[0], used, c.wantRes, c.wantGas)
			}
			// One unit less than needed must stop it, deterministically.
			in = instantiate(t, e.cfg(), c.mod.Instrumented, true)
			_, _, oog, err = in.call(c.wantGas-1, 1000, "score", 0, c.n)
			if err == nil || oog != abi.OOGOutOfGas {
				t.Errorf("%s n=%d with gas %d: err %v oog %d, want out of gas", e.name, c.n, c.wantGas-1, err, oog)
			}
		}
	}
}

// TestHostileRuns runs modules that would not stop on their own and checks
// they stop the same way in both engines.
func TestHostileRuns(t *testing.T) {
	loop, recurse, grow := prepared(t, "loop"), prepared(t, "recurse"), prepared(t, "growbomb")
	for _, e := range engines {
		// loop.wat: 7 on entry, then 2 per iteration: 10000 gas leaves 1.
		in := instantiate(t, e.cfg(), loop.Instrumented, true)
		_, used, oog, err := in.call(10000, 1000, "score", 0, 0)
		if err == nil || oog != abi.OOGOutOfGas || used != 9999 {
			t.Errorf("%s loop: err %v oog %d used %d, want trap, oog 1, used 9999", e.name, err, oog, used)
		}

		// recurse.wat: every frame would cost 8 slots (2 + params +
		// height 2 + 3) but costs FrameMin 10, so a budget of 1000 holds
		// score and 99 frames of $r; runtime's default budget of 16384
		// holds 1637, and the budget, not wazero interpreter's own limit
		// of 2,000 frames, must stop the recursion.
		for _, c := range []struct {
			budget           uint32
			depth, stackLeft uint64
		}{{1000, 99, 0}, {16384, 1637, 4}} {
			in = instantiate(t, e.cfg(), recurse.Instrumented, true)
			_, _, oog, err = in.call(1<<40, c.budget, "score", 0, 0)
			depth := in.mod.ExportedGlobal("depth").Get()
			if err == nil || oog != abi.OOGStackOverflow || depth != c.depth || in.stack.Get() != c.stackLeft {
				t.Errorf("%s recurse budget %d: err %v oog %d depth %d stack %d, want stack overflow at depth %d with %d left",
					e.name, c.budget, err, oog, depth, in.stack.Get(), c.depth, c.stackLeft)
			}
		}

		// growbomb.wat: memory stays within the rewritten maximum and gas
		// runs out.
		in = instantiate(t, e.cfg(), grow.Instrumented, true)
		_, _, oog, err = in.call(2_000_000_000, 1000, "score", 0, 0)
		pages := in.mod.Memory().Size() / 65536
		if err == nil || oog != abi.OOGOutOfGas {
			t.Errorf("%s growbomb: err %v oog %d pages %d", e.name, err, oog, pages)
		}
		if pages != uint32(DefaultLimits().MaxMemoryPages) {
			t.Errorf("%s growbomb: %d pages, want the cap %d", e.name, pages, DefaultLimits().MaxMemoryPages)
		}
	}
}

// TestStackRefund checks that the stack budget is fully refunded after
// calls that leave through return, br to the function label and the end,
// including a multi-value function.
func TestStackRefund(t *testing.T) {
	m := prepared(t, "multi")
	orig := wat(t, "multi")
	for _, e := range engines {
		for _, n := range []uint64{0, 5} {
			want, _, _, err := instantiate(t, e.cfg(), orig, false).call(0, 0, "score", 0, n)
			if err != nil {
				t.Fatal(err)
			}
			in := instantiate(t, e.cfg(), m.Instrumented, true)
			got, _, oog, err := in.call(1<<30, 500, "score", 0, n)
			if err != nil || oog != 0 || got[0] != want[0] {
				t.Fatalf("%s n=%d: %v %v oog %d, want %v", e.name, n, got, err, oog, want)
			}
			if s := in.stack.Get(); s != 500 {
				t.Errorf("%s n=%d: stack budget %d after the call, want 500 (refunded)", e.name, n, s)
			}
		}
	}
}

// TestNaNCanonical checks that NaN results are canonical after
// instrumentation in both engines while other float results are unchanged.
func TestNaNCanonical(t *testing.T) {
	m := prepared(t, "nan")
	const c32, c64 = 0x7fc00000, 0x7ff8000000000000
	cases := []struct {
		fn   string
		want uint64
	}{
		{"f32_div", c32},
		{"f32_sqrt", c32},
		{"f64_sub", c64},
		{"f64_mul_payload", c64},
		{"f64_promote", c64},
		{"f32_demote", c32},
		{"f64_min_nan", c64},
		{"f32_neg_nan_kept", 0x7fc00001}, // neg is a bit operation: left alone
		{"f64_add_ok", math.Float64bits(3.75)},
	}
	for _, e := range engines {
		in := instantiate(t, e.cfg(), m.Instrumented, true)
		for _, c := range cases {
			res, _, _, err := in.call(1<<30, 1000, c.fn, 0, 0)
			if err != nil {
				t.Fatalf("%s %s: %v", e.name, c.fn, err)
			}
			if res[0] != c.want {
				t.Errorf("%s %s = %#x, want %#x", e.name, c.fn, res[0], c.want)
			}
		}
	}
}

// TestRewrites checks the policy's rewrites and the appended exports.
func TestRewrites(t *testing.T) {
	m := prepared(t, "count")
	if m.Report.Memory.Max != DefaultLimits().MaxMemoryPages || !m.Report.Memory.HasMax {
		t.Errorf("memory max %+v, want %d", m.Report.Memory, DefaultLimits().MaxMemoryPages)
	}
	in := instantiate(t, engines[0].cfg(), m.Instrumented, true)
	if in.mod.Memory().Size() != 65536 {
		t.Errorf("memory starts at %d bytes", in.mod.Memory().Size())
	}
	if strings.Join(m.Report.EntryPoints, ",") != "score" {
		t.Errorf("entry points %v", m.Report.EntryPoints)
	}
	var sigs []string
	for _, e := range m.Report.Exports {
		sigs = append(sigs, e.Name+":"+e.Kind+":"+e.Signature)
	}
	want := "score:function:(i32, i32) -> i64,memory:memory:,tao_abi_v1:function:() -> (),alloc:function:(i32) -> i32,dealloc:function:(i32, i32) -> ()"
	if strings.Join(sigs, ",") != want {
		t.Errorf("exports\n %s\nwant\n %s", strings.Join(sigs, ","), want)
	}
}

// TestSemanticsPreserved runs control.wat original and instrumented on
// many inputs in both engines: same results, budget refunded after each
// call, gas identical across engines.
func TestSemanticsPreserved(t *testing.T) {
	orig := wat(t, "control")
	m, err := Prepare(orig, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	gas := map[uint64]uint64{}
	for _, e := range engines {
		for x := uint64(0); x < 60; x += 7 {
			want, _, _, err := instantiate(t, e.cfg(), orig, false).call(0, 0, "score", 0, x)
			if err != nil {
				t.Fatal(err)
			}
			in := instantiate(t, e.cfg(), m.Instrumented, true)
			got, used, oog, err := in.call(1<<30, 10_000, "score", 0, x)
			if err != nil || oog != 0 || got[0] != want[0] {
				t.Fatalf("%s x=%d: got %v %v oog %d, want %v", e.name, x, got, err, oog, want)
			}
			if s := in.stack.Get(); s != 10_000 {
				t.Errorf("%s x=%d: stack %d after the call, want 10000", e.name, x, s)
			}
			if g, ok := gas[x]; ok && g != used {
				t.Errorf("x=%d: %s used %d gas, other engine %d", x, e.name, used, g)
			}
			gas[x] = used
		}
	}
}

// TestImportedMemory checks that an imported env.memory is accepted and its
// maximum capped in the import, and a declared smaller maximum is kept.
func TestImportedMemory(t *testing.T) {
	m := prepared(t, "importmem")
	if m.Report.Memory.Min != 2 || m.Report.Memory.Max != DefaultLimits().MaxMemoryPages {
		t.Errorf("imported memory %+v, want min 2 max %d", m.Report.Memory, DefaultLimits().MaxMemoryPages)
	}
	if m.Report.EntryPoints[0] != "validate_weights" || m.Report.Imports[0].Scope != "any entry point" {
		t.Errorf("report %+v", m.Report)
	}
	c := prepared(t, "control")
	if c.Report.Memory.Max != 4 {
		t.Errorf("declared max 4 became %d", c.Report.Memory.Max)
	}
}
