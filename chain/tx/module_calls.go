package tx

import "github.com/taorun/taorun/chain/codec"

// The module calls (kinds 30–32; 30–39 are reserved for modules). Their
// meaning and checks are package chain/modules'; here they are only arguments
// with a canonical encoding. "Signer" below is the tx signer, who must own the
// subnet.
const (
	KindUploadModule     CallKind = 30
	KindActivateModule   CallKind = 31
	KindDeactivateModule CallKind = 32
)

// MaxCodeBytes bounds the code an UploadModule call may carry when decoded
// (plugins.DefaultLimits().MaxModuleBytes, which a test in chain/modules
// checks; the policy's own size gate then applies the chain's Limits).
const MaxCodeBytes = 4 << 20

// MaxUploadTxBytes bounds an encoded upload_module transaction: the largest
// code plus 64 KiB for the rest of the transaction. Every other call stays
// bounded by MaxTxBytes (Spec.MaxBytes).
const MaxUploadTxBytes = MaxCodeBytes + 64<<10

// UploadModule stores Code as a module of subnet Netuid (signer: its owner),
// paying the upload fee on top of the transaction fee.
type UploadModule struct {
	Netuid uint16
	Code   []byte
}

// ActivateModule schedules ModuleID (the sha256 of a stored module's bytes)
// to become subnet Netuid's module at block AtBlock (signer: its owner).
type ActivateModule struct {
	Netuid   uint16
	ModuleID [32]byte
	AtBlock  uint64
}

// DeactivateModule removes subnet Netuid's active and pending module
// (signer: its owner).
type DeactivateModule struct {
	Netuid uint16
}

// Kind implements Call.
func (UploadModule) Kind() CallKind { return KindUploadModule }

// Kind implements Call.
func (ActivateModule) Kind() CallKind { return KindActivateModule }

// Kind implements Call.
func (DeactivateModule) Kind() CallKind { return KindDeactivateModule }

// Encode implements Call: netuid u16 ‖ u32 len ‖ code.
func (c UploadModule) Encode(w *codec.Writer) { w.U16(c.Netuid); w.VarBytes(c.Code) }

// Encode implements Call: netuid u16 ‖ id [32] ‖ atBlock u64.
func (c ActivateModule) Encode(w *codec.Writer) {
	w.U16(c.Netuid)
	w.Bytes32(c.ModuleID)
	w.U64(c.AtBlock)
}

// Encode implements Call: netuid u16.
func (c DeactivateModule) Encode(w *codec.Writer) { w.U16(c.Netuid) }

func decodeUploadModule(r *codec.Reader) Call {
	return UploadModule{Netuid: r.U16(), Code: r.VarBytes(MaxCodeBytes, "module code")}
}

func decodeActivateModule(r *codec.Reader) Call {
	return ActivateModule{Netuid: r.U16(), ModuleID: r.Bytes32(), AtBlock: r.U64()}
}

func decodeDeactivateModule(r *codec.Reader) Call { return DeactivateModule{Netuid: r.U16()} }
