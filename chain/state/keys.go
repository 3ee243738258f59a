// Package state is the chain's key-value state: a typed key layout over pebble,
// write overlays for transactions and blocks, and the state root.
//
// # Key layout
//
// Every key starts with a one-byte prefix. Prefixes below 0x80 hold consensus
// state and feed the state root; prefixes from 0x80 up hold history and indexes
// that are derived from blocks and do not feed the root. Integers inside keys
// are big endian so that pebble's byte order is numeric order; values use
// package codec (little endian).
//
//	prefix  key after prefix                 value                            owner
//	0x01    AccountID(32)                    balance u64 (free rao)           accounts
//	0x02    AccountID(32)                    nonce u64                        accounts
//	0x03    0x01                             total issuance u64 (rao)         supply
//	0x03    0x02                             burned total u64 (rao)           supply
//	0x04    0x01                             sudo AccountID(32)               sudo
//	0x04    0x02                             chain id (string)                genesis
//	0x10    netuid u16 ‖ ...                 subnet records, hyperparameters  chain/subnet
//	0x11    netuid u16 ‖ uid u16 ‖ ...       neurons (hotkey, axon, ...)      chain/subnet
//	0x12    hotkey(32) ‖ coldkey(32) ‖ ...   stake                            chain/subnet
//	0x13    netuid u16 ‖ ...                 dTAO pools (TAO in, alpha in/out)chain/subnet
//	0x14    netuid u16 ‖ uid u16             weights                          chain/subnet
//	0x15    netuid u16 ‖ uid u16             bonds                            chain/subnet
//	0x16    sha256(32)                       WASM subnet modules              reserved: modules
//	0x17    netuid u16 ‖ ...                 epoch bookkeeping, emission      chain/subnet
//	0x20    H160(20)                         AccountID(32)  (mapped account)  reserved: EVM (evm.md 1.6)
//	0x21    AccountID(32)                    H160(20) (reverse, when known)   reserved: EVM
//	0x22    H160(20)                         contract code                    reserved: EVM
//	0x23    H160(20) ‖ slot(32)              storage word (32)                reserved: EVM
//	0x80    height u64                       encoded block                    history
//	0x81    block hash(32)                   height u64                       history
//	0x82    tx hash(32)                      height u64 ‖ index u32           history
//	0x83    height u64 ‖ index u32           encoded receipt                  history
//	0x84    height u64                       block hook events (if any)       history
//	0xF0    0x01                             head: height, block hash, root   meta
//	0xF0    0x02                             genesis hash(32)                 meta
//	0xF0    0x03                             genesis config (JSON)            meta
//
// The EVM balance of an H160 address is the balance of its mapped account
// (blake2b_256("evm:" ‖ h160), evm.md 1.6) under 0x01, so EVM accounts need no
// balance prefix of their own; 0x20/0x21 only cache the mapping.
//
// # Invariants
//
//   - State is only ever written through an Overlay; the Store writes one pebble
//     batch per block (Store.Commit) holding the block's state writes, the
//     block, its receipts, its indexes and the new head, with Sync. A crash
//     leaves either all of it or none of it.
//   - The state root is a pure function of the previous root, the height and
//     the block's sorted state write set (see Root). It is consensus-critical.
//   - Iteration order is key order, never map order.
package state

import (
	"encoding/binary"

	"github.com/taorun/taorun/chain/types"
)

// Key prefixes. See the package comment for the full layout.
const (
	PrefixBalance byte = 0x01
	PrefixNonce   byte = 0x02
	PrefixSupply  byte = 0x03
	PrefixConfig  byte = 0x04

	PrefixSubnet  byte = 0x10 // subnets and hyperparameters (chain/subnet)
	PrefixNeuron  byte = 0x11 // neurons (chain/subnet)
	PrefixStake   byte = 0x12 // staking (chain/subnet)
	PrefixPool    byte = 0x13 // dTAO pools (chain/subnet)
	PrefixWeights byte = 0x14 // weights and commits (chain/subnet)
	PrefixBonds   byte = 0x15 // bonds (chain/subnet)
	PrefixModule  byte = 0x16 // reserved for WASM subnet modules
	PrefixEpoch   byte = 0x17 // epoch and emission bookkeeping (chain/subnet)

	PrefixEVMAccount byte = 0x20 // reserved: H160 → AccountID
	PrefixEVMReverse byte = 0x21 // reserved: AccountID → H160
	PrefixEVMCode    byte = 0x22 // reserved: contract code
	PrefixEVMStorage byte = 0x23 // reserved: contract storage

	PrefixBlock        byte = 0x80
	PrefixBlockHash    byte = 0x81
	PrefixTxIndex      byte = 0x82
	PrefixReceipt      byte = 0x83
	PrefixBlockEvents  byte = 0x84
	PrefixMeta         byte = 0xF0
	firstHistoryPrefix byte = 0x80
)

// IsState reports whether key belongs to consensus state (and so to the state
// root) rather than to history or meta.
func IsState(key []byte) bool { return len(key) > 0 && key[0] < firstHistoryPrefix }

// Key joins a prefix and parts into a fresh key.
func Key(prefix byte, parts ...[]byte) []byte {
	n := 1
	for _, p := range parts {
		n += len(p)
	}
	k := make([]byte, 1, n)
	k[0] = prefix
	for _, p := range parts {
		k = append(k, p...)
	}
	return k
}

// BE64 returns v as 8 big-endian bytes (for ordered key components).
func BE64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

// BE32 returns v as 4 big-endian bytes.
func BE32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }

// BE16 returns v as 2 big-endian bytes.
func BE16(v uint16) []byte { return binary.BigEndian.AppendUint16(nil, v) }

// BalanceKey is the key of an account's free balance.
func BalanceKey(id types.AccountID) []byte { return Key(PrefixBalance, id[:]) }

// NonceKey is the key of an account's next nonce.
func NonceKey(id types.AccountID) []byte { return Key(PrefixNonce, id[:]) }

// Fixed keys.
var (
	KeyTotalIssuance = []byte{PrefixSupply, 0x01}
	KeyBurned        = []byte{PrefixSupply, 0x02}
	KeySudo          = []byte{PrefixConfig, 0x01}
	KeyChainID       = []byte{PrefixConfig, 0x02}

	KeyHead          = []byte{PrefixMeta, 0x01}
	KeyGenesisHash   = []byte{PrefixMeta, 0x02}
	KeyGenesisConfig = []byte{PrefixMeta, 0x03}
)

// BlockKey is the key of the block at height.
func BlockKey(height uint64) []byte { return Key(PrefixBlock, BE64(height)) }

// BlockHashKey is the key of the hash → height index.
func BlockHashKey(h types.Hash) []byte { return Key(PrefixBlockHash, h[:]) }

// TxIndexKey is the key of the tx hash → (height, index) index.
func TxIndexKey(h types.Hash) []byte { return Key(PrefixTxIndex, h[:]) }

// BlockEventsKey is the key of the hook events of the block at height.
func BlockEventsKey(height uint64) []byte { return Key(PrefixBlockEvents, BE64(height)) }

// ReceiptKey is the key of the receipt of the index-th tx of a block.
func ReceiptKey(height uint64, index uint32) []byte {
	return Key(PrefixReceipt, BE64(height), BE32(index))
}
