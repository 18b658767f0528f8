package deploy

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are the Prometheus series of the gateway and the deployer, in a
// registry of their own.
type Metrics struct {
	reg       *prometheus.Registry
	requests  *prometheus.CounterVec
	errors    *prometheus.CounterVec
	latency   *prometheus.HistogramVec
	deploys   *prometheus.CounterVec
	rollbacks *prometheus.CounterVec
	serving   *prometheus.GaugeVec
}

// NewMetrics returns the metrics in a new registry.
func NewMetrics() *Metrics {
	mv := []string{"model", "version"}
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mlcd_model_requests_total", Help: "Scoring requests answered, per model and version.",
		}, mv),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mlcd_model_request_errors_total", Help: "Scoring requests answered with a status of 400 or more.",
		}, mv),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "mlcd_model_request_duration_seconds",
			Help:    "Time to answer a scoring request.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, mv),
		deploys: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mlcd_deploys_total", Help: "Versions switched to, per model.",
		}, []string{"model"}),
		rollbacks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mlcd_rollbacks_total", Help: "Versions that failed their health check and were rolled back, per model.",
		}, []string{"model"}),
		serving: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "mlcd_model_serving_version", Help: "The version each model serves.",
		}, []string{"model"}),
	}
	m.reg.MustRegister(m.requests, m.errors, m.latency, m.deploys, m.rollbacks, m.serving,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the metrics in Prometheus' text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// Registry is where the metrics are registered, for tests and for
// callers that add their own collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// series are one version's request metrics, resolved once per instance so
// that a request does no label lookup.
type series struct {
	requests prometheus.Counter
	errors   prometheus.Counter
	latency  prometheus.Observer
}

func (m *Metrics) seriesOf(model, version string) series {
	return series{
		requests: m.requests.WithLabelValues(model, version),
		errors:   m.errors.WithLabelValues(model, version),
		latency:  m.latency.WithLabelValues(model, version),
	}
}
