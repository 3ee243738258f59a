package keys

import (
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"fmt"
	"strings"

	bip39 "github.com/cosmos/go-bip39"
)

// GenerateMnemonic returns a fresh BIP-39 English mnemonic of the given number
// of words (12, 15, 18, 21 or 24) drawn from crypto/rand.
func GenerateMnemonic(words int) (string, error) {
	if words < 12 || words > 24 || words%3 != 0 {
		return "", fmt.Errorf("mnemonic length %d words: want 12, 15, 18, 21 or 24", words)
	}
	entropy := make([]byte, words*4/3) // 11 bits a word, 1 checksum bit per 32 of entropy
	if _, err := rand.Read(entropy); err != nil {
		return "", fmt.Errorf("mnemonic: reading randomness: %w", err)
	}
	return entropyToMnemonic(entropy), nil
}

// entropyToMnemonic appends the SHA-256 checksum bits and splits the bit
// string into 11-bit word indices.
func entropyToMnemonic(entropy []byte) string {
	sum := sha256.Sum256(entropy)
	bits := append(append([]byte{}, entropy...), sum[0])
	n := len(entropy) * 8 * 33 / 32 / 11
	words := make([]string, n)
	for w := range n {
		idx := 0
		for b := w * 11; b < w*11+11; b++ {
			idx = idx<<1 | int(bits[b/8]>>(7-b%8)&1)
		}
		words[w] = bip39.WordList[idx]
	}
	return strings.Join(words, " ")
}

// mnemonicEntropy validates a BIP-39 English mnemonic and returns its entropy.
// Words may be separated by any whitespace; case is ignored.
func mnemonicEntropy(phrase string) ([]byte, error) {
	words := strings.Fields(strings.ToLower(phrase))
	n := len(words)
	if n < 12 || n > 24 || n%3 != 0 {
		return nil, fmt.Errorf("mnemonic has %d words, want 12, 15, 18, 21 or 24", n)
	}
	bits := make([]byte, (n*11+7)/8)
	for w, word := range words {
		idx, ok := bip39.ReverseWordMap[word]
		if !ok {
			return nil, fmt.Errorf("mnemonic word %d (%q) is not in the BIP-39 English word list", w+1, word)
		}
		for i := range 11 {
			if idx>>(10-i)&1 == 1 {
				b := w*11 + i
				bits[b/8] |= 1 << (7 - b%8)
			}
		}
	}
	entLen := n * 11 * 32 / 33 / 8
	entropy := bits[:entLen]
	csBits := n * 11 / 33
	sum := sha256.Sum256(entropy)
	mask := byte(0xff << (8 - csBits))
	if bits[entLen]&mask != sum[0]&mask {
		return nil, fmt.Errorf("mnemonic checksum does not match (a word is wrong or out of order)")
	}
	return entropy, nil
}

// FromMnemonic derives the keypair of a BIP-39 mnemonic the Substrate way
// (sp_core sr25519 Pair::from_phrase): the mnemonic's entropy, not the phrase
// text, goes through PBKDF2-HMAC-SHA512 with 2048 rounds and salt
// "mnemonic"+password; the first 32 bytes are the mini-secret, expanded in
// Ed25519 mode. Bittensor keyfiles use an empty password.
func FromMnemonic(phrase, password string) (*Keypair, error) {
	seed, err := MnemonicSeed(phrase, password)
	if err != nil {
		return nil, err
	}
	return FromSeed(seed), nil
}

// MnemonicSeed returns the 32-byte mini-secret FromMnemonic expands.
func MnemonicSeed(phrase, password string) ([32]byte, error) {
	var seed [32]byte
	entropy, err := mnemonicEntropy(phrase)
	if err != nil {
		return seed, err
	}
	out, err := pbkdf2.Key(sha512.New, string(entropy), []byte("mnemonic"+password), 2048, 64)
	if err != nil {
		return seed, fmt.Errorf("mnemonic: pbkdf2: %w", err)
	}
	copy(seed[:], out[:32])
	return seed, nil
}
