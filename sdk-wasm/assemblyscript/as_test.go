// Package assemblyscript_test builds the AssemblyScript SDK's modules with
// the pinned compiler (scripts/build-as.sh) and runs them under wazero: the
// example echo module through the ABI, and a round-trip module that must
// agree byte for byte, and error text for error text, with package
// abi/wire on the golden vectors and on corrupted copies of them.
package assemblyscript_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/taorun/taorun/abi"
	"github.com/taorun/taorun/abi/wire"
	"github.com/taorun/taorun/sdk-wasm/wasmtest"
)

// buildAS compiles entry (relative to this directory) and returns the wasm.
// It skips the test only when Node/npm are missing or the npm registry
// cannot be reached to install the compiler.
func buildAS(t *testing.T, entry string) []byte {
	t.Helper()
	if testing.Short() {
		t.Skip("builds AssemblyScript with npm; skipped with -short")
	}
	for _, tool := range []string{"node", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("AssemblyScript SDK test needs %s on PATH (install Node.js 18+): %v", tool, err)
		}
	}
	out := filepath.Join(t.TempDir(), "module.wasm")
	cmd := exec.Command(filepath.Join("..", "..", "scripts", "build-as.sh"), entry, out)
	b, err := cmd.CombinedOutput()
	if err != nil {
		for _, sign := range []string{"ENOTFOUND", "EAI_AGAIN", "ECONNREFUSED", "ETIMEDOUT", "ECONNRESET", "network"} {
			if strings.Contains(string(b), sign) {
				t.Skipf("npm registry unreachable, cannot install assemblyscript (%s):\n%s", sign, b)
			}
		}
		t.Fatalf("scripts/build-as.sh %s: %v\n%s", entry, err, b)
	}
	wasm, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return wasm
}

// readVector reads abi/wire/testdata/NAME.hex.
func readVector(t *testing.T, name string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "abi", "wire", "testdata", name+".hex"))
	if err != nil {
		t.Fatal(err)
	}
	var digits strings.Builder
	for _, line := range strings.Split(string(raw), "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "#") {
			digits.WriteString(strings.Join(strings.Fields(line), ""))
		}
	}
	b, err := hex.DecodeString(digits.String())
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return b
}

func TestEchoModule(t *testing.T) {
	ctx := context.Background()
	wasm := buildAS(t, "example/echo.ts")

	if err := wasmtest.CheckImports(ctx, wasm); err != nil {
		t.Fatalf("echo module: %v", err)
	}

	m, err := wasmtest.Instantiate(ctx, wasm, &wasmtest.Host{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close(ctx)
	for _, name := range []string{abi.ABIMarker, abi.AllocExport, abi.DeallocExport, abi.EntryScore} {
		if !m.HasExport(name) {
			t.Errorf("module does not export %s", name)
		}
	}

	got, err := m.Call(ctx, abi.EntryScore, readVector(t, "score_input"))
	if err != nil {
		t.Fatal(err)
	}
	if want := readVector(t, "score_output"); !bytes.Equal(got, want) {
		t.Fatalf("score(score_input.hex) = %x\nwant score_output.hex  %x", got, want)
	}

	// challenge → solve → score through the module: the echo earns 1.0.
	var ch wire.ChallengeOutput
	if err := ch.Decode(mustCall(t, m, abi.EntryChallenge, wire.ChallengeInput{Seed: [32]byte{1, 2, 3}}.Encode())); err != nil {
		t.Fatal(err)
	}
	var sol wire.SolveOutput
	if err := sol.Decode(mustCall(t, m, abi.EntrySolve, wire.SolveInput{Task: ch.Task}.Encode())); err != nil {
		t.Fatal(err)
	}
	var sc wire.ScoreOutput
	in := wire.ScoreInput{Task: ch.Task, Responses: []wire.Response{{UID: 5, Response: sol.Response}}}
	if err := sc.Decode(mustCall(t, m, abi.EntryScore, in.Encode())); err != nil || len(sc.Scores) != 1 || sc.Scores[0].Value != wire.ScoreOne {
		t.Fatalf("round trip score = %+v, %v", sc, err)
	}

	// A hook the module does not handle answers "not implemented".
	_, err = m.Call(ctx, abi.EntryValidateWeights, wire.ValidateWeightsInput{}.Encode())
	var ge *wasmtest.GuestError
	if !errors.As(err, &ge) || !ge.NotImplemented || ge.Msg != "entry point validate_weights not implemented by this module" {
		t.Fatalf("validate_weights error = %#v", err)
	}
	// Bad input: the same error text as the Go decoder.
	bad := []byte{3, 0, 1}
	_, err = m.Call(ctx, abi.EntryScore, bad)
	wantErr := new(wire.ScoreInput).Decode(bad).Error()
	if !errors.As(err, &ge) || ge.NotImplemented || ge.Msg != wantErr {
		t.Fatalf("bad input error = %v, want %q", err, wantErr)
	}
}

func mustCall(t *testing.T, m *wasmtest.Module, entry string, in []byte) []byte {
	t.Helper()
	out, err := m.Call(context.Background(), entry, in)
	if err != nil {
		t.Fatalf("%s: %v", entry, err)
	}
	return out
}

// goDecoder re-encodes what package wire decodes, for one payload type.
type goDecoder func([]byte) ([]byte, error)

func canonical[T interface{ Encode() []byte }, P interface {
	*T
	Decode([]byte) error
}]() goDecoder {
	return func(b []byte) ([]byte, error) {
		var v T
		if err := P(&v).Decode(b); err != nil {
			return nil, err
		}
		return v.Encode(), nil
	}
}

// TestWireParity checks the AssemblyScript codec against package wire: on
// every golden vector, every truncation of it and every one-byte
// corruption, both must accept with identical re-encodings or reject with
// identical error texts.
func TestWireParity(t *testing.T) {
	ctx := context.Background()
	m, err := wasmtest.Instantiate(ctx, buildAS(t, "test/roundtrip.ts"), &wasmtest.Host{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close(ctx)
	types := []struct {
		export string
		vector []string
		dec    goDecoder
	}{
		{"rt_validate_weights_input", []string{"validate_weights_input"}, canonical[wire.ValidateWeightsInput]()},
		{"rt_validate_weights_output", []string{"validate_weights_output_accept", "validate_weights_output_reject", "validate_weights_output_adjust"}, canonical[wire.ValidateWeightsOutput]()},
		{"rt_on_epoch_input", []string{"on_epoch_input"}, canonical[wire.OnEpochInput]()},
		{"rt_on_epoch_output", []string{"on_epoch_output_unchanged", "on_epoch_output_resplit"}, canonical[wire.OnEpochOutput]()},
		{"rt_on_register_input", []string{"on_register_input"}, canonical[wire.OnRegisterInput]()},
		{"rt_on_register_output", []string{"on_register_output"}, canonical[wire.OnRegisterOutput]()},
		{"rt_challenge_input", []string{"challenge_input"}, canonical[wire.ChallengeInput]()},
		{"rt_challenge_output", []string{"challenge_output"}, canonical[wire.ChallengeOutput]()},
		{"rt_solve_input", []string{"solve_input"}, canonical[wire.SolveInput]()},
		{"rt_solve_output", []string{"solve_output"}, canonical[wire.SolveOutput]()},
		{"rt_score_input", []string{"score_input"}, canonical[wire.ScoreInput]()},
		{"rt_score_output", []string{"score_output"}, canonical[wire.ScoreOutput]()},
		{"rt_block_info", []string{"block_info"}, canonical[wire.BlockInfo]()},
		{"rt_metagraph", []string{"metagraph"}, canonical[wire.Metagraph]()},
	}
	for _, ty := range types {
		for _, name := range ty.vector {
			t.Run(name, func(t *testing.T) {
				golden := readVector(t, name)
				inputs := [][]byte{golden, append(append([]byte(nil), golden...), 0)}
				for n := 0; n < len(golden); n++ {
					inputs = append(inputs, golden[:n])
				}
				for i := range golden {
					for _, v := range []byte{golden[i] + 1, 0xff, 0x80} {
						c := append([]byte(nil), golden...)
						c[i] = v
						inputs = append(inputs, c)
					}
				}
				accepted := 0
				for _, in := range inputs {
					want, wantErr := ty.dec(in)
					got, err := m.CallExport(ctx, ty.export, abi.NodeSide, in)
					var ge *wasmtest.GuestError
					switch {
					case wantErr == nil && err == nil:
						if !bytes.Equal(got, want) {
							t.Fatalf("input %x: AssemblyScript re-encoded %x, Go %x", in, got, want)
						}
						accepted++
					case wantErr != nil && errors.As(err, &ge) && !ge.Trap:
						if ge.Msg != wantErr.Error() {
							t.Fatalf("input %x:\nAssemblyScript error %q\nGo error             %q", in, ge.Msg, wantErr)
						}
					default:
						t.Fatalf("input %x: AssemblyScript (%x, %v), Go (%x, %v)", in, got, err, want, wantErr)
					}
				}
				if accepted == 0 {
					t.Fatal("the golden vector itself was not accepted")
				}
			})
		}
	}
}
