package wire_test

import (
	"bytes"
	"encoding/hex"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/taorun/taorun/abi/wire"
)

var update = flag.Bool("update", false, "rewrite testdata/*.hex from the values in golden()")

// payload is what every wire type implements.
type payload interface {
	Encode() []byte
}

// key fills a [32]byte with b, so vectors are easy to read in hex.
func key(b byte) (k [32]byte) {
	for i := range k {
		k[i] = b
	}
	return k
}

// golden lists the values whose encodings are pinned in testdata/NAME.hex.
// The AssemblyScript SDK's tests use the same files, so changing one is a
// wire-format change: bump the ABI version instead.
func golden() []struct {
	name string
	v    payload
	// zero returns a fresh pointer to decode into.
	zero func() interface{ Decode([]byte) error }
} {
	type vec = struct {
		name string
		v    payload
		zero func() interface{ Decode([]byte) error }
	}
	return []vec{
		{"validate_weights_input", wire.ValidateWeightsInput{
			Netuid: 3, Block: 1000, CallerUID: 5, CallerHotkey: key(0xaa), VersionKey: 7, SubnetN: 16,
			Weights: []wire.WeightEntry{{UID: 0, Value: 65535}, {UID: 2, Value: 1}, {UID: 9, Value: 300}},
		}, func() interface{ Decode([]byte) error } { return new(wire.ValidateWeightsInput) }},
		{"validate_weights_output_accept", wire.ValidateWeightsOutput{Verdict: wire.Accept},
			func() interface{ Decode([]byte) error } { return new(wire.ValidateWeightsOutput) }},
		{"validate_weights_output_reject", wire.ValidateWeightsOutput{Verdict: wire.Reject, Reason: "uid 9 never answered"},
			func() interface{ Decode([]byte) error } { return new(wire.ValidateWeightsOutput) }},
		{"validate_weights_output_adjust", wire.ValidateWeightsOutput{Verdict: wire.Adjust, Reason: "dropped uid 9",
			Weights: []wire.WeightEntry{{UID: 0, Value: 65535}, {UID: 2, Value: 1}}},
			func() interface{ Decode([]byte) error } { return new(wire.ValidateWeightsOutput) }},
		{"on_epoch_input", wire.OnEpochInput{Netuid: 3, Block: 1080, RaoEmission: 1_000_000_000, Neurons: []wire.EpochNeuron{
			{UID: 0, Hotkey: key(1), Stake: 5_000, Incentive: 40000, Dividends: 0, ServerEmission: 400_000_000, Active: true},
			{UID: 1, Hotkey: key(2), Stake: 90_000, Incentive: 0, Dividends: 65535, ValidatorEmission: 500_000_000, Active: true, ValidatorPermit: true},
			{UID: 4, Hotkey: key(3), Stake: 0, Incentive: 25535, ServerEmission: 100_000_000},
		}}, func() interface{ Decode([]byte) error } { return new(wire.OnEpochInput) }},
		{"on_epoch_output_unchanged", wire.OnEpochOutput{},
			func() interface{ Decode([]byte) error } { return new(wire.OnEpochOutput) }},
		{"on_epoch_output_resplit", wire.OnEpochOutput{Resplit: true, ServerEmission: []uint64{500_000_000, 0, 0}},
			func() interface{ Decode([]byte) error } { return new(wire.OnEpochOutput) }},
		{"on_register_input", wire.OnRegisterInput{Netuid: 3, Block: 77, Hotkey: key(0x11), Coldkey: key(0x22), UID: 12, BurnPaid: 1_000_000_000},
			func() interface{ Decode([]byte) error } { return new(wire.OnRegisterInput) }},
		{"on_register_output", wire.OnRegisterOutput{Allow: false, Reason: "hotkey is on the deny list"},
			func() interface{ Decode([]byte) error } { return new(wire.OnRegisterOutput) }},
		{"challenge_input", wire.ChallengeInput{Netuid: 3, Block: 500, Seed: key(0x5e), ValidatorHotkey: key(0xaa)},
			func() interface{ Decode([]byte) error } { return new(wire.ChallengeInput) }},
		{"challenge_output", wire.ChallengeOutput{Task: []byte("task"), TimeoutMillis: 12000},
			func() interface{ Decode([]byte) error } { return new(wire.ChallengeOutput) }},
		{"solve_input", wire.SolveInput{Netuid: 3, Block: 500, MinerHotkey: key(0xbb), Task: []byte("task")},
			func() interface{ Decode([]byte) error } { return new(wire.SolveInput) }},
		{"solve_output", wire.SolveOutput{Response: []byte{0xde, 0xad}},
			func() interface{ Decode([]byte) error } { return new(wire.SolveOutput) }},
		// score_input/score_output are also the AssemblyScript example
		// module's end-to-end vector: its echo scorer maps one to the other.
		{"score_input", wire.ScoreInput{Netuid: 3, Block: 500, Task: []byte("ping"), Responses: []wire.Response{
			{UID: 1, LatencyMicros: 250_000, Response: []byte("ping")},
			{UID: 4, LatencyMicros: 1_500_000, Response: []byte("ping")},
			{UID: 6, LatencyMicros: 10, Response: []byte("pong")},
			{UID: 9, Err: "timeout"},
		}}, func() interface{ Decode([]byte) error } { return new(wire.ScoreInput) }},
		{"score_output", wire.ScoreOutput{Scores: []wire.Score{
			{UID: 1, Value: 875_000_000}, {UID: 4, Value: 500_000_000}, {UID: 6, Value: 0}, {UID: 9, Value: 0},
		}}, func() interface{ Decode([]byte) error } { return new(wire.ScoreOutput) }},
		{"block_info", wire.BlockInfo{Netuid: 3, Height: 123456, TimeMillis: 1_700_000_000_000, Hash: key(0xcd)},
			func() interface{ Decode([]byte) error } { return new(wire.BlockInfo) }},
		{"metagraph", wire.Metagraph{Netuid: 3, Block: 99, Neurons: []wire.Neuron{
			{UID: 0, Hotkey: key(1), Coldkey: key(2), Stake: 10, Rank: 1, Trust: 2, Consensus: 3, Incentive: 4, Dividends: 5,
				Emission: 6, Active: true, ValidatorPermit: false, LastUpdate: 90, RegisteredAt: 1},
			{UID: 1, Hotkey: key(3), Coldkey: key(4), Stake: 20, Active: false, ValidatorPermit: true, LastUpdate: 91, RegisteredAt: 2},
		}}, func() interface{ Decode([]byte) error } { return new(wire.Metagraph) }},
	}
}

// readHex reads a testdata vector: hex digits, with whitespace and lines
// starting with '#' ignored.
func readHex(t testing.TB, path string) []byte {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var digits strings.Builder
	for _, line := range strings.Split(string(raw), "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		digits.WriteString(strings.Join(strings.Fields(line), ""))
	}
	b, err := hex.DecodeString(digits.String())
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return b
}

func writeHex(t *testing.T, path string, b []byte) {
	var s strings.Builder
	s.WriteString("# ABI v1 wire vector, see docs/abi.md. Hex, 32 bytes per line.\n")
	h := hex.EncodeToString(b)
	for len(h) > 64 {
		s.WriteString(h[:64] + "\n")
		h = h[64:]
	}
	s.WriteString(h + "\n")
	if err := os.WriteFile(path, []byte(s.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestGoldenVectors(t *testing.T) {
	for _, g := range golden() {
		t.Run(g.name, func(t *testing.T) {
			path := filepath.Join("testdata", g.name+".hex")
			enc := g.v.Encode()
			if *update {
				writeHex(t, path, enc)
			}
			want := readHex(t, path)
			if !bytes.Equal(enc, want) {
				t.Fatalf("Encode = %x\nwant     %x", enc, want)
			}
			got := g.zero()
			if err := got.Decode(want); err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if v := reflect.ValueOf(got).Elem().Interface(); !reflect.DeepEqual(v, g.v) {
				t.Fatalf("Decode = %+v\nwant     %+v", v, g.v)
			}
		})
	}
}

// TestEncodingLayout pins a hand-computed encoding, independent of the
// vector files, so a bug that rewrote both could not go unnoticed.
func TestEncodingLayout(t *testing.T) {
	got := wire.ScoreOutput{Scores: []wire.Score{{UID: 0x0102, Value: wire.ScoreOne}}}.Encode()
	want := []byte{
		1, 0, 0, 0, // count
		0x02, 0x01, // uid
		0x00, 0xca, 0x9a, 0x3b, 0, 0, 0, 0, // 1e9 little-endian
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("got %x want %x", got, want)
	}
	got = wire.OnRegisterOutput{Allow: true, Reason: "é"}.Encode()
	want = []byte{1, 2, 0, 0, 0, 0xc3, 0xa9}
	if !bytes.Equal(got, want) {
		t.Fatalf("got %x want %x", got, want)
	}
}

func TestDecodeErrors(t *testing.T) {
	u32 := func(v uint32) []byte { return []byte{byte(v), byte(v >> 8), byte(v >> 16), byte(v >> 24)} }
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	tests := []struct {
		name string
		in   []byte
		into interface{ Decode([]byte) error }
		want string
	}{
		{"empty", nil, new(wire.OnRegisterOutput), "wire: OnRegisterOutput.Allow: needs 1 bytes, only 0 left"},
		{"bad bool", cat([]byte{2}, u32(0)), new(wire.OnRegisterOutput), "OnRegisterOutput.Allow: boolean byte is 2, want 0 or 1"},
		{"trailing", cat([]byte{1}, u32(0), []byte{9}), new(wire.OnRegisterOutput), "OnRegisterOutput: 1 trailing bytes"},
		{"string past end", cat([]byte{1}, u32(5), []byte("ab")), new(wire.OnRegisterOutput), "OnRegisterOutput.Reason: count 5 needs at least 5 bytes, only 2 left"},
		{"invalid utf8", cat([]byte{0}, u32(1), []byte{0xff}), new(wire.OnRegisterOutput), "OnRegisterOutput.Reason: string is not valid UTF-8"},
		{"unknown verdict", cat([]byte{3}, u32(0), u32(0)), new(wire.ValidateWeightsOutput), "ValidateWeightsOutput.Verdict: unknown verdict 3"},
		{"weights without adjust", cat([]byte{0}, u32(0), u32(1), []byte{1, 0, 1, 0}), new(wire.ValidateWeightsOutput),
			"ValidateWeightsOutput.Weights: must be empty unless the verdict is adjust (verdict is accept)"},
		{"huge count", cat(u32(0xffffffff)), new(wire.ScoreOutput), "ScoreOutput.Scores: count 4294967295 needs at least 42949672950 bytes, only 0 left"},
		{"unsorted uids", cat(u32(2), []byte{5, 0}, make([]byte, 8), []byte{5, 0}, make([]byte, 8)), new(wire.ScoreOutput),
			"ScoreOutput.Scores[1].UID: UIDs must be strictly ascending: 5 follows 5"},
		{"element truncated", cat(u32(1), []byte{5, 0}, make([]byte, 7)), new(wire.ScoreOutput),
			"ScoreOutput.Scores: count 1 needs at least 10 bytes, only 9 left"},
		{"nested utf8", cat([]byte{3, 0}, make([]byte, 8), u32(0), u32(1), []byte{1, 0}, make([]byte, 8), u32(0), u32(1), []byte{0xc0}),
			new(wire.ScoreInput), "ScoreInput.Responses[0].Err: string is not valid UTF-8"},
		{"resplit flag off", cat([]byte{0}, u32(1), make([]byte, 8)), new(wire.OnEpochOutput),
			"OnEpochOutput.ServerEmission: must be empty when Resplit is false"},
		{"hash truncated", make([]byte, 10+20), new(wire.ChallengeInput), "ChallengeInput.Seed: needs 32 bytes, only 20 left"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.into.Decode(tt.in)
			if err == nil {
				t.Fatalf("Decode(%x) succeeded, want error %q", tt.in, tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %q does not contain %q", err, tt.want)
			}
			var we *wire.Error
			if !errors.As(err, &we) {
				t.Fatalf("error %T is not *wire.Error", err)
			}
		})
	}
}

// TestDecodeReplaces checks that Decode clears fields left from earlier use.
func TestDecodeReplaces(t *testing.T) {
	out := wire.ValidateWeightsOutput{Verdict: wire.Adjust, Reason: "old", Weights: []wire.WeightEntry{{UID: 1}}}
	if err := out.Decode(wire.ValidateWeightsOutput{Verdict: wire.Accept}.Encode()); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(out, wire.ValidateWeightsOutput{}) {
		t.Fatalf("Decode left %+v", out)
	}
}

func TestVerdictString(t *testing.T) {
	for v, want := range map[wire.Verdict]string{wire.Accept: "accept", wire.Reject: "reject", wire.Adjust: "adjust", 7: "verdict(7)"} {
		if got := v.String(); got != want {
			t.Errorf("Verdict(%d).String() = %q, want %q", uint8(v), got, want)
		}
	}
}
