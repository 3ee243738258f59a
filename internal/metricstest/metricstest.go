// Package metricstest reads Prometheus metrics back in tests, so a test can
// assert what a component reported (jobs by outcome, restarts, queue depth)
// through the same registry a node exposes.
//
// It is a test helper; nothing in a node imports it.
package metricstest

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// Value gathers g and returns the sum over the series of the metric name
// whose labels include every pair in want (nil matches all series): the
// value of a counter or gauge, the sample count of a histogram. A metric
// that has no series yet, as a counter vector before its first
// increment, sums to 0. The test fails if gathering fails.
func Value(t testing.TB, g prometheus.Gatherer, name string, want map[string]string) float64 {
	t.Helper()
	families, err := g.Gather()
	if err != nil {
		t.Fatalf("gathering metrics: %v", err)
	}
	total := 0.0
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			if labelsMatch(m, want) {
				total += sampleValue(m)
			}
		}
	}
	return total
}

// labelsMatch reports whether m carries every label pair in want.
func labelsMatch(m *dto.Metric, want map[string]string) bool {
	n := 0
	for _, l := range m.GetLabel() {
		if v, ok := want[l.GetName()]; ok && v == l.GetValue() {
			n++
		}
	}
	return n == len(want)
}

// sampleValue is a series' value: a counter's or gauge's value, a
// histogram's sample count.
func sampleValue(m *dto.Metric) float64 {
	switch {
	case m.Counter != nil:
		return m.Counter.GetValue()
	case m.Gauge != nil:
		return m.Gauge.GetValue()
	case m.Histogram != nil:
		return float64(m.Histogram.GetSampleCount())
	}
	return 0
}
