package chain

import (
	"errors"
	"fmt"
	"math/big"

	"github.com/taorun/taorun/chain/state"
	"github.com/taorun/taorun/chain/subnet"
	"github.com/taorun/taorun/chain/types"
	"github.com/taorun/taorun/consensus"
	"github.com/taorun/taorun/consensus/fixed"
)

// Read-only views of package subnet's state for queries (RPC, CLI). They read
// only through subnet's exported readers (Netuids, Metagraph, EpochInput,
// GetPool, GetEpochState, GetPendingEmission, MovingPrice, ColdkeyStakes,
// ...), never subnet's key layout, which stays private to it. Nothing here
// runs inside a block.

// SubnetView is one subnet as queries show it.
type SubnetView struct {
	Netuid uint16
	subnet.Info
	N          uint16
	Tempo      uint64
	LastEpoch  uint64 // block of the last epoch (creation block minus stagger before the first)
	EpochIndex uint64
	SinceStep  uint64
	Pool       subnet.Pool
	// MovingPriceE9 is the moving (EMA) price in TAO per alpha ×10^9 (floor).
	MovingPriceE9 uint64
	Pending       subnet.PendingEmission
	Burn          uint64 // current registration burn, rao
	// Params are every hyperparameter in table order, the network-wide
	// (root-only) ones included.
	Params []ParamValue
}

// ParamValue is one hyperparameter of a subnet.
type ParamValue struct {
	subnet.Param
	Value uint64
}

// SpotPriceE9 is the pool price in TAO per alpha ×10^9 (floor; 0 for an empty pool).
func (v *SubnetView) SpotPriceE9() uint64 {
	if v.Pool.AlphaIn == 0 {
		return 0
	}
	p := new(big.Int).Mul(new(big.Int).SetUint64(v.Pool.TAO), big.NewInt(RaoPerTAO))
	p.Quo(p, new(big.Int).SetUint64(v.Pool.AlphaIn))
	if !p.IsUint64() {
		return ^uint64(0)
	}
	return p.Uint64()
}

// AlphaEmission is the alpha minted per block at the subnet's current alpha
// issuance (the coinbase's alpha_emission, yuma-emission.md §3.4).
func (v *SubnetView) AlphaEmission() uint64 {
	return consensus.BlockEmission(v.Pool.AlphaIn + v.Pool.AlphaOut)
}

// NextEpoch is the first block at which the subnet's next epoch is due.
func (v *SubnetView) NextEpoch() uint64 {
	if v.Tempo == 0 {
		return 0
	}
	return v.LastEpoch + v.Tempo
}

// ViewNetuids returns the registered subnets (root excluded), ascending.
func ViewNetuids(r state.Reader) ([]uint16, error) { return subnet.Netuids(r) }

// ViewSubnet returns a subnet's view (ok false if it does not exist).
func ViewSubnet(r state.Reader, netuid uint16) (*SubnetView, bool, error) {
	info, ok, err := subnet.Owner(r, netuid)
	if err != nil || !ok {
		return nil, false, err
	}
	v := &SubnetView{Netuid: netuid, Info: info}
	ep, err := subnet.GetEpochState(r, netuid)
	if err != nil {
		return nil, false, err
	}
	v.LastEpoch, v.SinceStep, v.EpochIndex = ep.LastEpoch, ep.SinceStep, ep.Index
	if v.Pending, err = subnet.GetPendingEmission(r, netuid); err != nil {
		return nil, false, err
	}
	rows, err := subnet.Metagraph(r, netuid)
	if err != nil {
		return nil, false, err
	}
	v.N = uint16(len(rows))
	if v.Pool, err = subnet.GetPool(r, netuid); err != nil {
		return nil, false, err
	}
	if v.Burn, err = subnet.Burn(r, netuid); err != nil {
		return nil, false, err
	}
	moving, err := subnet.MovingPrice(r, netuid)
	if err != nil {
		return nil, false, err
	}
	// Floor of price·10^9; saturates like SpotPriceE9.
	v.MovingPriceE9 = moving.SatMul(fixed.U64FromUint(RaoPerTAO)).SatToU64()
	for _, p := range subnet.Params {
		at := netuid
		if p.RootOnly { // network-wide: stored on root
			at = subnet.RootNetuid
		}
		val, err := subnet.GetParam(r, at, p.Name)
		if err != nil {
			return nil, false, err
		}
		v.Params = append(v.Params, ParamValue{Param: p, Value: val})
		if p.Name == "tempo" {
			v.Tempo = val
		}
	}
	return v, true, nil
}

// NeuronView is one uid as queries show it: subnet's metagraph row (its
// registration record, the results the last epoch stored, its stakes and
// weights) and its bonds row.
type NeuronView struct {
	subnet.NeuronEntry
	Bonds []consensus.WeightEntry
}

// ViewNeurons returns every uid of a subnet in order, as of the committed
// state r at height.
func ViewNeurons(r state.Reader, netuid uint16, height uint64) ([]NeuronView, error) {
	rows, err := subnet.Metagraph(r, netuid)
	if err != nil {
		return nil, err
	}
	in, err := subnet.EpochInput(r, netuid, height, 0)
	if err != nil {
		return nil, err
	}
	if len(in.Bonds) != len(rows) {
		return nil, fmt.Errorf("chain: subnet %d has %d metagraph rows but %d bonds rows", netuid, len(rows), len(in.Bonds))
	}
	out := make([]NeuronView, len(rows))
	for uid := range rows {
		out[uid] = NeuronView{NeuronEntry: rows[uid], Bonds: in.Bonds[uid]}
	}
	return out, nil
}

// StakeView is one stake of a coldkey.
type StakeView struct {
	subnet.ColdkeyStake
	// TaoValue is what unstaking all of it would pay now (quoted by running
	// the real RemoveStake on a discarded overlay).
	TaoValue uint64
}

// ViewStakes returns every stake of coldkey, by hotkey then netuid.
func ViewStakes(r state.Reader, coldkey types.AccountID) ([]StakeView, error) {
	stakes, err := subnet.ColdkeyStakes(r, coldkey)
	if err != nil {
		return nil, err
	}
	var out []StakeView
	for _, st := range stakes {
		tao, err := subnet.RemoveStake(state.NewOverlay(r), coldkey, st.Hotkey, st.Netuid, st.Alpha)
		if errors.Is(err, subnet.ErrCorrupt) {
			return nil, err
		}
		if err != nil {
			tao = 0 // the pool cannot pay for it now: worth nothing
		}
		out = append(out, StakeView{ColdkeyStake: st, TaoValue: tao})
	}
	return out, nil
}
