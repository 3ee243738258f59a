package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/taorun/taorun/abi/wire"
	"github.com/taorun/taorun/examples/pocsubnet/matmul"
	"github.com/taorun/taorun/sdk-wasm/go/tao"
	"github.com/taorun/taorun/sdk-wasm/wasmtest"
)

// TestModuleInWasm builds this module for wasip1 and drives every entry
// point through wazero, the way a validator, a miner and the chain would.
func TestModuleInWasm(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a wasm module; skipped with -short")
	}
	ctx := context.Background()
	wasm := wasmtest.BuildGo(t, ".")
	if err := wasmtest.CheckImports(ctx, wasm); err != nil {
		t.Fatalf("module: %v", err)
	}
	runnerCalls := 0
	host := &wasmtest.Host{Runners: map[string]func([]byte) ([]byte, error){
		"matmul": func(req []byte) ([]byte, error) {
			runnerCalls++
			j, err := matmul.DecodeJob(req)
			if err != nil {
				return nil, err
			}
			if j.P != Modulus || j.N != 8 || j.K != 8 || j.M != 8 {
				return nil, fmt.Errorf("unexpected job %dx%dx%d mod %d", j.N, j.K, j.M, j.P)
			}
			return matmul.EncodeResult(matmul.Multiply(j)), nil
		},
	}}
	m, err := wasmtest.Instantiate(ctx, wasm, host)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close(ctx)
	call := func(entry string, in []byte) []byte {
		t.Helper()
		out, err := m.Call(ctx, entry, in)
		if err != nil {
			t.Fatalf("%s: %v", entry, err)
		}
		return out
	}
	for _, name := range []string{"tao_abi_v1", "alloc", "dealloc", "init", "challenge", "solve", "score", "validate_weights", "on_epoch", "on_register"} {
		if !m.HasExport(name) {
			t.Errorf("module does not export %s", name)
		}
	}

	cfg := DefaultConfig()
	cfg.MatrixN, cfg.TimeoutMillis, cfg.Deny = 8, 1000, [][32]byte{{0xde}}
	call("init", cfg.Encode())

	// Validator: challenge.
	var ch wire.ChallengeOutput
	if err := ch.Decode(call("challenge", wire.ChallengeInput{Netuid: 1, Block: 10, Seed: [32]byte{7, 7, 7}}.Encode())); err != nil {
		t.Fatal(err)
	}
	task, err := ParseTask(ch.Task)
	if err != nil || task.N != 8 || task.K != 8 || task.M != 8 || task.P != Modulus || ch.TimeoutMillis != 1000 {
		t.Fatalf("challenge gave task %+v (%v), timeout %d", task, err, ch.TimeoutMillis)
	}

	// Miner: solve, through the matmul runner.
	var sol wire.SolveOutput
	if err := sol.Decode(call("solve", wire.SolveInput{Netuid: 1, Block: 10, Task: ch.Task}.Encode())); err != nil {
		t.Fatal(err)
	}
	if runnerCalls != 1 {
		t.Fatalf("solve called the matmul runner %d times, want 1", runnerCalls)
	}
	product := matmul.EncodeResult(matmul.Multiply(task.Job()))
	if !bytes.Equal(sol.Response, product) {
		t.Fatalf("solve returned %x, want the product %x", sol.Response, product)
	}
	wrong := append([]byte(nil), sol.Response...)
	wrong[matmul.ResultHeaderBytes+5*4+1] ^= 1 // one entry of the product off by 256

	// Validator: score a fast correct, a wrong, a failed and a slow correct answer.
	var scores wire.ScoreOutput
	if err := scores.Decode(call("score", wire.ScoreInput{Netuid: 1, Block: 11, Task: ch.Task, Responses: []wire.Response{
		{UID: 1, LatencyMicros: 250_000, Response: sol.Response},
		{UID: 2, LatencyMicros: 1_000, Response: wrong},
		{UID: 3, Err: "timeout"},
		{UID: 4, LatencyMicros: 2_000_000, Response: sol.Response},
	}}.Encode())); err != nil {
		t.Fatal(err)
	}
	want := []wire.Score{{UID: 1, Value: 875_000_000}, {UID: 2, Value: 0}, {UID: 3, Value: 0}, {UID: 4, Value: 500_000_000}}
	if !slices.Equal(scores.Scores, want) {
		t.Fatalf("scores = %v, want %v", scores.Scores, want)
	}

	// Without a runner the miner computes inside the module and says so.
	delete(host.Runners, "matmul")
	if err := sol.Decode(call("solve", wire.SolveInput{Task: ch.Task}.Encode())); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(sol.Response, product) {
		t.Fatal("fallback solve returned a wrong product")
	}
	if last := host.Logs[len(host.Logs)-1]; !strings.Contains(last, `runner "matmul" not available`) {
		t.Fatalf("fallback log = %q", last)
	}

	// Chain: validate_weights drops the self-weight and the unknown UID.
	var vw wire.ValidateWeightsOutput
	if err := vw.Decode(call("validate_weights", wire.ValidateWeightsInput{CallerUID: 2, SubnetN: 4,
		Weights: []wire.WeightEntry{{UID: 1, Value: 10}, {UID: 2, Value: 10}, {UID: 9, Value: 10}}}.Encode())); err != nil {
		t.Fatal(err)
	}
	if vw.Verdict != wire.Adjust || len(vw.Weights) != 1 || vw.Weights[0].UID != 1 {
		t.Fatalf("validate_weights = %+v", vw)
	}

	// Chain: on_register counts registrations in module storage.
	hotkey := [32]byte{0x42}
	for i, allow := range []bool{true, true, true, false} {
		var reg wire.OnRegisterOutput
		if err := reg.Decode(call("on_register", wire.OnRegisterInput{Hotkey: hotkey, UID: uint16(i)}.Encode())); err != nil {
			t.Fatal(err)
		}
		if reg.Allow != allow {
			t.Fatalf("registration %d: %+v, want allow=%v", i+1, reg, allow)
		}
	}
	if v := host.State[string(registrationKey(hotkey))]; len(v) != 4 || v[0] != 3 {
		t.Fatalf("stored registration count = %x", v)
	}
	// The chain-side config comes from module storage.
	stored := DefaultConfig()
	stored.Deny = [][32]byte{{0xdf}}
	host.State["config"] = stored.Encode()
	for hk, allow := range map[byte]bool{0xdf: false, 0xde: true} {
		var reg wire.OnRegisterOutput
		if err := reg.Decode(call("on_register", wire.OnRegisterInput{Hotkey: [32]byte{hk}}.Encode())); err != nil || reg.Allow != allow {
			t.Fatalf("registration of %x with the stored deny list = %+v, %v", hk, reg, err)
		}
	}
	host.State["config"] = []byte{1}
	call("on_register", wire.OnRegisterInput{Hotkey: [32]byte{0xdd}}.Encode())
	if last := host.Logs[len(host.Logs)-1]; !strings.Contains(last, "ignoring stored config: wire: Config.MatrixN: needs 4 bytes") {
		t.Fatalf("bad stored config log = %q", last)
	}
	delete(host.State, "config")

	// Chain: on_epoch caps a dominant miner and conserves the total.
	var ep wire.OnEpochOutput
	if err := ep.Decode(call("on_epoch", wire.OnEpochInput{RaoEmission: 1000, Neurons: []wire.EpochNeuron{
		{UID: 0, ServerEmission: 800}, {UID: 1, ServerEmission: 100}, {UID: 2, ServerEmission: 100}, {UID: 3, ValidatorEmission: 1000},
	}}.Encode())); err != nil {
		t.Fatal(err)
	}
	if !ep.Resplit || !slices.Equal(asScores(ep.ServerEmission), asScores([]uint64{499, 251, 250, 0})) {
		t.Fatalf("on_epoch = %+v", ep)
	}

	// Bad input comes back as a guest error naming the field.
	_, err = m.Call(ctx, "on_register", []byte{1, 2, 3})
	var ge *wasmtest.GuestError
	if !errors.As(err, &ge) || ge.Trap || !strings.Contains(ge.Msg, "wire: OnRegisterInput.Block: needs 8 bytes, only 1 left") {
		t.Fatalf("bad input error = %v", err)
	}
}

func asScores(v []uint64) []tao.Score {
	out := make([]tao.Score, len(v))
	for i, x := range v {
		out[i] = tao.Score{UID: uint16(i), Value: x}
	}
	return out
}
