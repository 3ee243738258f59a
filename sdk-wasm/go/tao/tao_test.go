//go:build !wasip1

package tao

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/taorun/taorun/abi"
	"github.com/taorun/taorun/abi/wire"
)

// fakeHost is a test double of the env imports, used only by this package's
// unit tests; modules built for wasm use the real imports in host_wasip1.go.
type fakeHost struct {
	logs    []string
	state   map[string][]byte
	block   []byte
	aborted string
	runners map[string]func([]byte) ([]byte, bool)
	result  []byte           // what runner_result returns
	jobs    map[int64]func() // submitted runner jobs, run by runnerWait
	njobs   int64            // jobs submitted so far: ids are never reused
	side    abi.Side
}

type abortPanic string

func (f *fakeHost) log(level uint32, msg []byte) {
	f.logs = append(f.logs, string(rune('0'+level))+":"+string(msg))
}
func (f *fakeHost) abort(msg []byte)  { f.aborted = string(msg); panic(abortPanic(msg)) }
func (f *fakeHost) blockInfo() []byte { return f.block }
func (f *fakeHost) metagraph() ([]byte, int32) {
	if f.side != abi.ChainSide {
		return nil, abi.StatusUnavailable
	}
	return wire.Metagraph{Netuid: 1}.Encode(), 0
}
func (f *fakeHost) hash(kind hashKind, data []byte) [32]byte {
	if kind != hashSha256 {
		panic("fake host only hashes sha256")
	}
	return sha256.Sum256(data)
}
func (f *fakeHost) gasLeft() uint64                    { return 42 }
func (f *fakeHost) stateGet(key []byte) ([]byte, bool) { v, ok := f.state[string(key)]; return v, ok }
func (f *fakeHost) stateSet(key, value []byte)         { f.state[string(key)] = append([]byte(nil), value...) }
func (f *fakeHost) stateRemove(key []byte)             { delete(f.state, string(key)) }

// runnerInvoke follows the ABI: the length of the result, or -status, with
// the output or error text kept for runner_result.
func (f *fakeHost) runnerInvoke(name, input []byte) int64 {
	r, ok := f.runners[string(name)]
	if !ok || f.side != abi.NodeSide {
		return -abi.StatusUnavailable
	}
	out, ok := r(input)
	f.result = out
	if !ok {
		return -abi.StatusRunnerFailed
	}
	return int64(len(out))
}

func (f *fakeHost) runnerSubmit(name, input []byte) int64 {
	if _, ok := f.runners[string(name)]; !ok || f.side != abi.NodeSide {
		return -abi.StatusUnavailable
	}
	f.njobs++
	id := f.njobs
	f.jobs[id] = func() { f.runnerInvoke(name, input) }
	return id
}

func (f *fakeHost) runnerWait(job int64) int64 {
	run, ok := f.jobs[job]
	if !ok {
		return -abi.StatusNotFound
	}
	delete(f.jobs, job)
	run()
	return int64(len(f.result))
}

func (f *fakeHost) runnerResult() []byte { return f.result }

func (f *fakeHost) timeNow() int64 {
	if f.side != abi.NodeSide {
		return -abi.StatusUnavailable
	}
	return 1_700_000_000_000
}

// withFakeHost installs a fresh fake host and clears registered handlers
// for the duration of one test.
func withFakeHost(t *testing.T) *fakeHost {
	t.Helper()
	f := &fakeHost{state: map[string][]byte{}, runners: map[string]func([]byte) ([]byte, bool){}, jobs: map[int64]func(){}, side: abi.NodeSide}
	testHost = f
	handlers = [numEntries]handler{}
	t.Cleanup(func() { testHost = nil; handlers = [numEntries]handler{} })
	return f
}

func TestInvokeDispatch(t *testing.T) {
	withFakeHost(t)
	HandleScore(func(in ScoreInput) (ScoreOutput, error) {
		var out ScoreOutput
		for _, r := range in.Responses {
			switch string(r.Response) {
			case "panic":
				panic("boom")
			case "fail":
				return ScoreOutput{}, errors.New("cannot score " + r.Err)
			case "dup":
				return ScoreOutput{Scores: []Score{{UID: 1}, {UID: 1}}}, nil
			}
			out.Scores = append(out.Scores, Score{UID: r.UID, Value: Ratio(uint64(len(r.Response)), uint64(len(in.Task)))})
		}
		return out, nil
	})
	input := func(resp string) []byte {
		return wire.ScoreInput{Task: []byte("abcd"), Responses: []Response{{UID: 3, Response: []byte(resp)}}}.Encode()
	}
	tests := []struct {
		name    string
		entry   string
		in      []byte
		want    []byte
		wantErr string
	}{
		{"ok", "score", input("ab"), wire.ScoreOutput{Scores: []Score{{UID: 3, Value: ScoreOne / 2}}}.Encode(), ""},
		{"handler error", "score", input("fail"), nil, "cannot score"},
		{"panic", "score", input("panic"), nil, "panic in score: boom"},
		{"invalid output", "score", input("dup"), nil, "score returned an invalid result: wire: ScoreOutput.Scores[1].UID: UIDs must be strictly ascending"},
		{"bad input", "score", []byte{1, 2}, nil, "wire: ScoreInput.Block: needs 8 bytes, only 0 left"},
		{"not implemented", "solve", nil, nil, "entry point solve not implemented by this module"},
		{"unknown", "frobnicate", nil, nil, `tao: unknown entry point "frobnicate"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := Invoke(tt.entry, tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || !bytes.Equal(out, tt.want) {
				t.Fatalf("Invoke = %x, %v; want %x", out, err, tt.want)
			}
		})
	}
	if _, err := Invoke("solve", nil); !errors.Is(err, ErrNotImplemented) {
		t.Errorf("missing handler error %v does not match ErrNotImplemented", err)
	}
}

func TestRegisterTwicePanics(t *testing.T) {
	withFakeHost(t)
	HandleInit(func([]byte) error { return nil })
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "entry point init is already registered") {
			t.Fatalf("recover() = %v", r)
		}
	}()
	HandleInit(func([]byte) error { return nil })
}

func TestInitReceivesConfig(t *testing.T) {
	withFakeHost(t)
	var got []byte
	HandleInit(func(cfg []byte) error { got = cfg; return nil })
	if out, err := Invoke("init", []byte("cfg")); err != nil || len(out) != 0 || string(got) != "cfg" {
		t.Fatalf("init: out %q err %v config %q", out, err, got)
	}
}

func TestPackResult(t *testing.T) {
	tests := []struct {
		ptr  uint32
		n    int
		err  error
		want uint64
	}{
		{0x1000, 5, nil, 0x0000_1000_0000_0005},
		{0x1000, 5, errors.New("x"), 0x8000_1000_0000_0005},
		{0x1000, 5, notImplementedError{"solve"}, 0xC000_1000_0000_0005},
	}
	for _, tt := range tests {
		if got := packResult(tt.ptr, tt.n, tt.err); got != tt.want {
			t.Errorf("packResult(%#x, %d, %v) = %#x, want %#x", tt.ptr, tt.n, tt.err, got, tt.want)
		}
	}
}

func TestHostFunctions(t *testing.T) {
	f := withFakeHost(t)
	if _, ok := StateGet([]byte("k")); ok {
		t.Fatal("absent key reported present")
	}
	StateSet([]byte("k"), []byte("v"))
	if v, ok := StateGet([]byte("k")); !ok || string(v) != "v" {
		t.Fatalf("StateGet = %q, %v", v, ok)
	}
	StateRemove([]byte("k"))
	if _, ok := StateGet([]byte("k")); ok {
		t.Fatal("removed key still present")
	}
	Log(LevelWarn, "careful")
	if len(f.logs) != 1 || f.logs[0] != "2:careful" {
		t.Fatalf("logs = %q", f.logs)
	}
	if Sha256([]byte("abc")) != sha256.Sum256([]byte("abc")) || GasLeft() != 42 {
		t.Fatal("hash or gas not passed through")
	}
	want := BlockInfo{Netuid: 2, Height: 9, TimeMillis: 7, Hash: [32]byte{1}}
	f.block = want.Encode()
	if got := CurrentBlock(); got != want {
		t.Fatalf("CurrentBlock = %+v", got)
	}
	if _, err := CurrentMetagraph(); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("node-side CurrentMetagraph error = %v", err)
	}
	if ms, err := NodeTimeMillis(); err != nil || ms != 1_700_000_000_000 {
		t.Fatalf("NodeTimeMillis = %d, %v", ms, err)
	}
	f.runners["double"] = func(in []byte) ([]byte, bool) { return append(in, in...), true }
	f.runners["broken"] = func([]byte) ([]byte, bool) { return []byte("out of memory"), false }
	if out, err := RunnerInvoke("double", []byte("ab")); err != nil || string(out) != "abab" {
		t.Fatalf("RunnerInvoke = %q, %v", out, err)
	}
	_, err := RunnerInvoke("broken", nil)
	if err == nil || err.Error() != `runner "broken" failed: out of memory` || errors.Is(err, ErrUnavailable) {
		t.Fatalf("broken runner: %v", err)
	}
	if _, err := RunnerInvoke("gpu", nil); !errors.Is(err, ErrUnavailable) || err.Error() != `runner "gpu" not available to this entry point or node` {
		t.Fatalf("missing runner: %v", err)
	}
	job, err := RunnerSubmit("double", []byte("xy"))
	if err != nil {
		t.Fatal(err)
	}
	if out, err := job.Wait(); err != nil || string(out) != "xyxy" {
		t.Fatalf("Job.Wait = %q, %v", out, err)
	}

	// Chain side: storage and metagraph exist, runners and the clock do not.
	f.side = abi.ChainSide
	if m, err := CurrentMetagraph(); err != nil || m.Netuid != 1 {
		t.Fatalf("chain-side CurrentMetagraph = %+v, %v", m, err)
	}
	if _, err := RunnerInvoke("double", nil); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("chain-side RunnerInvoke error = %v", err)
	}
	if _, err := NodeTimeMillis(); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("chain-side NodeTimeMillis error = %v", err)
	}
}

func TestCurrentBlockRejectsBadHostData(t *testing.T) {
	f := withFakeHost(t)
	f.block = []byte{1, 2, 3}
	defer func() {
		if _, ok := recover().(abortPanic); !ok || !strings.Contains(f.aborted, "host wrote an invalid block_info: wire: BlockInfo.Height") {
			t.Fatalf("aborted with %q", f.aborted)
		}
	}()
	CurrentBlock()
}

func TestNoHostOutsideWasm(t *testing.T) {
	defer func() {
		if r, _ := recover().(string); !strings.Contains(r, "host functions exist only inside a wasm module") {
			t.Fatalf("recover() = %q", r)
		}
	}()
	GasLeft()
}

func TestFixedPoint(t *testing.T) {
	tests := []struct {
		name string
		got  uint64
		want uint64
	}{
		{"ratio half", Ratio(1, 2), ScoreOne / 2},
		{"ratio third floors", Ratio(1, 3), 333_333_333},
		{"ratio zero den", Ratio(5, 0), 0},
		{"ratio big operands", Ratio(math.MaxUint64/2, math.MaxUint64), ScoreOne/2 - 1},
		{"ratio saturates", Ratio(math.MaxUint64, 1), math.MaxUint64},
		{"mul", MulScore(ScoreOne/2, ScoreOne/4), ScoreOne / 8},
		{"mul one", MulScore(ScoreOne, 123), 123},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %d, want %d", tt.name, tt.got, tt.want)
		}
	}
}

func TestScoresToWeights(t *testing.T) {
	got := ScoresToWeights([]Score{{UID: 1, Value: 10}, {UID: 2, Value: 0}, {UID: 5, Value: 40}, {UID: 7, Value: 20}})
	want := []WeightEntry{{UID: 1, Value: 16383}, {UID: 5, Value: 65535}, {UID: 7, Value: 32767}}
	if !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	if w := ScoresToWeights([]Score{{UID: 1}}); w != nil {
		t.Fatalf("all-zero scores gave %v", w)
	}
}

func TestSplitProportional(t *testing.T) {
	tests := []struct {
		total  uint64
		shares []uint64
		want   []uint64
		ok     bool
	}{
		{100, []uint64{1, 1, 1}, []uint64{34, 33, 33}, true},
		{10, []uint64{1, 2}, []uint64{3, 7}, true},      // 3.33→3, 6.67→7
		{7, []uint64{0, 5, 0}, []uint64{0, 7, 0}, true}, // zero shares get nothing
		{5, []uint64{2, 1, 1}, []uint64{3, 1, 1}, true}, // 2.5 rounds up: largest remainder, then lower index
		{math.MaxUint64, []uint64{math.MaxUint64 - 1, 1}, []uint64{math.MaxUint64 - 1, 1}, true},
		{9, []uint64{0, 0}, nil, false},
		{9, []uint64{math.MaxUint64, 1}, nil, false},
	}
	for _, tt := range tests {
		got, ok := SplitProportional(tt.total, tt.shares)
		if ok != tt.ok || !slices.Equal(got, tt.want) {
			t.Errorf("SplitProportional(%d, %v) = %v, %v; want %v, %v", tt.total, tt.shares, got, ok, tt.want, tt.ok)
		}
	}
}

func FuzzSplitProportionalConserves(f *testing.F) {
	f.Add(uint64(1000), uint64(3), uint64(5), uint64(0))
	f.Fuzz(func(t *testing.T, total, a, b, c uint64) {
		shares := []uint64{a, b, c}
		got, ok := SplitProportional(total, shares)
		if !ok {
			return
		}
		var sum uint64
		for i, v := range got {
			sum += v
			if shares[i] == 0 && v != 0 {
				t.Fatalf("zero share %d got %d", i, v)
			}
		}
		if sum != total {
			t.Fatalf("split %v of %d sums to %d", got, total, sum)
		}
	})
}
