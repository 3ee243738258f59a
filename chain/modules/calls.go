package modules

import (
	"fmt"

	"github.com/taorun/taorun/chain/state"
	"github.com/taorun/taorun/chain/tx"
	"github.com/taorun/taorun/chain/types"
)

// The module transactions' arguments, kinds and encodings live in package tx
// (tx.UploadModule, tx.ActivateModule, tx.DeactivateModule, kinds 30–32, code
// bounded by tx.MaxCodeBytes); Apply executes them.

// applyFuncs executes each module call kind.
var applyFuncs = map[tx.CallKind]func(m *Modules, o *state.Overlay, signer types.AccountID, height uint64, c tx.Call) error{
	tx.KindUploadModule: func(m *Modules, o *state.Overlay, signer types.AccountID, _ uint64, c tx.Call) error {
		u := c.(tx.UploadModule)
		_, err := m.Upload(o, signer, u.Netuid, u.Code)
		return err
	},
	tx.KindActivateModule: func(m *Modules, o *state.Overlay, signer types.AccountID, height uint64, c tx.Call) error {
		a := c.(tx.ActivateModule)
		return m.Activate(o, signer, a.Netuid, a.ModuleID, a.AtBlock, height)
	},
	tx.KindDeactivateModule: func(m *Modules, o *state.Overlay, signer types.AccountID, height uint64, c tx.Call) error {
		return m.Deactivate(o, signer, c.(tx.DeactivateModule).Netuid, height)
	},
}

// IsCall reports whether kind is a module call (one Apply executes).
func IsCall(kind tx.CallKind) bool { _, ok := applyFuncs[kind]; return ok }

// Apply executes a module call (tx.UploadModule, tx.ActivateModule,
// tx.DeactivateModule) signed by signer in the block at height, on the
// call's own overlay o. Consensus-critical; a failed call leaves o as it was.
func (m *Modules) Apply(o *state.Overlay, signer types.AccountID, height uint64, c tx.Call) error {
	f, ok := applyFuncs[c.Kind()]
	if !ok {
		return fmt.Errorf("modules: %s is not a module call", tx.Name(c.Kind()))
	}
	return f(m, o, signer, height, c)
}
