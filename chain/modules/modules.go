// Package modules is the on-chain side of subnet modules: the content-addressed
// store of uploaded WebAssembly modules, each subnet's module record (active
// module, pending activation, history), the per-subnet hook gas settings, the
// module storage the hooks read and write, and the execution (Modules.Apply)
// of the three transactions that manage them (tx.UploadModule,
// tx.ActivateModule, tx.DeactivateModule, defined in package tx).
//
// # State layout (under state.PrefixModule, 0x16)
//
//	0x16 0x01 ‖ id(32)              original module bytes; id = sha256(bytes)
//	0x16 0x02 ‖ netuid u16          Record (codec, see Record.encode)
//	0x16 0x03 ‖ netuid u16 ‖ key    module storage value (key ≤ host.MaxStateKeyBytes)
//	0x16 0x04 ‖ netuid u16          HookGas (3 × u64), absent = defaults
//
// # Invariants
//
//   - Consensus-critical: every function here is deterministic (no map
//     iteration, no clock; iteration is key order) and reads and writes only
//     the overlay it is given.
//   - An operation that fails leaves the overlay exactly as it was: every
//     check (owner, policy, balance, block) runs before the first write.
//   - Only modules that passed plugins.Prepare under the chain's Limits are
//     stored; the stored bytes are the original, the instrumented form is
//     derived by every node (plugins/registry).
//   - A pending activation takes effect at the start of its block: ActiveModule
//     applies it on read, and BeginBlock (run first in every block) writes the
//     promotion, so both give the same answer at every height. Operations on a
//     record promote a due activation before changing anything.
//   - Hook gas limits are at least 1 and at most MaxHookGas; on_epoch hooks of
//     one block share OnEpochBlockBudget gas (EpochBudget).
package modules

import (
	"errors"
	"fmt"

	"github.com/taorun/taorun/chain/state"
	"github.com/taorun/taorun/chain/types"
)

// ModuleID is a module's identity: the SHA-256 of its original bytes.
type ModuleID = [32]byte

// Sub-prefixes after state.PrefixModule.
const (
	subCode    byte = 0x01
	subRecord  byte = 0x02
	subStorage byte = 0x03
	subGas     byte = 0x04
)

func codeKey(id ModuleID) []byte { return state.Key(state.PrefixModule, []byte{subCode}, id[:]) }
func recordKey(netuid uint16) []byte {
	return state.Key(state.PrefixModule, []byte{subRecord}, state.BE16(netuid))
}
func gasKey(netuid uint16) []byte {
	return state.Key(state.PrefixModule, []byte{subGas}, state.BE16(netuid))
}
func storagePrefix(netuid uint16) []byte {
	return state.Key(state.PrefixModule, []byte{subStorage}, state.BE16(netuid))
}

// Upload fee: burned from the uploader's free balance on top of the
// transaction fee, for keeping the bytes in state forever.
const (
	// UploadBaseFee is charged per stored module, in rao (0.1 TAO).
	UploadBaseFee = 100_000_000
	// UploadFeePerByte is charged per byte of module code, in rao.
	UploadFeePerByte = 1_000
)

// UploadFee returns the fee, in rao, of storing a module of n bytes:
// UploadBaseFee + UploadFeePerByte × n. n is bounded by the upload limits
// (tx.MaxCodeBytes), so the product cannot overflow.
func UploadFee(n int) uint64 { return UploadBaseFee + UploadFeePerByte*uint64(n) }

// Errors. Operation errors wrap one of them; their texts end up in receipts.
var (
	ErrNoSubnet      = errors.New("subnet does not exist")
	ErrNotOwner      = errors.New("signer is not the subnet owner")
	ErrRejected      = errors.New("module rejected")
	ErrNoModule      = errors.New("module not found")
	ErrNotFuture     = errors.New("activation block is not in the future")
	ErrInactive      = errors.New("subnet has no active or pending module")
	ErrBalance       = errors.New("insufficient balance")
	ErrGasLimit      = errors.New("hook gas limit out of range")
	ErrStorageBounds = errors.New("module storage key or value too long")
)

// OwnerFunc returns the owner (coldkey) of subnet netuid and whether the
// subnet exists. Package chain/subnet provides it:
//
//	func(r state.Reader, n uint16) (types.AccountID, bool, error) {
//		in, ok, err := subnet.Owner(r, n)
//		return in.OwnerColdkey, ok, err
//	}
type OwnerFunc func(r state.Reader, netuid uint16) (owner types.AccountID, exists bool, err error)

// checkOwner returns nil if signer owns netuid.
func checkOwner(owner OwnerFunc, r state.Reader, netuid uint16, signer types.AccountID) error {
	o, ok, err := owner(r, netuid)
	switch {
	case err != nil:
		return err
	case !ok:
		return fmt.Errorf("%w: %d", ErrNoSubnet, netuid)
	case o != signer:
		return fmt.Errorf("%w of %d", ErrNotOwner, netuid)
	}
	return nil
}

// Code returns the original bytes of module id, if stored.
func Code(r state.Reader, id ModuleID) ([]byte, bool, error) { return r.Get(codeKey(id)) }

// HasCode reports whether module id is stored.
func HasCode(r state.Reader, id ModuleID) (bool, error) {
	_, ok, err := r.Get(codeKey(id))
	return ok, err
}
