package chainrpc

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/taorun/taorun/keys"
	"github.com/taorun/taorun/neuron/axon"
	"github.com/taorun/taorun/node/rpcclient"
)

// DefaultRosterPoll is how often Roster.Run looks for a new block when no
// interval is given.
const DefaultRosterPoll = time.Second

// Roster is an axon.Roster over a subnet's metagraph (tao_metagraph): hotkey
// → UID, stake (alpha-rao, the metagraph's stake) and validator permit.
// Run refreshes it once per new block; until the first successful Refresh
// it knows nobody. Lookup is safe for concurrent use with Refresh.
type Roster struct {
	rpc    *rpcclient.Client
	netuid uint16
	log    *slog.Logger

	mu      sync.RWMutex
	members map[keys.PublicKey]axon.Member
	height  uint64 // the metagraph's view height
}

var _ axon.Roster = (*Roster)(nil)

// NewRoster returns an empty Roster of netuid; call Refresh or Run to fill
// it. A nil logger means slog.Default().
func NewRoster(rpc *rpcclient.Client, netuid uint16, log *slog.Logger) *Roster {
	if log == nil {
		log = slog.Default()
	}
	return &Roster{rpc: rpc, netuid: netuid, log: log, members: map[keys.PublicKey]axon.Member{}}
}

// Lookup returns the member registered under hotkey, if any.
func (r *Roster) Lookup(hotkey keys.PublicKey) (axon.Member, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	m, ok := r.members[hotkey]
	return m, ok
}

// Len returns how many hotkeys the roster knows.
func (r *Roster) Len() int {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return len(r.members)
}

// Height returns the block height of the metagraph last loaded (0 before
// the first Refresh).
func (r *Roster) Height() uint64 {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.height
}

// Refresh reloads the metagraph. On error the previous roster stays.
func (r *Roster) Refresh(ctx context.Context) error {
	mg, err := r.rpc.Metagraph(ctx, r.netuid, false)
	if err != nil {
		return fmt.Errorf("chainrpc: roster of subnet %d: %w", r.netuid, err)
	}
	neurons, err := Neurons(mg)
	if err != nil {
		return err
	}
	members := make(map[keys.PublicKey]axon.Member, len(neurons))
	for _, n := range neurons {
		members[n.Hotkey] = axon.Member{UID: n.UID, Stake: n.Stake, ValidatorPermit: n.ValidatorPermit}
	}
	r.mu.Lock()
	r.members, r.height = members, mg.Height
	r.mu.Unlock()
	return nil
}

// Run refreshes the roster whenever the chain head moves (polling every
// poll; 0 means DefaultRosterPoll) until ctx ends. Failures are logged and
// retried at the next poll.
func (r *Roster) Run(ctx context.Context, poll time.Duration) error {
	if poll <= 0 {
		poll = DefaultRosterPoll
	}
	t := time.NewTicker(poll)
	defer t.Stop()
	var seen uint64
	lastErr := ""
	for {
		n, err := r.rpc.BlockNumber(ctx)
		if err == nil && n != seen {
			if err = r.Refresh(ctx); err == nil {
				seen = n
				lastErr = ""
			}
		}
		if err != nil && ctx.Err() == nil && err.Error() != lastErr {
			r.log.Warn("roster refresh failed; retrying", "netuid", r.netuid, "err", err)
			lastErr = err.Error()
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}
