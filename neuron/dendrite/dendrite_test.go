package dendrite_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/taorun/taorun/keys"
	"github.com/taorun/taorun/neuron/axon"
	"github.com/taorun/taorun/neuron/dendrite"
)

var validator = keys.Dev("Alice")

// echo answers "echo:" + body.
func echo(_ context.Context, req *axon.Request) ([]byte, error) {
	return append([]byte("echo:"), req.Body...), nil
}

// startAxon starts a loopback axon for hotkey serving handlers as "Echo".
func startAxon(t testing.TB, hotkey *keys.Keypair, handler axon.Handler) dendrite.Axon {
	t.Helper()
	s, err := axon.New(axon.Config{Hotkey: hotkey, Addr: "127.0.0.1:0", Handlers: map[string]axon.Handler{"Echo": handler}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		s.Shutdown(ctx)
	})
	return dendrite.Axon{Hotkey: hotkey.Public(), Addr: s.Addr()}
}

// closedPort returns a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// garbageTCP returns the address of a listener that reads each request and
// answers it with bytes that are not HTTP.
func garbageTCP(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				req, err := http.ReadRequest(bufio.NewReader(c))
				if err != nil {
					return
				}
				io.Copy(io.Discard, req.Body)
				c.Write([]byte("\x00\xffSSH-2.0-not-http\r\n\r\n"))
			}()
		}
	}()
	return ln.Addr().String()
}

// httpServer returns the address of a loopback HTTP server running h.
func httpServer(t *testing.T, h http.HandlerFunc) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

func newClient(t testing.TB, cfg dendrite.Config) *dendrite.Client {
	t.Helper()
	if cfg.Hotkey == nil {
		cfg.Hotkey = validator
	}
	c, err := dendrite.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestQueryManyPerTargetOutcomes(t *testing.T) {
	bob := keys.Dev("Bob")
	good := startAxon(t, bob, echo)
	good2 := startAxon(t, keys.Dev("Charlie"), echo)
	// A proxy in front of a real axon that rewrites the answer.
	axonURL, _ := url.Parse("http://" + startAxon(t, keys.Dev("Dave"), echo).Addr)
	proxy := httputil.NewSingleHostReverseProxy(axonURL)
	proxy.ModifyResponse = func(r *http.Response) error {
		r.Body = io.NopCloser(bytes.NewReader([]byte("forged answer")))
		r.ContentLength = -1
		r.Header.Del("Content-Length")
		return nil
	}
	tampering := httptest.NewServer(proxy)
	t.Cleanup(tampering.Close)

	targets := []struct {
		name   string
		target dendrite.Axon
		status int
		kind   error
		inErr  string
	}{
		{"axon", good, 200, nil, ""},
		{"offline", dendrite.Axon{Hotkey: bob.Public(), Addr: closedPort(t)}, 503, dendrite.ErrUnreachable, "connection refused"},
		{"raw garbage", dendrite.Axon{Hotkey: bob.Public(), Addr: garbageTCP(t)}, 422, dendrite.ErrBadResponse, "malformed HTTP"},
		{"unsigned 200", dendrite.Axon{Hotkey: bob.Public(), Addr: httpServer(t, func(w http.ResponseWriter, _ *http.Request) {
			io.WriteString(w, "<html>hello</html>")
		})}, 422, dendrite.ErrBadResponse, "claims axon hotkey"},
		{"tampered answer", dendrite.Axon{Hotkey: keys.Dev("Dave").Public(), Addr: tampering.URL}, 422, dendrite.ErrBadResponse, "does not verify"},
		{"wrong hotkey for the address", dendrite.Axon{Hotkey: keys.Dev("Eve").Public(), Addr: good.Addr}, 401, dendrite.ErrRejected, "addressed to axon hotkey"},
		{"redirect to a real axon", dendrite.Axon{Hotkey: bob.Public(), Addr: httpServer(t, func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "http://"+good.Addr+r.URL.Path, http.StatusTemporaryRedirect)
		})}, 307, dendrite.ErrRejected, "answered 307"},
		{"second axon", good2, 200, nil, ""},
		{"bad address", dendrite.Axon{Hotkey: bob.Public(), Addr: ""}, 400, dendrite.ErrInvalidQuery, "axon address"},
	}
	axons := make([]dendrite.Axon, len(targets))
	for i, tc := range targets {
		axons[i] = tc.target
	}
	resps := newClient(t, dendrite.Config{MaxConcurrent: 3}).QueryMany(context.Background(), axons, "Echo", []byte("q"), 5*time.Second)
	if len(resps) != len(targets) {
		t.Fatalf("%d responses for %d targets", len(resps), len(targets))
	}
	for i, tc := range targets {
		r := resps[i]
		if r.Target != tc.target || r.Status != tc.status || !errors.Is(r.Err, tc.kind) ||
			(tc.kind != nil && !strings.Contains(r.Err.Error(), tc.inErr)) || (tc.kind == nil && r.Err != nil) {
			t.Errorf("%s: status %d err %v, want %d %v containing %q", tc.name, r.Status, r.Err, tc.status, tc.kind, tc.inErr)
		}
		if tc.kind == nil && string(r.Body) != "echo:q" {
			t.Errorf("%s: body %q", tc.name, r.Body)
		}
		if tc.kind != nil && r.Body != nil {
			t.Errorf("%s: failed response carries a body %q", tc.name, r.Body)
		}
	}
}

func TestClientTimeout(t *testing.T) {
	// A miner that accepts the request and never answers (an axon would
	// answer 408 itself at the same deadline, racing the client's timer).
	target := dendrite.Axon{Hotkey: keys.Dev("Bob").Public(), Addr: httpServer(t, func(_ http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	})}
	r := newClient(t, dendrite.Config{}).Query(context.Background(), target, "Echo", nil, 100*time.Millisecond)
	if r.Status != dendrite.StatusTimeout || !errors.Is(r.Err, dendrite.ErrTimeout) {
		t.Fatalf("status %d err %v, want 408 ErrTimeout", r.Status, r.Err)
	}
	if r.Latency < 100*time.Millisecond {
		t.Fatalf("latency %v shorter than the timeout", r.Latency)
	}
}

func TestCallerCancel(t *testing.T) {
	started := make(chan struct{})
	target := startAxon(t, keys.Dev("Bob"), func(ctx context.Context, _ *axon.Request) ([]byte, error) {
		close(started)
		<-ctx.Done()
		return nil, ctx.Err()
	})
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-started; cancel() }()
	r := newClient(t, dendrite.Config{}).Query(ctx, target, "Echo", nil, 10*time.Second)
	if r.Status != dendrite.StatusCanceled || !errors.Is(r.Err, dendrite.ErrCanceled) {
		t.Fatalf("status %d err %v, want 499 ErrCanceled", r.Status, r.Err)
	}
}

func TestResponseSizeLimit(t *testing.T) {
	target := startAxon(t, keys.Dev("Bob"), func(context.Context, *axon.Request) ([]byte, error) {
		return make([]byte, 4096), nil
	})
	r := newClient(t, dendrite.Config{MaxResponseBytes: 1024}).Query(context.Background(), target, "Echo", nil, time.Second)
	if r.Status != dendrite.StatusBadResponse || !errors.Is(r.Err, dendrite.ErrBadResponse) || !strings.Contains(r.Err.Error(), "more than 1024 bytes") {
		t.Fatalf("status %d err %v, want 422 over the limit", r.Status, r.Err)
	}
}

func TestInvalidSynapseName(t *testing.T) {
	r := newClient(t, dendrite.Config{}).Query(context.Background(), dendrite.Axon{Addr: "127.0.0.1:1"}, "../admin", nil, time.Second)
	if !errors.Is(r.Err, dendrite.ErrInvalidQuery) || r.Status != 400 {
		t.Fatalf("status %d err %v, want 400 ErrInvalidQuery", r.Status, r.Err)
	}
}

func TestQueryManyConcurrencyBound(t *testing.T) {
	var running, peak atomic.Int32
	slow := func(context.Context, *axon.Request) ([]byte, error) {
		n := running.Add(1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		time.Sleep(20 * time.Millisecond)
		running.Add(-1)
		return nil, nil
	}
	var targets []dendrite.Axon
	for _, name := range []string{"Bob", "Charlie", "Dave", "Eve", "Ferdie", "One"} {
		targets = append(targets, startAxon(t, keys.Dev(name), slow))
	}
	for i, r := range newClient(t, dendrite.Config{MaxConcurrent: 2}).QueryMany(context.Background(), targets, "Echo", nil, 5*time.Second) {
		if r.Err != nil {
			t.Errorf("target %d: %v", i, r.Err)
		}
	}
	if p := peak.Load(); p > 2 || p < 1 {
		t.Fatalf("peak concurrency %d, want 1..2", p)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	cases := map[string]dendrite.Config{
		"Hotkey is required":           {},
		"MaxConcurrent is negative":    {Hotkey: validator, MaxConcurrent: -1},
		"MaxResponseBytes is negative": {Hotkey: validator, MaxResponseBytes: -1},
	}
	for want, cfg := range cases {
		if _, err := dendrite.New(cfg); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("New: %v, want error containing %q", err, want)
		}
	}
}

// BenchmarkQueryMany64 queries 64 loopback echo axons per op; "ns/request"
// is the per-request cost (signing, HTTP, verification on both sides)
// with the requests overlapped as QueryMany runs them.
func BenchmarkQueryMany64(b *testing.B) {
	var targets []dendrite.Axon
	for i := range 64 {
		var seed [32]byte
		copy(seed[:], fmt.Sprintf("bench-miner-%d", i))
		targets = append(targets, startAxon(b, keys.FromSeed(seed), echo))
	}
	c := newClient(b, dendrite.Config{})
	body := bytes.Repeat([]byte("x"), 256)
	b.ResetTimer()
	for b.Loop() {
		for _, r := range c.QueryMany(context.Background(), targets, "Echo", body, 10*time.Second) {
			if r.Err != nil {
				b.Fatal(r.Err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(targets)), "ns/request")
}
