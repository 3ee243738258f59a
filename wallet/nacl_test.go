package wallet

import (
	"bytes"
	"encoding/hex"
	"os"
	"strings"
	"testing"

	"github.com/taorun/taorun/keys"
)

// libsodium's output for the fixture (see testdata/gen_nacl_fixture.py).
const (
	fixturePassword = "taorun fixture password"
	fixtureKeyHex   = "e794762e62018b639dfeef59807c8999f387971d6612c7efc4e19aa262784f8e"
)

// TestLibsodiumFixture is the one test that pays the real Argon2i cost
// (8 passes over 512 MiB). The fixture was made by libsodium, the library
// btwallet uses, so matching it shows the key derivation, the secretbox and
// the file layout are btwallet's, independently of this package's code.
func TestLibsodiumFixture(t *testing.T) {
	if testing.Short() {
		t.Skip("real Argon2i parameters take seconds and 512 MiB")
	}
	data, err := os.ReadFile("testdata/alice_coldkey_nacl")
	if err != nil {
		t.Fatal(err)
	}
	key := naclKey(fixturePassword, sensitiveArgon)
	if got := hex.EncodeToString(key[:]); got != fixtureKeyHex {
		t.Fatalf("argon2i key = %s, libsodium gives %s", got, fixtureKeyHex)
	}
	if err := checkNaCl(data); err != nil {
		t.Fatal(err)
	}
	plain, err := openNaCl(data, key)
	if err != nil {
		t.Fatal(err)
	}
	k, err := decodeKeyfile(plain)
	if err != nil {
		t.Fatal(err)
	}
	if k.Public != keys.Dev("Alice").Public() || k.Pair == nil {
		t.Errorf("fixture holds %s, want //Alice with its secret", k.Public.SS58())
	}
	// Sealing the same plaintext with the same nonce must give libsodium's bytes.
	var nonce [24]byte
	copy(nonce[:], data[5:29])
	if got := sealNaCl(plain, &nonce, key); !bytes.Equal(got, data) {
		t.Error("our $NACL encoding differs from libsodium's for the same key, nonce and plaintext")
	}
	if _, err := openNaCl(data, naclKey("wrong", argonCost{1, 8})); err != errWrongPassword {
		t.Errorf("wrong key: %v", err)
	}
}

func TestNaClRoundTrip(t *testing.T) {
	msg := []byte(`{"publicKey":"0x00"}`)
	enc, err := encryptNaCl(msg, "pw")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(enc, []byte("$NACL")) || len(enc) != 5+24+16+len(msg) || !isEncrypted(enc) {
		t.Fatalf("bad layout: %d bytes", len(enc))
	}
	again, _ := encryptNaCl(msg, "pw")
	if bytes.Equal(enc[5:29], again[5:29]) {
		t.Error("nonce reused")
	}
	if got, err := decryptNaCl(enc, "pw"); err != nil || !bytes.Equal(got, msg) {
		t.Errorf("decrypt = %q, %v", got, err)
	}
	if _, err := decryptNaCl(enc, "pW"); err != errWrongPassword {
		t.Errorf("wrong password: %v", err)
	}
	tampered := append([]byte{}, enc...)
	tampered[len(tampered)-1] ^= 1
	if _, err := decryptNaCl(tampered, "pw"); err != errWrongPassword {
		t.Errorf("tampered box: %v", err)
	}
	cases := []struct {
		data []byte
		want string
	}{
		{enc[:30], "truncated"},
		{[]byte("$ANSIBLE_VAULT;1.1;AES256\n"), "ansible-vault"},
		{[]byte("gAAAAABk"), "Fernet"},
		{[]byte(`{"a":1}`), "not a $NACL"},
	}
	for _, c := range cases {
		if _, err := decryptNaCl(c.data, "pw"); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("decrypt(%.12q) error = %v, want %q", c.data, err, c.want)
		}
	}
}
