package modules

import (
	"errors"

	"github.com/taorun/taorun/chain/codec"
	"github.com/taorun/taorun/chain/state"
)

// MaxHistory bounds the changes a Record keeps (the oldest are dropped).
const MaxHistory = 16

// Pending is a scheduled activation.
type Pending struct {
	ID      ModuleID
	AtBlock uint64
}

// Change is one entry of a subnet's module history: from Block on, ID was
// active (the zero ID: no module, after a deactivation).
type Change struct {
	ID    ModuleID
	Block uint64
}

// Record is a subnet's module record. The zero Record (no module, nothing
// pending, no history) is stored as an absent key.
type Record struct {
	// Active is the active module, when HasActive; ActiveSince is the block
	// it became active.
	Active      ModuleID
	HasActive   bool
	ActiveSince uint64
	// Pending is the scheduled activation, when HasPending.
	Pending    Pending
	HasPending bool
	// History lists the last MaxHistory changes, oldest first.
	History []Change
}

// promote applies a pending activation due at height; it reports whether it
// did.
func (r *Record) promote(height uint64) bool {
	if !r.HasPending || r.Pending.AtBlock > height {
		return false
	}
	r.Active, r.HasActive, r.ActiveSince = r.Pending.ID, true, r.Pending.AtBlock
	r.Pending, r.HasPending = Pending{}, false
	r.addHistory(Change{ID: r.Active, Block: r.ActiveSince})
	return true
}

func (r *Record) addHistory(c Change) {
	r.History = append(r.History, c)
	if n := len(r.History); n > MaxHistory {
		r.History = append([]Change(nil), r.History[n-MaxHistory:]...)
	}
}

func (r *Record) isZero() bool { return !r.HasActive && !r.HasPending && len(r.History) == 0 }

// encode writes the record canonically:
//
//	hasActive bool ‖ active [32] ‖ activeSince u64 ‖
//	hasPending bool ‖ pendingID [32] ‖ pendingAt u64 ‖
//	u32 n ‖ n × (id [32] ‖ block u64)
//
// Fields behind a false flag are zero.
func (r *Record) encode() []byte {
	w := codec.NewWriter(2*41 + 4 + 40*len(r.History))
	w.Bool(r.HasActive)
	w.Bytes32(r.Active)
	w.U64(r.ActiveSince)
	w.Bool(r.HasPending)
	w.Bytes32(r.Pending.ID)
	w.U64(r.Pending.AtBlock)
	w.U32(uint32(len(r.History)))
	for _, c := range r.History {
		w.Bytes32(c.ID)
		w.U64(c.Block)
	}
	return w.Bytes()
}

var errRecord = errors.New("modules: malformed record")

// decodeRecord is encode's strict inverse.
func decodeRecord(b []byte) (Record, error) {
	rd := codec.NewReader(b)
	var r Record
	r.HasActive, r.Active, r.ActiveSince = rd.Bool(), rd.Bytes32(), rd.U64()
	r.HasPending, r.Pending.ID, r.Pending.AtBlock = rd.Bool(), rd.Bytes32(), rd.U64()
	n := rd.Len(MaxHistory, "history")
	for i := 0; i < n && rd.Err() == nil; i++ {
		r.History = append(r.History, Change{ID: rd.Bytes32(), Block: rd.U64()})
	}
	if err := rd.Done(); err != nil {
		return Record{}, errors.Join(errRecord, err)
	}
	if (!r.HasActive && (r.Active != ModuleID{} || r.ActiveSince != 0)) || (!r.HasPending && r.Pending != Pending{}) {
		return Record{}, errRecord
	}
	return r, nil
}

// GetRecord returns subnet netuid's record as stored (a due activation not
// yet promoted; see ActiveModule).
func GetRecord(r state.Reader, netuid uint16) (Record, error) {
	v, ok, err := r.Get(recordKey(netuid))
	if err != nil || !ok {
		return Record{}, err
	}
	return decodeRecord(v)
}

func putRecord(o *state.Overlay, netuid uint16, r Record) {
	if r.isZero() {
		o.Delete(recordKey(netuid))
		return
	}
	o.Set(recordKey(netuid), r.encode())
}
