package main

import (
	"strings"
	"testing"
)

// TestMinerFlagRefusals: a --axon.max_workers (or its aliases) below 1 is
// refused with a usage error naming the flag, before any node is contacted.
func TestMinerFlagRefusals(t *testing.T) {
	bin := buildTaorun(t)
	for _, r := range []struct {
		args []string
		want string
	}{
		{[]string{"--axon.max_workers", "0"}, "--axon.max_workers 0"},
		{[]string{"--axon.max-workers", "-3"}, "--axon.max_workers -3"},
		{[]string{"--axon.max_concurrent", "0"}, "--axon.max_workers 0"},
	} {
		args := append([]string{"miner", "--netuid", "1"}, r.args...)
		_, stderr, code := runTaorun(t, bin, nil, args...)
		if code != exitUsage || !strings.Contains(stderr, r.want) {
			t.Errorf("taorun %s: exit %d, stderr %q; want exit %d mentioning %q", strings.Join(args, " "), code, stderr, exitUsage, r.want)
		}
	}
}
