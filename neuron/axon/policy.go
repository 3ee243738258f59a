package axon

import (
	"fmt"

	"github.com/taorun/taorun/keys"
)

// Member is what the default policies need to know about a registered hotkey
// from the subnet's metagraph.
type Member struct {
	// UID is the neuron's uid on the subnet.
	UID uint16
	// Stake is the hotkey's stake in rao (the metagraph's S).
	Stake uint64
	// ValidatorPermit is the metagraph's validator_permit for the uid.
	ValidatorPermit bool
}

// Roster looks hotkeys up in the subnet's current metagraph. Implementations
// must be safe for concurrent use; the axon calls Lookup on every request.
type Roster interface {
	// Lookup returns the member registered under hotkey, if any.
	Lookup(hotkey keys.PublicKey) (Member, bool)
}

// Policy is the subnet's blacklist policy, the template's
// --blacklist.force_validator_permit and --blacklist.allow_non_registered.
type Policy struct {
	// ForceValidatorPermit rejects registered callers without a validator permit.
	ForceValidatorPermit bool
	// AllowNonRegistered lets hotkeys that are not registered through.
	AllowNonRegistered bool
}

// Blacklist returns a Config.Blacklist that applies p against r, as the
// subnet template's miner blacklist does.
func (p Policy) Blacklist(r Roster) func(keys.PublicKey) (bool, string) {
	return func(caller keys.PublicKey) (bool, string) {
		m, ok := r.Lookup(caller)
		switch {
		case !ok && !p.AllowNonRegistered:
			return true, fmt.Sprintf("hotkey %s is not registered on this subnet", caller)
		case ok && p.ForceValidatorPermit && !m.ValidatorPermit:
			return true, fmt.Sprintf("hotkey %s (uid %d) has no validator permit", caller, m.UID)
		}
		return false, ""
	}
}

// StakePriority returns a Config.Priority that ranks callers by their stake
// in r (unregistered callers rank 0), the subnet template's priority.
func StakePriority(r Roster) func(keys.PublicKey) uint64 {
	return func(caller keys.PublicKey) uint64 {
		m, _ := r.Lookup(caller)
		return m.Stake
	}
}
