package modhost

import (
	"context"
	"fmt"
	"sync"

	"github.com/taorun/taorun/plugins/registry"
)

// lookahead is a Host's ahead-of-activation compile state (see the package
// invariants). At most one look-up or compile runs at a time, in a
// goroutine of its own, so a call never waits for the Source's answer about
// the future or for a compile it does not need yet.
type lookahead struct {
	sched Scheduled // nil: the Source cannot tell scheduled versions
	bg    context.Context
	stop  context.CancelFunc
	wg    sync.WaitGroup

	mu       sync.Mutex
	looked   bool   // a look-up was started, at lookedAt
	lookedAt uint64 // the height of the latest look-up
	busy     bool   // a look-up or compile is running
	closed   bool
	current  [32]byte // the module the Host switched to last (zero before the first)
	next     *pending // the scheduled version: compiled, or being compiled
	stats    Stats    // only the load counts (Loads, AheadLoads, AheadUsed)
}

// pending is a scheduled version and its ahead-of-time load. id is fixed
// at creation; at is guarded by lookahead.mu; loaded and err are set
// before done is closed.
type pending struct {
	id     [32]byte
	at     uint64
	done   chan struct{}
	loaded *registry.Loaded
	err    error
}

func (a *lookahead) init(src Source) {
	a.sched, _ = src.(Scheduled)
	a.bg, a.stop = context.WithCancel(context.Background())
}

// countLoad counts a load on the call path.
func (a *lookahead) countLoad() {
	a.mu.Lock()
	a.stats.Loads++
	a.mu.Unlock()
}

// lookAhead starts a look-up of the version scheduled after height, unless
// the Source cannot tell, one is running, or this height was looked at.
func (h *Host) lookAhead(height uint64) {
	a := &h.ahead
	if a.sched == nil {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed || a.busy || (a.looked && height <= a.lookedAt) {
		return
	}
	a.looked, a.lookedAt, a.busy = true, height, true
	a.wg.Add(1)
	go h.prepareNext(height)
}

// prepareNext looks up the version scheduled after height and, when it is
// new, fetches, verifies and compiles it.
func (h *Host) prepareNext(height uint64) {
	a := &h.ahead
	defer a.wg.Done()
	p := h.schedule(height)
	if p == nil {
		return
	}
	log := h.cfg.Logger.With("netuid", h.cfg.Netuid, "module", fmt.Sprintf("%x", p.id[:8]), "at_block", p.at)
	log.Info("compiling the scheduled module version ahead of its activation")
	loaded, err := h.load(a.bg, p.id)
	a.mu.Lock()
	p.loaded, p.err = loaded, err
	if err == nil {
		a.stats.AheadLoads++
	}
	a.busy = false
	a.mu.Unlock()
	close(p.done)
	switch {
	case err == nil:
		log.Info("scheduled module version compiled; it takes over at its activation block")
	case a.bg.Err() == nil:
		log.Warn("compiling the scheduled module version ahead failed; retrying at the next block", "err", err)
	}
}

// schedule asks the Source for the version scheduled after height. It
// returns a new pending version to compile (busy stays set), or nil with
// busy cleared when there is nothing new to compile.
func (h *Host) schedule(height uint64) *pending {
	a := &h.ahead
	id, at, ok, err := a.sched.PendingModule(a.bg, h.cfg.Netuid, height)
	a.mu.Lock()
	defer a.mu.Unlock()
	switch {
	case err != nil:
		if a.bg.Err() == nil {
			h.cfg.Logger.Warn("looking up the scheduled module version", "netuid", h.cfg.Netuid, "block", height, "err", err)
		}
	case ok && id == a.current:
		// A look-up that started before the switch: the version it
		// reports runs already.
	case !ok:
		// Nothing scheduled. A version compiled for a block still ahead was
		// unscheduled; one whose block has come is the switch's to take.
		if a.next != nil && a.next.at > height {
			a.next = nil
		}
	case a.next != nil && a.next.id == id && a.next.err == nil:
		a.next.at = at // compiled (or compiling) already
	default:
		a.next = &pending{id: id, at: at, done: make(chan struct{})}
		return a.next
	}
	a.busy = false
	return nil
}

// take records that the Host is switching to module id (so a look-up that
// started before the switch does not compile it again) and returns it when
// it was compiled ahead, waiting for its compile if it is still running;
// nil when there is none for id (or its compile failed), for the caller to
// load it itself.
func (a *lookahead) take(ctx context.Context, id [32]byte) (*registry.Loaded, error) {
	a.mu.Lock()
	a.current = id
	p := a.next
	a.mu.Unlock()
	if p == nil || p.id != id {
		return nil, nil
	}
	select {
	case <-p.done:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.next == p {
		a.next = nil
	}
	if p.err != nil {
		return nil, nil
	}
	a.stats.AheadUsed++
	return p.loaded, nil
}

// close stops look-aheads and waits for one in flight.
func (a *lookahead) close() {
	a.mu.Lock()
	a.closed = true
	a.mu.Unlock()
	a.stop()
	a.wg.Wait()
}
