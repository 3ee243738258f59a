package rpc

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/gorilla/websocket"
	"github.com/taorun/taorun/node/rpc/api"
)

// outQueue bounds the responses and notifications waiting to be written to
// one WebSocket client; a client that lets it fill up is disconnected.
const outQueue = 256

func isWebSocket(r *http.Request) bool {
	return strings.EqualFold(r.Header.Get("Upgrade"), "websocket")
}

var upgrader = websocket.Upgrader{
	ReadBufferSize:  4096,
	WriteBufferSize: 4096,
	// Like subtensor's --rpc-cors=all for local use: the node binds to
	// loopback by default, and browsers (polkadot.js-style apps) must connect.
	CheckOrigin: func(*http.Request) bool { return true },
}

func (s *Server) serveWS(w http.ResponseWriter, r *http.Request) {
	if s.conns.Add(1) > int64(s.lim.MaxConns) {
		s.conns.Add(-1)
		http.Error(w, "too many WebSocket connections", http.StatusServiceUnavailable)
		return
	}
	defer s.conns.Add(-1)
	c, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // Upgrade already answered the client
	}
	c.SetReadLimit(s.lim.MaxRequestBytes)
	ctx, cancel := context.WithCancel(r.Context())
	out := make(chan []byte, outQueue)
	st := &wsState{subs: make(map[string]func()), max: s.lim.MaxSubscriptions}
	st.send = func(msg []byte) bool {
		select {
		case out <- msg:
			return true
		case <-ctx.Done():
			return false
		default: // the client is not reading: drop it
			cancel()
			return false
		}
	}
	defer func() {
		cancel()
		st.mu.Lock()
		for _, stop := range st.subs {
			stop()
		}
		st.subs = nil
		st.mu.Unlock()
		c.Close()
	}()
	go func() { // the only writer of c
		for {
			select {
			case <-ctx.Done():
				c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
				c.Close() // unblocks the reader
				return
			case msg := <-out:
				c.SetWriteDeadline(time.Now().Add(10 * time.Second))
				if err := c.WriteMessage(websocket.TextMessage, msg); err != nil {
					cancel()
				}
			}
		}
	}()
	mctx := context.WithValue(ctx, connKey{}, st)
	for {
		_, msg, err := c.ReadMessage()
		if err != nil {
			if strings.Contains(err.Error(), "read limit") {
				// Tell the client why before closing (gorilla closes on overflow).
				c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseMessageTooBig, "request too large"), time.Now().Add(time.Second))
			}
			return
		}
		if resp := s.HandleMessage(mctx, msg); resp != nil && !st.send(resp) {
			return
		}
	}
}

// notification is a subscription message.
type notification struct {
	JSONRPC string `json:"jsonrpc"`
	Method  string `json:"method"`
	Params  struct {
		Subscription string `json:"subscription"`
		Result       any    `json:"result"`
	} `json:"params"`
}

func (s *Server) subscribeNewHeads(ctx context.Context, _ json.RawMessage) (any, error) {
	st, _ := ctx.Value(connKey{}).(*wsState)
	if st == nil {
		return nil, errorf(api.CodeInvalidRequest, "%s needs a WebSocket connection", api.MethodSubscribeNewHeads)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if len(st.subs) >= st.max {
		return nil, errorf(api.CodeLimit, "subscription limit of %d per connection reached", st.max)
	}
	var b [8]byte
	rand.Read(b[:])
	id := "0x" + hex.EncodeToString(b[:])
	heads, cancel := s.backend.SubscribeHeads(64)
	st.subs[id] = cancel
	go func() {
		for h := range heads {
			var n notification
			n.JSONRPC, n.Method = "2.0", api.NotificationNewHead
			n.Params.Subscription, n.Params.Result = id, h
			if !st.send(mustMarshal(n)) {
				cancel()
				return
			}
		}
	}()
	return id, nil
}

func (s *Server) unsubscribeNewHeads(ctx context.Context, params json.RawMessage) (any, error) {
	st, _ := ctx.Value(connKey{}).(*wsState)
	if st == nil {
		return nil, errorf(api.CodeInvalidRequest, "%s needs a WebSocket connection", api.MethodUnsubscribeHeads)
	}
	var id string
	if err := positional(params, 1, &id); err != nil {
		return nil, err
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	stop, ok := st.subs[id]
	if ok {
		stop()
		delete(st.subs, id)
	}
	return ok, nil
}
