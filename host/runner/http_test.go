package runner

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// openAIServer is a real loopback HTTP server answering like an
// OpenAI-compatible server: it echoes which endpoint and model it saw.
func openAIServer(t *testing.T) *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/models", func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, `{"object":"list","data":[{"id":"tiny"}]}`)
	})
	for _, path := range []string{"/v1/chat/completions", "/v1/embeddings", "/v1/completions"} {
		mux.HandleFunc("POST "+path, func(w http.ResponseWriter, r *http.Request) {
			var req map[string]any
			if err := json.NewDecoder(r.Body).Decode(&req); err != nil || r.Header.Get("Content-Type") != "application/json" {
				http.Error(w, "bad request", http.StatusBadRequest)
				return
			}
			if req["model"] == "missing" {
				http.Error(w, `{"error":"model not found"}`, http.StatusNotFound)
				return
			}
			json.NewEncoder(w).Encode(map[string]any{"endpoint": path, "model": req["model"]})
		})
	}
	mux.HandleFunc("POST /json", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if strings.Contains(string(body), "hang") {
			<-r.Context().Done()
			return
		}
		w.Write([]byte(`{"echo":` + string(body) + `}`))
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestHTTPRunner(t *testing.T) {
	srv := openAIServer(t)
	s, _ := start(t,
		RunnerConfig{Name: "llm", Kind: KindHTTP, URL: srv.URL + "/v1", Mode: ModeOpenAI, Model: "tiny"},
		RunnerConfig{Name: "js", Kind: KindHTTP, URL: srv.URL + "/json", HealthURL: srv.URL + "/healthz", Timeout: 200 * time.Millisecond, MaxOutputBytes: 64},
	)
	tests := []struct {
		runner, in, want string
		wantErr          error
		errHas           string
	}{
		{"llm", `{"messages":[{"role":"user","content":"hi"}]}`, `{"endpoint":"/v1/chat/completions","model":"tiny"}`, nil, ""},
		{"llm", `{"input":["a","b"],"model":"other"}`, `{"endpoint":"/v1/embeddings","model":"other"}`, nil, ""},
		{"llm", `{"prompt":"once upon"}`, `{"endpoint":"/v1/completions","model":"tiny"}`, nil, ""},
		{"llm", `{"messages":[],"model":"missing"}`, "", nil, "HTTP 404 Not Found: {\"error\":\"model not found\"}"},
		{"llm", `{"messages":[],"stream":true}`, "", nil, `"stream": true is not supported`},
		{"llm", `{"query":"x"}`, "", nil, `none of "messages"`},
		{"llm", `not json`, "", nil, "not a JSON object"},
		{"js", `{"a":1}`, `{"echo":{"a":1}}`, nil, ""},
		{"js", `[1,2`, "", nil, "input is not JSON"},
		{"js", `"` + strings.Repeat("x", 80) + `"`, "", ErrOutputTooLarge, ""},
		{"js", `"hang"`, "", ErrTimeout, ""},
		{"js", `{"after":"hang"}`, "", ErrTimeout, ""},
		{"js", `{"b":2}`, `{"echo":{"b":2}}`, nil, ""},
	}
	for _, tc := range tests {
		out, err := s.Invoke(context.Background(), tc.runner, []byte(tc.in))
		switch {
		case tc.wantErr != nil:
			if !errors.Is(err, tc.wantErr) {
				t.Errorf("%s %s: error %v, want %v", tc.runner, tc.in, err, tc.wantErr)
			}
		case tc.errHas != "":
			if err == nil || !strings.Contains(err.Error(), tc.errHas) {
				t.Errorf("%s %s: error %v, want one containing %q", tc.runner, tc.in, err, tc.errHas)
			}
		default:
			if err != nil || strings.TrimSpace(string(out)) != tc.want {
				t.Errorf("%s %s: got %s, %v; want %s", tc.runner, tc.in, out, err, tc.want)
			}
		}
	}
}

// TestHTTPClose: Close ends a request in flight with ErrClosed.
func TestHTTPClose(t *testing.T) {
	srv := openAIServer(t)
	s, _ := start(t, RunnerConfig{Name: "js", Kind: KindHTTP, URL: srv.URL + "/json", Timeout: time.Minute})
	j, err := s.Submit(context.Background(), "js", []byte(`"hang"`))
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return len(s.queues["js"].jobs) == 0 })
	s.Close()
	if _, err := j.Wait(); !errors.Is(err, ErrClosed) {
		t.Errorf("request in flight at Close: error %v, want ErrClosed", err)
	}
}

func TestHTTPHealth(t *testing.T) {
	srv := openAIServer(t)
	down := httptest.NewServer(http.NotFoundHandler())
	downURL := down.URL
	down.Close()
	tests := []struct {
		rc      RunnerConfig
		healthy bool
		detail  string
	}{
		{RunnerConfig{URL: srv.URL, Mode: ModeOpenAI}, true, ""},
		{RunnerConfig{URL: srv.URL + "/json", HealthURL: srv.URL + "/healthz"}, true, ""},
		{RunnerConfig{URL: srv.URL + "/json"}, true, ""},
		{RunnerConfig{URL: srv.URL + "/json", HealthURL: srv.URL + "/nope"}, false, "HTTP 404"},
		{RunnerConfig{URL: downURL, Mode: ModeOpenAI}, false, "connection refused"},
		{RunnerConfig{URL: downURL + "/json"}, false, "connection refused"},
	}
	for _, tc := range tests {
		rc := tc.rc
		rc.Name, rc.Kind, rc.Devices = "h", KindHTTP, []string{"x", "y"}
		cfg := &Config{Runners: []RunnerConfig{rc}}
		if err := cfg.Finish(); err != nil {
			t.Fatal(err)
		}
		s, err := New(cfg, Options{})
		if err != nil {
			t.Fatal(err)
		}
		st := s.Status(context.Background())
		s.Close()
		for _, d := range st[0].Devices {
			if d.Healthy != tc.healthy || !strings.Contains(d.Detail, tc.detail) {
				t.Errorf("%+v: device %+v, want healthy=%v detail containing %q", tc.rc, d, tc.healthy, tc.detail)
			}
		}
	}
}
