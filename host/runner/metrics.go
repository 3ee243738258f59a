package runner

import (
	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the scheduler's Prometheus metrics.
type metrics struct {
	latency   *prometheus.HistogramVec
	queueWait *prometheus.HistogramVec
	batch     *prometheus.HistogramVec
	jobs      *prometheus.CounterVec
	restarts  *prometheus.CounterVec
}

// latencyBuckets span 100µs to ~100s.
var latencyBuckets = prometheus.ExponentialBuckets(1e-4, 4, 11)

// newMetrics creates and registers the metrics.
func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "taorun_runner_job_seconds",
			Help: "Time from submission to finish of runner jobs.", Buckets: latencyBuckets}, []string{"runner", "device"}),
		queueWait: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "taorun_runner_queue_wait_seconds",
			Help: "Time runner jobs wait in the queue before dispatch.", Buckets: latencyBuckets}, []string{"runner"}),
		batch: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "taorun_runner_batch_size",
			Help: "Jobs per dispatch.", Buckets: prometheus.ExponentialBuckets(1, 2, 8)}, []string{"runner"}),
		jobs: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "taorun_runner_jobs_total",
			Help: "Finished runner jobs by outcome (ok, failed, timeout, cancelled, queue_full, worker_died, too_large, closed)."},
			[]string{"runner", "device", "outcome"}),
		restarts: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "taorun_runner_worker_restarts_total",
			Help: "Exec worker processes restarted after exiting or failing a health check."}, []string{"runner", "device"}),
	}
	for _, c := range []prometheus.Collector{m.latency, m.queueWait, m.batch, m.jobs, m.restarts} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	if gpu := NewGPUCollector(""); gpu != nil {
		if err := reg.Register(gpu); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// queueDepth reports each runner's queue length when scraped, so the gauge
// can never disagree with the queue it describes (a gauge updated beside
// the channel lags it while a slot is between receive and update).
type queueDepth struct {
	desc *prometheus.Desc
	s    *Scheduler
}

func newQueueDepth(s *Scheduler) queueDepth {
	return queueDepth{s: s, desc: prometheus.NewDesc("taorun_runner_queue_depth",
		"Jobs waiting in a runner's queue.", []string{"runner"}, nil)}
}

// Describe implements prometheus.Collector.
func (c queueDepth) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

// Collect implements prometheus.Collector.
func (c queueDepth) Collect(ch chan<- prometheus.Metric) {
	for _, name := range c.s.names {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(len(c.s.queues[name].jobs)), name)
	}
}
