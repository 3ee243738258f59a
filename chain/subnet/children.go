package subnet

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/taorun/taorun/chain/codec"
	"github.com/taorun/taorun/chain/state"
	"github.com/taorun/taorun/chain/types"
)

// Child keys (subtensor's staking/set_children.rs): a hotkey (the parent)
// lends a proportion p/(2^64-1) of its stake on a subnet to up to
// MaxChildren child hotkeys, which then weigh in the subnet's epoch with the
// inherited stake (inheritedStake) and pass a share of their dividends back
// to their parents, less the child's childkey take
// (parentChildDividends). set_children only schedules the new list; it
// takes effect in the first epoch of the subnet more than
// pending_childkey_cooldown blocks later (applyPendingChildren).

// Child key limits and defaults (upstream runtime values, spec §4).
const (
	// MaxChildren bounds the children of one hotkey on one subnet.
	MaxChildren = 5
	// SetChildrenRateLimit is the number of blocks between two set_children
	// of one (hotkey, netuid) (upstream TransactionType::SetChildren).
	SetChildrenRateLimit = 150
	// DefaultPendingChildkeyCooldown is PendingChildKeyCooldown (blocks).
	DefaultPendingChildkeyCooldown = 7_200
	// DefaultTxChildkeyTakeRateLimit is TxChildkeyTakeRateLimit: blocks
	// between two increases of one (hotkey, netuid)'s childkey take.
	DefaultTxChildkeyTakeRateLimit = 216_000
	// DefaultMinChildkeyTake and DefaultMaxChildkeyTake bound the childkey
	// take (u16 proportions; the default take is the minimum).
	DefaultMinChildkeyTake = 0
	// DefaultMaxChildkeyTake is the largest childkey take (≈ 18 %).
	DefaultMaxChildkeyTake = 11_796
)

// Errors of the child key operations (wrapped with details).
var (
	ErrChildren          = errors.New("invalid children")
	ErrChildkeyTake      = errors.New("invalid childkey take")
	ErrUnknownChildParam = errors.New("unknown child key parameter")
)

// Child is one entry of a children or parents list: a hotkey and the
// proportion (of 2^64-1) of the parent's stake it carries.
type Child struct {
	Proportion uint64
	Hotkey     types.AccountID
}

// Record kinds under childKey.
const (
	ckChildren  byte   = 'c' // children list of (hotkey, netuid)
	ckParents   byte   = 'p' // parents list of (hotkey, netuid)
	ckTake      byte   = 't' // childkey take u16
	ckLastSet   byte   = 'r' // block of the last set_children
	ckLastTake  byte   = 's' // block of the last set_childkey_take
	ckMarker    byte   = 'k' // separates these records from the netuid-keyed ones
	pendingUID  uint16 = 0xFFFE
	childParamK byte   = 0x10 // first global key byte of the child key parameters
)

// childKey is 0x12 hotkey ‖ 'k' ‖ netuid ‖ kind. 'k' (0x6B) can never be the
// first byte of a netuid (≤ MaxSubnets), and the key is 37 bytes long, a
// length no other stake record has, so the stake scans that classify keys by
// length (CheckAlpha, ColdkeyStakes) never see it.
func childKey(hotkey types.AccountID, netuid uint16, kind byte) []byte {
	return state.Key(state.PrefixStake, hotkey[:], []byte{ckMarker}, state.BE16(netuid), []byte{kind})
}

// pendingChildrenKey is 0x11 netuid ‖ 0xFFFE ‖ hotkey: pending children are
// keyed by subnet first so that an epoch finds its subnet's with one prefix
// iteration (epoch reads of per-uid records stop at uid 0x0FFF).
func pendingChildrenKey(netuid uint16, hotkey types.AccountID) []byte {
	return state.Key(state.PrefixNeuron, state.BE16(netuid), state.BE16(pendingUID), hotkey[:])
}

func pendingChildrenPrefix(netuid uint16) []byte {
	return state.Key(state.PrefixNeuron, state.BE16(netuid), state.BE16(pendingUID))
}

// ChildParam is a network-wide child key parameter that only sudo sets
// (upstream's sudo_set_* of the same names).
type ChildParam struct {
	Name     string
	Key      byte // global key 0x10 0xFFFF ‖ Key
	Default  uint64
	Min, Max uint64
}

// ChildParams are the child key parameters, settable by sudo on netuid 0.
var ChildParams = []ChildParam{
	{"pending_childkey_cooldown", childParamK, DefaultPendingChildkeyCooldown, 0, 1 << 32},
	{"tx_childkey_take_rate_limit", childParamK + 1, DefaultTxChildkeyTakeRateLimit, 0, 1 << 32},
	{"min_childkey_take", childParamK + 2, DefaultMinChildkeyTake, 0, math.MaxUint16},
	{"max_childkey_take", childParamK + 3, DefaultMaxChildkeyTake, 0, math.MaxUint16},
}

func childParamKey(p ChildParam) []byte {
	return state.Key(state.PrefixSubnet, state.BE16(reservedIndex), []byte{p.Key})
}

// LookupChildParam returns the child key parameter called name.
func LookupChildParam(name string) (ChildParam, bool) {
	i := slices.IndexFunc(ChildParams, func(p ChildParam) bool { return p.Name == name })
	if i < 0 {
		return ChildParam{}, false
	}
	return ChildParams[i], true
}

func (s *rw) childParam(name string) uint64 {
	p, _ := LookupChildParam(name)
	v, ok := s.get(childParamKey(p))
	if !ok {
		return p.Default
	}
	if len(v) != 8 {
		s.fail(fmt.Errorf("%w: child key parameter %s is %d bytes", ErrCorrupt, name, len(v)))
		return 0
	}
	return leU64(v)
}

// SetChildParam sets a child key parameter (the caller has checked that
// the signer is sudo); the min take may not exceed the max take.
func SetChildParam(o *state.Overlay, name string, value uint64) error {
	p, ok := LookupChildParam(name)
	if !ok {
		return fmt.Errorf("%w: %q", ErrUnknownChildParam, name)
	}
	return atomically(o, func(s *rw) error {
		if value < p.Min || value > p.Max {
			return fmt.Errorf("%w: %s = %d outside [%d, %d]", ErrParamOutOfBounds, name, value, p.Min, p.Max)
		}
		lo, hi := s.childParam("min_childkey_take"), s.childParam("max_childkey_take")
		switch name {
		case "min_childkey_take":
			lo = value
		case "max_childkey_take":
			hi = value
		}
		if lo > hi {
			return fmt.Errorf("%w: min_childkey_take %d above max_childkey_take %d", ErrParamOutOfBounds, lo, hi)
		}
		if value == p.Default {
			s.o.Delete(childParamKey(p))
		} else {
			s.o.Set(childParamKey(p), leBytes(value))
		}
		return nil
	})
}

// GetChildParam reads a child key parameter.
func GetChildParam(r state.Reader, name string) (uint64, error) {
	if _, ok := LookupChildParam(name); !ok {
		return 0, fmt.Errorf("%w: %q", ErrUnknownChildParam, name)
	}
	s := &rw{o: state.NewOverlay(r)}
	v := s.childParam(name)
	return v, s.err
}

func encodeLinks(w *codec.Writer, list []Child) {
	w.U32(uint32(len(list)))
	for _, c := range list {
		w.U64(c.Proportion)
		w.Fixed(c.Hotkey[:])
	}
}

func decodeLinks(r *codec.Reader) []Child {
	n := r.Len(r.Remaining()/40, "child links")
	out := make([]Child, n)
	for i := range out {
		out[i] = Child{r.U64(), r.Bytes32()}
	}
	return out
}

// links reads a children or parents list (absent: empty).
func (s *rw) links(hotkey types.AccountID, netuid uint16, kind byte) []Child {
	var out []Child
	s.decode(childKey(hotkey, netuid, kind), func(r *codec.Reader) { out = decodeLinks(r) })
	return out
}

// setLinks writes a list; an empty list deletes the key (upstream keeps no
// empty vectors either).
func (s *rw) setLinks(hotkey types.AccountID, netuid uint16, kind byte, list []Child) {
	if len(list) == 0 {
		s.o.Delete(childKey(hotkey, netuid, kind))
		return
	}
	w := codec.NewWriter(4 + 40*len(list))
	encodeLinks(w, list)
	s.o.Set(childKey(hotkey, netuid, kind), w.Bytes())
}

// pendingChildren is a scheduled children list and the block after which
// it applies.
type pendingChildren struct {
	Cooldown uint64
	Children []Child
}

func decodePending(r *codec.Reader) pendingChildren {
	return pendingChildren{Cooldown: r.U64(), Children: decodeLinks(r)}
}

func (s *rw) pending(netuid uint16, hotkey types.AccountID) (pendingChildren, bool) {
	var p pendingChildren
	ok := s.decode(pendingChildrenKey(netuid, hotkey), func(r *codec.Reader) { p = decodePending(r) })
	return p, ok
}

// eachPending calls fn for every pending children list of netuid, in
// hotkey order, decoding the values the iteration yields (no nested reads).
func (s *rw) eachPending(netuid uint16, fn func(hotkey types.AccountID, p pendingChildren)) {
	prefix := pendingChildrenPrefix(netuid)
	s.iterate(prefix, func(k, v []byte) error {
		if len(k) != len(prefix)+32 {
			return nil
		}
		r := codec.NewReader(v)
		p := decodePending(r)
		if err := r.Done(); err != nil {
			return fmt.Errorf("%w: pending children at %x: %v", ErrCorrupt, k, err)
		}
		fn(types.AccountID(k[len(prefix):]), p)
		return nil
	})
}

func (s *rw) setPending(netuid uint16, hotkey types.AccountID, p pendingChildren) {
	w := codec.NewWriter(12 + 40*len(p.Children))
	w.U64(p.Cooldown)
	encodeLinks(w, p.Children)
	s.o.Set(pendingChildrenKey(netuid, hotkey), w.Bytes())
}

// childkeyTake is get_childkey_take: the stored take, at least the minimum.
func (s *rw) childkeyTake(hotkey types.AccountID, netuid uint16) uint16 {
	var t uint16
	if v, ok := s.get(childKey(hotkey, netuid, ckTake)); ok {
		if len(v) != 2 {
			s.fail(fmt.Errorf("%w: childkey take of %s is %d bytes", ErrCorrupt, hotkey.SS58(), len(v)))
			return 0
		}
		t = uint16(v[0]) | uint16(v[1])<<8
	}
	return max(t, uint16(s.childParam("min_childkey_take")))
}

// rateLimited is upstream's check_passes_rate_limit negated: a first call
// (no last block) always passes.
func (s *rw) rateLimited(key []byte, limit, height uint64) (last uint64, limited bool) {
	last = s.u64(key)
	return last, last != 0 && satSub(height, last) < limit
}

// requireHotkeyOwner checks that coldkey owns hotkey (coldkey_owns_hotkey).
func (s *rw) requireHotkeyOwner(coldkey, hotkey types.AccountID) error {
	owner, ok := s.account(ownerKey(hotkey))
	if !ok {
		return fmt.Errorf("%w: %s has no owner", ErrHotkeyUnknown, hotkey.SS58())
	}
	if owner != coldkey {
		return fmt.Errorf("%w: %s is owned by %s", ErrHotkeyOwned, hotkey.SS58(), owner.SS58())
	}
	return nil
}

// checkChildren is ensure_pending_consistency on a requested list for
// hotkey: no self-loop, at most MaxChildren, proportions summing to at most
// 2^64-1, and no child that is also a current parent of hotkey. The list is
// already free of duplicates.
func (s *rw) checkChildren(hotkey types.AccountID, netuid uint16, children []Child) error {
	var sum uint64
	for _, c := range children {
		if c.Hotkey == hotkey {
			return fmt.Errorf("%w: %s cannot be its own child", ErrChildren, hotkey.SS58())
		}
	}
	if len(children) > MaxChildren {
		return fmt.Errorf("%w: %d children, at most %d", ErrChildren, len(children), MaxChildren)
	}
	for _, c := range children {
		if sum+c.Proportion < sum {
			return fmt.Errorf("%w: proportions sum past 2^64-1", ErrChildren)
		}
		sum += c.Proportion
	}
	for _, p := range s.links(hotkey, netuid, ckParents) {
		if slices.ContainsFunc(children, func(c Child) bool { return c.Hotkey == p.Hotkey }) {
			return fmt.Errorf("%w: %s is a parent of %s on subnet %d", ErrChildren, p.Hotkey.SS58(), hotkey.SS58(), netuid)
		}
	}
	return nil
}

// SetChildren is set_children (do_schedule_children): coldkey, the owner of
// hotkey, schedules children (each a proportion of 2^64-1 of hotkey's stake
// on netuid) to replace hotkey's current children once
// pending_childkey_cooldown blocks have passed; an empty list revokes them
// all. Refused: on root or a missing subnet, by a coldkey that does not own
// hotkey, within SetChildrenRateLimit blocks of the last set_children of
// (hotkey, netuid), with a duplicate, self or parent child, more than
// MaxChildren children, proportions summing past 2^64-1, or a non-empty list
// while hotkey's own stake on netuid is below the subnet's stake_threshold
// (and hotkey is not the subnet owner's hotkey). A later call replaces a
// pending list. Upstream checks the threshold against the hotkey's total
// stake on all subnets, valued in TAO; the default threshold is 0.
func SetChildren(o *state.Overlay, coldkey, hotkey types.AccountID, netuid uint16, children []Child, height uint64) error {
	return atomically(o, func(s *rw) error {
		if _, limited := s.rateLimited(childKey(hotkey, netuid, ckLastSet), SetChildrenRateLimit, height); limited {
			return fmt.Errorf("%w: set_children of %s on subnet %d again within %d blocks", ErrRateLimited, hotkey.SS58(), netuid, SetChildrenRateLimit)
		}
		if netuid == RootNetuid {
			return fmt.Errorf("%w: no child keys on root", ErrChildren)
		}
		info, ok := s.info(netuid)
		if !ok {
			return fmt.Errorf("%w: %d", ErrNoSubnet, netuid)
		}
		if err := s.requireHotkeyOwner(coldkey, hotkey); err != nil {
			return err
		}
		for i, c := range children {
			if slices.ContainsFunc(children[:i], func(d Child) bool { return d.Hotkey == c.Hotkey }) {
				return fmt.Errorf("%w: %s listed twice", ErrChildren, c.Hotkey.SS58())
			}
		}
		if err := s.checkChildren(hotkey, netuid, children); err != nil {
			return err
		}
		if th := s.param(netuid, PStakeThreshold); len(children) > 0 && hotkey != info.OwnerHotkey {
			if own := s.u64(hotkeyTotalKey(hotkey, netuid)); own < th {
				return fmt.Errorf("%w: %s has %d alpha on subnet %d, stake_threshold is %d", ErrStakeTooLow, hotkey.SS58(), own, netuid, th)
			}
		}
		s.setU64(childKey(hotkey, netuid, ckLastSet), height)
		s.setPending(netuid, hotkey, pendingChildren{height + s.childParam("pending_childkey_cooldown"), slices.Clone(children)})
		return nil
	})
}

// SetChildkeyTake is set_childkey_take: coldkey, the owner of hotkey, sets
// the share of the dividends hotkey earns with stake inherited from parents
// of other coldkeys that it keeps (u16 proportion, within
// [min_childkey_take, max_childkey_take]). Raising the take is rate limited
// to once per tx_childkey_take_rate_limit blocks; lowering it is not, but
// restarts that period. Upstream accepts any netuid; taorun requires the
// subnet to exist.
func SetChildkeyTake(o *state.Overlay, coldkey, hotkey types.AccountID, netuid uint16, take uint16, height uint64) error {
	return atomically(o, func(s *rw) error {
		if err := s.requireHotkeyOwner(coldkey, hotkey); err != nil {
			return err
		}
		if !s.exists(netuid) {
			return fmt.Errorf("%w: %d", ErrNoSubnet, netuid)
		}
		lo, hi := s.childParam("min_childkey_take"), s.childParam("max_childkey_take")
		if uint64(take) < lo || uint64(take) > hi {
			return fmt.Errorf("%w: %d outside [%d, %d]", ErrChildkeyTake, take, lo, hi)
		}
		if take > s.childkeyTake(hotkey, netuid) {
			limit := s.childParam("tx_childkey_take_rate_limit")
			if _, limited := s.rateLimited(childKey(hotkey, netuid, ckLastTake), limit, height); limited {
				return fmt.Errorf("%w: childkey take of %s on subnet %d raised again within %d blocks", ErrRateLimited, hotkey.SS58(), netuid, limit)
			}
		}
		s.setU64(childKey(hotkey, netuid, ckLastTake), height)
		s.o.Set(childKey(hotkey, netuid, ckTake), []byte{byte(take), byte(take >> 8)})
		return nil
	})
}

// applyPendingChildren is do_set_pending_children for netuid at height, run
// in the blocks where netuid's epoch ran: every pending list whose cooldown
// block is below height is removed and, if it is still consistent with the
// parents its hotkey has now, becomes the hotkey's children (otherwise it is
// dropped, as upstream's persist_pending_chidren_ok does).
func (s *rw) applyPendingChildren(netuid uint16, height uint64) {
	type due struct {
		hotkey   types.AccountID
		children []Child
	}
	var todo []due
	s.eachPending(netuid, func(hotkey types.AccountID, p pendingChildren) {
		if p.Cooldown < height {
			todo = append(todo, due{hotkey, p.Children})
		}
	})
	for _, d := range todo {
		s.o.Delete(pendingChildrenKey(netuid, d.hotkey))
		if s.checkChildren(d.hotkey, netuid, d.children) == nil {
			s.replaceChildren(d.hotkey, netuid, d.children)
		}
	}
}

// replaceChildren is persist_child_parent_relations for a new children list
// of parent: the list is stored sorted by hotkey (upstream's BTreeMap
// order), each new or kept child's parents list gets (proportion, parent)
// updated in place or appended, and each dropped child loses parent.
func (s *rw) replaceChildren(parent types.AccountID, netuid uint16, children []Child) {
	sorted := slices.Clone(children)
	slices.SortFunc(sorted, func(a, b Child) int { return compareAccounts(a.Hotkey, b.Hotkey) })
	prev := s.links(parent, netuid, ckChildren)
	s.setLinks(parent, netuid, ckChildren, sorted)
	for _, c := range sorted {
		s.setLinks(c.Hotkey, netuid, ckParents, upsertLink(s.links(c.Hotkey, netuid, ckParents), c.Proportion, parent))
	}
	for _, c := range prev {
		if !slices.ContainsFunc(sorted, func(n Child) bool { return n.Hotkey == c.Hotkey }) {
			s.setLinks(c.Hotkey, netuid, ckParents, removeLink(s.links(c.Hotkey, netuid, ckParents), parent))
		}
	}
}

func compareAccounts(a, b types.AccountID) int {
	return slices.Compare(a[:], b[:])
}

// upsertLink sets who's proportion in list, appending it if absent.
func upsertLink(list []Child, proportion uint64, who types.AccountID) []Child {
	for i := range list {
		if list[i].Hotkey == who {
			list[i].Proportion = proportion
			return list
		}
	}
	return append(list, Child{proportion, who})
}

// removeLink drops who from list.
func removeLink(list []Child, who types.AccountID) []Child {
	return slices.DeleteFunc(list, func(c Child) bool { return c.Hotkey == who })
}

// ChildInfo is what queries show of a hotkey's child key records on a
// subnet.
type ChildInfo struct {
	Children, Parents []Child
	// Pending is the scheduled children list (nil: none) and PendingAt the
	// block after which it applies, in the subnet's next epoch.
	Pending   []Child
	HasPend   bool
	PendingAt uint64
	Take      uint16 // childkey take (u16 proportion)
}

// ChildKeys returns hotkey's children, parents, pending children and
// childkey take on netuid.
func ChildKeys(r state.Reader, hotkey types.AccountID, netuid uint16) (ChildInfo, error) {
	s := &rw{o: state.NewOverlay(r)}
	ci := ChildInfo{
		Children: s.links(hotkey, netuid, ckChildren),
		Parents:  s.links(hotkey, netuid, ckParents),
		Take:     s.childkeyTake(hotkey, netuid),
	}
	if p, ok := s.pending(netuid, hotkey); ok {
		ci.Pending, ci.HasPend, ci.PendingAt = p.Children, true, p.Cooldown
	}
	return ci, s.err
}

// swapChildKeys is upstream's parent_child_swap_hotkey for netuid plus the
// pending-children pass of its swap_hotkey, run by the hotkey swap after
// from's own stake-prefix records (its children, parents, childkey take
// and rate-limit blocks) have moved to to:
//
//   - each of its children's parents lists and each of its parents'
//     children lists names to instead of from (removed, then appended, as
//     upstream's remove_edge/upsert_edge), and to's parents list is sorted
//     by hotkey (upstream rebuilds it from a BTreeMap);
//   - the set_children / set_childkey_take rate-limit blocks do not follow:
//     moveStakeRecords left them with from (upstream keys them by hotkey in
//     TransactionKeyLastBlock and its swap leaves them with the old one), so
//     to is not rate limited by from's calls, and any blocks to kept from
//     an earlier life stay its own;
//   - from's pending children list moves to to, refused (failing the swap,
//     as upstream's ensure_pending_consistency) if it is no longer valid
//     for to;
//   - in every other pending list of the subnet a child from becomes to,
//     moved to the end of the list with its proportion.
func (s *rw) swapChildKeys(netuid uint16, from, to types.AccountID) {
	for _, c := range s.links(to, netuid, ckChildren) {
		s.setLinks(c.Hotkey, netuid, ckParents, upsertLink(removeLink(s.links(c.Hotkey, netuid, ckParents), from), c.Proportion, to))
	}
	parents := s.links(to, netuid, ckParents)
	for _, p := range parents {
		s.setLinks(p.Hotkey, netuid, ckChildren, upsertLink(removeLink(s.links(p.Hotkey, netuid, ckChildren), from), p.Proportion, to))
	}
	slices.SortFunc(parents, func(a, b Child) int { return compareAccounts(a.Hotkey, b.Hotkey) })
	s.setLinks(to, netuid, ckParents, parents)
	if p, ok := s.pending(netuid, from); ok {
		if err := s.checkChildren(to, netuid, p.Children); err != nil {
			s.fail(fmt.Errorf("hotkey swap: pending children of %s on subnet %d: %w", from.SS58(), netuid, err))
			return
		}
		s.o.Delete(pendingChildrenKey(netuid, from))
		s.setPending(netuid, to, p)
	}
	type rewrite struct {
		hotkey types.AccountID
		p      pendingChildren
	}
	var rewrites []rewrite
	s.eachPending(netuid, func(hotkey types.AccountID, p pendingChildren) {
		if i := slices.IndexFunc(p.Children, func(c Child) bool { return c.Hotkey == from }); i >= 0 {
			c := p.Children[i]
			p.Children = append(slices.Delete(p.Children, i, i+1), Child{c.Proportion, to})
			rewrites = append(rewrites, rewrite{hotkey, p})
		}
	})
	for _, r := range rewrites {
		s.setPending(netuid, r.hotkey, r.p)
	}
}

// CheckChildKeys verifies the child key invariants on r (package comment):
// on every subnet each children list has at most MaxChildren entries, no
// duplicate, not its own hotkey, proportions summing to at most 2^64-1,
// no root netuid, and belongs to a hotkey with an owner coldkey (the
// epoch pays a parent's dividend share through it); and c lists p as a parent with proportion x exactly
// when p lists c as a child with proportion x. It reads every stake-prefix
// record, so it is for tests and audits; its maps are only looked up, and
// the lists are walked in key order, so the error it reports is
// deterministic.
func CheckChildKeys(r state.Reader) error {
	type link struct {
		netuid      uint16
		from, to    types.AccountID
		proportions uint64
	}
	var children, parents []link
	seen := map[link]bool{} // (netuid, parent, child, proportion) from the children lists
	err := r.Iterate([]byte{state.PrefixStake}, func(k, v []byte) error {
		if len(k) != 1+32+1+2+1 || k[33] != ckMarker || (k[36] != ckChildren && k[36] != ckParents) {
			return nil
		}
		hot, netuid := types.AccountID(k[1:33]), uint16(k[34])<<8|uint16(k[35])
		rd := codec.NewReader(v)
		list := decodeLinks(rd)
		if err := rd.Done(); err != nil {
			return fmt.Errorf("child keys: list at %x: %v", k, err)
		}
		if len(list) == 0 {
			return fmt.Errorf("child keys: empty list stored at %x", k)
		}
		if netuid == RootNetuid {
			return fmt.Errorf("child keys: %s has links on root", hot.SS58())
		}
		var sum uint64
		for i, c := range list {
			if c.Hotkey == hot || slices.ContainsFunc(list[:i], func(d Child) bool { return d.Hotkey == c.Hotkey }) {
				return fmt.Errorf("child keys: list at %x names %s twice or itself", k, c.Hotkey.SS58())
			}
			if k[36] == ckChildren {
				if sum+c.Proportion < sum {
					return fmt.Errorf("child keys: children of %s on subnet %d sum past 2^64-1", hot.SS58(), netuid)
				}
				sum += c.Proportion
				children = append(children, link{netuid, hot, c.Hotkey, c.Proportion})
			} else {
				parents = append(parents, link{netuid, c.Hotkey, hot, c.Proportion})
			}
		}
		if k[36] == ckChildren && len(list) > MaxChildren {
			return fmt.Errorf("child keys: %s has %d children on subnet %d", hot.SS58(), len(list), netuid)
		}
		if _, owned, err := r.Get(ownerKey(hot)); err != nil || (!owned && k[36] == ckChildren) {
			return fmt.Errorf("child keys: parent %s on subnet %d has no owner coldkey (%v)", hot.SS58(), netuid, err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if len(children) != len(parents) {
		return fmt.Errorf("child keys: %d child links but %d parent links", len(children), len(parents))
	}
	for _, l := range children {
		seen[l] = true
	}
	for _, l := range parents {
		if !seen[l] {
			return fmt.Errorf("child keys: %s lists parent %s (proportion %d) on subnet %d, which does not list it as a child",
				l.to.SS58(), l.from.SS58(), l.proportions, l.netuid)
		}
	}
	return nil
}
