package axon

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/taorun/taorun/keys"
)

// Default limits used when the Config leaves them zero.
const (
	DefaultMaxBodyBytes  = 16 << 20
	DefaultMaxConcurrent = 64
	DefaultMaxTimeout    = 60 * time.Second
	DefaultMaxCallers    = 4096
	// StatusClientClosed is the status recorded in metrics when the caller
	// went away before the answer (nginx's 499); nothing is sent.
	StatusClientClosed = 499
)

// Handler answers one verified, admitted request. ctx ends at the request's
// deadline or when the caller goes away; the returned bytes are the response
// body. An error becomes a 500 whose message includes it.
type Handler func(ctx context.Context, req *Request) ([]byte, error)

// Request is a verified request as a Handler sees it.
type Request struct {
	// Synapse is the synapse name from the path.
	Synapse string
	// Caller is the dendrite hotkey whose signature verified.
	Caller keys.PublicKey
	// UUID is the caller's dendrite session id.
	UUID string
	// Nonce is the caller's nonce (a nanosecond timestamp).
	Nonce int64
	// Priority is what Config.Priority returned for the caller.
	Priority uint64
	// Deadline is when the axon stops waiting for the handler.
	Deadline time.Time
	// Body is the request payload.
	Body []byte
}

// Config configures a Server.
type Config struct {
	// Hotkey is the miner's hotkey: requests must be addressed to it and
	// responses are signed with it. Required.
	Hotkey *keys.Keypair
	// Addr is the listen address for Start, e.g. ":8091" or "127.0.0.1:0".
	Addr string
	// Handlers maps synapse names to their handlers. At least one is required.
	Handlers map[string]Handler
	// Blacklist rejects a verified caller with a reason (403). Nil admits
	// every verified caller; see Policy.Blacklist for the template's policy.
	Blacklist func(caller keys.PublicKey) (blacklisted bool, reason string)
	// Priority ranks callers when handler slots are saturated, higher first
	// (the template uses stake; see StakePriority). Nil ranks all equal, so
	// the queue is first come, first served.
	Priority func(caller keys.PublicKey) uint64
	// MaxBodyBytes caps request bodies (413). Default DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// MaxConcurrent is the number of handlers that may run at once. Default
	// DefaultMaxConcurrent.
	MaxConcurrent int
	// MaxQueue is how many requests may wait for a slot (beyond it: 429).
	// Zero means 4 × MaxConcurrent; negative means no queue.
	MaxQueue int
	// MaxTimeout caps the timeout a request may ask for; it bounds both the
	// handler deadline and the nonce freshness window. Default DefaultMaxTimeout.
	MaxTimeout time.Duration
	// MaxCallers bounds the nonce table (live dendrite sessions). Default
	// DefaultMaxCallers.
	MaxCallers int
	// Metrics, when set, receives the axon's Prometheus metrics.
	Metrics prometheus.Registerer
}

// Server is a running or runnable axon. It is an http.Handler, so it can be
// mounted on another server, or it can listen by itself with Start.
type Server struct {
	cfg     Config
	hotkey  keys.PublicKey
	uuid    string
	nonce   NonceSource
	nonces  *nonceTable
	gate    *gate
	metrics *metrics
	names   string // sorted handler names, for error messages

	mu       sync.Mutex
	httpSrv  *http.Server
	ln       net.Listener
	served   chan struct{} // closed when Serve has returned
	serveErr error         // what Serve returned; read after served is closed
}

// New validates cfg, fills defaults and returns a Server that is not yet listening.
func New(cfg Config) (*Server, error) {
	rules := []struct {
		bad bool
		msg string
	}{
		{cfg.Hotkey == nil, "Hotkey is required"},
		{len(cfg.Handlers) == 0, "Handlers must name at least one synapse"},
		{cfg.MaxBodyBytes < 0, "MaxBodyBytes is negative"},
		{cfg.MaxConcurrent < 0, "MaxConcurrent is negative"},
		{cfg.MaxTimeout < 0, "MaxTimeout is negative"},
		{cfg.MaxCallers < 0, "MaxCallers is negative"},
	}
	for _, r := range rules {
		if r.bad {
			return nil, fmt.Errorf("axon: config: %s", r.msg)
		}
	}
	names := make([]string, 0, len(cfg.Handlers))
	for name, h := range cfg.Handlers {
		if !ValidSynapseName(name) {
			return nil, fmt.Errorf("axon: config: handler name %q is not a synapse name ([A-Za-z_][A-Za-z0-9_]*)", name)
		}
		if h == nil {
			return nil, fmt.Errorf("axon: config: handler for %q is nil", name)
		}
		names = append(names, name)
	}
	slices.Sort(names)
	defaults := []struct {
		zero bool
		set  func()
	}{
		{cfg.MaxBodyBytes == 0, func() { cfg.MaxBodyBytes = DefaultMaxBodyBytes }},
		{cfg.MaxConcurrent == 0, func() { cfg.MaxConcurrent = DefaultMaxConcurrent }},
		{cfg.MaxQueue == 0, func() { cfg.MaxQueue = 4 * cfg.MaxConcurrent }},
		{cfg.MaxQueue < 0, func() { cfg.MaxQueue = 0 }},
		{cfg.MaxTimeout == 0, func() { cfg.MaxTimeout = DefaultMaxTimeout }},
		{cfg.MaxCallers == 0, func() { cfg.MaxCallers = DefaultMaxCallers }},
		{cfg.Blacklist == nil, func() { cfg.Blacklist = func(keys.PublicKey) (bool, string) { return false, "" } }},
		{cfg.Priority == nil, func() { cfg.Priority = func(keys.PublicKey) uint64 { return 0 } }},
	}
	for _, d := range defaults {
		if d.zero {
			d.set()
		}
	}
	s := &Server{
		cfg:    cfg,
		hotkey: cfg.Hotkey.Public(),
		uuid:   NewUUID(),
		nonces: newNonceTable(cfg.MaxCallers, AllowedDelta+cfg.MaxTimeout),
		gate:   newGate(cfg.MaxConcurrent, cfg.MaxQueue),
		names:  strings.Join(names, ", "),
	}
	m, err := newMetrics(cfg.Metrics, s.Queued)
	if err != nil {
		return nil, fmt.Errorf("axon: registering metrics: %w", err)
	}
	s.metrics = m
	return s, nil
}

// Hotkey returns the axon's hotkey.
func (s *Server) Hotkey() keys.PublicKey { return s.hotkey }

// Queued returns how many requests are waiting for a handler slot.
func (s *Server) Queued() int { return s.gate.queued() }

// Start listens on Config.Addr and serves in the background until Shutdown.
func (s *Server) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.httpSrv != nil {
		return errors.New("axon: already started")
	}
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("axon: listen on %q: %w", s.cfg.Addr, err)
	}
	s.ln = ln
	s.httpSrv = &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       s.cfg.MaxTimeout + 10*time.Second,
		WriteTimeout:      2*s.cfg.MaxTimeout + 10*time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
	served := make(chan struct{})
	s.served = served
	go func(srv *http.Server) {
		s.serveErr = srv.Serve(ln)
		close(served)
	}(s.httpSrv)
	return nil
}

// Addr returns the address Start listens on ("" before Start).
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln == nil {
		return ""
	}
	return s.ln.Addr().String()
}

// Shutdown stops accepting requests and waits, until ctx ends, for the ones
// in flight to finish. Calling it again is harmless.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	srv, served := s.httpSrv, s.served
	s.mu.Unlock()
	if srv == nil {
		return nil
	}
	err := srv.Shutdown(ctx)
	<-served
	if serr := s.serveErr; !errors.Is(serr, http.ErrServerClosed) {
		return fmt.Errorf("axon: serve: %w", serr)
	}
	return err
}

// outcome is the answer to one request.
type outcome struct {
	status int
	msg    string
	body   []byte
}

// fail builds an error outcome.
func fail(status int, format string, args ...any) outcome {
	return outcome{status: status, msg: fmt.Sprintf(format, args...)}
}

// ServeHTTP verifies, admits and answers one synapse request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	label := "unknown"
	var rh RequestHeaders
	out := s.handle(w, r, start, &label, &rh)
	s.metrics.observe(label, out.status, time.Since(start))
	if out.status == StatusClientClosed {
		return
	}
	h := w.Header()
	h.Set(HeaderAxonHotkey, s.hotkey.SS58())
	h.Set(HeaderAxonStatusCode, strconv.Itoa(out.status))
	h.Set(HeaderAxonStatusMessage, out.msg)
	h.Set(HeaderAxonProcessTime, strconv.FormatFloat(time.Since(start).Seconds(), 'f', -1, 64))
	if out.status != http.StatusOK {
		h.Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(out.status)
		io.WriteString(w, out.msg)
		return
	}
	bodyHash := BodyHash(out.body)
	axonNonce := s.nonce.Next()
	h.Set("Content-Type", "application/octet-stream")
	h.Set(HeaderBodyHash, bodyHash)
	h.Set(HeaderAxonNonce, strconv.FormatInt(axonNonce, 10))
	h.Set(HeaderAxonUUID, s.uuid)
	h.Set(HeaderAxonSignature, FormatSignature(s.cfg.Hotkey.Sign(
		ResponseMessage(axonNonce, rh.DendriteHotkey, s.hotkey, s.uuid, rh.DendriteNonce, bodyHash))))
	w.WriteHeader(http.StatusOK)
	w.Write(out.body)
}

// handle runs the pipeline: route, parse, verify, blacklist, nonce, queue,
// handler. It fills label (the metrics synapse label) and rh as it learns them.
func (s *Server) handle(w http.ResponseWriter, r *http.Request, start time.Time, label *string, rh *RequestHeaders) outcome {
	name := strings.TrimPrefix(r.URL.Path, "/")
	handler, ok := s.cfg.Handlers[name]
	if !ok {
		return fail(http.StatusNotFound, "unknown synapse %q; this axon serves: %s", truncate(name), s.names)
	}
	*label = name
	if r.Method != http.MethodPost {
		return fail(http.StatusMethodNotAllowed, "method %s not allowed; synapse requests are POST", r.Method)
	}
	parsed, err := ParseHeaders(r.Header)
	if err != nil {
		return fail(http.StatusBadRequest, "%v", err)
	}
	*rh = parsed
	if rh.AxonHotkey != s.hotkey {
		return fail(http.StatusUnauthorized, "request is addressed to axon hotkey %s but this axon is %s", rh.AxonHotkey, s.hotkey)
	}
	timeout := min(rh.Timeout, s.cfg.MaxTimeout)
	if err := fresh(rh.DendriteNonce, start, timeout); err != nil {
		return fail(http.StatusUnauthorized, "%v", err)
	}
	if r.ContentLength > s.cfg.MaxBodyBytes {
		return fail(http.StatusRequestEntityTooLarge, "body is %d bytes; this axon accepts at most %d", r.ContentLength, s.cfg.MaxBodyBytes)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes))
	if tooBig := (*http.MaxBytesError)(nil); errors.As(err, &tooBig) {
		return fail(http.StatusRequestEntityTooLarge, "body exceeds %d bytes, the most this axon accepts", s.cfg.MaxBodyBytes)
	} else if err != nil {
		return fail(http.StatusBadRequest, "reading body: %v", err)
	}
	if got := BodyHash(body); got != rh.BodyHash {
		return fail(http.StatusUnauthorized, "body hashes to %s but %s says %s", got, HeaderBodyHash, rh.BodyHash)
	}
	if !rh.Verify() {
		return fail(http.StatusUnauthorized, "signature mismatch: %s is not %s's signature of %q",
			FormatSignature(rh.DendriteSignature), rh.DendriteHotkey, rh.Message())
	}
	if banned, reason := s.cfg.Blacklist(rh.DendriteHotkey); banned {
		return fail(http.StatusForbidden, "blacklisted: %s", reason)
	}
	switch err := s.nonces.accept(endpoint{rh.DendriteHotkey, rh.DendriteUUID}, rh.DendriteNonce, time.Now(), timeout); {
	case errors.Is(err, errNonceTableFull):
		return fail(http.StatusTooManyRequests, "%v", err)
	case err != nil:
		return fail(http.StatusUnauthorized, "%v", err)
	}
	req := &Request{Synapse: name, Caller: rh.DendriteHotkey, UUID: rh.DendriteUUID, Nonce: rh.DendriteNonce,
		Priority: s.cfg.Priority(rh.DendriteHotkey), Deadline: start.Add(timeout), Body: body}
	ctx, cancel := context.WithDeadline(r.Context(), req.Deadline)
	defer cancel()
	if err := s.gate.acquire(ctx, req.Priority); err != nil {
		return s.ctxOutcome(ctx, err, timeout, "waiting for a handler slot")
	}
	return s.run(ctx, handler, req, timeout)
}

// handlerResult is what a handler goroutine hands back.
type handlerResult struct {
	body []byte
	err  error
}

// run calls handler on its own goroutine, which keeps the slot until the
// handler returns, and answers at the deadline if the handler has not.
func (s *Server) run(ctx context.Context, handler Handler, req *Request, timeout time.Duration) outcome {
	done := make(chan handlerResult, 1)
	go func() {
		defer s.gate.release()
		defer func() {
			if p := recover(); p != nil {
				done <- handlerResult{err: fmt.Errorf("handler panicked: %v", p)}
			}
		}()
		body, err := handler(ctx, req)
		done <- handlerResult{body, err}
	}()
	select {
	case res := <-done:
		if res.err != nil {
			if ctx.Err() != nil {
				return s.ctxOutcome(ctx, res.err, timeout, "running the handler")
			}
			return fail(http.StatusInternalServerError, "synapse %s handler failed: %v", req.Synapse, res.err)
		}
		return outcome{status: http.StatusOK, msg: "Success", body: res.body}
	case <-ctx.Done():
		return s.ctxOutcome(ctx, ctx.Err(), timeout, "running the handler")
	}
}

// ctxOutcome maps a failed wait: overload is 429, a passed deadline 408, a
// caller that went away 499 (nothing is written).
func (s *Server) ctxOutcome(ctx context.Context, err error, timeout time.Duration, phase string) outcome {
	switch {
	case errors.Is(err, errOverloaded):
		return fail(http.StatusTooManyRequests, "%v", err)
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return fail(http.StatusRequestTimeout, "timed out after %v %s", timeout, phase)
	default:
		return fail(StatusClientClosed, "caller went away while %s", phase)
	}
}

// NonceSource issues nanosecond-timestamp nonces that strictly increase
// even if the wall clock stalls or steps back. The zero value is ready.
type NonceSource struct{ last atomic.Int64 }

// Next returns max(now in ns, last+1) and records it.
func (n *NonceSource) Next() int64 {
	for {
		last, now := n.last.Load(), time.Now().UnixNano()
		next := max(now, last+1)
		if n.last.CompareAndSwap(last, next) {
			return next
		}
	}
}

// NewUUID returns a random (version 4) UUID string, the form used for
// dendrite and axon session ids.
func NewUUID() string {
	var b [16]byte
	rand.Read(b[:]) // never fails (crypto/rand panics rather than return an error)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
