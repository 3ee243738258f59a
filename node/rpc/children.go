package rpc

import (
	"context"
	"encoding/json"
	"math"
	"math/big"

	"github.com/taorun/taorun/chain"
	"github.com/taorun/taorun/chain/subnet"
	"github.com/taorun/taorun/node/rpc/api"
)

// childKeys takes [netuid, hotkey] and returns the hotkey's children,
// parents, pending children and childkey take on the subnet, read from one
// consistent view like the other queries.
func (s *Server) childKeys(_ context.Context, params json.RawMessage) (any, error) {
	var netuid uint16
	var addr string
	if err := positional(params, 2, &netuid, &addr); err != nil {
		return nil, err
	}
	id, err := parseAccount(addr)
	if err != nil {
		return nil, err
	}
	return s.withView(func(v *chain.View) (any, error) {
		ci, err := subnet.ChildKeys(v, id, netuid)
		if err != nil {
			return nil, err
		}
		lo, err := subnet.GetChildParam(v, "min_childkey_take")
		if err != nil {
			return nil, err
		}
		hi, err := subnet.GetChildParam(v, "max_childkey_take")
		if err != nil {
			return nil, err
		}
		out := api.ChildKeys{Netuid: netuid, Hotkey: id.SS58(), Height: v.Height, Children: childLinks(ci.Children),
			Parents: childLinks(ci.Parents), Take: ci.Take, MinTake: uint16(lo), MaxTake: uint16(hi)}
		if ci.HasPend {
			out.Pending, out.PendingAt = childLinks(ci.Pending), ci.PendingAt
		}
		return out, nil
	})
}

// childLinks shows a list; never nil, so JSON shows [] for none.
func childLinks(list []subnet.Child) []api.ChildLink {
	out := make([]api.ChildLink, len(list))
	for i, c := range list {
		out[i] = api.ChildLink{Hotkey: c.Hotkey.SS58(), Proportion: u64s(c.Proportion), Fraction: proportionE9(c.Proportion)}
	}
	return out
}

// proportionE9 shows p/(2^64-1) with 9 decimals, rounded down.
func proportionE9(p uint64) string {
	q := new(big.Int).Mul(new(big.Int).SetUint64(p), big.NewInt(chain.RaoPerTAO))
	q.Quo(q, new(big.Int).SetUint64(math.MaxUint64))
	return e9(q.Uint64())
}
