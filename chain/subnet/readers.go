package subnet

import (
	"encoding/binary"
	"fmt"

	"github.com/taorun/taorun/chain/state"
	"github.com/taorun/taorun/chain/types"
	"github.com/taorun/taorun/consensus/fixed"
)

// Readers of the per-subnet bookkeeping that queries show (RPC, CLI): the
// epoch bookkeeping, the pending emission, the moving price and a coldkey's
// stakes. They are the only way to read these records outside this package,
// so the key layout (doc.go, store.go) stays private to it: a layout change
// is made here and in the write paths, never in a caller. Like query.go,
// each reads r (a store, snapshot or overlay) and never writes. For a subnet
// that does not exist they return zero values, as GetPool does; callers that
// must tell the two apart check Owner first.

// EpochState is a subnet's epoch bookkeeping.
type EpochState struct {
	// LastEpoch is the block of the last epoch (LastMechanismStepBlock).
	// Before the first epoch it is the creation block minus the subnet's
	// stagger (netuid mod tempo), so epochs of subnets created together do
	// not all fall in one block.
	LastEpoch uint64
	// SinceStep is BlocksSinceLastStep: the blocks counted since the last
	// epoch; an epoch is forced once it passes MaxTempo.
	SinceStep uint64
	// Index is SubnetEpochIndex: the number of epochs run so far.
	Index uint64
}

// GetEpochState returns netuid's epoch bookkeeping.
func GetEpochState(r state.Reader, netuid uint16) (EpochState, error) {
	s := &rw{o: state.NewOverlay(r)}
	e := EpochState{LastEpoch: s.u64(epochKey(netuid, epLastEpoch)), SinceStep: s.u64(epochKey(netuid, epSinceStep)),
		Index: s.u64(epochKey(netuid, epIndex))}
	return e, s.err
}

// PendingEmission is the alpha (alpha-rao) a subnet's coinbase has
// accumulated since its last epoch, which the next epoch pays out and zeroes.
// It counts in the pool's AlphaOut (the alpha invariant of the package doc).
type PendingEmission struct {
	// Server is PendingServerEmission: the miners' incentive share.
	Server uint64
	// Validator is PendingValidatorEmission: the validators' dividend share.
	Validator uint64
	// Root is PendingRootAlphaDivs: the root stakers' share, accumulated only
	// while the root sell flag is set.
	Root uint64
	// Owner is PendingOwnerCut: the subnet owner's cut.
	Owner uint64
}

// GetPendingEmission returns netuid's pending emission.
func GetPendingEmission(r state.Reader, netuid uint16) (PendingEmission, error) {
	s := &rw{o: state.NewOverlay(r)}
	p := PendingEmission{Server: s.u64(epochKey(netuid, epPendServer)), Validator: s.u64(epochKey(netuid, epPendValid)),
		Root: s.u64(epochKey(netuid, epPendRoot)), Owner: s.u64(epochKey(netuid, epPendOwner))}
	return p, s.err
}

// MovingPrice returns netuid's moving (EMA) price in TAO per alpha, the value
// the coinbase splits the TAO emission by (§3.5). It is stored as I96F32, so
// it carries 32 fraction bits; zero before the first block updates it.
func MovingPrice(r state.Reader, netuid uint16) (fixed.U64F64, error) {
	s := &rw{o: state.NewOverlay(r)}
	p := s.movingPrice(netuid)
	return p, s.err
}

// ColdkeyStake is one stake of a coldkey: the alpha (TAO on root) it has
// staked to a hotkey on a subnet.
type ColdkeyStake struct {
	Hotkey types.AccountID
	Netuid uint16
	Alpha  uint64
}

// stakeKeyLen is the length of a stakeKey (0x12 hotkey ‖ coldkey ‖ netuid);
// the other records under the stake prefix (owner, take, hotkey total,
// nominator index) are shorter.
const stakeKeyLen = 1 + 32 + 32 + 2

// ColdkeyStakes returns every stake of coldkey, ordered by hotkey then netuid.
// Stakes are keyed by hotkey first, so it reads every stake on the chain: it
// is for queries and never runs inside a block.
func ColdkeyStakes(r state.Reader, coldkey types.AccountID) ([]ColdkeyStake, error) {
	var out []ColdkeyStake
	err := r.Iterate([]byte{state.PrefixStake}, func(k, v []byte) error {
		if len(k) != stakeKeyLen || types.AccountID(k[33:65]) != coldkey {
			return nil
		}
		if len(v) != 8 {
			return fmt.Errorf("%w: stake at %x is %d bytes, want 8", ErrCorrupt, k, len(v))
		}
		out = append(out, ColdkeyStake{Hotkey: types.AccountID(k[1:33]), Netuid: binary.BigEndian.Uint16(k[65:]),
			Alpha: binary.LittleEndian.Uint64(v)})
		return nil
	})
	return out, err
}
