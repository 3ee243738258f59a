package axon

import (
	"errors"
	"testing"
	"time"

	"github.com/taorun/taorun/keys"
)

func TestNonceTable(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	timeout := 2 * time.Second
	tab := newNonceTable(2, AllowedDelta+10*time.Second)
	alice := endpoint{keys.Dev("Alice").Public(), "a"}
	n := now.UnixNano()

	steps := []struct {
		name  string
		ep    endpoint
		nonce int64
		at    time.Time
		want  error
	}{
		{"first", alice, n - 1, now, nil},
		{"replay", alice, n - 1, now, errNonceReplayed},
		{"older", alice, n - 2, now, errNonceReplayed},
		{"newer", alice, n, now, nil},
		{"just outside the window", endpoint{alice.hotkey, "b"}, n - (AllowedDelta + timeout).Nanoseconds(), now, errNonceStale},
		{"just inside the window", endpoint{alice.hotkey, "b"}, n - (AllowedDelta + timeout).Nanoseconds() + 1, now, nil},
		{"table full of live entries", endpoint{alice.hotkey, "c"}, n, now, errNonceTableFull},
		// 20 s later the oldest entry ("b") has left the 14 s max window and may go.
		{"evicts an expired entry", endpoint{alice.hotkey, "c"}, n + 20e9, now.Add(20 * time.Second), nil},
		{"evicted entry starts afresh but its old nonce is stale", endpoint{alice.hotkey, "b"}, n - 1, now.Add(20 * time.Second), errNonceStale},
	}
	for _, s := range steps {
		if err := tab.accept(s.ep, s.nonce, s.at, timeout); !errors.Is(err, s.want) {
			t.Fatalf("%s: accept = %v, want %v", s.name, err, s.want)
		}
	}
	if tab.lru.Len() != 2 || len(tab.byKey) != 2 {
		t.Fatalf("table holds %d/%d entries, capacity 2", tab.lru.Len(), len(tab.byKey))
	}
}
