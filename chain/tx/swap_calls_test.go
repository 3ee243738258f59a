package tx

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/taorun/taorun/keys"
)

// TestSwapHotkeyEncoding pins swap_hotkey's argument bytes (kind 21, old ‖
// new) and checks that a signed transaction carrying it round-trips, and
// that truncated or padded arguments are refused.
func TestSwapHotkeyEncoding(t *testing.T) {
	call := SwapHotkey{OldHotkey: keys.Dev("Bob").Public(), NewHotkey: keys.Dev("Charlie").Public()}
	raw := fixedTx(call).Encode()
	// Bytes 81..82 hold the kind, 83..86 the args length, the args follow.
	if kind := uint16(raw[81]) | uint16(raw[82])<<8; kind != 21 {
		t.Fatalf("kind %d on the wire, want 21", kind)
	}
	wantArgs := append(append([]byte{}, call.OldHotkey[:]...), call.NewHotkey[:]...)
	if !bytes.Equal(raw[83:87], []byte{64, 0, 0, 0}) || !bytes.Equal(raw[87:87+64], wantArgs) {
		t.Fatalf("args %s, want length 64 and old ‖ new", hex.EncodeToString(raw[83:87+64]))
	}
	got, err := Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	if got.Call != call || Name(got.Call.Kind()) != "swap_hotkey" {
		t.Fatalf("decoded %#v (%s)", got.Call, Name(got.Call.Kind()))
	}
	signed := New(keys.Dev("Alice"), got.Genesis, 0, call, 0)
	dec, err := Decode(signed.Encode())
	if err != nil || !dec.Verify() || dec.Call != call {
		t.Fatalf("signed swap_hotkey: %v", err)
	}
	for _, c := range []struct {
		name string
		args []byte
		want string
	}{
		{"short", wantArgs[:63], "unexpected end"},
		{"padded", append(bytes.Clone(wantArgs), 0), "trailing bytes"},
	} {
		b := append(bytes.Clone(raw[:83]), byte(len(c.args)), 0, 0, 0)
		b = append(append(b, c.args...), raw[87+64:]...)
		if _, err := Decode(b); err == nil || !strings.Contains(err.Error(), "swap_hotkey arguments") || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want a swap_hotkey arguments error mentioning %q", c.name, err, c.want)
		}
	}
}
