package chain

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/big"

	"github.com/taorun/taorun/chain/state"
	"github.com/taorun/taorun/chain/subnet"
	"github.com/taorun/taorun/chain/types"
	"github.com/taorun/taorun/consensus"
)

// Read-only views of package subnet's state for queries (RPC, CLI). They use
// subnet's exported readers (Netuids, Metagraph, EpochInput, GetPool, ...);
// only the epoch bookkeeping, the pending emission and the moving price, for
// which subnet has no reader yet, are read here from the key layout that
// subnet documents (doc.go, store.go). Nothing here runs inside a block.

// Epoch bookkeeping fields under state.PrefixEpoch ‖ netuid (subnet/store.go).
const (
	epLastEpoch  byte = 0x01
	epSinceStep  byte = 0x02
	epIndex      byte = 0x03
	epPendServer byte = 0x04
	epPendValid  byte = 0x05
	epPendRoot   byte = 0x06
	epPendOwner  byte = 0x07
	poolMoving   byte = 0x04 // under state.PrefixPool ‖ netuid
)

// PendingEmission is the alpha a subnet has accumulated for its next epoch.
type PendingEmission struct {
	Server, Validator, Root, Owner uint64
}

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
	Pending       PendingEmission
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
	epoch := func(f byte) uint64 {
		if err != nil {
			return 0
		}
		var x uint64
		x, err = state.GetU64(r, state.Key(state.PrefixEpoch, state.BE16(netuid), []byte{f}))
		return x
	}
	v.LastEpoch, v.SinceStep, v.EpochIndex = epoch(epLastEpoch), epoch(epSinceStep), epoch(epIndex)
	v.Pending = PendingEmission{Server: epoch(epPendServer), Validator: epoch(epPendValid), Root: epoch(epPendRoot), Owner: epoch(epPendOwner)}
	if err != nil {
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
	if v.MovingPriceE9, err = movingPriceE9(r, netuid); err != nil {
		return nil, false, err
	}
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

// movingPriceE9 decodes the stored I96F32 moving price (lo u64 ‖ hi u64,
// little endian) as TAO per alpha ×10^9.
func movingPriceE9(r state.Reader, netuid uint16) (uint64, error) {
	raw, ok, err := r.Get(state.Key(state.PrefixPool, state.BE16(netuid), []byte{poolMoving}))
	if err != nil || !ok {
		return 0, err
	}
	if len(raw) != 16 {
		return 0, fmt.Errorf("chain: moving price of subnet %d is %d bytes, want 16", netuid, len(raw))
	}
	bits := new(big.Int).SetUint64(binary.LittleEndian.Uint64(raw[8:]))
	bits.Lsh(bits, 64).Or(bits, new(big.Int).SetUint64(binary.LittleEndian.Uint64(raw[:8])))
	bits.Mul(bits, big.NewInt(RaoPerTAO)).Rsh(bits, 32)
	if !bits.IsUint64() {
		return ^uint64(0), nil
	}
	return bits.Uint64(), nil
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
	Hotkey types.AccountID
	Netuid uint16
	Alpha  uint64
	// TaoValue is what unstaking all of it would pay now (quoted by running
	// the real RemoveStake on a discarded overlay).
	TaoValue uint64
}

// ViewStakes returns every stake of coldkey, by hotkey then netuid.
func ViewStakes(r state.Reader, coldkey types.AccountID) ([]StakeView, error) {
	var out []StakeView
	err := r.Iterate([]byte{state.PrefixStake}, func(k, v []byte) error {
		// 0x12 hotkey(32) ‖ coldkey(32) ‖ netuid(2): alpha u64
		if len(k) != 1+32+32+2 || types.AccountID(k[33:65]) != coldkey {
			return nil
		}
		if len(v) != 8 {
			return fmt.Errorf("chain: stake at %x is %d bytes, want 8", k, len(v))
		}
		out = append(out, StakeView{Hotkey: types.AccountID(k[1:33]), Netuid: binary.BigEndian.Uint16(k[65:]), Alpha: binary.LittleEndian.Uint64(v)})
		return nil
	})
	if err != nil {
		return nil, err
	}
	for i := range out {
		s := &out[i]
		s.TaoValue, err = subnet.RemoveStake(state.NewOverlay(r), coldkey, s.Hotkey, s.Netuid, s.Alpha)
		if errors.Is(err, subnet.ErrCorrupt) {
			return nil, err
		}
		if err != nil {
			s.TaoValue = 0 // the pool cannot pay for it now: worth nothing
		}
	}
	return out, nil
}
