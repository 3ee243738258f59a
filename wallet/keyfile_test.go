package wallet

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/taorun/taorun/keys"
)

type keyfileVector struct {
	Name     string `json:"name"`
	JSON     string `json:"json"`
	Public   string `json:"public"`
	Secret   bool   `json:"secret"`
	Mnemonic bool   `json:"mnemonic"`
	Error    string `json:"error"`
}

// TestDecodeKeyfile reads keyfiles in the shapes btwallet and older
// bittensor versions wrote, and damaged ones.
func TestDecodeKeyfile(t *testing.T) {
	b, err := os.ReadFile("testdata/keyfile_vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var vectors []keyfileVector
	if err := json.Unmarshal(b, &vectors); err != nil {
		t.Fatal(err)
	}
	for _, v := range vectors {
		t.Run(v.Name, func(t *testing.T) {
			k, err := decodeKeyfile([]byte(v.JSON))
			if v.Error != "" {
				if err == nil || !strings.Contains(err.Error(), v.Error) {
					t.Fatalf("error = %v, want it to contain %q", err, v.Error)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if k.Public.Hex() != v.Public {
				t.Errorf("public = %s, want %s", k.Public.Hex(), v.Public)
			}
			if (k.Pair != nil) != v.Secret {
				t.Errorf("has secret = %v, want %v", k.Pair != nil, v.Secret)
			}
			if (k.Mnemonic != "") != v.Mnemonic {
				t.Errorf("mnemonic = %q, want present = %v", k.Mnemonic, v.Mnemonic)
			}
			if k.Pair != nil && k.Pair.Public() != k.Public {
				t.Error("pair and public key disagree")
			}
		})
	}
}

// TestEncodeKeyfile checks the exact bytes btwallet's serde_json::to_string
// produces for a mnemonic key (compact, 0x hex), with every value taken from
// Substrate's published dev-phrase outputs except privateKey.
func TestEncodeKeyfile(t *testing.T) {
	k, err := KeyFromMnemonic(keys.DevPhrase)
	if err != nil {
		t.Fatal(err)
	}
	sb := k.Pair.SecretBytes()
	want := `{"accountId":"0x46ebddef8cd9bb167dc30878d7113b7e168e6f0646beffd77d69d39bad76b47a",` +
		`"publicKey":"0x46ebddef8cd9bb167dc30878d7113b7e168e6f0646beffd77d69d39bad76b47a",` +
		`"privateKey":"` + hexOf(sb[:]) + `",` +
		`"secretPhrase":"bottom drive obey lake curtain smoke basket hold race lonely fit walk",` +
		`"secretSeed":"0xfac7959dbfe72f052e5a0c3c8d6530f202b02fd8f9f5ca3580ec8deb7797479e",` +
		`"ss58Address":"5DfhGyQdFobKM8NsWvEeAKk5EQQgYe9AydgJ7rMB6E1EqRzV"}`
	if got := string(encodeKeyfile(k)); got != want {
		t.Errorf("keyfile =\n%s\nwant\n%s", got, want)
	}
	pub := `{"accountId":"0x46ebddef8cd9bb167dc30878d7113b7e168e6f0646beffd77d69d39bad76b47a",` +
		`"publicKey":"0x46ebddef8cd9bb167dc30878d7113b7e168e6f0646beffd77d69d39bad76b47a",` +
		`"ss58Address":"5DfhGyQdFobKM8NsWvEeAKk5EQQgYe9AydgJ7rMB6E1EqRzV"}`
	if got := string(encodeKeyfile(k.PublicOnly())); got != pub {
		t.Errorf("pub keyfile =\n%s\nwant\n%s", got, pub)
	}
	// A URI key records no seed or phrase, as btwallet's create_from_uri.
	uri, err := KeyFromURI("//Alice")
	if err != nil {
		t.Fatal(err)
	}
	if s := string(encodeKeyfile(uri)); strings.Contains(s, "secretSeed") || strings.Contains(s, "secretPhrase") {
		t.Errorf("URI keyfile records seed or phrase: %s", s)
	}
	for _, src := range []*Key{k, k.PublicOnly(), uri} {
		back, err := decodeKeyfile(encodeKeyfile(src))
		if err != nil || back.Public != src.Public || (back.Pair == nil) != (src.Pair == nil) {
			t.Errorf("round trip of %s: %v", src.Public.SS58(), err)
		}
	}
}

func hexOf(b []byte) string {
	const digits = "0123456789abcdef"
	out := []byte("0x")
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}

func TestKeyFromSeed(t *testing.T) {
	alice := keys.Dev("Alice")
	for _, in := range []string{
		"0xe5be9a5092b81bca64be81d212e7f2f9eba183bb7a90954f7b76361f6edb5c0a",
		"e5be9a5092b81bca64be81d212e7f2f9eba183bb7a90954f7b76361f6edb5c0a",
		hexOf(func() []byte { b := alice.SecretBytes(); return b[:] }()),
	} {
		k, err := KeyFromSeed(in)
		if err != nil || k.Public != alice.Public() {
			t.Errorf("KeyFromSeed(%s) = %v, %v", in, k, err)
		}
	}
	for _, bad := range []string{"0x12", "zz", ""} {
		if _, err := KeyFromSeed(bad); err == nil {
			t.Errorf("KeyFromSeed(%q) succeeded", bad)
		}
	}
}

// FuzzDecodeKeyfile checks that no keyfile content panics the reader and
// that whatever it accepts is self-consistent and survives a round trip.
func FuzzDecodeKeyfile(f *testing.F) {
	b, err := os.ReadFile("testdata/keyfile_vectors.json")
	if err != nil {
		f.Fatal(err)
	}
	var vectors []keyfileVector
	if err := json.Unmarshal(b, &vectors); err != nil {
		f.Fatal(err)
	}
	for _, v := range vectors {
		f.Add([]byte(v.JSON))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		k, err := decodeKeyfile(data)
		if err != nil {
			return
		}
		if k.Pair != nil && k.Pair.Public() != k.Public {
			t.Fatal("accepted keyfile whose secret and public key disagree")
		}
		back, err := decodeKeyfile(encodeKeyfile(k))
		if err != nil || back.Public != k.Public {
			t.Fatalf("re-encoded keyfile does not read back: %v", err)
		}
	})
}
