package subnet

import (
	"crypto/sha256"
	"fmt"

	"github.com/taorun/taorun/chain/codec"
	"github.com/taorun/taorun/chain/state"
	"github.com/taorun/taorun/chain/types"
)

// commitDomain separates weight-commit hashes from every other hash.
const commitDomain = "taorun/commit-weights/v1"

// CommitHash is the hash a commit-reveal commit carries: sha256 over the
// canonical codec encoding of
//
//	"taorun/commit-weights/v1" (string: u32 length ‖ bytes) ‖ hotkey (32) ‖ netuid u16 ‖
//	uids (u32 count ‖ u16…) ‖ values (u32 count ‖ u16…) ‖ salt (u32 count ‖ u16…) ‖ version_key u64
//
// with integers little endian. Consensus-critical.
func CommitHash(hotkey types.AccountID, netuid uint16, uids, values, salt []uint16, versionKey uint64) types.Hash {
	w := codec.NewWriter(64 + 2*(len(uids)+len(values)+len(salt)))
	w.String(commitDomain)
	w.Fixed(hotkey[:])
	w.U16(netuid)
	for _, v := range [][]uint16{uids, values, salt} {
		w.U32(uint32(len(v)))
		for _, x := range v {
			w.U16(x)
		}
	}
	w.U64(versionKey)
	return sha256.Sum256(w.Bytes())
}

// MaxUpscale scales values so that the largest becomes 65535, rounding half
// up (subtensor's vec_u16_max_upscale_to_u16); all-zero input is returned
// unchanged. Consensus-critical.
func MaxUpscale(values []uint16) []uint16 {
	var mx uint64
	for _, v := range values {
		mx = max(mx, uint64(v))
	}
	out := make([]uint16, len(values))
	for i, v := range values {
		if mx == 0 {
			out[i] = v
			continue
		}
		out[i] = uint16((uint64(v)*65535*2 + mx) / (2 * mx))
	}
	return out
}

// weightsCheck is what checkWeights found: the caller's uid and neuron
// record, the subnet's size and the values as they would be stored.
type weightsCheck struct {
	uid    uint16
	nr     Neuron
	n      uint16
	stored []uint16
}

// checkWeights runs every check of §2.14 on a weights submission, writing
// nothing: the subnet exists, hotkey is registered, equal lengths,
// commit-reveal off (unless viaReveal, a reveal bypassing that gate),
// version key, rate limit, validator permit (unless a single self-weight or
// the owner), valid and unique uids, the minimum count and the max weight
// limit. setWeights and the fee-free admission (AdmitSetWeights,
// AdmitRevealWeights) share it, so a fee-free call is admitted exactly when
// these checks would pass.
func (s *rw) checkWeights(hotkey types.AccountID, netuid uint16, uids, values []uint16, version, height uint64, viaReveal bool) (weightsCheck, error) {
	if netuid == RootNetuid || !s.exists(netuid) {
		return weightsCheck{}, fmt.Errorf("%w: netuid %d", ErrNoSubnet, netuid)
	}
	uid, ok := s.uid(netuid, hotkey)
	if !ok {
		return weightsCheck{}, fmt.Errorf("%w: %s on %d", ErrNotRegistered, hotkey.SS58(), netuid)
	}
	if len(uids) != len(values) {
		return weightsCheck{}, fmt.Errorf("%w: %d uids but %d values", ErrWeights, len(uids), len(values))
	}
	if !viaReveal && s.param(netuid, PCommitReveal) == 1 {
		return weightsCheck{}, fmt.Errorf("%w: subnet %d requires commit-reveal weights", ErrCommitReveal, netuid)
	}
	if want := s.param(netuid, PWeightsVersionKey); version < want {
		return weightsCheck{}, fmt.Errorf("%w: version key %d, subnet requires at least %d", ErrWeights, version, want)
	}
	nr, _ := s.neuron(netuid, uid)
	if limit := s.param(netuid, PWeightsRateLimit); nr.LastUpdate != 0 && satSub(height, nr.LastUpdate) < limit {
		return weightsCheck{}, fmt.Errorf("%w: weights set at block %d, next allowed at %d", ErrRateLimited, nr.LastUpdate, nr.LastUpdate+limit)
	}
	self := len(uids) == 1 && uids[0] == uid
	info, _ := s.info(netuid)
	if !self && hotkey != info.OwnerHotkey && !s.result(netuid, uid).ValidatorPermit {
		return weightsCheck{}, fmt.Errorf("%w: uid %d has no validator permit", ErrWeights, uid)
	}
	n := s.n(netuid)
	seen := make(map[uint16]bool, len(uids))
	for i, u := range uids {
		if u >= n {
			return weightsCheck{}, fmt.Errorf("%w: uids[%d] = %d, subnet has %d uids", ErrWeights, i, u, n)
		}
		if seen[u] {
			return weightsCheck{}, fmt.Errorf("%w: duplicate uid %d", ErrWeights, u)
		}
		seen[u] = true
	}
	if need := min(s.param(netuid, PMinAllowedWeights), uint64(n)); !self && uint64(len(uids)) < need {
		return weightsCheck{}, fmt.Errorf("%w: %d weights, subnet requires at least %d", ErrWeights, len(uids), need)
	}
	stored := MaxUpscale(values)
	if limit := s.param(netuid, PMaxWeightsLimit); limit != 65535 && !self {
		var sum, mx uint64
		for _, v := range stored {
			sum, mx = sum+uint64(v), max(mx, uint64(v))
		}
		if sum > 0 && mx*65535/sum > limit {
			return weightsCheck{}, fmt.Errorf("%w: largest weight is %d/65535 of the total, limit %d", ErrWeights, mx*65535/sum, limit)
		}
	}
	return weightsCheck{uid: uid, nr: nr, n: n, stored: stored}, nil
}

// setWeights runs every check of §2.14 (checkWeights) and stores the row.
// viaReveal is set when called from a reveal (which bypasses the
// commit-reveal gate). With module hooks (s.mods) and hook set,
// validate_weights runs once the checks pass: a reject fails the operation,
// an adjustment is checked and stored in place of the submission (without
// running the hook again), and the hook's gas fee (WeightsVerdict.Fee) is
// burned from hotkey's balance.
func (s *rw) setWeights(hotkey types.AccountID, netuid uint16, uids, values []uint16, version, height uint64, viaReveal, hook bool) error {
	wc, err := s.checkWeights(hotkey, netuid, uids, values, version, height, viaReveal)
	if err != nil {
		return err
	}
	if hook && s.mods != nil {
		v, err := s.mods.ValidateWeights(s.o, WeightsCall{Netuid: netuid, Height: height, CallerUID: wc.uid, CallerHotkey: hotkey,
			VersionKey: version, SubnetN: wc.n, Uids: uids, Values: values})
		if err != nil {
			return err
		}
		if v.Reject {
			return fmt.Errorf("%w: %s", ErrModuleRejected, v.Reason)
		}
		if v.Fee > 0 {
			if err := s.debit(hotkey, v.Fee, "module hook gas"); err != nil {
				return err
			}
			s.addU64(state.KeyBurned, v.Fee)
		}
		if v.Adjust {
			return s.setWeights(hotkey, netuid, v.Uids, v.Values, version, height, viaReveal, false)
		}
	}
	row := make([]Weight, len(uids))
	for i := range uids {
		row[i] = Weight{uids[i], wc.stored[i]}
	}
	s.setRow(weightsKey(netuid, wc.uid), row)
	wc.nr.LastUpdate = height
	s.setNeuron(netuid, wc.uid, &wc.nr)
	return nil
}

// SetWeights sets hotkey's weights on netuid (values[i] for uids[i]) at
// height, with every check of spec §2.14: registration, equal lengths,
// commit-reveal off, version key, rate limit, validator permit (unless a
// single self-weight or the owner), valid and unique uids, the minimum count
// and the max weight limit. Values are stored max-upscaled to 65535.
func SetWeights(o *state.Overlay, hotkey types.AccountID, netuid uint16, uids, values []uint16, versionKey, height uint64) error {
	return Hooked{}.SetWeights(o, hotkey, netuid, uids, values, versionKey, height)
}

// SetWeights is the package function SetWeights that also runs the subnet
// module's validate_weights once the chain's checks pass.
func (h Hooked) SetWeights(o *state.Overlay, hotkey types.AccountID, netuid uint16, uids, values []uint16, versionKey, height uint64) error {
	return atomicallyWith(o, h.Modules, func(s *rw) error {
		return s.setWeights(hotkey, netuid, uids, values, versionKey, height, false, true)
	})
}

// checkCommit runs CommitWeights' checks, writing nothing: the subnet
// exists, hotkey is registered, commit-reveal is on, and a pending commit of
// hotkey is at least weights_rate_limit blocks old (subtensor's
// CommittingWeightsTooFast: commits are rate limited like weights).
func (s *rw) checkCommit(hotkey types.AccountID, netuid uint16, height uint64) error {
	if netuid == RootNetuid || !s.exists(netuid) {
		return fmt.Errorf("%w: netuid %d", ErrNoSubnet, netuid)
	}
	if _, ok := s.uid(netuid, hotkey); !ok {
		return fmt.Errorf("%w: %s on %d", ErrNotRegistered, hotkey.SS58(), netuid)
	}
	if s.param(netuid, PCommitReveal) == 0 {
		return fmt.Errorf("%w: disabled on subnet %d", ErrCommitReveal, netuid)
	}
	if c, ok := s.commit(netuid, hotkey); ok {
		if limit := s.param(netuid, PWeightsRateLimit); satSub(height, c.Block) < limit {
			return fmt.Errorf("%w: weights committed at block %d, next commit allowed at %d", ErrRateLimited, c.Block, c.Block+limit)
		}
	}
	return nil
}

// CommitWeights records hash (see CommitHash) as hotkey's pending weights on a
// commit-reveal subnet, replacing any earlier commit at least
// weights_rate_limit blocks old. It may be revealed once
// commit_reveal_period epochs have run, and only during that epoch.
func CommitWeights(o *state.Overlay, hotkey types.AccountID, netuid uint16, hash types.Hash, height uint64) error {
	return atomically(o, func(s *rw) error {
		if err := s.checkCommit(hotkey, netuid, height); err != nil {
			return err
		}
		s.setCommit(netuid, hotkey, commit{Hash: hash, Block: height, Epoch: s.u64(epochKey(netuid, epIndex))})
		return nil
	})
}

// RevealWeights reveals hotkey's pending commit on netuid: the commit's
// reveal epoch must be the current one and the hash must match CommitHash of
// the arguments; the weights then go through every SetWeights check and the
// commit is removed.
func RevealWeights(o *state.Overlay, hotkey types.AccountID, netuid uint16, uids, values, salt []uint16, versionKey, height uint64) error {
	return Hooked{}.RevealWeights(o, hotkey, netuid, uids, values, salt, versionKey, height)
}

// RevealWeights is the package function RevealWeights that also runs the
// subnet module's validate_weights on the revealed weights once the chain's
// checks pass; an adjustment replaces them (the commit still matches the
// revealed ones).
func (h Hooked) RevealWeights(o *state.Overlay, hotkey types.AccountID, netuid uint16, uids, values, salt []uint16, versionKey, height uint64) error {
	return atomicallyWith(o, h.Modules, func(s *rw) error {
		if err := s.checkReveal(hotkey, netuid, uids, values, salt, versionKey); err != nil {
			return err
		}
		if err := s.setWeights(hotkey, netuid, uids, values, versionKey, height, true, true); err != nil {
			return err
		}
		s.o.Delete(commitKey(netuid, hotkey))
		return nil
	})
}

// checkReveal runs RevealWeights' own checks, writing nothing: hotkey has a
// pending commit on netuid, its reveal epoch is the current one and the
// arguments hash to it. The revealed weights then go through checkWeights.
func (s *rw) checkReveal(hotkey types.AccountID, netuid uint16, uids, values, salt []uint16, versionKey uint64) error {
	c, ok := s.commit(netuid, hotkey)
	if !ok {
		return fmt.Errorf("%w: no pending commit of %s on %d", ErrCommitReveal, hotkey.SS58(), netuid)
	}
	now, at := s.u64(epochKey(netuid, epIndex)), c.Epoch+s.param(netuid, PRevealPeriodEpochs)
	switch {
	case now < at:
		return fmt.Errorf("%w: too early, reveal in epoch %d (now %d)", ErrCommitReveal, at, now)
	case now > at:
		return fmt.Errorf("%w: commit expired in epoch %d (now %d)", ErrCommitReveal, at, now)
	}
	if h := CommitHash(hotkey, netuid, uids, values, salt, versionKey); h != c.Hash {
		return fmt.Errorf("%w: reveal hash %x does not match the commit", ErrCommitReveal, h[:8])
	}
	return nil
}
