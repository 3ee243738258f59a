package subnet

import (
	"fmt"
	"math"
	"math/bits"

	"github.com/taorun/taorun/chain/state"
	"github.com/taorun/taorun/chain/types"
	"github.com/taorun/taorun/consensus"
	"github.com/taorun/taorun/consensus/fixed"
)

var (
	u96Half      = fixed.U96One.SafeDiv(fixed.U96FromUint(2))
	u96U64Max    = fixed.U96FromUint(math.MaxUint64)
	ownerCutFrac = fixed.U96FromUint(SubnetOwnerCut).SafeDiv(fixed.U96FromUint(65535))
	// DefaultMovingAlpha is SubnetMovingAlpha, 0.000003 (§3.5).
	DefaultMovingAlpha = fixed.U64FromUint(3).SafeDiv(fixed.U64FromUint(1_000_000))
)

// BlockStep is subtensor's block_step (§3.3) for the block at height, on o:
// registration-price decay, block emission by issuance, run_coinbase (TAO
// shares by moving price, injection, alpha-out split, pending accumulators),
// epochs at tempo boundaries with their distribution, and the moving-price
// EMA. It is the body of the chain's subnet hook (BeginBlock, before the
// block's transactions). It either applies completely or returns an error and
// leaves o as it was; an error means corrupt state. It reads through a
// per-block view of o that serves the per-subnet records from one iteration
// of their prefixes and remembers point reads (prefetch.go), and epochs read
// per-uid records by prefix iteration (epochread.go). Consensus-critical.
func BlockStep(o *state.Overlay, height uint64) error { return Hooked{}.BlockStep(o, height) }

// BlockStep is the package function BlockStep that also runs each epoch's
// subnet module on_epoch after Yuma Consensus and before the payouts: a
// resplit it returns replaces Yuma's miner incentive split (validators' part
// unchanged); anything else keeps Yuma's split.
func (h Hooked) BlockStep(o *state.Overlay, height uint64) error {
	return atomicallyPrefetched(o, h, func(s *rw) error {
		nets := s.netuids()
		decay := map[uint64]uint64{} // half-life → factor, memoised for this block only
		for _, netuid := range nets {
			hl := s.param(netuid, PBurnHalfLife)
			f, ok := decay[hl]
			if !ok {
				f = DecayFactorQ32(hl)
				decay[hl] = f
			}
			burn := mulDiv(s.u64(epochKey(netuid, epBurn)), f, 1<<32)
			s.setU64(epochKey(netuid, epBurn), clamp(burn, s.param(netuid, PMinBurn), s.param(netuid, PMaxBurn)))
		}
		iss, err := state.TotalIssuance(s.o)
		if err != nil {
			return err
		}
		s.coinbase(nets, iss, consensus.BlockEmission(iss))
		if err := s.drain(nets, height); err != nil {
			return err
		}
		// Pending children apply in their subnet's epoch block, after the
		// epoch (upstream try_set_pending_children).
		for _, netuid := range nets {
			if s.u64(epochKey(netuid, epLastEpoch)) == height {
				s.applyPendingChildren(netuid, height)
			}
		}
		for _, netuid := range nets {
			info, _ := s.info(netuid)
			p := s.pool(netuid)
			spot := fixed.U64FromUint(p.TAO).SafeDiv(fixed.U64FromUint(p.AlphaIn))
			s.setMovingPrice(netuid, NextMovingPrice(s.movingPrice(netuid), spot, DefaultMovingAlpha, height-info.RegisteredAt+1))
		}
		return nil
	})
}

// DecayFactorQ32 returns the largest Q32 factor f ≤ 1 with f^halfLife ≤ 1/2
// (exponentiation by squaring, each product floored): the per-block burn
// decay of §3.7. Consensus-critical.
func DecayFactorQ32(halfLife uint64) uint64 {
	lo, hi := uint64(0), uint64(1)<<32
	for lo < hi {
		mid := lo + (hi-lo+1)/2
		if powQ32(mid, halfLife) <= 1<<31 {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return lo
}

func powQ32(base, exp uint64) uint64 {
	mul := func(a, b uint64) uint64 {
		h, l := bits.Mul64(a, b)
		return h<<32 | l>>32
	}
	r := uint64(1) << 32
	for exp > 0 {
		if exp&1 == 1 {
			r = mul(r, base)
		}
		base = mul(base, base)
		exp >>= 1
	}
	return r
}

// NextMovingPrice is update_moving_price (§3.5): with
// α = movingAlpha·b/(b + EMAPriceHalvingBlocks), b = blocks since the first
// emission block inclusive, it returns α·min(spot, 1) + (1-α)·old, all in
// U64F64. Consensus-critical.
func NextMovingPrice(old, spot, movingAlpha fixed.U64F64, b uint64) fixed.U64F64 {
	bf := fixed.U64FromUint(b)
	a := movingAlpha.SatMul(bf).SafeDiv(bf.SatAdd(fixed.U64FromUint(EMAPriceHalvingBlocks)))
	if fixed.U64One.Less(spot) {
		spot = fixed.U64One
	}
	return a.SatMul(spot).SatAdd(fixed.U64One.SatSub(a).SatMul(old))
}

// taoWeight returns TaoWeight/(2^64-1) as U96F32.
func (s *rw) taoWeight() fixed.U96F32 {
	return fixed.U96FromUint(s.param(RootNetuid, PTaoWeight)).SafeDiv(u96U64Max)
}

// coinbase is run_coinbase (§3.4 items 1–7) for one block of emission rao
// at issuance iss.
func (s *rw) coinbase(nets []uint16, iss, emission uint64) {
	prices := make([]fixed.U64F64, len(nets))
	var sumP fixed.U64F64
	for i, netuid := range nets {
		prices[i] = s.movingPrice(netuid)
		sumP = sumP.SatAdd(prices[i])
	}
	rootSell := fixed.U64One.Less(sumP)
	rootTW := fixed.U96FromUint(s.pool(RootNetuid).TAO).SatMul(s.taoWeight())
	var minted uint64
	for i, netuid := range nets {
		share := prices[i].SafeDiv(sumP)
		taoEm := fixed.U64FromUint(emission).SatMul(share).SatToU96F32()
		p := s.pool(netuid)
		alphaEm := fixed.U96FromUint(consensus.BlockEmission(p.AlphaIn + p.AlphaOut))
		price := fixed.U96FromUint(p.TAO).SafeDiv(fixed.U96FromUint(p.AlphaIn))
		taoIn, alphaIn := taoEm, taoEm.SafeDiv(price)
		rootProp := rootTW.SafeDiv(rootTW.SatAdd(fixed.U96FromUint(p.AlphaIn + p.AlphaOut)))
		if capA := rootProp.SatMul(alphaEm); capA.Less(alphaIn) {
			alphaIn = capA
			taoIn = alphaIn.SatMul(price)
		}
		// Chain buy (§3.4 item 6): the part of the TAO emission the cap kept
		// out of tao_in, floor(tao_emission - tao_in), is minted too and
		// first swapped into the pool (constant product, as a stake buy) for
		// alpha the protocol holds; TAO that would buy no alpha is not
		// minted (upstream recycles it). Then tao_in and alpha_in are
		// injected. Nothing is ever minted past the emission or the cap.
		tao := min(taoIn.SatToU64(), taoEm.SatToU64(), satSub(consensus.MaxSupplyRao, iss+minted))
		minted += tao
		if excess := min(taoEm.SatSub(taoIn).SatToU64(), satSub(consensus.MaxSupplyRao, iss+minted)); excess > 0 {
			if bought := mulDiv(p.AlphaIn, excess, p.TAO+excess); bought > 0 {
				minted += excess
				p.TAO += excess
				p.AlphaIn -= bought
				p.AlphaOut += bought
				s.addU64(epochKey(netuid, epProtocolAlpha), bought)
			}
		}
		p.TAO += tao
		p.AlphaIn += alphaIn.SatToU64()

		alphaOut := alphaEm
		owner := alphaOut.SatMul(ownerCutFrac)
		alphaOut = alphaOut.SatSub(owner)
		rootAlpha := rootProp.SatMul(alphaOut).SatMul(u96Half)
		server := alphaOut.SatMul(u96Half)
		validator := alphaOut.SatSub(server).SatSub(rootAlpha)
		adds := [][2]uint64{{uint64(epPendOwner), owner.SatToU64()}, {uint64(epPendServer), server.SatToU64()},
			{uint64(epPendValid), validator.SatToU64()}}
		if rootSell {
			adds = append(adds, [2]uint64{uint64(epPendRoot), rootAlpha.SatToU64()})
		}
		for _, a := range adds {
			s.addU64(epochKey(netuid, byte(a[0])), a[1])
			p.AlphaOut += a[1]
		}
		s.setPool(netuid, p)
	}
	s.setU64(state.KeyTotalIssuance, iss+minted)
}

// drain is §3.4 item 8: count blocks since each subnet's last epoch and run
// the due epochs (at most MaxEpochsPerBlock; the rest wait a block).
func (s *rw) drain(nets []uint16, height uint64) error {
	ran := 0
	for _, netuid := range nets {
		since := s.u64(epochKey(netuid, epSinceStep)) + 1
		s.setU64(epochKey(netuid, epSinceStep), since)
		last, tempo := s.u64(epochKey(netuid, epLastEpoch)), s.param(netuid, PTempo)
		if tempo == 0 || (since <= MaxTempo && satSub(height, last) < tempo) || ran >= MaxEpochsPerBlock {
			continue
		}
		ran++
		var pend [4]uint64
		for i, f := range []byte{epPendServer, epPendValid, epPendRoot, epPendOwner} {
			pend[i] = s.u64(epochKey(netuid, f))
			s.setU64(epochKey(netuid, f), 0)
		}
		done := func() {}
		if s.epochTimer != nil {
			done = s.epochTimer(netuid)
		}
		err := s.distribute(netuid, height, pend[0], pend[1], pend[2], pend[3])
		done()
		if err != nil {
			return fmt.Errorf("subnet %d epoch at %d: %w", netuid, height, err)
		}
		s.setU64(epochKey(netuid, epSinceStep), 0)
		s.setU64(epochKey(netuid, epLastEpoch), height)
		s.addU64(epochKey(netuid, epIndex), 1)
	}
	return nil
}

// EpochInput builds the consensus input of netuid's epoch at height, with
// emission the alpha it distributes, from state. Consensus-critical.
func EpochInput(r state.Reader, netuid uint16, height, emission uint64) (*consensus.EpochInput, error) {
	s := &rw{o: state.NewOverlay(r)}
	in, _ := s.epochInput(netuid, height, emission)
	return in, s.err
}

// epochInput builds the epoch input and also returns the neuron records it
// read (for the payouts). Per-uid records are read by prefix iteration (see
// readEpochRows); only the stake totals, keyed by hotkey, are point reads.
func (s *rw) epochInput(netuid uint16, height, emission uint64) (*consensus.EpochInput, []Neuron) {
	info, _ := s.info(netuid)
	tempo := s.param(netuid, PTempo)
	n := s.n(netuid)
	rows := s.readEpochRows(netuid, n)
	in := &consensus.EpochInput{
		Block:                  height,
		Tempo:                  uint16(tempo),
		RaoEmission:            emission,
		ActivityCutoff:         consensus.ActivityCutoff(s.param(netuid, PActivityCutoffFactor), uint16(tempo)),
		LastMechanismStepBlock: s.u64(epochKey(netuid, epLastEpoch)),
		TaoWeight:              s.param(RootNetuid, PTaoWeight),
		Params:                 s.epochParams(netuid),
		Neurons:                make([]consensus.Neuron, n),
		Weights:                rows.weights,
		Bonds:                  rows.bonds,
	}
	var commits map[types.AccountID]commit
	if in.Params.CommitRevealEnabled {
		in.CommitBlocks = make([]uint64, n)
		commits = s.commits(netuid)
	}
	period := s.param(netuid, PRevealPeriodEpochs)
	epoch := s.u64(epochKey(netuid, epIndex))
	for uid := range n {
		nr := &rows.neurons[uid]
		if nr.Hotkey == info.OwnerHotkey {
			in.HasOwner, in.OwnerUID = true, uid
		}
		alpha, tao := s.inheritedStake(nr.Hotkey, netuid)
		in.Neurons[uid] = consensus.Neuron{
			Stake:               alpha,
			TaoStake:            tao,
			LastUpdate:          nr.LastUpdate,
			BlockAtRegistration: nr.BlockAtRegistration,
			ValidatorPermit:     rows.results[uid].ValidatorPermit,
		}
		if in.CommitBlocks != nil {
			in.CommitBlocks[uid] = noCommit
			if c, ok := commits[nr.Hotkey]; ok && c.Epoch+period >= epoch {
				in.CommitBlocks[uid] = c.Block
			}
		}
	}
	return in, rows.neurons
}

// HotkeyStakes is one validator's stake for DividendDistribution.
type HotkeyStakes struct {
	Alpha uint64 // alpha staked to the hotkey on the subnet
	Root  uint64 // TAO staked to the hotkey on root
}

// DividendDistribution is calculate_dividend_distribution (§3.4 item 9): the
// epoch dividend d of each hotkey is split into a root part
// d·(r·tw)/(a + r·tw) and an alpha part; the alpha parts share
// pendingValidator and the root parts pendingRoot pro rata (U96F32).
// Consensus-critical.
func DividendDistribution(stakes []HotkeyStakes, divs []uint64, tw fixed.U96F32, pendingValidator, pendingRoot uint64) (alphaDivs, rootDivs []fixed.U96F32) {
	alphaD := make([]fixed.U96F32, len(divs))
	rootD := make([]fixed.U96F32, len(divs))
	var sumA, sumR fixed.U96F32
	for i, d := range divs {
		rtw := fixed.U96FromUint(stakes[i].Root).SatMul(tw)
		prop := rtw.SafeDiv(fixed.U96FromUint(stakes[i].Alpha).SatAdd(rtw))
		df := fixed.U96FromUint(d)
		rootD[i] = df.SatMul(prop)
		alphaD[i] = df.SatSub(rootD[i])
		sumA, sumR = sumA.SatAdd(alphaD[i]), sumR.SatAdd(rootD[i])
	}
	pv, pr := fixed.U96FromUint(pendingValidator), fixed.U96FromUint(pendingRoot)
	alphaDivs = make([]fixed.U96F32, len(divs))
	rootDivs = make([]fixed.U96F32, len(divs))
	for i := range divs {
		alphaDivs[i] = pv.SatMul(alphaD[i]).SafeDiv(sumA)
		rootDivs[i] = pr.SatMul(rootD[i]).SafeDiv(sumR)
	}
	return alphaDivs, rootDivs
}

// distribute is distribute_emission (§3.4 item 9) for one epoch of netuid:
// it runs the epoch, stores its results and pays the owner cut, incentives
// and dividends as stake. Alpha not paid out (owner-coldkey incentive,
// rounding dust, undistributable shares) is removed from SubnetAlphaOut.
func (s *rw) distribute(netuid uint16, height, server, validator, root, owner uint64) error {
	info, _ := s.info(netuid)
	total := server + validator + root
	in, neurons := s.epochInput(netuid, height, total)
	if s.err != nil {
		return s.err
	}
	out, err := consensus.Epoch(in)
	if err != nil {
		return fmt.Errorf("%w: epoch: %v", ErrCorrupt, err)
	}
	n := uint16(len(in.Neurons))
	if s.mods != nil {
		if err := s.onEpoch(netuid, height, total, in, out, neurons); err != nil {
			return err
		}
	}
	hot := make([]types.AccountID, n)
	cold := make([]types.AccountID, n)
	for uid := range n {
		hot[uid], cold[uid] = neurons[uid].Hotkey, neurons[uid].Coldkey
		res := Result{StakeWeight: out.StakeWeight[uid], Consensus: out.Consensus[uid], Incentive: out.Incentive[uid],
			Dividends: out.Dividends[uid], ValidatorTrust: out.ValidatorTrust[uid], Emission: out.Emission[uid],
			Active: out.Active[uid], ValidatorPermit: out.ValidatorPermit[uid]}
		s.o.Set(neuronKey(netuid, uid, neuronRes), res.encode())
		var row []Weight
		if out.Bonds != nil {
			for _, e := range out.Bonds[uid] {
				row = append(row, Weight{e.UID, e.Value})
			}
		}
		s.setRow(bondsKey(netuid, uid), row)
	}

	// Dividends are split with parents and priced against the stakes as
	// they were before this epoch's payouts (upstream computes both before
	// paying anything).
	tw := s.taoWeight()
	divs, stakes := s.epochDividends(netuid, hot, cold, out.ValidatorEmission, tw)
	if s.err != nil {
		return s.err
	}

	paid := uint64(0)
	s.addStake(info.OwnerHotkey, info.OwnerColdkey, netuid, owner)
	// Incentives come out of the miners' pending alpha; the epoch splits the
	// whole emission in halves, so rounding could ask for a rao more than
	// pending_server holds: budget caps that (in uid order).
	var sumInc uint64
	budget := server
	for uid := range n {
		inc := min(out.ServerEmission[uid], budget)
		budget -= inc
		sumInc += inc
		if inc == 0 || hot[uid] == info.OwnerHotkey || cold[uid] == info.OwnerColdkey {
			continue // owner incentive is recycled
		}
		s.addStake(hot[uid], cold[uid], netuid, inc)
		paid += inc
	}
	validatorAlpha := validator
	if sumInc == 0 {
		validatorAlpha += server
	}
	alphaDivs, rootDivs := DividendDistribution(stakes, divs.amounts, tw, validatorAlpha, root)
	for i, hk := range divs.hotkeys {
		paid += s.payDividend(hk, divs.cold[i], netuid, netuid, alphaDivs[i].SatToU64())
		paid += s.payDividend(hk, divs.cold[i], RootNetuid, netuid, rootDivs[i].SatToU64())
	}
	if paid > total {
		return fmt.Errorf("%w: paid %d alpha of %d", ErrCorrupt, paid, total)
	}
	p := s.pool(netuid)
	if p.AlphaOut < total-paid {
		return fmt.Errorf("%w: alpha out %d below recycled %d", ErrCorrupt, p.AlphaOut, total-paid)
	}
	p.AlphaOut -= total - paid
	s.setPool(netuid, p)
	return nil
}

// payDividend pays amount alpha of netuid to hotkey: the delegate take to
// the hotkey's owner coldkey, the rest to the coldkeys staking to the hotkey
// on stakeNet (the subnet itself, or root for root dividends) pro rata to
// their stake, dust and everything without nominators to the owner. It
// returns the alpha paid (always amount).
func (s *rw) payDividend(hotkey, ownerCold types.AccountID, stakeNet, netuid uint16, amount uint64) uint64 {
	if amount == 0 {
		return 0
	}
	take := mulDiv(amount, uint64(s.take(hotkey)), 65535)
	rest := amount - take
	type nom struct {
		cold  types.AccountID
		stake uint64
	}
	var noms []nom
	var sum uint64
	s.stakesOf(hotkey, stakeNet, func(c types.AccountID, a uint64) {
		noms = append(noms, nom{c, a})
		sum += a
	})
	paid := uint64(0)
	if sum > 0 {
		for _, nm := range noms {
			share := mulDiv(rest, nm.stake, sum)
			s.addStake(hotkey, nm.cold, netuid, share)
			paid += share
		}
	}
	s.addStake(hotkey, ownerCold, netuid, take+rest-paid)
	return amount
}

// onEpoch runs the subnet module's on_epoch on Yuma's output and, when it
// resplits the miner emission, writes the resplit into out: ServerEmission
// and Emission (= miner + validator emission) of every uid. The resplit's
// sum equals Yuma's (the hooks implementation checks it; a violation here is
// reported as corrupt state rather than paid).
func (s *rw) onEpoch(netuid uint16, height, total uint64, in *consensus.EpochInput, out *consensus.EpochOutput, neurons []Neuron) error {
	call := EpochCall{Netuid: netuid, Height: height, RaoEmission: total, Neurons: make([]EpochNeuron, len(in.Neurons))}
	for uid := range call.Neurons {
		call.Neurons[uid] = EpochNeuron{UID: uint16(uid), Hotkey: neurons[uid].Hotkey, Stake: in.Neurons[uid].Stake,
			Incentive: out.Incentive[uid], Dividends: out.Dividends[uid], ServerEmission: out.ServerEmission[uid],
			ValidatorEmission: out.ValidatorEmission[uid], Active: out.Active[uid], ValidatorPermit: out.ValidatorPermit[uid]}
	}
	v, err := s.mods.OnEpoch(s.o, call)
	if err != nil || !v.Resplit {
		return err
	}
	if len(v.ServerEmission) != len(call.Neurons) {
		return fmt.Errorf("%w: on_epoch resplit of %d amounts for %d uids", ErrCorrupt, len(v.ServerEmission), len(call.Neurons))
	}
	var want, got, cw, cg uint64
	for uid, e := range v.ServerEmission {
		var c1, c2 uint64
		want, c1 = bits.Add64(want, out.ServerEmission[uid], 0)
		got, c2 = bits.Add64(got, e, 0)
		cw, cg = cw|c1, cg|c2
	}
	if want != got || cw|cg != 0 {
		return fmt.Errorf("%w: on_epoch resplit pays %d, Yuma's miner emission is %d", ErrCorrupt, got, want)
	}
	for uid, e := range v.ServerEmission {
		out.Emission[uid] = satSub(out.Emission[uid], out.ServerEmission[uid]) + e
		out.ServerEmission[uid] = e
	}
	return nil
}
