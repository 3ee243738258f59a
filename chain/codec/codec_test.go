package codec

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	w := NewWriter(0)
	w.U8(7)
	w.U16(0xBEEF)
	w.U32(0xDEADBEEF)
	w.U64(1 << 60)
	w.I64(-5)
	w.Bool(true)
	w.Bytes32([32]byte{1})
	w.VarBytes([]byte("abc"))
	w.String("héllo")
	r := NewReader(w.Bytes())
	if r.U8() != 7 || r.U16() != 0xBEEF || r.U32() != 0xDEADBEEF || r.U64() != 1<<60 || r.I64() != -5 || !r.Bool() ||
		r.Bytes32() != [32]byte{1} || !bytes.Equal(r.VarBytes(10, "b"), []byte("abc")) || r.String(10, "s") != "héllo" {
		t.Fatal("round trip mismatch")
	}
	if err := r.Done(); err != nil {
		t.Fatal(err)
	}
}

func TestRejects(t *testing.T) {
	cases := []struct {
		name string
		in   []byte
		read func(r *Reader)
		want string
	}{
		{"short u64", []byte{1, 2, 3}, func(r *Reader) { r.U64() }, "unexpected end"},
		{"bool 2", []byte{2}, func(r *Reader) { r.Bool() }, "not 0 or 1"},
		{"length over limit", []byte{5, 0, 0, 0, 1, 2, 3, 4, 5}, func(r *Reader) { r.VarBytes(4, "name") }, "name length 5 exceeds limit 4"},
		{"length past end", []byte{9, 0, 0, 0, 1}, func(r *Reader) { r.VarBytes(100, "name") }, "unexpected end"},
		{"bad utf8", []byte{1, 0, 0, 0, 0xff}, func(r *Reader) { r.String(10, "label") }, "label is not valid UTF-8"},
		{"trailing", []byte{1, 2}, func(r *Reader) { r.U8() }, "trailing bytes"},
	}
	for _, tc := range cases {
		r := NewReader(tc.in)
		tc.read(r)
		err := r.Done()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
	// Errors are sticky: later reads return zero values and the first error stays.
	r := NewReader([]byte{2, 1})
	r.Bool()
	if r.U8() != 0 || !strings.Contains(r.Err().Error(), "bool") {
		t.Fatalf("sticky error: %v", r.Err())
	}
	if errors.Is(NewReader(nil).Done(), ErrTrailing) {
		t.Fatal("empty input reported trailing bytes")
	}
}
