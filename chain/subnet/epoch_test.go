package subnet

import (
	"bytes"
	"fmt"
	"math/big"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/taorun/taorun/chain/state"
	"github.com/taorun/taorun/chain/types"
	"github.com/taorun/taorun/consensus"
	"github.com/taorun/taorun/consensus/fixed"
)

func (e *env) step(from, to uint64) {
	e.t.Helper()
	for h := from; h <= to; h++ {
		if err := BlockStep(e.o, h); err != nil {
			e.t.Fatalf("block %d: %v", h, err)
		}
		e.checkInvariants()
	}
}

// TestEpochIntegration runs a subnet through blocks up to two epochs and
// checks the stored results against consensus.Epoch on the same input and
// every stake paid against the emission rules, to the rao; with the root
// sell flag (Σ moving prices > 1) root dividends are paid too.
func TestEpochIntegration(t *testing.T) {
	for _, rootSell := range []bool{false, true} {
		t.Run(fmt.Sprintf("root_sell=%v", rootSell), func(t *testing.T) { epochIntegration(t, rootSell) })
	}
}

func epochIntegration(t *testing.T, rootSell bool) {
	e := newEnv(t)
	netuid := e.newSubnet("owner", "ownerhot", 1)
	for name, v := range map[string]uint64{"tempo": 10, "commit_reveal_weights_enabled": 0, "weights_rate_limit": 0,
		"max_registrations_per_block": 10, "min_allowed_weights": 1} {
		e.sudoSet(netuid, name, v)
	}
	vcold, mcold, nom := acct("vcold"), acct("mcold"), acct("nominator")
	val, m1, m2 := acct("val"), acct("m1"), acct("m2")
	for _, c := range []types.AccountID{vcold, mcold, nom} {
		e.fund(c, 1_000*RaoPerTao)
	}
	must(BurnedRegister(e.o, vcold, val, netuid, 1))
	must(BurnedRegister(e.o, mcold, m1, netuid, 1))
	must(BurnedRegister(e.o, mcold, m2, netuid, 1))
	must(AddStake(e.o, vcold, val, netuid, 100*RaoPerTao))
	must(AddStake(e.o, nom, val, netuid, 50*RaoPerTao))
	must(AddStake(e.o, vcold, val, RootNetuid, 300*RaoPerTao))
	if err := SetDelegateTake(e.o, vcold, val, 1000); err != nil {
		t.Fatal(err)
	}
	if rootSell {
		e.read().setMovingPrice(netuid, fixed.U64FromUint(2))
	}
	e.commit()

	// First epoch (block 10: last epoch at 1 - 1%10 = 0) hands out permits.
	e.step(2, 10)
	s := e.read()
	if s.u64(epochKey(netuid, epIndex)) != 1 || !s.result(netuid, 1).ValidatorPermit {
		t.Fatalf("first epoch did not run or gave no permit to the staked validator")
	}
	if err := SetWeights(e.o, val, netuid, []uint16{2, 3}, []uint16{3, 1}, 0, 11); err != nil {
		t.Fatal(err)
	}
	e.step(11, 19)
	e.commit()

	// Expected: coinbase of block 20 on a scratch overlay, then the epoch on
	// the state the real block will see.
	const h = 20
	scratch := &rw{o: e.o.Child()}
	iss := must(state.TotalIssuance(scratch.o))
	scratch.coinbase(scratch.netuids(), iss, consensus.BlockEmission(iss))
	pend := map[byte]uint64{}
	for _, f := range []byte{epPendServer, epPendValid, epPendRoot, epPendOwner} {
		pend[f] = scratch.u64(epochKey(netuid, f))
	}
	total := pend[epPendServer] + pend[epPendValid] + pend[epPendRoot]
	in, _ := scratch.epochInput(netuid, h, total)
	out := must(consensus.Epoch(in))
	stake := func(hot, cold types.AccountID, n uint16) uint64 { return must(Stake(e.o, hot, cold, n)) }
	before := map[string]uint64{}
	pairs := []struct {
		name      string
		hot, cold types.AccountID
	}{{"owner", acct("ownerhot"), acct("owner")}, {"val/vcold", val, vcold}, {"val/nom", val, nom}, {"m1", m1, mcold}, {"m2", m2, mcold}}
	for _, p := range pairs {
		before[p.name] = stake(p.hot, p.cold, netuid)
	}

	e.step(h, h)
	s = e.read()
	if s.u64(epochKey(netuid, epIndex)) != 2 {
		t.Fatal("second epoch did not run")
	}
	for uid := range uint16(4) {
		r := s.result(netuid, uid)
		want := Result{StakeWeight: out.StakeWeight[uid], Consensus: out.Consensus[uid], Incentive: out.Incentive[uid],
			Dividends: out.Dividends[uid], ValidatorTrust: out.ValidatorTrust[uid], Emission: out.Emission[uid],
			Active: out.Active[uid], ValidatorPermit: out.ValidatorPermit[uid]}
		if r != want {
			t.Fatalf("uid %d stored %+v, epoch says %+v", uid, r, want)
		}
		var bonds []consensus.WeightEntry
		for _, b := range s.row(bondsKey(netuid, uid)) {
			bonds = append(bonds, consensus.WeightEntry{UID: b.UID, Value: b.Value})
		}
		if len(bonds) != len(out.Bonds[uid]) || (len(bonds) > 0 && !slices.Equal(bonds, out.Bonds[uid])) {
			t.Fatalf("uid %d bonds %v, epoch says %v", uid, bonds, out.Bonds[uid])
		}
	}
	if out.Incentive[2] == 0 || out.Incentive[2] <= out.Incentive[3] {
		t.Fatalf("weights 3:1 should favour uid 2: incentive %v", out.Incentive)
	}

	// Payouts. Miners: their server emission. Owner: the owner cut.
	// Validator: its alpha and root dividend shares (DividendDistribution),
	// the alpha share split take / pro rata between vcold and the nominator,
	// the root share all to vcold (its only root staker).
	delta := func(name string, hot, cold types.AccountID) uint64 { return stake(hot, cold, netuid) - before[name] }
	if d := delta("m1", m1, mcold); d != out.ServerEmission[2] {
		t.Fatalf("m1 got %d, want %d", d, out.ServerEmission[2])
	}
	if d := delta("m2", m2, mcold); d != out.ServerEmission[3] {
		t.Fatalf("m2 got %d, want %d", d, out.ServerEmission[3])
	}
	if d := delta("owner", acct("ownerhot"), acct("owner")); d != pend[epPendOwner] {
		t.Fatalf("owner got %d, want %d", d, pend[epPendOwner])
	}
	stakes := make([]HotkeyStakes, 4)
	for i, nr := range in.Neurons {
		stakes[i] = HotkeyStakes{nr.Stake, nr.TaoStake}
	}
	alphaDivs, rootDivs := DividendDistribution(stakes, out.ValidatorEmission, s.taoWeight(), pend[epPendValid], pend[epPendRoot])
	ad, rd := alphaDivs[1].SatToU64(), rootDivs[1].SatToU64()
	if ad == 0 || (rd > 0) != rootSell {
		t.Fatalf("validator dividends: alpha %d, root %d (root sell %v)", ad, rd, rootSell)
	}
	rest := ad - ad*1000/65535
	nomShare := new(big.Int).Div(new(big.Int).Mul(big.NewInt(int64(rest)), big.NewInt(int64(before["val/nom"]))),
		big.NewInt(int64(before["val/nom"]+before["val/vcold"]))).Uint64()
	if d := delta("val/nom", val, nom); d != nomShare {
		t.Fatalf("nominator got %d, want %d", d, nomShare)
	}
	if d := delta("val/vcold", val, vcold); d != ad-nomShare+rd {
		t.Fatalf("validator owner got %d, want %d", d, ad-nomShare+rd)
	}
}

// TestRandomisedSupply runs seeded random operations between blocks and
// checks the supply and alpha invariants after every block, that failed
// operations change nothing, and that issuance never passes the cap.
func TestRandomisedSupply(t *testing.T) {
	cases := []struct {
		name   string
		seed   uint64
		funds  uint64 // per coldkey
		blocks uint64
	}{
		{"normal", 1, 10_000 * RaoPerTao, 300},
		{"near cap", 2, 4_199_990 * RaoPerTao, 300},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { randomRun(t, c.seed, c.funds, c.blocks) })
	}
}

func randomRun(t *testing.T, seed, funds, blocks uint64) {
	e := newEnv(t)
	rng := rand.New(rand.NewPCG(seed, seed))
	colds := make([]types.AccountID, 5)
	for i := range colds {
		colds[i] = acct(fmt.Sprintf("cold%d", i))
		e.fund(colds[i], funds)
	}
	e.sudoSet(RootNetuid, "network_rate_limit", 0)
	e.sudoSet(RootNetuid, "network_min_lock_cost", 100*RaoPerTao)
	var nets []uint16
	var hots []types.AccountID
	for i := range 3 {
		hot := acct(fmt.Sprintf("own%d", i))
		n := must(CreateSubnet(e.o, colds[i], hot, 1))
		hots = append(hots, hot)
		nets = append(nets, n)
		for name, v := range map[string]uint64{"tempo": uint64(3 + 2*i), "commit_reveal_weights_enabled": 0,
			"weights_rate_limit": 2, "max_registrations_per_block": 3, "max_allowed_uids": 8, "immunity_period": 5,
			"min_allowed_weights": 1} {
			e.sudoSet(n, name, v)
		}
	}
	for i, hot := range hots {
		must(AddStake(e.o, colds[i], hot, RootNetuid, 50*RaoPerTao))
	}
	pick := func(n int) int { return rng.IntN(n) }
	ops := []func(h uint64) error{
		func(h uint64) error { // register
			hot := acct(fmt.Sprintf("hot%d", pick(40)))
			_, err := BurnedRegister(e.o, colds[pick(5)], hot, nets[pick(3)], h)
			if err == nil {
				hots = append(hots, hot)
			}
			return err
		},
		func(h uint64) error {
			_, err := AddStake(e.o, colds[pick(5)], hots[pick(len(hots))], uint16(pick(4)), uint64(rng.Int64N(200*RaoPerTao)))
			return err
		},
		func(h uint64) error {
			hot, cold, n := hots[pick(len(hots))], colds[pick(5)], uint16(pick(4))
			st := must(Stake(e.o, hot, cold, n))
			_, err := RemoveStake(e.o, cold, hot, n, st/uint64(1+pick(3))+uint64(pick(2)))
			return err
		},
		func(h uint64) error {
			hot, cold, n := hots[pick(len(hots))], colds[pick(5)], uint16(pick(4))
			st := must(Stake(e.o, hot, cold, n))
			_, err := MoveStake(e.o, cold, hot, hots[pick(len(hots))], n, uint16(pick(4)), st/2+uint64(pick(2)))
			return err
		},
		func(h uint64) error {
			n := nets[pick(3)]
			k := 1 + pick(4)
			uids, vals := make([]uint16, k), make([]uint16, k)
			for i := range uids {
				uids[i], vals[i] = uint16(pick(8)), uint16(rng.UintN(65536))
			}
			return SetWeights(e.o, hots[pick(len(hots))], n, uids, vals, 0, h)
		},
		func(h uint64) error {
			return SetDelegateTake(e.o, colds[pick(5)], hots[pick(len(hots))], uint16(pick(MaxDelegateTake+2)))
		},
	}
	okOps, failed := 0, 0
	iss0 := must(state.TotalIssuance(e.o))
	for h := uint64(2); h <= blocks; h++ {
		for range pick(4) {
			before := e.dump()
			if err := ops[pick(len(ops))](h); err != nil {
				failed++
				if after := e.dump(); !sameDump(before, after) {
					t.Fatalf("block %d: failed op (%v) changed state", h, err)
				}
				continue
			}
			okOps++
		}
		if err := BlockStep(e.o, h); err != nil {
			t.Fatalf("block %d: %v", h, err)
		}
		e.checkInvariants()
		if h%50 == 0 {
			e.commit()
		}
	}
	if iss := must(state.TotalIssuance(e.o)); iss <= iss0 {
		t.Fatalf("coinbase minted nothing in %d blocks (issuance %d)", blocks, iss)
	}
	if okOps < 50 || failed == 0 {
		t.Fatalf("random run exercised too little: %d ok, %d failed", okOps, failed)
	}
	for _, n := range nets {
		if e.read().u64(epochKey(n, epIndex)) < 20 {
			t.Fatalf("subnet %d ran too few epochs", n)
		}
	}
}

func sameDump(a, b []state.Write) bool {
	return slices.EqualFunc(a, b, func(x, y state.Write) bool {
		return bytes.Equal(x.Key, y.Key) && bytes.Equal(x.Value, y.Value)
	})
}

// TestEpochScheduling checks the tempo boundary, the MaxEpochsPerBlock cap
// with deferral to the next block, and the forced epoch after MaxTempo blocks.
func TestEpochScheduling(t *testing.T) {
	e := newEnv(t)
	e.sudoSet(RootNetuid, "network_min_lock_cost", 0)
	const count = MaxEpochsPerBlock + 8
	var nets []uint16
	for i := range count {
		nets = append(nets, e.newSubnet(fmt.Sprintf("o%d", i), fmt.Sprintf("h%d", i), 1))
		e.sudoSet(nets[i], "tempo", 5)
		e.read().setU64(epochKey(nets[i], epLastEpoch), 0)
	}
	ran := func() (n int) {
		for _, netuid := range nets {
			n += int(e.read().u64(epochKey(netuid, epIndex)))
		}
		return n
	}
	e.step(2, 4)
	if r := ran(); r != 0 {
		t.Fatalf("%d epochs before the tempo boundary", r)
	}
	e.step(5, 5)
	if r := ran(); r != MaxEpochsPerBlock {
		t.Fatalf("%d epochs at the boundary, want the cap %d", r, MaxEpochsPerBlock)
	}
	e.step(6, 6)
	if r := ran(); r != count {
		t.Fatalf("%d epochs after the deferred block, want %d", r, count)
	}
	// A tempo of 50_400 with the last epoch "now" still runs once more than
	// MaxTempo blocks have passed without one.
	netuid := nets[0]
	e.sudoSet(netuid, "tempo", 50_400)
	s := e.read()
	s.setU64(epochKey(netuid, epLastEpoch), 100)
	s.setU64(epochKey(netuid, epSinceStep), MaxTempo)
	before := s.u64(epochKey(netuid, epIndex))
	e.step(100, 100)
	if got := e.read().u64(epochKey(netuid, epIndex)); got != before+1 {
		t.Fatalf("no forced epoch after MaxTempo blocks (index %d → %d)", before, got)
	}
}

func TestMetagraph(t *testing.T) {
	e, netuid := weightsEnv(t)
	must(AddStake(e.o, acct("cold"), acct("val"), netuid, RaoPerTao))
	if err := SetWeights(e.o, acct("val"), netuid, []uint16{2, 3}, []uint16{1, 1}, 0, 50); err != nil {
		t.Fatal(err)
	}
	e.commit()
	mg := must(Metagraph(e.o, netuid))
	if len(mg) != 4 || mg[1].Hotkey != acct("val") || mg[1].Stake == 0 || !mg[1].ValidatorPermit || len(mg[1].Weights) != 2 {
		t.Fatalf("metagraph row 1: %+v", mg[1])
	}
	if uid, ok, _ := UID(e.o, netuid, acct("m2")); !ok || uid != 3 || mg[3].Hotkey != acct("m2") {
		t.Fatalf("uid of m2: %d %v", uid, ok)
	}
	if nets := must(Netuids(e.o)); !slices.Equal(nets, []uint16{netuid}) {
		t.Fatalf("netuids %v", nets)
	}
	if _, err := Metagraph(e.o, 9); err == nil {
		t.Fatal("metagraph of a missing subnet")
	}
}
