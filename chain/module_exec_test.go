package chain

import (
	"bytes"
	"crypto/sha256"
	"testing"

	"github.com/taorun/taorun/chain/block"
	"github.com/taorun/taorun/chain/modules"
	"github.com/taorun/taorun/chain/tx"
	"github.com/taorun/taorun/plugins/registry/registrytest"
)

// TestModuleCalls runs each module call through real blocks (real pebble,
// no hooks, so the only writes are the tx's): a success emits its event and
// passes its check; a failure is included, pays its fee, bumps the nonce and
// changes nothing else. The modules are a WAT module assembled by wat2wasm.
func TestModuleCalls(t *testing.T) {
	wat := registrytest.WAT(t, registrytest.HooksWAT)
	id := sha256.Sum256(wat)
	upload := signed{alice, tx.UploadModule{Netuid: 1, Code: wat}}
	withModule := []signed{subnetBase[0], upload}
	scheduled := append(append([]signed{}, withModule...), signed{alice, tx.ActivateModule{Netuid: 1, ModuleID: id, AtBlock: 1000}})
	runCallCases(t, []callCase{
		{name: "upload", setup: subnetBase[:1], call: upload, event: EventModuleUploaded,
			check: func(t *testing.T, c *Chain, rc *block.Receipt) {
				code, ok, err := modules.Code(c.State(), id)
				if err != nil || !ok || !bytes.Equal(code, wat) {
					t.Fatalf("stored code: %v %v", ok, err)
				}
				a := rc.Events[0].Attrs
				if a[1].Value != hexID(id) || a[3].Value != u64str(modules.UploadFee(len(wat))) {
					t.Fatalf("event %+v: want module %s, fee %d", a, hexID(id), modules.UploadFee(len(wat)))
				}
			}},
		{name: "upload again is free", setup: withModule, call: upload, event: EventModuleUploaded,
			check: func(t *testing.T, c *Chain, rc *block.Receipt) {
				if a := rc.Events[0].Attrs; a[3].Value != "0" {
					t.Fatalf("second upload charged %s", a[3].Value)
				}
			}},
		{name: "upload by non-owner", setup: subnetBase[:1], call: signed{bob, tx.UploadModule{Netuid: 1, Code: wat}}, err: modules.ErrNotOwner},
		{name: "upload to missing subnet", call: upload, err: modules.ErrNoSubnet},
		{name: "upload of a non-module", setup: subnetBase[:1], call: signed{alice, tx.UploadModule{Netuid: 1, Code: []byte("not wasm")}},
			err: modules.ErrRejected},
		{name: "activate", setup: withModule, call: signed{alice, tx.ActivateModule{Netuid: 1, ModuleID: id, AtBlock: 1000}},
			event: EventModuleScheduled, check: func(t *testing.T, c *Chain, _ *block.Receipt) {
				rec, err := modules.GetRecord(c.State(), 1)
				if err != nil || !rec.HasPending || rec.Pending.ID != id || rec.Pending.AtBlock != 1000 || rec.HasActive {
					t.Fatalf("record %+v %v", rec, err)
				}
			}},
		{name: "activate unknown module", setup: subnetBase[:1], call: signed{alice, tx.ActivateModule{Netuid: 1, ModuleID: id, AtBlock: 1000}},
			err: modules.ErrNoModule},
		{name: "activate in the past", setup: withModule, call: signed{alice, tx.ActivateModule{Netuid: 1, ModuleID: id, AtBlock: 1}},
			err: modules.ErrNotFuture},
		{name: "activate by non-owner", setup: withModule, call: signed{bob, tx.ActivateModule{Netuid: 1, ModuleID: id, AtBlock: 1000}},
			err: modules.ErrNotOwner},
		{name: "deactivate", setup: scheduled, call: signed{alice, tx.DeactivateModule{Netuid: 1}}, event: EventModuleDeactivate,
			check: func(t *testing.T, c *Chain, _ *block.Receipt) {
				if rec, err := modules.GetRecord(c.State(), 1); err != nil || rec.HasPending || rec.HasActive {
					t.Fatalf("record %+v %v", rec, err)
				}
			}},
		{name: "deactivate with no module", setup: withModule, call: signed{alice, tx.DeactivateModule{Netuid: 1}}, err: modules.ErrInactive},
		{name: "deactivate by non-owner", setup: scheduled, call: signed{bob, tx.DeactivateModule{Netuid: 1}}, err: modules.ErrNotOwner},
		{name: "set hook gas", setup: subnetBase[:1], call: signed{alice, tx.SetHyperparameter{Netuid: 1, Param: "on_epoch_gas", Value: 7_000_000}},
			event: EventHyperparameterSet, check: func(t *testing.T, c *Chain, _ *block.Receipt) {
				g, err := modules.GetHookGas(c.State(), 1)
				want := modules.DefaultHookGas()
				want.OnEpoch = 7_000_000
				if err != nil || g != want {
					t.Fatalf("hook gas %+v %v, want %+v", g, err, want)
				}
			}},
		{name: "set hook gas above the cap", setup: subnetBase[:1],
			call: signed{alice, tx.SetHyperparameter{Netuid: 1, Param: "validate_weights_gas", Value: modules.MaxHookGas + 1}}, err: modules.ErrGasLimit},
		{name: "set hook gas to zero", setup: subnetBase[:1],
			call: signed{alice, tx.SetHyperparameter{Netuid: 1, Param: "on_register_gas", Value: 0}}, err: modules.ErrGasLimit},
		{name: "set hook gas by non-owner", setup: subnetBase[:1],
			call: signed{bob, tx.SetHyperparameter{Netuid: 1, Param: "on_epoch_gas", Value: 7_000_000}}, err: modules.ErrNotOwner},
	})
}

func u64str(v uint64) string { return attrU64("", v).Value }

// TestGoModuleUploadAndActivation uploads the Go example module
// (examples/pocsubnet/module, built for wasip1 in this run, ~3 MB: past
// tx.MaxTxBytes) through the real tx path, activates it a few blocks ahead
// under the standard hooks and checks that ModuleHook promotes it exactly at
// its block, before that block's transactions.
func TestGoModuleUploadAndActivation(t *testing.T) {
	code := registrytest.PocSubnet(t)
	id := sha256.Sum256(code)
	c := openChain(t, t.TempDir(), Options{Hooks: StandardHooks()})
	defer c.Close()
	send := func(call tx.Call) *block.Receipt {
		t.Helper()
		raw := tx.New(alice, c.GenesisHash(), nonce(t, c, alice), call, 0).Encode()
		if _, err := c.CheckTx(raw); err != nil {
			t.Fatalf("%s: CheckTx: %v", tx.Name(call.Kind()), err)
		}
		rc := produce(t, c, raw).Receipts[0]
		if rc.Status != block.StatusSuccess {
			t.Fatalf("%s: %s %s", tx.Name(call.Kind()), rc.Status, rc.Error)
		}
		return rc
	}
	send(tx.CreateSubnet{Hotkey: aliceHot.Public()})

	raw := tx.New(alice, c.GenesisHash(), nonce(t, c, alice), tx.UploadModule{Netuid: 1, Code: code}, 0).Encode()
	if len(raw) <= tx.MaxTxBytes || len(code) > tx.MaxCodeBytes {
		t.Fatalf("module of %d bytes: the test needs one past MaxTxBytes and within MaxCodeBytes", len(code))
	}
	dec, err := tx.Decode(raw)
	if err != nil || !bytes.Equal(dec.Call.(tx.UploadModule).Code, code) {
		t.Fatalf("decode a %d-byte upload: %v", len(raw), err)
	}
	send(tx.UploadModule{Netuid: 1, Code: code})
	if stored, ok, err := modules.Code(c.State(), id); err != nil || !ok || !bytes.Equal(stored, code) {
		t.Fatalf("stored module: %v %v", ok, err)
	}

	at := c.Head().Header.Height + 3
	send(tx.ActivateModule{Netuid: 1, ModuleID: id, AtBlock: at})
	for {
		res := produce(t, c)
		h := res.Block.Header.Height
		rec, err := modules.GetRecord(c.State(), 1)
		if err != nil {
			t.Fatal(err)
		}
		var activated bool
		for _, e := range res.Events {
			if e.Type == EventModuleActivated {
				activated = e.Attrs[0].Value == "1" && e.Attrs[1].Value == hexID(id)
			}
		}
		if h < at {
			if rec.HasActive || !rec.HasPending || activated {
				t.Fatalf("block %d (< %d): record %+v, activated event %v", h, at, rec, activated)
			}
			continue
		}
		// The hook wrote the promotion at block at itself, and said so.
		if !rec.HasActive || rec.Active != id || rec.ActiveSince != at || rec.HasPending || !activated {
			t.Fatalf("block %d: record %+v, activated event %v", h, rec, activated)
		}
		break
	}
	if err := CheckSupply(c.State()); err != nil {
		t.Fatal(err)
	}
}

// TestStandardHooksOrder pins ModuleHook before SubnetHook.
func TestStandardHooksOrder(t *testing.T) {
	hs := StandardHooks()
	if len(hs) < 2 || hs[0].Name() != (ModuleHook{}).Name() || hs[1].Name() != (SubnetHook{}).Name() {
		t.Fatalf("standard hooks %v: want modules then subnet", hs)
	}
}
