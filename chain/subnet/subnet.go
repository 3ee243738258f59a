package subnet

import (
	"encoding/binary"
	"fmt"
	"math/bits"

	"github.com/taorun/taorun/chain/state"
	"github.com/taorun/taorun/chain/types"
)

func leU64(b []byte) uint64     { return binary.LittleEndian.Uint64(b) }
func leBytes(v uint64) []byte   { return binary.LittleEndian.AppendUint64(nil, v) }
func satSub(a, b uint64) uint64 { return a - min(a, b) }

// mulDiv returns floor(a*b/c) with a 128-bit intermediate, saturating at
// 2^64-1; c must be non-zero.
func mulDiv(a, b, c uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	if hi >= c {
		return ^uint64(0)
	}
	q, _ := bits.Div64(hi, lo, c)
	return q
}

// atomically runs fn on a child of o and merges it only when fn succeeds, so
// that a failed operation leaves o exactly as it was.
func atomically(o *state.Overlay, fn func(s *rw) error) error {
	return atomicallyWith(o, nil, fn)
}

// atomicallyWith is atomically with module hooks mods (nil: none) for the
// operation.
func atomicallyWith(o *state.Overlay, mods ModuleHooks, fn func(s *rw) error) error {
	s := &rw{o: o.Child(), mods: mods}
	err := fn(s)
	if s.err != nil {
		return s.err // storage or corruption errors win over validation errors
	}
	if err != nil {
		return err
	}
	return s.o.Merge()
}

// debit takes amount rao from who's free balance.
func (s *rw) debit(who types.AccountID, amount uint64, what string) error {
	bal := s.u64(state.BalanceKey(who))
	if bal < amount {
		return fmt.Errorf("%w: %s needs %d rao, %s has %d", ErrInsufficientBalance, what, amount, who.SS58(), bal)
	}
	s.setU64(state.BalanceKey(who), bal-amount)
	return nil
}

// claimHotkey makes coldkey the owner of hotkey if it has none; it fails if
// another coldkey owns it.
func (s *rw) claimHotkey(coldkey, hotkey types.AccountID) error {
	owner, ok := s.account(ownerKey(hotkey))
	if ok && owner != coldkey {
		return fmt.Errorf("%w: %s is owned by %s", ErrHotkeyOwned, hotkey.SS58(), owner.SS58())
	}
	if !ok {
		s.o.Set(ownerKey(hotkey), coldkey[:])
	}
	return nil
}

// LockCost returns the TAO (rao) a subnet created at height must lock: the
// last lock cost doubled, minus last_lock/NetworkLockReductionInterval per
// block since the last creation, floored at network_min_lock_cost.
// Consensus-critical.
func LockCost(r state.Reader, height uint64) (uint64, error) {
	s := &rw{o: state.NewOverlay(r)}
	c := s.lockCost(height)
	return c, s.err
}

func (s *rw) lockCost(height uint64) uint64 {
	minLock := s.param(RootNetuid, PNetworkMinLockCost)
	last, lastBlock := s.u64(keyLastLock), s.u64(keyLastLockBlock)
	if last == 0 {
		last = minLock
	}
	mult := uint64(2)
	if lastBlock == 0 {
		mult = 1
	}
	hi, base := bits.Mul64(last, mult)
	if hi != 0 {
		base = ^uint64(0)
	}
	rhi, red := bits.Mul64(last/NetworkLockReductionInterval, satSub(height, lastBlock))
	if rhi != 0 {
		red = ^uint64(0)
	}
	return max(satSub(base, red), minLock)
}

// CreateSubnet registers a new subnet owned by coldkey at height, paying the
// lock cost from coldkey's balance into the new pool (SubnetTAO =
// SubnetAlphaIn = lock, price 1), and registers hotkey as its uid 0. It
// returns the netuid: the lowest free one in 1..MaxSubnets.
func CreateSubnet(o *state.Overlay, coldkey, hotkey types.AccountID, height uint64) (netuid uint16, err error) {
	err = atomically(o, func(s *rw) error {
		lastBlock := s.u64(keyLastLockBlock)
		if limit := s.param(RootNetuid, PNetworkRateLimit); lastBlock != 0 && satSub(height, lastBlock) < limit {
			return fmt.Errorf("%w: last subnet created at block %d, next allowed at %d", ErrRateLimited, lastBlock, lastBlock+limit)
		}
		used := s.netuids()
		netuid = 1
		for _, u := range used {
			if u != netuid {
				break
			}
			netuid++
		}
		if netuid > MaxSubnets {
			return fmt.Errorf("%w: all %d subnets exist", ErrTooManySubnets, MaxSubnets)
		}
		if err := s.claimHotkey(coldkey, hotkey); err != nil {
			return err
		}
		cost := s.lockCost(height)
		if err := s.debit(coldkey, cost, "subnet lock"); err != nil {
			return err
		}
		info := Info{OwnerColdkey: coldkey, OwnerHotkey: hotkey, RegisteredAt: height, LockCost: cost}
		s.o.Set(subnetKey(netuid, subInfo), info.encode())
		s.addNetuid(netuid)
		s.setU64(poolKey(netuid, poolTAO), cost)
		s.setU64(poolKey(netuid, poolAlphaIn), cost)
		s.setU64(epochKey(netuid, epBurn), InitialBurn)
		tempo := s.param(netuid, PTempo)
		s.setU64(epochKey(netuid, epLastEpoch), satSub(height, uint64(netuid)%tempo))
		s.setU64(keyLastLock, cost)
		s.setU64(keyLastLockBlock, height)
		s.appendNeuron(netuid, hotkey, coldkey, height)
		return nil
	})
	return netuid, err
}

// Owner returns the info of a subnet (ok false if it does not exist).
func Owner(r state.Reader, netuid uint16) (Info, bool, error) {
	s := &rw{o: state.NewOverlay(r)}
	in, ok := s.info(netuid)
	return in, ok, s.err
}

// GetParam returns hyperparameter name of netuid.
func GetParam(r state.Reader, netuid uint16, name string) (uint64, error) {
	p, ok := LookupParam(name)
	if !ok {
		return 0, fmt.Errorf("%w: %q", ErrUnknownParam, name)
	}
	s := &rw{o: state.NewOverlay(r)}
	v := s.param(netuid, p.ID)
	return v, s.err
}

// SetHyperparameter sets hyperparameter name of netuid to value. With sudo
// every parameter may be set; otherwise signer must own the subnet and the
// parameter must be owner-settable. Root-only parameters are set on netuid 0
// (sudo only); the others on an existing subnet. Values must lie within the
// table's bounds and keep (alpha_low ≤ alpha_high, min_burn ≤ max_burn).
func SetHyperparameter(o *state.Overlay, signer types.AccountID, sudo bool, netuid uint16, name string, value uint64) error {
	return atomically(o, func(s *rw) error {
		p := paramByName[name]
		if p == nil {
			return fmt.Errorf("%w: %q", ErrUnknownParam, name)
		}
		if p.RootOnly != (netuid == RootNetuid) {
			return fmt.Errorf("%w: %s is set on netuid 0 only when network-wide (got netuid %d)", ErrNoSubnet, name, netuid)
		}
		if !p.RootOnly {
			info, ok := s.info(netuid)
			if !ok {
				return fmt.Errorf("%w: netuid %d", ErrNoSubnet, netuid)
			}
			if !sudo && info.OwnerColdkey != signer {
				return fmt.Errorf("%w: %s does not own subnet %d", ErrNotOwner, signer.SS58(), netuid)
			}
		}
		if !sudo && (!p.OwnerSettable || p.RootOnly) {
			return fmt.Errorf("%w: %s (sudo only)", ErrParamNotSettable, name)
		}
		if value < p.Min || value > p.Max {
			return fmt.Errorf("%w: %s = %d, allowed %d..%d", ErrParamOutOfBounds, name, value, p.Min, p.Max)
		}
		s.setParam(netuid, p.ID, value)
		for _, pr := range orderedPairs {
			if lo, hi := s.param(netuid, pr[0]), s.param(netuid, pr[1]); lo > hi {
				return fmt.Errorf("%w: %s %d > %s %d", ErrParamOutOfBounds, paramByID[pr[0]].Name, lo,
					paramByID[pr[1]].Name, hi)
			}
		}
		return nil
	})
}

// appendNeuron gives hotkey the next uid of netuid.
func (s *rw) appendNeuron(netuid uint16, hotkey, coldkey types.AccountID, height uint64) uint16 {
	uid := s.n(netuid)
	s.setNeuron(netuid, uid, &Neuron{Hotkey: hotkey, Coldkey: coldkey, BlockAtRegistration: height, LastUpdate: height})
	s.setUID(netuid, hotkey, uid)
	s.setU64(subnetKey(netuid, subN), uint64(uid)+1)
	return uid
}

// pruneCandidate returns the uid to replace when netuid is full: the
// non-immune uid (immune ones only if none is prunable) with the lowest
// emission, ties to the older registration, then the lower uid. The
// owner's hotkey is never pruned.
func (s *rw) pruneCandidate(netuid uint16, height uint64) (uint16, bool) {
	info, _ := s.info(netuid)
	immunity := s.param(netuid, PImmunityPeriod)
	type key struct {
		immune   bool
		emission uint64
		reg      uint64
	}
	less := func(a, b key) bool {
		if a.immune != b.immune {
			return !a.immune
		}
		if a.emission != b.emission {
			return a.emission < b.emission
		}
		return a.reg < b.reg
	}
	var best key
	bestUID, found := uint16(0), false
	for uid := range s.n(netuid) {
		nr, _ := s.neuron(netuid, uid)
		if nr.Hotkey == info.OwnerHotkey {
			continue
		}
		k := key{satSub(height, nr.BlockAtRegistration) < immunity, s.result(netuid, uid).Emission, nr.BlockAtRegistration}
		if !found || less(k, best) {
			best, bestUID, found = k, uid, true
		}
	}
	return bestUID, found
}

// replaceNeuron gives uid to a new hotkey: the old hotkey's uid map, results,
// weights and bonds rows and commit go, and every other weights row's entry
// for uid is zeroed (kept).
func (s *rw) replaceNeuron(netuid, uid uint16, hotkey, coldkey types.AccountID, height uint64) {
	old, _ := s.neuron(netuid, uid)
	s.o.Delete(uidKey(netuid, old.Hotkey))
	s.o.Delete(commitKey(netuid, old.Hotkey))
	s.o.Delete(neuronKey(netuid, uid, neuronRes))
	s.o.Delete(weightsKey(netuid, uid))
	s.o.Delete(bondsKey(netuid, uid))
	for i := range s.n(netuid) {
		row := s.row(weightsKey(netuid, i))
		changed := false
		for k := range row {
			if row[k].UID == uid && row[k].Value != 0 {
				row[k].Value, changed = 0, true
			}
		}
		if changed {
			s.setRow(weightsKey(netuid, i), row)
		}
	}
	s.setNeuron(netuid, uid, &Neuron{Hotkey: hotkey, Coldkey: coldkey, BlockAtRegistration: height, LastUpdate: height})
	s.setUID(netuid, hotkey, uid)
}

// BurnedRegister registers hotkey (owned by coldkey) on netuid at height,
// burning the subnet's current registration price from coldkey's balance,
// and raises the price by burn_increase_mult (§3.7). When the subnet is full
// the neuron chosen by pruning (§2.14) is replaced. It returns the uid.
func BurnedRegister(o *state.Overlay, coldkey, hotkey types.AccountID, netuid uint16, height uint64) (uid uint16, err error) {
	return Hooked{}.BurnedRegister(o, coldkey, hotkey, netuid, height)
}

// BurnedRegister is the package function BurnedRegister that also runs the
// subnet module's on_register once the chain's checks pass and the uid is
// chosen, before the neuron is written: a denial fails the registration
// (nothing burned), and the hook's gas fee is burned from coldkey's balance.
func (h Hooked) BurnedRegister(o *state.Overlay, coldkey, hotkey types.AccountID, netuid uint16, height uint64) (uid uint16, err error) {
	err = atomicallyWith(o, h.Modules, func(s *rw) error {
		if netuid == RootNetuid || !s.exists(netuid) {
			return fmt.Errorf("%w: netuid %d", ErrNoSubnet, netuid)
		}
		if s.param(netuid, PRegistrationAllowed) == 0 {
			return fmt.Errorf("%w: netuid %d", ErrRegistrationClosed, netuid)
		}
		if _, ok := s.uid(netuid, hotkey); ok {
			return fmt.Errorf("%w: %s on %d", ErrAlreadyRegistered, hotkey.SS58(), netuid)
		}
		count := s.u64(epochKey(netuid, epRegCount))
		if s.u64(epochKey(netuid, epRegBlock)) != height {
			count = 0
		}
		if limit := s.param(netuid, PMaxRegistrationsPerBlock); count >= limit {
			return fmt.Errorf("%w: %d of %d on netuid %d", ErrTooManyRegistrations, count, limit, netuid)
		}
		if err := s.claimHotkey(coldkey, hotkey); err != nil {
			return err
		}
		burn := s.u64(epochKey(netuid, epBurn))
		if err := s.debit(coldkey, burn, "registration burn"); err != nil {
			return err
		}
		s.addU64(state.KeyBurned, burn)
		n := s.n(netuid)
		appendNew := uint64(n) < s.param(netuid, PMaxAllowedUIDs)
		uid = n
		if !appendNew {
			var ok bool
			if uid, ok = s.pruneCandidate(netuid, height); !ok {
				return fmt.Errorf("%w: subnet %d is full and nothing can be pruned", ErrRegistrationClosed, netuid)
			}
		}
		if s.mods != nil {
			v, err := s.mods.OnRegister(s.o, RegisterCall{Netuid: netuid, Height: height, Hotkey: hotkey, Coldkey: coldkey, UID: uid, BurnPaid: burn})
			if err != nil {
				return err
			}
			if v.Deny {
				return fmt.Errorf("%w: %s", ErrModuleRejected, v.Reason)
			}
			if v.Fee > 0 {
				if err := s.debit(coldkey, v.Fee, "module hook gas"); err != nil {
					return err
				}
				s.addU64(state.KeyBurned, v.Fee)
			}
		}
		if appendNew {
			s.appendNeuron(netuid, hotkey, coldkey, height)
		} else {
			s.replaceNeuron(netuid, uid, hotkey, coldkey, height)
		}
		next := mulDiv(burn, s.param(netuid, PBurnIncreaseMilli), 1000)
		s.setU64(epochKey(netuid, epBurn), clamp(next, s.param(netuid, PMinBurn), s.param(netuid, PMaxBurn)))
		s.setU64(epochKey(netuid, epRegBlock), height)
		s.setU64(epochKey(netuid, epRegCount), count+1)
		return nil
	})
	return uid, err
}

func clamp(v, lo, hi uint64) uint64 { return min(max(v, lo), hi) }

// Burn returns the current registration price of netuid (rao).
func Burn(r state.Reader, netuid uint16) (uint64, error) {
	return state.GetU64(r, epochKey(netuid, epBurn))
}

// ServeAxon records the axon of hotkey on netuid, at most once per
// serving_rate_limit blocks. IPType must be 4 (address in the last 4 bytes of
// IP, the first 12 zero) or 6, the address non-zero, the port non-zero.
func ServeAxon(o *state.Overlay, hotkey types.AccountID, netuid uint16, ax Axon, height uint64) error {
	return atomically(o, func(s *rw) error {
		uid, nr, err := s.checkServeAxon(hotkey, netuid, ax, height)
		if err != nil {
			return err
		}
		ax.Block = height
		nr.Axon = ax
		s.setNeuron(netuid, uid, &nr)
		return nil
	})
}

// checkServeAxon runs ServeAxon's checks, writing nothing (ServeAxon and
// AdmitServeAxon share it), and returns hotkey's uid and neuron record.
func (s *rw) checkServeAxon(hotkey types.AccountID, netuid uint16, ax Axon, height uint64) (uint16, Neuron, error) {
	uid, ok := s.uid(netuid, hotkey)
	if !ok {
		return 0, Neuron{}, fmt.Errorf("%w: %s on %d", ErrNotRegistered, hotkey.SS58(), netuid)
	}
	var zero [16]byte
	switch {
	case ax.IPType != 4 && ax.IPType != 6:
		return 0, Neuron{}, fmt.Errorf("%w: ip type %d, want 4 or 6", ErrBadAxon, ax.IPType)
	case ax.IPType == 4 && ([12]byte(ax.IP[:12]) != [12]byte{} || [4]byte(ax.IP[12:]) == [4]byte{}):
		return 0, Neuron{}, fmt.Errorf("%w: bad IPv4 address %x", ErrBadAxon, ax.IP)
	case ax.IP == zero:
		return 0, Neuron{}, fmt.Errorf("%w: zero IPv6 address", ErrBadAxon)
	case ax.Port == 0:
		return 0, Neuron{}, fmt.Errorf("%w: port 0", ErrBadAxon)
	}
	nr, _ := s.neuron(netuid, uid)
	if limit := s.param(netuid, PServingRateLimit); nr.Axon.IPType != 0 && satSub(height, nr.Axon.Block) < limit {
		return 0, Neuron{}, fmt.Errorf("%w: axon served at block %d, next allowed at %d", ErrRateLimited, nr.Axon.Block, nr.Axon.Block+limit)
	}
	return uid, nr, nil
}
