package main

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Request metrics in the Prometheus text format, written by hand: the service has no dependencies, so its
// image build needs no network. Probe paths are not counted, so the numbers are the traffic's own.

// latencyBuckets are the upper bounds (seconds) of the latency histogram, those of Prometheus' client defaults.
var latencyBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// notCounted are paths whose requests the metrics leave out: the kubelet's probes and the scrape itself.
var notCounted = map[string]bool{"/healthz": true, "/readyz": true, "/metrics": true}

type metrics struct {
	mu      sync.Mutex
	byCode  map[int]uint64
	buckets []uint64
	count   uint64
	sum     float64
}

func newMetrics() *metrics {
	return &metrics{byCode: map[int]uint64{}, buckets: make([]uint64, len(latencyBuckets))}
}

func (m *metrics) observe(path string, code int, d time.Duration) {
	if notCounted[path] {
		return
	}
	s := d.Seconds()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.byCode[code]++
	m.count++
	m.sum += s
	for i, le := range latencyBuckets {
		if s <= le {
			m.buckets[i]++
		}
	}
}

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// write renders the metrics with the service, version and track labels the release driver queries by.
func (m *metrics) write(w io.Writer, version, track string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	labels := fmt.Sprintf(`service=%q,version=%q,track=%q`, serviceName, version, track)
	var b strings.Builder
	b.WriteString("# HELP http_requests_total Requests answered, probes and scrapes left out.\n")
	b.WriteString("# TYPE http_requests_total counter\n")
	codes := make([]int, 0, len(m.byCode))
	for c := range m.byCode {
		codes = append(codes, c)
	}
	sort.Ints(codes)
	for _, c := range codes {
		fmt.Fprintf(&b, "http_requests_total{%s,code=\"%d\"} %d\n", labels, c, m.byCode[c])
	}
	b.WriteString("# HELP http_request_duration_seconds Time to answer a request, probes and scrapes left out.\n")
	b.WriteString("# TYPE http_request_duration_seconds histogram\n")
	for i, le := range latencyBuckets {
		fmt.Fprintf(&b, "http_request_duration_seconds_bucket{%s,le=%q} %d\n", labels, formatFloat(le), m.buckets[i])
	}
	fmt.Fprintf(&b, "http_request_duration_seconds_bucket{%s,le=\"+Inf\"} %d\n", labels, m.count)
	fmt.Fprintf(&b, "http_request_duration_seconds_sum{%s} %s\n", labels, formatFloat(m.sum))
	fmt.Fprintf(&b, "http_request_duration_seconds_count{%s} %d\n", labels, m.count)
	_, _ = io.WriteString(w, b.String())
}
