package types

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestHashText(t *testing.T) {
	h := Sum([]byte("x"))
	b, err := json.Marshal(h)
	if err != nil || !strings.HasPrefix(string(b), `"0x`) || len(b) != 68 {
		t.Fatalf("marshal: %s %v", b, err)
	}
	var back Hash
	if err := json.Unmarshal(b, &back); err != nil || back != h {
		t.Fatalf("unmarshal: %v", err)
	}
	if p, err := ParseHash(strings.ToUpper(h.Hex()[2:])); err != nil || p != h {
		t.Fatalf("upper-case without prefix: %v", err)
	}
	for _, bad := range []string{"", "0x12", h.Hex() + "00", "0x" + strings.Repeat("zz", 32)} {
		if _, err := ParseHash(bad); err == nil {
			t.Errorf("ParseHash(%q) accepted", bad)
		}
	}
	if !(Hash{}).IsZero() || h.IsZero() {
		t.Fatal("IsZero")
	}
}
