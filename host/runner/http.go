package runner

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// httpBackend sends jobs to a local HTTP service. Devices are labels only:
// each gets Concurrency requests in flight.
type httpBackend struct {
	cfg    *RunnerConfig
	labels []string
	base   string // URL without a trailing "/" (and, in openai mode, without "/v1")
	client *http.Client
	shape  func(b *httpBackend, input []byte) (path string, body []byte, err error)
}

// shapes prepares a request body and path per mode.
var shapes = map[string]func(b *httpBackend, input []byte) (string, []byte, error){
	ModeJSON:   shapeJSON,
	ModeOpenAI: shapeOpenAI,
}

// openAIEndpoints maps the key that identifies an OpenAI-style request to
// its endpoint, in the order they are tried.
var openAIEndpoints = []struct{ key, path string }{
	{"messages", "/v1/chat/completions"},
	{"input", "/v1/embeddings"},
	{"prompt", "/v1/completions"},
}

// newHTTPBackend prepares the client; it does not contact the service.
func newHTTPBackend(rc *RunnerConfig, _ backendEnv) (backend, error) {
	base := strings.TrimRight(rc.URL, "/")
	if rc.Mode == ModeOpenAI {
		base = strings.TrimSuffix(base, "/v1")
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = rc.Concurrency * len(rc.deviceList())
	return &httpBackend{cfg: rc, labels: rc.deviceList(), base: base, client: &http.Client{Transport: tr}, shape: shapes[rc.Mode]}, nil
}

func (b *httpBackend) devices() []string { return b.labels }
func (b *httpBackend) maxBatch(int) int  { return 1 }
func (b *httpBackend) close()            { b.client.CloseIdleConnections() }

// shapeJSON posts the input, which must be JSON, to the URL as it is.
func shapeJSON(b *httpBackend, input []byte) (string, []byte, error) {
	if !json.Valid(input) {
		return "", nil, fmt.Errorf("input is not JSON (mode %q posts JSON documents)", ModeJSON)
	}
	return "", input, nil
}

// shapeOpenAI picks the endpoint from the input's keys and fills in model.
func shapeOpenAI(b *httpBackend, input []byte) (string, []byte, error) {
	var req map[string]json.RawMessage
	if err := json.Unmarshal(input, &req); err != nil {
		return "", nil, fmt.Errorf("input is not a JSON object (mode %q): %v", ModeOpenAI, err)
	}
	if s, ok := req["stream"]; ok && string(s) == "true" {
		return "", nil, errors.New(`"stream": true is not supported; runners return whole responses`)
	}
	path := ""
	for _, e := range openAIEndpoints {
		if _, ok := req[e.key]; ok {
			path = e.path
			break
		}
	}
	if path == "" {
		return "", nil, errors.New(`input has none of "messages" (chat), "input" (embeddings) or "prompt" (completions)`)
	}
	if _, ok := req["model"]; !ok && b.cfg.Model != "" {
		m, _ := json.Marshal(b.cfg.Model)
		req["model"] = m
		body, err := json.Marshal(req)
		return path, body, err
	}
	return path, input, nil
}

// run posts the single input and returns the response body.
func (b *httpBackend) run(ctx context.Context, _ int, inputs [][]byte) ([][]byte, []error, error) {
	path, body, err := b.shape(b, inputs[0])
	if err != nil {
		return nil, nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, b.base+path, bytes.NewReader(body))
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := b.client.Do(req)
	if err != nil {
		if c := context.Cause(ctx); c != nil {
			return nil, nil, c
		}
		return nil, nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(io.LimitReader(resp.Body, int64(b.cfg.MaxOutputBytes)+1))
	if err != nil {
		if c := context.Cause(ctx); c != nil {
			return nil, nil, c
		}
		return nil, nil, fmt.Errorf("reading response: %w", err)
	}
	if resp.StatusCode/100 != 2 {
		return nil, nil, fmt.Errorf("POST %s: HTTP %s: %s", req.URL.Path, resp.Status, truncate(bytes.TrimSpace(out), 200))
	}
	if len(out) > b.cfg.MaxOutputBytes {
		return nil, nil, fmt.Errorf("%w: response over max_output_bytes %d", ErrOutputTooLarge, b.cfg.MaxOutputBytes)
	}
	return [][]byte{out}, nil, nil
}

// truncate cuts b to n bytes for error messages.
func truncate(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}

// healthURL is what health probes GET: health_url, or /v1/models in
// openai mode; "" means a TCP connection to the host is the probe.
func (b *httpBackend) healthURL() string {
	if b.cfg.HealthURL != "" {
		return b.cfg.HealthURL
	}
	if b.cfg.Mode == ModeOpenAI {
		return b.base + "/v1/models"
	}
	return ""
}

// health probes the service once and reports it for every device label.
func (b *httpBackend) health(ctx context.Context) []DeviceHealth {
	ctx, cancel := context.WithTimeout(ctx, b.cfg.StartTimeout)
	defer cancel()
	h := DeviceHealth{State: "ready", Healthy: true, MaxBatch: 1}
	if err := b.probe(ctx); err != nil {
		h.State, h.Healthy, h.Detail = "unreachable", false, err.Error()
	}
	out := make([]DeviceHealth, len(b.labels))
	for i, l := range b.labels {
		out[i] = h
		out[i].Device = l
	}
	return out
}

// probe GETs the health URL (expecting 2xx) or dials the host.
func (b *httpBackend) probe(ctx context.Context) error {
	hu := b.healthURL()
	if hu == "" {
		u, err := url.Parse(b.base)
		if err != nil {
			return err
		}
		host := u.Host
		if u.Port() == "" {
			host = net.JoinHostPort(u.Hostname(), map[string]string{"http": "80", "https": "443"}[u.Scheme])
		}
		c, err := (&net.Dialer{Timeout: time.Until(deadlineOr(ctx))}).DialContext(ctx, "tcp", host)
		if err != nil {
			return err
		}
		return c.Close()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, hu, nil)
	if err != nil {
		return err
	}
	resp, err := b.client.Do(req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("GET %s: HTTP %s", hu, resp.Status)
	}
	return nil
}

// deadlineOr returns ctx's deadline, or a minute from now.
func deadlineOr(ctx context.Context) time.Time {
	if dl, ok := ctx.Deadline(); ok {
		return dl
	}
	return time.Now().Add(time.Minute)
}
