package metricstest

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// TestValue reads back counters, gauges and histograms from a real
// registry, with and without label filters.
func TestValue(t *testing.T) {
	reg := prometheus.NewRegistry()
	jobs := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "jobs_total", Help: "h"}, []string{"runner", "outcome"})
	depth := prometheus.NewGauge(prometheus.GaugeOpts{Name: "depth", Help: "h"})
	lat := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "seconds", Help: "h"}, []string{"runner"})
	reg.MustRegister(jobs, depth, lat)
	jobs.WithLabelValues("a", "ok").Add(3)
	jobs.WithLabelValues("a", "timeout").Inc()
	jobs.WithLabelValues("b", "ok").Add(5)
	depth.Set(7)
	for _, v := range []float64{0.1, 0.2} {
		lat.WithLabelValues("a").Observe(v)
	}
	lat.WithLabelValues("b").Observe(0.3)
	cases := []struct {
		name string
		want map[string]string
		sum  float64
	}{
		{"jobs_total", nil, 9},
		{"jobs_total", map[string]string{"runner": "a"}, 4},
		{"jobs_total", map[string]string{"runner": "a", "outcome": "ok"}, 3},
		{"jobs_total", map[string]string{"outcome": "ok"}, 8},
		{"jobs_total", map[string]string{"outcome": "worker_died"}, 0},
		{"jobs_total", map[string]string{"device": "0"}, 0},
		{"depth", nil, 7},
		{"seconds", nil, 3},
		{"seconds", map[string]string{"runner": "a"}, 2},
		{"absent", nil, 0},
	}
	for _, c := range cases {
		if got := Value(t, reg, c.name, c.want); got != c.sum {
			t.Errorf("Value(%s, %v) = %v, want %v", c.name, c.want, got, c.sum)
		}
	}
}
