package rpc

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/taorun/taorun/chain/block"
	"github.com/taorun/taorun/chain/state"
	"github.com/taorun/taorun/chain/types"
	"github.com/taorun/taorun/keys"
	"github.com/taorun/taorun/node/rpc/api"
)

func (s *Server) registerBuiltins() {
	for name, m := range map[string]Method{
		api.MethodChainInfo:         s.chainInfo,
		api.MethodBlockNumber:       s.blockNumber,
		api.MethodGetBlock:          s.getBlock,
		api.MethodGetBalance:        s.getBalance,
		api.MethodGetNonce:          s.getNonce,
		api.MethodSendTransaction:   s.sendTransaction,
		api.MethodGetTransaction:    s.getTransaction,
		api.MethodSubscribeNewHeads: s.subscribeNewHeads,
		api.MethodUnsubscribeHeads:  s.unsubscribeNewHeads,
	} {
		s.Register(name, m)
	}
}

// positional decodes params as a JSON array of at least min and at most
// len(out) values into out (absent params count as an empty array).
func positional(params json.RawMessage, min int, out ...any) error {
	var arr []json.RawMessage
	if p := bytes.TrimSpace(params); len(p) > 0 && string(p) != "null" {
		if err := json.Unmarshal(p, &arr); err != nil {
			return errorf(api.CodeInvalidParams, "params must be an array")
		}
	}
	if len(arr) < min || len(arr) > len(out) {
		if min == len(out) {
			return errorf(api.CodeInvalidParams, "want %d params, got %d", min, len(arr))
		}
		return errorf(api.CodeInvalidParams, "want %d to %d params, got %d", min, len(out), len(arr))
	}
	for i, raw := range arr {
		if err := json.Unmarshal(raw, out[i]); err != nil {
			return errorf(api.CodeInvalidParams, "param %d: %v", i, err)
		}
	}
	return nil
}

func parseAccount(s string) (types.AccountID, error) {
	id, err := keys.ParseAddress(s)
	if err != nil {
		return id, errorf(api.CodeInvalidParams, "account %q: %v", s, err)
	}
	return id, nil
}

// HeaderJSON converts a header to its wire form.
func HeaderJSON(h *block.Header) api.Header {
	return api.Header{Hash: h.Hash(), Height: h.Height, ParentHash: h.ParentHash, Time: h.Time,
		Proposer: h.Proposer.SS58(), TxRoot: h.TxRoot, StateRoot: h.StateRoot}
}

func (s *Server) chainInfo(context.Context, json.RawMessage) (any, error) {
	c := s.backend.Chain()
	head := c.Head()
	g := c.Genesis()
	iss, err := state.TotalIssuance(c.State())
	if err != nil {
		return nil, err
	}
	burned, err := state.Burned(c.State())
	if err != nil {
		return nil, err
	}
	return api.ChainInfo{ChainID: g.ChainID, GenesisHash: c.GenesisHash(), Height: head.Header.Height,
		HeadHash: head.Hash, StateRoot: head.Header.StateRoot, BlockTimeMs: g.BlockTimeMs, Sudo: g.Sudo,
		Token: "TAO", Decimals: 9, SS58Prefix: 42,
		TotalIssuance: strconv.FormatUint(iss, 10), Burned: strconv.FormatUint(burned, 10)}, nil
}

func (s *Server) blockNumber(_ context.Context, params json.RawMessage) (any, error) {
	if err := positional(params, 0); err != nil {
		return nil, err
	}
	return s.backend.Chain().Head().Header.Height, nil
}

// getBlock takes [numberOrHash?, full?]: a height, a 0x hash, "latest" or
// nothing (the head).
func (s *Server) getBlock(_ context.Context, params json.RawMessage) (any, error) {
	var which json.RawMessage
	var full bool
	if err := positional(params, 0, &which, &full); err != nil {
		return nil, err
	}
	c := s.backend.Chain()
	var b *block.Block
	var err error
	w := strings.TrimSpace(string(which))
	switch {
	case w == "" || w == "null" || w == `"latest"`:
		b, err = c.BlockByHeight(c.Head().Header.Height)
	case w[0] == '"':
		var hs string
		json.Unmarshal(which, &hs)
		h, perr := types.ParseHash(hs)
		if perr != nil {
			return nil, errorf(api.CodeInvalidParams, "block: %v", perr)
		}
		b, err = c.BlockByHash(h)
	default:
		n, perr := strconv.ParseUint(w, 10, 64)
		if perr != nil {
			return nil, errorf(api.CodeInvalidParams, "block: want a height, a hash or \"latest\", got %s", w)
		}
		b, err = c.BlockByHeight(n)
	}
	if err != nil {
		return nil, err
	}
	if b == nil {
		return nil, errorf(api.CodeNotFound, "block %s not found", w)
	}
	events, err := c.BlockEvents(b.Header.Height)
	if err != nil {
		return nil, err
	}
	out := api.Block{Header: HeaderJSON(&b.Header), TxHashes: make([]types.Hash, len(b.Txs)), Events: eventsJSON(events)}
	for i, raw := range b.Txs {
		out.TxHashes[i] = types.Sum(raw)
		if full {
			out.Raw = append(out.Raw, "0x"+hex.EncodeToString(raw))
		}
	}
	return out, nil
}

func (s *Server) accountParam(params json.RawMessage) (types.AccountID, error) {
	var addr string
	if err := positional(params, 1, &addr); err != nil {
		return types.AccountID{}, err
	}
	return parseAccount(addr)
}

func (s *Server) getBalance(_ context.Context, params json.RawMessage) (any, error) {
	id, err := s.accountParam(params)
	if err != nil {
		return nil, err
	}
	bal, err := s.backend.Chain().Balance(id)
	if err != nil {
		return nil, err
	}
	return api.Balance{Account: id.SS58(), Free: strconv.FormatUint(bal, 10)}, nil
}

func (s *Server) getNonce(_ context.Context, params json.RawMessage) (any, error) {
	id, err := s.accountParam(params)
	if err != nil {
		return nil, err
	}
	return s.backend.Chain().Nonce(id)
}

func (s *Server) sendTransaction(_ context.Context, params json.RawMessage) (any, error) {
	var hx string
	if err := positional(params, 1, &hx); err != nil {
		return nil, err
	}
	raw, err := hex.DecodeString(strings.TrimPrefix(hx, "0x"))
	if err != nil {
		return nil, errorf(api.CodeInvalidParams, "transaction is not hex: %v", err)
	}
	h, err := s.backend.SubmitTx(raw)
	if err != nil {
		return nil, &Error{Code: api.CodeTxRejected, Message: fmt.Sprintf("transaction rejected: %v", err)}
	}
	return h, nil
}

func (s *Server) getTransaction(_ context.Context, params json.RawMessage) (any, error) {
	var hs string
	if err := positional(params, 1, &hs); err != nil {
		return nil, err
	}
	h, err := types.ParseHash(hs)
	if err != nil {
		return nil, errorf(api.CodeInvalidParams, "%v", err)
	}
	c := s.backend.Chain()
	rc, err := c.Receipt(h)
	if err != nil {
		return nil, err
	}
	out := api.TxStatus{Hash: h, Status: api.StatusUnknown}
	if rc == nil {
		if s.backend.Pending(h) {
			out.Status = api.StatusPending
		}
		return out, nil
	}
	out.Status, out.Height, out.Index, out.Error = rc.Status.String(), rc.Height, rc.Index, rc.Error
	out.Fee = strconv.FormatUint(rc.Fee, 10)
	if b, err := c.BlockByHeight(rc.Height); err == nil && b != nil {
		bh := b.Header.Hash()
		out.BlockHash = &bh
	}
	out.Events = eventsJSON(rc.Events)
	return out, nil
}

func eventsJSON(events []block.Event) []api.Event {
	var out []api.Event
	for _, e := range events {
		ev := api.Event{Type: e.Type, Attrs: map[string]string{}}
		for _, a := range e.Attrs {
			ev.Attrs[a.Key] = a.Value
		}
		out = append(out, ev)
	}
	return out
}
