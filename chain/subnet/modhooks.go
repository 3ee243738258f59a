package subnet

import (
	"errors"

	"github.com/taorun/taorun/chain/state"
	"github.com/taorun/taorun/chain/types"
)

// ErrModuleRejected is returned when the subnet's module refuses a weights
// submission (validate_weights) or a registration (on_register); the error
// text carries the module's reason.
var ErrModuleRejected = errors.New("refused by the subnet module")

// ModuleHooks runs the chain-side hooks of a subnet's active module
// (docs/abi.md §3) for the operations of this package. Package chain
// implements it over chain/modules (this package does not import either).
// Each method runs on the operation's own child overlay o, so the module's
// storage writes are kept only when the operation succeeds; a subnet without
// an active module gets the defaults (accept, allow, keep Yuma's split). The
// error result is a node fault (storage, a stored module that no longer
// loads): the operation returns it unchanged and the chain aborts the block.
// Implementations must be deterministic functions of o and the call.
type ModuleHooks interface {
	ValidateWeights(o *state.Overlay, c WeightsCall) (WeightsVerdict, error)
	OnRegister(o *state.Overlay, c RegisterCall) (RegisterVerdict, error)
	OnEpoch(o *state.Overlay, c EpochCall) (EpochVerdict, error)
}

// WeightsCall is a weights submission that passed every check of the chain.
// Uids are unique and below SubnetN, in submission order, with Values[i] the
// submitted (not upscaled) value of Uids[i].
type WeightsCall struct {
	Netuid       uint16
	Height       uint64
	CallerUID    uint16
	CallerHotkey types.AccountID
	VersionKey   uint64
	SubnetN      uint16
	Uids, Values []uint16
}

// WeightsVerdict is validate_weights' outcome. Adjust replaces the weights
// by (Uids, Values), which go through every check again. Fee is the rao the
// caller pays (burned) for the hook's gas; it is charged only when the
// weights are stored.
type WeightsVerdict struct {
	Reject       bool
	Reason       string
	Adjust       bool
	Uids, Values []uint16
	Fee          uint64
}

// RegisterCall is a burned registration that passed every check of the
// chain: UID is the uid it would take (a new one, or the pruned one).
type RegisterCall struct {
	Netuid   uint16
	Height   uint64
	Hotkey   types.AccountID
	Coldkey  types.AccountID
	UID      uint16
	BurnPaid uint64
}

// RegisterVerdict is on_register's outcome; Fee is the rao the coldkey pays
// (burned) for the hook's gas when the registration goes ahead.
type RegisterVerdict struct {
	Deny   bool
	Reason string
	Fee    uint64
}

// EpochNeuron is one uid's row of an epoch as on_epoch sees it: its stake
// and Yuma's outputs for it.
type EpochNeuron struct {
	UID                               uint16
	Hotkey                            types.AccountID
	Stake                             uint64
	Incentive, Dividends              uint16
	ServerEmission, ValidatorEmission uint64
	Active, ValidatorPermit           bool
}

// EpochCall is one subnet's epoch after Yuma Consensus, before payouts;
// Neurons are in uid order.
type EpochCall struct {
	Netuid      uint16
	Height      uint64
	RaoEmission uint64
	Neurons     []EpochNeuron
}

// EpochVerdict is on_epoch's outcome. With Resplit, ServerEmission (one
// amount per neuron, in uid order, summing to Yuma's miner emission — the
// implementation checks it) replaces Yuma's miner split; otherwise Yuma's
// split stands.
type EpochVerdict struct {
	Resplit        bool
	ServerEmission []uint64
}

// Hooked holds the operations that call a subnet module's chain-side hooks
// through Modules: SetWeights and RevealWeights run validate_weights,
// BurnedRegister runs on_register, BlockStep runs on_epoch in every epoch.
// With Modules nil they are exactly the package functions of the same names
// (which are Hooked{}'s). Consensus-critical.
type Hooked struct {
	Modules ModuleHooks
	// EpochTimer, when set, is called as each epoch of BlockStep starts and
	// the function it returns when that epoch (Yuma, on_epoch and payouts)
	// ends. It observes only (the node's epoch-time metric): nothing it does
	// may reach state, so it is outside consensus.
	EpochTimer func(netuid uint16) (done func())
}
