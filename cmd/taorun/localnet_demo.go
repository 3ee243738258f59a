package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/taorun/taorun/chain"
	"github.com/taorun/taorun/chain/tx"
	"github.com/taorun/taorun/chain/types"
	"github.com/taorun/taorun/keys"
	"github.com/taorun/taorun/node/rpc/api"
	"github.com/taorun/taorun/node/rpcclient"
)

// The demonstration subnet `taorun localnet` creates: netuid 1, owned by
// Alice, with Bob validating and Charlie, Dave and Eve mining. Each neuron's
// hotkey is its coldkey's dev URI + "//hotkey", funded with 10 TAO for fees.
const (
	demoNetuid      = 1
	demoStake       = 1_000 * chain.RaoPerTAO // Bob's stake on his validator hotkey
	demoHotkeyFunds = 10 * chain.RaoPerTAO    // each hotkey's TAO for its own fees
)

// demoRoles are the demonstration neurons, in registration order (Alice's
// hotkey is registered by creating the subnet).
var demoRoles = []struct{ Name, Role string }{
	{"Alice", "owner"}, {"Bob", "validator"}, {"Charlie", "miner"}, {"Dave", "miner"}, {"Eve", "miner"},
}

// demoParams are the hyperparameters the demonstration sets (as sudo) so
// that epochs come quickly and the scripted validator may set weights every
// tempo without commit-reveal.
var demoParams = []struct {
	Name  string
	Value uint64
}{
	{"tempo", 10},
	{"max_registrations_per_block", 8},
	{"weights_rate_limit", 0},
	{"commit_reveal_weights_enabled", 0},
}

// demoScript is the validator's fixed weights script: epoch k uses row
// k mod len, over the miners in demoRoles order.
var demoScript = [][]uint16{{60, 30, 10}, {30, 60, 10}, {10, 30, 60}}

// localnetSubnet and localnetNeuron are the subnet section of localnet.json.
type localnetSubnet struct {
	Netuid  uint16           `json:"netuid"`
	Tempo   uint64           `json:"tempo"`
	Owner   string           `json:"owner"`
	Note    string           `json:"note"`
	Neurons []localnetNeuron `json:"neurons"`
}

type localnetNeuron struct {
	Name      string `json:"name"`
	Role      string `json:"role"`
	Coldkey   string `json:"coldkey"`
	Hotkey    string `json:"hotkey"`
	HotkeyURI string `json:"hotkeyUri"`
	UID       uint16 `json:"uid"`
}

// demoNote is what the demonstration says about its weights, honestly.
const demoNote = "weights from a fixed script until subnet modules land"

func demoHotkey(name string) *keys.Keypair {
	k, err := keys.FromURI("//" + name + "//hotkey")
	if err != nil {
		panic("localnet: dev hotkey: " + err.Error()) // a constant URI: cannot fail
	}
	return k
}

// demo drives the demonstration subnet over the node's own RPC, exactly as
// the CLI would.
type demo struct {
	client *rpcclient.Client
	out    io.Writer
}

// pending is a batch of submitted transactions.
type pending struct {
	hashes []types.Hash
	calls  []tx.Call
}

// submit sends calls signed by k with consecutive nonces; the mempool
// releases them in order, so they can share a block.
func (d *demo) submit(ctx context.Context, p *pending, k *keys.Keypair, calls ...tx.Call) error {
	info, err := d.client.ChainInfo(ctx)
	if err != nil {
		return err
	}
	nonce, err := d.client.Nonce(ctx, k.Public().SS58())
	if err != nil {
		return err
	}
	for i, call := range calls {
		h, err := d.client.SendTransaction(ctx, tx.New(k, info.GenesisHash, nonce+uint64(i), call, 0).Encode())
		if err != nil {
			return fmt.Errorf("%s: %w", tx.Name(call.Kind()), err)
		}
		p.hashes, p.calls = append(p.hashes, h), append(p.calls, call)
	}
	return nil
}

// wait waits for every transaction of p to succeed and returns the receipts.
func (d *demo) wait(ctx context.Context, p *pending) ([]*api.TxStatus, error) {
	out := make([]*api.TxStatus, len(p.hashes))
	for i, h := range p.hashes {
		st, err := d.client.WaitForTx(ctx, h)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", tx.Name(p.calls[i].Kind()), err)
		}
		if st.Status != api.StatusSuccess {
			return nil, fmt.Errorf("%s: %s: %s", tx.Name(p.calls[i].Kind()), st.Status, st.Error)
		}
		out[i] = st
	}
	return out, nil
}

// send submits calls signed by k and waits for all of them to succeed.
func (d *demo) send(ctx context.Context, k *keys.Keypair, calls ...tx.Call) ([]*api.TxStatus, error) {
	p := &pending{}
	if err := d.submit(ctx, p, k, calls...); err != nil {
		return nil, err
	}
	return d.wait(ctx, p)
}

// attr returns attribute key of the first event of type typ.
func attr(st *api.TxStatus, typ, key string) (string, error) {
	for _, e := range st.Events {
		if e.Type == typ {
			if v, ok := e.Attrs[key]; ok {
				return v, nil
			}
		}
	}
	return "", fmt.Errorf("tx %s has no %s event with %s", st.Hash, typ, key)
}

// ensure creates the demonstration subnet unless the chain already has it
// (a resumed localnet), and returns its localnet.json section.
func (d *demo) ensure(ctx context.Context) (*localnetSubnet, error) {
	subnets, err := d.client.Subnets(ctx)
	if err != nil {
		return nil, err
	}
	exists := false
	for _, s := range subnets {
		exists = exists || s.Netuid == demoNetuid
	}
	if !exists {
		if err := d.create(ctx); err != nil {
			return nil, err
		}
	}
	return d.section(ctx)
}

// create creates the subnet and sets its parameters (one block), then
// registers every neuron and stakes Bob (one more block).
func (d *demo) create(ctx context.Context) error {
	aliceHot := demoHotkey("Alice").Public()
	calls := []tx.Call{tx.CreateSubnet{Hotkey: aliceHot}}
	for _, p := range demoParams {
		calls = append(calls, tx.SudoSet{Netuid: demoNetuid, Param: p.Name, Value: p.Value})
	}
	calls = append(calls, tx.Transfer{To: aliceHot, Amount: demoHotkeyFunds})
	sts, err := d.send(ctx, keys.Dev("Alice"), calls...)
	if err != nil {
		return err
	}
	if v, err := attr(sts[0], chain.EventSubnetCreated, "netuid"); err != nil || v != strconv.Itoa(demoNetuid) {
		return fmt.Errorf("demonstration subnet got netuid %q (%v), want %d", v, err, demoNetuid)
	}
	// Registrations pay equal fees, so the block keeps their arrival order:
	// uids follow demoRoles.
	p := &pending{}
	for _, r := range demoRoles[1:] {
		hot := demoHotkey(r.Name).Public()
		calls := []tx.Call{tx.BurnedRegister{Netuid: demoNetuid, Hotkey: hot}, tx.Transfer{To: hot, Amount: demoHotkeyFunds}}
		if r.Role == "validator" {
			calls = append(calls, tx.AddStake{Hotkey: hot, Netuid: demoNetuid, Amount: demoStake})
		}
		if err := d.submit(ctx, p, keys.Dev(r.Name), calls...); err != nil {
			return err
		}
	}
	_, err = d.wait(ctx, p)
	return err
}

// section reads the subnet back: its tempo and each role's uid.
func (d *demo) section(ctx context.Context) (*localnetSubnet, error) {
	sn := &localnetSubnet{Netuid: demoNetuid, Owner: keys.Dev("Alice").Public().SS58(), Note: demoNote}
	mg, err := d.client.Metagraph(ctx, demoNetuid, false)
	if err != nil {
		return nil, err
	}
	sn.Tempo = uint64(mg.Tempo)
	uids := map[string]uint16{}
	for _, n := range mg.Neurons {
		uids[n.Hotkey] = n.UID
	}
	for _, r := range demoRoles {
		hk := demoHotkey(r.Name).Public().SS58()
		uid, ok := uids[hk]
		if !ok {
			return nil, fmt.Errorf("%s's hotkey %s is not in the metagraph", r.Name, hk)
		}
		sn.Neurons = append(sn.Neurons, localnetNeuron{Name: r.Name, Role: r.Role, Coldkey: keys.Dev(r.Name).Public().SS58(),
			Hotkey: hk, HotkeyURI: "//" + r.Name + "//hotkey", UID: uid})
	}
	return sn, nil
}

// validate runs the scripted validator: after every epoch of the subnet it
// sets the next row of demoScript as Bob's weights, until ctx ends.
func (d *demo) validate(ctx context.Context, sn *localnetSubnet, every time.Duration) error {
	bob := demoHotkey("Bob")
	var uids []uint16
	for _, n := range sn.Neurons {
		if n.Role == "miner" {
			uids = append(uids, n.UID)
		}
	}
	lastEpoch, lastErr := ^uint64(0), ""
	for k := 0; ; {
		info, err := d.client.SubnetInfo(ctx, sn.Netuid)
		if err == nil && info.LastEpoch != lastEpoch {
			row := demoScript[k%len(demoScript)]
			if _, err = d.send(ctx, bob, tx.SetWeights{Netuid: sn.Netuid, Uids: uids, Weights: row}); err == nil {
				fmt.Fprintf(d.out, "  validator Bob set weights %v on uids %v (%s)\n", row, uids, demoNote)
				lastEpoch = info.LastEpoch
				k++
			}
		}
		if err != nil && ctx.Err() == nil && err.Error() != lastErr {
			fmt.Fprintf(d.out, "  validator Bob: %v (retrying every block)\n", err)
			lastErr = err.Error()
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(every):
		}
	}
}
