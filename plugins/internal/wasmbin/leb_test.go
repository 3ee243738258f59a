package wasmbin

import (
	"encoding/hex"
	"strconv"
	"strings"
	"testing"

	"github.com/taorun/taorun/internal/testfiles"
)

// TestLEB128 decodes the vectors in testdata/leb.txt and checks that
// canonical inputs re-encode to the same bytes.
func TestLEB128(t *testing.T) {
	lines := testfiles.Lines(t, "testdata/leb.txt")
	for _, line := range lines {
		line = strings.TrimSpace(line)
		fields := strings.SplitN(line, " ", 3)
		kind, hx, want := fields[0], fields[1], fields[2]
		if hx == "-" {
			hx = ""
		}
		b, err := hex.DecodeString(hx)
		if err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		r := NewReader(b, 0)
		var got string
		var enc []byte
		switch kind {
		case "u32":
			v, e := r.U32("x")
			got, err, enc = strconv.FormatUint(uint64(v), 10), e, AppendU32(nil, v)
		case "u64":
			v, e := r.U64("x")
			got, err, enc = strconv.FormatUint(v, 10), e, AppendU64(nil, v)
		case "s32":
			v, e := r.S32("x")
			got, err, enc = strconv.FormatInt(int64(v), 10), e, AppendS64(nil, int64(v))
		case "s33":
			v, e := r.S33("x")
			got, err, enc = strconv.FormatInt(v, 10), e, AppendS64(nil, v)
		case "s64":
			v, e := r.S64("x")
			got, err, enc = strconv.FormatInt(v, 10), e, AppendS64(nil, v)
		default:
			t.Fatalf("unknown kind in %q", line)
		}
		if sub, isErr := strings.CutPrefix(want, "error: "); isErr {
			if err == nil || !strings.Contains(err.Error(), sub) {
				t.Errorf("%s: got %s, %v; want error containing %q", line, got, err, sub)
			}
			continue
		}
		if err != nil || got != want {
			t.Errorf("%s: got %s, %v; want %s", line, got, err, want)
			continue
		}
		if r.Len() != 0 {
			t.Errorf("%s: %d bytes left over", line, r.Len())
		}
		// Canonical (minimal) inputs must re-encode identically; padded
		// ones must re-encode shorter and decode to the same value.
		if len(enc) > len(b) || (len(enc) == len(b) && hex.EncodeToString(enc) != hx) {
			t.Errorf("%s: re-encoded as %x", line, enc)
		}
	}
	if len(lines) < 25 {
		t.Fatalf("only %d vectors", len(lines))
	}
}
