package rpc

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/taorun/taorun/chain"
	"github.com/taorun/taorun/chain/subnet"
	"github.com/taorun/taorun/consensus"
	"github.com/taorun/taorun/node/rpc/api"
)

// The subnet, metagraph and stake queries. Each reads one consistent view of
// committed state (a pebble snapshot), so a block committed meanwhile never
// mixes into an answer; results carry the height of that view.
func (s *Server) registerSubnets() {
	for name, m := range map[string]Method{
		api.MethodSubnets:        s.subnets,
		api.MethodSubnetInfo:     s.subnetInfo,
		api.MethodMetagraph:      s.metagraph,
		api.MethodStakeInfo:      s.stakeInfo,
		api.MethodSubnetLockCost: s.subnetLockCost,
		api.MethodHotkeyInfo:     s.hotkeyInfo, // hotkeys.go
		api.MethodChildKeys:      s.childKeys,  // children.go
	} {
		s.Register(name, m)
	}
}

// withView runs fn on a consistent view of committed state.
func (s *Server) withView(fn func(v *chain.View) (any, error)) (any, error) {
	v, err := s.backend.Chain().View()
	if err != nil {
		return nil, err
	}
	defer v.Close()
	return fn(v)
}

func u64s(v uint64) string { return strconv.FormatUint(v, 10) }

// e9 shows a ×10^9 fixed-point value with 9 decimals.
func e9(v uint64) string { return fmt.Sprintf("%d.%09d", v/chain.RaoPerTAO, v%chain.RaoPerTAO) }

func subnetJSON(v *chain.SubnetView) api.Subnet {
	maxN := 0
	for _, p := range v.Params {
		if p.Name == "max_allowed_uids" {
			maxN = int(p.Value)
		}
	}
	return api.Subnet{Netuid: v.Netuid, Owner: v.OwnerColdkey.SS58(), OwnerHotkey: v.OwnerHotkey.SS58(), Neurons: int(v.N),
		MaxNeurons: maxN, Tempo: v.Tempo, RegisteredAt: v.RegisteredAt, LockCost: u64s(v.LockCost), LastEpoch: v.LastEpoch,
		NextEpoch: v.NextEpoch(), EpochIndex: v.EpochIndex, Price: e9(v.SpotPriceE9()), MovingPrice: e9(v.MovingPriceE9),
		TaoIn: u64s(v.Pool.TAO), AlphaIn: u64s(v.Pool.AlphaIn), AlphaOut: u64s(v.Pool.AlphaOut), AlphaEmission: u64s(v.AlphaEmission()),
		Pending: api.Pending{Server: u64s(v.Pending.Server), Validator: u64s(v.Pending.Validator), Root: u64s(v.Pending.Root),
			Owner: u64s(v.Pending.Owner)},
		BurnCost: u64s(v.Burn)}
}

func subnetInfoJSON(v *chain.SubnetView, height uint64) api.SubnetInfo {
	out := api.SubnetInfo{Subnet: subnetJSON(v), Height: height, Hyperparameters: []api.Hyperparameter{}}
	for _, p := range v.Params {
		out.Hyperparameters = append(out.Hyperparameters, api.Hyperparameter{Name: p.Name, Value: p.Value,
			Owner: p.OwnerSettable && !p.RootOnly, Network: p.RootOnly})
	}
	return out
}

// viewSubnet returns the subnet or a not-found error.
func viewSubnet(v *chain.View, netuid uint16) (*chain.SubnetView, error) {
	sv, ok, err := chain.ViewSubnet(v, netuid)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errorf(api.CodeNotFound, "subnet %d does not exist", netuid)
	}
	return sv, nil
}

// withSubnet serves the per-subnet methods: it reads params as [netuid,
// ...rest] (rest optional) and runs fn on a consistent view of committed
// state in which that subnet exists, answering not-found otherwise.
func (s *Server) withSubnet(params json.RawMessage, fn func(v *chain.View, sv *chain.SubnetView) (any, error), rest ...any) (any, error) {
	var netuid uint16
	if err := positional(params, 1, append([]any{&netuid}, rest...)...); err != nil {
		return nil, err
	}
	return s.withView(func(v *chain.View) (any, error) {
		sv, err := viewSubnet(v, netuid)
		if err != nil {
			return nil, err
		}
		return fn(v, sv)
	})
}

func (s *Server) subnets(_ context.Context, params json.RawMessage) (any, error) {
	if err := positional(params, 0); err != nil {
		return nil, err
	}
	return s.withView(func(v *chain.View) (any, error) {
		netuids, err := chain.ViewNetuids(v)
		if err != nil {
			return nil, err
		}
		out := []api.Subnet{}
		for _, n := range netuids {
			sv, err := viewSubnet(v, n)
			if err != nil {
				return nil, err
			}
			out = append(out, subnetJSON(sv))
		}
		return out, nil
	})
}

func (s *Server) subnetInfo(_ context.Context, params json.RawMessage) (any, error) {
	return s.withSubnet(params, func(v *chain.View, sv *chain.SubnetView) (any, error) {
		return subnetInfoJSON(sv, v.Height), nil
	})
}

// weightsJSON converts a stored weights row (subnet.Weight) or bonds row
// (consensus.WeightEntry): both are (uid, value) pairs of u16.
func weightsJSON[E subnet.Weight | consensus.WeightEntry](row []E) []api.WeightEntry {
	out := make([]api.WeightEntry, len(row))
	for i, e := range row {
		out[i] = api.WeightEntry(e)
	}
	return out
}

// metagraph takes [netuid, full?]; full adds each uid's weights and bonds.
func (s *Server) metagraph(_ context.Context, params json.RawMessage) (any, error) {
	var full bool
	return s.withSubnet(params, func(v *chain.View, sv *chain.SubnetView) (any, error) {
		ns, err := chain.ViewNeurons(v, sv.Netuid, v.Height)
		if err != nil {
			return nil, err
		}
		out := api.Metagraph{SubnetInfo: subnetInfoJSON(sv, v.Height), Neurons: make([]api.Neuron, len(ns))}
		for i, n := range ns {
			nj := api.Neuron{UID: n.UID, Hotkey: n.Hotkey.SS58(), Coldkey: n.Coldkey.SS58(), Stake: u64s(n.Stake), TaoStake: u64s(n.RootStake),
				StakeWeight: n.StakeWeight, Incentive: n.Incentive, Dividends: n.Dividends, Consensus: n.Consensus,
				ValidatorTrust: n.ValidatorTrust, Emission: u64s(n.Emission), Active: n.Active, ValidatorPermit: n.ValidatorPermit,
				LastUpdate: n.LastUpdate, BlockAtRegistration: n.BlockAtRegistration}
			if a := n.Axon; a.IPType != 0 {
				nj.Axon = &api.Axon{IP: chain.AxonIP(a.IPType, a.IP), Port: a.Port, IPType: a.IPType, Protocol: a.Protocol,
					Version: a.Version, Block: a.Block}
			}
			if full {
				nj.Weights, nj.Bonds = weightsJSON(n.Weights), weightsJSON(n.Bonds)
			}
			out.Neurons[i] = nj
		}
		return out, nil
	}, &full)
}

func (s *Server) stakeInfo(_ context.Context, params json.RawMessage) (any, error) {
	id, err := s.accountParam(params)
	if err != nil {
		return nil, err
	}
	return s.withView(func(v *chain.View) (any, error) {
		stakes, err := chain.ViewStakes(v, id)
		if err != nil {
			return nil, err
		}
		out := api.StakeInfo{Coldkey: id.SS58(), Height: v.Height, Stakes: []api.Stake{}}
		var total uint64
		for _, st := range stakes {
			out.Stakes = append(out.Stakes, api.Stake{Coldkey: id.SS58(), Hotkey: st.Hotkey.SS58(), Netuid: st.Netuid,
				Alpha: u64s(st.Alpha), TaoValue: u64s(st.TaoValue)})
			total += st.TaoValue
		}
		out.Total = u64s(total)
		return out, nil
	})
}

func (s *Server) subnetLockCost(_ context.Context, params json.RawMessage) (any, error) {
	if err := positional(params, 0); err != nil {
		return nil, err
	}
	return s.withView(func(v *chain.View) (any, error) {
		// A subnet created now lands in the next block.
		cost, err := subnet.LockCost(v, v.Height+1)
		if err != nil {
			return nil, err
		}
		return u64s(cost), nil
	})
}
