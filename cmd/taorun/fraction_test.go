package main

import (
	"strings"
	"testing"

	"github.com/taorun/taorun/chain/subnet"
)

// TestParseFractions drives both users of parseFraction: a delegate take
// (u16 of 65535, within the chain's bounds) and a child proportion (u64 of
// 2^64-1).
func TestParseFractions(t *testing.T) {
	parsers := map[string]func(string) (uint64, error){
		"take": func(s string) (uint64, error) {
			v, err := parseTake(s, subnet.MinDelegateTake, subnet.MaxDelegateTake)
			return uint64(v), err
		},
		"proportion": parseChildProportion,
	}
	for _, c := range []struct {
		parser, in string
		want       uint64
		err        string
	}{
		{parser: "take", in: "0.09", want: 5898},
		{parser: "take", in: "0.18", want: 11796},
		{parser: "take", in: "0", want: 0},
		{parser: "take", in: ".1", want: 6553},
		{parser: "take", in: " 0.05 ", want: 3276},
		{parser: "take", in: "0.18001", want: 11796}, // floor(11796.9)
		{parser: "take", in: "0.1801", err: "outside the allowed 0.00000..0.18000"},
		{parser: "take", in: "1", err: "outside the allowed"},
		{parser: "take", in: "1.5", err: "above 1"},
		{parser: "take", in: "-0.1", err: "not a decimal fraction"},
		{parser: "take", in: "1/10", err: "not a decimal fraction"},
		{parser: "take", in: "1e-1", err: "not a decimal fraction"},
		{parser: "take", in: "0x1p-3", err: "not a decimal fraction"},
		{parser: "take", in: "", err: "not a decimal fraction"},
		{parser: "take", in: "nine", err: "not a decimal fraction"},
		{parser: "proportion", in: "1", want: 1<<64 - 1},
		{parser: "proportion", in: "0.5", want: 1<<63 - 1}, // floor((2^64-1)/2)
		{parser: "proportion", in: "0", want: 0},
		{parser: "proportion", in: ".25", want: (1<<64 - 1) / 4},
		{parser: "proportion", in: "1.0001", err: "above 1"},
		{parser: "proportion", in: "-0.5", err: "not a decimal fraction"},
		{parser: "proportion", in: "1e-1", err: "not a decimal fraction"},
		{parser: "proportion", in: "half", err: "not a decimal fraction"},
	} {
		got, err := parsers[c.parser](c.in)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s %q = %d, %v; want an error containing %q", c.parser, c.in, got, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%s %q = %d, %v; want %d", c.parser, c.in, got, err, c.want)
		}
	}
}
