// Package chain is taorun's state machine: it executes blocks of signed
// transactions over the pebble state in package state, and commits each block
// atomically. Its API is shaped after ABCI 2.0 (CheckTx, PrepareProposal,
// ProcessProposal, FinalizeBlock, Commit, Info) so that any block engine — the
// solo sequencer in package node now, CometBFT later — drives it without
// changes here.
//
// Invariants:
//   - Execution is deterministic: FinalizeBlock's results and state root are a
//     pure function of the committed state and the proposal (height, time,
//     proposer, txs). No wall clock, no map iteration order, no floats.
//     Signatures are verified in parallel but results are applied in block
//     order.
//   - FinalizeBlock writes nothing durable; Commit writes the block's state
//     writes, the block, its receipts, the tx index and the new head in one
//     synced pebble batch. After a crash, Open resumes at the last committed
//     block with its state root.
//   - An invalid tx (wrong genesis, bad signature, wrong nonce, fee too low or
//     unpayable, a fee-free call refused) has no effect; a valid tx whose call
//     fails pays its fee (burned) and consumes its nonce, and nothing else
//     changes.
//   - The supply invariant (CheckSupply) holds after every committed block.
//
// # Fee-free calls
//
// As in subtensor, where serve_axon, set_weights, commit_weights and
// reveal_weights are Pays::No, a validator or miner hotkey that holds no TAO
// can send those calls: the call table marks them (tx.Spec.FeeFree), and a
// tx of such a call whose fee is below tx.MinFee is fee-free
// (tx.FeeFreeNetuid). Spam is bounded by validity instead of a fee:
//
//   - A fee-free tx is valid only if its call's own chain checks pass at that
//     point of the block (package chain/subnet's Admit functions, the same
//     check code the call runs): the signer is a hotkey registered on the
//     call's netuid, and the weights rate limit (set_weights,
//     reveal_weights), the commit rate limit and commit-reveal rules
//     (commit_weights: commit-reveal on, a pending commit at least
//     weights_rate_limit blocks old; reveal_weights: a matching commit whose
//     reveal epoch is now) or the serving rate limit (serve_axon) allow it,
//     with every other check of the call (validator permit, uids, version
//     key, axon address). CheckTx checks it against committed state at the
//     next height, block execution at the tx's place in the block; both are
//     deterministic. A refused one is invalid (ErrFeeFreeRefused wrapping the
//     check's error): no effect, not included, dropped from the mempool.
//   - At most one fee-free tx per signer and subnet per block (later ones are
//     invalid in that block), so a hotkey whose calls the subnet module
//     keeps rejecting, or a subnet with weights_rate_limit 0, still costs at
//     most one hook run per hotkey, subnet and block.
//   - A valid fee-free tx consumes its nonce and pays its fee as a tip (0 is
//     fine: then its balance is not touched at all), also when the call then
//     fails; since the chain checks passed, only the subnet module's verdict
//     (validate_weights rejecting) can still fail it.
//   - Nonces: a hotkey that never held TAO may sign with nonce 0 (an absent
//     nonce reads 0); its first included tx writes its nonce record, which
//     is never removed, so a tx can never replay, also after the hotkey is
//     deregistered or registered again.
//   - Module hook fees (modules.HookFee of validate_weights' gas) are waived
//     for a fee-free tx: the hotkey may hold nothing, and the hook's work is
//     bounded by the rate limits, the per-block slot and the subnet's
//     validate_weights_gas limit. A paying tx (fee at least tx.MinFee) of the
//     same calls behaves exactly as before: it is included when its call
//     fails, and pays the hook fee.
//   - Ordering is not the chain's concern (a block executes its txs in the
//     proposer's order): the node's mempool puts fee-free txs of hotkeys
//     staked on the call's subnet first, by that stake (SubnetStake), then
//     paying txs by fee, then the other fee-free txs (package node/mempool).
//
// # Extending
//
//   - A call: a kind and decoder in package tx (its call table), a handler in
//     this package's handlers table (tests fail if one is missing). Handlers get
//     a CallContext whose State is discarded when they return an error. A
//     call marked FeeFree in the table also needs its entry in admissions
//     (feefree.go).
//   - Per-block logic (emission, epochs): a Hook passed in Options.Hooks.
//   - Subnet modules: Options.Modules runs their chain-side hooks inside the
//     subnet calls and epochs (module_hooks.go); a hook's node fault
//     (ErrNodeFault) aborts the block instead of failing the tx.
//   - State: a reserved prefix of package state, with typed accessors in the
//     owning package; TAO held outside balances needs a supplyHolders entry.
//
// For CometBFT: Info is Head (height and state root, stored atomically with
// the block); InitChain corresponds to Open with a genesis (the genesis is a
// pure function of its file, so re-initialising an empty directory is
// idempotent); the state root goes into AppHash.
package chain

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/taorun/taorun/chain/block"
	"github.com/taorun/taorun/chain/codec"
	"github.com/taorun/taorun/chain/modules"
	"github.com/taorun/taorun/chain/state"
	"github.com/taorun/taorun/chain/subnet"
	"github.com/taorun/taorun/chain/types"
)

// Options configures Open.
type Options struct {
	// Genesis initialises an empty data directory; with an existing one it
	// must match the stored genesis (nil: use the stored one).
	Genesis *Genesis
	// Hooks run at every block, in order.
	Hooks []Hook
	// Logger receives the chain's logs (nil: slog.Default()).
	Logger *slog.Logger
	// Modules runs the subnet modules' chain-side hooks (validate_weights in
	// set_weights and reveal_weights, on_register in burned_register,
	// on_epoch in every epoch; see NewModuleHooks). Nil: no module ever runs
	// and every hook gives its default of docs/abi.md §3 (accept, allow, keep
	// Yuma's split). A nil Metagraph is filled with ModuleMetagraph. Every
	// node of a network must run the hooks: they are part of the state
	// transition.
	Modules *modules.Hooks
	// EpochObserver, when set, receives the wall time of every epoch run
	// (Yuma Consensus, on_epoch and payouts) for metrics. It observes only:
	// nothing it does reaches state.
	EpochObserver func(netuid uint16, took time.Duration)
}

// Head is the last committed block: its header and hash.
type Head struct {
	Header block.Header
	Hash   types.Hash
}

// Chain is the state machine over one data directory. CheckTx and the query
// methods are safe for concurrent use; the block methods (PrepareProposal,
// ProcessProposal, FinalizeBlock, Commit) are serialised internally and meant
// to be driven by one engine.
type Chain struct {
	store       *state.Store
	genesisHash types.Hash
	genesis     Genesis
	hooks       []Hook
	modules     *modules.Hooks
	epochObs    func(netuid uint16, took time.Duration)
	log         *slog.Logger
	sigs        *sigCache

	headMu sync.RWMutex
	head   Head

	closeOnce sync.Once

	mu       sync.Mutex // serialises block execution and commit
	pending  *executed  // FinalizeBlock result awaiting Commit
	prepared *executed  // PrepareProposal result, reused by a matching FinalizeBlock
}

// Open opens the chain in dir, initialising it from opts.Genesis if dir holds
// no chain yet, and checks that the stored head is consistent (the head block
// exists, hashes to the head hash and carries the head state root).
func Open(dir string, opts Options) (*Chain, error) {
	st, err := state.Open(dir)
	if err != nil {
		return nil, err
	}
	c := &Chain{store: st, hooks: opts.Hooks, log: opts.Logger, sigs: newSigCache(1 << 18), epochObs: opts.EpochObserver}
	if opts.Modules != nil {
		h := *opts.Modules
		if h.Metagraph == nil {
			h.Metagraph = ModuleMetagraph
		}
		c.modules = &h
	}
	if c.log == nil {
		c.log = slog.Default()
	}
	if err := c.load(opts.Genesis); err != nil {
		st.Close()
		return nil, err
	}
	return c, nil
}

func (c *Chain) load(gen *Genesis) error {
	raw, ok, err := c.store.Get(state.KeyHead)
	if err != nil {
		return err
	}
	if !ok {
		if gen == nil {
			return errors.New("chain: empty data directory and no genesis given")
		}
		return c.initGenesis(gen)
	}
	r := codec.NewReader(raw)
	height, hash, root := r.U64(), types.Hash(r.Bytes32()), types.Hash(r.Bytes32())
	if err := r.Done(); err != nil {
		return fmt.Errorf("chain: corrupt head record: %w", err)
	}
	b, err := c.BlockByHeight(height)
	if err != nil || b == nil {
		return fmt.Errorf("chain: head block %d missing: %v", height, err)
	}
	if b.Header.Hash() != hash || b.Header.StateRoot != root {
		return fmt.Errorf("chain: head record (%d, %s, root %s) does not match stored block %s root %s",
			height, hash, root, b.Header.Hash(), b.Header.StateRoot)
	}
	graw, _, err := c.store.Get(state.KeyGenesisConfig)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(graw, &c.genesis); err != nil {
		return fmt.Errorf("chain: corrupt stored genesis: %w", err)
	}
	gh, _, err := c.store.Get(state.KeyGenesisHash)
	if err != nil || len(gh) != 32 {
		return fmt.Errorf("chain: corrupt stored genesis hash: %v", err)
	}
	copy(c.genesisHash[:], gh)
	if gen != nil {
		want, _ := json.Marshal(gen)
		if string(want) != string(graw) {
			return errors.New("chain: the given genesis differs from the one this data directory was created with")
		}
	}
	c.head = Head{Header: b.Header, Hash: hash}
	c.log.Info("chain opened", "height", height, "hash", hash, "stateRoot", root, "genesis", c.genesisHash)
	return nil
}

// initGenesis writes the genesis state and block 0 in one batch.
func (c *Chain) initGenesis(gen *Genesis) error {
	gs, err := gen.build()
	if err != nil {
		return fmt.Errorf("chain: genesis: %w", err)
	}
	o := state.NewOverlay(c.store)
	gs.apply(o, gen.ChainID)
	hdr := block.Header{Height: 0, Time: gen.Time, TxRoot: block.TxRoot(nil),
		StateRoot: state.Root(types.Hash{}, 0, o.Writes())}
	ex := &executed{block: &block.Block{Header: hdr}, overlay: o}
	c.genesisHash = hdr.Hash()
	c.genesis = *gen
	graw, _ := json.Marshal(gen)
	o.Set(state.KeyGenesisHash, c.genesisHash[:])
	o.Set(state.KeyGenesisConfig, graw)
	if err := c.commit(ex); err != nil {
		return err
	}
	c.log.Info("genesis written", "chainId", gen.ChainID, "hash", c.genesisHash, "stateRoot", hdr.StateRoot)
	return nil
}

// Close closes the store; later calls do nothing. Uncommitted work is dropped.
func (c *Chain) Close() error {
	var err error
	c.closeOnce.Do(func() { err = c.store.Close() })
	return err
}

// GenesisHash returns the hash of block 0, which every tx signs.
func (c *Chain) GenesisHash() types.Hash { return c.genesisHash }

// Genesis returns the genesis this chain was created with.
func (c *Chain) Genesis() Genesis { return c.genesis }

// Head returns the last committed block.
func (c *Chain) Head() Head {
	c.headMu.RLock()
	defer c.headMu.RUnlock()
	return c.head
}

// State returns a reader over committed state (for queries; never for execution).
func (c *Chain) State() state.Reader { return c.store }

// View is a consistent read-only view of committed state: the state after
// block Height, unaffected by blocks committed while it is open.
type View struct {
	*state.Snapshot
	Height uint64
}

// View opens a consistent view of the committed state (for queries that read
// many keys); Close it when done.
func (c *Chain) View() (*View, error) {
	c.headMu.RLock()
	snap := c.store.Snapshot()
	c.headMu.RUnlock()
	raw, ok, err := snap.Get(state.KeyHead)
	if err == nil && (!ok || len(raw) < 8) {
		err = errors.New("chain: no head record")
	}
	if err != nil {
		snap.Close()
		return nil, err
	}
	return &View{Snapshot: snap, Height: codec.NewReader(raw).U64()}, nil
}

// Balance returns an account's committed free balance.
func (c *Chain) Balance(id types.AccountID) (uint64, error) { return state.Balance(c.store, id) }

// Nonce returns an account's committed next nonce.
func (c *Chain) Nonce(id types.AccountID) (uint64, error) { return state.Nonce(c.store, id) }

// SubnetStake returns hotkey's stake on netuid as committed: the alpha its
// uid weighs in with in the subnet's epoch (subnet.InheritedAlpha: own
// stake, less what it lends to child keys, plus what parents lend it).
// The node's mempool ranks fee-free transactions by it. Safe for
// concurrent use.
func (c *Chain) SubnetStake(hotkey types.AccountID, netuid uint16) (uint64, error) {
	return subnet.InheritedAlpha(c.store, hotkey, netuid)
}

// BlockByHeight returns the committed block at height, or nil if none.
func (c *Chain) BlockByHeight(height uint64) (*block.Block, error) {
	raw, ok, err := c.store.Get(state.BlockKey(height))
	if err != nil || !ok {
		return nil, err
	}
	return block.Decode(raw)
}

// BlockByHash returns the committed block with the given hash, or nil if none.
func (c *Chain) BlockByHash(h types.Hash) (*block.Block, error) {
	raw, ok, err := c.store.Get(state.BlockHashKey(h))
	if err != nil || !ok {
		return nil, err
	}
	if len(raw) != 8 {
		return nil, fmt.Errorf("chain: corrupt block hash index for %s", h)
	}
	return c.BlockByHeight(beU64(raw))
}

// Receipt returns the receipt of a committed tx, or nil if the tx is not in
// any committed block.
func (c *Chain) Receipt(h types.Hash) (*block.Receipt, error) {
	raw, ok, err := c.store.Get(state.TxIndexKey(h))
	if err != nil || !ok {
		return nil, err
	}
	if len(raw) != 12 {
		return nil, fmt.Errorf("chain: corrupt tx index for %s", h)
	}
	rraw, ok, err := c.store.Get(state.ReceiptKey(beU64(raw[:8]), uint32(beU64(raw[8:]))))
	if err != nil || !ok {
		return nil, fmt.Errorf("chain: receipt of indexed tx %s missing: %v", h, err)
	}
	return block.DecodeReceipt(rraw)
}

// Receipts returns the receipts of the committed block at height, in order.
func (c *Chain) Receipts(height uint64) ([]*block.Receipt, error) {
	var out []*block.Receipt
	err := c.store.Iterate(state.Key(state.PrefixReceipt, state.BE64(height)), func(_, v []byte) error {
		rc, err := block.DecodeReceipt(v)
		if err == nil {
			out = append(out, rc)
		}
		return err
	})
	return out, err
}

// BlockEvents returns the events the hooks emitted in the committed block at
// height (nil if none).
func (c *Chain) BlockEvents(height uint64) ([]block.Event, error) {
	raw, ok, err := c.store.Get(state.BlockEventsKey(height))
	if err != nil || !ok {
		return nil, err
	}
	return block.DecodeEvents(raw)
}

func beU64(b []byte) uint64 {
	var v uint64
	for _, x := range b {
		v = v<<8 | uint64(x)
	}
	return v
}
