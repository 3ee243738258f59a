package tx

import (
	"github.com/taorun/taorun/chain/codec"
	"github.com/taorun/taorun/chain/types"
)

// Bounds on variable-size call arguments (decoding rejects anything longer).
const (
	// MaxParamName bounds a hyperparameter name.
	MaxParamName = 64
	// MaxUIDList bounds a uid, weight or salt list (uids are u16, so no
	// subnet can have more neurons).
	MaxUIDList = 1 << 16
)

// The calls of subnets, neurons, staking and weights (kinds 3 and 10–20).
// Their meaning and checks are package chain/subnet's; here they are only
// arguments with a canonical encoding. "Signer" below is the tx signer.

// SudoSet (sudo only) sets hyperparameter Param of subnet Netuid to Value,
// bypassing the owner checks (btcli `sudo set` as root). Booleans are 0/1.
type SudoSet struct {
	Netuid uint16
	Param  string
	Value  uint64
}

// CreateSubnet registers a new subnet owned by the signer (coldkey), paying
// the lock cost, with Hotkey as the owner's hotkey (registered as uid 0).
type CreateSubnet struct {
	Hotkey types.AccountID
}

// SetHyperparameter sets hyperparameter Param of subnet Netuid to Value; the
// signer must be the subnet owner and the parameter owner-settable.
type SetHyperparameter struct {
	Netuid uint16
	Param  string
	Value  uint64
}

// BurnedRegister registers Hotkey on subnet Netuid, the signer (coldkey)
// paying the current burn cost; when the subnet is full it replaces the
// neuron chosen by pruning.
type BurnedRegister struct {
	Netuid uint16
	Hotkey types.AccountID
}

// ServeAxon records the axon of the signer (a hotkey registered on Netuid).
type ServeAxon struct {
	Netuid   uint16
	Version  uint32
	IP       [16]byte // IPv4 in the last 4 bytes when IPType is 4
	Port     uint16
	IPType   uint8 // 4 or 6
	Protocol uint8
}

// AddStake stakes Amount rao of the signer's (coldkey's) free TAO to Hotkey
// on subnet Netuid, swapping it for alpha through the subnet's pool.
type AddStake struct {
	Hotkey types.AccountID
	Netuid uint16
	Amount uint64 // rao of TAO
}

// RemoveStake unstakes Amount alpha (in rao units) of the signer's stake on
// Hotkey in subnet Netuid, swapping it back to free TAO through the pool.
type RemoveStake struct {
	Hotkey types.AccountID
	Netuid uint16
	Amount uint64 // alpha, 9 decimals
}

// MoveStake moves Amount alpha of the signer's stake from (FromHotkey,
// FromNetuid) to (ToHotkey, ToNetuid), through TAO when the subnets differ.
type MoveStake struct {
	FromHotkey types.AccountID
	ToHotkey   types.AccountID
	FromNetuid uint16
	ToNetuid   uint16
	Amount     uint64 // alpha of FromNetuid, 9 decimals
}

// SetDelegateTake sets the take of Hotkey (owned by the signer), in units of
// 1/65535.
type SetDelegateTake struct {
	Hotkey types.AccountID
	Take   uint16
}

// SetWeights sets the signer's (a hotkey's) weights on subnet Netuid:
// Weights[i] for uid Uids[i].
type SetWeights struct {
	Netuid     uint16
	Uids       []uint16
	Weights    []uint16
	VersionKey uint64
}

// CommitWeights commits the hash of weights to be revealed later (commit-
// reveal subnets); the hash is chain/subnet's commit hash of the reveal.
type CommitWeights struct {
	Netuid uint16
	Hash   types.Hash
}

// RevealWeights reveals weights committed earlier with the same salt.
type RevealWeights struct {
	Netuid     uint16
	Uids       []uint16
	Weights    []uint16
	Salt       []uint16
	VersionKey uint64
}

// Kind implements Call.
func (SudoSet) Kind() CallKind { return KindSudoSet }

// Kind implements Call.
func (CreateSubnet) Kind() CallKind { return KindCreateSubnet }

// Kind implements Call.
func (SetHyperparameter) Kind() CallKind { return KindSetHyperparameter }

// Kind implements Call.
func (BurnedRegister) Kind() CallKind { return KindBurnedRegister }

// Kind implements Call.
func (ServeAxon) Kind() CallKind { return KindServeAxon }

// Kind implements Call.
func (AddStake) Kind() CallKind { return KindAddStake }

// Kind implements Call.
func (RemoveStake) Kind() CallKind { return KindRemoveStake }

// Kind implements Call.
func (MoveStake) Kind() CallKind { return KindMoveStake }

// Kind implements Call.
func (SetDelegateTake) Kind() CallKind { return KindSetDelegateTake }

// Kind implements Call.
func (SetWeights) Kind() CallKind { return KindSetWeights }

// Kind implements Call.
func (CommitWeights) Kind() CallKind { return KindCommitWeights }

// Kind implements Call.
func (RevealWeights) Kind() CallKind { return KindRevealWeights }

// Encode implements Call.
func (c SudoSet) Encode(w *codec.Writer) { w.U16(c.Netuid); w.String(c.Param); w.U64(c.Value) }

// Encode implements Call.
func (c CreateSubnet) Encode(w *codec.Writer) { w.Fixed(c.Hotkey[:]) }

// Encode implements Call.
func (c SetHyperparameter) Encode(w *codec.Writer) {
	w.U16(c.Netuid)
	w.String(c.Param)
	w.U64(c.Value)
}

// Encode implements Call.
func (c BurnedRegister) Encode(w *codec.Writer) { w.U16(c.Netuid); w.Fixed(c.Hotkey[:]) }

// Encode implements Call.
func (c ServeAxon) Encode(w *codec.Writer) {
	w.U16(c.Netuid)
	w.U32(c.Version)
	w.Fixed(c.IP[:])
	w.U16(c.Port)
	w.U8(c.IPType)
	w.U8(c.Protocol)
}

// Encode implements Call.
func (c AddStake) Encode(w *codec.Writer) { w.Fixed(c.Hotkey[:]); w.U16(c.Netuid); w.U64(c.Amount) }

// Encode implements Call.
func (c RemoveStake) Encode(w *codec.Writer) { w.Fixed(c.Hotkey[:]); w.U16(c.Netuid); w.U64(c.Amount) }

// Encode implements Call.
func (c MoveStake) Encode(w *codec.Writer) {
	w.Fixed(c.FromHotkey[:])
	w.Fixed(c.ToHotkey[:])
	w.U16(c.FromNetuid)
	w.U16(c.ToNetuid)
	w.U64(c.Amount)
}

// Encode implements Call.
func (c SetDelegateTake) Encode(w *codec.Writer) { w.Fixed(c.Hotkey[:]); w.U16(c.Take) }

// Encode implements Call.
func (c SetWeights) Encode(w *codec.Writer) {
	w.U16(c.Netuid)
	writeU16s(w, c.Uids)
	writeU16s(w, c.Weights)
	w.U64(c.VersionKey)
}

// Encode implements Call.
func (c CommitWeights) Encode(w *codec.Writer) { w.U16(c.Netuid); w.Bytes32(c.Hash) }

// Encode implements Call.
func (c RevealWeights) Encode(w *codec.Writer) {
	w.U16(c.Netuid)
	writeU16s(w, c.Uids)
	writeU16s(w, c.Weights)
	writeU16s(w, c.Salt)
	w.U64(c.VersionKey)
}

func writeU16s(w *codec.Writer, v []uint16) {
	w.U32(uint32(len(v)))
	for _, x := range v {
		w.U16(x)
	}
}

// readU16s reads a u32-length-prefixed u16 list; it never allocates more than
// the input can hold.
func readU16s(r *codec.Reader, what string) []uint16 {
	n := r.Len(MaxUIDList, what)
	if r.Err() != nil {
		return nil
	}
	if n*2 > r.Remaining() {
		r.Fixed(n * 2) // fails with the codec's truncation error
		return nil
	}
	out := make([]uint16, n)
	for i := range out {
		out[i] = r.U16()
	}
	return out
}

func decodeSudoSet(r *codec.Reader) Call {
	return SudoSet{Netuid: r.U16(), Param: r.String(MaxParamName, "parameter name"), Value: r.U64()}
}

func decodeCreateSubnet(r *codec.Reader) Call { return CreateSubnet{Hotkey: r.Bytes32()} }

func decodeSetHyperparameter(r *codec.Reader) Call {
	return SetHyperparameter{Netuid: r.U16(), Param: r.String(MaxParamName, "parameter name"), Value: r.U64()}
}

func decodeBurnedRegister(r *codec.Reader) Call {
	return BurnedRegister{Netuid: r.U16(), Hotkey: r.Bytes32()}
}

func decodeServeAxon(r *codec.Reader) Call {
	c := ServeAxon{Netuid: r.U16(), Version: r.U32()}
	copy(c.IP[:], r.Fixed(16))
	c.Port, c.IPType, c.Protocol = r.U16(), r.U8(), r.U8()
	return c
}

func decodeAddStake(r *codec.Reader) Call {
	return AddStake{Hotkey: r.Bytes32(), Netuid: r.U16(), Amount: r.U64()}
}

func decodeRemoveStake(r *codec.Reader) Call {
	return RemoveStake{Hotkey: r.Bytes32(), Netuid: r.U16(), Amount: r.U64()}
}

func decodeMoveStake(r *codec.Reader) Call {
	return MoveStake{FromHotkey: r.Bytes32(), ToHotkey: r.Bytes32(), FromNetuid: r.U16(), ToNetuid: r.U16(), Amount: r.U64()}
}

func decodeSetDelegateTake(r *codec.Reader) Call {
	return SetDelegateTake{Hotkey: r.Bytes32(), Take: r.U16()}
}

func decodeSetWeights(r *codec.Reader) Call {
	return SetWeights{Netuid: r.U16(), Uids: readU16s(r, "uids"), Weights: readU16s(r, "weights"), VersionKey: r.U64()}
}

func decodeCommitWeights(r *codec.Reader) Call {
	return CommitWeights{Netuid: r.U16(), Hash: r.Bytes32()}
}

func decodeRevealWeights(r *codec.Reader) Call {
	return RevealWeights{Netuid: r.U16(), Uids: readU16s(r, "uids"), Weights: readU16s(r, "weights"),
		Salt: readU16s(r, "salt"), VersionKey: r.U64()}
}
