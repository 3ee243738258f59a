package main

import (
	"strings"
	"testing"
)

// TestValidatorFlagRefusals: validator flags that cannot be right are
// refused with a usage error naming the flag, before any node is contacted.
func TestValidatorFlagRefusals(t *testing.T) {
	bin := buildTaorun(t)
	for _, r := range []struct {
		args []string
		want string
	}{
		{[]string{"--sample", "0"}, "--sample"},
		{[]string{"--weights-interval", "0"}, "--weights-interval"},
		{[]string{"--vpermit-tao-limit", "lots"}, "--vpermit-tao-limit"},
		{[]string{"--neuron.vpermit_tao_limit", "-5"}, "--vpermit-tao-limit"},
		{[]string{"--neuron.vpermit_tao_limit", "1.0000000001"}, "decimals"},
	} {
		args := append([]string{"validator", "--netuid", "1"}, r.args...)
		_, stderr, code := runTaorun(t, bin, nil, args...)
		if code != exitUsage || !strings.Contains(stderr, r.want) {
			t.Errorf("taorun %s: exit %d, stderr %q; want exit %d mentioning %q", strings.Join(args, " "), code, stderr, exitUsage, r.want)
		}
	}
}
