package keys

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
	"sync"

	schnorrkel "github.com/ChainSafe/go-schnorrkel"
	"github.com/gtank/merlin"
	r255 "github.com/gtank/ristretto255"
	"golang.org/x/crypto/blake2b"
)

// DevPhrase is Substrate's well-known development mnemonic; "//Alice" and the
// other dev accounts are hard derivations of it. Never hold value with it.
const DevPhrase = "bottom drive obey lake curtain smoke basket hold race lonely fit walk"

// DevNames lists the development accounts Dev knows, in Substrate's order,
// followed by the extra accounts subtensor's localnet funds.
var DevNames = []string{"Alice", "Bob", "Charlie", "Dave", "Eve", "Ferdie", "One", "Two", "Three"}

var (
	devOnce sync.Once
	devKeys map[string]*Keypair
)

// Dev returns the development keypair "//name" (Alice … Ferdie, One, Two,
// Three). Dev accounts are fixed, so an unknown name is a programming error
// and panics. The returned keypair is shared and must not be modified.
func Dev(name string) *Keypair {
	devOnce.Do(func() {
		devKeys = make(map[string]*Keypair, len(DevNames))
		for _, n := range DevNames {
			k, err := FromURI("//" + n)
			if err != nil {
				panic("keys: deriving dev account: " + err.Error())
			}
			devKeys[n] = k
		}
	})
	k, ok := devKeys[name]
	if !ok {
		panic(fmt.Sprintf("keys: unknown dev account %q (known: %s)", name, strings.Join(DevNames, ", ")))
	}
	return k
}

// junction is one step of a derivation path.
type junction struct {
	hard bool
	cc   [32]byte // chain code
}

// FromURI builds a keypair from a Substrate secret URI,
//
//	[PHRASE | 0xSEED] ( "//" hard | "/" soft )* [ "///" password ]
//
// as sp_core's Pair::from_string reads it: an absent phrase means DevPhrase
// ("//Alice"), a 0x-hex phrase is a 32-byte mini-secret (or a 64-byte secret
// key), and the password feeds the mnemonic's PBKDF2 salt. A bare word with no
// slashes and no spaces ("Alice") means "//Alice", as btcli's --uri does.
// Junctions that parse as a u64 are encoded as 8 little-endian bytes, others
// as SCALE strings; codes longer than 32 bytes are blake2b-256 hashed.
func FromURI(uri string) (*Keypair, error) {
	if uri == "" {
		return nil, fmt.Errorf("secret uri is empty")
	}
	if !strings.ContainsAny(uri, "/ ") && !strings.HasPrefix(uri, "0x") {
		uri = "//" + uri
	}
	rest, password, _ := strings.Cut(uri, "///")
	phrase, path := rest, ""
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		phrase, path = rest[:i], rest[i:]
	}
	junctions, err := parsePath(path)
	if err != nil {
		return nil, fmt.Errorf("secret uri: %w", err)
	}
	root, err := uriRoot(strings.TrimSpace(phrase), password)
	if err != nil {
		return nil, fmt.Errorf("secret uri: %w", err)
	}
	k := root
	for _, j := range junctions {
		k = k.derive(j)
	}
	return k, nil
}

// uriRoot resolves the phrase part of a secret URI.
func uriRoot(phrase, password string) (*Keypair, error) {
	switch {
	case phrase == "":
		return FromMnemonic(DevPhrase, password)
	case strings.HasPrefix(phrase, "0x"):
		b, err := decodeHex(phrase, len(phrase[2:])/2)
		if err != nil {
			return nil, fmt.Errorf("seed: %w", err)
		}
		switch len(b) {
		case 32:
			return FromSeed([32]byte(b)), nil
		case 64:
			return FromSecretBytes([64]byte(b))
		}
		return nil, fmt.Errorf("seed %s has %d bytes, want 32 (mini-secret) or 64 (secret key)", phrase, len(b))
	default:
		return FromMnemonic(phrase, password)
	}
}

// parsePath splits "//a/b//c" into junctions.
func parsePath(path string) ([]junction, error) {
	var out []junction
	for path != "" {
		if path[0] != '/' {
			return nil, fmt.Errorf("derivation path %q: junction must start with / or //", path)
		}
		hard := strings.HasPrefix(path, "//")
		path = strings.TrimPrefix(path[1:], "/")
		name := path
		if i := strings.IndexByte(path, '/'); i >= 0 {
			name = path[:i]
		}
		if name == "" {
			return nil, fmt.Errorf("derivation path has an empty junction")
		}
		path = path[len(name):]
		out = append(out, junction{hard: hard, cc: chainCode(name)})
	}
	return out, nil
}

// chainCode encodes a junction name as Substrate's DeriveJunction does.
func chainCode(name string) [32]byte {
	var enc []byte
	// Rust's str::parse::<u64> accepts an optional leading '+'.
	if n, err := strconv.ParseUint(strings.TrimPrefix(name, "+"), 10, 64); err == nil && name != "" && name[0] != '-' {
		enc = binary.LittleEndian.AppendUint64(nil, n)
	} else {
		enc = append(scaleCompact(uint64(len(name))), name...)
	}
	var cc [32]byte
	if len(enc) > 32 {
		return blake2b.Sum256(enc)
	}
	copy(cc[:], enc)
	return cc
}

// scaleCompact is SCALE's compact encoding of an unsigned integer.
func scaleCompact(n uint64) []byte {
	switch {
	case n < 1<<6:
		return []byte{byte(n << 2)}
	case n < 1<<14:
		return binary.LittleEndian.AppendUint16(nil, uint16(n<<2|1))
	case n < 1<<30:
		return binary.LittleEndian.AppendUint32(nil, uint32(n<<2|2))
	}
	b := binary.LittleEndian.AppendUint64(nil, n)
	for len(b) > 4 && b[len(b)-1] == 0 {
		b = b[:len(b)-1]
	}
	return append([]byte{byte(len(b)-4)<<2 | 3}, b...)
}

// derive applies one junction. Hard junctions go through schnorrkel's
// hard_derive_mini_secret_key (empty extra bytes, the junction as chain code)
// and keep a seed if the parent had one, as Substrate does; soft junctions
// add a transcript-derived scalar to the secret and lose the seed.
func (k *Keypair) derive(j junction) *Keypair {
	sk := schnorrkel.NewSecretKey(k.key, k.nonce)
	if j.hard {
		mini, _, err := sk.HardDeriveMiniSecretKey(nil, j.cc)
		if err != nil {
			panic("keys: hard derivation: " + err.Error()) // only fails on a non-canonical key
		}
		child := FromSeed(mini.Encode())
		child.hasSeed = k.hasSeed
		if !k.hasSeed {
			child.seed = [32]byte{}
		}
		return child
	}
	// Soft: schnorrkel's derived_key_simple(cc, []), whose transcript is a
	// fresh "SchnorrRistrettoHDKD" transcript over empty sign-bytes.
	t := merlin.NewTranscript("SchnorrRistrettoHDKD")
	t.AppendMessage([]byte("sign-bytes"), nil)
	pub, err := schnorrkel.NewPublicKey(k.pub)
	if err != nil {
		panic("keys: own public key does not decode: " + err.Error())
	}
	delta, _, err := pub.DeriveScalarAndChaincode(t, j.cc)
	if err != nil {
		panic("keys: soft derivation: " + err.Error())
	}
	var key [32]byte
	r255.NewScalar().Add(newScalar(k.key), delta).Encode(key[:0])
	// schnorrkel draws the child nonce from a transcript RNG mixed with
	// thread randomness, so no implementation can reproduce it; ours is
	// deterministic in the parent secret and the junction instead.
	secret := k.SecretBytes()
	t.AppendMessage([]byte("HDKD-nonce-seed"), secret[:])
	var nonce [32]byte
	copy(nonce[:], t.ExtractBytes([]byte("HDKD-nonce"), 32))
	return fromSecret(key, nonce)
}
