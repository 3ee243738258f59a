// Package rpcclient is a small Go client for a taorun node's JSON-RPC API,
// used by the CLI (wallet, stake, subnets commands) and by tests.
//
// Invariants: every method is one JSON-RPC call over HTTP (subscriptions use a
// WebSocket); a JSON-RPC error comes back as *Error with the server's code
// and message; amounts are rao (uint64).
package rpcclient

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
	"github.com/taorun/taorun/chain/tx"
	"github.com/taorun/taorun/chain/types"
	"github.com/taorun/taorun/keys"
	"github.com/taorun/taorun/node/rpc/api"
)

// Error is a JSON-RPC error returned by the node.
type Error struct {
	Code    int             `json:"code"`
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data,omitempty"`
}

// Error implements error.
func (e *Error) Error() string { return fmt.Sprintf("node: %s (code %d)", e.Message, e.Code) }

// Client talks to one node.
type Client struct {
	httpURL string
	wsURL   string
	hc      *http.Client
	id      atomic.Int64
}

// New returns a client for endpoint: "host:port", "http(s)://host:port" or
// "ws(s)://host:port" (calls use HTTP, subscriptions WebSocket, either way).
func New(endpoint string) *Client {
	u := endpoint
	if !strings.Contains(u, "://") {
		u = "http://" + u
	}
	u = strings.Replace(strings.Replace(u, "wss://", "https://", 1), "ws://", "http://", 1)
	ws := strings.Replace(strings.Replace(u, "https://", "wss://", 1), "http://", "ws://", 1)
	return &Client{httpURL: u, wsURL: ws, hc: &http.Client{Timeout: 30 * time.Second}}
}

// Call invokes method with positional params and decodes the result into out
// (which may be nil).
func (c *Client) Call(ctx context.Context, out any, method string, params ...any) error {
	if params == nil {
		params = []any{}
	}
	body, err := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": c.id.Add(1), "method": method, "params": params})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.httpURL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.hc.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %w", method, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("%s: %w", method, err)
	}
	var r struct {
		Result json.RawMessage `json:"result"`
		Error  *Error          `json:"error"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		return fmt.Errorf("%s: bad response (HTTP %d): %w", method, resp.StatusCode, err)
	}
	if r.Error != nil {
		return r.Error
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(r.Result, out)
}

// ChainInfo returns tao_chainInfo.
func (c *Client) ChainInfo(ctx context.Context) (*api.ChainInfo, error) {
	var out api.ChainInfo
	return &out, c.Call(ctx, &out, api.MethodChainInfo)
}

// BlockNumber returns the head height.
func (c *Client) BlockNumber(ctx context.Context) (uint64, error) {
	var n uint64
	err := c.Call(ctx, &n, api.MethodBlockNumber)
	return n, err
}

// BlockByNumber returns the block at height.
func (c *Client) BlockByNumber(ctx context.Context, height uint64) (*api.Block, error) {
	var out api.Block
	return &out, c.Call(ctx, &out, api.MethodGetBlock, height)
}

// BlockByHash returns the block with hash h.
func (c *Client) BlockByHash(ctx context.Context, h types.Hash) (*api.Block, error) {
	var out api.Block
	return &out, c.Call(ctx, &out, api.MethodGetBlock, h.Hex())
}

// Balance returns the free balance (rao) of an SS58 or 0x-hex account.
func (c *Client) Balance(ctx context.Context, account string) (uint64, error) {
	var out api.Balance
	if err := c.Call(ctx, &out, api.MethodGetBalance, account); err != nil {
		return 0, err
	}
	return strconv.ParseUint(out.Free, 10, 64)
}

// Nonce returns the account's next nonce.
func (c *Client) Nonce(ctx context.Context, account string) (uint64, error) {
	var n uint64
	err := c.Call(ctx, &n, api.MethodGetNonce, account)
	return n, err
}

// SendTransaction submits an encoded signed tx and returns its hash.
func (c *Client) SendTransaction(ctx context.Context, raw []byte) (types.Hash, error) {
	var h types.Hash
	err := c.Call(ctx, &h, api.MethodSendTransaction, "0x"+hex.EncodeToString(raw))
	return h, err
}

// Transaction returns a tx's status (api.StatusUnknown if the node never saw it).
func (c *Client) Transaction(ctx context.Context, h types.Hash) (*api.TxStatus, error) {
	var out api.TxStatus
	return &out, c.Call(ctx, &out, api.MethodGetTransaction, h.Hex())
}

// Submit signs call with k (the signer's current nonce, tx.DefaultFee: the
// tip alone for the fee-free calls a registered hotkey sends, serve_axon and
// the weights calls, MinFee plus tip for the others) and sends it. It
// returns the tx hash.
func (c *Client) Submit(ctx context.Context, k *keys.Keypair, call tx.Call, tip uint64) (types.Hash, error) {
	info, err := c.ChainInfo(ctx)
	if err != nil {
		return types.Hash{}, err
	}
	nonce, err := c.Nonce(ctx, k.Public().SS58())
	if err != nil {
		return types.Hash{}, err
	}
	return c.SendTransaction(ctx, tx.NewWithFee(k, info.GenesisHash, nonce, call, tx.DefaultFee(call, tip)).Encode())
}

// SubmitTransfer sends amount rao from k to to (see Submit).
func (c *Client) SubmitTransfer(ctx context.Context, k *keys.Keypair, to types.AccountID, amount, tip uint64) (types.Hash, error) {
	return c.Submit(ctx, k, tx.Transfer{To: to, Amount: amount}, tip)
}

// Subnets returns every subnet (tao_subnets), by netuid.
func (c *Client) Subnets(ctx context.Context) ([]api.Subnet, error) {
	var out []api.Subnet
	err := c.Call(ctx, &out, api.MethodSubnets)
	return out, err
}

// SubnetInfo returns one subnet with its hyperparameters (tao_subnetInfo).
func (c *Client) SubnetInfo(ctx context.Context, netuid uint16) (*api.SubnetInfo, error) {
	var out api.SubnetInfo
	return &out, c.Call(ctx, &out, api.MethodSubnetInfo, netuid)
}

// Metagraph returns a subnet's neurons (tao_metagraph); with full, each
// neuron's stored weights and bonds rows too.
func (c *Client) Metagraph(ctx context.Context, netuid uint16, full bool) (*api.Metagraph, error) {
	var out api.Metagraph
	return &out, c.Call(ctx, &out, api.MethodMetagraph, netuid, full)
}

// StakeInfo returns a coldkey's stakes (tao_stakeInfo).
func (c *Client) StakeInfo(ctx context.Context, coldkey string) (*api.StakeInfo, error) {
	var out api.StakeInfo
	return &out, c.Call(ctx, &out, api.MethodStakeInfo, coldkey)
}

// SubnetLockCost returns the rao locked by creating a subnet now.
func (c *Client) SubnetLockCost(ctx context.Context) (uint64, error) {
	var s string
	if err := c.Call(ctx, &s, api.MethodSubnetLockCost); err != nil {
		return 0, err
	}
	return strconv.ParseUint(s, 10, 64)
}

// WaitForTx polls until the tx is in a block (any status other than pending
// or unknown) or ctx ends.
func (c *Client) WaitForTx(ctx context.Context, h types.Hash) (*api.TxStatus, error) {
	for {
		st, err := c.Transaction(ctx, h)
		if err != nil {
			return nil, err
		}
		if st.Status != api.StatusPending && st.Status != api.StatusUnknown {
			return st, nil
		}
		select {
		case <-ctx.Done():
			return st, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// SubscribeNewHeads opens a WebSocket and streams new heads until ctx ends or
// the connection drops (then the channel is closed).
func (c *Client) SubscribeNewHeads(ctx context.Context) (<-chan api.Header, error) {
	conn, _, err := websocket.DefaultDialer.DialContext(ctx, c.wsURL, nil)
	if err != nil {
		return nil, err
	}
	req, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 1, "method": api.MethodSubscribeNewHeads, "params": []any{}})
	if err := conn.WriteMessage(websocket.TextMessage, req); err != nil {
		conn.Close()
		return nil, err
	}
	var first struct {
		Result string `json:"result"`
		Error  *Error `json:"error"`
	}
	if err := conn.ReadJSON(&first); err != nil {
		conn.Close()
		return nil, err
	}
	if first.Error != nil {
		conn.Close()
		return nil, first.Error
	}
	out := make(chan api.Header, 16)
	go func() {
		<-ctx.Done()
		conn.Close()
	}()
	go func() {
		defer close(out)
		for {
			var n struct {
				Params struct {
					Result api.Header `json:"result"`
				} `json:"params"`
			}
			if err := conn.ReadJSON(&n); err != nil {
				return
			}
			select {
			case out <- n.Params.Result:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, nil
}

// ModuleInfo returns subnet netuid's module record at the head
// (tao_moduleInfo): active module, pending activation, hook gas limits.
func (c *Client) ModuleInfo(ctx context.Context, netuid uint16) (*api.ModuleInfo, error) {
	var out api.ModuleInfo
	return &out, c.Call(ctx, &out, api.MethodModuleInfo, netuid)
}

// GetModule returns the original bytes of stored module id (tao_getModule),
// after checking that their sha256 is id. An unknown id is an *Error with
// code api.CodeNotFound.
func (c *Client) GetModule(ctx context.Context, id [32]byte) ([]byte, error) {
	var out api.Module
	if err := c.Call(ctx, &out, api.MethodGetModule, "0x"+hex.EncodeToString(id[:])); err != nil {
		return nil, err
	}
	code, err := hex.DecodeString(strings.TrimPrefix(out.Code, "0x"))
	if err != nil {
		return nil, fmt.Errorf("%s: module code is not hex: %w", api.MethodGetModule, err)
	}
	if sha256.Sum256(code) != id || len(code) != out.Size {
		return nil, fmt.Errorf("%s: node sent %d bytes that are not module 0x%x", api.MethodGetModule, len(code), id)
	}
	return code, nil
}
