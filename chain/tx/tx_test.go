package tx

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/taorun/taorun/chain/codec"
	"github.com/taorun/taorun/chain/types"
	"github.com/taorun/taorun/keys"
)

var update = flag.Bool("update", false, "rewrite testdata/vectors.json")

// vector is one golden case: valid cases pin the encoding and hash, invalid
// ones the error.
type vector struct {
	Name  string `json:"name"`
	Hex   string `json:"hex"`
	Hash  string `json:"hash,omitempty"`
	Error string `json:"error,omitempty"`
}

// fixedTx is a tx with a fixed (not real) signature so its bytes are stable.
func fixedTx(call Call) *Tx {
	var g types.Hash
	for i := range g {
		g[i] = byte(i)
	}
	var sig keys.Signature
	for i := range sig {
		sig[i] = 0x11
	}
	return &Tx{Genesis: g, Signer: keys.Dev("Alice").Public(), Nonce: 7, Fee: 290_000, Call: call, Signature: sig}
}

func goldenVectors() []vector {
	bob := keys.Dev("Bob").Public()
	transfer := fixedTx(Transfer{To: bob, Amount: 1_000_000_000}).Encode()
	mint := fixedTx(SudoMint{To: bob, Amount: 5}).Encode()
	mutate := func(b []byte, f func([]byte) []byte) string {
		return hex.EncodeToString(f(append([]byte{}, b...)))
	}
	valid := func(name string, b []byte) vector {
		return vector{Name: name, Hex: hex.EncodeToString(b), Hash: types.Sum(b).Hex()}
	}
	charlie := keys.Dev("Charlie").Public()
	var ip [16]byte
	copy(ip[12:], []byte{192, 168, 1, 7})
	weights := fixedTx(SetWeights{Netuid: 1, Uids: []uint16{0, 2, 3}, Weights: []uint16{65535, 1, 0}, VersionKey: 9}).Encode()
	vs := []vector{
		valid("transfer", transfer),
		valid("sudo_mint", mint),
		valid("sudo_set", fixedTx(SudoSet{Netuid: 1, Param: "tempo", Value: 10}).Encode()),
		valid("register_network", fixedTx(CreateSubnet{Hotkey: bob}).Encode()),
		valid("set_hyperparameter", fixedTx(SetHyperparameter{Netuid: 3, Param: "commit_reveal_weights_enabled", Value: 1}).Encode()),
		valid("burned_register", fixedTx(BurnedRegister{Netuid: 1, Hotkey: charlie}).Encode()),
		valid("serve_axon", fixedTx(ServeAxon{Netuid: 1, Version: 7, IP: ip, Port: 8091, IPType: 4, Protocol: 4}).Encode()),
		valid("add_stake", fixedTx(AddStake{Hotkey: bob, Netuid: 1, Amount: 1_500_000_000}).Encode()),
		valid("remove_stake", fixedTx(RemoveStake{Hotkey: bob, Netuid: 1, Amount: 1}).Encode()),
		valid("move_stake", fixedTx(MoveStake{FromHotkey: bob, ToHotkey: charlie, FromNetuid: 1, ToNetuid: 2, Amount: 77}).Encode()),
		valid("set_delegate_take", fixedTx(SetDelegateTake{Hotkey: bob, Take: 11796}).Encode()),
		valid("set_weights", weights),
		valid("set_weights empty", fixedTx(SetWeights{Netuid: 1}).Encode()),
		valid("commit_weights", fixedTx(CommitWeights{Netuid: 1, Hash: types.Sum([]byte("commit"))}).Encode()),
		valid("reveal_weights", fixedTx(RevealWeights{Netuid: 1, Uids: []uint16{1}, Weights: []uint16{5}, Salt: []uint16{1, 2, 3, 4}, VersionKey: 1}).Encode()),
		// set_weights args: netuid(2) ‖ 3 uids (4+6) ‖ 3 weights (4+6) ‖ version(8)
		// = 30 bytes starting at 87; the uid count is at 89..92.
		valid("upload_module", fixedTx(UploadModule{Netuid: 1, Code: []byte("\x00asm\x01\x00\x00\x00")}).Encode()),
		valid("activate_module", fixedTx(ActivateModule{Netuid: 1, ModuleID: types.Sum([]byte("module")), AtBlock: 120}).Encode()),
		valid("deactivate_module", fixedTx(DeactivateModule{Netuid: 1}).Encode()),
		{Name: "uid list longer than input", Hex: mutate(weights, func(b []byte) []byte { b[89] = 200; return b }), Error: "set_weights arguments: codec: unexpected end"},
		{Name: "uid list over limit", Hex: mutate(weights, func(b []byte) []byte { b[92] = 0x7f; return b }), Error: "uids length"},
		{Name: "param name too long", Hex: hex.EncodeToString(fixedTx(SudoSet{Netuid: 1, Param: strings.Repeat("x", MaxParamName+1)}).Encode()), Error: "parameter name length 65 exceeds limit 64"},
		{Name: "param name not UTF-8", Hex: hex.EncodeToString(fixedTx(SudoSet{Netuid: 1, Param: "\xff"}).Encode()), Error: "not valid UTF-8"},
	}
	return append(vs, []vector{
		{Name: "empty", Hex: "", Error: "unexpected end of input"},
		{Name: "bad version", Hex: mutate(transfer, func(b []byte) []byte { b[0] = 2; return b }), Error: "unsupported version 2"},
		{Name: "trailing byte", Hex: mutate(transfer, func(b []byte) []byte { return append(b, 0) }), Error: "trailing bytes"},
		{Name: "truncated signature", Hex: mutate(transfer, func(b []byte) []byte { return b[:len(b)-1] }), Error: "64-byte array"},
		{Name: "unknown kind", Hex: mutate(transfer, func(b []byte) []byte { b[81] = 0xee; return b }), Error: "unknown call kind"},
		// Bytes 83..86 hold the args length (40 for a transfer), the args end at 127.
		{Name: "args with extra byte", Hex: mutate(transfer, func(b []byte) []byte {
			b[83] = 41
			return append(b[:127:127], append([]byte{0}, b[127:]...)...)
		}), Error: "transfer arguments: codec: trailing bytes"},
		{Name: "args short", Hex: mutate(transfer, func(b []byte) []byte {
			b[83] = 39
			return append(b[:126:126], b[127:]...)
		}), Error: "transfer arguments: codec: unexpected end"},
		{Name: "huge args length", Hex: mutate(transfer, func(b []byte) []byte { b[86] = 0xff; return b }), Error: "exceeds limit"},
	}...)
}

func TestVectors(t *testing.T) {
	const path = "testdata/vectors.json"
	if *update {
		b, _ := json.MarshalIndent(goldenVectors(), "", "  ")
		if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var vs []vector
	if err := json.Unmarshal(raw, &vs); err != nil {
		t.Fatal(err)
	}
	if len(vs) < 10 {
		t.Fatalf("only %d vectors", len(vs))
	}
	for _, v := range vs {
		t.Run(v.Name, func(t *testing.T) {
			b, err := hex.DecodeString(v.Hex)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Decode(b)
			if v.Error != "" {
				if err == nil || !strings.Contains(err.Error(), v.Error) || !errors.Is(err, ErrDecode) {
					t.Fatalf("Decode error = %v, want one containing %q", err, v.Error)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if h := got.Hash().Hex(); h != v.Hash {
				t.Fatalf("hash %s, want %s", h, v.Hash)
			}
			// Re-encode from the fields, not the cached bytes.
			fresh := &Tx{Genesis: got.Genesis, Signer: got.Signer, Nonce: got.Nonce, Fee: got.Fee, Call: got.Call, Signature: got.Signature}
			if !bytes.Equal(fresh.Encode(), b) {
				t.Fatal("re-encoding differs from the vector")
			}
		})
	}
}

func TestSignVerify(t *testing.T) {
	alice := keys.Dev("Alice")
	g := types.Sum([]byte("genesis"))
	tx := New(alice, g, 3, Transfer{To: keys.Dev("Bob").Public(), Amount: 10}, 5)
	if !tx.Verify() {
		t.Fatal("fresh signature does not verify")
	}
	if tx.Fee != MinFee(tx)+5 {
		t.Fatalf("fee %d, want MinFee %d + 5", tx.Fee, MinFee(tx))
	}
	dec, err := Decode(tx.Encode())
	if err != nil || !dec.Verify() {
		t.Fatalf("decoded tx does not verify: %v", err)
	}
	// Each signed field must be bound by the signature.
	for name, f := range map[string]func(*Tx){
		"genesis": func(t *Tx) { t.Genesis[0] ^= 1 },
		"nonce":   func(t *Tx) { t.Nonce++ },
		"fee":     func(t *Tx) { t.Fee++ },
		"call":    func(t *Tx) { t.Call = Transfer{To: keys.Dev("Bob").Public(), Amount: 11} },
		"signer":  func(t *Tx) { t.Signer = keys.Dev("Bob").Public() },
	} {
		c := *dec
		c.raw = nil
		f(&c)
		if c.Verify() {
			t.Errorf("signature still verifies after changing %s", name)
		}
	}
}

func TestCallTableConsistent(t *testing.T) {
	for _, s := range Specs() {
		c := s.Decode(codec.NewReader(make([]byte, 1024)))
		if c.Kind() != s.Kind {
			t.Errorf("%s decodes to kind %d, want %d", s.Name, c.Kind(), s.Kind)
		}
	}
	if Name(999) != "kind 999" {
		t.Fatal(Name(999))
	}
}

// TestPerKindSizeBounds checks that upload_module alone may exceed
// MaxTxBytes, up to MaxUploadTxBytes, and that code past MaxCodeBytes is
// refused.
func TestPerKindSizeBounds(t *testing.T) {
	alice := keys.Dev("Alice")
	g := types.Sum([]byte("genesis"))
	build := func(c Call) []byte { return New(alice, g, 0, c, 0).Encode() }
	big := build(UploadModule{Netuid: 1, Code: make([]byte, 3<<20)})
	maxCode := build(UploadModule{Netuid: 1, Code: make([]byte, MaxCodeBytes)})
	tooMuchCode := build(UploadModule{Netuid: 1, Code: make([]byte, MaxCodeBytes+1)})
	// A set_weights call just over MaxTxBytes (2 bytes per uid and weight).
	n := MaxTxBytes / 4
	bigWeights := build(SetWeights{Netuid: 1, Uids: make([]uint16, n), Weights: make([]uint16, n)})
	for _, c := range []struct {
		name string
		raw  []byte
		err  string
	}{
		{"3 MiB upload", big, ""},
		{"largest upload", maxCode, ""},
		{"code over MaxCodeBytes", tooMuchCode, "module code length"},
		{"set_weights over MaxTxBytes", bigWeights, "limit of set_weights"},
		{"any tx over MaxAnyTxBytes", append(maxCode, make([]byte, MaxAnyTxBytes)...), "exceeds the"},
	} {
		got, err := Decode(c.raw)
		if c.err == "" {
			if err != nil || !bytes.Equal(got.Encode(), c.raw) {
				t.Errorf("%s: %v", c.name, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.err)
		}
	}
	if len(bigWeights) <= MaxTxBytes || len(maxCode) > MaxUploadTxBytes {
		t.Fatalf("test sizes wrong: weights %d, upload %d", len(bigWeights), len(maxCode))
	}
	for _, s := range Specs() {
		if want := MaxTxBytes; s.Kind == KindUploadModule {
			if s.MaxBytes != MaxUploadTxBytes {
				t.Errorf("upload_module bound %d", s.MaxBytes)
			}
		} else if s.MaxBytes != want {
			t.Errorf("%s bound %d, want MaxTxBytes", s.Name, s.MaxBytes)
		}
	}
}

func FuzzDecodeTx(f *testing.F) {
	for _, v := range goldenVectors() {
		b, _ := hex.DecodeString(v.Hex)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		tx, err := Decode(b)
		if err != nil {
			return
		}
		// Canonical: whatever decodes re-encodes to the same bytes, both from
		// the cache and from the fields.
		fresh := &Tx{Genesis: tx.Genesis, Signer: tx.Signer, Nonce: tx.Nonce, Fee: tx.Fee, Call: tx.Call, Signature: tx.Signature}
		if !bytes.Equal(fresh.Encode(), b) || !bytes.Equal(tx.Encode(), b) {
			t.Fatalf("non-canonical bytes accepted: %x", b)
		}
	})
}
