package runner

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"
)

// BenchmarkDispatchEcho measures one job's round trip through the
// scheduler and an exec echo worker, reporting p50 and p99 (targets:
// p50 ≤ 1 ms, p99 ≤ 5 ms).
func BenchmarkDispatchEcho(b *testing.B) {
	s, _ := start(b, echo("bench"))
	in := make([]byte, 256)
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		t0 := time.Now()
		if _, err := s.Invoke(context.Background(), "bench", in); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}

// BenchmarkThroughput4Workers measures jobs per second with 4 echo
// workers (4 devices) kept busy by 16 callers.
func BenchmarkThroughput4Workers(b *testing.B) {
	rc := echo("tput")
	rc.Devices, rc.MaxQueue = []string{"0", "1", "2", "3"}, 1024
	s, _ := start(b, rc)
	in := make([]byte, 256)
	const callers = 16
	b.ResetTimer()
	t0 := time.Now()
	var wg sync.WaitGroup
	for c := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := c; i < b.N; i += callers {
				if _, err := s.Invoke(context.Background(), "tput", in); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.ReportMetric(float64(b.N)/time.Since(t0).Seconds(), "jobs/s")
}
