package httpkit

import (
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/careerchain/careerchain/sdk/client"
)

// Metrics is one server's Prometheus registry: the Go and process
// collectors, the request-latency histogram Middleware fills, and whatever
// the owner registers on Registry. Handler serves it at /metrics.
type Metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.HistogramVec
}

// NewMetrics returns a registry whose own metrics are named
// <namespace>_http_request_duration_seconds (labels: route, method, code).
func NewMetrics(namespace string) *Metrics {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	req := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: namespace, Name: "http_request_duration_seconds",
		Help:    "Time to answer an HTTP request, by route pattern (not by path: the label set stays small), method and status.",
		Buckets: []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10},
	}, []string{"route", "method", "code"})
	reg.MustRegister(req)
	return &Metrics{reg: reg, requests: req}
}

// Registry is where the owner registers its own collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the registry in the Prometheus exposition format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// Middleware observes each request's duration under its chi route pattern
// ("/api/v1/tx/{txid}"), read after the router has matched; a request no
// route matched is "unmatched", so a scan of random paths adds no series.
func (m *Metrics) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		route := "unmatched"
		if rc := chi.RouteContext(r.Context()); rc != nil && rc.RoutePattern() != "" {
			route = rc.RoutePattern()
		}
		m.requests.WithLabelValues(route, r.Method, strconv.Itoa(sw.statusOr200())).Observe(time.Since(start).Seconds())
	})
}

// WriteReadiness answers a /readyz: Ready is set from Reasons (none: ready),
// 200 when ready, 503 otherwise, the reasons in the body.
func WriteReadiness(w http.ResponseWriter, rd client.Readiness) {
	rd.Ready = len(rd.Reasons) == 0
	status := http.StatusOK
	if !rd.Ready {
		status = http.StatusServiceUnavailable
	}
	WriteJSON(w, status, rd)
}
