package api

// Module method names. Other tools depend on them: never rename.
const (
	MethodModuleInfo = "tao_moduleInfo" // [netuid] → ModuleInfo
	MethodGetModule  = "tao_getModule"  // ["0x" id] → Module; unknown id: CodeNotFound "module 0x… not found"
)

// ModuleInfo is a subnet's module record at the head (after the head block's
// promotions): the active module, the pending activation and the hook gas
// limits. Module IDs are 0x-prefixed hex of the 32-byte sha256 of the
// module's original bytes.
type ModuleInfo struct {
	Netuid  uint16         `json:"netuid"`
	Active  *string        `json:"active"`  // null: no module (the defaults of docs/abi.md §3 apply)
	Pending *ModulePending `json:"pending"` // null: nothing scheduled
	HookGas HookGas        `json:"hook_gas"`
}

// ModulePending is a scheduled activation: Module becomes active at the
// start of block AtBlock.
type ModulePending struct {
	Module  string `json:"module"`
	AtBlock uint64 `json:"at_block"`
}

// HookGas are a subnet's gas limits per chain-side hook.
type HookGas struct {
	ValidateWeights uint64 `json:"validate_weights"`
	OnEpoch         uint64 `json:"on_epoch"`
	OnRegister      uint64 `json:"on_register"`
}

// Module is a stored module: its ID, its size in bytes and its original
// bytes as 0x-prefixed hex (sha256 of the bytes is the ID).
type Module struct {
	ID   string `json:"id"`
	Size int    `json:"size"`
	Code string `json:"code"`
}
