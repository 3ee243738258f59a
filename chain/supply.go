package chain

import (
	"encoding/binary"
	"fmt"

	"github.com/taorun/taorun/chain/state"
	"github.com/taorun/taorun/chain/subnet"
)

// supplyHolder sums one kind of holding of TAO.
type supplyHolder struct {
	name string
	sum  func(r state.Reader) (uint64, error)
}

// supplyHolders lists every place TAO can be. Staked TAO sits in the dTAO
// pools (stake itself is alpha; root stake is held 1:1 in root's pool), so
// CheckSupply means issuance == Σ balances + Σ pool TAO + burned.
var supplyHolders = []supplyHolder{
	{"balances", func(r state.Reader) (uint64, error) { return sumU64Prefix(r, []byte{state.PrefixBalance}) }},
	{"pools", subnet.PooledTAO},
	{"burned", state.Burned},
}

// sumU64Prefix adds every u64 value under prefix, failing on overflow.
func sumU64Prefix(r state.Reader, prefix []byte) (uint64, error) {
	var total uint64
	err := r.Iterate(prefix, func(k, v []byte) error {
		if len(v) != 8 {
			return fmt.Errorf("value at %x is %d bytes, want 8", k, len(v))
		}
		n := binary.LittleEndian.Uint64(v)
		if total+n < total {
			return fmt.Errorf("sum under %x overflows", prefix)
		}
		total += n
		return nil
	})
	return total, err
}

// CheckSupply verifies the supply invariant on r:
//
//	total issuance == Σ balances + Σ pool TAO + burned  ≤ MaxSupply
//
// It returns an error naming each amount when the invariant is broken. It
// reads every balance, so it is for tests and audits, not for every block.
func CheckSupply(r state.Reader) error {
	iss, err := state.TotalIssuance(r)
	if err != nil {
		return err
	}
	var total uint64
	detail := ""
	for _, h := range supplyHolders {
		n, err := h.sum(r)
		if err != nil {
			return fmt.Errorf("supply: %s: %w", h.name, err)
		}
		if total+n < total {
			return fmt.Errorf("supply: total overflows at %s", h.name)
		}
		total += n
		detail += fmt.Sprintf(" %s=%d", h.name, n)
	}
	if total != iss {
		return fmt.Errorf("supply invariant broken: issuance %d != held %d (%s)", iss, total, detail[1:])
	}
	if iss > MaxSupply {
		return fmt.Errorf("supply invariant broken: issuance %d exceeds cap %d", iss, uint64(MaxSupply))
	}
	return nil
}
