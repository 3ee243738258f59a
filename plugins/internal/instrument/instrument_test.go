package instrument

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/taorun/taorun/plugins/internal/wasmbin"
)

func decode(t *testing.T, name string) *wasmbin.Module {
	t.Helper()
	b, err := os.ReadFile("../wasmbin/testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	m, err := wasmbin.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestReport checks the analysis of count.wat's score function (function
// 0): segments, static gas, operand height and frame cost.
func TestReport(t *testing.T) {
	_, reps, err := Instrument(decode(t, "count.wasm"), CostTableV1())
	if err != nil {
		t.Fatal(err)
	}
	got := reps[0]
	want := FuncReport{Index: 0, BodyBytes: got.BodyBytes, NewBodyBytes: got.NewBodyBytes,
		Blocks: 2, Locals: 1, MaxHeight: 2,
		FrameCost:    2 + 2 + 1 + 2 + nanSlack, // base + params + locals + height + slack
		ChargePoints: 3, StaticGas: 8 + 16 + 1}
	if got != want {
		t.Errorf("report\n %+v\nwant\n %+v", got, want)
	}
	if got.NewBodyBytes <= got.BodyBytes {
		t.Errorf("body did not grow: %d -> %d", got.BodyBytes, got.NewBodyBytes)
	}
}

// TestMultiValueBlockType checks that a function with several results gets
// a new () -> (results) type for its wrapping block, appended last.
func TestMultiValueBlockType(t *testing.T) {
	m := decode(t, "multi.wasm")
	n := len(m.Types)
	out, _, err := Instrument(m, CostTableV1())
	if err != nil {
		t.Fatal(err)
	}
	m2, err := wasmbin.Decode(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(m2.Types) != n+1 || m2.Types[n].String() != "() -> (i32, i64)" {
		t.Fatalf("types %v", m2.Types)
	}
}

// TestDeterministic instruments the same module twice.
func TestDeterministic(t *testing.T) {
	a, _, err1 := Instrument(decode(t, "nan.wasm"), CostTableV1())
	b, _, err2 := Instrument(decode(t, "nan.wasm"), CostTableV1())
	if err1 != nil || err2 != nil || !bytes.Equal(a, b) {
		t.Fatalf("outputs differ: %v %v", err1, err2)
	}
}

func TestCostTableValidate(t *testing.T) {
	cases := []struct {
		edit func(*CostTable)
		want string
	}{
		{func(c *CostTable) {}, ""},
		{func(c *CostTable) { c.Version = 0 }, "version must not be 0"},
		{func(c *CostTable) { c.Class[wasmbin.ClassNone] = 1 }, "must cost 0"},
		{func(c *CostTable) { c.Class[wasmbin.ClassControl] = 0 }, "must cost at least 1"},
		{func(c *CostTable) { c.Class[wasmbin.ClassCall] = 0 }, "must cost at least 1"},
		{func(c *CostTable) { c.FuncEntry = 0 }, "function entry must cost at least 1"},
		{func(c *CostTable) { c.GrowPerPage = 1 << 31 }, "exceeds"},
		{func(c *CostTable) { c.Class[wasmbin.ClassBase] = 1 << 31 }, "exceeds"},
		{func(c *CostTable) { c.BulkByteShift = 33 }, "shift 33 exceeds 32"},
		{func(c *CostTable) { c.FrameMin = 0 }, "minimum frame cost"},
	}
	for i, c := range cases {
		ct := CostTableV1()
		c.edit(&ct)
		err := ct.Validate()
		if (c.want == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), c.want) {
			t.Errorf("case %d: got %v, want %q", i, err, c.want)
		}
	}
	a, b := CostTableV1(), CostTableV1()
	b.PerLocal++
	if a.Hash() == b.Hash() {
		t.Error("hash ignores PerLocal")
	}
}
