// Package textsolver is a reference OpenAI-compatible model server for the
// text subnet (examples/textsubnet): an http.Handler serving
// POST /v1/chat/completions, GET /v1/models and GET /health with the
// request and response shapes of vLLM, llama.cpp's llama-server and Ollama.
//
// It is not a language model. It is a deterministic, rule-based stand-in
// that answers exactly the questions the subnet's module asks, by parsing
// the last user message: integer arithmetic ("What is 3817 * 29 + 4?",
// +, -, * and parentheses, evaluated exactly) and retrieval from a passage
// of vault facts ("The blue vault's code is 4821." … "What is the code of
// the blue vault?" or "Which vault has the code 4821?"). Anything else gets
// "I don't know." It exists so tests and the localnet can run the subnet's
// whole path (module → runner in openai mode → HTTP server) without a GPU
// or model weights; a miner points the same runner at a real server.
//
// Options model miners: Delay answers late (a slow GPU), Wrong answers
// plausibly but incorrectly (a carry error in the arithmetic, a
// distractor's code or colour from the passage), a bad miner.
//
// Invariants: answers are a pure function of the user message and Wrong;
// malformed requests get HTTP 400 with an OpenAI-style JSON error body
// ({"error": {"message", "type", "param", "code"}}), never a 5xx.
package textsolver

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// DefaultModel is the model name served when Options.Model is empty.
const DefaultModel = "taorun/textsolver"

// maxBody bounds a request body.
const maxBody = 1 << 20

// Options configure a Server.
type Options struct {
	Model string        // the one model served (DefaultModel when empty)
	Delay time.Duration // added to every chat completion before it answers
	Wrong bool          // answer plausibly but incorrectly
}

// Server is the model server. It is safe for concurrent use.
type Server struct {
	opts Options
	mux  *http.ServeMux
	seq  atomic.Uint64 // completion ids
}

// New returns a server with opts.
func New(opts Options) *Server {
	if opts.Model == "" {
		opts.Model = DefaultModel
	}
	s := &Server{opts: opts, mux: http.NewServeMux()}
	s.mux.HandleFunc("/v1/chat/completions", s.chat)
	s.mux.HandleFunc("/v1/models", s.models)
	s.mux.HandleFunc("/health", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			writeError(w, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed: use GET", "", "method_not_allowed")
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "no such endpoint: "+r.URL.Path, "", "not_found")
	})
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// ChatRequest is the part of a chat-completions request the server reads.
type ChatRequest struct {
	Model       string        `json:"model"`
	Messages    []ChatMessage `json:"messages"`
	Temperature *float64      `json:"temperature"`
	MaxTokens   *int          `json:"max_tokens"`
	Stream      bool          `json:"stream"`
}

// ChatMessage is one message.
type ChatMessage struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// ChatResponse is a chat-completions response, in OpenAI's shape.
type ChatResponse struct {
	ID      string   `json:"id"`
	Object  string   `json:"object"` // "chat.completion"
	Created int64    `json:"created"`
	Model   string   `json:"model"`
	Choices []Choice `json:"choices"`
	Usage   Usage    `json:"usage"`
}

// Choice is one completion.
type Choice struct {
	Index        int         `json:"index"`
	Message      ChatMessage `json:"message"`
	FinishReason string      `json:"finish_reason"` // "stop", or "length" when max_tokens cut the answer
}

// Usage counts tokens; this server counts whitespace-separated words.
type Usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

// apiError is OpenAI's error body.
type apiError struct {
	Error struct {
		Message string  `json:"message"`
		Type    string  `json:"type"`
		Param   *string `json:"param"`
		Code    string  `json:"code"`
	} `json:"error"`
}

func (s *Server) chat(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		writeError(w, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed: use POST", "", "method_not_allowed")
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		writeError(w, http.StatusBadRequest, "reading the request body: "+err.Error(), "", "invalid_body")
		return
	}
	req, param, err := parseChat(body, s.opts.Model)
	if err != nil {
		status := http.StatusBadRequest
		if param == "model" {
			status = http.StatusNotFound
		}
		writeError(w, status, err.Error(), param, "invalid_request")
		return
	}
	if s.opts.Delay > 0 {
		select {
		case <-time.After(s.opts.Delay):
		case <-r.Context().Done():
			return // the client went away
		}
	}
	prompt := ""
	for _, m := range req.Messages {
		if m.Role == "user" {
			prompt = m.Content
		}
	}
	answer, finish := truncate(Answer(prompt, s.opts.Wrong), req.MaxTokens)
	// A fixed-width id: the module parses the whole response, so every
	// response to the same question has the same length and costs the same
	// gas, however many came before it.
	resp := ChatResponse{ID: fmt.Sprintf("chatcmpl-%012d", s.seq.Add(1)), Object: "chat.completion", Created: time.Now().Unix(),
		Model: s.opts.Model, Choices: []Choice{{Message: ChatMessage{Role: "assistant", Content: answer}, FinishReason: finish}}}
	for _, m := range req.Messages {
		resp.Usage.PromptTokens += len(strings.Fields(m.Content))
	}
	resp.Usage.CompletionTokens = len(strings.Fields(answer))
	resp.Usage.TotalTokens = resp.Usage.PromptTokens + resp.Usage.CompletionTokens
	writeJSON(w, http.StatusOK, resp)
}

// parseChat decodes and checks a chat request; on failure it also names
// the offending parameter ("model" for an unknown model, a 404 in OpenAI's
// API).
func parseChat(body []byte, model string) (ChatRequest, string, error) {
	var req ChatRequest
	if len(body) > maxBody {
		return req, "", fmt.Errorf("request body over %d bytes", maxBody)
	}
	if err := json.Unmarshal(body, &req); err != nil {
		return req, "", fmt.Errorf("request body is not a JSON chat request: %v", err)
	}
	switch {
	case req.Model != "" && req.Model != model:
		return req, "model", fmt.Errorf("the model %q does not exist; this server serves %q", req.Model, model)
	case len(req.Messages) == 0:
		return req, "messages", errors.New(`"messages" must be a non-empty list`)
	case req.Stream:
		return req, "stream", errors.New(`"stream": true is not supported by this server`)
	case req.MaxTokens != nil && *req.MaxTokens < 1:
		return req, "max_tokens", fmt.Errorf(`"max_tokens" must be at least 1, got %d`, *req.MaxTokens)
	case req.Temperature != nil && (*req.Temperature < 0 || *req.Temperature > 2):
		return req, "temperature", fmt.Errorf(`"temperature" must be in [0, 2], got %g`, *req.Temperature)
	}
	for i, m := range req.Messages {
		switch m.Role {
		case "system", "user", "assistant":
		default:
			return req, fmt.Sprintf("messages[%d].role", i), fmt.Errorf("messages[%d]: role %q: want system, user or assistant", i, m.Role)
		}
	}
	return req, "", nil
}

// truncate cuts answer to maxTokens words, returning the finish reason.
func truncate(answer string, maxTokens *int) (string, string) {
	words := strings.Fields(answer)
	if maxTokens == nil || len(words) <= *maxTokens {
		return answer, "stop"
	}
	return strings.Join(words[:*maxTokens], " "), "length"
}

func (s *Server) models(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		writeError(w, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed: use GET", "", "method_not_allowed")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"object": "list", "data": []map[string]any{
		{"id": s.opts.Model, "object": "model", "created": 0, "owned_by": "taorun"},
	}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg, param, code string) {
	var e apiError
	e.Error.Message, e.Error.Type, e.Error.Code = msg, "invalid_request_error", code
	if param != "" {
		e.Error.Param = &param
	}
	writeJSON(w, status, e)
}

var (
	arithmeticRe = regexp.MustCompile(`(?i)what is ([-+*/() 0-9]+)\?`)
	factRe       = regexp.MustCompile(`The (\w+) vault's code is (\d+)\.`)
	codeOfRe     = regexp.MustCompile(`(?i)what is the code of the (\w+) vault\?`)
	colourOfRe   = regexp.MustCompile(`(?i)which vault has the code (\d+)\?`)
)

// Unknown is the reply to a question the server cannot parse.
const Unknown = "I don't know."

// Answer replies to one user message: the value alone, as the module's
// system prompt asks, or Unknown. With wrong it replies with a plausible
// wrong value instead: the arithmetic result off by a carry (+10), the
// code or colour of the next vault in the passage.
func Answer(prompt string, wrong bool) string {
	if m := codeOfRe.FindStringSubmatch(prompt); m != nil {
		return lookup(prompt, wrong, func(colour, _ string) bool { return strings.EqualFold(colour, m[1]) }, 2)
	}
	if m := colourOfRe.FindStringSubmatch(prompt); m != nil {
		return lookup(prompt, wrong, func(_, code string) bool { return code == m[1] }, 1)
	}
	if m := arithmeticRe.FindStringSubmatch(prompt); m != nil {
		v, err := Eval(m[1])
		if err != nil {
			return Unknown
		}
		if wrong {
			v += 10
		}
		return strconv.FormatInt(v, 10)
	}
	return Unknown
}

// lookup finds the passage fact that match selects and returns its field
// (1: colour, 2: code), or the next fact's when wrong.
func lookup(prompt string, wrong bool, match func(colour, code string) bool, field int) string {
	facts := factRe.FindAllStringSubmatch(prompt, -1)
	for i, f := range facts {
		if match(f[1], f[2]) {
			if wrong {
				if len(facts) < 2 {
					return Unknown
				}
				f = facts[(i+1)%len(facts)]
			}
			return f[field]
		}
	}
	return Unknown
}

// Eval evaluates an integer expression of +, -, *, / (truncating),
// unary minus and parentheses, with the usual precedence, failing on
// overflow, division by zero and syntax errors.
func Eval(expr string) (int64, error) {
	p := &parser{s: expr}
	v, err := p.sum()
	if err == nil && p.peek() != 0 {
		err = fmt.Errorf("unexpected %q at %d", p.s[p.i:], p.i)
	}
	return v, err
}

// parser is a recursive-descent parser; spaces separate tokens.
type parser struct {
	s string
	i int
}

// peek skips spaces and returns the next byte, 0 at the end.
func (p *parser) peek() byte {
	for p.i < len(p.s) && p.s[p.i] == ' ' {
		p.i++
	}
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

func (p *parser) sum() (int64, error) {
	v, err := p.product()
	for err == nil && (p.peek() == '+' || p.peek() == '-') {
		op := p.peek()
		p.i++
		var w int64
		if w, err = p.product(); err == nil {
			if op == '-' {
				w = -w
			}
			v, err = add(v, w)
		}
	}
	return v, err
}

func (p *parser) product() (int64, error) {
	v, err := p.unary()
	for err == nil && (p.peek() == '*' || p.peek() == '/') {
		op := p.peek()
		p.i++
		var w int64
		if w, err = p.unary(); err != nil {
			break
		}
		if op == '*' {
			v, err = mul(v, w)
		} else if w == 0 {
			err = errors.New("division by zero")
		} else {
			v /= w
		}
	}
	return v, err
}

func (p *parser) unary() (int64, error) {
	switch p.peek() {
	case '-':
		p.i++
		v, err := p.unary()
		return -v, err
	case '(':
		p.i++
		v, err := p.sum()
		if err == nil && p.peek() != ')' {
			err = fmt.Errorf("missing ) at %d", p.i)
		}
		p.i++
		return v, err
	}
	p.peek()
	j := p.i
	for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
		p.i++
	}
	if j == p.i {
		return 0, fmt.Errorf("expected a number at %d", j)
	}
	return strconv.ParseInt(p.s[j:p.i], 10, 64)
}

var errOverflow = errors.New("integer overflow")

func add(a, b int64) (int64, error) {
	c := a + b
	if (c > a) != (b > 0) {
		return 0, errOverflow
	}
	return c, nil
}

func mul(a, b int64) (int64, error) {
	if a == 0 || b == 0 {
		return 0, nil
	}
	c := a * b
	if c/b != a || (a == -1 && b == -1<<63) || (b == -1 && a == -1<<63) {
		return 0, errOverflow
	}
	return c, nil
}
