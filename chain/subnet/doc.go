// Package subnet is the chain's subnet state machine: subnets and their
// hyperparameters, neurons and registration, staking through dTAO pools,
// weights (direct and commit-reveal), and the per-block coinbase and epochs
// (spec yuma-emission.md §2.1, §2.14, §2.15, §3, §4).
//
// Every operation is a function on a *state.Overlay. It runs on a child
// overlay and merges it only on success, so a failed operation leaves state
// exactly as it was; errors wrap one of the Err* values below. The package
// does not import package chain (chain imports it): the chain's call
// handlers (chain/subnet_exec.go) call the operations, and BlockStep is the
// body of the chain's per-block hook.
//
// # Key layout (under the prefixes reserved in chain/state/keys.go)
//
//	0x10 netuid ‖ 0x00                    Info (owner coldkey, owner hotkey, registered at, lock cost)
//	0x10 netuid ‖ 0x01 ‖ param id         hyperparameter u64 (absent = default of the Params table)
//	0x10 netuid ‖ 0x02                    neuron count n u64
//	0x10 0xFFFF ‖ 0x01 / 0x02             last lock cost / block of the last subnet creation
//	0x10 0xFFFF ‖ 0x03                    registered netuids, ascending (u16 each)
//	0x10 0xFFFF ‖ 0x10..0x13              child key parameters u64 (absent = default; ChildParams)
//	0x11 netuid ‖ uid ‖ 0x00              Neuron (hotkey, coldkey, registration block, last update, axon)
//	0x11 netuid ‖ uid ‖ 0x01              Result of the last epoch for the uid
//	0x11 netuid ‖ 0xFFFF ‖ hotkey          uid u16
//	0x11 netuid ‖ 0xFFFE ‖ hotkey          pending children: cooldown block u64 ‖ list (children.go)
//	0x12 hotkey                           owner coldkey of the hotkey
//	0x12 hotkey ‖ 't'                     delegate take u16 (absent = DefaultDelegateTake)
//	0x12 account ‖ 'l'                    block of the account's last rate-limited tx u64 (hotkey swap; swap.go)
//	0x12 hotkey ‖ netuid                  total alpha staked to hotkey on netuid
//	0x12 hotkey ‖ netuid ‖ 'n'            coldkeys with stake on (hotkey, netuid), ascending
//	0x12 hotkey ‖ coldkey ‖ netuid         alpha of (hotkey, coldkey) on netuid (TAO for root)
//	0x12 hotkey ‖ 'k' ‖ netuid ‖ 'c' / 'p'  children / parents list [(proportion u64, hotkey)] (absent = none)
//	0x12 hotkey ‖ 'k' ‖ netuid ‖ 't'        childkey take u16 (absent = min_childkey_take)
//	0x12 hotkey ‖ 'k' ‖ netuid ‖ 'r' / 's'  block of the last set_children / set_childkey_take (stays with the hotkey in a swap)
//	0x13 netuid ‖ 0x01..0x03              pool: SubnetTAO, SubnetAlphaIn, SubnetAlphaOut (u64)
//	0x13 netuid ‖ 0x04                    moving price, I96F32 bits (lo u64 ‖ hi u64, little endian)
//	0x14 netuid ‖ uid                     weights row [(uid u16, value u16)]
//	0x14 netuid ‖ 0xFFFF ‖ hotkey          pending weights commit (hash, block, epoch index)
//	0x15 netuid ‖ uid                     bonds row
//	0x17 netuid ‖ field                   epoch bookkeeping, pending emission, burn, protocol alpha (see store.go)
//
// Root (netuid 0) always exists, has no neurons, and its pool holds the root
// TAO stake 1:1 (SubnetTAO[0] = SubnetAlphaOut[0] = Σ root stakes).
//
// # Invariants
//
//   - Supply: every rao of TAO is in a balance, a pool (SubnetTAO) or the
//     burned counter: TotalIssuance == Σ balances + PooledTAO + burned. The
//     coinbase mints (raises TotalIssuance) exactly the TAO it adds to pools:
//     tao_in, plus the "chain buy" (§3.4 item 6), the TAO emission the
//     root-proportion cap keeps out of tao_in, swapped into the pool for
//     alpha the protocol holds. TAO that would buy no alpha is not minted
//     (upstream mints and recycles it, which nets out the same).
//   - Alpha: for every subnet, SubnetAlphaOut == Σ stakes on it + its four
//     pending accumulators + its protocol alpha (chain buys). Alpha that
//     upstream recycles (owner-coldkey incentive, root dividends without a
//     root sell flag, rounding dust) is simply never added, so CheckAlpha
//     holds after every block.
//   - Totals: the per-hotkey total on a subnet equals the sum of its
//     (hotkey, coldkey) stakes there, and the nominator index of (hotkey,
//     netuid) lists exactly the coldkeys with non-zero stake there.
//   - Uids of a subnet are 0..n-1, each with exactly one hotkey, and the
//     hotkey → uid map is its inverse.
//   - Child keys (children.go, children_epoch.go): on every subnet, c is in
//     the children list of p with proportion x exactly when p is in the
//     parents list of c with proportion x; a children list has at most
//     MaxChildren entries, no duplicates, not its own hotkey, proportions
//     summing to at most 2^64-1, and no hotkey that is also a parent of
//     its owner; root has none. set_children only schedules a list; it is
//     checked again and applied (or dropped) in the first epoch block of
//     its subnet after its cooldown. In an epoch a uid weighs in with its
//     inherited alpha and root TAO (spec §2.1), which conserves the total
//     up to one rao of flooring per hotkey, and its dividend is split with
//     its parents by contribution of their own stake, less the childkey
//     take for parents of another coldkey (upstream's
//     get_parent_child_dividends_distribution with CKBurn 0), conserving
//     it up to one rao per parent; dividends are then priced against each
//     hotkey's own (not inherited) stake. With no child keys both are the
//     identity, so such epochs are bit-for-bit those without child keys.
//   - Hotkey swap (swap.go): every record keyed by a hotkey is either under
//     0x12 hotkey (moved by rewriting the key, value unchanged) or names it
//     in a per-subnet record (uid map, neuron, commit, subnet info, child
//     key links), which SwapHotkey rewrites on every subnet; after a swap no
//     key or value names the old hotkey but its set_children and
//     set_childkey_take rate-limit blocks, which stay with it as upstream's
//     do (so the new hotkey is not rate limited), and the new one must have
//     had no record under 0x12 but a last-tx block and such rate-limit
//     blocks. A record keyed by hotkey elsewhere must be added to SwapHotkey
//     (its test checks that nothing else names the old hotkey afterwards).
//     CheckUIDs checks the uid invariant.
//   - Stake threshold: remove_stake drops a hotkey's pending children list
//     on the subnet when its stake there is left below stake_threshold
//     (dropUnderstakedPending). As upstream, only remove_stake does: a
//     move_stake away does not, and applying a pending list does not check
//     the threshold again.
//   - Determinism: integer and fixed-point (package consensus/fixed) maths
//     only, iteration in key order, no clock but the block height. Every
//     function that runs inside a block is consensus-critical.
//   - Module hooks: Hooked{Modules} runs the subnet's module (ModuleHooks,
//     implemented by package chain) after the chain's own checks pass:
//     validate_weights in SetWeights and RevealWeights (reject fails the
//     operation, adjust stores the module's weights after checking them
//     again), on_register in BurnedRegister before the neuron is written
//     (deny fails it), on_epoch in each epoch after Yuma Consensus and
//     before the payouts (a resplit replaces the miners' incentive split,
//     conserving its total; validators' part is unchanged). The hooks run
//     on the operation's own overlay, so a refused operation leaves state as
//     it was, module storage included; the weights and registration hooks'
//     gas fee is burned from the sender. The package functions are Hooked{}'s
//     and run no module.
//   - Admission: AdmitSetWeights, AdmitCommitWeights, AdmitRevealWeights
//     and AdmitServeAxon run exactly the checks of their operations (shared
//     check functions), read-only; package chain uses them to admit the
//     fee-free transactions of registered hotkeys (admit.go). Commits are
//     rate limited like weights: a pending commit is replaced only once it
//     is weights_rate_limit blocks old.
//   - Cost: per-block work is a few reads per subnet, served from one
//     iteration of each per-subnet prefix (see prefetch.go); an epoch reads
//     its uids' records with one prefix iteration per kind and 256 uids (see
//     epochread.go), two stake totals and two child key lists per uid by
//     exact key (plus two stake totals per parent link and, in epoch blocks,
//     one iteration of the subnet's pending children), and pays each
//     validator's nominators, a loop bounded by the number of coldkeys
//     staking to that hotkey (upstream's share pools make it O(1); a cap or
//     share pool is future work).
package subnet

import (
	"errors"
	"math"
)

// Errors returned by the operations (wrapped with details).
var (
	ErrCorrupt              = errors.New("subnet: corrupt state")
	ErrNoSubnet             = errors.New("subnet does not exist")
	ErrTooManySubnets       = errors.New("no free netuid")
	ErrNotOwner             = errors.New("signer is not the subnet owner")
	ErrUnknownParam         = errors.New("unknown hyperparameter")
	ErrParamNotSettable     = errors.New("hyperparameter is not owner-settable")
	ErrParamOutOfBounds     = errors.New("hyperparameter value out of bounds")
	ErrInsufficientBalance  = errors.New("insufficient balance")
	ErrHotkeyOwned          = errors.New("hotkey belongs to another coldkey")
	ErrHotkeyUnknown        = errors.New("hotkey is not registered")
	ErrAlreadyRegistered    = errors.New("hotkey already registered on this subnet")
	ErrRegistrationClosed   = errors.New("registration is disabled on this subnet")
	ErrTooManyRegistrations = errors.New("too many registrations this block")
	ErrNotRegistered        = errors.New("hotkey not registered on this subnet")
	ErrRateLimited          = errors.New("rate limited")
	ErrBadAxon              = errors.New("invalid axon")
	ErrStakeTooLow          = errors.New("amount below minimum stake")
	ErrInsufficientStake    = errors.New("insufficient stake")
	ErrPoolEmpty            = errors.New("swap yields nothing")
	ErrTakeOutOfBounds      = errors.New("delegate take out of bounds")
	ErrWeights              = errors.New("invalid weights")
	ErrCommitReveal         = errors.New("commit-reveal")
	ErrZeroAmount           = errors.New("amount is zero")
)

// Chain constants (spec §3.1, §4).
const (
	// RaoPerTao is the number of rao in one TAO.
	RaoPerTao = 1_000_000_000
	// RootNetuid is the root network.
	RootNetuid uint16 = 0
	// MaxSubnets bounds the number of subnets (netuids 1..MaxSubnets).
	MaxSubnets = 1024
	// maxUIDsHardCap bounds max_allowed_uids (uid 0xFFFF is reserved in keys).
	maxUIDsHardCap uint16 = 4096
	// NetworkLockReductionInterval is the number of blocks over which the
	// doubled lock cost decays back by one last-lock.
	NetworkLockReductionInterval = 100_800
	// InitialBurn is the registration burn of a new subnet (rao).
	InitialBurn = 1 * RaoPerTao
	// MinStake is the smallest add/remove/move of stake (rao of TAO value).
	MinStake = 2_000_000
	// DefaultDelegateTake and MaxDelegateTake are u16 proportions (≈ 18 %).
	DefaultDelegateTake = 11_796
	// MaxDelegateTake is the largest delegate take (≈ 18 %).
	MaxDelegateTake = 11_796
	// MinDelegateTake is the smallest delegate take (upstream's
	// MinDelegateTake, 0).
	MinDelegateTake = 0
	// SubnetOwnerCut is the owner's share of alpha emission (u16 proportion, ≈ 18 %).
	SubnetOwnerCut = 11_796
	// MaxEpochsPerBlock caps epochs per block; the rest are deferred a block.
	MaxEpochsPerBlock = 32
	// MaxTempo forces an epoch after this many blocks without one.
	MaxTempo = 50_400
	// EMAPriceHalvingBlocks is the moving-price warm-up constant (§3.5).
	EMAPriceHalvingBlocks = 201_600
	// noCommit marks a uid without a pending commit in EpochInput.CommitBlocks.
	noCommit = math.MaxUint64
)
