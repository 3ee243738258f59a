package modules

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"

	"github.com/taorun/taorun/chain/state"
	"github.com/taorun/taorun/chain/types"
	"github.com/taorun/taorun/plugins"
)

// Modules performs the module operations under the chain's upload Limits and
// its subnet ownership. The zero Limits mean plugins.DefaultLimits().
type Modules struct {
	// Limits are the upload policy limits (consensus parameters).
	Limits plugins.Limits
	// Owner answers who owns a subnet.
	Owner OwnerFunc
}

func (m *Modules) limits() plugins.Limits {
	if m.Limits.MaxModuleBytes == 0 {
		return plugins.DefaultLimits()
	}
	return m.Limits
}

// Upload stores code, uploaded by signer, the owner of subnet netuid, and
// returns its ID (sha256 of code). The module must pass plugins.Prepare; a
// rejected module returns an error wrapping ErrRejected and the
// *plugins.PolicyError (whose text names the rule). The signer's free balance
// pays UploadFee(len(code)), which is burned. Uploading bytes that are already
// stored changes nothing and costs no fee. Consensus-critical.
func (m *Modules) Upload(o *state.Overlay, signer types.AccountID, netuid uint16, code []byte) (ModuleID, error) {
	id := sha256.Sum256(code)
	if err := checkOwner(m.Owner, o, netuid, signer); err != nil {
		return id, err
	}
	if ok, err := HasCode(o, id); err != nil || ok {
		return id, err
	}
	if _, err := plugins.Prepare(code, m.limits()); err != nil {
		return id, fmt.Errorf("%w: %w", ErrRejected, err)
	}
	fee := UploadFee(len(code))
	bal, err := state.Balance(o, signer)
	if err != nil {
		return id, err
	}
	burned, err := state.Burned(o)
	if err != nil {
		return id, err
	}
	if bal < fee {
		return id, fmt.Errorf("%w: upload fee is %d rao, free balance %d", ErrBalance, fee, bal)
	}
	state.SetBalance(o, signer, bal-fee)
	state.SetBurned(o, burned+fee)
	o.Set(codeKey(id), code)
	return id, nil
}

// Activate schedules module id to become subnet netuid's active module at
// block atBlock, which must be after height (the block in progress). It
// replaces an earlier pending activation. Only the owner may activate, and
// the module must be stored. Consensus-critical.
func (m *Modules) Activate(o *state.Overlay, signer types.AccountID, netuid uint16, id ModuleID, atBlock, height uint64) error {
	if err := checkOwner(m.Owner, o, netuid, signer); err != nil {
		return err
	}
	if atBlock <= height {
		return fmt.Errorf("%w: block %d, current block %d", ErrNotFuture, atBlock, height)
	}
	if ok, err := HasCode(o, id); err != nil {
		return err
	} else if !ok {
		return fmt.Errorf("%w: %x", ErrNoModule, id)
	}
	return updateRecord(o, netuid, height, func(rec *Record) error {
		rec.Pending, rec.HasPending = Pending{ID: id, AtBlock: atBlock}, true
		return nil
	})
}

// Deactivate removes subnet netuid's active module and any pending
// activation at once: from the next hook on, the defaults of docs/abi.md §3
// apply. Only the owner may deactivate. Consensus-critical.
func (m *Modules) Deactivate(o *state.Overlay, signer types.AccountID, netuid uint16, height uint64) error {
	if err := checkOwner(m.Owner, o, netuid, signer); err != nil {
		return err
	}
	return updateRecord(o, netuid, height, func(rec *Record) error {
		if !rec.HasActive && !rec.HasPending {
			return fmt.Errorf("%w: %d", ErrInactive, netuid)
		}
		rec.Active, rec.HasActive, rec.ActiveSince = ModuleID{}, false, 0
		rec.Pending, rec.HasPending = Pending{}, false
		rec.addHistory(Change{Block: height})
		return nil
	})
}

// updateRecord reads netuid's record, promotes a due activation, applies fn
// and writes the record back; when fn fails nothing is written.
func updateRecord(o *state.Overlay, netuid uint16, height uint64, fn func(*Record) error) error {
	rec, err := GetRecord(o, netuid)
	if err != nil {
		return err
	}
	rec.promote(height)
	if err := fn(&rec); err != nil {
		return err
	}
	putRecord(o, netuid, rec)
	return nil
}

// ActiveModule returns the module active in subnet netuid at block height,
// applying a pending activation whose block has come, without writing.
// Consensus-critical.
func ActiveModule(r state.Reader, netuid uint16, height uint64) (ModuleID, bool, error) {
	rec, err := GetRecord(r, netuid)
	if err != nil {
		return ModuleID{}, false, err
	}
	rec.promote(height)
	return rec.Active, rec.HasActive, nil
}

// BeginBlock promotes every pending activation due at height (AtBlock ≤
// height) to active, in ascending netuid order, and returns the subnets whose
// module changed (so a node can load and pin the new modules). The chain runs
// it at the start of every block, before hooks and transactions.
// Consensus-critical.
func BeginBlock(o *state.Overlay, height uint64) ([]uint16, error) {
	type due struct {
		netuid uint16
		rec    Record
	}
	var dues []due
	err := eachRecord(o, func(netuid uint16, rec Record) {
		if rec.promote(height) {
			dues = append(dues, due{netuid, rec})
		}
	})
	if err != nil {
		return nil, err
	}
	changed := make([]uint16, 0, len(dues))
	for _, d := range dues {
		putRecord(o, d.netuid, d.rec)
		changed = append(changed, d.netuid)
	}
	return changed, nil
}

// ActiveModules returns the module active at height in every subnet that has
// one, in ascending netuid order (a node pins them in its registry at start
// and after BeginBlock reports changes). Consensus-critical only in that it
// is deterministic; it writes nothing.
func ActiveModules(r state.Reader, height uint64) ([]SubnetModule, error) {
	var out []SubnetModule
	err := eachRecord(r, func(netuid uint16, rec Record) {
		if rec.promote(height); rec.HasActive {
			out = append(out, SubnetModule{Netuid: netuid, ID: rec.Active})
		}
	})
	return out, err
}

// eachRecord calls fn with every stored record, in ascending netuid order.
func eachRecord(r state.Reader, fn func(netuid uint16, rec Record)) error {
	prefix := []byte{state.PrefixModule, subRecord}
	return r.Iterate(prefix, func(k, v []byte) error {
		if len(k) != len(prefix)+2 {
			return fmt.Errorf("modules: malformed record key %x", k)
		}
		rec, err := decodeRecord(v)
		if err != nil {
			return err
		}
		fn(binary.BigEndian.Uint16(k[len(prefix):]), rec)
		return nil
	})
}

// SubnetModule is a subnet's active module.
type SubnetModule struct {
	Netuid uint16
	ID     ModuleID
}
