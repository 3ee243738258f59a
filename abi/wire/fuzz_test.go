package wire_test

import (
	"bytes"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/taorun/taorun/abi/wire"
)

// decodable is a payload pointer: *T with Decode, whose T has Encode.
type decodable[T any] interface {
	*T
	Decode([]byte) error
}

// fuzzCanonical checks, for any input, that decoding never panics and that
// whatever decodes re-encodes to the same bytes and decodes to an equal
// value (decode∘encode is the identity on valid inputs). Seeds are every
// testdata vector, whatever its type, so mutations start from real shapes.
func fuzzCanonical[T interface{ Encode() []byte }, P decodable[T]](f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.hex"))
	for _, file := range files {
		f.Add(readHex(f, file))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var v T
		if err := P(&v).Decode(in); err != nil {
			if !strings.HasPrefix(err.Error(), "wire: ") {
				t.Fatalf("error without the wire prefix: %v", err)
			}
			return
		}
		out := v.Encode()
		if !bytes.Equal(out, in) {
			t.Fatalf("not canonical: decoded %x, re-encoded %x", in, out)
		}
		var w T
		if err := P(&w).Decode(out); err != nil || !reflect.DeepEqual(v, w) {
			t.Fatalf("round trip: %+v vs %+v (%v)", v, w, err)
		}
	})
}

func FuzzDecodeValidateWeightsInput(f *testing.F) { fuzzCanonical[wire.ValidateWeightsInput](f) }

func FuzzDecodeValidateWeightsOutput(f *testing.F) { fuzzCanonical[wire.ValidateWeightsOutput](f) }

func FuzzDecodeOnEpochInput(f *testing.F) { fuzzCanonical[wire.OnEpochInput](f) }

func FuzzDecodeOnEpochOutput(f *testing.F) { fuzzCanonical[wire.OnEpochOutput](f) }

func FuzzDecodeOnRegisterInput(f *testing.F) { fuzzCanonical[wire.OnRegisterInput](f) }

func FuzzDecodeOnRegisterOutput(f *testing.F) { fuzzCanonical[wire.OnRegisterOutput](f) }

func FuzzDecodeChallengeInput(f *testing.F) { fuzzCanonical[wire.ChallengeInput](f) }

func FuzzDecodeChallengeOutput(f *testing.F) { fuzzCanonical[wire.ChallengeOutput](f) }

func FuzzDecodeSolveInput(f *testing.F) { fuzzCanonical[wire.SolveInput](f) }

func FuzzDecodeSolveOutput(f *testing.F) { fuzzCanonical[wire.SolveOutput](f) }

func FuzzDecodeScoreInput(f *testing.F) { fuzzCanonical[wire.ScoreInput](f) }

func FuzzDecodeScoreOutput(f *testing.F) { fuzzCanonical[wire.ScoreOutput](f) }

func FuzzDecodeBlockInfo(f *testing.F) { fuzzCanonical[wire.BlockInfo](f) }

func FuzzDecodeMetagraph(f *testing.F) { fuzzCanonical[wire.Metagraph](f) }
