package subnet

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/taorun/taorun/chain/state"
	"github.com/taorun/taorun/chain/types"
)

// Hotkey swap (subtensor's swap_hotkey over all subnets): a coldkey replaces
// one of its hotkeys by a fresh one, and everything the chain keeps for the
// old hotkey follows. See SwapHotkey.

// Hotkey swap defaults (subtensor's runtime values, spec yuma-emission.md
// §4). Both are network-wide hyperparameters that sudo sets on netuid 0
// (key_swap_cost, tx_rate_limit in Params); these are their values until
// it does.
const (
	// DefaultKeySwapCost is the TAO (rao) a hotkey swap burns from the
	// coldkey (SubtensorInitialKeySwapCost, 0.1 TAO).
	DefaultKeySwapCost = 100_000_000
	// DefaultTxRateLimit is the number of blocks a coldkey must wait after
	// a hotkey swap before its next one (TxRateLimit): with limit L, a swap
	// at block b allows the next one from block b+L+1, as subtensor's
	// exceeds_tx_rate_limit (current − last ≤ limit) refuses; L = 0 (or no
	// earlier swap) allows it at once, as upstream.
	DefaultTxRateLimit = 1_000
)

// Errors of the hotkey swap (wrapped with details).
var (
	ErrSameHotkey  = errors.New("new hotkey is the old hotkey")
	ErrHotkeyInUse = errors.New("new hotkey is already in use")
)

// lastTxKey is the block of the last rate-limited transaction of an account
// (subtensor's LastTxBlock): set for the coldkey by each hotkey swap, and
// carried from the old hotkey to the new one. It lives under the account's
// stake-prefix records so that the swap's prefix move carries it.
func lastTxKey(account types.AccountID) []byte {
	return state.Key(state.PrefixStake, account[:], []byte{'l'})
}

// LastTxBlock returns the block of account's last rate-limited transaction
// (0: none).
func LastTxBlock(r state.Reader, account types.AccountID) (uint64, error) {
	return state.GetU64(r, lastTxKey(account))
}

// HotkeyOwner returns the coldkey that owns hotkey (ok false: no coldkey
// does, the hotkey was never registered or was swapped away).
func HotkeyOwner(r state.Reader, hotkey types.AccountID) (owner types.AccountID, ok bool, err error) {
	s := &rw{o: state.NewOverlay(r)}
	owner, ok = s.account(ownerKey(hotkey))
	return owner, ok, s.err
}

// errFound stops a prefix iteration at its first entry.
var errFound = errors.New("found")

// SwapHotkey replaces coldkey's hotkey oldHotkey by newHotkey at height,
// burning the key_swap_cost hyperparameter (root's, DefaultKeySwapCost
// until sudo sets it) from coldkey, and returns the cost burned. It is
// subtensor's swap_hotkey without a netuid (every subnet) and without
// keep_stake (stake moves):
//
//   - Checks, in upstream's order: coldkey owns oldHotkey, the keys differ,
//     coldkey's last swap is more than tx_rate_limit blocks ago (root's
//     hyperparameter; 0 means no limit), newHotkey is unused (no owner, no
//     record under the stake prefix but a last-tx block or child key
//     rate-limit blocks, no uid on any subnet), coldkey can pay the cost.
//   - Moves: every record keyed by oldHotkey under the stake prefix (owner,
//     delegate take, per-subnet totals, (hotkey, coldkey) stakes with their
//     nominator indexes, the last-tx block, child key lists and childkey
//     take) is rewritten under newHotkey with its value unchanged, except
//     the blocks of its last set_children and set_childkey_take on each
//     subnet, which stay with oldHotkey (upstream keys them by hotkey in
//     TransactionKeyLastBlock, which its swap does not touch, so the new
//     hotkey is not rate limited by the old one's calls); on every subnet
//     the uid map entry moves and the neuron record (same uid, so its
//     results, weights row, bonds row, last update and axon stay with it)
//     names newHotkey; a pending weights commit moves to newHotkey (its
//     hash was made over oldHotkey, so as upstream it stays as rate-limit
//     bookkeeping until it expires or is replaced, and cannot be revealed
//     by the new hotkey); a subnet whose owner hotkey is oldHotkey gets
//     newHotkey; its children's parents lists and its parents' children
//     lists name newHotkey, and its pending children list moves
//     (swapChildKeys; its own children, parents and childkey take moved
//     with the stake-prefix records).
//   - coldkey's last-tx block becomes height.
//
// Module storage is not touched: it is the subnet module's own key space,
// opaque to the chain, and the module sees the new hotkey at the same uid in
// its metagraph. The optional netuid of upstream (a swap on one subnet,
// leaving the old hotkey owned and registered elsewhere, with its own cost
// and per-subnet interval) is not offered: it leaves one identity split over
// two hotkeys, which none of taorun's records needs, and btcli's default
// swap-hotkey is the all-subnets one.
//
// Cost: one prefix scan of oldHotkey's stake records (its stakes on every
// subnet, so bounded by its nominators times the subnets, the same order as
// paying its nominators in an epoch) plus a few reads per subnet.
// Consensus-critical: iteration is in key order and a failure leaves o as
// it was.
func SwapHotkey(o *state.Overlay, coldkey, oldHotkey, newHotkey types.AccountID, height uint64) (cost uint64, err error) {
	err = atomically(o, func(s *rw) error {
		owner, ok := s.account(ownerKey(oldHotkey))
		if !ok {
			return fmt.Errorf("%w: %s", ErrHotkeyUnknown, oldHotkey.SS58())
		}
		if owner != coldkey {
			return fmt.Errorf("%w: %s is owned by %s, not the signer %s", ErrHotkeyOwned, oldHotkey.SS58(), owner.SS58(), coldkey.SS58())
		}
		if oldHotkey == newHotkey {
			return fmt.Errorf("%w: %s", ErrSameHotkey, oldHotkey.SS58())
		}
		limit := s.param(RootNetuid, PTxRateLimit)
		if last := s.u64(lastTxKey(coldkey)); last != 0 && limit != 0 && satSub(height, last) <= limit {
			return fmt.Errorf("%w: %s swapped a hotkey at block %d, next swap allowed at %d (tx_rate_limit %d)", ErrRateLimited,
				coldkey.SS58(), last, last+limit+1, limit)
		}
		if err := s.checkUnused(newHotkey); err != nil {
			return err
		}
		netuids := s.netuids()
		for _, netuid := range netuids {
			if _, ok := s.uid(netuid, newHotkey); ok {
				return fmt.Errorf("%w: %s is registered on subnet %d", ErrHotkeyInUse, newHotkey.SS58(), netuid)
			}
		}
		cost = s.param(RootNetuid, PKeySwapCost)
		if cost > 0 { // a free swap touches no balance record
			if err := s.debit(coldkey, cost, "hotkey swap"); err != nil {
				return err
			}
			s.addU64(state.KeyBurned, cost)
		}

		s.moveStakeRecords(oldHotkey, newHotkey)
		for _, netuid := range netuids {
			s.swapOnSubnet(netuid, oldHotkey, newHotkey)
		}
		s.setU64(lastTxKey(coldkey), height)
		return nil
	})
	if err != nil {
		return 0, err
	}
	return cost, nil
}

// checkUnused fails unless hotkey has no record under the stake prefix but
// possibly a last-tx block (an account that swapped keys as a coldkey may
// become a hotkey; upstream overwrites that block too) and child key
// rate-limit blocks (a hotkey swapped away keeps them, and upstream lets it
// be swapped in again). Every other record there needs an owner first
// (registration claims the hotkey, staking requires an owner), so this also
// refuses a hotkey registered anywhere; and it guarantees the prefix move
// below never merges two hotkeys' records (the rate-limit blocks do not
// move).
func (s *rw) checkUnused(hotkey types.AccountID) error {
	var found []byte
	prefix := state.Key(state.PrefixStake, hotkey[:])
	last := lastTxKey(hotkey)
	if s.err != nil {
		return s.err
	}
	err := s.o.Iterate(prefix, func(k, _ []byte) error {
		if bytes.Equal(k, last) || staysWithHotkey(k[len(prefix):]) {
			return nil
		}
		found = bytes.Clone(k)
		return errFound
	})
	if err != nil && !errors.Is(err, errFound) {
		s.fail(err)
		return err
	}
	if found == nil {
		return nil
	}
	if owner, ok := s.account(ownerKey(hotkey)); ok {
		return fmt.Errorf("%w: %s is owned by %s", ErrHotkeyInUse, hotkey.SS58(), owner.SS58())
	}
	return fmt.Errorf("%w: %s has state records (first at %x)", ErrHotkeyInUse, hotkey.SS58(), found)
}

// moveStakeRecords rewrites every record under 0x12 ‖ from as 0x12 ‖ to ‖
// the same suffix, value unchanged, in key order, but those that stay with
// from (staysWithHotkey). A last-tx block of to that from lacks is removed,
// as upstream sets the new hotkey's LastTxBlock to the old one's (0 when
// absent). Records are collected before any write, so the iteration never
// sees its own writes.
func (s *rw) moveStakeRecords(from, to types.AccountID) {
	prefix := state.Key(state.PrefixStake, from[:])
	var moved []state.Write
	s.iterate(prefix, func(k, v []byte) error {
		if !staysWithHotkey(k[len(prefix):]) {
			moved = append(moved, state.Write{Key: bytes.Clone(k[len(prefix):]), Value: bytes.Clone(v)})
		}
		return nil
	})
	s.o.Delete(lastTxKey(to))
	for _, w := range moved {
		s.o.Delete(append(bytes.Clone(prefix), w.Key...))
		s.o.Set(state.Key(state.PrefixStake, to[:], w.Key), w.Value)
	}
}

// staysWithHotkey reports whether suffix, a record key under 0x12 ‖ hotkey
// with that prefix cut, is one a swap leaves with the old hotkey: the block
// of its last set_children or set_childkey_take on a subnet ('k' ‖ netuid
// ‖ 'r' / 's', the only 4-byte suffixes starting with 'k').
func staysWithHotkey(suffix []byte) bool {
	return len(suffix) == 4 && suffix[0] == ckMarker && (suffix[3] == ckLastSet || suffix[3] == ckLastTake)
}

// swapOnSubnet moves from's uid, neuron record, pending commit, subnet
// ownership and child key links on netuid to to (each only if from has it
// there). It runs after moveStakeRecords, which swapChildKeys relies on.
func (s *rw) swapOnSubnet(netuid uint16, from, to types.AccountID) {
	if uid, ok := s.uid(netuid, from); ok {
		nr, ok := s.neuron(netuid, uid)
		if !ok || nr.Hotkey != from {
			s.fail(fmt.Errorf("%w: uid %d of subnet %d maps from %s but its neuron names %s", ErrCorrupt, uid, netuid, from.SS58(),
				nr.Hotkey.SS58()))
			return
		}
		nr.Hotkey = to
		s.setNeuron(netuid, uid, &nr)
		s.o.Delete(uidKey(netuid, from))
		s.setUID(netuid, to, uid)
	}
	if c, ok := s.commit(netuid, from); ok {
		s.o.Delete(commitKey(netuid, from))
		s.setCommit(netuid, to, c)
	}
	if info, ok := s.info(netuid); ok && info.OwnerHotkey == from {
		info.OwnerHotkey = to
		s.o.Set(subnetKey(netuid, subInfo), info.encode())
	}
	s.swapChildKeys(netuid, from, to) // children.go
}

// CheckUIDs verifies the uid invariants on r: on every subnet the uids are
// 0..n-1, each neuron record names a hotkey whose uid map entry is that uid,
// the uid maps hold exactly n entries, and every neuron's hotkey is owned by
// some coldkey. It reads every neuron, so it is for tests and audits.
func CheckUIDs(r state.Reader) error {
	s := &rw{o: state.NewOverlay(r)}
	for _, netuid := range s.netuids() {
		n := s.n(netuid)
		for uid := range n {
			nr, ok := s.neuron(netuid, uid)
			if !ok {
				return fmt.Errorf("uid invariant: subnet %d has n = %d but no neuron at uid %d", netuid, n, uid)
			}
			if got, ok := s.uid(netuid, nr.Hotkey); !ok || got != uid {
				return fmt.Errorf("uid invariant: subnet %d uid %d names %s, whose uid map entry is %d (present %v)", netuid, uid,
					nr.Hotkey.SS58(), got, ok)
			}
			if _, ok := s.account(ownerKey(nr.Hotkey)); !ok {
				return fmt.Errorf("uid invariant: subnet %d uid %d hotkey %s has no owner", netuid, uid, nr.Hotkey.SS58())
			}
		}
		entries := 0
		s.iterate(state.Key(state.PrefixNeuron, state.BE16(netuid), state.BE16(reservedIndex)), func(_, _ []byte) error {
			entries++
			return nil
		})
		if s.err == nil && entries != int(n) {
			return fmt.Errorf("uid invariant: subnet %d has %d uid map entries for %d uids", netuid, entries, n)
		}
		if s.err != nil {
			return s.err
		}
	}
	return s.err
}
