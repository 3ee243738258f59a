package subnet

import (
	"fmt"

	"github.com/taorun/taorun/chain/state"
	"github.com/taorun/taorun/chain/types"
)

// Read-only queries for RPC, the CLI and the EVM precompiles. Each reads r
// (a store, snapshot or overlay) and never writes.

// Netuids returns the registered subnets, root excluded, ascending.
func Netuids(r state.Reader) ([]uint16, error) {
	s := &rw{o: state.NewOverlay(r)}
	n := s.netuids()
	return n, s.err
}

// UID returns hotkey's uid on netuid (ok false when not registered).
func UID(r state.Reader, netuid uint16, hotkey types.AccountID) (uid uint16, ok bool, err error) {
	s := &rw{o: state.NewOverlay(r)}
	uid, ok = s.uid(netuid, hotkey)
	return uid, ok, s.err
}

// NeuronEntry is one row of a metagraph: registration, last epoch's results
// and stake.
type NeuronEntry struct {
	UID uint16
	Neuron
	Result
	// Stake is the alpha staked to the hotkey on the subnet; RootStake its
	// TAO on root.
	Stake, RootStake uint64
	// Weights is the uid's stored weights row.
	Weights []Weight
}

// Metagraph returns every uid of netuid in uid order.
func Metagraph(r state.Reader, netuid uint16) ([]NeuronEntry, error) {
	s := &rw{o: state.NewOverlay(r)}
	if netuid == RootNetuid || !s.exists(netuid) {
		if s.err != nil {
			return nil, s.err
		}
		return nil, fmt.Errorf("%w: netuid %d", ErrNoSubnet, netuid)
	}
	n := s.n(netuid)
	out := make([]NeuronEntry, n)
	for uid := range n {
		nr, _ := s.neuron(netuid, uid)
		out[uid] = NeuronEntry{UID: uid, Neuron: nr, Result: s.result(netuid, uid),
			Stake: s.u64(hotkeyTotalKey(nr.Hotkey, netuid)), RootStake: s.u64(hotkeyTotalKey(nr.Hotkey, RootNetuid)),
			Weights: s.row(weightsKey(netuid, uid))}
	}
	return out, s.err
}
