// Package dendrite is the validator side of taorun's neuron network layer: a
// client that signs synapse requests with the validator's hotkey and sends
// them to miners' axons (package neuron/axon, whose doc describes the wire
// format and how it relates to Bittensor's), one at a time or to many in
// parallel.
//
// Invariants:
//   - Query and QueryMany never panic and never return a transport or
//     protocol failure as anything but a Response: each target gets exactly
//     one Response, in the order of the targets, whose Err is nil only for a
//     200 answer signed by the target's hotkey over this request's nonce and
//     the exact body returned.
//   - Every failure wraps one of the sentinel errors below. Status is the
//     axon's HTTP status when it answered, else, as Bittensor's dendrite
//     sets it, 408 for a timeout, 503 when it could not be reached and 422
//     for an answer that is not a well-formed, authenticated axon response
//     (Bittensor's "failed to parse response"); taorun adds 499 when the
//     caller's context was cancelled and 400 for an invalid query.
//   - The default HTTP client follows no redirects and uses no proxy, so a
//     signed request goes only to the address given.
//   - Nonces from one Client strictly increase (nanosecond timestamps), and
//     all its requests share one uuid, so an axon's per-(hotkey, uuid) nonce
//     check accepts them in the order they were made.
//   - QueryMany runs at most Config.MaxConcurrent requests at once.
//   - Latency is measured from just before the request is sent to the end
//     of reading the response (or the failure).
package dendrite

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/taorun/taorun/keys"
	"github.com/taorun/taorun/neuron/axon"
)

// Statuses set on Responses for failures without a usable HTTP status, as
// Bittensor's dendrite sets them.
const (
	StatusInvalidQuery = http.StatusBadRequest
	StatusTimeout      = http.StatusRequestTimeout
	StatusBadResponse  = http.StatusUnprocessableEntity
	StatusUnreachable  = http.StatusServiceUnavailable
	StatusCanceled     = axon.StatusClientClosed
)

// Sentinel errors; every Response.Err wraps exactly one.
var (
	// ErrInvalidQuery: the query itself is unusable (bad synapse name, address).
	ErrInvalidQuery = errors.New("invalid query")
	// ErrTimeout: no answer within the timeout.
	ErrTimeout = errors.New("axon timed out")
	// ErrUnreachable: the axon could not be connected to (offline, closed port).
	ErrUnreachable = errors.New("axon unreachable")
	// ErrBadResponse: the answer is not a well-formed, authenticated axon response.
	ErrBadResponse = errors.New("bad axon response")
	// ErrRejected: the axon answered with a non-200 status.
	ErrRejected = errors.New("axon rejected the request")
	// ErrCanceled: the caller's context was cancelled.
	ErrCanceled = errors.New("query cancelled")
)

// Defaults used when the Config leaves them zero.
const (
	DefaultMaxConcurrent    = 64
	DefaultMaxResponseBytes = 16 << 20
)

// Axon is a query target: a miner's hotkey and the address its axon serves on.
type Axon struct {
	// Hotkey is the miner's hotkey; the request is addressed and the answer
	// must be signed by it.
	Hotkey keys.PublicKey
	// Addr is "host:port" (http is assumed) or a base URL "http(s)://host:port".
	Addr string
}

// Response is the outcome of one query.
type Response struct {
	// Target is the axon queried.
	Target Axon
	// Body is the response payload (nil on failure).
	Body []byte
	// Latency is the round-trip time as the dendrite measured it.
	Latency time.Duration
	// Status is the HTTP status, or the synthetic status of the failure.
	Status int
	// Err is nil on success; otherwise it wraps one of the sentinel errors.
	Err error
}

// Config configures a Client.
type Config struct {
	// Hotkey is the validator's hotkey, which signs every request. Required.
	Hotkey *keys.Keypair
	// HTTPClient sends the requests; nil uses a pooled client without proxies.
	HTTPClient *http.Client
	// MaxConcurrent bounds QueryMany's parallelism. Default DefaultMaxConcurrent.
	MaxConcurrent int
	// MaxResponseBytes caps a response body (a bigger one is a bad response).
	// Default DefaultMaxResponseBytes.
	MaxResponseBytes int64
}

// Client is a dendrite. It is safe for concurrent use.
type Client struct {
	cfg   Config
	http  *http.Client
	uuid  string
	nonce axon.NonceSource
}

// New validates cfg and returns a Client.
func New(cfg Config) (*Client, error) {
	rules := []struct {
		bad bool
		msg string
	}{
		{cfg.Hotkey == nil, "Hotkey is required"},
		{cfg.MaxConcurrent < 0, "MaxConcurrent is negative"},
		{cfg.MaxResponseBytes < 0, "MaxResponseBytes is negative"},
	}
	for _, r := range rules {
		if r.bad {
			return nil, fmt.Errorf("dendrite: config: %s", r.msg)
		}
	}
	if cfg.MaxConcurrent == 0 {
		cfg.MaxConcurrent = DefaultMaxConcurrent
	}
	if cfg.MaxResponseBytes == 0 {
		cfg.MaxResponseBytes = DefaultMaxResponseBytes
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{CheckRedirect: noRedirects, Transport: &http.Transport{
			DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			MaxIdleConns:        4 * cfg.MaxConcurrent,
			MaxIdleConnsPerHost: 4,
			IdleConnTimeout:     90 * time.Second,
		}}
	}
	return &Client{cfg: cfg, http: hc, uuid: axon.NewUUID()}, nil
}

// noRedirects makes the HTTP client return a 3xx as it is (then ErrRejected).
func noRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// Hotkey returns the validator hotkey the client signs with.
func (c *Client) Hotkey() keys.PublicKey { return c.cfg.Hotkey.Public() }

// Query sends body as synapse to target and waits at most timeout
// (axon.DefaultTimeout when timeout <= 0) for the answer.
func (c *Client) Query(ctx context.Context, target Axon, synapse string, body []byte, timeout time.Duration) Response {
	if timeout <= 0 {
		timeout = axon.DefaultTimeout
	}
	start := time.Now()
	resp := c.query(ctx, target, synapse, body, timeout)
	resp.Target, resp.Latency = target, time.Since(start)
	return resp
}

// QueryMany queries every target in parallel (at most Config.MaxConcurrent
// at once) and returns their Responses in target order.
func (c *Client) QueryMany(ctx context.Context, targets []Axon, synapse string, body []byte, timeout time.Duration) []Response {
	out := make([]Response, len(targets))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(c.cfg.MaxConcurrent, len(targets)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				out[i] = c.Query(ctx, targets[i], synapse, body, timeout)
			}
		}()
	}
	for i := range targets {
		next <- i
	}
	close(next)
	wg.Wait()
	return out
}

// failure builds a failed Response.
func failure(status int, kind error, format string, args ...any) Response {
	return Response{Status: status, Err: fmt.Errorf("%w: %s", kind, fmt.Sprintf(format, args...))}
}

// query does the work of Query without timing.
func (c *Client) query(ctx context.Context, target Axon, synapse string, body []byte, timeout time.Duration) Response {
	if !axon.ValidSynapseName(synapse) {
		return failure(StatusInvalidQuery, ErrInvalidQuery, "synapse name %q is not [A-Za-z_][A-Za-z0-9_]*", synapse)
	}
	base := target.Addr
	if !strings.Contains(base, "://") {
		base = "http://" + base
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(base, "/")+"/"+synapse, bytes.NewReader(body))
	if err != nil || target.Addr == "" {
		return failure(StatusInvalidQuery, ErrInvalidQuery, "axon address %q is not host:port or an http(s) URL", target.Addr)
	}
	rh := axon.RequestHeaders{
		Synapse:       synapse,
		Timeout:       timeout,
		BodyHash:      axon.BodyHash(body),
		DendriteNonce: c.nonce.Next(),
		DendriteUUID:  c.uuid,
		AxonHotkey:    target.Hotkey,
	}
	rh.Sign(c.cfg.Hotkey)
	rh.Write(req.Header)
	req.Header.Set("Content-Type", "application/octet-stream")

	hr, err := c.http.Do(req)
	if err != nil {
		return transportFailure(ctx, err, target, timeout)
	}
	defer hr.Body.Close()
	data, err := io.ReadAll(io.LimitReader(hr.Body, c.cfg.MaxResponseBytes+1))
	if err != nil {
		return transportFailure(ctx, err, target, timeout)
	}
	if hr.StatusCode != http.StatusOK {
		msg := hr.Header.Get(axon.HeaderAxonStatusMessage)
		if msg == "" {
			msg = string(data[:min(len(data), 512)])
		}
		return failure(hr.StatusCode, ErrRejected, "axon %s answered %d: %s", target.Addr, hr.StatusCode, msg)
	}
	if int64(len(data)) > c.cfg.MaxResponseBytes {
		return failure(StatusBadResponse, ErrBadResponse, "axon %s answered more than %d bytes", target.Addr, c.cfg.MaxResponseBytes)
	}
	if err := c.authenticate(hr.Header, &rh, data); err != nil {
		return failure(StatusBadResponse, ErrBadResponse, "axon %s: %v", target.Addr, err)
	}
	return Response{Body: data, Status: http.StatusOK}
}

// authenticate checks that a 200 answer is signed by the hotkey addressed,
// for this request's nonce, over exactly data.
func (c *Client) authenticate(h http.Header, rh *axon.RequestHeaders, data []byte) error {
	if got := h.Get(axon.HeaderAxonHotkey); got != rh.AxonHotkey.SS58() {
		return fmt.Errorf("answer claims axon hotkey %q, want %s", got, rh.AxonHotkey)
	}
	axonNonce, err := strconv.ParseInt(h.Get(axon.HeaderAxonNonce), 10, 64)
	if err != nil {
		return fmt.Errorf("answer's %s is not a decimal nonce", axon.HeaderAxonNonce)
	}
	axonUUID, err := axon.ParseUUID(h.Get(axon.HeaderAxonUUID))
	if err != nil {
		return fmt.Errorf("answer's %s: %v", axon.HeaderAxonUUID, err)
	}
	sig, err := axon.ParseSignature(h.Get(axon.HeaderAxonSignature))
	if err != nil {
		return fmt.Errorf("answer's %s: %v", axon.HeaderAxonSignature, err)
	}
	msg := axon.ResponseMessage(axonNonce, rh.DendriteHotkey, rh.AxonHotkey, axonUUID, rh.DendriteNonce, axon.BodyHash(data))
	if !rh.AxonHotkey.Verify(msg, sig) {
		return fmt.Errorf("answer's signature does not verify for %s over %q", rh.AxonHotkey, msg)
	}
	return nil
}

// transportClasses maps a transport error to its status and sentinel, first
// match wins; an error matching none is a bad response.
var transportClasses = []struct {
	match  func(ctx context.Context, err error) bool
	status int
	kind   error
}{
	{func(ctx context.Context, err error) bool {
		return errors.Is(ctx.Err(), context.DeadlineExceeded) || isNetTimeout(err)
	},
		StatusTimeout, ErrTimeout},
	{func(ctx context.Context, err error) bool { return errors.Is(ctx.Err(), context.Canceled) }, StatusCanceled, ErrCanceled},
	{func(_ context.Context, err error) bool {
		var op *net.OpError
		return errors.As(err, &op) && op.Op == "dial"
	}, StatusUnreachable, ErrUnreachable},
}

// transportFailure classifies an error from sending or reading.
func transportFailure(ctx context.Context, err error, target Axon, timeout time.Duration) Response {
	for _, tc := range transportClasses {
		if tc.match(ctx, err) {
			return failure(tc.status, tc.kind, "axon %s (timeout %v): %v", target.Addr, timeout, err)
		}
	}
	return failure(StatusBadResponse, ErrBadResponse, "axon %s: %v", target.Addr, err)
}

// isNetTimeout reports whether err is a network timeout.
func isNetTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
