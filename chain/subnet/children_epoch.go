package subnet

import (
	"fmt"

	"github.com/taorun/taorun/chain/state"
	"github.com/taorun/taorun/chain/types"
	"github.com/taorun/taorun/consensus/fixed"
)

// The epoch side of child keys: the stake a uid weighs in with
// (inheritedStake, spec §2.1 "Inherited alpha") and the split of its
// dividends with its parents (ParentChildDividends, upstream's
// get_parent_child_dividends_distribution). All maths is U96F32 as
// upstream's; with no child keys both reduce exactly to the hotkey's own
// stake and dividend.

// proportionOf is p/(2^64-1) in U96F32.
func proportionOf(p uint64) fixed.U96F32 { return fixed.U96FromUint(p).SafeDiv(u96U64Max) }

// ParentStake is one parent's stake as seen by a child on a subnet.
type ParentStake struct {
	Proportion uint64 // of 2^64-1, from the parent's children list
	Stake      uint64 // the parent's own stake on the stake subnet
}

// InheritedStake is get_inherited_for_hotkey_on_subnet (and its root-TAO
// twin): own - Σ_children own·p_c/(2^64-1) + Σ_parents stake·p/(2^64-1),
// saturating, in U96F32, floored to u64. childProportions are the
// hotkey's children's proportions. Consensus-critical.
func InheritedStake(own uint64, childProportions []uint64, parents []ParentStake) uint64 {
	initial := fixed.U96FromUint(own)
	var toChildren, fromParents fixed.U96F32
	for _, p := range childProportions {
		toChildren = toChildren.SatAdd(initial.SatMul(proportionOf(p)))
	}
	for _, p := range parents {
		fromParents = fromParents.SatAdd(fixed.U96FromUint(p.Stake).SatMul(proportionOf(p.Proportion)))
	}
	return initial.SatSub(toChildren).SatAdd(fromParents).SatToU64()
}

// InheritedAlpha returns hotkey's inherited alpha on netuid, the alpha its
// uid weighs in with in the subnet's epoch (inheritedStake): its own stake
// there, less what it lends its children, plus what its parents lend it.
// Package node's mempool ranks fee-free transactions by it.
func InheritedAlpha(r state.Reader, hotkey types.AccountID, netuid uint16) (uint64, error) {
	s := &rw{o: state.NewOverlay(r)}
	alpha, _ := s.inheritedStake(hotkey, netuid)
	return alpha, s.err
}

// inheritedStake returns hotkey's inherited alpha on netuid and inherited
// root TAO for netuid's epoch (spec §2.1). Root has no child keys (its
// alpha is the own stake).
func (s *rw) inheritedStake(hotkey types.AccountID, netuid uint16) (alpha, tao uint64) {
	ownAlpha := s.u64(hotkeyTotalKey(hotkey, netuid))
	ownTAO := s.u64(hotkeyTotalKey(hotkey, RootNetuid))
	children := s.links(hotkey, netuid, ckChildren)
	parents := s.links(hotkey, netuid, ckParents)
	if netuid == RootNetuid || len(children)+len(parents) == 0 {
		return ownAlpha, ownTAO
	}
	props := make([]uint64, len(children))
	for i, c := range children {
		props[i] = c.Proportion
	}
	pa := make([]ParentStake, len(parents))
	pt := make([]ParentStake, len(parents))
	for i, p := range parents {
		pa[i] = ParentStake{p.Proportion, s.u64(hotkeyTotalKey(p.Hotkey, netuid))}
		pt[i] = ParentStake{p.Proportion, s.u64(hotkeyTotalKey(p.Hotkey, RootNetuid))}
	}
	return InheritedStake(ownAlpha, props, pa), InheritedStake(ownTAO, props, pt)
}

// DividendParent is one parent in ParentChildDividends: its share of the
// child's stake and whether the child's owner coldkey also owns it (then
// no childkey take applies).
type DividendParent struct {
	Proportion uint64 // of 2^64-1
	Alpha      uint64 // the parent's own alpha on the subnet
	Root       uint64 // the parent's own TAO on root
	SameOwner  bool
}

// DividendSplit is a child's own stake for ParentChildDividends.
type DividendSplit struct {
	Dividend         uint64   // the child's epoch dividend
	Take             uint16   // the child's childkey take (of 65535)
	Alpha, Root      uint64   // the child's own alpha and root TAO
	ChildProportions []uint64 // the child's own children's proportions
	Parents          []DividendParent
}

// ParentChildDividends is get_parent_child_dividends_distribution with
// CKBurn 0: the child's self contribution floor((alpha + root·tw)·(1 -
// Σ p_c)) and each parent's contribution (alpha_p·p + root_p·p·tw) share
// the dividend pro rata; a parent of another coldkey leaves take/65535 of
// its share with the child. It returns each parent's amount (floored) and
// the child's, floor(dividend - Σ parent shares + Σ takes). The amounts sum
// to the dividend less at most len(Parents) rao of flooring.
// Consensus-critical.
func ParentChildDividends(d DividendSplit, tw fixed.U96F32) (toParents []uint64, self uint64) {
	validating := fixed.U96FromUint(d.Dividend)
	if len(d.Parents) == 0 {
		return nil, d.Dividend // remaining = validating, no take: exactly the dividend
	}
	remaining := validating
	takeProp := fixed.U96FromUint(uint64(d.Take)).SafeDiv(fixed.U96FromUint(65535))
	rem := fixed.U96One
	for _, p := range d.ChildProportions {
		rem = rem.SatSub(proportionOf(p))
	}
	selfContribution := fixed.U96FromUint(d.Alpha).SatMul(rem).
		SatAdd(fixed.U96FromUint(d.Root).SatMul(rem).SatMul(tw)).SatToU64()
	total := fixed.U96FromUint(selfContribution)
	contrib := make([]fixed.U96F32, len(d.Parents))
	for i, p := range d.Parents {
		pp := proportionOf(p.Proportion)
		contrib[i] = fixed.U96FromUint(p.Alpha).SatMul(pp).SatAdd(fixed.U96FromUint(p.Root).SatMul(pp).SatMul(tw))
		total = total.SatAdd(contrib[i])
	}
	var totalTake fixed.U96F32
	toParents = make([]uint64, len(d.Parents))
	for i, p := range d.Parents {
		e := validating.SatMul(contrib[i].SafeDiv(total))
		remaining = remaining.SatSub(e)
		if !p.SameOwner {
			t := takeProp.SatMul(e)
			e = e.SatSub(t)
			totalTake = totalTake.SatAdd(t)
		}
		toParents[i] = e.SatToU64()
	}
	return toParents, remaining.SatAdd(totalTake).SatToU64()
}

// hotkeyDividends accumulates epoch dividends per hotkey after the parent
// split (upstream's dividends map), in a fixed order: the subnet's uids
// first, then parents outside the subnet as first met. The map is only
// looked up, never ranged over.
type hotkeyDividends struct {
	hotkeys []types.AccountID
	cold    []types.AccountID // owner coldkey of each hotkey
	amounts []uint64
	index   map[types.AccountID]int
}

func (h *hotkeyDividends) add(s *rw, hotkey types.AccountID, amount uint64) {
	i, ok := h.index[hotkey]
	if !ok {
		cold, found := s.account(ownerKey(hotkey))
		if !found {
			s.fail(fmt.Errorf("%w: parent hotkey %s has no owner", ErrCorrupt, hotkey.SS58()))
			return
		}
		i = len(h.hotkeys)
		h.index[hotkey] = i
		h.hotkeys, h.cold, h.amounts = append(h.hotkeys, hotkey), append(h.cold, cold), append(h.amounts, 0)
	}
	h.amounts[i] += amount
}

// epochDividends runs the parent split of every uid's dividend (divs, by
// uid) and returns the dividends per hotkey with each hotkey's own alpha
// and root stake, read before any payout of the epoch (upstream's
// get_stake_map).
func (s *rw) epochDividends(netuid uint16, hot, cold []types.AccountID, divs []uint64, tw fixed.U96F32) (*hotkeyDividends, []HotkeyStakes) {
	h := &hotkeyDividends{hotkeys: append([]types.AccountID(nil), hot...), cold: append([]types.AccountID(nil), cold...),
		amounts: make([]uint64, len(hot)), index: make(map[types.AccountID]int, len(hot))}
	for uid, hk := range hot {
		h.index[hk] = uid
	}
	for uid, hk := range hot {
		parents := s.links(hk, netuid, ckParents)
		if divs[uid] == 0 || len(parents) == 0 {
			h.amounts[uid] += divs[uid]
			continue
		}
		d := DividendSplit{Dividend: divs[uid], Take: s.childkeyTake(hk, netuid),
			Alpha: s.u64(hotkeyTotalKey(hk, netuid)), Root: s.u64(hotkeyTotalKey(hk, RootNetuid))}
		for _, c := range s.links(hk, netuid, ckChildren) {
			d.ChildProportions = append(d.ChildProportions, c.Proportion)
		}
		for _, p := range parents {
			owner, _ := s.account(ownerKey(p.Hotkey))
			d.Parents = append(d.Parents, DividendParent{p.Proportion, s.u64(hotkeyTotalKey(p.Hotkey, netuid)),
				s.u64(hotkeyTotalKey(p.Hotkey, RootNetuid)), owner == cold[uid]})
		}
		toParents, self := ParentChildDividends(d, tw)
		for i, p := range parents {
			h.add(s, p.Hotkey, toParents[i])
		}
		h.amounts[uid] += self
	}
	stakes := make([]HotkeyStakes, len(h.hotkeys))
	for i, hk := range h.hotkeys {
		stakes[i] = HotkeyStakes{s.u64(hotkeyTotalKey(hk, netuid)), s.u64(hotkeyTotalKey(hk, RootNetuid))}
	}
	return h, stakes
}
