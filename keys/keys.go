// Package keys implements the account keys of taorun exactly as Substrate and
// Bittensor define them: sr25519 (Schnorr signatures over ristretto255, the
// schnorrkel scheme) with the Substrate signing context "substrate", SS58
// addresses with prefix 42, BIP-39 mnemonics turned into keys the Substrate way,
// and Substrate's "//hard/soft" junction derivation (so "//Alice" is the same
// account here as on every Substrate chain).
//
// Invariants:
//   - A PublicKey is the 32-byte compressed ristretto255 encoding; the SS58 form
//     always carries prefix 42 and a valid 2-byte blake2b checksum.
//   - A Signature is 64 bytes, R || s, with the schnorrkel marker bit (bit 7 of
//     byte 63) set; signatures without it are rejected, as Substrate does.
//   - A Keypair's secret scalar is canonical (reduced mod the group order) and
//     its public key is always the scalar times the base point.
//   - Verification is consensus-critical and agrees with Substrate's sr25519
//     verify for every input: Verify is a pure function; VerifyBatch uses
//     random coefficients but equals the conjunction of Verify except with
//     probability below 2^-128. Signing is randomised, as in schnorrkel.
package keys

import (
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	schnorrkel "github.com/ChainSafe/go-schnorrkel"
	r255 "github.com/gtank/ristretto255"
)

// signingContext is the schnorrkel signing context Substrate (and therefore
// Bittensor) uses for every sr25519 signature.
var signingContext = []byte("substrate")

// PublicKey is an sr25519 public key: a compressed ristretto255 point. It is
// also the 32-byte AccountId of the account it controls.
type PublicKey [32]byte

// Signature is an sr25519 signature in schnorrkel's 64-byte encoding.
type Signature [64]byte

// Keypair is an sr25519 secret key with its public key and, when the key came
// from a mini-secret (seed, mnemonic, or only hard derivations of one), that
// mini-secret. The zero value is not usable; build one with FromSeed,
// FromMnemonic, FromURI, FromSecretBytes or Dev.
type Keypair struct {
	key     [32]byte // canonical secret scalar (already divided by the cofactor, as schnorrkel keeps it)
	nonce   [32]byte // signing nonce seed, second half of the 64-byte secret
	pub     PublicKey
	seed    [32]byte
	hasSeed bool
}

// Hex returns the public key as 0x-prefixed lower-case hex.
func (p PublicKey) Hex() string { return "0x" + hex.EncodeToString(p[:]) }

// String returns the SS58 address, the form users see (so %v and %s print
// addresses; use Hex for hex).
func (p PublicKey) String() string { return p.SS58() }

// ParsePublicKeyHex parses a 0x-prefixed (or bare) 64-digit hex public key.
func ParsePublicKeyHex(s string) (PublicKey, error) {
	var p PublicKey
	b, err := decodeHex(s, len(p))
	if err != nil {
		return p, fmt.Errorf("public key: %w", err)
	}
	copy(p[:], b)
	return p, nil
}

// Public returns the keypair's public key.
func (k *Keypair) Public() PublicKey { return k.pub }

// Sign signs msg with the Substrate signing context. Signatures are randomised
// (as in schnorrkel), so signing the same message twice gives different bytes,
// both valid.
func (k *Keypair) Sign(msg []byte) Signature {
	sig, err := schnorrkel.NewSecretKey(k.key, k.nonce).Sign(schnorrkel.NewSigningContext(signingContext, msg))
	if err != nil {
		// Only reachable if crypto/rand fails or the key is not canonical,
		// which the constructors rule out.
		panic("keys: sr25519 sign: " + err.Error())
	}
	return sig.Encode()
}

// Seed returns the 32-byte mini-secret the key was expanded from, if known.
// It is unknown for keys loaded from a 64-byte secret and for keys reached by
// a soft derivation (as in Substrate).
func (k *Keypair) Seed() ([32]byte, bool) { return k.seed, k.hasSeed }

// SecretBytes returns the 64-byte sr25519 secret key, scalar || nonce, as
// Substrate's Pair::to_raw_vec and Bittensor's keyfile "privateKey" hold it.
func (k *Keypair) SecretBytes() [64]byte {
	var out [64]byte
	copy(out[:32], k.key[:])
	copy(out[32:], k.nonce[:])
	return out
}

// FromSeed expands a 32-byte mini-secret into a keypair in Ed25519 mode, as
// Substrate's sr25519 Pair::from_seed does.
func FromSeed(seed [32]byte) *Keypair {
	k := fromSecret(expandEd25519(seed))
	k.seed, k.hasSeed = seed, true
	return k
}

// expandEd25519 is schnorrkel's MiniSecretKey::expand in Ed25519 mode:
// SHA-512 of the mini-secret, the first half clamped as in Ed25519 and divided
// by the cofactor 8 (ristretto255 has none), the second half the nonce. It is
// written out here because the library does not expose the nonce it derives.
func expandEd25519(seed [32]byte) (key, nonce [32]byte) {
	h := sha512.Sum512(seed[:])
	copy(key[:], h[:32])
	copy(nonce[:], h[32:])
	key[0] &= 248
	key[31] &= 63
	key[31] |= 64
	// Divide the little-endian integer by 8, carrying the low bits down.
	var carry byte
	for i := 31; i >= 0; i-- {
		b := key[i]
		key[i] = b>>3 | carry
		carry = b << 5
	}
	return key, nonce
}

// FromSecretBytes builds a keypair from a 64-byte sr25519 secret (scalar ||
// nonce), the "privateKey" of a Bittensor keyfile. The scalar must be
// canonical, as schnorrkel's SecretKey::from_bytes requires.
func FromSecretBytes(secret [64]byte) (*Keypair, error) {
	var key, nonce [32]byte
	copy(key[:], secret[:32])
	copy(nonce[:], secret[32:])
	if _, err := schnorrkel.ScalarFromBytes(key); err != nil {
		return nil, errors.New("sr25519 secret key: scalar is not canonical (not reduced modulo the group order)")
	}
	return fromSecret(key, nonce), nil
}

// fromSecret completes a keypair from a canonical secret scalar and nonce.
func fromSecret(key, nonce [32]byte) *Keypair {
	var pub PublicKey
	r255.NewElement().ScalarBaseMult(newScalar(key)).Encode(pub[:0])
	return &Keypair{key: key, nonce: nonce, pub: pub}
}

// decodeHex decodes hex with an optional 0x prefix and checks its length.
func decodeHex(s string, want int) ([]byte, error) {
	t := strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X")
	b, err := hex.DecodeString(t)
	if err != nil {
		return nil, fmt.Errorf("%q is not hex: %v", s, err)
	}
	if len(b) != want {
		return nil, fmt.Errorf("%q has %d bytes, want %d", s, len(b), want)
	}
	return b, nil
}

// newScalar decodes a canonical scalar; callers guarantee canonicity.
func newScalar(b [32]byte) *r255.Scalar {
	s, err := schnorrkel.ScalarFromBytes(b)
	if err != nil {
		panic("keys: non-canonical scalar: " + err.Error())
	}
	return s
}
