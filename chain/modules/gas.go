package modules

import (
	"fmt"

	"github.com/taorun/taorun/chain/codec"
	"github.com/taorun/taorun/chain/state"
	"github.com/taorun/taorun/chain/types"
)

// Hook gas defaults and caps, in gas units (about one per simple WebAssembly
// instruction). A Go guest pays a fixed ~1.1 M gas per hook call for the Go
// runtime's _initialize on its fresh instance; validate_weights of 64
// weights on examples/pocsubnet/module costs ~1.4 M gas in all (~4.5 ms on
// wazero, ~1 ms on wasmtime, 2-core EPYC). The defaults leave a Go guest
// more than ten times that; AssemblyScript and Rust guests have almost no
// fixed cost.
const (
	// DefaultValidateWeightsGas is the validate_weights limit of a subnet
	// that set none.
	DefaultValidateWeightsGas = 20_000_000
	// DefaultOnEpochGas is the on_epoch limit of a subnet that set none.
	DefaultOnEpochGas = 100_000_000
	// DefaultOnRegisterGas is the on_register limit of a subnet that set
	// none.
	DefaultOnRegisterGas = 20_000_000
	// MaxHookGas caps every hook limit a subnet may set.
	MaxHookGas = 500_000_000
	// OnEpochBlockBudget caps the gas of all on_epoch calls of one block
	// together (several subnets' epochs may fall in one block); an epoch
	// whose hook finds the budget spent keeps Yuma's split.
	OnEpochBlockBudget = 2_000_000_000
)

// HookGas are a subnet's gas limits per hook.
type HookGas struct {
	ValidateWeights uint64
	OnEpoch         uint64
	OnRegister      uint64
}

// DefaultHookGas returns the limits of a subnet that set none.
func DefaultHookGas() HookGas {
	return HookGas{DefaultValidateWeightsGas, DefaultOnEpochGas, DefaultOnRegisterGas}
}

// check returns an error naming the first limit outside 1..MaxHookGas.
func (g HookGas) check() error {
	for _, f := range []struct {
		name string
		v    uint64
	}{{"validate_weights", g.ValidateWeights}, {"on_epoch", g.OnEpoch}, {"on_register", g.OnRegister}} {
		if f.v == 0 || f.v > MaxHookGas {
			return fmt.Errorf("%w: %s gas %d, allowed 1..%d", ErrGasLimit, f.name, f.v, MaxHookGas)
		}
	}
	return nil
}

// GetHookGas returns subnet netuid's hook gas limits (DefaultHookGas when it
// set none).
func GetHookGas(r state.Reader, netuid uint16) (HookGas, error) {
	v, ok, err := r.Get(gasKey(netuid))
	if err != nil || !ok {
		return DefaultHookGas(), err
	}
	rd := codec.NewReader(v)
	g := HookGas{rd.U64(), rd.U64(), rd.U64()}
	if err := rd.Done(); err != nil {
		return HookGas{}, fmt.Errorf("modules: hook gas of %d: %w", netuid, err)
	}
	return g, nil
}

// SetHookGas sets subnet netuid's hook gas limits; only the owner may, and
// every limit must lie in 1..MaxHookGas. Setting the defaults removes the
// key. Consensus-critical.
func (m *Modules) SetHookGas(o *state.Overlay, signer types.AccountID, netuid uint16, g HookGas) error {
	if err := checkOwner(m.Owner, o, netuid, signer); err != nil {
		return err
	}
	if err := g.check(); err != nil {
		return err
	}
	if g == DefaultHookGas() {
		o.Delete(gasKey(netuid))
		return nil
	}
	w := codec.NewWriter(24)
	w.U64(g.ValidateWeights)
	w.U64(g.OnEpoch)
	w.U64(g.OnRegister)
	o.Set(gasKey(netuid), w.Bytes())
	return nil
}

// EpochBudget is the on_epoch gas left in the block in progress; make one per
// block with NewEpochBudget and pass it to every Hooks.OnEpoch of the block.
type EpochBudget struct{ left uint64 }

// NewEpochBudget returns a full block budget (OnEpochBlockBudget).
func NewEpochBudget() *EpochBudget { return &EpochBudget{left: OnEpochBlockBudget} }

// Left returns the gas left in the block's budget.
func (b *EpochBudget) Left() uint64 { return b.left }

// take returns the limit a hook may run with: min(limit, left).
func (b *EpochBudget) take(limit uint64) uint64 { return min(limit, b.left) }

// spend removes used gas from the budget.
func (b *EpochBudget) spend(used uint64) { b.left -= min(used, b.left) }

// HookGasPerRao is the hook fee rate: a validate_weights or on_register hook
// that lets its operation go ahead costs its sender 1 rao per HookGasPerRao
// gas used (rounded up), burned on top of the transaction fee (so the
// default 20 M gas limit costs at most 20,000 rao). on_epoch runs in the
// block step, is paid by nobody and is bounded by OnEpochBlockBudget instead.
const HookGasPerRao = 1_000

// HookFee returns the fee, in rao, of gas used by a hook: ⌈gas/HookGasPerRao⌉.
func HookFee(gas uint64) uint64 {
	fee := gas / HookGasPerRao
	if gas%HookGasPerRao != 0 {
		fee++
	}
	return fee
}
