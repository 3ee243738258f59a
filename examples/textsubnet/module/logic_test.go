package main

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/taorun/taorun/sdk-wasm/go/tao"
)

// TestCorrect checks the scoring rule on the answer texts of
// testdata/verdicts.json: text → expected verdict, per question.
func TestCorrect(t *testing.T) {
	b, err := os.ReadFile("testdata/verdicts.json")
	if err != nil {
		t.Fatal(err)
	}
	var suites []struct {
		Question   string
		Answer     string
		Numeric    bool
		Given      []string
		Vocabulary []string
		Cases      []struct {
			Text    string
			Correct bool
			Why     string
		}
	}
	if err := json.Unmarshal(b, &suites); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, s := range suites {
		q := Question{Answer: s.Answer, Numeric: s.Numeric, Given: s.Given, Vocabulary: s.Vocabulary}
		for _, c := range s.Cases {
			n++
			if got := Correct(q, c.Text); got != c.Correct {
				t.Errorf("%s\n  answer %q: correct = %v, want %v (%s; candidates %q)", s.Question, c.Text, got, c.Correct, c.Why,
					Candidates(c.Text, q.Numeric, q.Vocabulary))
			}
		}
	}
	if n < 30 {
		t.Fatalf("only %d cases read from testdata/verdicts.json", n)
	}
	q := Question{Answer: "7", Numeric: true}
	if Correct(q, "7"+strings.Repeat(" ", MaxAnswerBytes)) {
		t.Fatal("an answer over MaxAnswerBytes was accepted")
	}
}

func TestCandidates(t *testing.T) {
	tests := []struct {
		text string
		want []string
	}{
		{"1,234,567 and 1,234,567", []string{"1234567"}},
		{"x-5 and -5 and 5-3", []string{"5", "-5", "3"}},
		{"-0 or 0.000 or 000", []string{"0"}},
		{"3.14159 rounds to 3.1", []string{"3.14159", "3.1"}},
		{"end with a dot 42.", []string{"42"}},
		{"12,34", []string{"12", "34"}},
	}
	for _, tt := range tests {
		if got := Candidates(tt.text, true, nil); strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("Candidates(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
	if got := Candidates("Ünïcode BLUE grün blue", false, []string{"blue", "grün"}); strings.Join(got, "|") != "blue|grün" {
		t.Errorf("word candidates = %q", got)
	}
}

// TestQuestionsArePinned: every miner and validator must derive the same
// questions from a seed forever.
func TestQuestionsArePinned(t *testing.T) {
	qs := Task{Seed: [32]byte{1}, Count: 3}.Questions()
	want := []struct{ prompt, answer string }{
		{"What is 2432 * 53 - 48?", "128848"},
		{"Passage: The green vault's code is 7335. The indigo vault's code is 4481. The amber vault's code is 9598. The white vault's code is 7434. The silver vault's code is 6713.\n\nQuestion: What is the code of the green vault?", "7335"},
		{"Passage: The orange vault's code is 8408. The amber vault's code is 1539. The green vault's code is 5797. The blue vault's code is 5547. The white vault's code is 3995.\n\nQuestion: Which vault has the code 1539? Answer with its colour.", "amber"},
	}
	for i, w := range want {
		if !strings.HasSuffix(qs[i].Prompt, w.prompt) || qs[i].Answer != w.answer {
			t.Errorf("question %d = %q → %q, want …%q → %q", i, qs[i].Prompt, qs[i].Answer, w.prompt, w.answer)
		}
	}
}

var (
	exprRe = regexp.MustCompile(`^What is \(?(\d+) ([+*]) (\d+)\)? ([-+*]) (\d+)\?$`)
	factRe = regexp.MustCompile(`The (\w+) vault's code is (\d+)\.`)
)

// TestQuestionsProperties derives many tasks and checks what scoring
// relies on: arithmetic answers are right and never an operand; passages
// have distinct colours and codes, and the asked value is the right one;
// the expected answer itself is judged correct.
func TestQuestionsProperties(t *testing.T) {
	kinds := map[Kind]int{}
	for s := 0; s < 300; s++ {
		seed := [32]byte{byte(s), byte(s >> 8), 0x7e}
		for i, q := range (Task{Seed: seed, Count: 6}).Questions() {
			kinds[q.Kind]++
			if q.Kind != Kind(i%3) || !Correct(q, q.Answer) || !Correct(q, "The answer is "+q.Answer+".") {
				t.Fatalf("seed %d question %d (%+v): kind or own answer rejected", s, i, q)
			}
			switch q.Kind {
			case Arithmetic:
				m := exprRe.FindStringSubmatch(q.Prompt)
				if m == nil {
					t.Fatalf("arithmetic prompt %q has an unknown shape", q.Prompt)
				}
				var a, b, c int64
				fmt.Sscan(m[1]+" "+m[3]+" "+m[5], &a, &b, &c)
				var v int64
				switch {
				case strings.HasPrefix(q.Prompt, "What is ("):
					v = (a + b) * c
				case m[2] == "*" && m[4] == "+":
					v = a*b + c
				case m[2] == "*" && m[4] == "-":
					v = a*b - c
				default:
					v = a + b*c
				}
				if fmt.Sprint(v) != q.Answer {
					t.Fatalf("%q: answer %s, want %d", q.Prompt, q.Answer, v)
				}
				for _, g := range q.Given {
					if g == q.Answer {
						t.Fatalf("%q: operand %s equals the answer", q.Prompt, g)
					}
				}
			default:
				facts := factRe.FindAllStringSubmatch(q.Prompt, -1)
				colours, codes := map[string]string{}, map[string]string{}
				for _, f := range facts {
					colours[f[1]], codes[f[2]] = f[2], f[1]
				}
				if len(facts) != passageFacts || len(colours) != passageFacts || len(codes) != passageFacts {
					t.Fatalf("passage %q: want %d distinct colours and codes", q.Prompt, passageFacts)
				}
				var got string
				if q.Kind == VaultCode {
					got = colours[regexp.MustCompile(`code of the (\w+) vault`).FindStringSubmatch(q.Prompt)[1]]
				} else {
					got = codes[regexp.MustCompile(`has the code (\d+)\?`).FindStringSubmatch(q.Prompt)[1]]
				}
				if got != q.Answer {
					t.Fatalf("%q: answer %q, the passage says %q", q.Prompt, q.Answer, got)
				}
			}
		}
	}
	if kinds[Arithmetic] != 600 || kinds[VaultCode] != 600 || kinds[VaultColour] != 600 {
		t.Fatalf("kinds drawn: %v", kinds)
	}
}

func TestScoreResponse(t *testing.T) {
	qs := Task{Seed: [32]byte{3}, Count: 4}.Questions()
	answers := func(wrong ...int) []byte {
		out := make([]string, len(qs))
		for i, q := range qs {
			out[i] = q.Answer
		}
		for _, i := range wrong {
			out[i] = "no idea"
		}
		return EncodeAnswers(out)
	}
	tests := []struct {
		name string
		r    tao.Response
		want uint64
	}{
		{"all correct, instant", tao.Response{Response: answers()}, tao.ScoreOne},
		{"all correct, half the timeout", tao.Response{Response: answers(), LatencyMicros: 500_000}, 750_000_000},
		{"all correct, at the timeout", tao.Response{Response: answers(), LatencyMicros: 1_000_000}, 500_000_000},
		{"all correct, after the timeout", tao.Response{Response: answers(), LatencyMicros: 9_000_000}, 500_000_000},
		{"three of four, instant", tao.Response{Response: answers(2)}, 750_000_000},
		{"one of four, half the timeout", tao.Response{Response: answers(0, 1, 3), LatencyMicros: 500_000}, 187_500_000},
		{"none correct", tao.Response{Response: answers(0, 1, 2, 3)}, 0},
		{"failed", tao.Response{Response: answers(), Err: "timeout"}, 0},
		{"too few answers", tao.Response{Response: EncodeAnswers([]string{qs[0].Answer})}, 0},
		{"malformed", tao.Response{Response: []byte{1, 2}}, 0},
	}
	for _, tt := range tests {
		if got := ScoreResponse(qs, tt.r, 1000); got != tt.want {
			t.Errorf("%s: score %d, want %d", tt.name, got, tt.want)
		}
	}
}

func TestEncodings(t *testing.T) {
	c := Config{Questions: 7, TimeoutMillis: 1500, MaxTokens: 16}
	if got, err := ParseConfig(c.Encode()); err != nil || got != c {
		t.Fatalf("config round trip: %+v, %v", got, err)
	}
	if got, err := ParseConfig(nil); err != nil || got != DefaultConfig() {
		t.Fatalf("empty config: %+v, %v", got, err)
	}
	task := Task{Seed: [32]byte{9}, Count: 5}
	if got, err := ParseTask(task.Encode()); err != nil || got != task {
		t.Fatalf("task round trip: %+v, %v", got, err)
	}
	in := []string{"a", "", "110,697"}
	if got, err := DecodeAnswers(EncodeAnswers(in)); err != nil || strings.Join(got, "|") != strings.Join(in, "|") {
		t.Fatalf("answers round trip: %q, %v", got, err)
	}
	bad := []struct {
		name string
		err  error
		want string
	}{
		{"zero questions", second(ParseConfig(Config{TimeoutMillis: 1, MaxTokens: 1}.Encode())), "Questions 0 out of range"},
		{"zero timeout", second(ParseConfig(Config{Questions: 1, MaxTokens: 1}.Encode())), "TimeoutMillis must be positive"},
		{"zero max tokens", second(ParseConfig(Config{Questions: 1, TimeoutMillis: 1}.Encode())), "MaxTokens must be positive"},
		{"short config", second(ParseConfig([]byte{1})), "Config.Questions"},
		{"task count", second(ParseTask(Task{Count: maxQuestions + 1}.Encode())), "Count 33 out of range"},
		{"task version", second(ParseTask(append([]byte{2}, Task{Count: 1}.Encode()[1:]...))), "task version 2, want 1"},
		{"trailing answer bytes", second(DecodeAnswers(append(EncodeAnswers(in), 0))), "trailing"},
		{"answer not UTF-8", second(DecodeAnswers(EncodeAnswers([]string{"\xff"}))), "Text: string is not valid UTF-8"},
	}
	for _, b := range bad {
		if b.err == nil || !strings.Contains(b.err.Error(), b.want) {
			t.Errorf("%s: error %v, want one containing %q", b.name, b.err, b.want)
		}
	}
}

func second[T any](_ T, err error) error { return err }

func TestChatRequestAndAnswerText(t *testing.T) {
	q := Task{Seed: [32]byte{5}, Count: 1}.Questions()[0]
	b, err := json.Marshal(NewChatRequest(q, 24))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"messages":[{"role":"system","content":` + quote(SystemPrompt) + `},{"role":"user","content":` + quote(q.Prompt) + `}],"temperature":0,"max_tokens":24}`
	if string(b) != want {
		t.Fatalf("request %s\nwant    %s", b, want)
	}
	tests := []struct {
		body, text, err string
	}{
		{`{"id":"x","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"42"},"finish_reason":"stop"}]}`, "42", ""},
		{`{"choices":[]}`, "", "chat response has no choices"},
		{`not json`, "", "chat response is not JSON"},
	}
	for _, tt := range tests {
		text, err := AnswerText([]byte(tt.body))
		if text != tt.text || (err == nil) != (tt.err == "") || (err != nil && !strings.Contains(err.Error(), tt.err)) {
			t.Errorf("AnswerText(%s) = %q, %v; want %q, %q", tt.body, text, err, tt.text, tt.err)
		}
	}
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
