package axon_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/taorun/taorun/keys"
	"github.com/taorun/taorun/neuron/axon"
	"github.com/taorun/taorun/neuron/dendrite"
)

// miner is the axon's hotkey in these tests; validator the usual caller.
var (
	miner     = keys.Dev("Bob")
	validator = keys.Dev("Alice")
)

// echo answers "echo:" + body.
func echo(_ context.Context, req *axon.Request) ([]byte, error) {
	return append([]byte("echo:"), req.Body...), nil
}

// startAxon starts an axon on loopback with cfg (Hotkey and Addr filled in
// when empty) and stops it at the end of the test.
func startAxon(t testing.TB, cfg axon.Config) *axon.Server {
	t.Helper()
	if cfg.Hotkey == nil {
		cfg.Hotkey = miner
	}
	cfg.Addr = "127.0.0.1:0"
	s, err := axon.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	return s
}

// newDendrite returns a dendrite signing with kp.
func newDendrite(t testing.TB, kp *keys.Keypair) *dendrite.Client {
	t.Helper()
	c, err := dendrite.New(dendrite.Config{Hotkey: kp})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// rawRequest is a hand-built request, for the cases a dendrite never sends.
type rawRequest struct {
	headers axon.RequestHeaders
	signer  *keys.Keypair
	body    []byte // sent body (may differ from the hashed one)
}

// newRaw returns a correct request from validator to miner for body.
func newRaw(body []byte) *rawRequest {
	var n axon.NonceSource
	return &rawRequest{
		headers: axon.RequestHeaders{Synapse: "Echo", Timeout: 5 * time.Second, BodyHash: axon.BodyHash(body),
			DendriteNonce: n.Next(), DendriteUUID: axon.NewUUID(), AxonHotkey: miner.Public()},
		signer: validator,
		body:   body,
	}
}

// send signs (unless sig is preset by the caller) and posts r, returning the
// status and status message.
func (r *rawRequest) send(t *testing.T, addr, path string, presigned bool) (int, string) {
	t.Helper()
	if !presigned {
		r.headers.Sign(r.signer)
	}
	req, err := http.NewRequest(http.MethodPost, "http://"+addr+path, bytes.NewReader(r.body))
	if err != nil {
		t.Fatal(err)
	}
	r.headers.Write(req.Header)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK && string(body) != resp.Header.Get(axon.HeaderAxonStatusMessage) {
		t.Errorf("error body %q differs from status message header %q", body, resp.Header.Get(axon.HeaderAxonStatusMessage))
	}
	return resp.StatusCode, resp.Header.Get(axon.HeaderAxonStatusMessage)
}

func TestRoundTrip(t *testing.T) {
	var seen axon.Request
	s := startAxon(t, axon.Config{Handlers: map[string]axon.Handler{"Echo": func(ctx context.Context, req *axon.Request) ([]byte, error) {
		seen = *req
		return echo(ctx, req)
	}}})
	d := newDendrite(t, validator)
	resp := d.Query(context.Background(), dendrite.Axon{Hotkey: miner.Public(), Addr: s.Addr()}, "Echo", []byte("hi"), 3*time.Second)
	if resp.Err != nil || resp.Status != 200 || string(resp.Body) != "echo:hi" {
		t.Fatalf("response = %q, %d, %v", resp.Body, resp.Status, resp.Err)
	}
	if resp.Latency <= 0 {
		t.Fatalf("latency %v not measured", resp.Latency)
	}
	if seen.Caller != validator.Public() || seen.Synapse != "Echo" || string(seen.Body) != "hi" {
		t.Fatalf("handler saw %+v", seen)
	}
	// A second query from the same dendrite carries a newer nonce and passes.
	if resp := d.Query(context.Background(), dendrite.Axon{Hotkey: miner.Public(), Addr: s.Addr()}, "Echo", nil, 0); resp.Err != nil {
		t.Fatalf("second query: %v", resp.Err)
	}
}

func TestRejections(t *testing.T) {
	s := startAxon(t, axon.Config{Handlers: map[string]axon.Handler{"Echo": echo}, MaxBodyBytes: 1024})
	cases := []struct {
		name      string
		path      string
		mutate    func(r *rawRequest)
		presigned bool // mutate runs after signing
		status    int
		inMsg     string
	}{
		{name: "valid", status: 200, inMsg: "Success"},
		{name: "bad signature", presigned: true, status: 401, inMsg: "signature mismatch",
			mutate: func(r *rawRequest) {
				r.headers.Sign(keys.Dev("Charlie"))
				r.headers.DendriteHotkey = validator.Public()
			}},
		{name: "signature over other fields", presigned: true, status: 401, inMsg: "signature mismatch",
			mutate: func(r *rawRequest) { r.headers.Sign(validator); r.headers.DendriteUUID = axon.NewUUID() }},
		{name: "stale nonce", status: 401, inMsg: "nonce is too old",
			mutate: func(r *rawRequest) { r.headers.DendriteNonce = time.Now().Add(-10 * time.Second).UnixNano() }},
		{name: "nonce stale with header timeout capped", status: 401, inMsg: "nonce is too old",
			mutate: func(r *rawRequest) {
				r.headers.Timeout = 20 * time.Hour // capped to MaxTimeout (60 s) for the window
				r.headers.DendriteNonce = time.Now().Add(-2 * time.Minute).UnixNano()
			}},
		{name: "wrong axon hotkey", status: 401, inMsg: "addressed to axon hotkey",
			mutate: func(r *rawRequest) { r.headers.AxonHotkey = keys.Dev("Dave").Public() }},
		{name: "tampered body", status: 401, inMsg: "body hashes to",
			mutate: func(r *rawRequest) { r.body = []byte("evil") }},
		{name: "missing signature header", presigned: true, status: 400, inMsg: "bt_header_dendrite_uuid is missing",
			mutate: func(r *rawRequest) { r.headers.Sign(validator); r.headers.DendriteUUID = "" }},
		{name: "unknown synapse", path: "/Nope", status: 404, inMsg: `unknown synapse "Nope"; this axon serves: Echo`},
		{name: "body too large", status: 413, inMsg: "at most 1024",
			mutate: func(r *rawRequest) {
				r.body = make([]byte, 2048)
				r.headers.BodyHash = axon.BodyHash(r.body)
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := newRaw([]byte("ping"))
			if c.mutate != nil {
				c.mutate(r)
			}
			path := c.path
			if path == "" {
				path = "/Echo"
			}
			status, msg := r.send(t, s.Addr(), path, c.presigned)
			if status != c.status || !strings.Contains(msg, c.inMsg) {
				t.Fatalf("status %d %q, want %d containing %q", status, msg, c.status, c.inMsg)
			}
		})
	}
}

func TestReplayedNonceRejected(t *testing.T) {
	s := startAxon(t, axon.Config{Handlers: map[string]axon.Handler{"Echo": echo}})
	r := newRaw([]byte("once"))
	if status, msg := r.send(t, s.Addr(), "/Echo", false); status != 200 {
		t.Fatalf("first send: %d %s", status, msg)
	}
	if status, msg := r.send(t, s.Addr(), "/Echo", true); status != 401 || !strings.Contains(msg, "not newer") {
		t.Fatalf("replay: %d %q, want 401 not newer", status, msg)
	}
	r.headers.DendriteNonce-- // older nonce, same session, freshly signed
	if status, msg := r.send(t, s.Addr(), "/Echo", false); status != 401 || !strings.Contains(msg, "not newer") {
		t.Fatalf("older nonce: %d %q, want 401 not newer", status, msg)
	}
}

// roster is an in-memory metagraph.
type roster map[keys.PublicKey]axon.Member

func (r roster) Lookup(pk keys.PublicKey) (axon.Member, bool) { m, ok := r[pk]; return m, ok }

func TestBlacklist(t *testing.T) {
	meta := roster{
		validator.Public():           {UID: 0, Stake: 1000, ValidatorPermit: true},
		keys.Dev("Charlie").Public(): {UID: 1, Stake: 5, ValidatorPermit: false},
	}
	s := startAxon(t, axon.Config{Handlers: map[string]axon.Handler{"Echo": echo},
		Blacklist: axon.Policy{ForceValidatorPermit: true}.Blacklist(meta), Priority: axon.StakePriority(meta)})
	target := dendrite.Axon{Hotkey: miner.Public(), Addr: s.Addr()}
	cases := []struct {
		caller string
		status int
		inErr  string
	}{
		{"Alice", 200, ""},
		{"Charlie", 403, "no validator permit"},
		{"Eve", 403, "not registered"},
	}
	for _, c := range cases {
		resp := newDendrite(t, keys.Dev(c.caller)).Query(context.Background(), target, "Echo", []byte("x"), time.Second)
		if resp.Status != c.status || (c.inErr != "" && (!errors.Is(resp.Err, dendrite.ErrRejected) || !strings.Contains(resp.Err.Error(), c.inErr))) {
			t.Errorf("%s: status %d err %v, want %d with %q", c.caller, resp.Status, resp.Err, c.status, c.inErr)
		}
	}
}

func TestPriorityUnderSaturation(t *testing.T) {
	stakes := map[string]uint64{"Ferdie": 1 << 40, "Charlie": 10, "Dave": 30, "Eve": 20, "One": 20, "Two": 0}
	meta := roster{}
	for name, st := range stakes {
		meta[keys.Dev(name).Public()] = axon.Member{Stake: st, ValidatorPermit: true}
	}
	release := make(chan struct{})
	var mu sync.Mutex
	var order []string
	names := map[keys.PublicKey]string{}
	for name := range stakes {
		names[keys.Dev(name).Public()] = name
	}
	s := startAxon(t, axon.Config{MaxConcurrent: 1, MaxQueue: 8, Priority: axon.StakePriority(meta),
		Handlers: map[string]axon.Handler{"Work": func(ctx context.Context, req *axon.Request) ([]byte, error) {
			mu.Lock()
			order = append(order, names[req.Caller])
			mu.Unlock()
			if names[req.Caller] == "Ferdie" {
				<-release
			}
			return nil, nil
		}}})
	var releaseOnce sync.Once
	unblock := func() { releaseOnce.Do(func() { close(release) }) }
	t.Cleanup(unblock) // runs before the axon's shutdown, even if the test fails early
	target := dendrite.Axon{Hotkey: miner.Public(), Addr: s.Addr()}
	var wg sync.WaitGroup
	query := func(name string) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if resp := newDendrite(t, keys.Dev(name)).Query(context.Background(), target, "Work", nil, 30*time.Second); resp.Err != nil {
				t.Errorf("%s: %v", name, resp.Err)
			}
		}()
	}
	// Ferdie takes the only slot and blocks; the others queue one by one,
	// in a known arrival order (Eve before One: equal stake, Eve first).
	query("Ferdie")
	waitFor(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(order) == 1 })
	for i, name := range []string{"Charlie", "Two", "Eve", "Dave", "One"} {
		query(name)
		waitFor(t, func() bool { return s.Queued() == i+1 })
	}
	unblock()
	wg.Wait()
	want := []string{"Ferdie", "Dave", "Eve", "One", "Charlie", "Two"}
	if fmt.Sprint(order) != fmt.Sprint(want) {
		t.Fatalf("served %v, want %v", order, want)
	}
}

// waitFor polls cond (liveness only: fails after 10 s).
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached in 10 s")
		}
	}
}

func TestTimeoutCancelsHandler(t *testing.T) {
	cancelled := make(chan error, 1)
	s := startAxon(t, axon.Config{MaxTimeout: 200 * time.Millisecond,
		Handlers: map[string]axon.Handler{"Slow": func(ctx context.Context, _ *axon.Request) ([]byte, error) {
			<-ctx.Done()
			cancelled <- ctx.Err()
			return nil, ctx.Err()
		}}})
	// The dendrite allows 10 s; the axon caps the request at 200 ms.
	resp := newDendrite(t, validator).Query(context.Background(), dendrite.Axon{Hotkey: miner.Public(), Addr: s.Addr()}, "Slow", nil, 10*time.Second)
	if resp.Status != http.StatusRequestTimeout || !errors.Is(resp.Err, dendrite.ErrRejected) || !strings.Contains(resp.Err.Error(), "timed out") {
		t.Fatalf("status %d err %v, want 408 from the axon", resp.Status, resp.Err)
	}
	select {
	case err := <-cancelled:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("handler context ended with %v, want DeadlineExceeded", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("handler context was never cancelled")
	}
}

func TestHandlerErrorAndPanic(t *testing.T) {
	s := startAxon(t, axon.Config{Handlers: map[string]axon.Handler{
		"Fail":  func(context.Context, *axon.Request) ([]byte, error) { return nil, errors.New("model not loaded") },
		"Panic": func(context.Context, *axon.Request) ([]byte, error) { panic("boom") },
	}})
	d := newDendrite(t, validator)
	for name, want := range map[string]string{"Fail": "model not loaded", "Panic": "handler panicked: boom"} {
		resp := d.Query(context.Background(), dendrite.Axon{Hotkey: miner.Public(), Addr: s.Addr()}, name, nil, time.Second)
		if resp.Status != 500 || !strings.Contains(fmt.Sprint(resp.Err), want) {
			t.Errorf("%s: %d %v, want 500 containing %q", name, resp.Status, resp.Err, want)
		}
	}
}

func TestMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	s := startAxon(t, axon.Config{Handlers: map[string]axon.Handler{"Echo": echo}, Metrics: reg})
	d := newDendrite(t, validator)
	d.Query(context.Background(), dendrite.Axon{Hotkey: miner.Public(), Addr: s.Addr()}, "Echo", nil, time.Second)
	d.Query(context.Background(), dendrite.Axon{Hotkey: keys.Dev("Dave").Public(), Addr: s.Addr()}, "Echo", nil, time.Second)
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]float64{}
	var observed uint64
	for _, f := range families {
		for _, m := range f.GetMetric() {
			switch f.GetName() {
			case "taorun_axon_requests_total":
				labels := map[string]string{}
				for _, l := range m.GetLabel() {
					labels[l.GetName()] = l.GetValue()
				}
				counts[labels["synapse"]+"/"+labels["status"]] = m.GetCounter().GetValue()
			case "taorun_axon_request_seconds":
				observed += m.GetHistogram().GetSampleCount()
			}
		}
	}
	if counts["Echo/200"] != 1 || counts["Echo/401"] != 1 || observed != 2 {
		t.Fatalf("requests %v, latency samples %d; want one Echo/200, one Echo/401, 2 samples", counts, observed)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	cases := map[string]axon.Config{
		"Hotkey is required":        {Handlers: map[string]axon.Handler{"Echo": echo}},
		"at least one synapse":      {Hotkey: miner},
		"is not a synapse name":     {Hotkey: miner, Handlers: map[string]axon.Handler{"no/slash": echo}},
		`handler for "Echo" is nil`: {Hotkey: miner, Handlers: map[string]axon.Handler{"Echo": nil}},
		"MaxConcurrent is negative": {Hotkey: miner, Handlers: map[string]axon.Handler{"Echo": echo}, MaxConcurrent: -1},
		"MaxBodyBytes is negative":  {Hotkey: miner, Handlers: map[string]axon.Handler{"Echo": echo}, MaxBodyBytes: -1},
	}
	for want, cfg := range cases {
		if _, err := axon.New(cfg); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("New: %v, want error containing %q", err, want)
		}
	}
}

func TestSaturationOverloadAndQueueTimeout(t *testing.T) {
	release := make(chan struct{})
	var once sync.Once
	unblock := func() { once.Do(func() { close(release) }) }
	started := make(chan struct{}, 1)
	s := startAxon(t, axon.Config{MaxConcurrent: 1, MaxQueue: 1, MaxTimeout: time.Second,
		Handlers: map[string]axon.Handler{"Work": func(context.Context, *axon.Request) ([]byte, error) {
			started <- struct{}{}
			<-release // ignores its context: keeps the slot past the deadline
			return nil, nil
		}}})
	t.Cleanup(unblock)
	target := dendrite.Axon{Hotkey: miner.Public(), Addr: s.Addr()}
	results := make(chan dendrite.Response, 2)
	go func() {
		results <- newDendrite(t, keys.Dev("Ferdie")).Query(context.Background(), target, "Work", nil, 5*time.Second)
	}()
	<-started
	go func() {
		results <- newDendrite(t, keys.Dev("Charlie")).Query(context.Background(), target, "Work", nil, 5*time.Second)
	}()
	waitFor(t, func() bool { return s.Queued() == 1 })
	resp := newDendrite(t, keys.Dev("Dave")).Query(context.Background(), target, "Work", nil, 5*time.Second)
	if resp.Status != http.StatusTooManyRequests || !strings.Contains(resp.Err.Error(), "overloaded") {
		t.Fatalf("third request with a full queue: %d %v, want 429 overloaded", resp.Status, resp.Err)
	}
	msgs := map[string]bool{}
	for range 2 {
		r := <-results
		if r.Status != http.StatusRequestTimeout {
			t.Fatalf("status %d %v, want 408", r.Status, r.Err)
		}
		for _, phase := range []string{"running the handler", "waiting for a handler slot"} {
			if strings.Contains(r.Err.Error(), "timed out after 1s "+phase) {
				msgs[phase] = true
			}
		}
	}
	if !msgs["running the handler"] || !msgs["waiting for a handler slot"] {
		t.Fatalf("timeouts %v, want one while running and one while queued", msgs)
	}
}

// TestShutdownTwice checks that a second Shutdown returns at once (it used
// to wait forever for Serve's result, which the first call had taken).
func TestShutdownTwice(t *testing.T) {
	s := startAxon(t, axon.Config{Handlers: map[string]axon.Handler{"Echo": echo}})
	for i := range 2 {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := s.Shutdown(ctx)
		cancel()
		if err != nil {
			t.Fatalf("shutdown %d: %v", i+1, err)
		}
	}
}

// TestMetricsRegistrationFailure checks that a New that fails to register
// its metrics leaves the registry as it was, so a later New can use it.
func TestMetricsRegistrationFailure(t *testing.T) {
	reg := prometheus.NewRegistry()
	// The same name and help as the axon's queue gauge, which New registers
	// last (a registry keeps a name's help and labels even after Unregister).
	clash := prometheus.NewGauge(prometheus.GaugeOpts{Name: "taorun_axon_queue_length",
		Help: "Requests waiting for a handler slot."})
	reg.MustRegister(clash)
	cfg := axon.Config{Hotkey: miner, Handlers: map[string]axon.Handler{"Echo": echo}, Metrics: reg}
	if _, err := axon.New(cfg); err == nil || !strings.Contains(err.Error(), "registering metrics") {
		t.Fatalf("New with a clashing metric: %v, want a registration error", err)
	}
	reg.Unregister(clash)
	if _, err := axon.New(cfg); err != nil {
		t.Fatalf("New after the clash is gone: %v", err)
	}
}
