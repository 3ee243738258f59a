package node

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the node's Prometheus series, served on /metrics.
type Metrics struct {
	Registry   *prometheus.Registry
	Height     prometheus.Gauge
	TxsApplied *prometheus.CounterVec // by receipt status
	Mempool    prometheus.Gauge
	CommitTime prometheus.Histogram
	// EpochTime is the wall time of each epoch run (Yuma, on_epoch and
	// payouts), observed through chain.Options.EpochObserver.
	EpochTime prometheus.Histogram
}

func newMetrics() *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		Height:   prometheus.NewGauge(prometheus.GaugeOpts{Name: "taorun_block_height", Help: "Height of the last committed block."}),
		TxsApplied: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "taorun_txs_applied_total",
			Help: "Transactions in committed blocks, by status."}, []string{"status"}),
		Mempool: prometheus.NewGauge(prometheus.GaugeOpts{Name: "taorun_mempool_txs", Help: "Transactions waiting in the mempool."}),
		CommitTime: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "taorun_block_commit_seconds",
			Help: "Time to build, execute and commit a block.", Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16)}),
		EpochTime: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "taorun_epoch_seconds",
			Help: "Time to run one subnet epoch.", Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16)}),
	}
	m.Registry.MustRegister(m.Height, m.TxsApplied, m.Mempool, m.CommitTime, m.EpochTime,
		prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))
	return m
}
