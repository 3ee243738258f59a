package wallet

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/taorun/taorun/keys"
)

// Key is the content of one keyfile: a public key and, unless the file is a
// public-only ("…pub.txt") file, the keypair with the mnemonic or seed it was
// made from, when known.
type Key struct {
	// Public is the account id; always set.
	Public keys.PublicKey
	// Pair is the secret keypair; nil for public-only keyfiles.
	Pair *keys.Keypair
	// Mnemonic is the BIP-39 phrase the key came from ("secretPhrase"), or "".
	Mnemonic string
	// Seed is the "secretSeed": the 32-byte mini-secret when the key was made
	// from a mnemonic, the seed's bytes (32 or 64) when it was made from a
	// seed, nil otherwise (btwallet does not record one for keys made from a
	// URI or read from a privateKey).
	Seed []byte
}

// KeyFromMnemonic makes a key from a BIP-39 mnemonic, with an empty BIP-39
// password as btwallet does.
func KeyFromMnemonic(phrase string) (*Key, error) {
	phrase = strings.Join(strings.Fields(phrase), " ")
	seed, err := keys.MnemonicSeed(phrase, "")
	if err != nil {
		return nil, err
	}
	pair := keys.FromSeed(seed)
	return &Key{Public: pair.Public(), Pair: pair, Mnemonic: phrase, Seed: seed[:]}, nil
}

// KeyFromSeed makes a key from a 0x-hex seed: 32 bytes are a mini-secret,
// 64 bytes an expanded sr25519 secret (as sp_core's from_seed_slice reads it).
func KeyFromSeed(seedHex string) (*Key, error) {
	b, err := hex.DecodeString(trimHexPrefix(seedHex))
	if err != nil {
		return nil, fmt.Errorf("seed %q is not hex: %v", seedHex, err)
	}
	switch len(b) {
	case 32:
		pair := keys.FromSeed([32]byte(b))
		return &Key{Public: pair.Public(), Pair: pair, Seed: b}, nil
	case 64:
		pair, err := keys.FromSecretBytes([64]byte(b))
		if err != nil {
			return nil, err
		}
		return &Key{Public: pair.Public(), Pair: pair, Seed: b}, nil
	}
	return nil, fmt.Errorf("seed has %d bytes, want 32 (mini-secret) or 64 (secret key)", len(b))
}

// KeyFromURI makes a key from a Substrate secret URI ("//Alice", "Alice",
// "PHRASE//hard/soft"); see keys.FromURI.
func KeyFromURI(uri string) (*Key, error) {
	pair, err := keys.FromURI(uri)
	if err != nil {
		return nil, err
	}
	return &Key{Public: pair.Public(), Pair: pair}, nil
}

// PublicOnly returns the key without its secret parts, as written to
// coldkeypub.txt and hotkeypub files.
func (k *Key) PublicOnly() *Key { return &Key{Public: k.Public} }

// keyfileJSON is the keyfile object. Field order is the order btwallet
// inserts the fields; btwallet itself serialises a Rust HashMap, so its key
// order varies from file to file, and readers must not depend on it.
type keyfileJSON struct {
	AccountID    string `json:"accountId,omitempty"`
	PublicKey    string `json:"publicKey,omitempty"`
	PrivateKey   string `json:"privateKey,omitempty"`
	SecretPhrase string `json:"secretPhrase,omitempty"`
	SecretSeed   string `json:"secretSeed,omitempty"`
	SS58Address  string `json:"ss58Address,omitempty"`
}

// encodeKeyfile serialises a key as btwallet's serde_json::to_string does:
// compact JSON, 0x-prefixed lower-case hex.
func encodeKeyfile(k *Key) []byte {
	pub := k.Public.Hex()
	j := keyfileJSON{AccountID: pub, PublicKey: pub, SS58Address: k.Public.SS58()}
	if k.Pair != nil {
		sb := k.Pair.SecretBytes()
		j.PrivateKey = "0x" + hex.EncodeToString(sb[:])
		j.SecretPhrase = k.Mnemonic
		if k.Seed != nil {
			j.SecretSeed = "0x" + hex.EncodeToString(k.Seed)
		}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // serde_json does not escape <, >, &
	if err := enc.Encode(j); err != nil {
		panic("wallet: encoding keyfile: " + err.Error()) // only strings: cannot fail
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// decodeKeyfile parses plaintext keyfile JSON. Like btwallet it takes the key
// from secretPhrase, else secretSeed, else privateKey, else the public fields
// alone; unlike btwallet it also checks that every public field present agrees
// with that key, so a damaged or hand-edited file is reported, not used.
func decodeKeyfile(data []byte) (*Key, error) {
	var fields map[string]*string
	if err := json.Unmarshal(data, &fields); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return nil, fmt.Errorf("field %q is not a string", typeErr.Field)
		}
		return nil, fmt.Errorf("not a JSON keyfile: %v", err)
	}
	get := func(name string) string {
		if v := fields[name]; v != nil {
			return *v
		}
		return ""
	}
	var (
		k   *Key
		err error
	)
	switch {
	case get("secretPhrase") != "":
		k, err = KeyFromMnemonic(get("secretPhrase"))
		if err != nil {
			return nil, fmt.Errorf("secretPhrase: %w", err)
		}
	case get("secretSeed") != "":
		k, err = KeyFromSeed(get("secretSeed"))
		if err != nil {
			return nil, fmt.Errorf("secretSeed: %w", err)
		}
	case get("privateKey") != "":
		b, err := hex.DecodeString(trimHexPrefix(get("privateKey")))
		if err != nil || len(b) != 64 {
			return nil, fmt.Errorf("privateKey: want 0x and 128 hex digits (a 64-byte sr25519 secret)")
		}
		pair, err := keys.FromSecretBytes([64]byte(b))
		if err != nil {
			return nil, fmt.Errorf("privateKey: %w", err)
		}
		k = &Key{Public: pair.Public(), Pair: pair}
	}
	// Every public field present must name the same account.
	var pub *keys.PublicKey
	for _, name := range []string{"publicKey", "accountId", "ss58Address"} {
		v := get(name)
		if v == "" {
			continue
		}
		var p keys.PublicKey
		if name == "ss58Address" {
			p, err = keys.ParseSS58(v)
		} else {
			p, err = keys.ParsePublicKeyHex(v)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if k != nil && p != k.Public {
			return nil, fmt.Errorf("%s %s does not match the secret key's public key %s", name, v, k.Public.Hex())
		}
		if pub != nil && p != *pub {
			return nil, fmt.Errorf("%s %s disagrees with the other public fields", name, v)
		}
		pub = &p
	}
	if k == nil {
		if pub == nil {
			return nil, errors.New("keyfile has none of secretPhrase, secretSeed, privateKey, publicKey, accountId, ss58Address")
		}
		k = &Key{Public: *pub}
	}
	return k, nil
}

// trimHexPrefix strips every leading "0x", as Rust's trim_start_matches does
// in btwallet (which once wrote seeds as "0x0x…").
func trimHexPrefix(s string) string {
	for strings.HasPrefix(s, "0x") {
		s = s[2:]
	}
	return s
}
