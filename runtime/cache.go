package runtime

import (
	"container/list"
	"context"
	"sync"

	"github.com/taorun/taorun/runtime/internal/engine"
)

// compiledSizeFactor estimates compiled machine code plus metadata as a
// multiple of the wasm size. Neither engine reports the real figure; the
// estimate only has to rank modules and bound memory roughly.
const compiledSizeFactor = 4

// cache is the in-memory tier of the compiled-module cache: modules by ID,
// an LRU of the unpinned ones bounded by estimated size, and a pinned set
// that is never evicted. Compiles of one ID are de-duplicated. The disk tier
// belongs to the engine (Config.CacheDir).
type cache struct {
	mu     sync.Mutex
	limit  int64
	size   int64 // estimated bytes of the unpinned modules in lru
	byID   map[ModuleID]*entry
	lru    *list.List // of *Module, most recently used first
	pinned map[ModuleID]bool
}

// entry is a cached module or a compile in progress.
type entry struct {
	ready chan struct{} // closed when m or err is set
	m     *Module
	err   error
}

func newCache(limit int64) *cache {
	return &cache{limit: limit, byID: map[ModuleID]*entry{}, lru: list.New(), pinned: map[ModuleID]bool{}}
}

// lookup returns the entry for id, creating an empty one (and reporting
// owner = true) if there is none; the owner must call finish.
func (c *cache) lookup(id ModuleID) (e *entry, owner bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e := c.byID[id]; e != nil {
		if e.m != nil && e.m.elem != nil {
			c.lru.MoveToFront(e.m.elem)
		}
		return e, false
	}
	e = &entry{ready: make(chan struct{})}
	c.byID[id] = e
	return e, true
}

// finish publishes the result of a compile and evicts what no longer fits.
func (c *cache) finish(ctx context.Context, id ModuleID, e *entry, m *Module, err error) {
	c.mu.Lock()
	e.m, e.err = m, err
	if err != nil {
		delete(c.byID, id) // let a later Compile retry
	} else if !c.pinned[id] {
		c.push(m)
	}
	victims := c.evict()
	c.mu.Unlock()
	close(e.ready)
	closeCompiled(ctx, victims)
}

// push puts m at the front of the LRU. c.mu is held.
func (c *cache) push(m *Module) {
	m.elem = c.lru.PushFront(m)
	c.size += m.size
}

// remove takes m out of the LRU. c.mu is held.
func (c *cache) remove(m *Module) {
	if m.elem != nil {
		c.lru.Remove(m.elem)
		m.elem = nil
		c.size -= m.size
	}
}

// evict drops least recently used modules until the LRU fits, returning the
// compiled code that nothing uses any more. The most recent module stays
// even if it alone is over the limit. c.mu is held.
func (c *cache) evict() []engine.Compiled {
	var victims []engine.Compiled
	for c.size > c.limit && c.lru.Len() > 1 {
		m := c.lru.Back().Value.(*Module)
		c.remove(m)
		delete(c.byID, m.id)
		m.evicted = true
		if m.instances == 0 {
			victims = append(victims, m.compiled)
			m.compiled = nil
		}
	}
	return victims
}

func closeCompiled(ctx context.Context, cs []engine.Compiled) {
	for _, cm := range cs {
		cm.Close(ctx)
	}
}

// acquire returns m's compiled code and counts one more instance using it,
// or nil if m has been evicted and closed.
func (c *cache) acquire(m *Module) engine.Compiled {
	c.mu.Lock()
	defer c.mu.Unlock()
	if m.compiled == nil {
		return nil
	}
	m.instances++
	if m.elem != nil {
		c.lru.MoveToFront(m.elem)
	}
	return m.compiled
}

// release counts one instance fewer, closing the code of an evicted module
// that nothing uses any more.
func (c *cache) release(ctx context.Context, m *Module) {
	c.mu.Lock()
	m.instances--
	var victim engine.Compiled
	if m.evicted && m.instances == 0 && m.compiled != nil {
		victim, m.compiled = m.compiled, nil
	}
	c.mu.Unlock()
	if victim != nil {
		victim.Close(ctx)
	}
}

func (c *cache) pin(id ModuleID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pinned[id] = true
	if e := c.byID[id]; e != nil && e.m != nil {
		c.remove(e.m)
	}
}

func (c *cache) unpin(ctx context.Context, id ModuleID) {
	c.mu.Lock()
	delete(c.pinned, id)
	if e := c.byID[id]; e != nil && e.m != nil && e.m.elem == nil {
		c.push(e.m)
	}
	victims := c.evict()
	c.mu.Unlock()
	closeCompiled(ctx, victims)
}

// closeAll closes every cached module, as the Runtime closes.
func (c *cache) closeAll(ctx context.Context) {
	c.mu.Lock()
	var all []engine.Compiled
	for id, e := range c.byID {
		if e.m != nil && e.m.compiled != nil {
			all = append(all, e.m.compiled)
			e.m.compiled = nil
		}
		delete(c.byID, id)
	}
	c.lru.Init()
	c.size = 0
	c.mu.Unlock()
	closeCompiled(ctx, all)
}
