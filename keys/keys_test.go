package keys

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
)

type uriVector struct {
	URI     string `json:"uri"`
	Public  string `json:"public"`
	SS58    string `json:"ss58"`
	Seed    string `json:"seed"`
	HasSeed bool   `json:"hasSeed"`
}

func loadVectors(t *testing.T) []uriVector {
	t.Helper()
	b, err := os.ReadFile("testdata/uri_vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var v []uriVector
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// TestURIVectors checks the Substrate dev phrase and dev accounts against the
// public keys and addresses every Substrate tool prints for them.
func TestURIVectors(t *testing.T) {
	for _, v := range loadVectors(t) {
		t.Run(v.URI, func(t *testing.T) {
			k, err := FromURI(v.URI)
			if err != nil {
				t.Fatal(err)
			}
			pub := k.Public()
			if v.Public != "" && pub.Hex() != v.Public {
				t.Errorf("public = %s, want %s", pub.Hex(), v.Public)
			}
			if v.SS58 == "" {
				v.SS58 = pub.SS58() // vector gives only the hex key
			}
			if got := pub.SS58(); got != v.SS58 {
				t.Errorf("ss58 = %s, want %s", got, v.SS58)
			}
			seed, ok := k.Seed()
			if ok != v.HasSeed {
				t.Errorf("has seed = %v, want %v", ok, v.HasSeed)
			}
			if v.Seed != "" && fmt.Sprintf("0x%x", seed) != v.Seed {
				t.Errorf("seed = 0x%x, want %s", seed, v.Seed)
			}
			back, err := ParseSS58(v.SS58)
			if err != nil || back != pub {
				t.Errorf("ParseSS58(%s) = %s, %v; want %s", v.SS58, back.Hex(), err, pub.Hex())
			}
		})
	}
}

func TestDev(t *testing.T) {
	for _, v := range loadVectors(t) {
		name, ok := strings.CutPrefix(v.URI, "//")
		if !ok || strings.Contains(name, "/") {
			continue
		}
		if got := Dev(name).Public().SS58(); got != v.SS58 {
			t.Errorf("Dev(%s) = %s, want %s", name, got, v.SS58)
		}
	}
	seen := map[PublicKey]string{}
	for _, n := range DevNames {
		p := Dev(n).Public()
		if other, dup := seen[p]; dup {
			t.Errorf("Dev(%s) and Dev(%s) share a key", n, other)
		}
		seen[p] = n
	}
	defer func() {
		if recover() == nil {
			t.Error("Dev(\"Mallory\") did not panic")
		}
	}()
	Dev("Mallory")
}

func TestFromMnemonicMatchesSeed(t *testing.T) {
	k, err := FromMnemonic("  Bottom drive obey lake curtain smoke\tbasket hold race lonely fit walk ", "")
	if err != nil {
		t.Fatal(err)
	}
	if k.Public().Hex() != "0x46ebddef8cd9bb167dc30878d7113b7e168e6f0646beffd77d69d39bad76b47a" {
		t.Errorf("whitespace/case-normalised dev phrase gives %s", k.Public().Hex())
	}
	seed, ok := k.Seed()
	if !ok || FromSeed(seed).Public() != k.Public() || FromSeed(seed).SecretBytes() != k.SecretBytes() {
		t.Error("FromSeed(Seed()) does not reproduce the keypair")
	}
	withPw, err := FromMnemonic(DevPhrase, "pw")
	if err != nil {
		t.Fatal(err)
	}
	if withPw.Public() == k.Public() {
		t.Error("mnemonic password does not change the key")
	}
	viaURI, err := FromURI(DevPhrase + "///pw")
	if err != nil {
		t.Fatal(err)
	}
	if viaURI.Public() != withPw.Public() {
		t.Error("URI ///password differs from FromMnemonic(phrase, password)")
	}
}

func TestMnemonicErrors(t *testing.T) {
	words := strings.Fields(DevPhrase)
	swapped := append([]string{}, words...)
	swapped[0], swapped[1] = swapped[1], swapped[0]
	cases := []struct{ phrase, want string }{
		{"", "0 words"},
		{strings.Join(words[:11], " "), "11 words"},
		{strings.Join(append(words[:11:11], "notaword"), " "), `word 12 ("notaword")`},
		{strings.Join(swapped, " "), "checksum"},
	}
	for _, c := range cases {
		_, err := FromMnemonic(c.phrase, "")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("FromMnemonic(%q) error = %v, want it to mention %q", c.phrase, err, c.want)
		}
	}
}

func TestGenerateMnemonic(t *testing.T) {
	for _, n := range []int{12, 15, 18, 21, 24} {
		m, err := GenerateMnemonic(n)
		if err != nil {
			t.Fatal(err)
		}
		if got := len(strings.Fields(m)); got != n {
			t.Errorf("GenerateMnemonic(%d) has %d words", n, got)
		}
		if _, err := mnemonicEntropy(m); err != nil {
			t.Errorf("generated mnemonic does not validate: %v", err)
		}
		m2, _ := GenerateMnemonic(n)
		if m == m2 {
			t.Errorf("two %d-word mnemonics are equal", n)
		}
	}
	for _, n := range []int{0, 11, 13, 27} {
		if _, err := GenerateMnemonic(n); err == nil {
			t.Errorf("GenerateMnemonic(%d) succeeded", n)
		}
	}
}

// TestEntropyRoundTrip checks the word encoding against the BIP-39 reference
// vector for all-zero and all-0x7f entropy.
func TestEntropyRoundTrip(t *testing.T) {
	cases := []struct {
		entropy []byte
		phrase  string
	}{
		{make([]byte, 16), "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"},
		{[]byte(strings.Repeat("\x7f", 16)), "legal winner thank year wave sausage worth useful legal winner thank yellow"},
		{[]byte(strings.Repeat("\xff", 32)), "zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo vote"},
	}
	for _, c := range cases {
		if got := entropyToMnemonic(c.entropy); got != c.phrase {
			t.Errorf("entropyToMnemonic(%x) = %q, want %q", c.entropy, got, c.phrase)
		}
		e, err := mnemonicEntropy(c.phrase)
		if err != nil || string(e) != string(c.entropy) {
			t.Errorf("mnemonicEntropy(%q) = %x, %v", c.phrase, e, err)
		}
	}
}

func TestSignVerify(t *testing.T) {
	alice, bob := Dev("Alice"), Dev("Bob")
	msg := []byte("transfer 1 TAO to bob")
	sig := alice.Sign(msg)
	if !alice.Public().Verify(msg, sig) {
		t.Fatal("valid signature rejected")
	}
	if bob.Public().Verify(msg, sig) {
		t.Error("signature verified under the wrong key")
	}
	if alice.Public().Verify([]byte("transfer 9 TAO to bob"), sig) {
		t.Error("signature verified for a tampered message")
	}
	for _, i := range []int{0, 31, 32, 62} {
		bad := sig
		bad[i] ^= 1
		if alice.Public().Verify(msg, bad) {
			t.Errorf("signature with byte %d flipped verified", i)
		}
	}
	unmarked := sig
	unmarked[63] &^= 0x80
	if alice.Public().Verify(msg, unmarked) {
		t.Error("signature without the schnorrkel marker bit verified")
	}
	if (PublicKey{}).Verify(msg, sig) {
		t.Error("identity public key verified a signature")
	}
	if sig2 := alice.Sign(msg); sig2 == sig || !alice.Public().Verify(msg, sig2) {
		t.Error("signing twice should give distinct valid signatures")
	}
}

// TestSecretBytesRoundTrip checks the keyfile "privateKey" form rebuilds the key.
func TestSecretBytesRoundTrip(t *testing.T) {
	for _, n := range DevNames {
		k := Dev(n)
		back, err := FromSecretBytes(k.SecretBytes())
		if err != nil {
			t.Fatal(err)
		}
		if back.Public() != k.Public() {
			t.Errorf("%s: FromSecretBytes(SecretBytes()) changes the public key", n)
		}
		if _, ok := back.Seed(); ok {
			t.Errorf("%s: key from secret bytes claims to know its seed", n)
		}
		msg := []byte(n)
		if !k.Public().Verify(msg, back.Sign(msg)) {
			t.Errorf("%s: key rebuilt from secret bytes signs invalidly", n)
		}
	}
	var bad [64]byte
	for i := range 32 {
		bad[i] = 0xff
	}
	if _, err := FromSecretBytes(bad); err == nil || !strings.Contains(err.Error(), "canonical") {
		t.Errorf("non-canonical scalar accepted: %v", err)
	}
}

func TestSoftDerivation(t *testing.T) {
	a, err := FromURI("//Alice/soft")
	if err != nil {
		t.Fatal(err)
	}
	b, err := FromURI("//Alice/soft")
	if err != nil {
		t.Fatal(err)
	}
	if a.Public() != b.Public() || a.SecretBytes() != b.SecretBytes() {
		t.Error("soft derivation is not deterministic")
	}
	if a.Public() == Dev("Alice").Public() {
		t.Error("soft derivation did not change the key")
	}
	if _, ok := a.Seed(); ok {
		t.Error("soft-derived key claims a seed")
	}
	msg := []byte("soft")
	if !a.Public().Verify(msg, a.Sign(msg)) {
		t.Error("soft-derived key signs invalidly")
	}
	hardAfterSoft, err := FromURI("//Alice/soft//hard")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := hardAfterSoft.Seed(); ok {
		t.Error("hard derivation after a soft one regained a seed")
	}
}

func TestFromURIErrors(t *testing.T) {
	cases := []struct{ uri, want string }{
		{"", "empty"},
		{"//Alice//", "empty junction"},
		{"0x1234", "want 32"},
		{"0xzz", "not hex"},
		{"not a valid mnemonic phrase//Alice", "words"},
	}
	for _, c := range cases {
		_, err := FromURI(c.uri)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("FromURI(%q) error = %v, want it to mention %q", c.uri, err, c.want)
		}
	}
}

func TestFromURISeed(t *testing.T) {
	seed, _ := Dev("Alice").Seed()
	k, err := FromURI(fmt.Sprintf("0x%x", seed))
	if err != nil {
		t.Fatal(err)
	}
	if k.Public() != Dev("Alice").Public() {
		t.Error("0x seed URI differs from the key it came from")
	}
	sb := Dev("Alice").SecretBytes()
	k, err = FromURI(fmt.Sprintf("0x%x", sb))
	if err != nil || k.Public() != Dev("Alice").Public() {
		t.Errorf("0x 64-byte secret URI: %v", err)
	}
	// Hard junctions keep a seed only when the root had one, as in Substrate.
	fromSeed, err := FromURI(fmt.Sprintf("0x%x//stash", seed))
	if err != nil {
		t.Fatal(err)
	}
	fromSecret, err := FromURI(fmt.Sprintf("0x%x//stash", sb))
	if err != nil {
		t.Fatal(err)
	}
	if fromSeed.Public() != fromSecret.Public() {
		t.Error("hard derivation depends on how the root was given")
	}
	if _, ok := fromSeed.Seed(); !ok {
		t.Error("hard child of a seed lost its seed")
	}
	if _, ok := fromSecret.Seed(); ok {
		t.Error("hard child of a 64-byte secret claims a seed")
	}
	stash, _ := FromURI("//Alice//stash")
	if fromSeed.Public() != stash.Public() {
		t.Error("0xSEED//stash differs from //Alice//stash")
	}
}

func TestChainCode(t *testing.T) {
	cases := []struct {
		name string
		want string // hex of the first bytes, rest zero unless hashed
	}{
		{"Alice", "14416c696365"},      // compact(5)=0x14 then "Alice"
		{"0", "0000000000000000"},      // u64 LE
		{"1", "0100000000000000"},      // u64 LE
		{"+7", "0700000000000000"},     // Rust's u64 parse accepts '+'
		{"-1", "082d31"},               // not a u64: a string
		{"18446744073709551616", "50"}, // overflows u64: a 20-char string, compact(20)=0x50
	}
	for _, c := range cases {
		cc := chainCode(c.name)
		got := fmt.Sprintf("%x", cc)
		want := c.want + strings.Repeat("0", 64-len(c.want))
		if c.name == "18446744073709551616" {
			want = fmt.Sprintf("%x", append([]byte{0x50}, c.name...)) + strings.Repeat("0", 64-2-2*len(c.name))
		}
		if got != want {
			t.Errorf("chainCode(%q) = %s, want %s", c.name, got, want)
		}
	}
	long := strings.Repeat("x", 40)
	if cc := chainCode(long); cc == chainCode(strings.Repeat("x", 41)) || cc[31] == 0 && cc[30] == 0 {
		t.Error("long junctions must be hashed, not truncated")
	}
}

func TestScaleCompact(t *testing.T) {
	cases := []struct {
		n    uint64
		want string
	}{
		{0, "00"}, {1, "04"}, {63, "fc"}, {64, "0101"}, {16383, "fdff"},
		{16384, "02000100"}, {1<<30 - 1, "feffffff"}, {1 << 30, "0300000040"},
	}
	for _, c := range cases {
		if got := fmt.Sprintf("%x", scaleCompact(c.n)); got != c.want {
			t.Errorf("scaleCompact(%d) = %s, want %s", c.n, got, c.want)
		}
	}
}

// TestAliceSecret checks SecretBytes against the secret polkadot-js keeps for
// //Alice in its testing keyring, which is in "half-Ed25519" form: the scalar
// multiplied by the cofactor 8, then the same nonce.
func TestAliceSecret(t *testing.T) {
	const polkadotJS = "98319d4ff8a9508c4bb0cf0b5a78d760a0b2082c02775e6e82370816fedfff48" +
		"925a225d97aa00682d6a59b95b18780c10d7032336e88f3442b42361f4a66011"
	sb := Dev("Alice").SecretBytes()
	// Multiply the little-endian scalar by 8 (shift left 3 bits).
	var ed [32]byte
	var carry byte
	for i := range 32 {
		ed[i] = sb[i]<<3 | carry
		carry = sb[i] >> 5
	}
	if got := fmt.Sprintf("%x%x", ed, sb[32:]); got != polkadotJS {
		t.Errorf("Alice secret (ed25519 form) = %s, want %s", got, polkadotJS)
	}
}
