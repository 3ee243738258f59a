//go:build !wasip1

package tao_test

import (
	"context"
	"errors"
	"testing"

	"github.com/taorun/taorun/abi/wire"
	"github.com/taorun/taorun/sdk-wasm/wasmtest"
)

// TestGlueInWasm builds testdata/minimal for wasip1 and checks every kind of
// result the SDK's exports produce, through wazero.
func TestGlueInWasm(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a wasm module; skipped with -short")
	}
	ctx := context.Background()
	host := &wasmtest.Host{Block: wire.BlockInfo{Height: 77}}
	wasm := wasmtest.BuildGo(t, "testdata/minimal")
	if err := wasmtest.CheckImports(ctx, wasm); err != nil {
		t.Fatalf("minimal module: %v", err)
	}
	m, err := wasmtest.Instantiate(ctx, wasm, host)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close(ctx)
	score := func(task string, responses ...wire.Response) wire.ScoreInput {
		return wire.ScoreInput{Task: []byte(task), Responses: responses}
	}
	tests := []struct {
		name    string
		entry   string
		in      []byte
		want    *wire.ScoreOutput
		err     string
		notImpl bool
		trap    bool
	}{
		{name: "ok", entry: "score", in: score("t", wire.Response{UID: 3, Response: []byte("abc")}).Encode(),
			want: &wire.ScoreOutput{Scores: []wire.Score{{UID: 3, Value: 3}}}},
		{name: "empty input", entry: "score", in: nil, err: "wire: ScoreInput.Netuid: needs 2 bytes, only 0 left"},
		{name: "handler error", entry: "score", in: score("error").Encode(), err: "cannot score this task"},
		{name: "panic", entry: "score", in: score("panic").Encode(), err: "panic in score: assignment to entry in nil map"},
		{name: "invalid output", entry: "score", in: score("unsorted").Encode(),
			err: "score returned an invalid result: wire: ScoreOutput.Scores[1].UID: UIDs must be strictly ascending: 1 follows 2"},
		{name: "block_info", entry: "score", in: score("block").Encode(), want: &wire.ScoreOutput{Scores: []wire.Score{{UID: 0, Value: 77}}}},
		{name: "no storage node-side", entry: "score", in: score("state").Encode(), want: &wire.ScoreOutput{Scores: []wire.Score{{UID: 0, Value: 0}}}},
		{name: "abort", entry: "score", in: score("abort").Encode(), err: "giving up", trap: true},
		{name: "not implemented", entry: "on_epoch", in: wire.OnEpochInput{}.Encode(),
			err: "entry point on_epoch not implemented by this module", notImpl: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := m.Call(ctx, tt.entry, tt.in)
			if tt.err != "" {
				var ge *wasmtest.GuestError
				if !errors.As(err, &ge) || ge.Msg != tt.err || ge.NotImplemented != tt.notImpl || ge.Trap != tt.trap {
					t.Fatalf("error = %#v, want %q (not implemented %v, trap %v)", err, tt.err, tt.notImpl, tt.trap)
				}
				return
			}
			var got wire.ScoreOutput
			if err != nil || got.Decode(out) != nil {
				t.Fatalf("Call = %x, %v", out, err)
			}
			if len(got.Scores) != len(tt.want.Scores) || (len(got.Scores) > 0 && got.Scores[0] != tt.want.Scores[0]) {
				t.Fatalf("scores = %v, want %v", got.Scores, tt.want.Scores)
			}
		})
	}
	if _, ok := host.State["k"]; ok {
		t.Error("a node-side state_set reached storage")
	}
}
