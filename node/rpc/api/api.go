// Package api holds the JSON shapes of taorun's JSON-RPC methods, shared by
// the server (package rpc) and the client (package rpcclient).
//
// Conventions (invariants of the wire format): hashes are 0x-prefixed hex;
// accounts are SS58 (prefix 42); rao amounts are decimal strings, because
// they exceed JavaScript's 2^53 safe integers; heights, nonces and indexes
// are JSON numbers; times are Unix milliseconds.
package api

import "github.com/taorun/taorun/chain/types"

// Method names. Other tools depend on them: never rename.
const (
	MethodChainInfo         = "tao_chainInfo"
	MethodBlockNumber       = "tao_blockNumber"
	MethodGetBlock          = "tao_getBlock"
	MethodGetBalance        = "tao_getBalance"
	MethodGetNonce          = "tao_getNonce"
	MethodSendTransaction   = "tao_sendTransaction"
	MethodGetTransaction    = "tao_getTransaction"
	MethodSubscribeNewHeads = "tao_subscribeNewHeads"
	MethodUnsubscribeHeads  = "tao_unsubscribeNewHeads"
	NotificationNewHead     = "tao_newHead"
	MethodSubnets           = "tao_subnets"        // [] → []Subnet
	MethodSubnetInfo        = "tao_subnetInfo"     // [netuid] → SubnetInfo
	MethodMetagraph         = "tao_metagraph"      // [netuid, full?] → Metagraph (full: with weights and bonds)
	MethodStakeInfo         = "tao_stakeInfo"      // [coldkey] → StakeInfo
	MethodSubnetLockCost    = "tao_subnetLockCost" // [] → rao string: the lock of a subnet created next block
)

// JSON-RPC error codes used by the server.
const (
	CodeParseError     = -32700
	CodeInvalidRequest = -32600
	CodeMethodNotFound = -32601
	CodeInvalidParams  = -32602
	CodeInternal       = -32603
	CodeTxRejected     = -32010 // tao_sendTransaction: CheckTx or mempool refused the tx
	CodeLimit          = -32011 // a server bound was hit (batch size, subscriptions)
	CodeNotFound       = -32012 // block or tx unknown
)

// ChainInfo is tao_chainInfo's result.
type ChainInfo struct {
	ChainID       string     `json:"chainId"`
	GenesisHash   types.Hash `json:"genesisHash"`
	Height        uint64     `json:"height"`
	HeadHash      types.Hash `json:"headHash"`
	StateRoot     types.Hash `json:"stateRoot"`
	BlockTimeMs   int64      `json:"blockTimeMs"`
	Sudo          string     `json:"sudo,omitempty"`
	Token         string     `json:"token"`
	Decimals      int        `json:"decimals"`
	SS58Prefix    int        `json:"ss58Prefix"`
	TotalIssuance string     `json:"totalIssuance"`
	Burned        string     `json:"burned"`
}

// Header is a block header.
type Header struct {
	Hash       types.Hash `json:"hash"`
	Height     uint64     `json:"height"`
	ParentHash types.Hash `json:"parentHash"`
	Time       int64      `json:"time"`
	Proposer   string     `json:"proposer"`
	TxRoot     types.Hash `json:"txRoot"`
	StateRoot  types.Hash `json:"stateRoot"`
}

// Block is tao_getBlock's result: the header and the block's tx hashes (and
// the encoded txs as 0x hex when asked for with full = true).
type Block struct {
	Header
	TxHashes []types.Hash `json:"txs"`
	Raw      []string     `json:"raw,omitempty"`
	Events   []Event      `json:"events,omitempty"` // block-level (hook) events
}

// Balance is tao_getBalance's result.
type Balance struct {
	Account string `json:"account"`
	Free    string `json:"free"` // rao
}

// Event is a receipt event.
type Event struct {
	Type  string            `json:"type"`
	Attrs map[string]string `json:"attrs,omitempty"`
}

// Transaction statuses in TxStatus.Status.
const (
	StatusPending = "pending" // in the mempool
	StatusSuccess = "success"
	StatusFailed  = "failed"  // included, fee paid, call had no effect
	StatusInvalid = "invalid" // included by a faulty proposer, no effect
	StatusUnknown = "unknown"
)

// TxStatus is tao_getTransaction's result.
type TxStatus struct {
	Hash      types.Hash  `json:"hash"`
	Status    string      `json:"status"`
	Height    uint64      `json:"height,omitempty"`
	BlockHash *types.Hash `json:"blockHash,omitempty"`
	Index     uint32      `json:"index"`
	Error     string      `json:"error,omitempty"`
	Fee       string      `json:"fee,omitempty"`
	Events    []Event     `json:"events,omitempty"`
}

// Subnet is one entry of tao_subnets and the head of tao_subnetInfo. Prices
// are TAO per alpha as decimal strings with 9 decimals; pool amounts and
// emissions are rao (alpha amounts in alpha-rao, 9 decimals too).
type Subnet struct {
	Netuid        uint16  `json:"netuid"`
	Owner         string  `json:"owner"`       // coldkey
	OwnerHotkey   string  `json:"ownerHotkey"` // registered as a neuron
	Neurons       int     `json:"neurons"`
	MaxNeurons    int     `json:"maxNeurons"`
	Tempo         uint64  `json:"tempo"`
	RegisteredAt  uint64  `json:"registeredAt"` // block
	LockCost      string  `json:"lockCost"`     // rao the owner locked into the pool
	LastEpoch     uint64  `json:"lastEpoch"`    // block of the last epoch
	NextEpoch     uint64  `json:"nextEpoch"`    // first block the next epoch is due
	EpochIndex    uint64  `json:"epochIndex"`   // epochs run so far
	Price         string  `json:"price"`        // spot: TAO in / alpha in
	MovingPrice   string  `json:"movingPrice"`  // the EMA price that sets the subnet's TAO emission share
	TaoIn         string  `json:"taoIn"`        // rao of TAO in the pool
	AlphaIn       string  `json:"alphaIn"`      // alpha in the pool
	AlphaOut      string  `json:"alphaOut"`     // alpha outstanding: stake and pending emission
	AlphaEmission string  `json:"alphaEmission"`
	Pending       Pending `json:"pendingEmission"` // alpha accumulated for the next epoch
	BurnCost      string  `json:"burnCost"`        // rao: current registration burn
}

// Pending is the alpha a subnet has accumulated for its next epoch, by
// destination (alpha-rao).
type Pending struct {
	Server    string `json:"server"`
	Validator string `json:"validator"`
	Root      string `json:"root"`
	Owner     string `json:"owner"`
}

// Hyperparameter is one named subnet hyperparameter; booleans are 0/1.
type Hyperparameter struct {
	Name    string `json:"name"`
	Value   uint64 `json:"value"`
	Owner   bool   `json:"ownerSettable"` // the owner may set it (else only sudo)
	Network bool   `json:"network"`       // network-wide (set with sudo on netuid 0)
}

// SubnetInfo is tao_subnetInfo's result.
type SubnetInfo struct {
	Subnet
	Height          uint64           `json:"height"` // the block the view is at
	Hyperparameters []Hyperparameter `json:"hyperparameters"`
}

// Axon is a neuron's served endpoint.
type Axon struct {
	IP       string `json:"ip"`
	Port     uint16 `json:"port"`
	IPType   uint8  `json:"ipType"`
	Protocol uint8  `json:"protocol"`
	Version  uint32 `json:"version"`
	Block    uint64 `json:"block"`
}

// WeightEntry is one stored weight or bond (target uid, u16 value).
type WeightEntry struct {
	UID   uint16 `json:"uid"`
	Value uint16 `json:"value"`
}

// Neuron is one uid of tao_metagraph. Proportions (stake weight, incentive,
// dividends, consensus, validator trust) are u16 with 65535 = 1.0, as stored
// by the last epoch; stake and emission are alpha-rao.
type Neuron struct {
	UID                 uint16        `json:"uid"`
	Hotkey              string        `json:"hotkey"`
	Coldkey             string        `json:"coldkey"`
	Stake               string        `json:"stake"`    // alpha-rao staked to the hotkey on this subnet
	TaoStake            string        `json:"taoStake"` // rao staked to the hotkey on the root subnet
	StakeWeight         uint16        `json:"stakeWeight"`
	Incentive           uint16        `json:"incentive"`
	Dividends           uint16        `json:"dividends"`
	Consensus           uint16        `json:"consensus"`
	ValidatorTrust      uint16        `json:"validatorTrust"`
	Emission            string        `json:"emission"` // alpha-rao of the last epoch
	Active              bool          `json:"active"`
	ValidatorPermit     bool          `json:"validatorPermit"`
	LastUpdate          uint64        `json:"lastUpdate"`
	BlockAtRegistration uint64        `json:"registeredAt"`
	Axon                *Axon         `json:"axon,omitempty"`
	Weights             []WeightEntry `json:"weights,omitempty"`
	Bonds               []WeightEntry `json:"bonds,omitempty"`
}

// Metagraph is tao_metagraph's result: the subnet and every uid in order.
type Metagraph struct {
	SubnetInfo
	Neurons []Neuron `json:"neuronsList"`
}

// Stake is one entry of tao_stakeInfo: a coldkey's stake on a hotkey in a subnet.
type Stake struct {
	Coldkey  string `json:"coldkey"`
	Hotkey   string `json:"hotkey"`
	Netuid   uint16 `json:"netuid"`
	Alpha    string `json:"alpha"`    // alpha-rao
	TaoValue string `json:"taoValue"` // rao: what unstaking all of it would return now
}

// StakeInfo is tao_stakeInfo's result for one coldkey.
type StakeInfo struct {
	Coldkey string  `json:"coldkey"`
	Height  uint64  `json:"height"`
	Stakes  []Stake `json:"stakes"`
	Total   string  `json:"totalTaoValue"` // rao
}
