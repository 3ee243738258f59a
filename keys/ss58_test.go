package keys

import (
	"strings"
	"testing"
)

func TestParseSS58Errors(t *testing.T) {
	alice := Dev("Alice").Public().SS58()
	cases := []struct{ addr, want string }{
		{"", "empty"},
		{"5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQ0", "not base58"},
		{alice[:len(alice)-1] + "Z", "checksum"},
		{alice[:20], "bytes"},
		// Polkadot (prefix 0) address of //Alice.
		{"15oF4uVJwmo4TdGW7VfQxNLavjCXviqxT9S1MgbjMNHr6Sp5", "prefix is 0"},
		// Kusama (prefix 2) address of //Alice.
		{"HNZata7iMYWmk5RvZRTiAsSDhV8366zq2YGb3tLH5Upf74F", "prefix is 2"},
		{strings.Repeat("1", 200), "too long"},
	}
	for _, c := range cases {
		_, err := ParseSS58(c.addr)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ParseSS58(%q) error = %v, want it to mention %q", c.addr, err, c.want)
		}
	}
}

func TestParseAddress(t *testing.T) {
	alice := Dev("Alice").Public()
	for _, s := range []string{alice.SS58(), alice.Hex()} {
		p, err := ParseAddress(s)
		if err != nil || p != alice {
			t.Errorf("ParseAddress(%s) = %s, %v", s, p.Hex(), err)
		}
	}
	if _, err := ParseAddress("0x1234"); err == nil {
		t.Error("short hex accepted")
	}
}

func TestBase58(t *testing.T) {
	cases := []struct {
		in   []byte
		want string
	}{
		{nil, ""},
		{[]byte{0}, "1"},
		{[]byte{0, 0, 1}, "112"},
		{[]byte("hello world"), "StV1DL6CwTryKyV"},
		{[]byte{0xff, 0xff}, "LUv"},
	}
	for _, c := range cases {
		if got := base58Encode(c.in); got != c.want {
			t.Errorf("base58Encode(%x) = %q, want %q", c.in, got, c.want)
		}
		back, err := base58Decode(c.want)
		if err != nil || string(back) != string(c.in) {
			t.Errorf("base58Decode(%q) = %x, %v", c.want, back, err)
		}
	}
}

// FuzzParseSS58 checks that parsing never panics and that every accepted
// address is the canonical encoding of the key it yields.
func FuzzParseSS58(f *testing.F) {
	for _, n := range DevNames {
		f.Add(Dev(n).Public().SS58())
	}
	f.Add("15oF4uVJwmo4TdGW7VfQxNLavjCXviqxT9S1MgbjMNHr6Sp5")
	f.Add("")
	f.Add("1111111111111111111111111111111111111111111111111")
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParseSS58(s)
		if err != nil {
			return
		}
		if p.SS58() != s {
			t.Fatalf("ParseSS58(%q) accepted a non-canonical form of %s", s, p.SS58())
		}
	})
}
