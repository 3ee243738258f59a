package tx

import (
	"bytes"
	"encoding/binary"
	"reflect"
	"strings"
	"testing"

	"github.com/taorun/taorun/chain/types"
	"github.com/taorun/taorun/keys"
)

// TestChildKeyCallsEncoding pins the argument bytes of set_children (kind
// 22: hotkey ‖ netuid ‖ u32 count ‖ (u64 proportion ‖ child)…) and
// set_childkey_take (kind 23: hotkey ‖ netuid ‖ take), round-trips signed
// transactions carrying them, and checks that malformed arguments are
// refused with an error naming the call.
func TestChildKeyCallsEncoding(t *testing.T) {
	bob, charlie, dave := keys.Dev("Bob").Public(), keys.Dev("Charlie").Public(), keys.Dev("Dave").Public()
	le := func(v any) []byte { b, _ := binary.Append(nil, binary.LittleEndian, v); return b }
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	cases := []struct {
		call Call
		kind CallKind
		name string
		args []byte
	}{
		{SetChildren{Hotkey: bob, Netuid: 3, Children: []ChildEntry{{1 << 63, charlie}, {5, dave}}}, 22, "set_children",
			cat(bob[:], le(uint16(3)), le(uint32(2)), le(uint64(1<<63)), charlie[:], le(uint64(5)), dave[:])},
		{SetChildren{Hotkey: bob, Netuid: 3, Children: []ChildEntry{}}, 22, "set_children", cat(bob[:], le(uint16(3)), le(uint32(0)))},
		{SetChildkeyTake{Hotkey: bob, Netuid: 3, Take: 0x1234}, 23, "set_childkey_take", cat(bob[:], le(uint16(3)), le(uint16(0x1234)))},
	}
	for _, c := range cases {
		raw := fixedTx(c.call).Encode()
		if kind := CallKind(binary.LittleEndian.Uint16(raw[81:])); kind != c.kind || Name(kind) != c.name {
			t.Fatalf("%s: kind %d (%s) on the wire", c.name, kind, Name(kind))
		}
		n := int(binary.LittleEndian.Uint32(raw[83:]))
		if !bytes.Equal(raw[87:87+n], c.args) {
			t.Fatalf("%s: args %x, want %x", c.name, raw[87:87+n], c.args)
		}
		signed := New(keys.Dev("Alice"), types.Hash{}, 0, c.call, 0)
		dec, err := Decode(signed.Encode())
		if err != nil || !dec.Verify() || !reflect.DeepEqual(dec.Call, c.call) {
			t.Fatalf("%s: round trip %#v %v", c.name, dec, err)
		}
	}

	// Malformed set_children arguments.
	head := cat(bob[:], le(uint16(3)))
	for _, c := range []struct {
		name, want string
		args       []byte
	}{
		{"count past the limit", "exceeds limit", cat(head, le(uint32(MaxChildrenList+1)))},
		{"count above the entries", "unexpected end", cat(head, le(uint32(2)), le(uint64(1)), charlie[:])},
		{"trailing bytes", "trailing bytes", cat(head, le(uint32(0)), []byte{0})},
	} {
		raw := fixedTx(SetChildren{Hotkey: bob, Netuid: 3}).Encode()
		b := cat(raw[:83], le(uint32(len(c.args))), c.args, raw[len(raw)-64:])
		if _, err := Decode(b); err == nil || !strings.Contains(err.Error(), "set_children arguments") || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want a set_children arguments error mentioning %q", c.name, err, c.want)
		}
	}
}
