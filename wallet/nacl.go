package wallet

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/nacl/secretbox"
)

// naclMagic starts every keyfile encrypted the current btwallet way.
var naclMagic = []byte("$NACL")

// naclSalt is btwallet's fixed Argon2 salt (NACL_SALT in src/keyfile.rs).
// Every $NACL keyfile is derived with it, so the same password gives the same
// key everywhere; it is a format constant, not a secret.
var naclSalt = []byte{0x13, 0x71, 0x83, 0xdf, 0xf1, 0x5a, 0x09, 0xbc, 0x9c, 0x90, 0xb5, 0x51, 0x87, 0x39, 0xe9, 0xb1}

// argonParams holds the Argon2i cost: passes and memory in KiB.
type argonCost struct{ time, memoryKiB uint32 }

// sensitiveArgon is libsodium's crypto_pwhash_argon2i OPSLIMIT_SENSITIVE (8
// passes) and MEMLIMIT_SENSITIVE (512 MiB), one lane, as btwallet uses.
var sensitiveArgon = argonCost{8, 512 * 1024}

// argonParams is the cost in use. Tests lower it to keep round trips fast;
// nothing else may change it, or files would not open in btwallet.
var argonParams = sensitiveArgon

// legacyPrefixes are encryptions older bittensor versions wrote, which
// taorun recognises but does not decrypt.
var legacyPrefixes = map[string]string{
	"$ANSIBLE_VAULT": "ansible-vault",
	"gAAAAA":         "Fernet (legacy bittensor)",
}

// isEncrypted reports whether keyfile bytes are encrypted in any format.
func isEncrypted(data []byte) bool {
	if bytes.HasPrefix(data, naclMagic) {
		return true
	}
	for p := range legacyPrefixes {
		if bytes.HasPrefix(data, []byte(p)) {
			return true
		}
	}
	return false
}

// naclKey derives the secretbox key from a password: Argon2i v1.3, which is
// what x/crypto's argon2.Key computes and libsodium's ALG_ARGON2I13 names.
func naclKey(password string, cost argonCost) *[32]byte {
	var key [32]byte
	copy(key[:], argon2.Key([]byte(password), naclSalt, cost.time, cost.memoryKiB, 1, 32))
	return &key
}

// encryptNaCl returns "$NACL" || nonce || secretbox(data) under a fresh nonce.
func encryptNaCl(data []byte, password string) ([]byte, error) {
	var nonce [24]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		return nil, fmt.Errorf("reading randomness: %w", err)
	}
	return sealNaCl(data, &nonce, naclKey(password, argonParams)), nil
}

// sealNaCl lays out a $NACL file for a given nonce and key.
func sealNaCl(data []byte, nonce *[24]byte, key *[32]byte) []byte {
	out := append(append([]byte{}, naclMagic...), nonce[:]...)
	return secretbox.Seal(out, data, nonce, key)
}

// errWrongPassword is returned when a $NACL box does not open.
var errWrongPassword = errors.New("wrong password (or the file is corrupted)")

// decryptNaCl opens a $NACL keyfile. The format is checked before the
// expensive key derivation, so a damaged file fails fast.
func decryptNaCl(data []byte, password string) ([]byte, error) {
	if err := checkNaCl(data); err != nil {
		return nil, err
	}
	return openNaCl(data, naclKey(password, argonParams))
}

// checkNaCl rejects files that are not well-formed $NACL keyfiles.
func checkNaCl(data []byte) error {
	for p, name := range legacyPrefixes {
		if bytes.HasPrefix(data, []byte(p)) {
			return fmt.Errorf("encrypted with %s, which taorun cannot read; regenerate the key from its mnemonic (wallet regen-coldkey / regen-hotkey) to get a $NACL file", name)
		}
	}
	if !bytes.HasPrefix(data, naclMagic) {
		return errors.New("not a $NACL-encrypted keyfile")
	}
	if len(data) < len(naclMagic)+24+secretbox.Overhead {
		return fmt.Errorf("$NACL keyfile is truncated (%d bytes)", len(data))
	}
	return nil
}

// openNaCl decrypts a well-formed $NACL file with a derived key.
func openNaCl(data []byte, key *[32]byte) ([]byte, error) {
	body := data[len(naclMagic):]
	var nonce [24]byte
	copy(nonce[:], body[:24])
	plain, ok := secretbox.Open(nil, body[24:], &nonce, key)
	if !ok {
		return nil, errWrongPassword
	}
	return plain, nil
}
