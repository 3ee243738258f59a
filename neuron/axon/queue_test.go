package axon

import (
	"context"
	"errors"
	"testing"
	"time"
)

// waitQueued polls until g has n waiters (liveness only; fails after 10 s).
func waitQueued(t *testing.T, g *gate, n int) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); g.queued() != n; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("queue length stuck at %d, want %d", g.queued(), n)
		}
	}
}

func TestGateShedsLowestPriority(t *testing.T) {
	g := newGate(1, 2)
	ctx := context.Background()
	if err := g.acquire(ctx, 0); err != nil {
		t.Fatal(err)
	}
	results := map[uint64]chan error{1: make(chan error, 1), 2: make(chan error, 1), 3: make(chan error, 1)}
	for _, p := range []uint64{1, 2} {
		go func() { results[p] <- g.acquire(ctx, p) }()
		waitQueued(t, g, int(p))
	}
	if err := g.acquire(ctx, 1); !errors.Is(err, errOverloaded) {
		t.Fatalf("equal-priority newcomer to a full queue: %v, want errOverloaded", err)
	}
	go func() { results[3] <- g.acquire(ctx, 3) }()
	if err := <-results[1]; !errors.Is(err, errOverloaded) {
		t.Fatalf("lowest waiter after a higher one arrived: %v, want errOverloaded", err)
	}
	waitQueued(t, g, 2)
	g.release()
	if err := <-results[3]; err != nil {
		t.Fatalf("highest waiter: %v", err)
	}
	g.release()
	if err := <-results[2]; err != nil {
		t.Fatalf("next waiter: %v", err)
	}
	g.release()
	if g.free != 1 || g.queued() != 0 {
		t.Fatalf("gate not back to 1 free slot: free=%d queued=%d", g.free, g.queued())
	}
}

func TestGateWaiterGivesUpOnDeadline(t *testing.T) {
	g := newGate(1, 4)
	if err := g.acquire(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := g.acquire(ctx, 9); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("acquire = %v, want DeadlineExceeded", err)
	}
	if g.queued() != 0 {
		t.Fatalf("expired waiter left in the queue")
	}
	g.release()
	if g.free != 1 {
		t.Fatalf("free = %d after release, want 1", g.free)
	}
}
