package chainrpc_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/taorun/taorun/keys"
	"github.com/taorun/taorun/neuron/chainrpc"
	"github.com/taorun/taorun/node/rpc/api"
	"github.com/taorun/taorun/node/rpcclient"
)

func TestParamsMapping(t *testing.T) {
	info := &api.SubnetInfo{Subnet: api.Subnet{Netuid: 3, EpochIndex: 17}}
	set := map[string]uint64{"min_allowed_weights": 8, "max_weights_limit": 455, "weights_rate_limit": 100,
		"weights_version": 1 << 40, "commit_reveal_weights_enabled": 1, "commit_reveal_period": 3, "tempo": 360}
	for name, v := range set {
		info.Hyperparameters = append(info.Hyperparameters, api.Hyperparameter{Name: name, Value: v})
	}
	p, err := chainrpc.Params(info)
	if err != nil {
		t.Fatal(err)
	}
	if p.MinAllowedWeights != 8 || p.MaxWeightLimit != 455 || p.WeightsRateLimit != 100 || p.WeightsVersionKey != 1<<40 ||
		!p.CommitReveal || p.RevealPeriodEpochs != 3 || p.Epoch != 17 {
		t.Fatalf("params %+v", p)
	}
	// A u16 parameter out of range and a missing one are errors, not
	// truncations or zeros.
	for i, h := range info.Hyperparameters {
		if h.Name == "min_allowed_weights" {
			info.Hyperparameters[i].Value = 70000
		}
		if h.Name == "commit_reveal_period" {
			info.Hyperparameters[i].Name = "renamed"
		}
	}
	_, err = chainrpc.Params(info)
	if err == nil || !strings.Contains(err.Error(), "min_allowed_weights = 70000") || !strings.Contains(err.Error(), "commit_reveal_period is missing") {
		t.Fatalf("bad params: %v", err)
	}
}

func TestNeuronsMapping(t *testing.T) {
	bob, _ := keys.FromURI("//Bob//hotkey")
	mg := &api.Metagraph{Neurons: []api.Neuron{
		{UID: 0, Hotkey: bob.Public().SS58(), Stake: "123456789012", ValidatorPermit: true, LastUpdate: 9,
			Axon: &api.Axon{IP: "10.0.0.1", Port: 8091, IPType: 4}},
		{UID: 1, Hotkey: bob.Public().Hex(), Stake: "0", Axon: &api.Axon{IP: "::1", Port: 1, IPType: 6}},
		{UID: 2, Hotkey: bob.Public().SS58(), Stake: "1"},
	}}
	ns, err := chainrpc.Neurons(mg)
	if err != nil {
		t.Fatal(err)
	}
	if n := ns[0]; n.Hotkey != bob.Public() || n.Stake != 123456789012 || !n.ValidatorPermit || n.LastUpdate != 9 || n.Axon != "10.0.0.1:8091" {
		t.Fatalf("uid 0: %+v", n)
	}
	if ns[1].Axon != "[::1]:1" || ns[2].Axon != "" {
		t.Fatalf("axons %q %q", ns[1].Axon, ns[2].Axon)
	}
	for _, bad := range []func(m *api.Metagraph){
		func(m *api.Metagraph) { m.Neurons[1].Hotkey = "5nothing" },
		func(m *api.Metagraph) { m.Neurons[1].Stake = "-1" },
		func(m *api.Metagraph) { m.Neurons[1].UID = 0 },
		func(m *api.Metagraph) { m.Neurons[0].Axon.IP = "host" },
	} {
		m := &api.Metagraph{Neurons: append([]api.Neuron(nil), mg.Neurons...)}
		ax := *mg.Neurons[0].Axon
		m.Neurons[0].Axon = &ax
		bad(m)
		if _, err := chainrpc.Neurons(m); err == nil {
			t.Fatalf("accepted %+v", m.Neurons)
		}
	}
}

func TestServeAxonCall(t *testing.T) {
	c, err := chainrpc.ServeAxonCall(2, "192.168.1.20:8091")
	if err != nil {
		t.Fatal(err)
	}
	want := [16]byte{12: 192, 13: 168, 14: 1, 15: 20}
	if c.Netuid != 2 || c.IPType != 4 || c.IP != want || c.Port != 8091 || c.Protocol != chainrpc.AxonProtocol {
		t.Fatalf("v4 call %+v", c)
	}
	if c, err = chainrpc.ServeAxonCall(2, "[::ffff:1.2.3.4]:9"); err != nil || c.IPType != 4 || c.IP != [16]byte{12: 1, 13: 2, 14: 3, 15: 4} {
		t.Fatalf("mapped v4: %+v %v", c, err)
	}
	if c, err = chainrpc.ServeAxonCall(2, "[2001:db8::1]:9"); err != nil || c.IPType != 6 || c.IP[0] != 0x20 || c.IP[15] != 1 {
		t.Fatalf("v6: %+v %v", c, err)
	}
	for _, bad := range []string{"example.com:80", "1.2.3.4", "1.2.3.4:0", "1.2.3.4:70000", ""} {
		if _, err := chainrpc.ServeAxonCall(2, bad); err == nil {
			t.Fatalf("accepted %q", bad)
		}
	}
}

func TestModuleInfoActiveAt(t *testing.T) {
	a, b := strings.Repeat("ab", 32), strings.Repeat("cd", 32)
	var mi chainrpc.ModuleInfo
	js := `{"netuid":1,"active":"0x` + a + `","pending":{"module":"0x` + b + `","at_block":100},"hook_gas":{"on_epoch":5}}`
	if err := json.Unmarshal([]byte(js), &mi); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		h    uint64
		want string
	}{{99, a}, {100, b}, {101, b}} {
		id, ok, err := mi.ActiveAt(tc.h)
		if err != nil || !ok || hex.EncodeToString(id[:]) != tc.want {
			t.Fatalf("at %d: %x %v %v, want %s", tc.h, id, ok, err, tc.want)
		}
	}
	if err := json.Unmarshal([]byte(`{"netuid":1,"active":null,"pending":{"module":"0x`+b+`","at_block":100}}`), &mi); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := mi.ActiveAt(99); ok || err != nil {
		t.Fatalf("no module before the first activation: %v %v", ok, err)
	}
	if err := json.Unmarshal([]byte(`{"netuid":1,"active":"0x12","pending":null}`), &mi); err != nil {
		t.Fatal(err)
	}
	if _, _, err := mi.ActiveAt(5); err == nil {
		t.Fatal("accepted a short module id")
	}
	for _, bad := range []string{a, "0x" + a[:62], "0x" + strings.Repeat("zz", 32)} {
		if _, err := chainrpc.ParseID(bad); err == nil {
			t.Fatalf("ParseID(%q) succeeded", bad)
		}
	}
}

// TestModuleInfoPendingAfter: the scheduled version is reported only for
// heights below its activation block, from which ActiveAt reports it.
func TestModuleInfoPendingAfter(t *testing.T) {
	a, b := strings.Repeat("ab", 32), strings.Repeat("cd", 32)
	for _, tc := range []struct {
		name    string
		js      string
		h       uint64
		want    string // "" for none
		wantAt  uint64
		wantErr bool
	}{
		{"before the block", `{"active":"0x` + a + `","pending":{"module":"0x` + b + `","at_block":100}}`, 99, b, 100, false},
		{"no module active yet", `{"active":null,"pending":{"module":"0x` + b + `","at_block":100}}`, 0, b, 100, false},
		{"at the block", `{"active":"0x` + a + `","pending":{"module":"0x` + b + `","at_block":100}}`, 100, "", 0, false},
		{"after the block", `{"active":"0x` + a + `","pending":{"module":"0x` + b + `","at_block":100}}`, 101, "", 0, false},
		{"nothing pending", `{"active":"0x` + a + `","pending":null}`, 5, "", 0, false},
		{"bad pending id", `{"active":"0x` + a + `","pending":{"module":"0x12","at_block":100}}`, 5, "", 0, true},
	} {
		var mi chainrpc.ModuleInfo
		if err := json.Unmarshal([]byte(tc.js), &mi); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		id, at, ok, err := mi.PendingAfter(tc.h)
		switch {
		case tc.wantErr:
			if err == nil || ok {
				t.Errorf("%s: %x at %d, ok %v: want an error", tc.name, id, at, ok)
			}
		case err != nil || ok != (tc.want != ""):
			t.Errorf("%s: ok %v, err %v; want pending %q", tc.name, ok, err, tc.want)
		case ok && (hex.EncodeToString(id[:]) != tc.want || at != tc.wantAt):
			t.Errorf("%s: %x at %d, want %s at %d", tc.name, id, at, tc.want, tc.wantAt)
		}
	}
}

// TestModuleCodeVerified serves tao_getModule from an HTTP JSON-RPC
// endpoint that can lie about a module's bytes: the adapter must refuse
// bytes that do not hash to the ID, and fetch good bytes only once.
func TestModuleCodeVerified(t *testing.T) {
	good := []byte("\x00asm\x01\x00\x00\x00 module bytes")
	id := sha256.Sum256(good)
	var calls atomic.Int32
	var lie atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		body, _ := io.ReadAll(r.Body)
		var req struct {
			ID     int64             `json:"id"`
			Method string            `json:"method"`
			Params []json.RawMessage `json:"params"`
		}
		if err := json.Unmarshal(body, &req); err != nil || req.Method != chainrpc.MethodGetModule || len(req.Params) != 1 {
			http.Error(w, "bad request", 400)
			return
		}
		code := good
		if lie.Load() {
			code = append([]byte("evil"), good...)
		}
		res := map[string]any{"id": "0x" + hex.EncodeToString(id[:]), "size": len(code), "code": "0x" + hex.EncodeToString(code)}
		json.NewEncoder(w).Encode(map[string]any{"jsonrpc": "2.0", "id": req.ID, "result": res})
	}))
	defer srv.Close()
	hot, _ := keys.FromURI("//Eve//hotkey")

	liar, _ := chainrpc.New(chainrpc.Config{RPC: rpcclient.New(srv.URL), Hotkey: hot})
	lie.Store(true)
	if _, err := liar.ModuleCode(context.Background(), id); err == nil || !strings.Contains(err.Error(), "not its id") {
		t.Fatalf("accepted bytes of another module: %v", err)
	}
	lie.Store(false)
	c, _ := chainrpc.New(chainrpc.Config{RPC: rpcclient.New(srv.URL), Hotkey: hot})
	before := calls.Load()
	for range 3 {
		code, err := c.ModuleCode(context.Background(), id)
		if err != nil || string(code) != string(good) {
			t.Fatalf("code %q, %v", code, err)
		}
	}
	if n := calls.Load() - before; n != 1 {
		t.Fatalf("%d tao_getModule calls for one module, want 1 (cached)", n)
	}
}

func TestNewRequires(t *testing.T) {
	hot, _ := keys.FromURI("//Eve//hotkey")
	if _, err := chainrpc.New(chainrpc.Config{Hotkey: hot}); err == nil {
		t.Fatal("no RPC accepted")
	}
	if _, err := chainrpc.New(chainrpc.Config{RPC: rpcclient.New("127.0.0.1:1")}); err == nil {
		t.Fatal("no hotkey accepted")
	}
}
