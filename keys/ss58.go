package keys

import (
	"fmt"

	"golang.org/x/crypto/blake2b"
)

// SS58Prefix is the SS58 address type of Bittensor (and of generic Substrate
// chains): addresses start with "5".
const SS58Prefix = 42

// ss58Len is the decoded length of a prefix-42 address: one prefix byte, the
// 32-byte public key and a 2-byte checksum.
const ss58Len = 1 + 32 + 2

// SS58 returns the SS58 address of p with prefix 42.
func (p PublicKey) SS58() string {
	var raw [ss58Len]byte
	raw[0] = SS58Prefix
	copy(raw[1:33], p[:])
	sum := ss58Checksum(raw[:33])
	copy(raw[33:], sum[:2])
	return base58Encode(raw[:])
}

// ParseSS58 parses an SS58 address. It accepts only 32-byte account ids with
// prefix 42, and reports which of the alphabet, length, prefix or checksum is
// wrong.
func ParseSS58(s string) (PublicKey, error) {
	var p PublicKey
	if s == "" {
		return p, fmt.Errorf("ss58 address is empty")
	}
	raw, err := base58Decode(s)
	if err != nil {
		return p, fmt.Errorf("ss58 address %q: %w", s, err)
	}
	if len(raw) > 0 && raw[0] >= 64 {
		// Two-byte prefixes (64..16383) exist; none of them is ours.
		return p, fmt.Errorf("ss58 address %q: uses a two-byte network prefix, want prefix %d (addresses starting with 5)", s, SS58Prefix)
	}
	if len(raw) != ss58Len {
		return p, fmt.Errorf("ss58 address %q: decodes to %d bytes, want %d (prefix, 32-byte key, checksum)", s, len(raw), ss58Len)
	}
	if raw[0] != SS58Prefix {
		return p, fmt.Errorf("ss58 address %q: network prefix is %d, want %d (Bittensor/generic Substrate)", s, raw[0], SS58Prefix)
	}
	sum := ss58Checksum(raw[:33])
	if raw[33] != sum[0] || raw[34] != sum[1] {
		return p, fmt.Errorf("ss58 address %q: checksum mismatch (mistyped address?)", s)
	}
	copy(p[:], raw[1:33])
	return p, nil
}

// ParseAddress accepts either an SS58 address or a 0x-hex public key, the two
// forms users paste.
func ParseAddress(s string) (PublicKey, error) {
	if len(s) > 2 && (s[:2] == "0x" || s[:2] == "0X") {
		return ParsePublicKeyHex(s)
	}
	return ParseSS58(s)
}

// ss58Checksum is blake2b-512("SS58PRE" || data).
func ss58Checksum(data []byte) [64]byte {
	h, _ := blake2b.New512(nil) // never fails without a key
	h.Write([]byte("SS58PRE"))
	h.Write(data)
	var out [64]byte
	h.Sum(out[:0])
	return out
}

const base58Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

var base58Index = func() (idx [256]int8) {
	for i := range idx {
		idx[i] = -1
	}
	for i := range len(base58Alphabet) {
		idx[base58Alphabet[i]] = int8(i)
	}
	return idx
}()

// base58Encode is Bitcoin-alphabet base58 with leading zero bytes as '1'.
func base58Encode(b []byte) string {
	zeros := 0
	for zeros < len(b) && b[zeros] == 0 {
		zeros++
	}
	// Repeated division of the big-endian number by 58, digits little-endian.
	digits := make([]byte, 0, len(b)*138/100+1)
	for _, c := range b[zeros:] {
		carry := int(c)
		for i := range digits {
			carry += int(digits[i]) << 8
			digits[i] = byte(carry % 58)
			carry /= 58
		}
		for carry > 0 {
			digits = append(digits, byte(carry%58))
			carry /= 58
		}
	}
	out := make([]byte, zeros+len(digits))
	for i := range zeros {
		out[i] = '1'
	}
	for i, d := range digits {
		out[len(out)-1-i] = base58Alphabet[d]
	}
	return string(out)
}

// maxBase58Len bounds the input so decoding cost stays small on hostile input.
const maxBase58Len = 128

// base58Decode is the inverse of base58Encode.
func base58Decode(s string) ([]byte, error) {
	if len(s) > maxBase58Len {
		return nil, fmt.Errorf("too long (%d characters) to be an address", len(s))
	}
	zeros := 0
	for zeros < len(s) && s[zeros] == '1' {
		zeros++
	}
	bytesLE := make([]byte, 0, len(s))
	for i := zeros; i < len(s); i++ {
		d := base58Index[s[i]]
		if d < 0 {
			return nil, fmt.Errorf("character %q at position %d is not base58", s[i], i)
		}
		carry := int(d)
		for j := range bytesLE {
			carry += int(bytesLE[j]) * 58
			bytesLE[j] = byte(carry)
			carry >>= 8
		}
		for carry > 0 {
			bytesLE = append(bytesLE, byte(carry))
			carry >>= 8
		}
	}
	out := make([]byte, zeros+len(bytesLE))
	for i, c := range bytesLE {
		out[len(out)-1-i] = c
	}
	return out, nil
}
