package wasmtest

import (
	"context"
	"strings"
	"testing"
)

// module assembles a tiny wasm binary with one function import of the
// given signature (value type bytes) and, if withMemory, an exported memory.
func module(importMod, importName string, params, results []byte, withMemory bool) []byte {
	section := func(id byte, body []byte) []byte { return append([]byte{id, byte(len(body))}, body...) }
	name := func(s string) []byte { return append([]byte{byte(len(s))}, s...) }
	typ := append([]byte{1, 0x60, byte(len(params))}, params...)
	typ = append(append(typ, byte(len(results))), results...)
	imp := append([]byte{1}, name(importMod)...)
	imp = append(append(imp, name(importName)...), 0x00, 0x00)
	b := []byte{0, 'a', 's', 'm', 1, 0, 0, 0}
	b = append(b, section(1, typ)...)
	b = append(b, section(2, imp)...)
	if withMemory {
		b = append(b, section(5, []byte{1, 0x00, 1})...)
		b = append(b, section(7, append(append([]byte{1}, name("memory")...), 0x02, 0))...)
	}
	return b
}

func TestCheckImports(t *testing.T) {
	const i32, i64 = 0x7f, 0x7e
	tests := []struct {
		name string
		wasm []byte
		want string // "" for accepted
	}{
		{"log", module("env", "log", []byte{i32, i32, i32}, nil, true), ""},
		{"gas_left", module("env", "gas_left", nil, []byte{i64}, true), ""},
		{"wasi clock", module("wasi_snapshot_preview1", "clock_time_get", []byte{i32, i64, i32}, []byte{i32}, true), ""},
		{"unknown", module("env", "seed", nil, []byte{0x7c}, true), "imports env.seed, which ABI v1 does not allow"},
		{"wrong signature", module("env", "log", []byte{i32, i32}, nil, true),
			"import env.log has signature (i32, i32) -> (), ABI v1 says (i32, i32, i32) -> ()"},
		{"other module", module("host", "log", []byte{i32, i32, i32}, nil, true), "imports host.log"},
		{"no memory", module("env", "log", []byte{i32, i32, i32}, nil, false), "does not export memory"},
	}
	for _, tt := range tests {
		err := CheckImports(context.Background(), tt.wasm)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%s: error %v, want %q", tt.name, err, tt.want)
		}
	}
}

// TestRunnerJobIDsNotReused checks that a job submitted after another was
// waited for gets a fresh id, not that of a job still pending.
func TestRunnerJobIDsNotReused(t *testing.T) {
	ctx := context.Background()
	h := &Host{Runners: map[string]func([]byte) ([]byte, error){"": func([]byte) ([]byte, error) { return []byte("out"), nil }}}
	m, err := Instantiate(ctx, module("env", "log", []byte{0x7f, 0x7f, 0x7f}, nil, true), h)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close(ctx)
	mem := m.mod.Memory()
	submit, wait := m.impl("runner_submit"), m.impl("runner_wait")
	job := func() uint64 { // runner "" on empty input
		s := []uint64{0, 0, 0, 0}
		submit(mem, s)
		return s[0]
	}
	first, second := job(), job()
	s := []uint64{first}
	if wait(mem, s); s[0] != 3 {
		t.Fatalf("runner_wait(%d) = %d, want 3 (the output's length)", first, s[0])
	}
	if third := job(); third == first || third == second {
		t.Fatalf("job ids %d, %d, then %d: an id was reused", first, second, third)
	}
}
