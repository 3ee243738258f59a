package runner

import (
	"context"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// GPUStat is one GPU's utilisation and memory as nvidia-smi reports them.
type GPUStat struct {
	// Index is nvidia-smi's GPU index.
	Index string
	// Name is the GPU's product name.
	Name string
	// Utilization is the busy fraction over the last sample period, 0..1.
	Utilization float64
	// MemoryUsed and MemoryTotal are in bytes.
	MemoryUsed, MemoryTotal float64
}

// smiQuery is the nvidia-smi query whose CSV ParseNvidiaSMI reads.
var smiQuery = []string{"--query-gpu=index,name,utilization.gpu,memory.used,memory.total", "--format=csv,noheader,nounits"}

// ParseNvidiaSMI parses the output of `nvidia-smi
// --query-gpu=index,name,utilization.gpu,memory.used,memory.total
// --format=csv,noheader,nounits` (percent and MiB). Fields nvidia-smi
// reports as "[N/A]" or "[Not Supported]" read as -1.
func ParseNvidiaSMI(out string) ([]GPUStat, error) {
	var stats []GPUStat
	for n, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		f := strings.Split(line, ",")
		if len(f) != 5 {
			return nil, fmt.Errorf("nvidia-smi line %d %q: want 5 comma-separated fields, got %d", n+1, line, len(f))
		}
		for i := range f {
			f[i] = strings.TrimSpace(f[i])
		}
		st := GPUStat{Index: f[0], Name: f[1]}
		for _, v := range []struct {
			text  string
			dst   *float64
			scale float64
		}{{f[2], &st.Utilization, 0.01}, {f[3], &st.MemoryUsed, 1 << 20}, {f[4], &st.MemoryTotal, 1 << 20}} {
			if strings.HasPrefix(v.text, "[") {
				*v.dst = -1
				continue
			}
			x, err := strconv.ParseFloat(v.text, 64)
			if err != nil {
				return nil, fmt.Errorf("nvidia-smi line %d %q: %q is not a number", n+1, line, v.text)
			}
			*v.dst = x * v.scale
		}
		stats = append(stats, st)
	}
	return stats, nil
}

// QueryGPUs runs nvidia-smi (at path, or found on PATH when path is "")
// and parses its report.
func QueryGPUs(ctx context.Context, path string) ([]GPUStat, error) {
	if path == "" {
		p, err := exec.LookPath("nvidia-smi")
		if err != nil {
			return nil, err
		}
		path = p
	}
	out, err := exec.CommandContext(ctx, path, smiQuery...).Output()
	if err != nil {
		return nil, fmt.Errorf("nvidia-smi: %w", err)
	}
	return ParseNvidiaSMI(string(out))
}

// GPUCollector is a Prometheus collector of nvidia-smi's GPU utilisation
// and memory, sampled at most once a second.
type GPUCollector struct {
	path                  string
	util, memUsed, memTot *prometheus.Desc
	mu                    sync.Mutex
	last                  time.Time
	cached                []GPUStat
}

// NewGPUCollector returns a collector running the nvidia-smi at path (or
// on PATH when path is ""), or nil when there is none.
func NewGPUCollector(path string) *GPUCollector {
	if path == "" {
		p, err := exec.LookPath("nvidia-smi")
		if err != nil {
			return nil
		}
		path = p
	}
	labels := []string{"gpu", "name"}
	return &GPUCollector{
		path:    path,
		util:    prometheus.NewDesc("taorun_gpu_utilization_ratio", "GPU busy fraction reported by nvidia-smi.", labels, nil),
		memUsed: prometheus.NewDesc("taorun_gpu_memory_used_bytes", "GPU memory in use reported by nvidia-smi.", labels, nil),
		memTot:  prometheus.NewDesc("taorun_gpu_memory_total_bytes", "GPU memory reported by nvidia-smi.", labels, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *GPUCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.util
	ch <- c.memUsed
	ch <- c.memTot
}

// Collect implements prometheus.Collector; a failing nvidia-smi yields no
// samples.
func (c *GPUCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	if time.Since(c.last) > time.Second {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		stats, err := QueryGPUs(ctx, c.path)
		cancel()
		c.cached, c.last = stats, time.Now()
		if err != nil {
			c.cached = nil
		}
	}
	stats := c.cached
	c.mu.Unlock()
	for _, st := range stats {
		for _, v := range []struct {
			d *prometheus.Desc
			x float64
		}{{c.util, st.Utilization}, {c.memUsed, st.MemoryUsed}, {c.memTot, st.MemoryTotal}} {
			if v.x >= 0 {
				ch <- prometheus.MustNewConstMetric(v.d, prometheus.GaugeValue, v.x, st.Index, st.Name)
			}
		}
	}
}
