// Package types holds the small value types shared by every part of the chain
// and by its clients: 32-byte hashes and account ids.
//
// Invariants: these are plain fixed-size values; their JSON form is 0x-prefixed
// lower-case hex (hashes) or SS58 (accounts, via package keys), and parsing
// accepts exactly what formatting produces (plus upper-case hex digits).
package types

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/taorun/taorun/keys"
)

// AccountID is a 32-byte sr25519 public key, the identity of an account
// (Substrate's AccountId32). Its text form is SS58 with prefix 42.
type AccountID = keys.PublicKey

// Hash is a sha256 digest: block hashes, transaction hashes, state roots.
type Hash [32]byte

// Sum returns sha256 of the concatenation of parts.
func Sum(parts ...[]byte) Hash {
	h := sha256.New()
	for _, p := range parts {
		h.Write(p)
	}
	var out Hash
	h.Sum(out[:0])
	return out
}

// Hex returns the hash as 0x-prefixed lower-case hex.
func (h Hash) Hex() string { return "0x" + hex.EncodeToString(h[:]) }

// String returns Hex.
func (h Hash) String() string { return h.Hex() }

// IsZero reports whether every byte is zero.
func (h Hash) IsZero() bool { return h == Hash{} }

// MarshalText implements encoding.TextMarshaler (0x hex).
func (h Hash) MarshalText() ([]byte, error) { return []byte(h.Hex()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (h *Hash) UnmarshalText(b []byte) error {
	v, err := ParseHash(string(b))
	if err != nil {
		return err
	}
	*h = v
	return nil
}

// ParseHash parses 64 hex digits with an optional 0x prefix.
func ParseHash(s string) (Hash, error) {
	var h Hash
	t := strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X")
	if len(t) != 64 {
		return h, fmt.Errorf("hash %q: want 64 hex digits, got %d", s, len(t))
	}
	if _, err := hex.Decode(h[:], []byte(t)); err != nil {
		return h, fmt.Errorf("hash %q: %v", s, err)
	}
	return h, nil
}
