package host

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/taorun/taorun/runtime"
)

// LogLevel is the level of a guest log line, as passed to the host function
// log.
type LogLevel int8

// Log levels. LevelRaw marks call-log text that did not come from log
// (WASI stdout and stderr).
const (
	LevelRaw   LogLevel = -1
	LevelDebug LogLevel = 0
	LevelInfo  LogLevel = 1
	LevelWarn  LogLevel = 2
	LevelError LogLevel = 3
)

// levelNames are the line prefixes of the levels, indexed by level.
var levelNames = [...]string{"debug", "info", "warn", "error"}

// String names the level.
func (l LogLevel) String() string {
	if l >= 0 && int(l) < len(levelNames) {
		return levelNames[l]
	}
	return "raw"
}

// prefix is the call-log prefix of a line at level l: "[info] ".
func (l LogLevel) prefix() string { return "[" + levelNames[l] + "] " }

// LogLine is one line of a call's log (runtime.Result.Log).
type LogLine struct {
	Level LogLevel
	Text  string
}

// ParseLog splits a call's log into lines. Lines written by the host
// function log look like "[info] text"; any other line (WASI stdout or
// stderr) has LevelRaw and is returned as it is.
func ParseLog(b []byte) []LogLine {
	var out []LogLine
	for len(b) > 0 {
		line, rest, _ := bytes.Cut(b, []byte{'\n'})
		b = rest
		l := LogLine{Level: LevelRaw, Text: string(line)}
		for lv := LevelDebug; lv <= LevelError; lv++ {
			if t, ok := strings.CutPrefix(l.Text, lv.prefix()); ok {
				l = LogLine{Level: lv, Text: t}
				break
			}
		}
		out = append(out, l)
	}
	return out
}

// hostLog appends a line to the call's log: "[level] text\n", with the text
// made valid UTF-8 and its line breaks turned into spaces. Lines beyond
// MaxLogLines, or beyond MaxLogBytes in total, are dropped (a line that only
// partly fits is cut), but every byte passed is charged.
func hostLog(s *callState, c runtime.Caller, stack []uint64) error {
	level, n := stack[0], uint32(stack[2])
	if level >= uint64(len(levelNames)) {
		return fmt.Errorf("level %d is not 0 (debug) to 3 (error)", level)
	}
	if err := chargeN(c, s.costs.LogByte, uint64(n)); err != nil {
		return err
	}
	msg, err := readCharged(s, c, uint32(stack[1]), n)
	if err != nil {
		return err
	}
	prefix := LogLevel(level).prefix()
	room := MaxLogBytes - s.logBytes - len(prefix) - 1
	if s.logLines >= MaxLogLines || room < 0 {
		return nil
	}
	text := strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(string(msg), "\uFFFD"))
	if len(text) > room {
		text = text[:room]
		for len(text) > 0 && !utf8.ValidString(text) {
			text = text[:len(text)-1]
		}
	}
	line := prefix + text + "\n"
	s.logLines++
	s.logBytes += len(line)
	c.Log([]byte(line))
	return nil
}
