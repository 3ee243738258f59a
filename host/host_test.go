package host

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/blake2b"

	"github.com/taorun/taorun/abi"
	"github.com/taorun/taorun/abi/wire"
	"github.com/taorun/taorun/runtime"
)

// costs is the table every test expectation is computed from.
var costs = HostCostsV1()

const gasLimit = 10_000_000

// world is one scenario's environment: the Env plus what the tests observe
// of its storage, metagraph provider and runners.
type world struct {
	env       Env
	store     *MemStorage
	mgCalls   int
	runCalls  atomic.Int64
	metagraph wire.Metagraph
}

// newWorld builds an environment for side with a storage, a metagraph, a
// fixed clock and two runners: "upper" upper-cases its input, "fail" fails.
func newWorld(side abi.Side) *world {
	w := &world{store: &MemStorage{}}
	w.metagraph = wire.Metagraph{Netuid: 7, Block: 1234, Neurons: []wire.Neuron{
		{UID: 0, Hotkey: [32]byte{1}, Coldkey: [32]byte{2}, Stake: 5e9, Rank: 100, Active: true, RegisteredAt: 10},
		{UID: 3, Hotkey: [32]byte{3}, Coldkey: [32]byte{4}, Stake: 1, ValidatorPermit: true, LastUpdate: 1200},
	}}
	count := func(f RunnerFunc) RunnerFunc {
		return func(ctx context.Context, in []byte) ([]byte, error) {
			w.runCalls.Add(1)
			return f(ctx, in)
		}
	}
	w.env = Env{
		Side:    side,
		Block:   wire.BlockInfo{Netuid: 7, Height: 1234, TimeMillis: 1_700_000_000_000, Hash: sha256.Sum256([]byte("block"))},
		Storage: w.store,
		Metagraph: func(context.Context) (wire.Metagraph, error) {
			w.mgCalls++
			return w.metagraph, nil
		},
		Runners: NewFuncRunners(map[string]RunnerFunc{
			"upper": count(func(_ context.Context, in []byte) ([]byte, error) { return bytes.ToUpper(in), nil }),
			"fail":  count(func(context.Context, []byte) ([]byte, error) { return nil, errors.New("model crashed") }),
		}),
		Clock: func() time.Time { return time.UnixMilli(1_800_000_000_123) },
	}
	return w
}

// dump lists the storage's contents, for comparing engines.
func (w *world) dump() []string {
	var out []string
	for k, v := range w.store.All() {
		out = append(out, fmt.Sprintf("%q=%q", k, v))
	}
	return out
}

// call is one entry point call of a scenario.
type call struct {
	entry string
	input []byte
	gas   uint64 // 0: gasLimit
}

// scenario is a sequence of calls on fresh instances sharing one world.
type scenario struct {
	name  string
	side  abi.Side
	setup func(w *world)
	calls []call
	check func(t *testing.T, w *world, res []runtime.Result)
}

// outcome is what must be identical on every engine.
type outcome struct {
	Output  [][]byte
	GasUsed []uint64
	Err     []string
	Log     [][]byte
	Storage []string
}

// play runs a scenario on one engine's module.
func play(m *runtime.Module, sc scenario) (*world, []runtime.Result) {
	w := newWorld(sc.side)
	if sc.setup != nil {
		sc.setup(w)
	}
	var res []runtime.Result
	for _, c := range sc.calls {
		gas := c.gas
		if gas == 0 {
			gas = gasLimit
		}
		ctx := WithEnv(context.Background(), &w.env)
		res = append(res, m.Run(ctx, runtime.InstanceConfig{}, c.entry, c.input, gas))
	}
	return w, res
}

func outcomeOf(w *world, res []runtime.Result) outcome {
	var o outcome
	for _, r := range res {
		o.Output = append(o.Output, r.Output)
		o.GasUsed = append(o.GasUsed, r.GasUsed)
		e := ""
		if r.Err != nil {
			e = r.Err.Error()
		}
		o.Err = append(o.Err, e)
		o.Log = append(o.Log, r.Log)
	}
	o.Storage = w.dump()
	return o
}

// wantOK fails unless every call succeeded.
func wantOK(t *testing.T, res []runtime.Result) {
	t.Helper()
	for i, r := range res {
		if r.Err != nil {
			t.Fatalf("call %d: %v", i, r.Err)
		}
	}
}

// wantErr fails unless call i failed with kind and exactly text.
func wantErr(t *testing.T, r runtime.Result, kind error, text string) {
	t.Helper()
	if !errors.Is(r.Err, kind) || r.Err.Error() != text {
		t.Fatalf("err = %v, want %q (kind %v)", r.Err, text, kind)
	}
}

// wantGas fails unless call used exactly gas.
func wantGas(t *testing.T, r runtime.Result, gas uint64) {
	t.Helper()
	if r.GasUsed != gas {
		t.Fatalf("gas used = %d, want %d", r.GasUsed, gas)
	}
}

// wantBuf checks a caller buffer: data at the front if it was written, and
// zeros everywhere else.
func wantBuf(t *testing.T, buf, data []byte, written bool) {
	t.Helper()
	want := make([]byte, len(buf))
	if written {
		copy(want, data)
	}
	if !bytes.Equal(buf, want) {
		t.Fatalf("buffer = %q, want %q", buf, want)
	}
}

func keyed(key, val string) []byte { return cat(u32(uint32(len(key))), []byte(key), []byte(val)) }
func named(cap uint32, name, payload string) []byte {
	return cat(u32(cap), u32(uint32(len(name))), []byte(name), []byte(payload))
}
func logIn(level, count uint32, msg string) []byte { return cat(u32(level), u32(count), []byte(msg)) }

// hashGas is the cost of hashing n bytes.
func hashGas(n uint64) uint64 {
	return costs.Call + n*(costs.ReadByte+costs.HashByte) + 32*costs.ReturnByte
}

// setGas is the cost of state_set with k key and v value bytes.
func setGas(k, v uint64) uint64 {
	return costs.Call + costs.StorageWrite + (k+v)*(costs.StorageWriteByte+costs.ReadByte)
}

// getGas is the cost of state_get of a k-byte key finding v bytes (v < 0:
// not found).
func getGas(k uint64, v int) uint64 {
	g := costs.Call + costs.StorageRead + k*(costs.StorageReadByte+costs.ReadByte)
	if v >= 0 {
		g += uint64(v) * (costs.StorageReadByte + costs.ReturnByte)
	}
	return g
}

func logGas(n uint64) uint64 { return costs.Call + n*(costs.LogByte+costs.ReadByte) }

var scenarios = []scenario{
	{name: "sha256", side: abi.ChainSide,
		calls: []call{{"sha256", []byte("hello, taorun"), 0}, {"sha256", nil, 0}},
		check: func(t *testing.T, w *world, res []runtime.Result) {
			wantOK(t, res)
			for i, in := range []string{"hello, taorun", ""} {
				if h := sha256.Sum256([]byte(in)); !bytes.Equal(res[i].Output, h[:]) {
					t.Fatalf("sha256(%q) = %x, want %x", in, res[i].Output, h)
				}
				wantGas(t, res[i], hashGas(uint64(len(in))))
			}
		}},
	{name: "blake2b", side: abi.NodeSide,
		calls: []call{{"blake2b", bytes.Repeat([]byte{0xa5}, 1000), 0}},
		check: func(t *testing.T, w *world, res []runtime.Result) {
			wantOK(t, res)
			if h := blake2b.Sum256(bytes.Repeat([]byte{0xa5}, 1000)); !bytes.Equal(res[0].Output, h[:]) {
				t.Fatalf("blake2b = %x, want %x", res[0].Output, h)
			}
			wantGas(t, res[0], hashGas(1000))
		}},
	{name: "block info fits and does not", side: abi.ChainSide,
		calls: []call{{"block_info", u32(64), 0}, {"block_info", u32(49), 0}, {"block_info", u32(50), 0}},
		check: func(t *testing.T, w *world, res []runtime.Result) {
			wantOK(t, res)
			enc := w.env.Block.Encode()
			for i, written := range []bool{true, false, true} {
				if got := ret(t, res[i].Output, 0); got != int64(len(enc)) {
					t.Fatalf("call %d: block_info returned %d, want %d", i, got, len(enc))
				}
				wantBuf(t, res[i].Output[8:], enc, written)
				wantGas(t, res[i], costs.Call+uint64(len(enc))*costs.ReturnByte)
			}
		}},
	{name: "gas left", side: abi.NodeSide,
		calls: []call{{"gas_left", nil, 1_000_000}},
		check: func(t *testing.T, w *world, res []runtime.Result) {
			wantOK(t, res)
			if got := ret(t, res[0].Output, 0); got != 1_000_000-int64(costs.Call) {
				t.Fatalf("gas_left = %d, want %d", got, 1_000_000-costs.Call)
			}
			wantGas(t, res[0], costs.Call)
		}},
	{name: "storage writes are visible to the next call", side: abi.ChainSide,
		calls: []call{
			{"state_get", cat(u32(16), []byte("k1")), 0},
			{"state_set", keyed("k1", "hello"), 0},
			{"state_get", cat(u32(16), []byte("k1")), 0},
			{"state_get", cat(u32(4), []byte("k1")), 0},
			{"state_set", keyed("k0", ""), 0},
			{"state_remove", []byte("k1"), 0},
			{"state_get", cat(u32(16), []byte("k1")), 0},
			{"state_get", cat(u32(0), []byte("k0")), 0},
		},
		check: func(t *testing.T, w *world, res []runtime.Result) {
			wantOK(t, res)
			wantResult := func(i int, want int64) {
				t.Helper()
				if got := ret(t, res[i].Output, 0); got != want {
					t.Fatalf("call %d returned %d, want %d", i, got, want)
				}
			}
			wantResult(0, -abi.StatusNotFound)
			wantGas(t, res[0], getGas(2, -1))
			wantGas(t, res[1], setGas(2, 5))
			wantResult(2, 5)
			wantBuf(t, res[2].Output[8:], []byte("hello"), true)
			wantGas(t, res[2], getGas(2, 5))
			wantResult(3, 5)
			wantBuf(t, res[3].Output[8:], []byte("hello"), false)
			wantGas(t, res[3], getGas(2, 5))
			wantGas(t, res[5], costs.Call+costs.StorageWrite+2*(costs.StorageWriteByte+costs.ReadByte))
			wantResult(6, -abi.StatusNotFound)
			wantResult(7, 0)
			if got := w.dump(); !slices.Equal(got, []string{`"k0"=""`}) {
				t.Fatalf("storage = %v", got)
			}
		}},
	{name: "storage bounds", side: abi.ChainSide,
		calls: []call{
			{"state_set", keyed(strings.Repeat("k", MaxStateKeyBytes), "v"), 0},
			{"state_set", keyed(strings.Repeat("k", MaxStateKeyBytes+1), "v"), 0},
			{"state_set", keyed("k", strings.Repeat("v", MaxStateValueBytes+1)), 0},
			{"state_get", cat(u32(0), bytes.Repeat([]byte("k"), MaxStateKeyBytes+1)), 0},
		},
		check: func(t *testing.T, w *world, res []runtime.Result) {
			wantOK(t, res[:1])
			wantErr(t, res[1], runtime.ErrHost, "host error: state_set: key of 257 bytes is over MaxStateKeyBytes (256)")
			wantGas(t, res[1], costs.Call)
			wantErr(t, res[2], runtime.ErrHost, "host error: state_set: value of 65537 bytes is over MaxStateValueBytes (65536)")
			wantErr(t, res[3], runtime.ErrHost, "host error: state_get: key of 257 bytes is over MaxStateKeyBytes (256)")
			if w.store.Len() != 1 {
				t.Fatalf("storage holds %d keys, want 1", w.store.Len())
			}
		}},
	{name: "metagraph fetched once per call", side: abi.ChainSide,
		calls: []call{{"metagraph_twice", nil, 0}, {"metagraph", u32(8), 0}},
		check: func(t *testing.T, w *world, res []runtime.Result) {
			wantOK(t, res)
			enc := w.metagraph.Encode()
			n := uint64(len(enc))
			if ret(t, res[0].Output, 0) != int64(n) || ret(t, res[0].Output, 1) != int64(n) {
				t.Fatalf("metagraph returned %d and %d, want %d", ret(t, res[0].Output, 0), ret(t, res[0].Output, 1), n)
			}
			wantBuf(t, res[0].Output[16:], enc, true)
			var mg wire.Metagraph
			if err := mg.Decode(res[0].Output[16:]); err != nil || !reflect.DeepEqual(mg, w.metagraph) {
				t.Fatalf("decoded metagraph %+v (%v), want %+v", mg, err, w.metagraph)
			}
			wantGas(t, res[0], 2*(costs.Call+n*costs.ReturnByte))
			wantBuf(t, res[1].Output[8:], enc, false)
			if w.mgCalls != 2 {
				t.Fatalf("metagraph provider called %d times in 2 calls, want 2", w.mgCalls)
			}
		}},
	{name: "chain hooks cannot reach runners or the clock", side: abi.ChainSide,
		calls: []call{
			{"runner_invoke", named(16, "upper", "abc"), 0},
			{"runner_submit_wait", named(16, "upper", "abc"), 0},
			{"runner_wait", u64(0), 0},
			{"runner_result", u32(16), 0},
			{"time_now", nil, 0},
		},
		check: func(t *testing.T, w *world, res []runtime.Result) {
			wantOK(t, res)
			for i, n := range []int{2, 3, 1, 1, 1} {
				for k := range n {
					if got := ret(t, res[i].Output, k); got != -abi.StatusUnavailable {
						t.Fatalf("call %d result %d = %d, want -StatusUnavailable", i, k, got)
					}
				}
				wantGas(t, res[i], uint64(n)*costs.Call)
			}
			wantBuf(t, res[0].Output[16:], nil, false)
			if n := w.runCalls.Load(); n != 0 {
				t.Fatalf("runners ran %d jobs for a chain hook", n)
			}
		}},
	{name: "node entry points cannot reach chain state", side: abi.NodeSide,
		setup: func(w *world) { w.store.Set([]byte("k"), []byte("v")) },
		calls: []call{
			{"state_set", keyed("k2", "v2"), 0},
			{"state_remove", []byte("k"), 0},
			{"state_get", cat(u32(16), []byte("k")), 0},
			{"metagraph", u32(1024), 0},
		},
		check: func(t *testing.T, w *world, res []runtime.Result) {
			wantOK(t, res)
			for i := range res {
				wantGas(t, res[i], costs.Call)
			}
			for _, i := range []int{2, 3} {
				if got := ret(t, res[i].Output, 0); got != -abi.StatusUnavailable {
					t.Fatalf("call %d returned %d, want -StatusUnavailable", i, got)
				}
				wantBuf(t, res[i].Output[8:], nil, false)
			}
			if got := w.dump(); !slices.Equal(got, []string{`"k"="v"`}) || w.mgCalls != 0 {
				t.Fatalf("storage = %v, metagraph calls %d: a node entry point reached chain state", got, w.mgCalls)
			}
		}},
	{name: "runners", side: abi.NodeSide,
		calls: []call{
			{"runner_invoke", named(16, "upper", "abc"), 0},
			{"runner_invoke", named(2, "upper", "abc"), 0},
			{"runner_invoke", named(32, "fail", "x"), 0},
			{"runner_invoke", named(32, "nope", ""), 0},
			{"runner_submit_wait", named(8, "upper", "xyz"), 0},
			{"runner_wait", u64(99), 0},
			{"runner_wait", u64(1 << 63), 0},
			{"runner_result", u32(4), 0},
		},
		check: func(t *testing.T, w *world, res []runtime.Result) {
			wantOK(t, res)
			type want struct {
				rets    []int64
				data    string
				written bool
				gas     uint64
			}
			invokeGas := func(name, in string, out int) uint64 {
				return 2*costs.Call + uint64(len(name)+len(in))*costs.ReadByte + uint64(out)*costs.ReturnByte
			}
			crash, nope := "model crashed", `no such runner: "nope"`
			for i, wt := range []want{
				{[]int64{3, 3}, "ABC", true, invokeGas("upper", "abc", 3)},
				{[]int64{3, 3}, "ABC", false, invokeGas("upper", "abc", 3)},
				{[]int64{-abi.StatusRunnerFailed, int64(len(crash))}, crash, true, invokeGas("fail", "x", len(crash))},
				{[]int64{-abi.StatusUnavailable, int64(len(nope))}, nope, true, invokeGas("nope", "", len(nope))},
				{[]int64{0, 3, 3}, "XYZ", true, 3*costs.Call + 8*costs.ReadByte + 3*costs.ReturnByte},
				{[]int64{-abi.StatusNotFound}, "", false, costs.Call},
				{[]int64{-abi.StatusNotFound}, "", false, costs.Call},
				{[]int64{0}, "", false, costs.Call},
			} {
				for k, r := range wt.rets {
					if got := ret(t, res[i].Output, k); got != r {
						t.Fatalf("call %d result %d = %d, want %d", i, k, got, r)
					}
				}
				wantBuf(t, res[i].Output[8*len(wt.rets):], []byte(wt.data), wt.written)
				wantGas(t, res[i], wt.gas)
			}
			if n := w.runCalls.Load(); n != 4 {
				t.Fatalf("runners ran %d jobs, want 4", n)
			}
		}},
	{name: "no runners and no clock", side: abi.NodeSide,
		setup: func(w *world) { w.env.Runners, w.env.Clock = nil, nil },
		calls: []call{{"runner_invoke", named(64, "upper", "abc"), 0}, {"time_now", nil, 0}},
		check: func(t *testing.T, w *world, res []runtime.Result) {
			wantOK(t, res)
			text := "no such runner: no runners are configured"
			if ret(t, res[0].Output, 0) != -abi.StatusUnavailable || ret(t, res[0].Output, 1) != int64(len(text)) {
				t.Fatalf("runner_invoke without runners: %x", res[0].Output[:16])
			}
			wantBuf(t, res[0].Output[16:], []byte(text), true)
			if got := ret(t, res[1].Output, 0); got != -abi.StatusUnavailable {
				t.Fatalf("time_now without a clock = %d", got)
			}
		}},
	{name: "time now", side: abi.NodeSide,
		calls: []call{{"time_now", nil, 0}},
		check: func(t *testing.T, w *world, res []runtime.Result) {
			wantOK(t, res)
			if got := ret(t, res[0].Output, 0); got != 1_800_000_000_123 {
				t.Fatalf("time_now = %d", got)
			}
			wantGas(t, res[0], costs.Call)
		}},
	{name: "log lines", side: abi.ChainSide,
		calls: []call{
			{"log", logIn(1, 2, "hi\nthere"), 0},
			{"log", logIn(2, 1, "bad \xff byte"), 0},
			{"log", logIn(0, 1, ""), 0},
			{"log", logIn(3, 1, "x"), 0},
		},
		check: func(t *testing.T, w *world, res []runtime.Result) {
			wantOK(t, res)
			for i, want := range []string{
				"[info] hi there\n[info] hi there\n",
				"[warn] bad \uFFFD byte\n",
				"[debug] \n",
				"[error] x\n",
			} {
				if string(res[i].Log) != want {
					t.Fatalf("call %d log = %q, want %q", i, res[i].Log, want)
				}
			}
			wantGas(t, res[0], 2*logGas(8))
			wantGas(t, res[1], logGas(10))
			if got := ParseLog(res[0].Log); !reflect.DeepEqual(got, []LogLine{{LevelInfo, "hi there"}, {LevelInfo, "hi there"}}) {
				t.Fatalf("ParseLog = %+v", got)
			}
		}},
	{name: "log bounds", side: abi.NodeSide,
		calls: []call{
			{"log", logIn(1, MaxLogLines+50, "x"), 0},
			{"log", logIn(0, 20, strings.Repeat("é", 500)), 0},
			{"log", logIn(4, 1, "x"), 0},
		},
		check: func(t *testing.T, w *world, res []runtime.Result) {
			wantOK(t, res[:2])
			if n := len(ParseLog(res[0].Log)); n != MaxLogLines {
				t.Fatalf("%d lines kept, want %d", n, MaxLogLines)
			}
			wantGas(t, res[0], (MaxLogLines+50)*logGas(1))
			// "[debug] " + 1000 bytes + "\n" = 1009-byte lines: 16 fit, the
			// 17th is cut to the last whole rune within the 16 KiB bound (231
			// bytes of room, so 115 runes), the rest are dropped.
			lines := ParseLog(res[1].Log)
			if len(lines) != 17 || len(res[1].Log) > MaxLogBytes || len(res[1].Log) < MaxLogBytes-1 {
				t.Fatalf("%d lines, %d bytes kept, want 17 lines and %d bytes", len(lines), len(res[1].Log), MaxLogBytes)
			}
			if last := lines[16].Text; last != strings.Repeat("é", 115) {
				t.Fatalf("cut line = %q", last)
			}
			wantGas(t, res[1], 20*logGas(1000))
			wantErr(t, res[2], runtime.ErrHost, "host error: log: level 4 is not 0 (debug) to 3 (error)")
		}},
	{name: "abort", side: abi.ChainSide,
		calls: []call{{"abort", []byte("invalid weights"), 0}, {"abort", bytes.Repeat([]byte("a"), MaxAbortBytes+10), 0}},
		check: func(t *testing.T, w *world, res []runtime.Result) {
			wantErr(t, res[0], runtime.ErrGuest, "guest error: invalid weights")
			wantGas(t, res[0], costs.Call+15*costs.ReadByte)
			var e *runtime.Error
			if !errors.As(res[1].Err, &e) || e.Message != strings.Repeat("a", MaxAbortBytes) {
				t.Fatalf("long abort = %v", res[1].Err)
			}
		}},
	{name: "memory out of range", side: abi.ChainSide,
		calls: []call{
			{"sha256_at", cat(u32(0), u32(32), u32(65530)), 0},
			{"sha256_at", cat(u32(65000), u32(1000), u32(0)), 0},
		},
		check: func(t *testing.T, w *world, res []runtime.Result) {
			wantErr(t, res[0], runtime.ErrHost, "host error: sha256: write of 32 bytes at 0xfffa is outside guest memory (65536 bytes)")
			wantGas(t, res[0], hashGas(32))
			wantErr(t, res[1], runtime.ErrHost, "host error: sha256: read of 1000 bytes at 0xfde8 is outside guest memory (65536 bytes)")
			wantGas(t, res[1], hashGas(1000))
		}},
	{name: "out of gas inside a host function", side: abi.ChainSide,
		calls: []call{
			{"sha256", make([]byte, 100), hashGas(100) - 1},
			{"sha256", make([]byte, 100), costs.Call - 1},
			{"state_set", keyed("k", "v"), setGas(1, 1) - 1},
			{"sha256", make([]byte, 100), hashGas(100)},
		},
		check: func(t *testing.T, w *world, res []runtime.Result) {
			for i, limit := range []uint64{hashGas(100) - 1, costs.Call - 1, setGas(1, 1) - 1} {
				wantErr(t, res[i], runtime.ErrOutOfGas, "out of gas")
				wantGas(t, res[i], limit)
			}
			wantOK(t, res[3:])
			if w.store.Len() != 0 {
				t.Fatal("a state_set that ran out of gas wrote")
			}
		}},
	{name: "environment checks", side: 0,
		calls: []call{{"gas_left", nil, 0}},
		check: func(t *testing.T, w *world, res []runtime.Result) {
			wantErr(t, res[0], runtime.ErrHost, "host error: gas_left: host.Env.Side is 0, want abi.ChainSide or abi.NodeSide")
		}},
	{name: "storage and metagraph failures", side: abi.ChainSide,
		setup: func(w *world) {
			w.env.Storage = brokenStorage{}
			w.env.Metagraph = func(context.Context) (wire.Metagraph, error) { return wire.Metagraph{}, errors.New("state unreadable") }
		},
		calls: []call{{"state_get", cat(u32(8), []byte("k")), 0}, {"state_set", keyed("k", "v"), 0}, {"metagraph", u32(0), 0}},
		check: func(t *testing.T, w *world, res []runtime.Result) {
			wantErr(t, res[0], runtime.ErrHost, "host error: state_get: storage: disk on fire")
			wantErr(t, res[1], runtime.ErrHost, "host error: state_set: storage: disk on fire")
			wantErr(t, res[2], runtime.ErrHost, "host error: metagraph: metagraph provider: state unreadable")
		}},
	{name: "chain side without storage or metagraph", side: abi.ChainSide,
		setup: func(w *world) { w.env.Storage, w.env.Metagraph = nil, nil },
		calls: []call{{"state_remove", []byte("k"), 0}, {"metagraph", u32(0), 0}},
		check: func(t *testing.T, w *world, res []runtime.Result) {
			wantErr(t, res[0], runtime.ErrHost, "host error: state_remove: host.Env has no Storage")
			wantErr(t, res[1], runtime.ErrHost, "host error: metagraph: host.Env has no Metagraph")
		}},
}

// TestHostFunctions runs every scenario on every engine built in, checks it,
// and checks that all engines agree on outputs, gas, errors, logs and
// storage.
func TestHostFunctions(t *testing.T) {
	engines := runtime.Engines()
	mods := map[string]*runtime.Module{}
	for _, e := range engines {
		mods[e] = compileHost(t, e)
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			var first outcome
			for i, e := range engines {
				w, res := play(mods[e], sc)
				t.Run(e, func(t *testing.T) { sc.check(t, w, res) })
				o := outcomeOf(w, res)
				if i == 0 {
					first = o
				} else if !reflect.DeepEqual(o, first) {
					t.Fatalf("engine %s disagrees with %s:\n%+v\n%+v", e, engines[0], o, first)
				}
			}
		})
	}
}

// TestNoEnv checks that a call without WithEnv fails with a clear error.
func TestNoEnv(t *testing.T) {
	m := compileHost(t, runtime.EngineWazero)
	res := m.Run(context.Background(), runtime.InstanceConfig{}, "gas_left", nil, gasLimit)
	wantErr(t, res, runtime.ErrHost, "host error: gas_left: no host.Env in the call's context (use host.WithEnv)")
}

// TestFunctionsMatchABI checks that Functions implements every abi host
// function exactly once with its signature, and that matchImpls catches
// each kind of drift.
func TestFunctionsMatchABI(t *testing.T) {
	if err := matchImpls(abi.HostFuncs(), impls); err != nil {
		t.Fatal(err)
	}
	fs := Functions()
	abiFuncs := abi.HostFuncs()
	if len(fs) != len(abiFuncs) {
		t.Fatalf("Functions returns %d functions, abi has %d", len(fs), len(abiFuncs))
	}
	for i, f := range fs {
		a := abiFuncs[i]
		if f.Module != abi.HostModule || f.Name != a.Name || !slices.Equal(f.Params, a.Params) || !slices.Equal(f.Results, a.Results) || f.Fn == nil {
			t.Fatalf("Functions()[%d] = %s.%s %v -> %v, abi says %s %v -> %v", i, f.Module, f.Name, f.Params, f.Results, a.Name, a.Params, a.Results)
		}
	}

	drift := []struct {
		name  string
		edit  func([]impl) []impl
		wants string
	}{
		{"missing", func(m []impl) []impl { return m[1:] },
			`abi host function "log" has 0 implementations, want 1`},
		{"extra", func(m []impl) []impl { return append(m, impl{name: "rand"}) },
			`host function "rand" is implemented but not in abi.HostFuncs`},
		{"twice", func(m []impl) []impl { return append(m, m[0]) },
			`abi host function "log" has 2 implementations, want 1`},
		{"signature", func(m []impl) []impl { m[5].results = nil; return m },
			`host function "gas_left" is implemented as [] -> [], abi says [] -> [i64]`},
	}
	for _, d := range drift {
		err := matchImpls(abiFuncs, d.edit(slices.Clone(impls)))
		if err == nil || !strings.Contains(err.Error(), d.wants) {
			t.Errorf("%s: matchImpls = %v, want %q", d.name, err, d.wants)
		}
	}
}

// TestCostsV1 pins the released V1 prices: changing them needs a new
// version.
func TestCostsV1(t *testing.T) {
	want := Costs{Version: 1, Call: 100, ReadByte: 1, ReturnByte: 1, HashByte: 4, LogByte: 4,
		StorageRead: 2000, StorageReadByte: 4, StorageWrite: 10000, StorageWriteByte: 50}
	if got := HostCostsV1(); got != want {
		t.Fatalf("HostCostsV1() = %+v, want %+v", got, want)
	}
}

// brokenStorage is a Storage whose every operation fails, as a node whose
// database broke would.
type brokenStorage struct{}

var errDisk = errors.New("disk on fire")

func (brokenStorage) Get([]byte) ([]byte, bool, error) { return nil, false, errDisk }
func (brokenStorage) Set([]byte, []byte) error         { return errDisk }
func (brokenStorage) Delete([]byte) error              { return errDisk }

// TestCostOverflow checks that a per-byte cost whose product overflows
// charges all the gas instead of wrapping around.
func TestCostOverflow(t *testing.T) {
	m := compileHost(t, runtime.EngineWazero)
	c := HostCostsV1()
	c.Version, c.HashByte = 99, 1<<62
	res := m.Run(WithEnv(context.Background(), &Env{Side: abi.ChainSide, Costs: c}), runtime.InstanceConfig{}, "sha256", make([]byte, 4), gasLimit)
	wantErr(t, res, runtime.ErrOutOfGas, "out of gas")
	wantGas(t, res, gasLimit)
}

// TestParseLog checks that host log lines get their level and other text
// stays raw.
func TestParseLog(t *testing.T) {
	got := ParseLog([]byte("[info] a\nprinted by WASI\n[error] [warn] b\n[trace] c"))
	want := []LogLine{{LevelInfo, "a"}, {LevelRaw, "printed by WASI"}, {LevelError, "[warn] b"}, {LevelRaw, "[trace] c"}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("ParseLog = %+v, want %+v", got, want)
	}
	for l, name := range map[LogLevel]string{LevelRaw: "raw", LevelDebug: "debug", LevelError: "error"} {
		if l.String() != name {
			t.Errorf("LogLevel(%d).String() = %q, want %q", l, l.String(), name)
		}
	}
}

// TestEnvCosts checks that Env.Costs replaces the default table.
func TestEnvCosts(t *testing.T) {
	m := compileHost(t, runtime.EngineWazero)
	c := HostCostsV1()
	c.Version, c.Call = 99, 7
	env := &Env{Side: abi.NodeSide, Costs: c}
	res := m.Run(WithEnv(context.Background(), env), runtime.InstanceConfig{}, "gas_left", nil, gasLimit)
	wantGas(t, res, 7)
	if EnvFrom(WithEnv(context.Background(), env)) != env || EnvFrom(context.Background()) != nil {
		t.Fatal("EnvFrom does not return the Env of WithEnv")
	}
}

// TestMemStorage checks ordering, copying and deletion.
func TestMemStorage(t *testing.T) {
	var s MemStorage
	for _, k := range []string{"b", "a", "c", "ab", "a"} {
		v := []byte("v" + k)
		s.Set([]byte(k), v)
		v[0] = 'X' // the storage keeps its own copy
	}
	s.Delete([]byte("c"))
	s.Delete([]byte("zz"))
	var got []string
	for k, v := range s.All() {
		got = append(got, string(k)+"="+string(v))
	}
	if want := []string{"a=va", "ab=vab", "b=vb"}; !slices.Equal(got, want) {
		t.Fatalf("contents = %v, want %v", got, want)
	}
	v, ok, _ := s.Get([]byte("ab"))
	v[0] = 'X'
	if again, _, _ := s.Get([]byte("ab")); !ok || string(again) != "vab" {
		t.Fatalf("Get returned the storage's own slice")
	}
	if _, ok, _ := s.Get([]byte("c")); ok || s.Len() != 3 {
		t.Fatalf("deleted key still present, Len = %d", s.Len())
	}
}

// TestFuncRunnersWaitCancel checks that Wait honours its context and that
// a job can be waited for only once.
func TestFuncRunnersWaitCancel(t *testing.T) {
	release := make(chan struct{})
	r := NewFuncRunners(map[string]RunnerFunc{"slow": func(context.Context, []byte) ([]byte, error) {
		<-release
		return []byte("done"), nil
	}})
	job, err := r.Submit(context.Background(), "slow", nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := r.Wait(ctx, job); !errors.Is(err, context.Canceled) {
		t.Fatalf("Wait on a cancelled context = %v", err)
	}
	close(release)
	if out, err := r.Wait(context.Background(), job); err != nil || string(out) != "done" {
		t.Fatalf("Wait = %q, %v", out, err)
	}
	if _, err := r.Wait(context.Background(), job); !errors.Is(err, ErrNoJob) {
		t.Fatalf("second Wait = %v, want ErrNoJob", err)
	}
}

// TestFuncRunnersConcurrentWait checks that of several Waits for one job
// running at once, exactly one gets its output and the others ErrNoJob.
func TestFuncRunnersConcurrentWait(t *testing.T) {
	release := make(chan struct{})
	r := NewFuncRunners(map[string]RunnerFunc{"slow": func(context.Context, []byte) ([]byte, error) {
		<-release
		return []byte("done"), nil
	}})
	job, err := r.Submit(context.Background(), "slow", nil)
	if err != nil {
		t.Fatal(err)
	}
	const waiters = 8
	errs := make(chan error, waiters)
	for range waiters {
		go func() {
			_, err := r.Wait(context.Background(), job)
			errs <- err
		}()
	}
	close(release)
	got, noJob := 0, 0
	for range waiters {
		switch err := <-errs; {
		case err == nil:
			got++
		case errors.Is(err, ErrNoJob):
			noJob++
		default:
			t.Errorf("Wait = %v", err)
		}
	}
	if got != 1 || noJob != waiters-1 {
		t.Fatalf("%d Waits got the output and %d ErrNoJob, want 1 and %d", got, noJob, waiters-1)
	}
}
