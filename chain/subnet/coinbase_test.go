package subnet

import (
	"encoding/json"
	"math"
	"os"
	"testing"

	"github.com/taorun/taorun/chain/state"
	"github.com/taorun/taorun/consensus"
	"github.com/taorun/taorun/consensus/fixed"
)

// vectorNets sets up k subnets (netuids 1..k) directly in state, as the
// upstream coinbase tests do: pool (tao, alphaIn), moving price 1, and a
// root pool of rootTAO with tao_weight 1 so that root_prop ≈ 1.
func vectorNets(e *env, k int, tao, alphaIn, rootTAO uint64) []uint16 {
	s := e.read()
	var nets []uint16
	for i := 1; i <= k; i++ {
		netuid := uint16(i)
		s.o.Set(subnetKey(netuid, subInfo), (&Info{OwnerHotkey: acct("o"), OwnerColdkey: acct("oc")}).encode())
		s.addNetuid(netuid)
		s.setPool(netuid, Pool{TAO: tao, AlphaIn: alphaIn})
		s.setMovingPrice(netuid, fixed.U64One)
		nets = append(nets, netuid)
	}
	s.setPool(RootNetuid, Pool{TAO: rootTAO, AlphaOut: rootTAO})
	e.sudoSet(RootNetuid, "tao_weight", math.MaxUint64)
	return nets
}

// TestCoinbaseVectors runs the coinbase vectors of testdata/coinbase.json:
// subnets with moving price 1 and root_prop ≈ 1 (a large root pool at
// tao_weight 1), one run_coinbase of the given emission from issuance 0.
func TestCoinbaseVectors(t *testing.T) {
	raw, err := os.ReadFile("testdata/coinbase.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		Name            string
		Subnets         int
		TAO             uint64 `json:"tao"`
		AlphaIn         uint64 `json:"alpha_in"`
		Emission        uint64
		WantTAO         uint64 `json:"want_tao"`
		WantAlphaIn     uint64 `json:"want_alpha_in"`
		Tolerance       uint64
		WantMinted      uint64 `json:"want_minted"`
		MintedTolerance uint64 `json:"minted_tolerance"`
	}
	if err := json.Unmarshal(raw, &cases); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			e := newEnv(t)
			nets := vectorNets(e, c.Subnets, c.TAO, c.AlphaIn, 1_000_000*RaoPerTao)
			e.read().coinbase(nets, 0, c.Emission)
			iss := must(state.TotalIssuance(e.o))
			if diff(iss, c.WantMinted) > c.MintedTolerance {
				t.Fatalf("minted %d, want %d ± %d", iss, c.WantMinted, c.MintedTolerance)
			}
			for _, n := range nets {
				if pa := e.read().u64(epochKey(n, epProtocolAlpha)); pa != 0 {
					t.Fatalf("subnet %d: chain buy of %d alpha without a binding cap", n, pa)
				}
				p := must(GetPool(e.o, n))
				if diff(p.TAO, c.WantTAO) > c.Tolerance || diff(p.AlphaIn, c.WantAlphaIn) > c.Tolerance {
					t.Fatalf("subnet %d pool %+v, want TAO %d alpha in %d ± %d", n, p, c.WantTAO, c.WantAlphaIn, c.Tolerance)
				}
			}
		})
	}
}

func diff(a, b uint64) uint64 { return max(a, b) - min(a, b) }

func TestCoinbaseAlphaSplit(t *testing.T) {
	// No root stake: root_prop 0, so no alpha is injected and tao_in is 0;
	// the whole TAO emission goes to the chain buy (see TestChainBuy), and
	// the alpha emission splits 18 % owner, the rest 50/50.
	e := newEnv(t)
	nets := vectorNets(e, 1, 1_000_000, 1_000_000, 0)
	e.read().coinbase(nets, 0, RaoPerTao)
	s := e.read()
	alphaEm := fixed.U96FromUint(consensus.BlockEmission(1_000_000))
	owner := alphaEm.SatMul(ownerCutFrac)
	half := alphaEm.SatSub(owner).SatMul(u96Half).SatToU64()
	got := [3]uint64{s.u64(epochKey(1, epPendOwner)), s.u64(epochKey(1, epPendServer)), s.u64(epochKey(1, epPendValid))}
	if got != [3]uint64{owner.SatToU64(), half, half} || owner.SatToU64() != 179_995_422 {
		t.Fatalf("pending owner/server/validator %v, owner want 179995422, halves %d", got, half)
	}
	if p := s.pool(1); p.AlphaOut != got[0]+got[1]+got[2]+s.u64(epochKey(1, epProtocolAlpha)) {
		t.Fatalf("alpha out %d", p.AlphaOut)
	}
}

func TestMovingPrice(t *testing.T) {
	half := fixed.U64One.SafeDiv(fixed.U64FromUint(2))
	tenth := fixed.U64One.SafeDiv(fixed.U64FromUint(10))
	if p := NextMovingPrice(fixed.U64F64{}, fixed.U64One, half, 510-499); p.Float64() >= 0.001 {
		t.Fatalf("initial EMA %v", p)
	}
	if p := NextMovingPrice(fixed.U64F64{}, fixed.U64One, half, 144_000_500-499); math.Abs(p.Float64()-0.5) > 0.001 {
		t.Fatalf("EMA after time %v", p)
	}
	p := fixed.U64F64{}
	for range 14 {
		p = NextMovingPrice(p, fixed.U64One, tenth, 201_600)
	}
	if math.Abs(p.Float64()-0.512325) > 0.001 {
		t.Fatalf("EMA after 14 updates %v, want 0.512325", p)
	}
	// Spot above 1 is capped at 1.
	if a, b := NextMovingPrice(p, fixed.U64FromUint(5), tenth, 10), NextMovingPrice(p, fixed.U64One, tenth, 10); a != b {
		t.Fatal("spot price not capped at 1")
	}
}

func TestDividendDistribution(t *testing.T) {
	raw, err := os.ReadFile("testdata/dividends.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		Name      string
		TaoWeight float64 `json:"tao_weight"`
		Stakes    []HotkeyStakes
		Dividends []uint64
		PV        uint64   `json:"pending_validator"`
		PR        uint64   `json:"pending_root"`
		AlphaDivs []uint64 `json:"alpha_divs"`
		RootDivs  []uint64 `json:"root_divs"`
		Tolerance uint64
	}
	if err := json.Unmarshal(raw, &cases); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		// The tao weight is a test constant given as a decimal, as upstream's from_num(0.18).
		a, r := DividendDistribution(c.Stakes, c.Dividends, fixed.U96FromFloat(c.TaoWeight), c.PV, c.PR)
		for i := range c.Dividends {
			if diff(a[i].SatToU64(), c.AlphaDivs[i]) > c.Tolerance || diff(r[i].SatToU64(), c.RootDivs[i]) > c.Tolerance {
				t.Fatalf("%s: hotkey %d alpha %v root %v, want %d %d", c.Name, i, a[i], r[i], c.AlphaDivs[i], c.RootDivs[i])
			}
		}
	}
}

func TestCoinbaseNeverMintsPastCap(t *testing.T) {
	e := newEnv(t)
	nets := vectorNets(e, 2, 1_000*RaoPerTao, 1_000*RaoPerTao, 1_000_000*RaoPerTao)
	iss := uint64(consensus.MaxSupplyRao - 100)
	e.read().coinbase(nets, iss, RaoPerTao) // an emission far larger than the room left
	if got := must(state.TotalIssuance(e.o)); got != consensus.MaxSupplyRao {
		t.Fatalf("issuance %d, want exactly the cap %d", got, uint64(consensus.MaxSupplyRao))
	}
}

// TestChainBuy checks the chain buy of §3.4 item 6: TAO emission that the
// root-proportion cap keeps out of tao_in is minted and swapped into the
// pool for protocol alpha (counted in SubnetAlphaOut), so that the whole
// emission is minted into pools, and the supply and alpha invariants hold.
func TestChainBuy(t *testing.T) {
	t.Run("no root stake: all of it", func(t *testing.T) {
		// root_prop 0: alpha_in capped to 0, tao_in 0, excess = the whole
		// 1 TAO emission; bought = floor(10^6·10^9 / (10^6 + 10^9)) = 999000.
		e := newEnv(t)
		nets := vectorNets(e, 1, 1_000_000, 1_000_000, 0)
		pooled0 := must(PooledTAO(e.o))
		e.read().coinbase(nets, 0, RaoPerTao)
		s := e.read()
		if iss := must(state.TotalIssuance(e.o)); iss != RaoPerTao || must(PooledTAO(e.o))-pooled0 != iss {
			t.Fatalf("minted %d, pooled +%d; want the whole emission %d in the pool", iss, must(PooledTAO(e.o))-pooled0, RaoPerTao)
		}
		p := s.pool(1)
		if pa := s.u64(epochKey(1, epProtocolAlpha)); pa != 999_000 || p.TAO != 1_001_000_000 || p.AlphaIn != 1_000 {
			t.Fatalf("protocol alpha %d, pool %+v; want 999000, TAO 1001000000, alpha in 1000", pa, p)
		}
		if err := CheckAlpha(e.o); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("binding cap: the excess", func(t *testing.T) {
		// A root pool small against the subnet's alpha: root_prop ≈ 1/11, so
		// alpha_in ≈ 0.09 alpha while 1 TAO at price 1 would buy 1 alpha.
		e := newEnv(t)
		nets := vectorNets(e, 1, 1_000*RaoPerTao, 1_000*RaoPerTao, 100*RaoPerTao)
		before := e.read().pool(1)
		e.read().coinbase(nets, 0, RaoPerTao)
		s := e.read()
		iss := must(state.TotalIssuance(e.o))
		p := s.pool(1)
		pa := s.u64(epochKey(1, epProtocolAlpha))
		if iss > RaoPerTao || iss < RaoPerTao-2 || p.TAO-before.TAO != iss {
			t.Fatalf("minted %d, pool TAO +%d; want the whole emission %d (± rounding) in the pool", iss, p.TAO-before.TAO, RaoPerTao)
		}
		// tao_in is what the injected alpha is worth at price 1: the rest bought pa.
		injected := p.AlphaIn + pa - before.AlphaIn
		excess := iss - injected
		if pa == 0 || injected == 0 || pa != mulDiv(before.AlphaIn, excess, before.TAO+excess) {
			t.Fatalf("protocol alpha %d, injected %d alpha; want floor(alpha_in·excess/(tao+excess)) for excess %d", pa, injected, excess)
		}
		held := pa // the vector root pool has no stakes behind it, so check subnet 1 only
		for _, f := range []byte{epPendServer, epPendValid, epPendRoot, epPendOwner} {
			held += s.u64(epochKey(1, f))
		}
		if p.AlphaOut != held {
			t.Fatalf("alpha out %d, pending + protocol %d", p.AlphaOut, held)
		}
	})
	t.Run("blocks: invariants", func(t *testing.T) {
		// A real subnet without root stake: every block mints its whole
		// emission (less the cap room and rounding) into the pool.
		e := newEnv(t)
		netuid := e.newSubnet("owner", "ownerhot", 1)
		e.step(2, 40) // checks supply (Σ balances + pools + burned) and alpha every block
		if pa := e.read().u64(epochKey(netuid, epProtocolAlpha)); pa == 0 {
			t.Fatal("no chain buy without root stake")
		}
		iss0 := must(state.TotalIssuance(e.o))
		e.step(41, 41)
		if d := must(state.TotalIssuance(e.o)) - iss0; d+2 < consensus.BlockEmission(iss0) {
			t.Fatalf("block minted %d of %d", d, consensus.BlockEmission(iss0))
		}
	})
}
