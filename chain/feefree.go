package chain

import (
	"errors"
	"fmt"

	"github.com/taorun/taorun/chain/state"
	"github.com/taorun/taorun/chain/subnet"
	"github.com/taorun/taorun/chain/tx"
	"github.com/taorun/taorun/chain/types"
)

// ErrFeeFreeRefused is the validity error of a fee-free transaction (see the
// package comment, "Fee-free calls") whose call would not pass its own checks
// now, or whose signer already had a fee-free transaction on the same subnet
// in the block. The error names the call and wraps the check's own error
// (subnet.ErrNotRegistered, subnet.ErrRateLimited, ...).
var ErrFeeFreeRefused = errors.New("fee-free call refused")

// admission runs the up-front checks of a fee-free call signed by signer
// against r at height (package chain/subnet's Admit functions), writing
// nothing. Consensus-critical.
type admission func(r state.Reader, signer types.AccountID, call tx.Call, height uint64) error

// admissions is the validity side of the call table's FeeFree column: one
// entry per call kind marked FeeFree in package tx (a test checks both ways).
// Each admits exactly when the call's own chain checks pass, so a valid
// fee-free transaction can only fail on the subnet module's verdict.
var admissions = map[tx.CallKind]admission{
	tx.KindServeAxon: func(r state.Reader, signer types.AccountID, call tx.Call, height uint64) error {
		c := call.(tx.ServeAxon)
		return subnet.AdmitServeAxon(r, signer, c.Netuid, subnet.Axon{Version: c.Version, IP: c.IP, Port: c.Port, IPType: c.IPType,
			Protocol: c.Protocol}, height)
	},
	tx.KindSetWeights: func(r state.Reader, signer types.AccountID, call tx.Call, height uint64) error {
		c := call.(tx.SetWeights)
		return subnet.AdmitSetWeights(r, signer, c.Netuid, c.Uids, c.Weights, c.VersionKey, height)
	},
	tx.KindCommitWeights: func(r state.Reader, signer types.AccountID, call tx.Call, height uint64) error {
		c := call.(tx.CommitWeights)
		return subnet.AdmitCommitWeights(r, signer, c.Netuid, height)
	},
	tx.KindRevealWeights: func(r state.Reader, signer types.AccountID, call tx.Call, height uint64) error {
		c := call.(tx.RevealWeights)
		return subnet.AdmitRevealWeights(r, signer, c.Netuid, c.Uids, c.Weights, c.Salt, c.VersionKey, height)
	},
}

// feeFreeSlot is one signer's fee-free allowance on one subnet in a block.
type feeFreeSlot struct {
	signer types.AccountID
	netuid uint16
}

// feeFreeSlots records the slots the block's fee-free transactions used
// (nil in CheckTx, which sees no block). Only membership is ever read, never
// iteration order, so it is deterministic.
type feeFreeSlots map[feeFreeSlot]struct{}

// admitFeeFree decides whether t, a fee-free transaction on netuid, may be
// included at height over r: its signer must not have used its slot on
// netuid in this block (used; nil: not checked), and the call's admission
// must pass. On success the slot is recorded in used.
func admitFeeFree(r state.Reader, t *tx.Tx, netuid uint16, height uint64, used feeFreeSlots) error {
	name := tx.Name(t.Call.Kind())
	slot := feeFreeSlot{t.Signer, netuid}
	if _, taken := used[slot]; taken {
		return fmt.Errorf("%w: %s: %s already sent a fee-free transaction on subnet %d in this block", ErrFeeFreeRefused, name, t.Signer.SS58(), netuid)
	}
	if err := admissions[t.Call.Kind()](r, t.Signer, t.Call, height); err != nil {
		return fmt.Errorf("%w: %s with fee %d rao (below the %d rao minimum) needs its call's checks to pass: %w",
			ErrFeeFreeRefused, name, t.Fee, tx.MinFee(t), err)
	}
	if used != nil {
		used[slot] = struct{}{}
	}
	return nil
}

// hookFeesWaived runs a fee-free call's subnet module hooks with their gas
// fee waived: the hotkey may hold no balance at all, and the work is bounded
// by the admission (the weights rate limit, one fee-free transaction per
// signer and subnet per block) and the hook's own gas limit instead.
type hookFeesWaived struct{ subnet.ModuleHooks }

// ValidateWeights implements subnet.ModuleHooks: the inner verdict with no fee.
func (h hookFeesWaived) ValidateWeights(o *state.Overlay, c subnet.WeightsCall) (subnet.WeightsVerdict, error) {
	v, err := h.ModuleHooks.ValidateWeights(o, c)
	v.Fee = 0
	return v, err
}
