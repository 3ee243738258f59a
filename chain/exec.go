package chain

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/taorun/taorun/chain/block"
	"github.com/taorun/taorun/chain/state"
	"github.com/taorun/taorun/chain/tx"
	"github.com/taorun/taorun/chain/types"
)

// Transaction errors. Validity errors (the first group) make a tx invalid: it
// is refused by CheckTx, left out of proposals, and has no effect at all.
// Dispatch errors (the second group) come from the call itself: the tx is
// included, pays its fee (a fee-free one: its tip, if any) and consumes its
// nonce, and the call's writes are discarded. ErrFeeFreeRefused (feefree.go)
// is a validity error too. Errors returned by this package wrap one of
// these, with details.
var (
	ErrWrongGenesis    = errors.New("wrong genesis hash")
	ErrBadSignature    = errors.New("bad signature")
	ErrNonceTooLow     = errors.New("nonce too low")
	ErrNonceTooHigh    = errors.New("nonce too high")
	ErrFeeTooLow       = errors.New("fee below minimum")
	ErrCannotPayFee    = errors.New("insufficient balance for fee")
	ErrUnknownAccount  = errors.New("unknown account (no balance, no transactions)")
	ErrUnsupportedCall = errors.New("call not supported")

	ErrInsufficientBalance = errors.New("insufficient balance")
	ErrExistentialDeposit  = errors.New("below existential deposit")
	ErrZeroAmount          = errors.New("amount is zero")
	ErrNotSudo             = errors.New("signer is not the sudo account")
	ErrSupplyCap           = errors.New("supply cap exceeded")
	ErrOverflow            = errors.New("balance overflow")
)

// MaxNonceAhead is how far past an account's nonce CheckTx accepts a tx (it
// waits in the mempool for the gap to fill).
const MaxNonceAhead = 256

// CallContext is what a call handler sees. Handlers read and write State only
// (a child overlay that is discarded if they return an error), and must be
// deterministic (see DESIGN.md).
type CallContext struct {
	State    *state.Overlay
	Signer   types.AccountID
	Height   uint64
	Time     int64 // block time, Unix ms
	Proposer types.AccountID
	events   []block.Event
	// mods runs the subnet module hooks of the block (nil: none).
	mods *blockModules
	// feeFree marks a fee-free transaction's call: its module hook fees are
	// waived (subnetOps).
	feeFree bool
}

// Emit records an event in the tx's receipt (dropped if the call fails).
func (c *CallContext) Emit(typ string, attrs ...block.Attr) {
	c.events = append(c.events, block.Event{Type: typ, Attrs: attrs})
}

// handler applies one decoded call.
type handler func(ctx *CallContext, call tx.Call) error

// handlers is the execution side of the call table in package tx (which holds
// names, decoders and base fees); sudo-only kinds are checked before the
// handler runs. Consensus-critical.
var handlers = map[tx.CallKind]handler{
	tx.KindTransfer: applyTransfer,
	tx.KindSudoMint: applySudoMint,
	// Subnets, neurons, staking, weights: subnet_exec.go over package chain/subnet.
	tx.KindSudoSet:           applySudoSet,
	tx.KindCreateSubnet:      applyCreateSubnet,
	tx.KindSetHyperparameter: applySetHyperparameter,
	tx.KindBurnedRegister:    applyBurnedRegister,
	tx.KindServeAxon:         applyServeAxon,
	tx.KindAddStake:          applyAddStake,
	tx.KindRemoveStake:       applyRemoveStake,
	tx.KindMoveStake:         applyMoveStake,
	tx.KindSetDelegateTake:   applySetDelegateTake,
	tx.KindSetWeights:        applySetWeights,
	tx.KindCommitWeights:     applyCommitWeights,
	tx.KindRevealWeights:     applyRevealWeights,
	tx.KindSwapHotkey:        applySwapHotkey, // swap_exec.go
	tx.KindSetChildren:       applySetChildren,
	tx.KindSetChildkeyTake:   applySetChildkeyTake,
	// Modules: module_exec.go over package chain/modules.
	tx.KindUploadModule:     applyModuleCall,
	tx.KindActivateModule:   applyModuleCall,
	tx.KindDeactivateModule: applyModuleCall,
}

func attrU64(k string, v uint64) block.Attr {
	return block.Attr{Key: k, Value: strconv.FormatUint(v, 10)}
}

// credit adds amount to to's balance, enforcing the existential deposit.
func credit(o *state.Overlay, to types.AccountID, amount uint64) error {
	bal, err := state.Balance(o, to)
	if err != nil {
		return err
	}
	if bal+amount < bal {
		return ErrOverflow
	}
	if bal+amount < ExistentialDeposit {
		return fmt.Errorf("%w: recipient would hold %d rao, minimum %d", ErrExistentialDeposit, bal+amount, ExistentialDeposit)
	}
	state.SetBalance(o, to, bal+amount)
	return nil
}

func applyTransfer(ctx *CallContext, call tx.Call) error {
	c := call.(tx.Transfer)
	if c.Amount == 0 {
		return ErrZeroAmount
	}
	bal, err := state.Balance(ctx.State, ctx.Signer)
	if err != nil {
		return err
	}
	if bal < c.Amount {
		return fmt.Errorf("%w: have %d rao, transfer needs %d", ErrInsufficientBalance, bal, c.Amount)
	}
	state.SetBalance(ctx.State, ctx.Signer, bal-c.Amount)
	if err := credit(ctx.State, c.To, c.Amount); err != nil {
		return err
	}
	ctx.Emit("transfer", block.Attr{Key: "from", Value: ctx.Signer.SS58()},
		block.Attr{Key: "to", Value: c.To.SS58()}, attrU64("amount", c.Amount))
	return nil
}

func applySudoMint(ctx *CallContext, call tx.Call) error {
	c := call.(tx.SudoMint)
	if c.Amount == 0 {
		return ErrZeroAmount
	}
	iss, err := state.TotalIssuance(ctx.State)
	if err != nil {
		return err
	}
	if c.Amount > MaxSupply-iss {
		return fmt.Errorf("%w: issuance %d + %d > %d rao", ErrSupplyCap, iss, c.Amount, uint64(MaxSupply))
	}
	if err := credit(ctx.State, c.To, c.Amount); err != nil {
		return err
	}
	state.SetTotalIssuance(ctx.State, iss+c.Amount)
	ctx.Emit("mint", block.Attr{Key: "to", Value: c.To.SS58()}, attrU64("amount", c.Amount))
	return nil
}

// checkValidity runs the checks that decide whether t may be included at all,
// against r at block height: genesis, fee floor, signature (sigOK, computed
// by the caller, possibly in parallel), exact nonce (or, with ahead > 0, a
// nonce up to ahead past it) and the balance to pay the fee. A fee-free
// transaction (tx.FeeFreeNetuid) skips the fee floor and must instead pass
// admitFeeFree (used: the block's fee-free slots, nil in CheckTx); feeFree
// reports that it is one.
func (c *Chain) checkValidity(r state.Reader, t *tx.Tx, sigOK bool, ahead, height uint64, used feeFreeSlots) (feeFree bool, err error) {
	if t.Genesis != c.genesisHash {
		return false, fmt.Errorf("%w: tx is for %s, this chain is %s", ErrWrongGenesis, t.Genesis, c.genesisHash)
	}
	if _, ok := handlers[t.Call.Kind()]; !ok {
		return false, fmt.Errorf("%w: %s", ErrUnsupportedCall, tx.Name(t.Call.Kind()))
	}
	netuid, feeFree := tx.FeeFreeNetuid(t)
	if min := tx.MinFee(t); t.Fee < min && !feeFree {
		return false, fmt.Errorf("%w: fee %d rao, minimum %d", ErrFeeTooLow, t.Fee, min)
	}
	if !sigOK {
		return false, ErrBadSignature
	}
	nonce, err := state.Nonce(r, t.Signer)
	if err != nil {
		return false, err
	}
	switch {
	case t.Nonce < nonce:
		return false, fmt.Errorf("%w: tx nonce %d, account nonce %d", ErrNonceTooLow, t.Nonce, nonce)
	case t.Nonce > nonce+ahead:
		return false, fmt.Errorf("%w: tx nonce %d, account nonce %d", ErrNonceTooHigh, t.Nonce, nonce)
	}
	bal, err := state.Balance(r, t.Signer)
	if err != nil {
		return false, err
	}
	if bal < t.Fee {
		if bal == 0 && nonce == 0 {
			return false, fmt.Errorf("%w: %s cannot pay the %d rao fee", ErrUnknownAccount, t.Signer.SS58(), t.Fee)
		}
		return false, fmt.Errorf("%w: have %d rao, fee %d", ErrCannotPayFee, bal, t.Fee)
	}
	if feeFree {
		// Last: the most expensive check, and the only one that uses the
		// block's slot.
		if err := admitFeeFree(r, t, netuid, height, used); err != nil {
			return false, err
		}
	}
	return feeFree, nil
}

// applyTx executes one tx on blk and returns its receipt (Height, Index and
// TxHash are filled by the caller) and, for an invalid tx, the validity error.
// Consensus-critical. An invalid tx leaves blk untouched; otherwise the fee is
// burned and the nonce bumped, and the call's writes are kept only if it
// succeeds. A fee-free tx pays only its tip (nothing when its fee is 0: no
// balance write at all, so a hotkey that never held TAO gets just its nonce
// record) and runs its module hooks with their gas fee waived. The error
// result is for storage failures and node faults (ErrNodeFault) only.
func (c *Chain) applyTx(blk *state.Overlay, bc *BlockContext, t *tx.Tx, sigOK bool) (*block.Receipt, error, error) {
	feeFree, err := c.checkValidity(blk, t, sigOK, 0, bc.Height, bc.feeFree)
	if err != nil {
		return &block.Receipt{Status: block.StatusInvalid, Error: err.Error()}, err, nil
	}
	fo := blk.Child()
	if t.Fee > 0 {
		bal, err := state.Balance(fo, t.Signer)
		if err != nil {
			return nil, nil, err
		}
		burned, err := state.Burned(fo)
		if err != nil {
			return nil, nil, err
		}
		state.SetBalance(fo, t.Signer, bal-t.Fee)
		state.SetBurned(fo, burned+t.Fee)
	}
	state.SetNonce(fo, t.Signer, t.Nonce+1)

	rc := &block.Receipt{Status: block.StatusSuccess, Fee: t.Fee}
	ctx := &CallContext{State: fo.Child(), Signer: t.Signer, Height: bc.Height, Time: bc.Time, Proposer: bc.Proposer, mods: bc.mods,
		feeFree: feeFree}
	if err := c.dispatch(ctx, t.Call); err != nil {
		if errors.Is(err, ErrNodeFault) {
			return nil, nil, err
		}
		rc.Status, rc.Error = block.StatusFailed, err.Error()
	} else {
		if err := ctx.State.Merge(); err != nil {
			return nil, nil, err
		}
		rc.Events = ctx.events
	}
	return rc, nil, fo.Merge()
}

// dispatch runs the call's handler after the sudo check.
func (c *Chain) dispatch(ctx *CallContext, call tx.Call) error {
	spec, _ := tx.Lookup(call.Kind())
	if spec.Sudo {
		sudo, ok, err := state.Sudo(ctx.State)
		if err != nil {
			return err
		}
		if !ok || sudo != ctx.Signer {
			return fmt.Errorf("%w: %s", ErrNotSudo, spec.Name)
		}
	}
	return handlers[call.Kind()](ctx, call)
}
