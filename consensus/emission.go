package consensus

import "github.com/taorun/taorun/consensus/fixed"

// Supply constants (subtensor runtime, spec yuma-emission.md §3.1). TAO and every subnet's
// alpha token share the same cap and halving curve.
const (
	// RaoPerTao is the number of rao (the smallest unit) in one TAO.
	RaoPerTao = 1_000_000_000
	// MaxSupplyRao is the supply cap, 21M TAO in rao (subtensor's TotalSupply).
	MaxSupplyRao = 21_000_000 * RaoPerTao
	// DefaultBlockEmissionRao is the emission per block before the first halving: 1 TAO.
	DefaultBlockEmissionRao = 1 * RaoPerTao
)

var (
	emissionHalfSupply = fixed.I96FromUint(MaxSupplyRao / 2)
	emissionTwo        = fixed.I96FromUint(2)
	emissionDefault    = fixed.I96FromUint(DefaultBlockEmissionRao)
)

// BlockEmission returns the rao minted per block at a given total issuance: subtensor's
// get_block_emission_for_issuance. The emission halves each time the issuance crosses
// 21M·(1 - 2^-k) TAO: k = floor(log2(1 / (1 - issuance/21M))) computed in I96F32 as
// upstream does, emission = floor(1e9 / 2^k), and 0 once issuance reaches the cap.
//
// Consensus-critical: integer and I96F32 arithmetic only, with upstream's rounding.
func BlockEmission(issuance uint64) uint64 {
	if issuance >= MaxSupplyRao {
		return 0
	}
	// q = issuance / 21e15 (truncated) < 1, so 1 - q > 0 and neither division can fail.
	q := fixed.I96FromUint(issuance).Div(emissionTwo.SatMul(emissionHalfSupply))
	inv := fixed.I96One.Div(fixed.I96One.Sub(q))
	k := inv.Log2Floor()
	mult := fixed.I96One
	for i := 0; i < k; i++ {
		mult = mult.SatMul(emissionTwo)
	}
	pct := fixed.I96One.SafeDiv(mult)
	return pct.SatMul(emissionDefault).SatToU64()
}
