package textsolver

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
)

// TestAnswer replies to the prompts of testdata/answers.json, honestly and
// in wrong mode.
func TestAnswer(t *testing.T) {
	b, err := os.ReadFile("testdata/answers.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct{ Prompt, Honest, Wrong string }
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	if len(cases) < 10 {
		t.Fatalf("only %d cases", len(cases))
	}
	for _, c := range cases {
		if got := Answer(c.Prompt, false); got != c.Honest {
			t.Errorf("Answer(%q) = %q, want %q", c.Prompt, got, c.Honest)
		}
		if got := Answer(c.Prompt, true); got != c.Wrong {
			t.Errorf("wrong Answer(%q) = %q, want %q", c.Prompt, got, c.Wrong)
		}
	}
}

func TestEval(t *testing.T) {
	tests := []struct {
		expr string
		want int64
		err  string
	}{
		{"1+2*3", 7, ""},
		{"(1+2)*3", 9, ""},
		{"10-4-3", 3, ""},
		{"7/2", 3, ""},
		{"-(2*-3)", 6, ""},
		{"3037000500*3037000500", 0, "integer overflow"},
		{"-9223372036854775807-2", 0, "integer overflow"},
		{"1/(2-2)", 0, "division by zero"},
		{"2*", 0, "expected a number at 2"},
		{"(1", 0, "missing ) at 2"},
		{"1 2", 0, `unexpected "2" at 2`},
		{" ( 4 - 1 ) * 2 ", 6, ""},
	}
	for _, tt := range tests {
		v, err := Eval(tt.expr)
		if tt.err == "" && (err != nil || v != tt.want) {
			t.Errorf("Eval(%q) = %d, %v; want %d", tt.expr, v, err, tt.want)
		}
		if tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)) {
			t.Errorf("Eval(%q) error %v, want %q", tt.expr, err, tt.err)
		}
	}
}

// TestServer drives the handler over real HTTP on loopback: the response
// shapes an OpenAI client reads, and OpenAI-style errors for bad requests.
func TestServer(t *testing.T) {
	srv := httptest.NewServer(New(Options{Model: "m1"}))
	defer srv.Close()
	do := func(method, path, body string) (int, []byte) {
		t.Helper()
		req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("%s %s: Content-Type %q", method, path, ct)
		}
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, b
	}

	status, b := do("POST", "/v1/chat/completions", `{"model":"m1","temperature":0,"max_tokens":8,"messages":[`+
		`{"role":"system","content":"Reply with the answer only."},{"role":"user","content":"What is 6 * 7?"}]}`)
	var resp ChatResponse
	if err := json.Unmarshal(b, &resp); status != 200 || err != nil {
		t.Fatalf("chat: %d %s (%v)", status, b, err)
	}
	if resp.Object != "chat.completion" || resp.Model != "m1" || !strings.HasPrefix(resp.ID, "chatcmpl-") || resp.Created == 0 ||
		len(resp.Choices) != 1 || resp.Choices[0].Message != (ChatMessage{Role: "assistant", Content: "42"}) ||
		resp.Choices[0].FinishReason != "stop" || resp.Usage != (Usage{PromptTokens: 10, CompletionTokens: 1, TotalTokens: 11}) {
		t.Fatalf("chat response %s", b)
	}
	// No model: the served one. A long answer is cut at max_tokens.
	status, b = do("POST", "/v1/chat/completions", `{"max_tokens":2,"messages":[{"role":"user","content":"hello"}]}`)
	if err := json.Unmarshal(b, &resp); status != 200 || err != nil || resp.Choices[0].Message.Content != "I don't" ||
		resp.Choices[0].FinishReason != "length" || resp.Model != "m1" {
		t.Fatalf("truncated chat: %d %s", status, b)
	}

	status, b = do("GET", "/v1/models", "")
	var models struct {
		Object string
		Data   []struct{ ID, Object string }
	}
	if err := json.Unmarshal(b, &models); status != 200 || err != nil || models.Object != "list" || len(models.Data) != 1 ||
		models.Data[0].ID != "m1" || models.Data[0].Object != "model" {
		t.Fatalf("models: %d %s", status, b)
	}
	if status, b = do("GET", "/health", ""); status != 200 || !bytes.Contains(b, []byte(`"ok"`)) {
		t.Fatalf("health: %d %s", status, b)
	}

	errs := []struct {
		method, path, body string
		status             int
		param, msg         string
	}{
		{"POST", "/v1/chat/completions", `{"messages":`, 400, "", "request body is not a JSON chat request"},
		{"POST", "/v1/chat/completions", `{"messages":[]}`, 400, "messages", `"messages" must be a non-empty list`},
		{"POST", "/v1/chat/completions", `{"messages":"hi"}`, 400, "", "cannot unmarshal string"},
		{"POST", "/v1/chat/completions", `{"stream":true,"messages":[{"role":"user","content":"x"}]}`, 400, "stream", "not supported"},
		{"POST", "/v1/chat/completions", `{"max_tokens":0,"messages":[{"role":"user","content":"x"}]}`, 400, "max_tokens", "at least 1, got 0"},
		{"POST", "/v1/chat/completions", `{"temperature":3,"messages":[{"role":"user","content":"x"}]}`, 400, "temperature", "in [0, 2], got 3"},
		{"POST", "/v1/chat/completions", `{"messages":[{"role":"robot","content":"x"}]}`, 400, "messages[0].role", `role "robot"`},
		{"POST", "/v1/chat/completions", `{"model":"gpt-9","messages":[{"role":"user","content":"x"}]}`, 404, "model", `the model "gpt-9" does not exist`},
		{"POST", "/v1/chat/completions", `{"messages":[{"role":"user","content":"` + strings.Repeat("x", maxBody) + `"}]}`, 400, "", "over 1048576 bytes"},
		{"GET", "/v1/chat/completions", "", 405, "", "use POST"},
		{"POST", "/v1/models", "", 405, "", "use GET"},
		{"GET", "/v2/nothing", "", 404, "", "no such endpoint: /v2/nothing"},
	}
	for _, e := range errs {
		status, b := do(e.method, e.path, e.body)
		var ae apiError
		if err := json.Unmarshal(b, &ae); err != nil || status != e.status || !strings.Contains(ae.Error.Message, e.msg) ||
			ae.Error.Type != "invalid_request_error" || ae.Error.Code == "" || (ae.Error.Param == nil) != (e.param == "") ||
			(ae.Error.Param != nil && *ae.Error.Param != e.param) {
			t.Errorf("%s %s %.60s: %d %.300s; want %d, param %q, message containing %q", e.method, e.path, e.body, status, b, e.status, e.param, e.msg)
		}
	}
}

// TestWrongServer: the wrong mode reaches HTTP replies too.
func TestWrongServer(t *testing.T) {
	srv := httptest.NewServer(New(Options{Wrong: true}))
	defer srv.Close()
	resp, err := http.Post(srv.URL+"/v1/chat/completions", "application/json",
		strings.NewReader(`{"model":"`+DefaultModel+`","messages":[{"role":"user","content":"What is 6 * 7?"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var cr ChatResponse
	if err := json.NewDecoder(resp.Body).Decode(&cr); err != nil || cr.Choices[0].Message.Content != "52" {
		t.Fatalf("wrong server answered %+v (%v), want 52", cr, err)
	}
}
