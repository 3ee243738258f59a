package plugins

import (
	"testing"
)

// BenchmarkMetering runs integer loops of 10^6 iterations on wazero's
// compiler, original and instrumented; compare ns/op for the metering
// overhead (target ≤ 5 %). count.wat is a minimal loop (a dozen trivial
// ops per iteration); mix.wat a hash mix with a load and a store.
func BenchmarkMetering(b *testing.B) {
	for _, mod := range []string{"count", "mix"} {
		orig := wat(b, mod)
		m, err := Prepare(orig, DefaultLimits())
		if err != nil {
			b.Fatal(err)
		}
		var want uint64
		for _, c := range []struct {
			name    string
			bin     []byte
			metered bool
		}{{"original", orig, false}, {"instrumented", m.Instrumented, true}} {
			b.Run(mod+"/"+c.name, func(b *testing.B) {
				in := instantiate(b, engines[1].cfg(), c.bin, c.metered)
				first := true
				for b.Loop() {
					res, _, _, err := in.call(1<<62, 1000, "score", 0, 1_000_000)
					if err != nil {
						b.Fatal(err)
					}
					// mix.wat keeps state in memory: compare first calls.
					if first && want == 0 {
						want = res[0]
					} else if first && res[0] != want {
						b.Fatalf("result %d, original gave %d", res[0], want)
					}
					first = false
				}
			})
		}
	}
}

// BenchmarkPrepareGo runs the whole pipeline on the ~2.4 MB Go guest.
func BenchmarkPrepareGo(b *testing.B) {
	bin := goGuest(b)
	b.SetBytes(int64(len(bin)))
	for b.Loop() {
		if _, err := Prepare(bin, DefaultLimits()); err != nil {
			b.Fatal(err)
		}
	}
}
