package runtime

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// conformanceCase is one module call with the result every engine must give.
type conformanceCase struct {
	name   string
	module string        // testdata/<module>.wat, or "goguest"
	config func(*Config) // optional changes to the runtime config
	entry  string
	input  []byte
	gas    uint64
	cfg    InstanceConfig

	out    []byte
	used   uint64 // exact gas; the Go guest's cases set anyGas instead
	kind   error  // nil for success
	msg    string // the full error text
	log    string
	pages  uint32 // 0: not checked
	logHas string // for the Go guest: a substring of the log

	anyGas bool
}

const gasPlenty = 1 << 40

// abiCases exercise abi.wat through Module.Run. Its _initialize costs 1000,
// alloc 10 and dealloc 5, so a successful call costs 1015 plus the entry's
// own charges; a call that fails in the entry point skips dealloc.
var abiCases = []conformanceCase{
	{name: "echo", entry: "echo", input: []byte("hello"), gas: gasPlenty,
		out: []byte("hello"), used: 1015 + 20 + 5, pages: 1},
	{name: "echo empty", entry: "echo", gas: gasPlenty, out: []byte{}, used: 1015 + 20},
	{name: "initialize ran", entry: "inited", gas: gasPlenty, out: []byte{1}, used: 1016},
	{name: "guest error", entry: "fail", gas: gasPlenty, used: 1016,
		kind: ErrGuest, msg: "guest error: something went wrong"},
	{name: "guest error invalid utf-8", entry: "fail_utf8", gas: gasPlenty, used: 1016,
		kind: ErrGuest, msg: "guest error: bad \uFFFD utf-8"},
	{name: "not implemented", entry: "not_implemented", gas: gasPlenty, used: 1016,
		kind: ErrNotImplemented, msg: "entry point not implemented: something"},
	{name: "unreachable", entry: "trap_unreachable", gas: gasPlenty, used: 1011,
		kind: ErrTrap, msg: "trap: unreachable executed"},
	{name: "divide by zero", entry: "trap_divzero", gas: gasPlenty, used: 1011,
		kind: ErrTrap, msg: "trap: integer divide by zero"},
	{name: "integer overflow", entry: "trap_overflow", gas: gasPlenty, used: 1011,
		kind: ErrTrap, msg: "trap: integer overflow"},
	{name: "invalid conversion", entry: "trap_conversion", gas: gasPlenty, used: 1011,
		kind: ErrTrap, msg: "trap: invalid conversion to integer"},
	{name: "out of bounds load", entry: "trap_oob", gas: gasPlenty, used: 1011,
		kind: ErrTrap, msg: "trap: out of bounds memory access"},
	{name: "table index out of range", entry: "trap_table", gas: gasPlenty, used: 1011,
		kind: ErrTrap, msg: "trap: invalid table access"},
	{name: "indirect call signature", entry: "trap_signature", gas: gasPlenty, used: 1011,
		kind: ErrTrap, msg: "trap: indirect call type mismatch"},
	{name: "endless loop runs out of gas", entry: "burn", gas: 5000, used: 5000,
		kind: ErrOutOfGas, msg: "out of gas"},
	{name: "loop 0", entry: "loop", input: u32(0), gas: gasPlenty, out: []byte{}, used: 1015 + 2},
	{name: "loop 10", entry: "loop", input: u32(10), gas: gasPlenty, out: []byte{}, used: 1015 + 2 + 70},
	{name: "loop exactly affordable", entry: "loop", input: u32(10), gas: 1015 + 2 + 70,
		out: []byte{}, used: 1015 + 2 + 70},
	{name: "loop one short", entry: "loop", input: u32(10), gas: 1010 + 2 + 70 - 1, used: 1010 + 2 + 70 - 1,
		kind: ErrOutOfGas, msg: "out of gas"},
	{name: "out of gas in _initialize", entry: "echo", gas: 999, used: 999,
		kind: ErrOutOfGas, msg: "out of gas"},
	{name: "out of gas in alloc", entry: "echo", gas: 1005, used: 1005,
		kind: ErrOutOfGas, msg: "out of gas"},
	{name: "out of gas in dealloc", entry: "echo", gas: 1034, used: 1034,
		kind: ErrOutOfGas, msg: "out of gas"},
	{name: "grow within the cap", entry: "grow", input: u32(7), gas: gasPlenty,
		config: func(c *Config) { c.MaxMemoryPages = 8 },
		out:    u32(1), used: 1016, pages: 8},
	{name: "grow past the cap fails", entry: "grow", input: u32(8), gas: gasPlenty,
		config: func(c *Config) { c.MaxMemoryPages = 8 },
		out:    u32(0xffffffff), used: 1016, pages: 1},
	{name: "output over MaxOutputBytes", entry: "huge", input: u32(1<<20 + 1), gas: gasPlenty, used: 1011,
		kind: ErrABI, msg: "abi violation: output of 1048577 bytes is over MaxOutputBytes 1048576"},
	{name: "output at MaxOutputBytes checked against memory", entry: "huge", input: u32(64), gas: gasPlenty,
		config: func(c *Config) { c.MaxOutputBytes = 64 },
		out:    append(make([]byte, 16), append([]byte("something went wrong"), make([]byte, 28)...)...), used: 1016},
	{name: "output outside memory", entry: "outside", gas: gasPlenty, used: 1011,
		kind: ErrABI, msg: "abi violation: output of 100 bytes at 0x3fffff00 is outside guest memory (65536 bytes)"},
	{name: "host charges gas", entry: "host_charge", input: u64(500), gas: gasPlenty, out: []byte{}, used: 1015 + 501},
	{name: "host runs out of gas", entry: "host_charge", input: u64(1 << 41), gas: 10000, used: 10000,
		kind: ErrOutOfGas, msg: "out of gas"},
	{name: "host function fails", entry: "host_fail", gas: gasPlenty, used: 1011,
		kind: ErrHost, msg: "host error: test_fail: the host refused"},
	{name: "host aborts with a guest error", entry: "host_abort", input: []byte("gave up"), gas: gasPlenty, used: 1011,
		kind: ErrGuest, msg: "guest error: gave up"},
	{name: "host reads outside memory", entry: "log_outside", gas: gasPlenty, used: 1011,
		kind: ErrHost, msg: "host error: read of 100 bytes at 0xfff0 is outside guest memory (65536 bytes)"},
	{name: "log", entry: "log", input: []byte("hi there"), gas: gasPlenty, out: []byte{}, used: 1016, log: "hi there"},
	{name: "log capped", entry: "log", input: []byte("hi there"), gas: gasPlenty,
		config: func(c *Config) { c.MaxLogBytes = 3 }, out: []byte{}, used: 1016, log: "hi "},
	{name: "recursion within budget", entry: "recurse", input: u32(100), gas: gasPlenty,
		out: []byte{}, used: 1015 + 1 + 3*101},
	{name: "recursion over budget", entry: "recurse", input: u32(5000), gas: gasPlenty, used: 1011 + 3*1638,
		kind: ErrStackOverflow, msg: "stack overflow: stack budget of 16384 exhausted"},
	{name: "recursion over a small budget", entry: "recurse", input: u32(100), gas: gasPlenty,
		config: func(c *Config) { c.StackBudget = 500 }, used: 1011 + 3*50,
		kind: ErrStackOverflow, msg: "stack overflow: stack budget of 500 exhausted"},
	{name: "guest raises its own gas", entry: "cheat", gas: 100000, used: 100000,
		kind: ErrABI, msg: "abi violation: __tao_gas left more gas (18446744073709551615) than it was given (98990)"},
	{name: "entry with the wrong signature", entry: "not_entry", gas: gasPlenty, used: 1000,
		kind: ErrABI, msg: `abi violation: "not_entry" is not an entry point: it is (i32) -> (i32), want (i32, i32) -> (i64)`},
	{name: "alloc is not an entry point", entry: "alloc", gas: gasPlenty, used: 1000,
		kind: ErrABI, msg: `abi violation: "alloc" is not an entry point: it is (i32) -> (i32), want (i32, i32) -> (i64)`},
	{name: "missing entry point", entry: "nope", gas: gasPlenty, used: 1000,
		kind: ErrABI, msg: `abi violation: module does not export entry point "nope"`},
	{name: "input over MaxInputBytes", entry: "echo", input: make([]byte, 17), gas: gasPlenty, used: 1000,
		config: func(c *Config) { c.MaxInputBytes = 16 },
		kind:   ErrABI, msg: "abi violation: input of 17 bytes is over MaxInputBytes 16"},
}

// otherCases use the other test modules.
var otherCases = []conformanceCase{
	{name: "alloc returns an unusable address", module: "badalloc", entry: "echo", input: make([]byte, 10), gas: 100,
		kind: ErrABI, msg: "abi violation: alloc returned 0xfffa, which cannot hold 10 input bytes in 65536 bytes of memory"},
	{name: "unmetered module when allowed", module: "unmetered", entry: "echo", input: []byte("abc"), gas: 100,
		config: func(c *Config) { c.AllowUnmetered = true }, out: []byte("abc")},
}

// goCases run the Go guest (unmetered: only host and WASI charges count).
var goCases = []conformanceCase{
	{name: "go echo", entry: "echo", input: []byte("hello, go"), out: []byte("hello, go")},
	{name: "go guest error", entry: "fail", kind: ErrGuest, msg: "guest error: bad input"},
	{name: "go host call", entry: "add", input: append(u64(40), u64(2)...), out: u64(42)},
	{name: "go proc_exit", entry: "exit", kind: ErrTrap, msg: "trap: proc_exit(3)"},
	// A Go panic prints to stderr, then ends in unreachable (not proc_exit).
	{name: "go panic", entry: "panic", kind: ErrTrap, msg: "trap: unreachable executed",
		logHas: "panic: guest panicked"},
	// The whole wasi Run needs ~3,700 gas of WASI charges.
	{name: "go wasi out of gas", entry: "wasi", gas: 3000, kind: ErrOutOfGas, msg: "out of gas"},
}

func init() {
	for i := range abiCases {
		abiCases[i].module = "abi"
	}
	for i := range goCases {
		goCases[i].module = "goguest"
		goCases[i].anyGas = true
		goCases[i].config = func(c *Config) { c.AllowUnmetered = true }
		if goCases[i].gas == 0 {
			goCases[i].gas = gasPlenty
		}
	}
}

// runCase runs c on engine through Module.Run.
func runCase(t *testing.T, engine string, c conformanceCase) Result {
	t.Helper()
	// A disk cache shared by the whole run saves recompiling the Go guest
	// for every case; TestCacheDir checks that it changes no result.
	r := newRuntime(t, engine, func(cfg *Config) {
		cfg.CacheDir = filepath.Join(wasmDir, "cache")
		if c.config != nil {
			c.config(cfg)
		}
	})
	var wasm []byte
	if c.module == "goguest" {
		wasm = loadGoGuest(t)
	} else {
		wasm = loadWasm(t, c.module)
	}
	m, err := r.Compile(context.Background(), wasm)
	if err != nil {
		t.Fatal(err)
	}
	return m.Run(context.Background(), c.cfg, c.entry, c.input, c.gas)
}

// TestConformance runs every case on every engine built in and checks each
// result against the expectation and against the other engines: same
// output, gas, error kind and message, memory size and log.
func TestConformance(t *testing.T) {
	all := append(append(append([]conformanceCase{}, abiCases...), otherCases...), goCases...)
	for _, c := range all {
		t.Run(c.name, func(t *testing.T) {
			if c.module == "goguest" && testing.Short() {
				t.Skip("builds a Go guest")
			}
			var first Result
			for k, eng := range Engines() {
				res := runCase(t, eng, c)
				checkResult(t, eng, c, res)
				if k == 0 {
					first = res
				} else if d := diffResults(first, res); d != "" {
					t.Errorf("%s differs from %s: %s", eng, Engines()[0], d)
				}
			}
		})
	}
}

func checkResult(t *testing.T, eng string, c conformanceCase, res Result) {
	t.Helper()
	if c.kind == nil {
		if res.Err != nil {
			t.Fatalf("%s: unexpected error: %v", eng, res.Err)
		}
		if !bytes.Equal(res.Output, c.out) {
			t.Errorf("%s: output %q, want %q", eng, res.Output, c.out)
		}
	} else {
		if !errors.Is(res.Err, c.kind) {
			t.Fatalf("%s: error %v, want kind %v", eng, res.Err, c.kind)
		}
		if res.Err.Error() != c.msg {
			t.Errorf("%s: error %q, want %q", eng, res.Err.Error(), c.msg)
		}
		var e *Error
		if !errors.As(res.Err, &e) {
			t.Errorf("%s: error %T is not an *Error", eng, res.Err)
		}
	}
	if !c.anyGas && res.GasUsed != c.used {
		t.Errorf("%s: gas used %d, want %d", eng, res.GasUsed, c.used)
	}
	if c.anyGas && c.kind == ErrOutOfGas && res.GasUsed != c.gas {
		t.Errorf("%s: out of gas used %d, want the whole limit %d", eng, res.GasUsed, c.gas)
	}
	if string(res.Log) != c.log && c.module != "goguest" {
		t.Errorf("%s: log %q, want %q", eng, res.Log, c.log)
	}
	if !strings.Contains(string(res.Log), c.logHas) {
		t.Errorf("%s: log %q lacks %q", eng, res.Log, c.logHas)
	}
	if c.pages != 0 && res.PeakMemoryPages != c.pages {
		t.Errorf("%s: peak memory %d pages, want %d", eng, res.PeakMemoryPages, c.pages)
	}
}

// diffResults describes how two results differ, or returns "".
func diffResults(a, b Result) string {
	errText := func(err error) string {
		if err == nil {
			return "<nil>"
		}
		return err.Error()
	}
	switch {
	case !bytes.Equal(a.Output, b.Output):
		return fmt.Sprintf("output %q vs %q", a.Output, b.Output)
	case a.GasUsed != b.GasUsed:
		return fmt.Sprintf("gas %d vs %d", a.GasUsed, b.GasUsed)
	case errText(a.Err) != errText(b.Err):
		return fmt.Sprintf("error %q vs %q", errText(a.Err), errText(b.Err))
	case a.PeakMemoryPages != b.PeakMemoryPages:
		return fmt.Sprintf("memory %d vs %d pages", a.PeakMemoryPages, b.PeakMemoryPages)
	case !bytes.Equal(a.Log, b.Log):
		return fmt.Sprintf("log %q vs %q", a.Log, b.Log)
	}
	return ""
}
