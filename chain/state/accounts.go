package state

import (
	"encoding/binary"
	"fmt"

	"github.com/taorun/taorun/chain/types"
)

// GetU64 reads a u64 value (8 bytes little endian); an absent key reads as 0.
func GetU64(r Reader, key []byte) (uint64, error) {
	v, ok, err := r.Get(key)
	if err != nil || !ok {
		return 0, err
	}
	if len(v) != 8 {
		return 0, fmt.Errorf("state: value at %x is %d bytes, want 8", key, len(v))
	}
	return binary.LittleEndian.Uint64(v), nil
}

// SetU64 writes a u64 value; 0 deletes the key, so that "zero" and "absent"
// are one state and the root does not depend on which one a path produced.
func SetU64(o *Overlay, key []byte, v uint64) {
	if v == 0 {
		o.Delete(key)
		return
	}
	o.Set(key, binary.LittleEndian.AppendUint64(nil, v))
}

// Balance returns an account's free balance in rao.
func Balance(r Reader, id types.AccountID) (uint64, error) { return GetU64(r, BalanceKey(id)) }

// SetBalance sets an account's free balance in rao.
func SetBalance(o *Overlay, id types.AccountID, v uint64) { SetU64(o, BalanceKey(id), v) }

// Nonce returns the nonce the account's next transaction must carry.
func Nonce(r Reader, id types.AccountID) (uint64, error) { return GetU64(r, NonceKey(id)) }

// SetNonce sets an account's next nonce.
func SetNonce(o *Overlay, id types.AccountID, v uint64) { SetU64(o, NonceKey(id), v) }

// TotalIssuance returns the total TAO issued, in rao.
func TotalIssuance(r Reader) (uint64, error) { return GetU64(r, KeyTotalIssuance) }

// SetTotalIssuance sets the total TAO issued.
func SetTotalIssuance(o *Overlay, v uint64) { SetU64(o, KeyTotalIssuance, v) }

// Burned returns the total rao burned (fees, burned registrations).
func Burned(r Reader) (uint64, error) { return GetU64(r, KeyBurned) }

// SetBurned sets the burned total.
func SetBurned(o *Overlay, v uint64) { SetU64(o, KeyBurned, v) }

// Sudo returns the sudo account, if one is set.
func Sudo(r Reader) (types.AccountID, bool, error) {
	var id types.AccountID
	v, ok, err := r.Get(KeySudo)
	if err != nil || !ok {
		return id, false, err
	}
	if len(v) != 32 {
		return id, false, fmt.Errorf("state: sudo value is %d bytes, want 32", len(v))
	}
	copy(id[:], v)
	return id, true, nil
}

// SetSudo sets the sudo account.
func SetSudo(o *Overlay, id types.AccountID) { o.Set(KeySudo, id[:]) }

// Dump returns every entry under prefix in key order (nil prefix: everything).
// Tests use it to compare whole states.
func Dump(r Reader, prefix []byte) ([]Write, error) {
	var out []Write
	err := r.Iterate(prefix, func(k, v []byte) error {
		out = append(out, Write{Key: append([]byte{}, k...), Value: append([]byte{}, v...)})
		return nil
	})
	return out, err
}
