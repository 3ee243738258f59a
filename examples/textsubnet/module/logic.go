package main

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/taorun/taorun/abi/wire"
	"github.com/taorun/taorun/sdk-wasm/go/tao"
)

// The module's logic, as plain functions of plain values: no host calls, so
// it is unit-tested on the host (logic_test.go). main.go wires it to the
// entry points.

// maxQuestions bounds a task's question count.
const maxQuestions = 32

// MaxAnswerBytes is the longest answer text that can be correct: a longer
// one is wrong without being read, which bounds score's work per answer.
const MaxAnswerBytes = 1024

// Config is the module's configuration (the init entry point's input).
type Config struct {
	Questions     uint32 // questions per task, 1..maxQuestions
	TimeoutMillis uint32 // how long miners get
	MaxTokens     uint32 // max_tokens of each chat request a miner sends
}

// DefaultConfig is used until init provides one.
func DefaultConfig() Config { return Config{Questions: 4, TimeoutMillis: 10_000, MaxTokens: 32} }

// Encode returns the config's encoding (package wire's grammar): u32
// Questions, TimeoutMillis, MaxTokens.
func (c Config) Encode() []byte {
	var e wire.Encoder
	e.U32(c.Questions)
	e.U32(c.TimeoutMillis)
	e.U32(c.MaxTokens)
	return e.Bytes()
}

// ParseConfig decodes a config; empty bytes mean DefaultConfig.
func ParseConfig(b []byte) (Config, error) {
	if len(b) == 0 {
		return DefaultConfig(), nil
	}
	d := wire.NewDecoder(b)
	c := Config{Questions: d.U32("Questions"), TimeoutMillis: d.U32("TimeoutMillis"), MaxTokens: d.U32("MaxTokens")}
	if err := d.Finish("Config"); err != nil {
		return Config{}, err
	}
	switch {
	case c.Questions == 0 || c.Questions > maxQuestions:
		return Config{}, fmt.Errorf("config: Questions %d out of range 1..%d", c.Questions, maxQuestions)
	case c.TimeoutMillis == 0:
		return Config{}, errors.New("config: TimeoutMillis must be positive")
	case c.MaxTokens == 0:
		return Config{}, errors.New("config: MaxTokens must be positive")
	}
	return c, nil
}

// Task is what challenge sends to miners: a seed and a question count. The
// questions are not sent but derived from the seed (Questions), the same
// way by the miner that answers them and the validator that checks them.
type Task struct {
	Seed  [32]byte
	Count uint32
}

const taskVersion = 1

// Encode returns the task's bytes: u8 version, hash Seed, u32 Count.
func (t Task) Encode() []byte {
	var e wire.Encoder
	e.U8(taskVersion)
	e.Hash(t.Seed)
	e.U32(t.Count)
	return e.Bytes()
}

// ParseTask decodes a task and checks its question count.
func ParseTask(b []byte) (Task, error) {
	d := wire.NewDecoder(b)
	if v := d.U8("Version"); d.Err() == nil && v != taskVersion {
		d.Fail("Version", fmt.Sprintf("task version %d, want %d", v, taskVersion))
	}
	t := Task{Seed: d.Hash("Seed"), Count: d.U32("Count")}
	if err := d.Finish("Task"); err != nil {
		return Task{}, err
	}
	if t.Count == 0 || t.Count > maxQuestions {
		return Task{}, fmt.Errorf("task: Count %d out of range 1..%d", t.Count, maxQuestions)
	}
	return t, nil
}

// Kind is a kind of question.
type Kind uint8

// Question kinds; question i of a task has kind i mod 3, so every task of
// three or more questions has each kind.
const (
	Arithmetic  Kind = iota // "What is 3817 * 29 + 4?": an integer
	VaultCode               // a passage of vault codes, "What is the code of the blue vault?": a number
	VaultColour             // the same passage, "Which vault has the code 4821?": a colour
	numKinds
)

// Question is one derived question and what checking its answers needs.
type Question struct {
	Kind   Kind
	Prompt string // the user message sent to the model
	Answer string // the expected value, in canonical form (see Candidates)
	// Numeric: the answer is a number, and every number in an answer text
	// is a candidate; otherwise the candidates are the words of Vocabulary.
	Numeric    bool
	Vocabulary []string
	// Given are numbers of the question itself that an answer may repeat
	// without naming them as its answer (an arithmetic question's operands,
	// as in "3817 * 29 + 4 = 110697"). Never equal to Answer.
	Given []string
}

// SystemPrompt is the system message of every chat request.
const SystemPrompt = "You answer questions exactly. Reply with the answer only: one number or one word, no working, no explanation."

// Colours are the vault colours of retrieval passages: single words that
// are no other word's prefix or spelling variant.
var Colours = []string{"amber", "black", "blue", "crimson", "green", "indigo", "orange", "silver", "violet", "white"}

// passageFacts is how many vaults a retrieval passage describes: one is
// asked about, the others are distractors.
const passageFacts = 5

// drbg draws deterministic numbers from a seed: block i is
// sha256(seed ‖ u64 i), read as four u64s. Modulo bias is below 2^-40 for
// the small ranges used here, far below anything a miner could exploit.
type drbg struct {
	seed    [32]byte
	counter uint64
	buf     [4]uint64
	left    int
}

func (r *drbg) next() uint64 {
	if r.left == 0 {
		var in [40]byte
		copy(in[:], r.seed[:])
		binary.LittleEndian.PutUint64(in[32:], r.counter)
		r.counter++
		sum := sha256.Sum256(in[:])
		for i := range r.buf {
			r.buf[i] = binary.LittleEndian.Uint64(sum[8*i:])
		}
		r.left = len(r.buf)
	}
	r.left--
	return r.buf[r.left]
}

// between returns a value in [lo, hi].
func (r *drbg) between(lo, hi int64) int64 { return lo + int64(r.next()%uint64(hi-lo+1)) }

// Questions derives the task's questions from its seed.
func (t Task) Questions() []Question {
	r := &drbg{seed: t.Seed}
	qs := make([]Question, t.Count)
	for i := range qs {
		switch Kind(i % int(numKinds)) {
		case Arithmetic:
			qs[i] = arithmetic(r)
		case VaultCode, VaultColour:
			qs[i] = retrieval(r, Kind(i%int(numKinds)))
		}
	}
	return qs
}

// arithmetic draws one of four expression shapes. The operand ranges keep
// the answer positive and larger than every operand (a ≥ 100, b ≥ 2, and c
// either added or below a·b − a), so an operand is never the answer.
func arithmetic(r *drbg) Question {
	a, b := r.between(100, 9999), r.between(2, 99)
	var c, v int64
	var format string
	switch r.next() % 4 {
	case 0:
		c = r.between(1, 999)
		format, v = "%d * %d + %d", a*b+c
	case 1:
		c = r.between(1, 99)
		format, v = "%d * %d - %d", a*b-c
	case 2:
		c = r.between(2, 99)
		format, v = "%d + %d * %d", a+b*c
	default:
		c = r.between(2, 99)
		format, v = "(%d + %d) * %d", (a+b)*c
	}
	return Question{Kind: Arithmetic, Prompt: "What is " + fmt.Sprintf(format, a, b, c) + "?", Answer: strconv.FormatInt(v, 10),
		Numeric: true, Given: []string{strconv.FormatInt(a, 10), strconv.FormatInt(b, 10), strconv.FormatInt(c, 10)}}
}

// retrieval draws a passage of passageFacts vaults with distinct colours
// and distinct four-digit codes, and asks for one vault's code (VaultCode)
// or the colour of the vault with one code (VaultColour).
func retrieval(r *drbg, kind Kind) Question {
	colours := append([]string(nil), Colours...)
	codes := make([]int64, passageFacts)
	var facts []string
	for i := range codes {
		j := i + int(r.next()%uint64(len(colours)-i)) // partial Fisher–Yates
		colours[i], colours[j] = colours[j], colours[i]
	again:
		codes[i] = r.between(1000, 9999)
		for _, prev := range codes[:i] {
			if prev == codes[i] {
				goto again
			}
		}
		facts = append(facts, fmt.Sprintf("The %s vault's code is %d.", colours[i], codes[i]))
	}
	k := int(r.next() % passageFacts)
	passage := "Read the passage, then answer the question.\n\nPassage: " + strings.Join(facts, " ") + "\n\nQuestion: "
	if kind == VaultCode {
		return Question{Kind: kind, Prompt: passage + fmt.Sprintf("What is the code of the %s vault?", colours[k]),
			Answer: strconv.FormatInt(codes[k], 10), Numeric: true}
	}
	return Question{Kind: kind, Prompt: passage + fmt.Sprintf("Which vault has the code %d? Answer with its colour.", codes[k]),
		Answer: colours[k], Vocabulary: Colours}
}

// Candidates returns the distinct values an answer text names, in order of
// first appearance, for a question whose answers are numbers (numeric) or
// words of vocabulary. The text is normalised first: case is folded, and
// a number is an optional minus sign (not after a letter or digit), digits
// with optional thousands separators ("110,697": a comma followed by
// exactly three digits) and an optional decimal part; numbers are written
// canonically without leading zeros or separators, and a decimal part of
// zeros only is dropped ("42.0" is 42). Words are maximal runs of letters.
func Candidates(text string, numeric bool, vocabulary []string) []string {
	var out []string
	add := func(v string) {
		for _, o := range out {
			if o == v {
				return
			}
		}
		out = append(out, v)
	}
	s := strings.ToLower(text)
	for i := 0; i < len(s); {
		c, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case isDigit(c) || (c == '-' && i+1 < len(s) && isDigit(rune(s[i+1])) && !alnumBefore(s, i)):
			v, n := number(s[i:])
			if numeric {
				add(v)
			}
			i += n
		case unicode.IsLetter(c):
			j := i
			for j < len(s) {
				r, sz := utf8.DecodeRuneInString(s[j:])
				if !unicode.IsLetter(r) {
					break
				}
				j += sz
			}
			if !numeric {
				for _, w := range vocabulary {
					if s[i:j] == w {
						add(w)
					}
				}
			}
			i = j
		default:
			i += size
		}
	}
	return out
}

func isDigit(c rune) bool { return c >= '0' && c <= '9' }

// alnumBefore reports whether the character before s[i] is a letter or
// digit, which makes a '-' at i a minus operator rather than a sign.
func alnumBefore(s string, i int) bool {
	if i == 0 {
		return false
	}
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

// number reads the number at the start of s (see Candidates) and returns
// its canonical form and length in bytes.
func number(s string) (string, int) {
	i := 0
	neg := s[0] == '-'
	if neg {
		i++
	}
	var digits []byte
	for i < len(s) {
		switch {
		case isDigit(rune(s[i])):
			digits = append(digits, s[i])
			i++
			continue
		case s[i] == ',' && len(digits) > 0 && i+4 <= len(s) && allDigits(s[i+1:i+4]) && (i+4 == len(s) || !isDigit(rune(s[i+4]))):
			i++ // a thousands separator: the three digits follow
			continue
		}
		break
	}
	frac := ""
	if i+1 < len(s) && s[i] == '.' && isDigit(rune(s[i+1])) {
		j := i + 1
		for j < len(s) && isDigit(rune(s[j])) {
			j++
		}
		frac = strings.TrimRight(s[i+1:j], "0")
		i = j
	}
	v := strings.TrimLeft(string(digits), "0")
	if v == "" {
		v = "0"
	}
	if frac != "" {
		v += "." + frac
	}
	if neg && v != "0" {
		v = "-" + v
	}
	return v, i
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(rune(s[i])) {
			return false
		}
	}
	return len(s) > 0
}

// Correct is the scoring rule for one answer: the answer names the
// expected value and nothing else. Its candidates (Candidates), minus the
// question's Given numbers, must be exactly {q.Answer}: an answer naming no
// value, a wrong value, or several values ("4821 or 7710", a list of every
// code in the passage) is wrong, so hedging never scores by luck. Answers
// longer than MaxAnswerBytes are wrong.
func Correct(q Question, text string) bool {
	if len(text) > MaxAnswerBytes {
		return false
	}
	found := false
	for _, c := range Candidates(text, q.Numeric, q.Vocabulary) {
		switch {
		case c == q.Answer:
			found = true
		case contains(q.Given, c):
		default:
			return false
		}
	}
	return found
}

func contains(l []string, v string) bool {
	for _, x := range l {
		if x == v {
			return true
		}
	}
	return false
}

// EncodeAnswers returns a response's bytes: u32 count, then each answer
// text as a wire string.
func EncodeAnswers(answers []string) []byte {
	var e wire.Encoder
	e.Count(len(answers))
	for _, a := range answers {
		e.String(a)
	}
	return e.Bytes()
}

// DecodeAnswers decodes a response.
func DecodeAnswers(b []byte) ([]string, error) {
	d := wire.NewDecoder(b)
	n := d.Count("Answers", 4)
	out := make([]string, 0, n)
	for i := 0; i < n; i++ {
		d.WithinIndex("Answers", i)
		out = append(out, d.String("Text"))
	}
	if err := d.Finish("Answers"); err != nil {
		return nil, err
	}
	return out, nil
}

// ScoreResponse scores one miner's response: 0 for a failure, a malformed
// response or one with the wrong number of answers; otherwise the fraction
// of correct answers times a latency factor, which is 1/2 plus up to 1/2
// more the faster the response came, linearly down to nothing at the
// timeout. Integers only.
func ScoreResponse(qs []Question, r tao.Response, timeoutMillis uint32) uint64 {
	if r.Err != "" {
		return 0
	}
	answers, err := DecodeAnswers(r.Response)
	if err != nil || len(answers) != len(qs) {
		return 0
	}
	correct := 0
	for i, q := range qs {
		if Correct(q, answers[i]) {
			correct++
		}
	}
	limit := uint64(timeoutMillis) * 1000
	var speed uint64
	if r.LatencyMicros < limit {
		speed = tao.Ratio(limit-r.LatencyMicros, limit) / 2
	}
	return tao.MulScore(tao.Ratio(uint64(correct), uint64(len(qs))), tao.ScoreOne/2+speed)
}

// ScoreAll scores every response to a task.
func ScoreAll(in tao.ScoreInput, timeoutMillis uint32) (tao.ScoreOutput, error) {
	task, err := ParseTask(in.Task)
	if err != nil {
		return tao.ScoreOutput{}, err
	}
	qs := task.Questions()
	out := tao.ScoreOutput{Scores: make([]tao.Score, len(in.Responses))}
	for i, r := range in.Responses {
		out.Scores[i] = tao.Score{UID: r.UID, Value: ScoreResponse(qs, r, timeoutMillis)}
	}
	return out, nil
}

// ChatRequest is the body of one OpenAI chat-completions request: the
// runner in openai mode posts it to /v1/chat/completions and fills in the
// model. Temperature 0 asks for the model's most likely answer.
type ChatRequest struct {
	Messages    []ChatMessage `json:"messages"`
	Temperature int           `json:"temperature"`
	MaxTokens   uint32        `json:"max_tokens"`
}

// ChatMessage is one message of a chat request or response.
type ChatMessage struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// NewChatRequest returns the request that asks q.
func NewChatRequest(q Question, maxTokens uint32) ChatRequest {
	return ChatRequest{Messages: []ChatMessage{{Role: "system", Content: SystemPrompt}, {Role: "user", Content: q.Prompt}},
		MaxTokens: maxTokens}
}

// chatResponse is the part of a chat-completions response solve reads.
type chatResponse struct {
	Choices []struct {
		Message ChatMessage `json:"message"`
	} `json:"choices"`
}

// AnswerText extracts choices[0].message.content from a chat-completions
// response, the server's JSON as the runner returns it.
func AnswerText(body []byte) (string, error) {
	var resp chatResponse
	if err := json.Unmarshal(body, &resp); err != nil {
		return "", fmt.Errorf("chat response is not JSON: %v", err)
	}
	if len(resp.Choices) == 0 {
		return "", errors.New("chat response has no choices")
	}
	return resp.Choices[0].Message.Content, nil
}
