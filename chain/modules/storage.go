package modules

import (
	"fmt"

	"github.com/taorun/taorun/chain/state"
	"github.com/taorun/taorun/host"
)

// Storage is a subnet's module storage over a state overlay: host.Storage for
// the hooks' state_get, state_set and state_remove, under
// 0x16 0x03 ‖ netuid ‖ key. Keys and values are bounded as the host bounds
// them (host.MaxStateKeyBytes, host.MaxStateValueBytes); a longer one is an
// error. Consensus-critical: reads and writes go to the overlay only.
type Storage struct {
	o      *state.Overlay
	prefix []byte
}

var _ host.Storage = (*Storage)(nil)

// ModuleStorage returns subnet netuid's module storage over o.
func ModuleStorage(o *state.Overlay, netuid uint16) *Storage {
	return &Storage{o: o, prefix: storagePrefix(netuid)}
}

func (s *Storage) key(k []byte) ([]byte, error) {
	if len(k) > host.MaxStateKeyBytes {
		return nil, fmt.Errorf("%w: key of %d bytes, limit %d", ErrStorageBounds, len(k), host.MaxStateKeyBytes)
	}
	return append(append(make([]byte, 0, len(s.prefix)+len(k)), s.prefix...), k...), nil
}

// Get implements host.Storage.
func (s *Storage) Get(key []byte) ([]byte, bool, error) {
	k, err := s.key(key)
	if err != nil {
		return nil, false, err
	}
	return s.o.Get(k)
}

// Set implements host.Storage.
func (s *Storage) Set(key, value []byte) error {
	k, err := s.key(key)
	if err != nil {
		return err
	}
	if len(value) > host.MaxStateValueBytes {
		return fmt.Errorf("%w: value of %d bytes, limit %d", ErrStorageBounds, len(value), host.MaxStateValueBytes)
	}
	s.o.Set(k, value)
	return nil
}

// Delete implements host.Storage.
func (s *Storage) Delete(key []byte) error {
	k, err := s.key(key)
	if err != nil {
		return err
	}
	s.o.Delete(k)
	return nil
}
