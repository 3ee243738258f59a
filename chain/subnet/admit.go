package subnet

import (
	"github.com/taorun/taorun/chain/state"
	"github.com/taorun/taorun/chain/types"
)

// Admission of fee-free calls. Subtensor's serve_axon, set_weights,
// commit_weights and reveal_weights are Pays::No: spam is bounded by checks
// before inclusion, not by a fee. The Admit functions are those checks:
// each runs the operation's own checks (the same code the operation runs)
// against r at height, writing nothing, and returns the error the operation
// would fail with, or nil when only the subnet module's verdict (for the
// weights calls) can still refuse it. Package chain makes a fee-free
// transaction valid only when its Admit function passes. Consensus-critical:
// deterministic functions of r and the arguments.

// admit runs check on a throwaway overlay over r; a storage or corruption
// error wins over the check's own error, as in the operations.
func admit(r state.Reader, check func(s *rw) error) error {
	s := &rw{o: state.NewOverlay(r)}
	err := check(s)
	if s.err != nil {
		return s.err
	}
	return err
}

// AdmitSetWeights reports whether SetWeights(hotkey, netuid, uids, values,
// versionKey, height) would pass every chain check (registration,
// commit-reveal off, version key, weights rate limit, validator permit, uid
// validity, minimum count, max weight limit), without writing.
func AdmitSetWeights(r state.Reader, hotkey types.AccountID, netuid uint16, uids, values []uint16, versionKey, height uint64) error {
	return admit(r, func(s *rw) error {
		_, err := s.checkWeights(hotkey, netuid, uids, values, versionKey, height, false)
		return err
	})
}

// AdmitCommitWeights reports whether CommitWeights(hotkey, netuid, _,
// height) would pass (registration, commit-reveal on, commit rate limit),
// without writing.
func AdmitCommitWeights(r state.Reader, hotkey types.AccountID, netuid uint16, height uint64) error {
	return admit(r, func(s *rw) error { return s.checkCommit(hotkey, netuid, height) })
}

// AdmitRevealWeights reports whether RevealWeights(hotkey, netuid, uids,
// values, salt, versionKey, height) would pass every chain check (a pending
// commit whose reveal epoch is now and whose hash the arguments match, then
// every SetWeights check but the commit-reveal gate), without writing.
func AdmitRevealWeights(r state.Reader, hotkey types.AccountID, netuid uint16, uids, values, salt []uint16, versionKey, height uint64) error {
	return admit(r, func(s *rw) error {
		if err := s.checkReveal(hotkey, netuid, uids, values, salt, versionKey); err != nil {
			return err
		}
		_, err := s.checkWeights(hotkey, netuid, uids, values, versionKey, height, true)
		return err
	})
}

// AdmitServeAxon reports whether ServeAxon(hotkey, netuid, ax, height) would
// pass (registration, a valid address, serving rate limit), without writing.
func AdmitServeAxon(r state.Reader, hotkey types.AccountID, netuid uint16, ax Axon, height uint64) error {
	return admit(r, func(s *rw) error {
		_, _, err := s.checkServeAxon(hotkey, netuid, ax, height)
		return err
	})
}
