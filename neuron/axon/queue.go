package axon

import (
	"container/heap"
	"context"
	"errors"
	"sync"
)

// errOverloaded is returned by gate.acquire when the wait queue is full (429).
var errOverloaded = errors.New("axon is overloaded: all handler slots busy and the wait queue is full of higher-priority requests")

// waiter is one request waiting for a handler slot.
type waiter struct {
	prio    uint64
	seq     uint64 // arrival order, for the deterministic tie-break
	index   int    // position in the heap, -1 once removed
	ready   chan struct{}
	granted bool // set under gate.mu before ready is closed: a slot is ours
}

// waitHeap is a max-heap: higher prio first, then lower seq (earlier arrival).
type waitHeap []*waiter

// Len, Less, Swap, Push and Pop implement heap.Interface.
func (h waitHeap) Len() int { return len(h) }

// Less ranks higher priority first, then earlier arrival.
func (h waitHeap) Less(i, j int) bool {
	if h[i].prio != h[j].prio {
		return h[i].prio > h[j].prio
	}
	return h[i].seq < h[j].seq
}

// Swap swaps two waiters and keeps their indexes right.
func (h waitHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i]; h[i].index = i; h[j].index = j }

// Push appends a waiter.
func (h *waitHeap) Push(x any) { w := x.(*waiter); w.index = len(*h); *h = append(*h, w) }

// Pop removes the last waiter and marks it removed (index -1).
func (h *waitHeap) Pop() any {
	old := *h
	w := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	w.index = -1
	return w
}

// gate hands out a fixed number of handler slots, queueing by priority.
type gate struct {
	mu       sync.Mutex
	free     int
	maxQueue int
	seq      uint64
	waiting  waitHeap
}

// newGate returns a gate with slots slots and room for maxQueue waiters.
func newGate(slots, maxQueue int) *gate { return &gate{free: slots, maxQueue: maxQueue} }

// queued returns the number of requests waiting for a slot.
func (g *gate) queued() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.waiting)
}

// acquire takes a slot, waiting in priority order while none is free. It
// returns errOverloaded when the queue is full of requests that rank at
// least as high (or when this waiter is later shed for a higher one), and
// ctx.Err() when ctx ends first. On nil the caller must call release.
func (g *gate) acquire(ctx context.Context, prio uint64) error {
	g.mu.Lock()
	if g.free > 0 && len(g.waiting) == 0 {
		g.free--
		g.mu.Unlock()
		return nil
	}
	if len(g.waiting) >= g.maxQueue {
		victim := g.lowest()
		if victim == nil || prio <= victim.prio {
			g.mu.Unlock()
			return errOverloaded
		}
		heap.Remove(&g.waiting, victim.index)
		close(victim.ready) // granted stays false: shed
	}
	g.seq++
	w := &waiter{prio: prio, seq: g.seq, ready: make(chan struct{})}
	heap.Push(&g.waiting, w)
	g.mu.Unlock()

	select {
	case <-w.ready:
	case <-ctx.Done():
		g.mu.Lock()
		if w.index >= 0 {
			heap.Remove(&g.waiting, w.index)
			g.mu.Unlock()
			return ctx.Err()
		}
		g.mu.Unlock()
		<-w.ready // already removed: granted or shed, ready is (being) closed
		if w.granted {
			g.release()
		}
		return ctx.Err()
	}
	if !w.granted {
		return errOverloaded
	}
	return nil
}

// lowest returns the waiter that ranks last (lowest prio, latest arrival);
// the caller holds g.mu.
func (g *gate) lowest() *waiter {
	var low *waiter
	for _, w := range g.waiting {
		if low == nil || w.prio < low.prio || (w.prio == low.prio && w.seq > low.seq) {
			low = w
		}
	}
	return low
}

// release returns a slot, handing it straight to the best waiter if any.
func (g *gate) release() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.waiting) == 0 {
		g.free++
		return
	}
	w := heap.Pop(&g.waiting).(*waiter)
	w.granted = true
	close(w.ready)
}
