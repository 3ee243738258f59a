// Package tx defines taorun's signed transaction: its canonical encoding, its
// signing payload, its hash, the call kinds and their base fees.
//
// # Encoding (consensus-critical; see package codec for the primitives)
//
//	version u8 (= 1)
//	genesis [32]      genesis block hash of the chain the tx is meant for
//	signer  [32]      sr25519 public key (AccountID) that pays and signs
//	nonce   u64       must equal the signer's account nonce when applied
//	fee     u64       rao the signer pays; at least MinFee, the excess is a tip
//	                  (a fee-free call, see FeeFreeNetuid, may carry less, 0 included)
//	kind    u16       call kind (see CallKind)
//	args    u32 len ‖ bytes   the call's own canonical encoding, fully consumed
//	sig     [64]      sr25519 signature (context "substrate") over SigningPayload
//
// The signing payload is "taorun/tx/v1" followed by every field above except
// sig, so a signature binds the chain (genesis hash), the nonce (replay
// protection), the fee and the call. The tx hash is sha256 of the full
// encoding.
//
// Invariants: Decode accepts only canonical bytes (exactly one encoding per
// Tx: fixed-width ints, bool bytes 0/1, exact lengths, no trailing bytes,
// known call kinds, bounded sizes: MaxAnyTxBytes for any tx, then the call's
// Spec.MaxBytes), so Encode(Decode(b)) == b for every b that decodes. Decode does not check the signature; Verify does.
package tx

import (
	"errors"
	"fmt"

	"github.com/taorun/taorun/chain/codec"
	"github.com/taorun/taorun/chain/types"
	"github.com/taorun/taorun/keys"
)

// Version is the only transaction format version accepted.
const Version = 1

// MaxTxBytes bounds an encoded transaction of every call kind but
// upload_module (whose bound is MaxUploadTxBytes); see Spec.MaxBytes.
const MaxTxBytes = 1 << 20

// MaxAnyTxBytes bounds an encoded transaction of any kind: the largest
// Spec.MaxBytes. Blocks and mempools bound each transaction by it; Decode
// then applies the call's own bound.
const MaxAnyTxBytes = MaxUploadTxBytes

// FeePerByte is the part of MinFee charged per encoded byte, in rao.
const FeePerByte = 1_000

// signingDomain prefixes every signing payload, so a tx signature can never be
// valid for another taorun message type.
const signingDomain = "taorun/tx/v1"

// overhead is the encoded size of everything but the call arguments.
const overhead = 1 + 32 + 32 + 8 + 8 + 2 + 4 + 64

// ErrDecode wraps every decoding failure.
var ErrDecode = errors.New("decode tx")

// Tx is a signed transaction.
type Tx struct {
	Genesis   types.Hash
	Signer    types.AccountID
	Nonce     uint64
	Fee       uint64
	Call      Call
	Signature keys.Signature

	raw []byte // canonical encoding, set by Decode and Encode
}

// encodeUnsigned writes every field but the signature.
func (t *Tx) encodeUnsigned(w *codec.Writer) {
	w.U8(Version)
	w.Bytes32(t.Genesis)
	w.Fixed(t.Signer[:])
	w.U64(t.Nonce)
	w.U64(t.Fee)
	w.U16(uint16(t.Call.Kind()))
	args := codec.NewWriter(64)
	t.Call.Encode(args)
	w.VarBytes(args.Bytes())
}

// SigningPayload returns the bytes the signer signs.
func (t *Tx) SigningPayload() []byte {
	w := codec.NewWriter(len(signingDomain) + 128)
	w.Fixed([]byte(signingDomain))
	t.encodeUnsigned(w)
	return w.Bytes()
}

// Encode returns the canonical encoding. A Tx returned by Decode or New keeps
// its encoding and must be treated as immutable; a Tx built field by field is
// encoded afresh on every call.
func (t *Tx) Encode() []byte {
	if t.raw != nil {
		return t.raw
	}
	w := codec.NewWriter(overhead + 64)
	t.encodeUnsigned(w)
	w.Fixed(t.Signature[:])
	return w.Bytes()
}

// Hash returns sha256 of the encoding.
func (t *Tx) Hash() types.Hash { return types.Sum(t.Encode()) }

// Size returns the encoded length in bytes.
func (t *Tx) Size() int { return len(t.Encode()) }

// Verify reports whether the signature is the signer's over SigningPayload.
func (t *Tx) Verify() bool { return t.Signer.Verify(t.SigningPayload(), t.Signature) }

// MinFee returns the smallest fee the chain accepts for t as a paying
// transaction: the call's base fee plus FeePerByte per encoded byte. It does
// not depend on t.Fee's value (the encoding is fixed width), so a client can
// compute it before signing.
func MinFee(t *Tx) uint64 {
	spec, _ := Lookup(t.Call.Kind())
	return spec.BaseFee + FeePerByte*uint64(t.Size())
}

// FeeFreeNetuid reports whether t is a fee-free transaction and for which
// subnet: its call is marked FeeFree in the call table and its fee is below
// MinFee (0, or a tip smaller than the floor; a fee of MinFee or more makes
// it an ordinary paying transaction). The chain accepts such a transaction
// only when its signer is a hotkey registered on that subnet and the call's
// own checks pass before inclusion (package chain).
func FeeFreeNetuid(t *Tx) (netuid uint16, ok bool) {
	spec, _ := Lookup(t.Call.Kind())
	if spec.FeeFree == nil || t.Fee >= MinFee(t) {
		return 0, false
	}
	return spec.FeeFree(t.Call), true
}

// DefaultFee is the fee a client offers for call by default: tip alone for a
// call marked FeeFree (sent by its hotkey; one that does not qualify is
// refused before inclusion, which costs nothing), MinFee plus tip for any
// other.
func DefaultFee(call Call, tip uint64) uint64 {
	if spec, _ := Lookup(call.Kind()); spec.FeeFree != nil {
		return tip
	}
	return MinFee(&Tx{Call: call}) + tip
}

// New builds and signs a transaction paying MinFee plus tip (a paying
// transaction for every call kind; see NewWithFee and DefaultFee for a
// fee-free one).
func New(k *keys.Keypair, genesis types.Hash, nonce uint64, call Call, tip uint64) *Tx {
	return NewWithFee(k, genesis, nonce, call, MinFee(&Tx{Call: call})+tip)
}

// NewWithFee builds and signs a transaction offering exactly fee rao.
func NewWithFee(k *keys.Keypair, genesis types.Hash, nonce uint64, call Call, fee uint64) *Tx {
	t := &Tx{Genesis: genesis, Signer: k.Public(), Nonce: nonce, Fee: fee, Call: call}
	t.Signature = k.Sign(t.SigningPayload())
	t.raw = t.Encode()
	return t
}

// Decode parses a canonical encoding. See the package comment for what is
// rejected; every error wraps ErrDecode and names the offending field.
func Decode(b []byte) (*Tx, error) {
	if len(b) > MaxAnyTxBytes {
		return nil, fmt.Errorf("%w: %d bytes exceeds the %d-byte limit", ErrDecode, len(b), MaxAnyTxBytes)
	}
	r := codec.NewReader(b)
	if v := r.U8(); r.Err() == nil && v != Version {
		return nil, fmt.Errorf("%w: unsupported version %d (want %d)", ErrDecode, v, Version)
	}
	t := &Tx{}
	t.Genesis = r.Bytes32()
	t.Signer = r.Bytes32()
	t.Nonce = r.U64()
	t.Fee = r.U64()
	kind := CallKind(r.U16())
	args := r.VarBytes(MaxAnyTxBytes, "call arguments")
	t.Signature = r.Bytes64()
	if err := r.Done(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrDecode, err)
	}
	spec, ok := Lookup(kind)
	if !ok {
		return nil, fmt.Errorf("%w: unknown call kind %d", ErrDecode, kind)
	}
	if len(b) > spec.MaxBytes {
		return nil, fmt.Errorf("%w: %d bytes exceeds the %d-byte limit of %s", ErrDecode, len(b), spec.MaxBytes, spec.Name)
	}
	ar := codec.NewReader(args)
	t.Call = spec.Decode(ar)
	if err := ar.Done(); err != nil {
		return nil, fmt.Errorf("%w: %s arguments: %v", ErrDecode, spec.Name, err)
	}
	t.raw = append([]byte{}, b...)
	return t, nil
}
