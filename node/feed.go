package node

import (
	"sync"

	"github.com/taorun/taorun/node/rpc/api"
)

// headFeed fans new block headers out to subscribers. A subscriber whose
// buffer is full misses headers rather than stalling block production; its
// channel is closed so the consumer notices.
type headFeed struct {
	mu   sync.Mutex
	subs map[chan api.Header]struct{}
}

func (f *headFeed) subscribe(buf int) (<-chan api.Header, func()) {
	ch := make(chan api.Header, buf)
	f.mu.Lock()
	if f.subs == nil {
		f.subs = make(map[chan api.Header]struct{})
	}
	f.subs[ch] = struct{}{}
	f.mu.Unlock()
	return ch, func() {
		f.mu.Lock()
		if _, ok := f.subs[ch]; ok {
			delete(f.subs, ch)
			close(ch)
		}
		f.mu.Unlock()
	}
}

func (f *headFeed) publish(h api.Header) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for ch := range f.subs {
		select {
		case ch <- h:
		default: // too slow: cut it off
			delete(f.subs, ch)
			close(ch)
		}
	}
}
