package block

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/taorun/taorun/chain/types"
)

func TestTxRootDefinition(t *testing.T) {
	h := func(b byte) types.Hash { return types.Sum([]byte{b}) }
	leaf := func(x types.Hash) types.Hash { return types.Sum([]byte{0}, x[:]) }
	node := func(l, r types.Hash) types.Hash { return types.Sum([]byte{1}, l[:], r[:]) }
	a, b, c := h(1), h(2), h(3)
	cases := []struct {
		in   []types.Hash
		want types.Hash
	}{
		{nil, types.Sum()},
		{[]types.Hash{a}, leaf(a)},
		{[]types.Hash{a, b}, node(leaf(a), leaf(b))},
		{[]types.Hash{a, b, c}, node(node(leaf(a), leaf(b)), leaf(c))},
	}
	for i, tc := range cases {
		if got := TxRoot(tc.in); got != tc.want {
			t.Errorf("case %d: %s, want %s", i, got, tc.want)
		}
	}
	if TxRoot([]types.Hash{a, b}) == TxRoot([]types.Hash{b, a}) {
		t.Fatal("tx root ignores order")
	}
}

func TestBlockAndReceiptEncoding(t *testing.T) {
	blk := &Block{Header: Header{Height: 9, Time: 1234, ParentHash: types.Sum([]byte("p"))}, Txs: [][]byte{{1, 2}, {}}}
	got, err := Decode(blk.Encode())
	if err != nil || !reflect.DeepEqual(got, blk) {
		t.Fatalf("block round trip: %+v %v", got, err)
	}
	if _, err := Decode(append(blk.Encode(), 0)); err == nil || !strings.Contains(err.Error(), "trailing") {
		t.Fatalf("trailing byte: %v", err)
	}
	enc := blk.Encode()
	if _, err := Decode(enc[:len(enc)-1]); err == nil {
		t.Fatal("truncated block accepted")
	}
	rc := &Receipt{TxHash: types.Sum([]byte("t")), Height: 3, Index: 1, Status: StatusFailed, Error: "nope", Fee: 10,
		Events: []Event{{Type: "transfer", Attrs: []Attr{{"from", "a"}, {"amount", "5"}}}}}
	got2, err := DecodeReceipt(rc.Encode())
	if err != nil || !reflect.DeepEqual(got2, rc) {
		t.Fatalf("receipt round trip: %+v %v", got2, err)
	}
	bad := rc.Encode()
	bad[32+8+4] = 9 // status byte
	if _, err := DecodeReceipt(bad); err == nil || !strings.Contains(err.Error(), "unknown receipt status 9") {
		t.Fatalf("bad status: %v", err)
	}
	if StatusInvalid.String() != "invalid" || Status(7).String() != "status 7" {
		t.Fatal("status names")
	}
	if blk.Header.Hash() != types.Sum(blk.Header.Encode()) {
		t.Fatal("block hash is not sha256 of the header")
	}
}

func FuzzDecodeBlockAndReceipt(f *testing.F) {
	f.Add((&Block{Header: Header{Height: 1}, Txs: [][]byte{{1}}}).Encode())
	f.Add((&Receipt{Status: StatusFailed, Error: "x", Events: []Event{{Type: "t", Attrs: []Attr{{"k", "v"}}}}}).Encode())
	f.Fuzz(func(t *testing.T, b []byte) {
		if blk, err := Decode(b); err == nil && !bytes.Equal(blk.Encode(), b) {
			t.Fatalf("non-canonical block accepted: %x", b)
		}
		if rc, err := DecodeReceipt(b); err == nil && !bytes.Equal(rc.Encode(), b) {
			t.Fatalf("non-canonical receipt accepted: %x", b)
		}
	})
}
