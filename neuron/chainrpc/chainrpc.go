// Package chainrpc adapts a taorun node's JSON-RPC API (package
// node/rpcclient) and the neuron's keys to what the off-chain loops need:
// miner.Chain, validator.Chain, the module source of both loops
// (modhost.Source, via tao_moduleInfo and tao_getModule, including the
// scheduled version for ahead-of-activation compiles, modhost.Scheduled) and
// an axon Roster
// built from tao_metagraph.
//
// Which key signs what (chain/subnet, chain/subnet_exec.go): the hotkey signs
// serve-axon, set-weights, commit-weights and reveal-weights (the chain acts
// on the signer as the neuron's hotkey); they are sent fee-free
// (rpcclient.Submit, tx.DefaultFee), so a registered hotkey needs no TAO
// (package chain, "Fee-free calls"). The coldkey signs and pays for
// burned-register (Register), naming the hotkey in the call, and for the
// transfer of TopUpHotkey.
//
// Invariants:
//   - Every transaction method submits one signed transaction, waits until it
//     is in a block (at most Config.TxTimeout) and returns nil only when its
//     status is success; a failed or invalid transaction is an error carrying
//     the chain's reason. Submissions of one Client are serialised so that
//     two calls never race for the same nonce.
//   - Module code handed out by ModuleCode always hashes (SHA-256) to the ID
//     asked for; verified code is cached by ID for the Client's lifetime.
//   - Metagraph and SubnetParams map the node's JSON strictly: a malformed
//     hotkey, amount or out-of-range hyperparameter is an error, never a
//     silent zero.
package chainrpc

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/taorun/taorun/chain/tx"
	"github.com/taorun/taorun/keys"
	"github.com/taorun/taorun/neuron/internal/modhost"
	"github.com/taorun/taorun/neuron/miner"
	"github.com/taorun/taorun/neuron/validator"
	"github.com/taorun/taorun/node/rpc/api"
	"github.com/taorun/taorun/node/rpcclient"
)

// Module RPC methods (served by the node's module API).
const (
	MethodModuleInfo = "tao_moduleInfo" // [netuid] → ModuleInfo
	MethodGetModule  = "tao_getModule"  // ["0x<id>"] → ModuleCode
)

// DefaultTxTimeout is how long a transaction method waits for its block
// when Config.TxTimeout is zero.
const DefaultTxTimeout = 60 * time.Second

// AxonProtocol is the protocol number published with serve-axon (Bittensor's
// default for serve_axon).
const AxonProtocol = 4

// Config configures a Client.
type Config struct {
	// RPC is the node's client. Required.
	RPC *rpcclient.Client
	// Hotkey signs serve-axon and weights transactions. Required.
	Hotkey *keys.Keypair
	// Coldkey signs Register; nil when the neuron never registers itself.
	Coldkey *keys.Keypair
	// TxTimeout bounds the wait for a transaction's block; 0 means
	// DefaultTxTimeout.
	TxTimeout time.Duration
	// Logger; nil means slog.Default().
	Logger *slog.Logger
}

// Client is the adapter; it implements miner.Chain, validator.Chain and
// modhost.Source (miner.ModuleSource, validator.ModuleSource). It is safe for
// concurrent use.
type Client struct {
	cfg  Config
	log  *slog.Logger
	txMu sync.Mutex

	modMu sync.Mutex
	code  map[[32]byte][]byte
}

var (
	_ miner.Chain            = (*Client)(nil)
	_ validator.Chain        = (*Client)(nil)
	_ miner.ModuleSource     = (*Client)(nil)
	_ validator.ModuleSource = (*Client)(nil)
	_ modhost.Scheduled      = (*Client)(nil)
)

// New validates cfg and returns a Client.
func New(cfg Config) (*Client, error) {
	switch {
	case cfg.RPC == nil:
		return nil, errors.New("chainrpc: config: RPC is required")
	case cfg.Hotkey == nil:
		return nil, errors.New("chainrpc: config: Hotkey is required")
	}
	if cfg.TxTimeout == 0 {
		cfg.TxTimeout = DefaultTxTimeout
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Client{cfg: cfg, log: cfg.Logger, code: map[[32]byte][]byte{}}, nil
}

// RPC returns the underlying node client.
func (c *Client) RPC() *rpcclient.Client { return c.cfg.RPC }

// Head returns the latest block: its height, hash and timestamp.
func (c *Client) Head(ctx context.Context) (miner.Head, error) {
	n, err := c.cfg.RPC.BlockNumber(ctx)
	if err != nil {
		return miner.Head{}, fmt.Errorf("chainrpc: head height: %w", err)
	}
	b, err := c.cfg.RPC.BlockByNumber(ctx, n)
	if err != nil {
		return miner.Head{}, fmt.Errorf("chainrpc: block %d: %w", n, err)
	}
	if b.Height != n {
		return miner.Head{}, fmt.Errorf("chainrpc: asked for block %d, node sent %d", n, b.Height)
	}
	if b.Time < 0 {
		return miner.Head{}, fmt.Errorf("chainrpc: block %d has a negative time %d", n, b.Time)
	}
	return miner.Head{Height: b.Height, Hash: b.Hash, TimeMillis: uint64(b.Time)}, nil
}

// Metagraph returns the subnet's neurons, ascending UID.
func (c *Client) Metagraph(ctx context.Context, netuid uint16) ([]validator.Neuron, error) {
	mg, err := c.cfg.RPC.Metagraph(ctx, netuid, false)
	if err != nil {
		return nil, fmt.Errorf("chainrpc: metagraph of subnet %d: %w", netuid, err)
	}
	return Neurons(mg)
}

// Neurons maps tao_metagraph's neurons to validator.Neuron rows, checking
// that UIDs ascend.
func Neurons(mg *api.Metagraph) ([]validator.Neuron, error) {
	out := make([]validator.Neuron, len(mg.Neurons))
	for i, n := range mg.Neurons {
		if i > 0 && n.UID <= mg.Neurons[i-1].UID {
			return nil, fmt.Errorf("chainrpc: metagraph uids out of order: %d after %d", n.UID, mg.Neurons[i-1].UID)
		}
		hk, err := keys.ParseAddress(n.Hotkey)
		if err != nil {
			return nil, fmt.Errorf("chainrpc: metagraph uid %d: hotkey %q: %w", n.UID, n.Hotkey, err)
		}
		stake, err := strconv.ParseUint(n.Stake, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("chainrpc: metagraph uid %d: stake %q is not a rao amount", n.UID, n.Stake)
		}
		row := validator.Neuron{UID: n.UID, Hotkey: hk, Stake: stake, ValidatorPermit: n.ValidatorPermit, LastUpdate: n.LastUpdate}
		if a := n.Axon; a != nil {
			ip, err := netip.ParseAddr(a.IP)
			if err != nil || a.Port == 0 {
				return nil, fmt.Errorf("chainrpc: metagraph uid %d: bad axon %q port %d", n.UID, a.IP, a.Port)
			}
			row.Axon = netip.AddrPortFrom(ip, a.Port).String()
		}
		out[i] = row
	}
	return out, nil
}

// SubnetParams returns the subnet's weight parameters and epoch index at the
// head (tao_subnetInfo).
func (c *Client) SubnetParams(ctx context.Context, netuid uint16) (validator.Params, error) {
	info, err := c.cfg.RPC.SubnetInfo(ctx, netuid)
	if err != nil {
		return validator.Params{}, fmt.Errorf("chainrpc: subnet %d info: %w", netuid, err)
	}
	return Params(info)
}

// Params maps tao_subnetInfo to validator.Params. The hyperparameters are
// read by their chain/subnet names: min_allowed_weights, max_weights_limit,
// weights_rate_limit, weights_version, commit_reveal_weights_enabled and
// commit_reveal_period. Epoch is epochIndex, the chain's SubnetEpochIndex
// (epochs run so far), which is exactly what a commit records and a reveal
// is checked against (chain/subnet CommitWeights, RevealWeights).
func Params(info *api.SubnetInfo) (validator.Params, error) {
	hp := make(map[string]uint64, len(info.Hyperparameters))
	for _, h := range info.Hyperparameters {
		hp[h.Name] = h.Value
	}
	var errs []error
	get := func(name string, maxV uint64) uint64 {
		v, ok := hp[name]
		switch {
		case !ok:
			errs = append(errs, fmt.Errorf("hyperparameter %s is missing", name))
		case v > maxV:
			errs = append(errs, fmt.Errorf("hyperparameter %s = %d is above %d", name, v, maxV))
		}
		return v
	}
	p := validator.Params{
		MinAllowedWeights:  uint16(get("min_allowed_weights", math.MaxUint16)),
		MaxWeightLimit:     uint16(get("max_weights_limit", math.MaxUint16)),
		WeightsRateLimit:   get("weights_rate_limit", math.MaxUint64),
		WeightsVersionKey:  get("weights_version", math.MaxUint64),
		CommitReveal:       get("commit_reveal_weights_enabled", 1) == 1,
		RevealPeriodEpochs: get("commit_reveal_period", math.MaxUint64),
		Epoch:              info.EpochIndex,
	}
	if err := errors.Join(errs...); err != nil {
		return validator.Params{}, fmt.Errorf("chainrpc: subnet %d: %w", info.Netuid, err)
	}
	return p, nil
}

// submit signs call with k, sends it, waits for its block and checks that it
// succeeded.
func (c *Client) submit(ctx context.Context, k *keys.Keypair, call tx.Call) (*api.TxStatus, error) {
	name := tx.Name(call.Kind())
	c.txMu.Lock()
	defer c.txMu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, c.cfg.TxTimeout)
	defer cancel()
	h, err := c.cfg.RPC.Submit(ctx, k, call, 0)
	if err != nil {
		return nil, fmt.Errorf("%s: submitting: %w", name, err)
	}
	st, err := c.cfg.RPC.WaitForTx(ctx, h)
	if err != nil {
		return nil, fmt.Errorf("%s: tx %s submitted but not seen in a block: %w", name, h.Hex(), err)
	}
	if st.Status != api.StatusSuccess {
		return st, fmt.Errorf("%s: %s in block %d (tx %s): %s", name, st.Status, st.Height, h.Hex(), st.Error)
	}
	c.log.Debug("transaction included", "call", name, "block", st.Height, "tx", h.Hex(), "fee", st.Fee)
	return st, nil
}

// ServeAxon publishes addr ("ip:port", IPv4 or IPv6) as the hotkey's axon on
// netuid (signed by the hotkey).
func (c *Client) ServeAxon(ctx context.Context, netuid uint16, addr string) error {
	call, err := ServeAxonCall(netuid, addr)
	if err != nil {
		return err
	}
	st, err := c.submit(ctx, c.cfg.Hotkey, call)
	if err != nil {
		return err
	}
	c.log.Info("axon published", "netuid", netuid, "addr", addr, "block", st.Height)
	return nil
}

// ServeAxonCall builds the serve-axon call publishing addr ("ip:port").
func ServeAxonCall(netuid uint16, addr string) (tx.ServeAxon, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return tx.ServeAxon{}, fmt.Errorf("chainrpc: axon address %q: %w", addr, err)
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return tx.ServeAxon{}, fmt.Errorf("chainrpc: axon address %q: host is not an IP address", addr)
	}
	p, err := strconv.ParseUint(port, 10, 16)
	if err != nil || p == 0 {
		return tx.ServeAxon{}, fmt.Errorf("chainrpc: axon address %q: bad port", addr)
	}
	call := tx.ServeAxon{Netuid: netuid, Port: uint16(p), Protocol: AxonProtocol}
	if ip.Is4() || ip.Is4In6() {
		// IPv4 lives in the last 4 bytes with the first 12 zero (not the
		// ::ffff: mapped form).
		v4 := ip.Unmap().As4()
		call.IPType = 4
		copy(call.IP[12:], v4[:])
	} else {
		call.IPType, call.IP = 6, ip.As16()
	}
	return call, nil
}

// SetWeights sets the hotkey's weights on netuid.
func (c *Client) SetWeights(ctx context.Context, netuid uint16, uids, values []uint16, versionKey uint64) error {
	_, err := c.submit(ctx, c.cfg.Hotkey, tx.SetWeights{Netuid: netuid, Uids: uids, Weights: values, VersionKey: versionKey})
	return err
}

// CommitWeights commits to weights by their hash (chain/subnet.CommitHash).
func (c *Client) CommitWeights(ctx context.Context, netuid uint16, hash [32]byte) error {
	_, err := c.submit(ctx, c.cfg.Hotkey, tx.CommitWeights{Netuid: netuid, Hash: hash})
	return err
}

// RevealWeights reveals the hotkey's committed weights.
func (c *Client) RevealWeights(ctx context.Context, netuid uint16, uids, values, salt []uint16, versionKey uint64) error {
	_, err := c.submit(ctx, c.cfg.Hotkey, tx.RevealWeights{Netuid: netuid, Uids: uids, Weights: values, Salt: salt, VersionKey: versionKey})
	return err
}

// UID returns the hotkey's UID on netuid, and false when it is not
// registered there.
func (c *Client) UID(ctx context.Context, netuid uint16) (uint16, bool, error) {
	mg, err := c.cfg.RPC.Metagraph(ctx, netuid, false)
	if err != nil {
		return 0, false, fmt.Errorf("chainrpc: metagraph of subnet %d: %w", netuid, err)
	}
	me := c.cfg.Hotkey.Public().SS58()
	for _, n := range mg.Neurons {
		if n.Hotkey == me {
			return n.UID, true, nil
		}
	}
	return 0, false, nil
}

// Register registers the hotkey on netuid with a burned registration signed
// by the coldkey, unless it is registered already, and returns its UID.
func (c *Client) Register(ctx context.Context, netuid uint16) (uint16, error) {
	if uid, ok, err := c.UID(ctx, netuid); err != nil || ok {
		return uid, err
	}
	if c.cfg.Coldkey == nil {
		return 0, fmt.Errorf("chainrpc: registering on subnet %d needs the coldkey", netuid)
	}
	st, err := c.submit(ctx, c.cfg.Coldkey, tx.BurnedRegister{Netuid: netuid, Hotkey: c.cfg.Hotkey.Public()})
	if err != nil {
		return 0, err
	}
	uid, ok, err := c.UID(ctx, netuid)
	if err == nil && !ok {
		err = fmt.Errorf("chainrpc: registration succeeded in block %d but hotkey %s is not in the metagraph", st.Height, c.cfg.Hotkey.Public().SS58())
	}
	if err != nil {
		return 0, err
	}
	c.log.Info("registered", "netuid", netuid, "uid", uid, "block", st.Height)
	return uid, nil
}

// TopUpHotkey makes sure the hotkey holds at least target rao of free TAO
// (serve-axon and weights transactions go fee-free, so this is only needed
// for a tip or for other calls the hotkey signs): when it holds less, the
// coldkey transfers the difference. It returns the amount sent
// (0 when none was needed).
func (c *Client) TopUpHotkey(ctx context.Context, target uint64) (uint64, error) {
	hot := c.cfg.Hotkey.Public()
	bal, err := c.cfg.RPC.Balance(ctx, hot.SS58())
	if err != nil {
		return 0, fmt.Errorf("chainrpc: balance of hotkey %s: %w", hot.SS58(), err)
	}
	if bal >= target {
		return 0, nil
	}
	if c.cfg.Coldkey == nil {
		return 0, fmt.Errorf("chainrpc: funding hotkey %s needs the coldkey", hot.SS58())
	}
	amount := target - bal
	st, err := c.submit(ctx, c.cfg.Coldkey, tx.Transfer{To: hot, Amount: amount})
	if err != nil {
		return 0, err
	}
	c.log.Info("hotkey funded", "hotkey", hot.SS58(), "rao", amount, "block", st.Height)
	return amount, nil
}

// ModuleInfo is tao_moduleInfo's result: the subnet's module state at the
// head.
type ModuleInfo struct {
	Netuid  uint16  `json:"netuid"`
	Active  *string `json:"active"`
	Pending *struct {
		Module  string `json:"module"`
		AtBlock uint64 `json:"at_block"`
	} `json:"pending"`
}

// ActiveAt returns the module active at height: the pending module when one
// is pending and height has reached its activation block, else the active
// one; false when there is none.
func (m *ModuleInfo) ActiveAt(height uint64) ([32]byte, bool, error) {
	s := m.Active
	if m.Pending != nil && height >= m.Pending.AtBlock {
		s = &m.Pending.Module
	}
	if s == nil {
		return [32]byte{}, false, nil
	}
	id, err := ParseID(*s)
	return id, err == nil, err
}

// PendingAfter returns the module scheduled to become active after height
// and its activation block; false when none is (nothing pending, or its
// block is at or below height, where ActiveAt already reports it).
func (m *ModuleInfo) PendingAfter(height uint64) ([32]byte, uint64, bool, error) {
	if m.Pending == nil || m.Pending.AtBlock <= height {
		return [32]byte{}, 0, false, nil
	}
	id, err := ParseID(m.Pending.Module)
	if err != nil {
		return [32]byte{}, 0, false, err
	}
	return id, m.Pending.AtBlock, true, nil
}

// ParseID parses a module ID, "0x" and 64 hex digits.
func ParseID(s string) ([32]byte, error) {
	var id [32]byte
	h, ok := strings.CutPrefix(s, "0x")
	if !ok || len(h) != 64 {
		return id, fmt.Errorf("chainrpc: module id %q is not 0x and 64 hex digits", s)
	}
	if _, err := hex.Decode(id[:], []byte(h)); err != nil {
		return id, fmt.Errorf("chainrpc: module id %q: %w", s, err)
	}
	return id, nil
}

// ActiveModule returns the module active on netuid at height (see
// ModuleInfo.ActiveAt). The node reports the state at its head, so for a
// height below the head an activation that already happened is not undone:
// callers work at (or near) the head.
func (c *Client) ActiveModule(ctx context.Context, netuid uint16, height uint64) ([32]byte, bool, error) {
	mi, err := c.moduleInfo(ctx, netuid)
	if err != nil {
		return [32]byte{}, false, err
	}
	return mi.ActiveAt(height)
}

// PendingModule returns the module scheduled to become active on netuid
// after height, and its activation block (see ModuleInfo.PendingAfter); the
// loops compile it ahead of that block.
func (c *Client) PendingModule(ctx context.Context, netuid uint16, height uint64) ([32]byte, uint64, bool, error) {
	mi, err := c.moduleInfo(ctx, netuid)
	if err != nil {
		return [32]byte{}, 0, false, err
	}
	return mi.PendingAfter(height)
}

// moduleInfo calls tao_moduleInfo.
func (c *Client) moduleInfo(ctx context.Context, netuid uint16) (*ModuleInfo, error) {
	var mi ModuleInfo
	if err := c.cfg.RPC.Call(ctx, &mi, MethodModuleInfo, netuid); err != nil {
		return nil, fmt.Errorf("chainrpc: %s(%d): %w", MethodModuleInfo, netuid, err)
	}
	return &mi, nil
}

// ModuleCode returns the uploaded bytes of module id, fetched once with
// tao_getModule and verified to hash to id.
func (c *Client) ModuleCode(ctx context.Context, id [32]byte) ([]byte, error) {
	c.modMu.Lock()
	code, ok := c.code[id]
	c.modMu.Unlock()
	if ok {
		return code, nil
	}
	idHex := "0x" + hex.EncodeToString(id[:])
	var out struct {
		ID   string `json:"id"`
		Size int    `json:"size"`
		Code string `json:"code"`
	}
	if err := c.cfg.RPC.Call(ctx, &out, MethodGetModule, idHex); err != nil {
		return nil, fmt.Errorf("chainrpc: %s(%s): %w", MethodGetModule, idHex, err)
	}
	h, ok := strings.CutPrefix(out.Code, "0x")
	if !ok {
		return nil, fmt.Errorf("chainrpc: module %s: code is not 0x-prefixed hex", idHex)
	}
	code, err := hex.DecodeString(h)
	if err != nil {
		return nil, fmt.Errorf("chainrpc: module %s: code: %w", idHex, err)
	}
	if len(code) != out.Size {
		return nil, fmt.Errorf("chainrpc: module %s: node says %d bytes, sent %d", idHex, out.Size, len(code))
	}
	if sum := sha256.Sum256(code); sum != id {
		return nil, fmt.Errorf("chainrpc: module %s: code hashes to 0x%x, not its id", idHex, sum)
	}
	c.modMu.Lock()
	c.code[id] = code
	c.modMu.Unlock()
	return code, nil
}
