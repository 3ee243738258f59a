package frame

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	tests := []struct {
		h       Header
		payload [][]byte
	}{
		{Header{Kind: KindHello, Name: "w", MaxBatch: 4}, nil},
		{Header{ID: 1, Kind: KindJob}, [][]byte{[]byte("abc")}},
		{Header{ID: 2, Kind: KindBatch, Sizes: []int{1, 0, 2}}, [][]byte{{1}, {}, {2, 3}}},
		{Header{ID: 3, Kind: KindResult, Sizes: []int{0, 1}, Errors: []string{"bad", ""}}, [][]byte{{9}}},
		{Header{ID: 1 << 62, Kind: KindError, Error: "boom"}, nil},
	}
	var buf bytes.Buffer
	w := bufio.NewWriter(&buf)
	for _, tc := range tests {
		if err := Write(w, &tc.h, tc.payload...); err != nil {
			t.Fatal(err)
		}
	}
	w.Flush()
	r := bufio.NewReader(&buf)
	for i, tc := range tests {
		h, p, err := Read(r, 1<<20)
		if err != nil || !reflect.DeepEqual(*h, tc.h) || !bytes.Equal(p, bytes.Join(tc.payload, nil)) {
			t.Errorf("frame %d: got %+v %x %v; want %+v %x", i, h, p, err, tc.h, bytes.Join(tc.payload, nil))
		}
	}
	if _, _, err := Read(r, 1<<20); err != io.EOF {
		t.Errorf("after the last frame: %v, want io.EOF", err)
	}
}

func TestReadErrors(t *testing.T) {
	frameOf := func(header string, payload string) []byte {
		var b bytes.Buffer
		w := bufio.NewWriter(&b)
		h := []byte(header)
		w.Write([]byte{byte(len(h)), 0, 0, 0})
		w.Write(h)
		w.Write([]byte{byte(len(payload)), 0, 0, 0})
		w.WriteString(payload)
		w.Flush()
		return b.Bytes()
	}
	tests := []struct {
		name   string
		in     []byte
		errHas string
	}{
		{"huge header", []byte{0, 0, 2, 0}, "over the 65536-byte cap"},
		{"not JSON", frameOf("nope", ""), "is not a JSON object"},
		{"cut in header", frameOf(`{"id":1}`, "")[:6], "unexpected EOF"},
		{"cut in payload", frameOf(`{"id":1}`, "abcdef")[:15], "unexpected EOF"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := Read(bufio.NewReader(bytes.NewReader(tc.in)), 100)
			if err == nil || !strings.Contains(err.Error(), tc.errHas) {
				t.Fatalf("error %v, want one containing %q", err, tc.errHas)
			}
		})
	}
}

// TestOversizedPayloadSkipped: an oversized payload is reported with its
// header and skipped, and the next frame reads normally.
func TestOversizedPayloadSkipped(t *testing.T) {
	var buf bytes.Buffer
	w := bufio.NewWriter(&buf)
	Write(w, &Header{ID: 1, Kind: KindResult}, bytes.Repeat([]byte{7}, 50))
	Write(w, &Header{ID: 2, Kind: KindResult}, []byte("ok"))
	w.Flush()
	r := bufio.NewReader(&buf)
	h, _, err := Read(r, 10)
	var big *PayloadTooLargeError
	if !errors.As(err, &big) || h == nil || h.ID != 1 || big.Size != 50 || big.Cap != 10 {
		t.Fatalf("got %+v, %v; want PayloadTooLargeError{50, 10} for frame 1", h, err)
	}
	h, p, err := Read(r, 10)
	if err != nil || h.ID != 2 || string(p) != "ok" {
		t.Fatalf("next frame: %+v %q %v", h, p, err)
	}
}

func TestSplitSizes(t *testing.T) {
	tests := []struct {
		payload string
		sizes   []int
		want    []string
		errHas  string
	}{
		{"abcdef", []int{1, 2, 3}, []string{"a", "bc", "def"}, ""},
		{"", []int{0, 0}, []string{"", ""}, ""},
		{"abc", []int{1, 1}, nil, "add up to 2 bytes but the payload is 3"},
		{"abc", []int{2, 2}, nil, "overruns"},
		{"abc", []int{-1, 4}, nil, "overruns"},
	}
	for _, tc := range tests {
		got, err := SplitSizes([]byte(tc.payload), tc.sizes)
		if tc.errHas != "" {
			if err == nil || !strings.Contains(err.Error(), tc.errHas) {
				t.Errorf("%q %v: error %v, want %q", tc.payload, tc.sizes, err, tc.errHas)
			}
			continue
		}
		if err != nil || len(got) != len(tc.want) {
			t.Fatalf("%q %v: %q, %v", tc.payload, tc.sizes, got, err)
		}
		for i := range got {
			if string(got[i]) != tc.want[i] {
				t.Errorf("%q %v: item %d = %q, want %q", tc.payload, tc.sizes, i, got[i], tc.want[i])
			}
		}
	}
}
