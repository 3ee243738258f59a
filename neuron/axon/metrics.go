package axon

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the axon's Prometheus metrics; nil when no registry was given.
type metrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

// newMetrics registers the axon's metrics on reg (nil: no metrics).
// queued reports the wait-queue length for the queue gauge. On failure it
// leaves reg as it found it.
func newMetrics(reg prometheus.Registerer, queued func() int) (*metrics, error) {
	if reg == nil {
		return nil, nil
	}
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "taorun_axon_requests_total",
			Help: "Axon requests by synapse and HTTP status (499: the caller went away)."}, []string{"synapse", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "taorun_axon_request_seconds",
			Help:    "Time from receipt to response of axon requests, queueing included.",
			Buckets: prometheus.ExponentialBuckets(1e-4, 4, 11)}, []string{"synapse"}),
	}
	queue := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "taorun_axon_queue_length",
		Help: "Requests waiting for a handler slot."}, func() float64 { return float64(queued()) })
	collectors := []prometheus.Collector{m.requests, m.latency, queue}
	for i, c := range collectors {
		if err := reg.Register(c); err != nil {
			for _, done := range collectors[:i] {
				reg.Unregister(done)
			}
			return nil, err
		}
	}
	return m, nil
}

// observe records one finished request.
func (m *metrics) observe(synapse string, status int, took time.Duration) {
	if m == nil {
		return
	}
	m.requests.WithLabelValues(synapse, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(synapse).Observe(took.Seconds())
}
