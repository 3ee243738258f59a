// Package block defines block headers, blocks, receipts and events, with
// their canonical encodings (package codec) and hashes.
//
// Invariants (consensus-critical):
//   - the block hash is sha256 of the canonical header encoding;
//   - TxRoot is the Merkle root of the block's tx hashes (see TxRoot);
//   - StateRoot is the state root after executing the block (state.Root);
//   - Decode* accept only canonical bytes with bounded lengths, so
//     Encode(Decode(b)) == b.
package block

import (
	"fmt"

	"github.com/taorun/taorun/chain/codec"
	"github.com/taorun/taorun/chain/tx"
	"github.com/taorun/taorun/chain/types"
)

// Limits on decoded sizes.
const (
	MaxBlockTxs   = 100_000
	MaxEvents     = 1_024
	MaxAttrs      = 64
	MaxStringSize = 4_096
)

// Header is a block header. Time is the proposer's time in Unix milliseconds:
// an input to execution, never read from a clock inside it.
type Header struct {
	Height     uint64          `json:"height"`
	ParentHash types.Hash      `json:"parentHash"`
	Time       int64           `json:"time"`
	Proposer   types.AccountID `json:"proposer"`
	TxRoot     types.Hash      `json:"txRoot"`
	StateRoot  types.Hash      `json:"stateRoot"`
}

func (h *Header) encode(w *codec.Writer) {
	w.U64(h.Height)
	w.Bytes32(h.ParentHash)
	w.I64(h.Time)
	w.Fixed(h.Proposer[:])
	w.Bytes32(h.TxRoot)
	w.Bytes32(h.StateRoot)
}

func (h *Header) decode(r *codec.Reader) {
	h.Height = r.U64()
	h.ParentHash = r.Bytes32()
	h.Time = r.I64()
	h.Proposer = r.Bytes32()
	h.TxRoot = r.Bytes32()
	h.StateRoot = r.Bytes32()
}

// Encode returns the header's canonical encoding.
func (h *Header) Encode() []byte {
	w := codec.NewWriter(8 + 32 + 8 + 32 + 32 + 32)
	h.encode(w)
	return w.Bytes()
}

// Hash returns the block hash.
func (h *Header) Hash() types.Hash { return types.Sum(h.Encode()) }

// Block is a header and its encoded transactions, in execution order.
type Block struct {
	Header Header
	Txs    [][]byte
}

// Encode returns header ‖ u32 count ‖ each tx as length-prefixed bytes.
func (b *Block) Encode() []byte {
	n := 200
	for _, t := range b.Txs {
		n += 4 + len(t)
	}
	w := codec.NewWriter(n)
	b.Header.encode(w)
	w.U32(uint32(len(b.Txs)))
	for _, t := range b.Txs {
		w.VarBytes(t)
	}
	return w.Bytes()
}

// Decode parses a canonical block encoding.
func Decode(data []byte) (*Block, error) {
	r := codec.NewReader(data)
	b := &Block{}
	b.Header.decode(r)
	n := r.Len(MaxBlockTxs, "block tx count")
	if r.Err() == nil {
		b.Txs = make([][]byte, 0, min(n, r.Remaining()/4))
	}
	for i := 0; i < n && r.Err() == nil; i++ {
		b.Txs = append(b.Txs, r.VarBytes(tx.MaxAnyTxBytes, "block tx"))
	}
	if err := r.Done(); err != nil {
		return nil, fmt.Errorf("decode block: %w", err)
	}
	return b, nil
}

// TxRoot returns the Merkle root of tx hashes (RFC 6962 style, so a leaf can
// never be mistaken for an inner node): leaf = sha256(0x00 ‖ txhash),
// node = sha256(0x01 ‖ left ‖ right), an odd node at the end of a level is
// carried up unchanged, and the root of no txs is sha256 of nothing.
func TxRoot(hashes []types.Hash) types.Hash {
	if len(hashes) == 0 {
		return types.Sum()
	}
	level := make([]types.Hash, len(hashes))
	for i, h := range hashes {
		level[i] = types.Sum([]byte{0}, h[:])
	}
	for len(level) > 1 {
		next := level[:0:0]
		for i := 0; i < len(level); i += 2 {
			if i+1 == len(level) {
				next = append(next, level[i])
				continue
			}
			next = append(next, types.Sum([]byte{1}, level[i][:], level[i+1][:]))
		}
		level = next
	}
	return level[0]
}
