package subnet

import (
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/taorun/taorun/chain/state"
	"github.com/taorun/taorun/chain/types"
)

// goldenDigest is the digest of goldenRun. It was recorded before the epoch
// read path was rewritten (prefix iteration instead of per-uid reads) and
// pins the behaviour of BlockStep and the operations bit for bit: any change
// to what a block writes (keys, values, deletes, even rewrites of an
// unchanged value) changes it. Change it only for an intended change of
// consensus behaviour.
const goldenDigest = "85b4a505fc2f3ba6d87306ec2fc7756c6075fac607c7f1566fef44b471852d20"

// TestGoldenRun pins a deterministic multi-epoch run: see goldenRun.
func TestGoldenRun(t *testing.T) {
	if got := goldenRun(t); got != goldenDigest {
		t.Fatalf("golden run digest %s, want %s", got, goldenDigest)
	}
}

// goldenRun runs 120 blocks of seeded random operations on four subnets (a
// small one that prunes, a commit-reveal one with commits and reveals, one of
// 300 uids so that uids pass 255, and a Yuma 2 one with liquid alpha), with
// BlockStep at the start of every block. Each block runs on its own overlay
// over a pending overlay that is committed to pebble every third block, so
// reads cross overlay levels (including deletes) as well as the store. It
// returns hex(sha256(chained state roots of every block ‖ sha256 of the
// final full state dump)).
func goldenRun(t *testing.T) string {
	e := newEnv(t)
	rng := rand.New(rand.NewPCG(7, 11))
	pick := func(n int) int { return rng.IntN(n) }
	colds := make([]types.AccountID, 6)
	for i := range colds {
		colds[i] = acct(fmt.Sprintf("gcold%d", i))
		e.fund(colds[i], 100_000*RaoPerTao)
	}
	e.sudoSet(RootNetuid, "network_rate_limit", 0)
	e.sudoSet(RootNetuid, "network_min_lock_cost", 100*RaoPerTao)
	type net struct {
		id   uint16
		hots []types.AccountID
		cr   bool
	}
	cfg := []map[string]uint64{
		{"tempo": 3, "commit_reveal_weights_enabled": 0, "weights_rate_limit": 1, "max_allowed_uids": 8,
			"immunity_period": 4, "max_registrations_per_block": 3},
		{"tempo": 5, "commit_reveal_weights_enabled": 1, "weights_rate_limit": 0, "max_allowed_uids": 16,
			"max_registrations_per_block": 4, "max_validators": 6},
		{"tempo": 7, "commit_reveal_weights_enabled": 0, "weights_rate_limit": 0, "max_allowed_uids": 400,
			"max_registrations_per_block": 1000, "min_burn": 0, "max_burn": 0, "max_validators": 32},
		{"tempo": 4, "commit_reveal_weights_enabled": 0, "weights_rate_limit": 0, "max_allowed_uids": 12,
			"yuma_version": 2, "liquid_alpha_enabled": 1, "max_registrations_per_block": 2, "bonds_penalty": 30000},
	}
	nets := make([]*net, len(cfg))
	for i, c := range cfg {
		owner := acct(fmt.Sprintf("gown%d", i))
		id := must(CreateSubnet(e.o, colds[i], owner, 1))
		for _, name := range []string{"tempo", "commit_reveal_weights_enabled", "weights_rate_limit", "max_allowed_uids",
			"immunity_period", "max_registrations_per_block", "max_validators", "min_burn", "max_burn", "yuma_version",
			"liquid_alpha_enabled", "bonds_penalty"} {
			if v, ok := c[name]; ok {
				e.sudoSet(id, name, v)
			}
		}
		nets[i] = &net{id: id, hots: []types.AccountID{owner}, cr: c["commit_reveal_weights_enabled"] == 1}
		must(AddStake(e.o, colds[i], owner, RootNetuid, uint64(50+10*i)*RaoPerTao))
	}
	// The big subnet: 299 more uids, 24 of them staked validators with weights.
	big := nets[2]
	for u := 1; u < 300; u++ {
		hot := acct(fmt.Sprintf("gbig%d", u))
		must(BurnedRegister(e.o, colds[u%6], hot, big.id, 1))
		big.hots = append(big.hots, hot)
		if u%12 == 0 {
			must(AddStake(e.o, colds[(u+1)%6], hot, big.id, uint64(u)*RaoPerTao))
			must(AddStake(e.o, colds[(u+2)%6], hot, RootNetuid, uint64(300-u)*RaoPerTao))
			e.o.Set(neuronKey(big.id, uint16(u), neuronRes), (&Result{ValidatorPermit: true}).encode()) // bootstrap permits
		}
	}
	e.commit()

	type pendingCommit struct {
		hot                types.AccountID
		uids, values, salt []uint16
		height             uint64
	}
	var commits []pendingCommit
	reveals := 0
	weights := func(n *net, k int) ([]uint16, []uint16) {
		uids, vals := make([]uint16, k), make([]uint16, k)
		perm := rng.Perm(len(n.hots))
		for i := range uids {
			uids[i], vals[i] = uint16(perm[i%len(perm)]), uint16(rng.UintN(65536))
		}
		return uids, vals
	}
	var h uint64
	ops := []func() error{
		func() error { // register
			n := nets[pick(len(nets))]
			hot := acct(fmt.Sprintf("ghot%d", pick(60)))
			_, err := BurnedRegister(e.o, colds[pick(len(colds))], hot, n.id, h)
			if err == nil {
				n.hots = append(n.hots, hot)
			}
			return err
		},
		func() error {
			n := nets[pick(len(nets))]
			net := n.id
			if pick(4) == 0 {
				net = RootNetuid
			}
			_, err := AddStake(e.o, colds[pick(len(colds))], n.hots[pick(len(n.hots))], net, uint64(rng.Int64N(300*RaoPerTao)))
			return err
		},
		func() error {
			n := nets[pick(len(nets))]
			hot, cold := n.hots[pick(len(n.hots))], colds[pick(len(colds))]
			st := must(Stake(e.o, hot, cold, n.id))
			_, err := RemoveStake(e.o, cold, hot, n.id, st/uint64(1+pick(3))+uint64(pick(2)))
			return err
		},
		func() error {
			from, to := nets[pick(len(nets))], nets[pick(len(nets))]
			hot, cold := from.hots[pick(len(from.hots))], colds[pick(len(colds))]
			st := must(Stake(e.o, hot, cold, from.id))
			_, err := MoveStake(e.o, cold, hot, to.hots[pick(len(to.hots))], from.id, to.id, st/2+uint64(pick(2)))
			return err
		},
		func() error { // weights, or a commit on the commit-reveal subnet
			n := nets[pick(len(nets))]
			uids, vals := weights(n, 1+pick(6))
			hot := n.hots[pick(len(n.hots))]
			if n.cr {
				salt := []uint16{uint16(pick(1000))}
				err := CommitWeights(e.o, hot, n.id, CommitHash(hot, n.id, uids, vals, salt, 0), h)
				if err == nil {
					commits = append(commits, pendingCommit{hot, uids, vals, salt, h})
				}
				return err
			}
			return SetWeights(e.o, hot, n.id, uids, vals, 0, h)
		},
		func() error { // reveal the oldest pending commit
			if len(commits) == 0 {
				return nil
			}
			var err error
			keep := commits[:0]
			for _, c := range commits {
				if err = RevealWeights(e.o, c.hot, nets[1].id, c.uids, c.values, c.salt, 0, h); err == nil {
					reveals++
				} else if c.height+12 > h {
					keep = append(keep, c)
				}
			}
			commits = keep
			return err
		},
		func() error {
			n := nets[pick(len(nets))]
			return SetDelegateTake(e.o, colds[pick(len(colds))], n.hots[pick(len(n.hots))], uint16(pick(MaxDelegateTake+2)))
		},
	}

	var root types.Hash
	pending := state.NewOverlay(e.store)
	for h = 2; h <= 121; h++ {
		block := pending.Child()
		e.o = block
		if err := BlockStep(block, h); err != nil {
			t.Fatalf("block %d: %v", h, err)
		}
		for range 1 + pick(5) {
			_ = ops[pick(len(ops))]() // failures are part of the run: they must change nothing
		}
		if big := nets[2]; h%7 == 3 { // the big subnet's validators set weights on most uids
			for v := 12; v < 300; v += 12 {
				uids, vals := weights(big, 200)
				_ = SetWeights(block, big.hots[v], big.id, uids, vals, 0, h)
			}
		}
		root = state.Root(root, h, block.Writes())
		if err := block.Merge(); err != nil {
			t.Fatal(err)
		}
		e.o = pending
		e.checkInvariants()
		if h%3 == 0 {
			if err := e.store.Commit(pending); err != nil {
				t.Fatal(err)
			}
			pending = state.NewOverlay(e.store)
		}
	}
	for _, n := range nets {
		if idx := e.read().u64(epochKey(n.id, epIndex)); idx < 15 {
			t.Fatalf("subnet %d ran only %d epochs", n.id, idx)
		}
	}
	if reveals == 0 {
		t.Fatal("no commit was revealed")
	}
	if n, res := e.read().n(nets[2].id), e.read().result(nets[2].id, 288); n < 300 || res.Dividends == 0 {
		t.Fatalf("big subnet: %d uids, uid 288 result %+v", n, res)
	}
	dump, err := state.Dump(pending, nil)
	if err != nil {
		t.Fatal(err)
	}
	var all []byte
	for _, w := range dump {
		all = fmt.Appendf(all, "%x=%x;", w.Key, w.Value)
	}
	dh := types.Sum(all)
	d := types.Sum(root[:], dh[:])
	return hex.EncodeToString(d[:])
}
