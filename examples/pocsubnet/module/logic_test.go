package main

import (
	"reflect"
	"strings"
	"testing"

	"github.com/taorun/taorun/examples/pocsubnet/matmul"
	"github.com/taorun/taorun/sdk-wasm/go/tao"
)

func TestRNGIsPinned(t *testing.T) {
	// Every node must derive the same matrices from a seed forever: pin the
	// generator's first outputs (xoshiro256** from state {1, 2, 3, 4}).
	r := newRNG([32]byte{1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 4})
	want := []uint64{11520, 0, 1509978240, 1215971899390074240}
	for i, w := range want {
		if got := r.next(); got != w {
			t.Fatalf("output %d = %d, want %d", i, got, w)
		}
	}
}

func TestVerify(t *testing.T) {
	// A non-square task too: the format and the check are general.
	for _, task := range []Task{NewTask([32]byte{9}, 16), {N: 3, K: 7, M: 5, P: 65521, Seed: [32]byte{4}}, {N: 4, K: 2, M: 6, P: 7, Seed: [32]byte{5}}} {
		job := task.Job()
		if job.Check() != nil || job.N != task.N || job.K != task.K || job.M != task.M || job.P != task.P {
			t.Fatalf("task %+v derived job %+v: %v", task, job, job.Check())
		}
		c := matmul.Multiply(job)
		if !Verify(task, job, c) {
			t.Fatalf("task %dx%dx%d: correct product rejected", task.N, task.K, task.M)
		}
		for i := range c.C {
			bad := matmul.Result{N: c.N, M: c.M, C: append([]uint32(nil), c.C...)}
			bad.C[i] = (bad.C[i] + 1) % task.P
			if Verify(task, job, bad) {
				t.Fatalf("task %dx%dx%d: product wrong at %d accepted", task.N, task.K, task.M, i)
			}
		}
	}
	// The derived matrices are pinned: every validator and miner must
	// derive the same ones from a seed forever.
	job := NewTask([32]byte{1}, 2).Job()
	if want := []uint32{0, 5760, 5760, 47518}; !reflect.DeepEqual(job.A, want) {
		t.Fatalf("derived A = %v, want %v", job.A, want)
	}
}

func TestScoreResponse(t *testing.T) {
	task := NewTask([32]byte{3}, 4)
	job := task.Job()
	good := matmul.EncodeResult(matmul.Multiply(job))
	zero := matmul.EncodeResult(matmul.Result{N: 4, M: 4, C: make([]uint32, 16)})
	tests := []struct {
		name string
		r    tao.Response
		want uint64
	}{
		{"instant", tao.Response{Response: good}, tao.ScoreOne},
		{"half the timeout", tao.Response{Response: good, LatencyMicros: 500_000}, 750_000_000},
		{"at the timeout", tao.Response{Response: good, LatencyMicros: 1_000_000}, 500_000_000},
		{"failed", tao.Response{Err: "timeout"}, 0},
		{"garbage", tao.Response{Response: []byte{1, 2, 3}}, 0},
		{"wrong size", tao.Response{Response: matmul.EncodeResult(matmul.Result{N: 2, M: 2, C: make([]uint32, 4)})}, 0},
		{"zero matrix", tao.Response{Response: zero}, 0},
		{"trailing byte", tao.Response{Response: append(append([]byte(nil), good...), 0)}, 0},
	}
	for _, tt := range tests {
		if got := ScoreResponse(task, job, tt.r, 1000); got != tt.want {
			t.Errorf("%s: score %d, want %d", tt.name, got, tt.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"task version", second(ParseTask([]byte{1, 1, 0, 0, 0})), "Task.Version: task version 1, want 2"},
		{"task short", second(ParseTask([]byte{2, 4, 0})), "Task.N: needs 4 bytes"},
		{"task zero", second(ParseTask(Task{P: Modulus}.Encode())), "task: N 0 out of range"},
		{"task wide", second(ParseTask(Task{N: 1, K: 1, M: 513, P: Modulus}.Encode())), "task: M 513 out of range 1..512"},
		{"task composite", second(ParseTask(Task{N: 1, K: 1, M: 1, P: 65536}.Encode())), "task: modulus 65536 is not a prime in 2..65536"},
		{"task too big", second(ParseTask(Task{N: 1, K: 1, M: 1, P: 65537}.Encode())), "task: modulus 65537 is not a prime"},
		{"config trailing", second(ParseConfig(append(DefaultConfig().Encode(), 0))), "Config: 1 trailing bytes"},
		{"config n", second(ParseConfig(Config{MatrixN: 1000, TimeoutMillis: 1}.Encode())), "MatrixN 1000 out of range"},
	}
	for _, tt := range tests {
		if tt.err == nil || !strings.Contains(tt.err.Error(), tt.want) {
			t.Errorf("%s: error %v, want %q", tt.name, tt.err, tt.want)
		}
	}
	task := Task{N: 3, K: 4, M: 5, P: 7, Seed: [32]byte{1, 2}}
	if got, err := ParseTask(task.Encode()); err != nil || got != task {
		t.Fatalf("task round trip = %+v, %v", got, err)
	}
	c := Config{MatrixN: 5, TimeoutMillis: 6, MaxShare: 7, MaxRegistrations: 8, Deny: [][32]byte{{1}, {2}}}
	if got, err := ParseConfig(c.Encode()); err != nil || !reflect.DeepEqual(got, c) {
		t.Fatalf("config round trip = %+v, %v", got, err)
	}
	if got, err := ParseConfig(nil); err != nil || !reflect.DeepEqual(got, DefaultConfig()) {
		t.Fatalf("empty config = %+v, %v", got, err)
	}
}

func second[T any](_ T, err error) error { return err }

func TestCheckWeights(t *testing.T) {
	w := func(uids ...uint16) []tao.WeightEntry {
		out := make([]tao.WeightEntry, len(uids))
		for i, u := range uids {
			out[i] = tao.WeightEntry{UID: u, Value: 100}
		}
		return out
	}
	tests := []struct {
		name    string
		weights []tao.WeightEntry
		verdict tao.Verdict
		kept    []tao.WeightEntry
	}{
		{"clean", w(0, 1, 3), tao.Accept, nil},
		{"self weight", w(0, 2, 3), tao.Adjust, w(0, 3)},
		{"out of range", w(1, 4, 9), tao.Adjust, w(1)},
		{"only self", w(2), tao.Reject, nil},
		{"empty", nil, tao.Reject, nil},
	}
	for _, tt := range tests {
		got := CheckWeights(tao.ValidateWeightsInput{CallerUID: 2, SubnetN: 4, Weights: tt.weights})
		if got.Verdict != tt.verdict || !reflect.DeepEqual(got.Weights, tt.kept) {
			t.Errorf("%s: %+v, want %v %v", tt.name, got, tt.verdict, tt.kept)
		}
	}
}

func TestResplit(t *testing.T) {
	neurons := func(amounts ...uint64) []tao.EpochNeuron {
		out := make([]tao.EpochNeuron, len(amounts))
		for i, a := range amounts {
			out[i] = tao.EpochNeuron{UID: uint16(i), Hotkey: [32]byte{byte(i + 1)}, ServerEmission: a}
		}
		return out
	}
	half := DefaultConfig()
	deny2 := DefaultConfig()
	deny2.Deny = [][32]byte{{2}} // UID 1's hotkey
	tests := []struct {
		name    string
		in      []tao.EpochNeuron
		cfg     Config
		want    []uint64
		resplit bool
	}{
		{"balanced stays", neurons(300, 300, 400), half, nil, false},
		{"dominant capped", neurons(800, 100, 100), half, []uint64{499, 251, 250}, true},
		{"cap cascades", neurons(600, 390, 10), Config{MaxShare: 26214}, []uint64{400, 400, 200}, true}, // 40 %
		{"denied zeroed", neurons(300, 300, 400), Config{MaxShare: tao.U16One, Deny: deny2.Deny}, []uint64{429, 0, 571}, true},
		{"deny beats cap", neurons(300, 300, 400), deny2, []uint64{500, 0, 500}, true},
		{"all denied", neurons(300, 300), Config{MaxShare: tao.U16One, Deny: [][32]byte{{1}, {2}}}, nil, false},
		{"lone miner stays", neurons(1000, 0), half, nil, false},
		{"nobody earns", neurons(0, 0), half, nil, false},
	}
	for _, tt := range tests {
		got, ok := Resplit(tao.OnEpochInput{Neurons: tt.in}, tt.cfg)
		if ok != tt.resplit || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: %v %v, want %v %v", tt.name, got, ok, tt.want, tt.resplit)
			continue
		}
		if ok {
			var sum, total uint64
			for i, a := range got {
				sum += a
				total += tt.in[i].ServerEmission
			}
			if sum != total {
				t.Errorf("%s: resplit sums to %d, want %d", tt.name, sum, total)
			}
		}
	}
}

func TestCheckRegistration(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Deny = [][32]byte{{0xba}}
	tests := []struct {
		hotkey   [32]byte
		previous uint32
		allow    bool
		reason   string
	}{
		{[32]byte{1}, 0, true, ""},
		{[32]byte{1}, 2, true, ""},
		{[32]byte{1}, 3, false, "hotkey already registered 3 times (limit 3)"},
		{[32]byte{0xba}, 0, false, "hotkey is on the subnet's deny list"},
	}
	for _, tt := range tests {
		got := CheckRegistration(tao.OnRegisterInput{Hotkey: tt.hotkey}, cfg, tt.previous)
		if got.Allow != tt.allow || got.Reason != tt.reason {
			t.Errorf("%x after %d: %+v", tt.hotkey[0], tt.previous, got)
		}
	}
}
