package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/taorun/taorun/chain/subnet"
	"github.com/taorun/taorun/consensus"
	"github.com/taorun/taorun/consensus/fixed"
	"github.com/taorun/taorun/keys"
	"github.com/taorun/taorun/node/rpc/api"
	"github.com/taorun/taorun/node/rpcclient"
)

// cliJSON runs a taorun command with --json-output against the fixture's
// node and returns its data.
func (f *localnetFixture) cliJSON(t *testing.T, args ...string) map[string]any {
	t.Helper()
	return walletJSON(t, f.bin, append(args, "--network", "ws://"+f.addr, "-y")...)
}

// failOnNode runs a command against the fixture's node (like cliJSON) that
// must fail with exit status code and a message containing want.
func (f *localnetFixture) failOnNode(t *testing.T, code int, want string, args ...string) {
	t.Helper()
	f.fail(t, code, want, append(args, "--network", "ws://"+f.addr, "-y")...)
}

// u64 reads a rao string from the node.
func u64(t *testing.T, s string) uint64 {
	t.Helper()
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		t.Fatalf("rao %q: %v", s, err)
	}
	return v
}

func hyper(t *testing.T, info *api.SubnetInfo, name string) uint64 {
	t.Helper()
	for _, h := range info.Hyperparameters {
		if h.Name == name {
			return h.Value
		}
	}
	t.Fatalf("no hyperparameter %q", name)
	return 0
}

// epochInputFromRPC builds consensus.EpochInput for an epoch at block from
// the full metagraph mg read at block-1 and the emission it distributes,
// without any help from package subnet.
func epochInputFromRPC(t *testing.T, mg *api.Metagraph, block, emission uint64) *consensus.EpochInput {
	h := func(name string) uint64 { return hyper(t, &mg.SubnetInfo, name) }
	p := consensus.DefaultHyperparameters()
	p.Kappa, p.BondsPenalty, p.BondsMovingAverage = uint16(h("kappa")), uint16(h("bonds_penalty")), h("bonds_moving_avg")
	p.Yuma3Enabled, p.LiquidAlphaEnabled = h("yuma_version") == 3, h("liquid_alpha_enabled") == 1
	p.AlphaLow, p.AlphaHigh = uint16(h("alpha_low")), uint16(h("alpha_high"))
	p.MaxAllowedValidators, p.StakeThreshold = uint16(h("max_validators")), h("stake_threshold")
	p.CommitRevealEnabled = h("commit_reveal_weights_enabled") == 1
	in := &consensus.EpochInput{Block: block, Tempo: uint16(mg.Tempo), RaoEmission: emission,
		ActivityCutoff: consensus.ActivityCutoff(h("activity_cutoff_factor"), uint16(mg.Tempo)), LastMechanismStepBlock: mg.LastEpoch,
		TaoWeight: h("tao_weight"), Params: p}
	for _, n := range mg.Neurons {
		if n.Hotkey == mg.OwnerHotkey {
			in.HasOwner, in.OwnerUID = true, n.UID
		}
		in.Neurons = append(in.Neurons, consensus.Neuron{Stake: u64(t, n.Stake), TaoStake: u64(t, n.TaoStake), LastUpdate: n.LastUpdate,
			BlockAtRegistration: n.BlockAtRegistration, ValidatorPermit: n.ValidatorPermit})
		row := func(es []api.WeightEntry) []consensus.WeightEntry {
			out := make([]consensus.WeightEntry, len(es))
			for i, e := range es {
				out[i] = consensus.WeightEntry{UID: e.UID, Value: e.Value}
			}
			return out
		}
		in.Weights, in.Bonds = append(in.Weights, row(n.Weights)), append(in.Bonds, row(n.Bonds))
	}
	return in
}

// blockAlpha is the pending alpha one block's coinbase adds to a subnet
// without root stake (yuma-emission.md §3.4 items 5 and 7): alpha_emission
// by the subnet's alpha issuance, 11796/65535 of it to the owner, half of
// the rest to miners, the remainder to validators, root_prop = 0 (U96F32,
// floored per accumulator).
func blockAlpha(alphaIssuance uint64) api.Pending {
	ae := fixed.U96FromUint(consensus.BlockEmission(alphaIssuance))
	owner := ae.SatMul(fixed.U96FromUint(subnet.SubnetOwnerCut).SafeDiv(fixed.U96FromUint(65535)))
	out := ae.SatSub(owner)
	server := out.SatMul(fixed.U96One.SafeDiv(fixed.U96FromUint(2)))
	s := func(x fixed.U96F32) string { return strconv.FormatUint(x.SatToU64(), 10) }
	return api.Pending{Server: s(server), Validator: s(out.SatSub(server)), Root: "0", Owner: s(owner)}
}

// TestSubnetsEndToEnd drives a real localnet through the CLI and RPC only:
// create a subnet, register neurons, stake, set weights, run to an epoch,
// and check the stored epoch results, the emission and every stake paid
// against consensus.Epoch on the inputs read back over RPC and the emission
// rules, to the rao.
func TestSubnetsEndToEnd(t *testing.T) {
	f := newLocalnetFixture(t, "--demo=false")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	names := []string{"Alice", "Bob", "Charlie", "Dave", "Eve"}
	hot := map[string]string{}
	for _, n := range names {
		f.devWallet(t, strings.ToLower(n), "//"+n, "//"+n+"//hotkey")
		hk, _ := keys.FromURI("//" + n + "//hotkey")
		hot[n] = hk.Public().SS58()
	}

	// Create the subnet and shorten its tempo as sudo.
	if cost := f.cliJSON(t, "subnets", "burn-cost"); cost["burn_cost"] != "1000.000000000" {
		t.Fatalf("burn-cost %v, want the 1000 TAO minimum lock", cost)
	}
	created := f.cliJSON(t, "subnets", "create", "--wallet.name", "alice")
	if created["netuid"] != "1" || created["lock"] != "1000000000000" || created["hotkey"] != hot["Alice"] {
		t.Fatalf("create: %v", created)
	}
	for _, p := range [][2]string{{"tempo", "10"}, {"weights_rate_limit", "0"}, {"commit_reveal_weights_enabled", "false"},
		{"max_registrations_per_block", "8"}} {
		out := f.cliJSON(t, "sudo", "set", "--wallet.name", "alice", "--netuid", "1", "--param", p[0], "--value", p[1])
		if out["call"] != "sudo_set" {
			t.Fatalf("sudo set %s: %v", p[0], out)
		}
	}
	f.fail(t, 1, "not the subnet owner", "subnets", "set-hyperparameter", "--wallet.name", "bob", "--netuid", "1", "--param", "tempo",
		"--value", "5", "-y", "--network", "ws://"+f.addr)
	hp := f.cliJSON(t, "subnets", "hyperparameters", "--netuid", "1")["hyperparameters"].(map[string]any)
	if hp["tempo"] != 10.0 || hp["commit_reveal_weights_enabled"] != 0.0 || hp["kappa"] != float64(consensus.DefaultKappa) {
		t.Fatalf("hyperparameters: %v", hp)
	}

	// Register the others; fund Bob's hotkey for its weights fees; stake.
	for i, n := range names[1:] {
		reg := f.cliJSON(t, "subnets", "register", "--wallet.name", strings.ToLower(n), "--netuid", "1")
		if reg["uid"] != strconv.Itoa(i+1) || reg["hotkey"] != hot[n] {
			t.Fatalf("register %s: %v", n, reg)
		}
	}
	f.cliJSON(t, "wallet", "transfer", "--wallet.name", "bob", "--dest", hot["Bob"], "--amount", "1")
	bobCold := keys.Dev("Bob").Public().SS58()
	free0, err := f.client.Balance(ctx, bobCold)
	if err != nil {
		t.Fatal(err)
	}
	staked := f.cliJSON(t, "stake", "add", "--wallet.name", "bob", "--netuid", "1", "--amount", "100")
	free1, _ := f.client.Balance(ctx, bobCold)
	if staked["tao"] != "100000000000" || staked["alpha"] == "0" || free0-free1 != 100_000_000_000+uint64(staked["fee_rao"].(float64)) {
		t.Fatalf("stake add: %v; balance %d → %d", staked, free0, free1)
	}
	list := f.cliJSON(t, "stake", "list", "--wallet.name", "bob")["stake_info"].(map[string]any)["stakes"].([]any)
	if len(list) != 1 || list[0].(map[string]any)["alpha"] != staked["alpha"] {
		t.Fatalf("stake list: %v", list)
	}

	// Bob needs the validator permit the next epoch grants, then sets weights.
	waitFor(t, ctx, "Bob's validator permit", func() bool {
		mg, err := f.client.Metagraph(ctx, 1, false)
		return err == nil && mg.Neurons[1].ValidatorPermit
	})
	set := f.cliJSON(t, "weights", "set", "--wallet.name", "bob", "--netuid", "1", "--uids", "2,3,4", "--weights", "0.6,0.3,0.1")
	if set["block"] == nil {
		t.Fatalf("weights set: %v", set)
	}
	weightsAt := uint64(set["block"].(float64))

	// Watch the metagraph at every height until an epoch after the weights
	// has its two preceding blocks captured.
	snaps := map[uint64]*api.Metagraph{}
	var before2, before1, after *api.Metagraph
	waitFor(t, ctx, "an epoch with its two preceding blocks observed", func() bool {
		mg, err := f.client.Metagraph(ctx, 1, true)
		if err != nil {
			return false
		}
		snaps[mg.Height] = mg
		e := mg.LastEpoch
		if e <= weightsAt+2 || mg.Height != e {
			return false
		}
		before2, before1, after = snaps[e-2], snaps[e-1], mg
		return before2 != nil && before1 != nil
	})
	epochAt := after.LastEpoch
	t.Logf("weights set at %d, epoch at %d", weightsAt, epochAt)

	// Emission: the pending alpha grows by the rule's amount per block, so
	// the epoch distributes P(E-1) + Δ, and the pool's TAO is untouched (no
	// root stake, so no TAO is injected).
	alphaIss := func(mg *api.Metagraph) uint64 { return u64(t, mg.AlphaIn) + u64(t, mg.AlphaOut) }
	delta := blockAlpha(alphaIss(before1))
	if got := blockAlpha(alphaIss(before2)); got != delta {
		t.Fatalf("alpha emission changed between blocks: %v vs %v", got, delta)
	}
	pend := func(p api.Pending) [4]uint64 {
		return [4]uint64{u64(t, p.Server), u64(t, p.Validator), u64(t, p.Root), u64(t, p.Owner)}
	}
	p1, p2, d := pend(before1.Pending), pend(before2.Pending), pend(delta)
	if d[0] == 0 || d[1] == 0 || d[3] == 0 {
		t.Fatalf("no alpha emission per block: %v", delta)
	}
	for i := range p1 {
		if p1[i]-p2[i] != d[i] {
			t.Fatalf("pending[%d] grew by %d in block %d, the emission rule says %d", i, p1[i]-p2[i], epochAt-1, d[i])
		}
	}
	if pend(after.Pending) != [4]uint64{} {
		t.Fatalf("after the epoch: pending %v", after.Pending)
	}
	// TAO: with one subnet its share of the block emission is 1; without root
	// stake the root-proportion cap lets no tao_in through, so the whole
	// emission is minted as the "chain buy" into the pool (§3.4 item 6).
	chainInfo, err := f.client.ChainInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	blockTAO := consensus.BlockEmission(u64(t, chainInfo.TotalIssuance))
	for _, pair := range [][2]*api.Metagraph{{before2, before1}, {before1, after}} {
		if d := u64(t, pair[1].TaoIn) - u64(t, pair[0].TaoIn); d != blockTAO {
			t.Fatalf("pool TAO grew by %d in block %d, want the block emission %d", d, pair[1].Height, blockTAO)
		}
	}
	server, validator, root, owner := p1[0]+d[0], p1[1]+d[1], p1[2]+d[2], p1[3]+d[3]

	// Yuma: the stored results are consensus.Epoch on the inputs read back.
	in := epochInputFromRPC(t, before1, epochAt, server+validator+root)
	out, err := consensus.Epoch(in)
	if err != nil {
		t.Fatal(err)
	}
	var sumInc uint64
	for uid, n := range after.Neurons {
		got := []any{n.StakeWeight, n.Consensus, n.Incentive, n.Dividends, n.ValidatorTrust, u64(t, n.Emission), n.Active, n.ValidatorPermit}
		want := []any{out.StakeWeight[uid], out.Consensus[uid], out.Incentive[uid], out.Dividends[uid], out.ValidatorTrust[uid],
			out.Emission[uid], out.Active[uid], out.ValidatorPermit[uid]}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("uid %d stored %v, consensus.Epoch says %v", uid, got, want)
		}
		bonds := make([]consensus.WeightEntry, 0, len(n.Bonds))
		for _, b := range n.Bonds {
			bonds = append(bonds, consensus.WeightEntry{UID: b.UID, Value: b.Value})
		}
		if fmt.Sprint(bonds) != fmt.Sprint(out.Bonds[uid]) {
			t.Fatalf("uid %d bonds %v, consensus.Epoch says %v", uid, bonds, out.Bonds[uid])
		}
		sumInc += out.ServerEmission[uid]
	}
	if out.Incentive[2] <= out.Incentive[3] || out.Incentive[3] <= out.Incentive[4] || out.Dividends[1] == 0 {
		t.Fatalf("weights 0.6/0.3/0.1 should order the miners' incentive and pay Bob dividends: %v %v", out.Incentive, out.Dividends)
	}

	// Payouts, to the rao: the owner cut to the owner's hotkey, incentives to
	// the miners (the owner's recycled), dividends by calculate_dividend_
	// distribution; each hotkey here has one staker, its own coldkey, who
	// gets the take and the rest alike.
	validatorAlpha := validator
	if sumInc == 0 {
		validatorAlpha += server
	}
	stakes := make([]subnet.HotkeyStakes, len(in.Neurons))
	for uid, n := range in.Neurons {
		stakes[uid] = subnet.HotkeyStakes{Alpha: n.Stake, Root: n.TaoStake}
	}
	alphaDivs, _ := subnet.DividendDistribution(stakes, out.ValidatorEmission, fixed.U96FromUint(in.TaoWeight).SafeDiv(fixed.U96FromUint(^uint64(0))),
		validatorAlpha, root)
	for uid, n := range after.Neurons {
		want := in.Neurons[uid].Stake + alphaDivs[uid].SatToU64()
		if n.Hotkey == after.OwnerHotkey {
			want += owner
		} else {
			want += out.ServerEmission[uid]
		}
		if got := u64(t, n.Stake); got != want {
			t.Fatalf("uid %d stake %d after the epoch, want %d", uid, got, want)
		}
	}

	// Unknown subnets are "not found", not empty answers.
	for _, q := range []func() error{
		func() error { _, err := f.client.Metagraph(ctx, 9, false); return err },
		func() error { _, err := f.client.SubnetInfo(ctx, 0); return err },
	} {
		var rerr *rpcclient.Error
		if err := q(); !errors.As(err, &rerr) || rerr.Code != api.CodeNotFound {
			t.Fatalf("query of a missing subnet: %v", err)
		}
	}
	f.fail(t, 1, "subnet 9 does not exist", "subnets", "show", "--netuid", "9", "--network", "ws://"+f.addr)

	// The CLI views agree with RPC.
	show := f.cliJSON(t, "subnets", "metagraph", "--netuid", "1")["metagraph"].(map[string]any)
	if ns := show["neuronsList"].([]any); len(ns) != 5 || ns[2].(map[string]any)["incentive"] == 0.0 {
		t.Fatalf("subnets metagraph: %v", ns)
	}
	bal := f.cliJSON(t, "wallet", "balance", "--wallet.name", "bob")
	if entry := bal["balances"].(map[string]any)[keys.Dev("Bob").Public().SS58()].(map[string]any); entry["staked"] == "0.000000000" {
		t.Fatalf("wallet balance shows no stake for Bob: %v", entry)
	}
	ov := f.cliJSON(t, "wallet", "overview", "--wallet.name", "charlie")
	if ns := ov["neurons"].([]any); len(ns) != 1 || ns[0].(map[string]any)["uid"] != 2.0 || ns[0].(map[string]any)["hotkey_name"] != "default" {
		t.Fatalf("overview: %v", ov)
	}

	// Unstake and move: the receipts' amounts land exactly.
	bob := keys.Dev("Bob").Public().SS58()
	freeBefore, _ := f.client.Balance(ctx, bob)
	rm := f.cliJSON(t, "stake", "remove", "--wallet.name", "bob", "--netuid", "1", "--amount", "1")
	freeAfter, _ := f.client.Balance(ctx, bob)
	if freeAfter != freeBefore+u64(t, rm["tao"].(string))-uint64(rm["fee_rao"].(float64)) {
		t.Fatalf("stake remove paid %s TAO, balance %d → %d", rm["tao"], freeBefore, freeAfter)
	}
	mv := f.cliJSON(t, "stake", "move", "--wallet.name", "bob", "--origin-netuid", "1", "--dest", hot["Charlie"], "--amount", "2")
	if mv["to_alpha"] != "2000000000" || mv["to_hotkey"] != hot["Charlie"] {
		t.Fatalf("stake move within a subnet moves alpha as is: %v", mv)
	}
	f.fail(t, 1, "insufficient stake", "stake", "remove", "--wallet.name", "alice", "--hotkey-ss58", hot["Dave"], "--netuid", "1",
		"--amount", "1", "-y", "--network", "ws://"+f.addr)

	// Commit-reveal: commit now, reveal in the next epoch with the printed salt.
	f.cliJSON(t, "sudo", "set", "--wallet.name", "alice", "--netuid", "1", "--param", "commit_reveal_weights_enabled", "--value", "true")
	f.fail(t, 1, "commit-reveal", "weights", "set", "--wallet.name", "bob", "--netuid", "1", "--uids", "2", "--weights", "1", "-y",
		"--network", "ws://"+f.addr)
	committed := f.cliJSON(t, "weights", "commit", "--wallet.name", "bob", "--netuid", "1", "--uids", "2,3", "--weights", "1,1", "--salt", "7,8,9")
	start, _ := f.client.SubnetInfo(ctx, 1)
	waitFor(t, ctx, "the reveal epoch", func() bool {
		i, err := f.client.SubnetInfo(ctx, 1)
		return err == nil && i.EpochIndex == start.EpochIndex+1
	})
	f.cliJSON(t, "weights", "reveal", "--wallet.name", "bob", "--netuid", "1", "--uids", "2,3", "--weights", "1,1", "--salt", "7,8,9")
	mg, _ := f.client.Metagraph(ctx, 1, true)
	if w := mg.Neurons[1].Weights; len(w) != 2 || w[0] != (api.WeightEntry{UID: 2, Value: 65535}) {
		t.Fatalf("revealed weights %v (commit %v)", w, committed["commit_hash"])
	}
}

// waitFor polls cond every 20 ms until it holds or ctx ends.
func waitFor(t *testing.T, ctx context.Context, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("timed out waiting for %s", what)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// TestLocalnetDemo checks the demonstration subnet of a plain `taorun
// localnet`: localnet.json lists every role with its hotkey and uid as the
// chain has them, and the scripted validator's weights reach the epochs
// (every miner earns incentive).
func TestLocalnetDemo(t *testing.T) {
	f := newLocalnetFixture(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	defer func() {
		if t.Failed() {
			b, _ := os.ReadFile(filepath.Join(f.dataDir, "..", "node.log"))
			t.Logf("node output:\n%s", b)
		}
	}()
	var info localnetInfo
	waitFor(t, ctx, "localnet.json with the demonstration subnet", func() bool {
		b, err := os.ReadFile(filepath.Join(f.dataDir, "localnet.json"))
		return err == nil && json.Unmarshal(b, &info) == nil && len(info.Subnets) == 1
	})
	sn := info.Subnets[0]
	if sn.Netuid != demoNetuid || sn.Tempo != 10 || sn.Note != demoNote || len(sn.Neurons) != len(demoRoles) {
		t.Fatalf("localnet.json subnet: %+v", sn)
	}
	mg, err := f.client.Metagraph(ctx, demoNetuid, false)
	if err != nil {
		t.Fatal(err)
	}
	for i, n := range sn.Neurons {
		k, _ := keys.FromURI(n.HotkeyURI)
		if n.Name != demoRoles[i].Name || n.Role != demoRoles[i].Role || n.Hotkey != k.Public().SS58() ||
			mg.Neurons[n.UID].Hotkey != n.Hotkey || mg.Neurons[n.UID].Coldkey != keys.Dev(n.Name).Public().SS58() {
			t.Fatalf("neuron %d of localnet.json %+v does not match the chain's uid %d %+v", i, n, n.UID, mg.Neurons[n.UID])
		}
	}
	waitFor(t, ctx, "the miners' incentive from the scripted weights", func() bool {
		mg, err := f.client.Metagraph(ctx, demoNetuid, false)
		if err != nil {
			return false
		}
		for i, n := range sn.Neurons {
			if paid := mg.Neurons[n.UID].Incentive > 0; n.UID != uint16(i) || paid != (n.Role == "miner") {
				return false
			}
		}
		return true
	})
}
