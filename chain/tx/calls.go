package tx

import (
	"fmt"

	"github.com/taorun/taorun/chain/codec"
	"github.com/taorun/taorun/chain/types"
)

// CallKind identifies a call; it is the u16 after the fee in the encoding.
// Numbers are never reused.
type CallKind uint16

// Call kinds. Balances and sudo are 1–9, subnets, neurons, staking and
// weights 10–29 (see subnet_calls.go), modules 30–39 (see module_calls.go).
const (
	KindTransfer CallKind = 1
	KindSudoMint CallKind = 2
	KindSudoSet  CallKind = 3

	KindCreateSubnet      CallKind = 10
	KindSetHyperparameter CallKind = 11
	KindBurnedRegister    CallKind = 12
	KindServeAxon         CallKind = 13
	KindAddStake          CallKind = 14
	KindRemoveStake       CallKind = 15
	KindMoveStake         CallKind = 16
	KindSetDelegateTake   CallKind = 17
	KindSetWeights        CallKind = 18
	KindCommitWeights     CallKind = 19
	KindRevealWeights     CallKind = 20
	// KindSwapHotkey is swap_hotkey (swap_calls.go).
	KindSwapHotkey CallKind = 21
)

// Call is the payload of a transaction.
type Call interface {
	// Kind returns the call kind.
	Kind() CallKind
	// Encode writes the call's arguments canonically.
	Encode(w *codec.Writer)
}

// Spec describes one call kind: its name (as shown in receipts and RPC), its
// base fee, whether only the sudo account may submit it, the largest encoded
// transaction that may carry it, its decoder, and whether it may go fee-free.
type Spec struct {
	Kind    CallKind
	Name    string
	BaseFee uint64 // rao, added to FeePerByte × size
	Sudo    bool
	// MaxBytes bounds the whole encoded transaction carrying this call
	// (MaxTxBytes for every call but upload_module; never above
	// MaxAnyTxBytes).
	MaxBytes int
	// Decode reads the arguments; errors go through r (the caller checks r.Done).
	Decode func(r *codec.Reader) Call
	// FeeFree, when set, marks a call that a hotkey registered on a subnet
	// may send without the fee, as subtensor's Pays::No calls (see
	// FeeFreeNetuid): it returns that subnet, the call's netuid. Package
	// chain then requires the call's own checks to pass before inclusion
	// instead (its admissions table; a test checks that every such entry
	// has one).
	FeeFree func(c Call) (netuid uint16)
}

// specs is the call table, in kind order. Adding a call = one entry here plus
// its handler in package chain (a test checks that every entry has one).
// The fee-free calls are subtensor's Pays::No ones that taorun has:
// serve_axon, set_weights, commit_weights and reveal_weights.
var specs = []Spec{
	{KindTransfer, "transfer", 100_000, false, MaxTxBytes, decodeTransfer, nil},
	{KindSudoMint, "sudo_mint", 0, true, MaxTxBytes, decodeSudoMint, nil},
	{KindSudoSet, "sudo_set", 0, true, MaxTxBytes, decodeSudoSet, nil},
	{KindCreateSubnet, "register_network", 100_000, false, MaxTxBytes, decodeCreateSubnet, nil},
	{KindSetHyperparameter, "set_hyperparameter", 100_000, false, MaxTxBytes, decodeSetHyperparameter, nil},
	{KindBurnedRegister, "burned_register", 100_000, false, MaxTxBytes, decodeBurnedRegister, nil},
	{KindServeAxon, "serve_axon", 100_000, false, MaxTxBytes, decodeServeAxon, func(c Call) uint16 { return c.(ServeAxon).Netuid }},
	{KindAddStake, "add_stake", 100_000, false, MaxTxBytes, decodeAddStake, nil},
	{KindRemoveStake, "remove_stake", 100_000, false, MaxTxBytes, decodeRemoveStake, nil},
	{KindMoveStake, "move_stake", 100_000, false, MaxTxBytes, decodeMoveStake, nil},
	{KindSetDelegateTake, "set_delegate_take", 100_000, false, MaxTxBytes, decodeSetDelegateTake, nil},
	{KindSetWeights, "set_weights", 100_000, false, MaxTxBytes, decodeSetWeights, func(c Call) uint16 { return c.(SetWeights).Netuid }},
	{KindCommitWeights, "commit_weights", 100_000, false, MaxTxBytes, decodeCommitWeights, func(c Call) uint16 { return c.(CommitWeights).Netuid }},
	{KindRevealWeights, "reveal_weights", 100_000, false, MaxTxBytes, decodeRevealWeights, func(c Call) uint16 { return c.(RevealWeights).Netuid }},
	{KindSwapHotkey, "swap_hotkey", 100_000, false, MaxTxBytes, decodeSwapHotkey, nil},
	{KindSetChildren, "set_children", 100_000, false, MaxTxBytes, decodeSetChildren, nil},
	{KindSetChildkeyTake, "set_childkey_take", 100_000, false, MaxTxBytes, decodeSetChildkeyTake, nil},
	{KindUploadModule, "upload_module", 100_000, false, MaxUploadTxBytes, decodeUploadModule, nil},
	{KindActivateModule, "activate_module", 100_000, false, MaxTxBytes, decodeActivateModule, nil},
	{KindDeactivateModule, "deactivate_module", 100_000, false, MaxTxBytes, decodeDeactivateModule, nil},
}

var byKind = func() map[CallKind]Spec {
	m := make(map[CallKind]Spec, len(specs))
	for _, s := range specs {
		if _, dup := m[s.Kind]; dup {
			panic(fmt.Sprintf("tx: call kind %d registered twice", s.Kind))
		}
		if s.MaxBytes <= 0 || s.MaxBytes > MaxAnyTxBytes {
			panic(fmt.Sprintf("tx: call kind %d bound %d outside 1..MaxAnyTxBytes", s.Kind, s.MaxBytes))
		}
		m[s.Kind] = s
	}
	return m
}()

// Lookup returns the spec of a call kind.
func Lookup(k CallKind) (Spec, bool) {
	s, ok := byKind[k]
	return s, ok
}

// Specs returns the call table in kind order (a copy).
func Specs() []Spec { return append([]Spec(nil), specs...) }

// Name returns the call's table name, or "kind N" for an unknown kind.
func Name(k CallKind) string {
	if s, ok := Lookup(k); ok {
		return s.Name
	}
	return fmt.Sprintf("kind %d", k)
}

// Transfer moves Amount rao of free balance from the signer to To.
type Transfer struct {
	To     types.AccountID
	Amount uint64
}

// Kind implements Call.
func (Transfer) Kind() CallKind { return KindTransfer }

// Encode implements Call.
func (c Transfer) Encode(w *codec.Writer) { w.Fixed(c.To[:]); w.U64(c.Amount) }

func decodeTransfer(r *codec.Reader) Call { return Transfer{To: r.Bytes32(), Amount: r.U64()} }

// SudoMint (sudo only) creates Amount new rao in To's free balance, raising
// total issuance by the same amount; it fails past the 21M TAO cap.
type SudoMint struct {
	To     types.AccountID
	Amount uint64
}

// Kind implements Call.
func (SudoMint) Kind() CallKind { return KindSudoMint }

// Encode implements Call.
func (c SudoMint) Encode(w *codec.Writer) { w.Fixed(c.To[:]); w.U64(c.Amount) }

func decodeSudoMint(r *codec.Reader) Call { return SudoMint{To: r.Bytes32(), Amount: r.U64()} }
