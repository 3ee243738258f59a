package subnet

import (
	"fmt"
	"testing"
	"time"

	"github.com/taorun/taorun/chain/state"
	"github.com/taorun/taorun/chain/types"
	"github.com/taorun/taorun/consensus/fixed"
)

// benchEnv commits 64 subnets × 256 uids to pebble, with 64 staked
// validators per subnet, each with a permit and weights on all 256 uids;
// tempo 100, last epoch at block 0.
func benchEnv(b *testing.B, subnets, uids, validators int) *env {
	e := newEnv(b)
	e.sudoSet(RootNetuid, "network_rate_limit", 0)
	e.sudoSet(RootNetuid, "network_min_lock_cost", RaoPerTao)
	whale := acct("whale")
	e.fund(whale, 10_000_000*RaoPerTao)
	row := make([]Weight, uids)
	for j := range row {
		row[j] = Weight{uint16(j), uint16(1 + j*7%65535)}
	}
	for i := range subnets {
		e.read().setU64(keyLastLockBlock, 0) // setup only: no lock-cost doubling between creations
		netuid := must(CreateSubnet(e.o, whale, acct(fmt.Sprintf("own%d", i)), 1))
		e.sudoSet(netuid, "tempo", 100)
		e.sudoSet(netuid, "max_registrations_per_block", 1000)
		e.sudoSet(netuid, "min_burn", 0)
		e.sudoSet(netuid, "max_burn", 0)
		s := e.read()
		for u := 1; u < uids; u++ {
			var hot types.AccountID
			copy(hot[:], fmt.Sprintf("h%d.%d", i, u))
			must(BurnedRegister(e.o, whale, hot, netuid, 1))
			if u < validators {
				must(AddStake(e.o, whale, hot, netuid, 10*RaoPerTao))
				s.o.Set(neuronKey(netuid, uint16(u), neuronRes), (&Result{ValidatorPermit: true}).encode())
				s.setRow(weightsKey(netuid, uint16(u)), row)
			}
		}
		s.setU64(epochKey(netuid, epLastEpoch), 0)
	}
	e.commit()
	return e
}

// BenchmarkEpochBlock measures BlockStep at a block where every subnet is due
// an epoch (MaxEpochsPerBlock of them run) on the benchEnv state.
func BenchmarkEpochBlock(b *testing.B) {
	e := benchEnv(b, 64, 256, 64)
	for b.Loop() {
		o := state.NewOverlay(e.store)
		if err := BlockStep(o, 100); err != nil {
			b.Fatal(err)
		}
		if got := (&rw{o: o}).u64(epochKey(1, epIndex)); got != 1 {
			b.Fatalf("epoch did not run (index %d)", got)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/MaxEpochsPerBlock/1e6, "ms/epoch")
}

// BenchmarkCoinbaseBlock measures BlockStep at a block without epochs (burn
// decay, coinbase and moving prices of every subnet), whose cost does not
// depend on the number of uids.
func BenchmarkCoinbaseBlock(b *testing.B) {
	for _, n := range []int{64, MaxSubnets} {
		b.Run(fmt.Sprintf("subnets=%d", n), func(b *testing.B) {
			e := benchEnv(b, n, 4, 2)
			for b.Loop() {
				if err := BlockStep(state.NewOverlay(e.store), 50); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// bulkEnv builds the benchmark state: subnets × uids neurons, with
// the first validators uids of each subnet staked (alpha on the subnet and
// TAO on root), holding a validator permit and weights on every uid; moving
// prices at 1 (so the root sell flag is on and root dividends are paid) and
// the last epoch of every subnet at block 0 with the default tempo (360).
// Creating 262,144 neurons through BurnedRegister and AddStake would take
// minutes, so after CreateSubnet it writes the records directly with the
// package's own writers (appendNeuron, buyAlpha + addStake with a matching
// debit, setRow), which keep the supply and alpha invariants, committing to
// pebble once per 16 subnets. The built state is checked with checkSupply
// and CheckAlpha.
func bulkEnv(b *testing.B, subnets, uids, validators int) *env {
	e := newEnv(b)
	e.sudoSet(RootNetuid, "network_rate_limit", 0)
	e.sudoSet(RootNetuid, "network_min_lock_cost", RaoPerTao)
	whale := acct("whale")
	e.fund(whale, 2_000_000*RaoPerTao)
	row := make([]Weight, uids)
	for j := range row {
		row[j] = Weight{uint16(j), uint16(1 + j*7%65535)}
	}
	for i := range subnets {
		s := e.read()
		s.setU64(keyLastLockBlock, 0) // setup only: no lock-cost doubling between creations
		netuid := must(CreateSubnet(e.o, whale, acct(fmt.Sprintf("own%d", i)), 1))
		s.setParam(netuid, PMaxRegistrationsPerBlock, uint64(uids))
		for u := 1; u < uids; u++ {
			var hot types.AccountID
			copy(hot[:], fmt.Sprintf("h%d.%d", i, u))
			cold := acct(fmt.Sprintf("c%d", u%97))
			e.o.Set(ownerKey(hot), cold[:])
			uid := s.appendNeuron(netuid, hot, cold, 1)
			if u < validators {
				for _, st := range []struct {
					net uint16
					tao uint64
				}{{netuid, 10 * RaoPerTao}, {RootNetuid, 5 * RaoPerTao}} {
					if err := s.debit(whale, st.tao, "bench stake"); err != nil {
						b.Fatal(err)
					}
					s.addStake(hot, cold, st.net, must(s.buyAlpha(st.net, st.tao)))
				}
				e.o.Set(neuronKey(netuid, uid, neuronRes), (&Result{ValidatorPermit: true}).encode())
				s.setRow(weightsKey(netuid, uid), row)
			}
		}
		s.setMovingPrice(netuid, fixed.U64One)
		s.setU64(epochKey(netuid, epLastEpoch), 0)
		if s.err != nil {
			b.Fatal(s.err)
		}
		if i%16 == 15 {
			e.commit()
		}
	}
	e.commit()
	if err := checkSupply(e.store); err != nil {
		b.Fatal(err)
	}
	if err := CheckAlpha(e.store); err != nil {
		b.Fatal(err)
	}
	return e
}

// BenchmarkEpochHeavyBlock is the figure: block commit time with
// 1,024 subnets registered, 256 uids each (64 validators), at an
// epoch-heavy block. Every subnet is due at block 360, so blocks 360..391
// each run MaxEpochsPerBlock (32) epochs, the per-block cap; the next wave
// (720..751) does the same, and so on. One iteration is one whole block:
// BlockStep on a fresh overlay over the pebble store (burn decay, coinbase
// and moving prices of all 1,024 subnets, 32 epochs with their payouts)
// and the commit of its writes to pebble (state.Store.Commit, synced). The
// state is built once and each iteration commits the next block on it.
// Reported: ms/block, ms/epoch (ms/block ÷ 32) and commit-ms (the Commit
// call alone, included in ms/block). Building the state takes about half a
// minute, so -short skips it; run it with -benchtime 32x (one wave).
func BenchmarkEpochHeavyBlock(b *testing.B) {
	if testing.Short() {
		b.Skip("builds 1,024 × 256 neurons")
	}
	const subnets, uids, validators = MaxSubnets, 256, 64
	e := bulkEnv(b, subnets, uids, validators)
	tempo := e.read().param(1, PTempo)
	var commitTime time.Duration
	i := uint64(0)
	for b.Loop() {
		h := tempo*(1+i/MaxEpochsPerBlock) + i%MaxEpochsPerBlock
		i++
		o := state.NewOverlay(e.store)
		if err := BlockStep(o, h); err != nil {
			b.Fatal(err)
		}
		t0 := time.Now()
		if err := e.store.Commit(o); err != nil {
			b.Fatal(err)
		}
		commitTime += time.Since(t0)
	}
	// Every iteration ran exactly MaxEpochsPerBlock epochs: the epoch
	// indexes sum to that many per block.
	var ran uint64
	s := &rw{o: state.NewOverlay(e.store)}
	for netuid := uint16(1); netuid <= subnets; netuid++ {
		ran += s.u64(epochKey(netuid, epIndex))
	}
	if ran != i*MaxEpochsPerBlock {
		b.Fatalf("%d blocks ran %d epochs, want %d", i, ran, i*MaxEpochsPerBlock)
	}
	perBlock := float64(b.Elapsed().Nanoseconds()) / float64(b.N) / 1e6
	b.ReportMetric(perBlock, "ms/block")
	b.ReportMetric(perBlock/MaxEpochsPerBlock, "ms/epoch")
	b.ReportMetric(float64(commitTime.Nanoseconds())/float64(b.N)/1e6, "commit-ms")
}
