// Package rpc is taorun's JSON-RPC 2.0 server, over HTTP POST and WebSocket
// on the same address (127.0.0.1:9944 by default, like subtensor).
//
// Invariants: every request gets a JSON-RPC response or error, never a crash
// or a dropped connection, except when a WebSocket client cannot keep up with
// its own responses (then the connection is closed). Request size, batch size,
// WebSocket connections and subscriptions per connection are bounded (Limits).
// The server only reads committed state and submits txs through the Backend;
// it never touches block execution. Method names are in package api and are
// part of the public interface.
package rpc

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/taorun/taorun/chain"
	"github.com/taorun/taorun/chain/tx"
	"github.com/taorun/taorun/chain/types"
	"github.com/taorun/taorun/node/rpc/api"
)

// Backend is what the server needs from the node.
type Backend interface {
	Chain() *chain.Chain
	SubmitTx(raw []byte) (types.Hash, error)
	Pending(h types.Hash) bool
	// SubscribeHeads returns a channel of new heads (closed if the consumer
	// falls behind) and a cancel function.
	SubscribeHeads(buf int) (<-chan api.Header, func())
}

// Limits bound what one client can ask of the server.
type Limits struct {
	MaxRequestBytes  int64 // one HTTP body or WebSocket message
	MaxBatch         int   // requests in one batch
	MaxConns         int   // concurrent WebSocket connections
	MaxSubscriptions int   // subscriptions per WebSocket connection
}

// DefaultLimits fit the largest transaction (an upload_module of
// tx.MaxAnyTxBytes, about 4 MiB) in hex with 1 MiB to spare. The request
// bound is global: the body is read before the method is known, so every
// method gets the upload's allowance.
func DefaultLimits() Limits {
	return Limits{MaxRequestBytes: 2*tx.MaxAnyTxBytes + 1<<20, MaxBatch: 64, MaxConns: 256, MaxSubscriptions: 16}
}

// Error is a JSON-RPC error object; methods return it to choose the code.
type Error struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Data    any    `json:"data,omitempty"`
}

// Error implements error.
func (e *Error) Error() string { return fmt.Sprintf("rpc error %d: %s", e.Code, e.Message) }

func errorf(code int, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Method handles one JSON-RPC method. params is the raw "params" member (nil
// when absent). Returning an *Error chooses the code; other errors are
// reported as internal errors.
type Method func(ctx context.Context, params json.RawMessage) (any, error)

// Server is the JSON-RPC server. Its zero value is not usable; use NewServer.
type Server struct {
	backend Backend
	lim     Limits
	log     *slog.Logger
	methods map[string]Method
	conns   atomic.Int64
}

// NewServer returns a server with the built-in tao_* methods registered.
func NewServer(b Backend, lim Limits, log *slog.Logger) *Server {
	if log == nil {
		log = slog.Default()
	}
	s := &Server{backend: b, lim: lim, log: log, methods: make(map[string]Method)}
	s.registerBuiltins()
	s.registerSubnets()
	s.registerModules()
	return s
}

// Register adds a method (e.g. tao_subnets from the subnets work). It panics
// on a duplicate name: method names are fixed at startup.
func (s *Server) Register(name string, m Method) {
	if _, dup := s.methods[name]; dup {
		panic("rpc: method registered twice: " + name)
	}
	s.methods[name] = m
}

// request is one JSON-RPC request object.
type request struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Method  string          `json:"method"`
	Params  json.RawMessage `json:"params"`
}

// response is one JSON-RPC response object.
type response struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Result  any             `json:"result,omitempty"`
	Error   *Error          `json:"error,omitempty"`
}

var nullID = json.RawMessage("null")

// HandleMessage answers one HTTP body or WebSocket message: a request or a
// batch. It returns nil when nothing is to be sent (only notifications).
// Exported for fuzzing and for transports other than HTTP.
func (s *Server) HandleMessage(ctx context.Context, msg []byte) []byte {
	trimmed := bytes.TrimLeft(msg, " \t\r\n")
	if len(trimmed) > 0 && trimmed[0] == '[' {
		var batch []json.RawMessage
		if err := json.Unmarshal(trimmed, &batch); err != nil {
			return mustMarshal(response{JSONRPC: "2.0", ID: nullID, Error: errorf(api.CodeParseError, "parse error: %v", err)})
		}
		if len(batch) == 0 {
			return mustMarshal(response{JSONRPC: "2.0", ID: nullID, Error: errorf(api.CodeInvalidRequest, "empty batch")})
		}
		if len(batch) > s.lim.MaxBatch {
			return mustMarshal(response{JSONRPC: "2.0", ID: nullID, Error: errorf(api.CodeLimit, "batch of %d requests exceeds the limit of %d", len(batch), s.lim.MaxBatch)})
		}
		var out []response
		for _, raw := range batch {
			if r, ok := s.handleOne(ctx, raw); ok {
				out = append(out, r)
			}
		}
		if len(out) == 0 {
			return nil
		}
		return mustMarshal(out)
	}
	if r, ok := s.handleOne(ctx, trimmed); ok {
		return mustMarshal(r)
	}
	return nil
}

// handleOne answers one request; ok is false for a notification.
func (s *Server) handleOne(ctx context.Context, raw []byte) (resp response, ok bool) {
	resp = response{JSONRPC: "2.0", ID: nullID}
	var req request
	if err := json.Unmarshal(raw, &req); err != nil {
		var syn *json.SyntaxError
		if errors.As(err, &syn) || errors.Is(err, io.ErrUnexpectedEOF) || len(bytes.TrimSpace(raw)) == 0 {
			resp.Error = errorf(api.CodeParseError, "parse error: %v", err)
		} else {
			resp.Error = errorf(api.CodeInvalidRequest, "invalid request: %v", err)
		}
		return resp, true
	}
	if len(req.ID) > 0 {
		if c := req.ID[0]; c != '"' && c != '-' && (c < '0' || c > '9') && string(req.ID) != "null" {
			resp.Error = errorf(api.CodeInvalidRequest, "invalid request: id must be a string, number or null")
			return resp, true
		}
		resp.ID = req.ID
	}
	if req.JSONRPC != "2.0" {
		resp.Error = errorf(api.CodeInvalidRequest, `invalid request: "jsonrpc" must be "2.0"`)
		return resp, true
	}
	if req.Method == "" {
		resp.Error = errorf(api.CodeInvalidRequest, `invalid request: "method" is missing`)
		return resp, true
	}
	m, found := s.methods[req.Method]
	var result any
	var err error
	if !found {
		err = errorf(api.CodeMethodNotFound, "method %q not found", req.Method)
	} else {
		result, err = s.call(ctx, m, req.Params)
	}
	if len(req.ID) == 0 {
		return resp, false // notification: no response, even on error
	}
	if err != nil {
		var re *Error
		if !errors.As(err, &re) {
			s.log.Warn("rpc internal error", "method", req.Method, "err", err)
			re = errorf(api.CodeInternal, "internal error: %v", err)
		}
		resp.Error = re
		return resp, true
	}
	if result == nil {
		result = json.RawMessage("null")
	}
	resp.Result = result
	return resp, true
}

// call runs a method, turning a panic into an internal error so that one bad
// request cannot take the node down.
func (s *Server) call(ctx context.Context, m Method, params json.RawMessage) (result any, err error) {
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("rpc method panicked", "panic", p)
			err = errorf(api.CodeInternal, "internal error")
		}
	}()
	return m(ctx, params)
}

func mustMarshal(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil { // only reachable through a method returning an unmarshalable value
		b, _ = json.Marshal(response{JSONRPC: "2.0", ID: nullID, Error: errorf(api.CodeInternal, "internal error: %v", err)})
	}
	return b
}

// ServeHTTP serves JSON-RPC over POST and upgrades GET requests carrying
// "Upgrade: websocket" to a WebSocket connection.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet && isWebSocket(r) {
		s.serveWS(w, r)
		return
	}
	// Any origin may call, like subtensor's --rpc-cors=all: the node listens
	// on loopback by default and browser dapps must reach it.
	w.Header().Set("Access-Control-Allow-Origin", "*")
	if r.Method == http.MethodOptions {
		w.Header().Set("Access-Control-Allow-Methods", "POST, OPTIONS")
		w.Header().Set("Access-Control-Allow-Headers", "Content-Type")
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST, GET (WebSocket)")
		http.Error(w, "JSON-RPC: use POST, or a WebSocket", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.lim.MaxRequestBytes))
	w.Header().Set("Content-Type", "application/json")
	if err != nil {
		var mbe *http.MaxBytesError
		code, msg := api.CodeParseError, fmt.Sprintf("reading request: %v", err)
		if errors.As(err, &mbe) {
			code, msg = api.CodeLimit, fmt.Sprintf("request exceeds the %d-byte limit", s.lim.MaxRequestBytes)
			w.WriteHeader(http.StatusRequestEntityTooLarge)
		}
		w.Write(mustMarshal(response{JSONRPC: "2.0", ID: nullID, Error: &Error{Code: code, Message: msg}}))
		return
	}
	out := s.HandleMessage(r.Context(), body)
	if out == nil {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	w.Write(out)
}

// connKey carries the WebSocket connection in a method's context.
type connKey struct{}

// wsState is what subscription methods need of their connection.
type wsState struct {
	mu   sync.Mutex
	subs map[string]func()
	send func(msg []byte) bool
	max  int
}
