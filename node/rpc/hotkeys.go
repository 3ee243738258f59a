package rpc

import (
	"context"
	"encoding/json"

	"github.com/taorun/taorun/chain"
	"github.com/taorun/taorun/chain/subnet"
	"github.com/taorun/taorun/node/rpc/api"
)

// hotkeyInfo takes [hotkey] and returns its owner and delegate take, read
// from one consistent view like the other queries.
func (s *Server) hotkeyInfo(_ context.Context, params json.RawMessage) (any, error) {
	id, err := s.accountParam(params)
	if err != nil {
		return nil, err
	}
	return s.withView(func(v *chain.View) (any, error) {
		hv, err := chain.ViewHotkey(v, id)
		if err != nil {
			return nil, err
		}
		out := api.HotkeyInfo{Hotkey: id.SS58(), Height: v.Height, Take: hv.Take, MinTake: subnet.MinDelegateTake,
			MaxTake: subnet.MaxDelegateTake}
		if hv.Owned {
			out.Owner = hv.Owner.SS58()
		}
		return out, nil
	})
}
