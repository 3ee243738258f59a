package subnet

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"maps"
	"slices"

	"github.com/taorun/taorun/chain/state"
	"github.com/taorun/taorun/chain/types"
)

// Pool is a subnet's dTAO pool: TAO and alpha reserves and the alpha
// outstanding (staked or pending). Root's pool holds root stake 1:1.
type Pool struct {
	TAO, AlphaIn, AlphaOut uint64
}

func (s *rw) pool(netuid uint16) Pool {
	return Pool{s.u64(poolKey(netuid, poolTAO)), s.u64(poolKey(netuid, poolAlphaIn)), s.u64(poolKey(netuid, poolAlphaOut))}
}

func (s *rw) setPool(netuid uint16, p Pool) {
	s.setU64(poolKey(netuid, poolTAO), p.TAO)
	s.setU64(poolKey(netuid, poolAlphaIn), p.AlphaIn)
	s.setU64(poolKey(netuid, poolAlphaOut), p.AlphaOut)
}

// GetPool returns netuid's pool.
func GetPool(r state.Reader, netuid uint16) (Pool, error) {
	s := &rw{o: state.NewOverlay(r)}
	p := s.pool(netuid)
	return p, s.err
}

// Stake returns the alpha (TAO on root) of (hotkey, coldkey) on netuid.
func Stake(r state.Reader, hotkey, coldkey types.AccountID, netuid uint16) (uint64, error) {
	return state.GetU64(r, stakeKey(hotkey, coldkey, netuid))
}

// HotkeyStake returns the total alpha staked to hotkey on netuid.
func HotkeyStake(r state.Reader, hotkey types.AccountID, netuid uint16) (uint64, error) {
	return state.GetU64(r, hotkeyTotalKey(hotkey, netuid))
}

// PooledTAO returns Σ SubnetTAO over every pool, root included: the TAO held
// by stake. chain.CheckSupply adds it to balances and burned.
func PooledTAO(r state.Reader) (uint64, error) {
	var total uint64
	err := r.Iterate([]byte{state.PrefixPool}, func(k, v []byte) error {
		if len(k) != 4 || k[3] != poolTAO {
			return nil
		}
		if len(v) != 8 {
			return fmt.Errorf("%w: pool TAO at %x is %d bytes", ErrCorrupt, k, len(v))
		}
		n := binary.LittleEndian.Uint64(v)
		if total+n < total {
			return fmt.Errorf("%w: pooled TAO overflows", ErrCorrupt)
		}
		total += n
		return nil
	})
	return total, err
}

// CheckAlpha verifies the alpha invariants on r: per subnet (root included)
// SubnetAlphaOut == Σ stakes + pending accumulators + protocol alpha (chain
// buys), and every hotkey total
// equals the sum of its stakes. It reads all stake, so it is for tests and
// audits; its maps are only ever read in sorted key order, so the error it
// reports is deterministic.
func CheckAlpha(r state.Reader) error {
	s := &rw{o: state.NewOverlay(r)}
	perNet := map[uint16]uint64{}
	perHot := map[string]uint64{}
	totals := map[string]uint64{}
	indexed := map[string]int{} // hotkey‖netuid → encoded nominator list length
	counts := map[string]int{}
	s.iterate([]byte{state.PrefixStake}, func(k, v []byte) error {
		switch len(k) {
		case 1 + 32 + 32 + 2:
			a := leU64(v)
			perNet[binary.BigEndian.Uint16(k[65:])] += a
			perHot[string(k[1:33])+string(k[65:])] += a
			if a > 0 {
				counts[string(k[1:33])+string(k[65:])]++
			}
		case 1 + 32 + 2:
			totals[string(k[1:])] = leU64(v)
		case 1 + 32 + 2 + 1:
			if k[35] == 'n' {
				indexed[string(k[1:35])] = len(v)
			}
		}
		return nil
	})
	if s.err != nil {
		return s.err
	}
	for _, hk := range slices.Sorted(maps.Keys(perHot)) {
		sum := perHot[hk]
		if totals[hk] != sum {
			return fmt.Errorf("alpha invariant: hotkey %x total %d != Σ stakes %d", hk, totals[hk], sum)
		}
	}
	for _, hk := range slices.Sorted(maps.Keys(counts)) {
		c := counts[hk]
		if indexed[hk] != 4+32*c {
			return fmt.Errorf("alpha invariant: hotkey %x has %d stakers, nominator index holds %d bytes", hk, c, indexed[hk])
		}
	}
	if len(indexed) != len(counts) {
		return fmt.Errorf("alpha invariant: %d nominator indexes for %d staked hotkeys", len(indexed), len(counts))
	}
	for _, hk := range slices.Sorted(maps.Keys(totals)) {
		t := totals[hk]
		if perHot[hk] != t {
			return fmt.Errorf("alpha invariant: hotkey %x total %d without stakes", hk, t)
		}
	}
	for _, netuid := range append([]uint16{RootNetuid}, s.netuids()...) {
		held := perNet[netuid]
		for _, f := range []byte{epPendServer, epPendValid, epPendRoot, epPendOwner, epProtocolAlpha} {
			held += s.u64(epochKey(netuid, f))
		}
		if out := s.pool(netuid).AlphaOut; out != held {
			return fmt.Errorf("alpha invariant: subnet %d alpha out %d != stakes+pending+protocol %d", netuid, out, held)
		}
	}
	return s.err
}

func cmpAccount(a, b types.AccountID) int { return bytes.Compare(a[:], b[:]) }

// addStake credits alpha to (hotkey, coldkey) on netuid and its hotkey total.
func (s *rw) addStake(hotkey, coldkey types.AccountID, netuid uint16, alpha uint64) {
	if alpha == 0 {
		return
	}
	if s.u64(stakeKey(hotkey, coldkey, netuid)) == 0 {
		list := s.nominators(hotkey, netuid)
		i, _ := slices.BinarySearchFunc(list, coldkey, cmpAccount)
		s.setNominators(hotkey, netuid, slices.Insert(list, i, coldkey))
	}
	s.addU64(stakeKey(hotkey, coldkey, netuid), alpha)
	s.addU64(hotkeyTotalKey(hotkey, netuid), alpha)
}

// takeStake debits alpha from (hotkey, coldkey) on netuid.
func (s *rw) takeStake(hotkey, coldkey types.AccountID, netuid uint16, alpha uint64) error {
	have := s.u64(stakeKey(hotkey, coldkey, netuid))
	if have < alpha {
		return fmt.Errorf("%w: %s has %d staked to %s on %d, wants %d", ErrInsufficientStake, coldkey.SS58(), have,
			hotkey.SS58(), netuid, alpha)
	}
	s.setU64(stakeKey(hotkey, coldkey, netuid), have-alpha)
	if have == alpha && alpha > 0 {
		list := s.nominators(hotkey, netuid)
		if i, ok := slices.BinarySearchFunc(list, coldkey, cmpAccount); ok {
			s.setNominators(hotkey, netuid, slices.Delete(list, i, i+1))
		}
	}
	s.subU64(hotkeyTotalKey(hotkey, netuid), alpha)
	return nil
}

// buyAlpha swaps tao into netuid's pool for alpha (constant product
// x·y = k; root is 1:1) and counts the alpha as outstanding.
// Consensus-critical: floor(alpha_in · tao / (tao_in + tao)).
func (s *rw) buyAlpha(netuid uint16, tao uint64) (uint64, error) {
	p := s.pool(netuid)
	alpha := tao
	if netuid != RootNetuid {
		if p.TAO+tao < p.TAO {
			return 0, fmt.Errorf("%w: pool TAO overflows", ErrCorrupt)
		}
		alpha = mulDiv(p.AlphaIn, tao, p.TAO+tao)
		p.AlphaIn -= alpha
	}
	if alpha == 0 {
		return 0, fmt.Errorf("%w: %d rao buys no alpha on subnet %d (pool %d TAO, %d alpha)", ErrPoolEmpty, tao, netuid, p.TAO, p.AlphaIn)
	}
	p.TAO += tao
	p.AlphaOut += alpha
	s.setPool(netuid, p)
	return alpha, nil
}

// sellAlpha swaps alpha back into netuid's pool for TAO:
// floor(tao_in · alpha / (alpha_in + alpha)); root is 1:1. Consensus-critical.
func (s *rw) sellAlpha(netuid uint16, alpha uint64) (uint64, error) {
	p := s.pool(netuid)
	tao := alpha
	if netuid != RootNetuid {
		if p.AlphaIn+alpha < p.AlphaIn {
			return 0, fmt.Errorf("%w: pool alpha overflows", ErrCorrupt)
		}
		tao = mulDiv(p.TAO, alpha, p.AlphaIn+alpha)
		p.AlphaIn += alpha
	}
	if tao == 0 {
		return 0, fmt.Errorf("%w: %d alpha sells for no TAO on subnet %d", ErrPoolEmpty, alpha, netuid)
	}
	if p.AlphaOut < alpha || p.TAO < tao {
		return 0, fmt.Errorf("%w: pool of %d cannot pay out", ErrCorrupt, netuid)
	}
	p.TAO -= tao
	p.AlphaOut -= alpha
	s.setPool(netuid, p)
	return tao, nil
}

func (s *rw) requireStakeTarget(hotkey types.AccountID, netuid uint16) error {
	if !s.exists(netuid) {
		return fmt.Errorf("%w: netuid %d", ErrNoSubnet, netuid)
	}
	if _, ok := s.account(ownerKey(hotkey)); !ok {
		return fmt.Errorf("%w: %s", ErrHotkeyUnknown, hotkey.SS58())
	}
	return nil
}

// AddStake stakes tao rao of coldkey's free balance to hotkey on netuid,
// buying alpha through the pool (root: 1:1). tao must be at least MinStake;
// hotkey must have an owner (be registered somewhere). It returns the alpha
// credited.
func AddStake(o *state.Overlay, coldkey, hotkey types.AccountID, netuid uint16, tao uint64) (alpha uint64, err error) {
	err = atomically(o, func(s *rw) error {
		if tao < MinStake {
			return fmt.Errorf("%w: %d rao, minimum %d", ErrStakeTooLow, tao, uint64(MinStake))
		}
		if err := s.requireStakeTarget(hotkey, netuid); err != nil {
			return err
		}
		if err := s.debit(coldkey, tao, "stake"); err != nil {
			return err
		}
		var err error
		if alpha, err = s.buyAlpha(netuid, tao); err != nil {
			return err
		}
		s.addStake(hotkey, coldkey, netuid, alpha)
		return nil
	})
	return alpha, err
}

// RemoveStake unstakes alpha of coldkey's stake on hotkey in netuid, selling
// it through the pool and crediting the TAO to coldkey's balance. It returns
// the TAO credited. When hotkey's stake on netuid drops below the subnet's
// stake_threshold, its pending children list there is dropped
// (dropUnderstakedPending).
func RemoveStake(o *state.Overlay, coldkey, hotkey types.AccountID, netuid uint16, alpha uint64) (tao uint64, err error) {
	err = atomically(o, func(s *rw) error {
		if alpha == 0 {
			return fmt.Errorf("%w: unstake", ErrZeroAmount)
		}
		if !s.exists(netuid) {
			return fmt.Errorf("%w: netuid %d", ErrNoSubnet, netuid)
		}
		if err := s.takeStake(hotkey, coldkey, netuid, alpha); err != nil {
			return err
		}
		var err error
		if tao, err = s.sellAlpha(netuid, alpha); err != nil {
			return err
		}
		s.addU64(state.BalanceKey(coldkey), tao)
		s.dropUnderstakedPending(hotkey, netuid)
		return nil
	})
	return tao, err
}

// dropUnderstakedPending is remove_stake's "check if stake lowered below
// MinStake and remove pending children": hotkey's pending children list on
// netuid is removed when SetChildren would now refuse it for want of stake
// (a non-empty list, hotkey not the subnet owner's hotkey, its stake on
// netuid below the subnet's stake_threshold). With the default threshold 0
// it never fires. Upstream compares the hotkey's total stake over all
// subnets with the global StakeThreshold and clears its pending lists on
// every subnet, a pending revocation (empty list) and the owner hotkey's
// included; taorun's threshold is per subnet, checked against the stake
// there as SetChildren does, so only netuid's list can newly fail it, and a
// list SetChildren would still accept is kept.
func (s *rw) dropUnderstakedPending(hotkey types.AccountID, netuid uint16) {
	if netuid == RootNetuid {
		return
	}
	p, ok := s.pending(netuid, hotkey)
	if !ok || len(p.Children) == 0 {
		return
	}
	if info, ok := s.info(netuid); ok && info.OwnerHotkey == hotkey {
		return
	}
	if s.u64(hotkeyTotalKey(hotkey, netuid)) < s.param(netuid, PStakeThreshold) {
		s.o.Delete(pendingChildrenKey(netuid, hotkey))
	}
}

// MoveStake moves alpha of coldkey's stake from (fromHotkey, fromNetuid) to
// (toHotkey, toNetuid). Within one subnet the alpha moves as is; across
// subnets it is sold for TAO and the TAO (at least MinStake) buys alpha on the
// destination. It returns the alpha credited at the destination.
func MoveStake(o *state.Overlay, coldkey, fromHotkey, toHotkey types.AccountID, fromNetuid, toNetuid uint16, alpha uint64) (moved uint64, err error) {
	err = atomically(o, func(s *rw) error {
		if alpha == 0 {
			return fmt.Errorf("%w: move", ErrZeroAmount)
		}
		if !s.exists(fromNetuid) {
			return fmt.Errorf("%w: netuid %d", ErrNoSubnet, fromNetuid)
		}
		if err := s.requireStakeTarget(toHotkey, toNetuid); err != nil {
			return err
		}
		if err := s.takeStake(fromHotkey, coldkey, fromNetuid, alpha); err != nil {
			return err
		}
		moved = alpha
		if fromNetuid != toNetuid {
			tao, err := s.sellAlpha(fromNetuid, alpha)
			if err != nil {
				return err
			}
			if tao < MinStake {
				return fmt.Errorf("%w: move is worth %d rao, minimum %d", ErrStakeTooLow, tao, uint64(MinStake))
			}
			if moved, err = s.buyAlpha(toNetuid, tao); err != nil {
				return err
			}
		}
		s.addStake(toHotkey, coldkey, toNetuid, moved)
		return nil
	})
	return moved, err
}

// DelegateTake returns hotkey's delegate take (u16 proportion).
func DelegateTake(r state.Reader, hotkey types.AccountID) (uint16, error) {
	s := &rw{o: state.NewOverlay(r)}
	t := s.take(hotkey)
	return t, s.err
}

func (s *rw) take(hotkey types.AccountID) uint16 {
	v, ok := s.get(takeKey(hotkey))
	if !ok {
		return DefaultDelegateTake
	}
	if len(v) != 2 {
		s.fail(fmt.Errorf("%w: take of %s is %d bytes", ErrCorrupt, hotkey.SS58(), len(v)))
		return 0
	}
	return binary.LittleEndian.Uint16(v)
}

// SetDelegateTake sets the take of hotkey, which coldkey must own, to take
// (0..MaxDelegateTake).
func SetDelegateTake(o *state.Overlay, coldkey, hotkey types.AccountID, take uint16) error {
	return atomically(o, func(s *rw) error {
		owner, ok := s.account(ownerKey(hotkey))
		if !ok {
			return fmt.Errorf("%w: %s", ErrHotkeyUnknown, hotkey.SS58())
		}
		if owner != coldkey {
			return fmt.Errorf("%w: %s is owned by %s", ErrHotkeyOwned, hotkey.SS58(), owner.SS58())
		}
		if take > MaxDelegateTake {
			return fmt.Errorf("%w: %d, maximum %d", ErrTakeOutOfBounds, take, MaxDelegateTake)
		}
		if take == DefaultDelegateTake {
			s.o.Delete(takeKey(hotkey))
		} else {
			s.o.Set(takeKey(hotkey), binary.LittleEndian.AppendUint16(nil, take))
		}
		return nil
	})
}
