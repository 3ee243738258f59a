package rpc

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"strings"

	"github.com/taorun/taorun/chain"
	"github.com/taorun/taorun/chain/modules"
	"github.com/taorun/taorun/node/rpc/api"
)

// The module queries. Like the subnet queries, each reads one consistent
// view of committed state.
func (s *Server) registerModules() {
	s.Register(api.MethodModuleInfo, s.moduleInfo)
	s.Register(api.MethodGetModule, s.getModule)
}

// moduleHex shows a module ID as 0x-prefixed hex.
func moduleHex(id modules.ModuleID) string { return "0x" + hex.EncodeToString(id[:]) }

// parseModuleID reads "0x" followed by 64 hex digits.
func parseModuleID(s string) (modules.ModuleID, error) {
	var id modules.ModuleID
	h, ok := strings.CutPrefix(s, "0x")
	if !ok || len(h) != 64 {
		return id, errorf(api.CodeInvalidParams, "module id %q: want 0x and 64 hex digits", s)
	}
	if _, err := hex.Decode(id[:], []byte(h)); err != nil {
		return id, errorf(api.CodeInvalidParams, "module id %q: %v", s, err)
	}
	return id, nil
}

func (s *Server) moduleInfo(_ context.Context, params json.RawMessage) (any, error) {
	return s.withSubnet(params, func(v *chain.View, sv *chain.SubnetView) (any, error) {
		netuid := sv.Netuid
		rec, err := modules.GetRecord(v, netuid)
		if err != nil {
			return nil, err
		}
		// The head block's hook has promoted everything due at v.Height;
		// ActiveModule also applies it, should a record predate the hook.
		active, hasActive, err := modules.ActiveModule(v, netuid, v.Height)
		if err != nil {
			return nil, err
		}
		gas, err := modules.GetHookGas(v, netuid)
		if err != nil {
			return nil, err
		}
		out := api.ModuleInfo{Netuid: netuid, HookGas: api.HookGas{ValidateWeights: gas.ValidateWeights,
			OnEpoch: gas.OnEpoch, OnRegister: gas.OnRegister}}
		if hasActive {
			a := moduleHex(active)
			out.Active = &a
		}
		if rec.HasPending && rec.Pending.AtBlock > v.Height {
			out.Pending = &api.ModulePending{Module: moduleHex(rec.Pending.ID), AtBlock: rec.Pending.AtBlock}
		}
		return out, nil
	})
}

func (s *Server) getModule(_ context.Context, params json.RawMessage) (any, error) {
	var hs string
	if err := positional(params, 1, &hs); err != nil {
		return nil, err
	}
	id, err := parseModuleID(hs)
	if err != nil {
		return nil, err
	}
	return s.withView(func(v *chain.View) (any, error) {
		code, ok, err := modules.Code(v, id)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, errorf(api.CodeNotFound, "module %s not found", moduleHex(id))
		}
		return api.Module{ID: moduleHex(id), Size: len(code), Code: "0x" + hex.EncodeToString(code)}, nil
	})
}
