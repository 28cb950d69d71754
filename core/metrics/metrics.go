// Package metrics is what `watch --listen` exposes to Prometheus: the
// last time Wiz accepted each data source, sync and upload outcomes, and
// every request sent to Semgrep and Wiz. It has its own registry (nothing
// global), and the exposition is client_golang's.
package metrics

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/semgrep-wiz/semgrep-wiz/core/pipeline"
	"github.com/semgrep-wiz/semgrep-wiz/core/status"
)

// Namespace prefixes every metric.
const Namespace = "semgrep_wiz"

// Request outcomes of semgrep_wiz_requests_total.
const (
	OutcomeSuccess     = "success"      // 2xx/3xx
	OutcomeClientError = "client_error" // 4xx other than 429
	OutcomeRateLimited = "rate_limited" // 429
	OutcomeServerError = "server_error" // 5xx
	OutcomeError       = "error"        // no answer: network error, timeout
	OutcomeCancelled   = "cancelled"    // the run was stopped
)

// Metrics holds the collectors of one process.
type Metrics struct {
	reg *prometheus.Registry

	lastSuccess  *prometheus.GaugeVec
	findingsHeld *prometheus.GaugeVec
	expires      *prometheus.GaugeVec
	syncs        *prometheus.CounterVec
	duration     prometheus.Histogram
	lastRun      prometheus.Gauge
	running      prometheus.Gauge
	findingsSent prometheus.Counter
	uploadBytes  prometheus.Counter
	uploads      *prometheus.CounterVec
	requests     *prometheus.CounterVec
	nextRefresh  prometheus.Gauge

	mu    sync.Mutex
	known map[string]bool // data sources with per-source series
}

// New registers every collector on a fresh registry. version is reported
// in semgrep_wiz_build_info.
func New(version string) *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry(), known: map[string]bool{}}
	m.lastSuccess = prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: Namespace, Name: "last_success_timestamp_seconds",
		Help: "When Wiz last reported SUCCESS for an upload carrying the data source (Unix seconds). Wiz drops findings not refreshed within 7 days."},
		[]string{"data_source"})
	m.findingsHeld = prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: Namespace, Name: "findings_held",
		Help: "Findings Wiz holds from us for the data source, as of its last successful upload."}, []string{"data_source"})
	m.expires = prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: Namespace, Name: "expiry_timestamp_seconds",
		Help: "When Wiz drops the data source unless it is re-sent: last success plus 7 days (Unix seconds)."}, []string{"data_source"})
	m.syncs = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: "syncs_total",
		Help: "Syncs run, by final status (success, partial, failure, skipped, cancelled, nothing_to_do)."}, []string{"status"})
	m.duration = prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: Namespace, Name: "sync_duration_seconds",
		Help:    "How long each sync took, from reading findings to Wiz's final answer.",
		Buckets: []float64{1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200}})
	m.lastRun = prometheus.NewGauge(prometheus.GaugeOpts{Namespace: Namespace, Name: "last_sync_timestamp_seconds",
		Help: "When the last sync (of any status) finished (Unix seconds)."})
	m.running = prometheus.NewGauge(prometheus.GaugeOpts{Namespace: Namespace, Name: "sync_in_progress",
		Help: "1 while a sync runs."})
	m.findingsSent = prometheus.NewCounter(prometheus.CounterOpts{Namespace: Namespace, Name: "findings_sent_total",
		Help: "Findings in upload files delivered to Wiz."})
	m.uploadBytes = prometheus.NewCounter(prometheus.CounterOpts{Namespace: Namespace, Name: "upload_bytes_total",
		Help: "Bytes of upload files delivered to Wiz."})
	m.uploads = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: "uploads_total",
		Help: "Uploads by Wiz's final answer (success, failure, skipped), pending when Wiz had not finished, not_sent when the file never reached Wiz."},
		[]string{"status"})
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: "requests_total",
		Help: "HTTP requests sent (retries included), by service (semgrep, wiz, wiz_auth, wiz_upload) and outcome (success, client_error, rate_limited, server_error, error, cancelled)."},
		[]string{"service", "outcome"})
	m.nextRefresh = prometheus.NewGauge(prometheus.GaugeOpts{Namespace: Namespace, Name: "next_refresh_timestamp_seconds",
		Help: "When watch re-sends the data source that is due first (Unix seconds); 0 when nothing is held."})
	build := prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: Namespace, Name: "build_info",
		Help: "Always 1; the version label is the running semgrep-wiz."}, []string{"version"})
	build.WithLabelValues(version).Set(1)
	m.reg.MustRegister(m.lastSuccess, m.findingsHeld, m.expires, m.syncs, m.duration, m.lastRun, m.running, m.findingsSent,
		m.uploadBytes, m.uploads, m.requests, m.nextRefresh, build)
	// Known label values start at zero, so rate() and absent() behave
	// from the first scrape.
	for _, s := range []pipeline.Status{pipeline.StatusSuccess, pipeline.StatusPartial, pipeline.StatusFailure, pipeline.StatusSkipped, pipeline.StatusCancelled, pipeline.StatusNothingToDo} {
		m.syncs.WithLabelValues(string(s))
	}
	for _, s := range []string{"success", "failure", "skipped", "pending", "not_sent"} {
		m.uploads.WithLabelValues(s)
	}
	for _, svc := range []string{"semgrep", "wiz", "wiz_auth", "wiz_upload"} {
		m.requests.WithLabelValues(svc, OutcomeSuccess)
	}
	return m
}

// Registry is the registry the collectors are on (tests gather from it).
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the exposition format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// SetStatus sets the per-data-source series from the expiry report, which
// comes from the ledger: the last success only ever moves when Wiz
// reported SUCCESS (the ledger records nothing else). Sources Wiz never
// accepted get no last-success series; sources gone from the report lose
// theirs.
func (m *Metrics) SetStatus(r status.Report) {
	m.mu.Lock()
	defer m.mu.Unlock()
	seen := map[string]bool{}
	for _, d := range r.DataSources {
		if d.State == status.Never || d.LastSuccess.IsZero() {
			continue
		}
		seen[d.ID] = true
		m.lastSuccess.WithLabelValues(d.ID).Set(unix(d.LastSuccess))
		m.findingsHeld.WithLabelValues(d.ID).Set(float64(d.Findings))
		m.expires.WithLabelValues(d.ID).Set(unix(d.ExpiresAt))
	}
	for id := range m.known {
		if !seen[id] {
			m.lastSuccess.DeleteLabelValues(id)
			m.findingsHeld.DeleteLabelValues(id)
			m.expires.DeleteLabelValues(id)
		}
	}
	m.known = seen
	m.nextRefresh.Set(unix(r.NextRefresh()))
}

// SyncStarted marks a sync as running.
func (m *Metrics) SyncStarted() { m.running.Set(1) }

// SyncFinished counts a finished sync: its status, duration, and what its
// uploads delivered. A run that could not start (res nil) counts as a
// failure.
func (m *Metrics) SyncFinished(res *pipeline.Result) {
	m.running.Set(0)
	if res == nil {
		m.syncs.WithLabelValues(string(pipeline.StatusFailure)).Inc()
		return
	}
	m.syncs.WithLabelValues(string(res.Status)).Inc()
	if !res.StartedAt.IsZero() && !res.FinishedAt.IsZero() {
		m.duration.Observe(res.FinishedAt.Sub(res.StartedAt).Seconds())
		m.lastRun.Set(unix(res.FinishedAt))
	}
	sentBySource := map[string]int{}
	for _, r := range res.Repositories {
		sentBySource[r.DataSourceID] += r.Sent
	}
	for _, u := range res.Uploads {
		st := strings.ToLower(u.Status)
		if st == "" {
			continue // a dry run's file
		}
		m.uploads.WithLabelValues(st).Inc()
		if st == "not_sent" {
			continue
		}
		m.uploadBytes.Add(float64(u.Bytes))
		for _, ds := range u.DataSources {
			m.findingsSent.Add(float64(sentBySource[ds]))
		}
	}
}

// Transport counts every request through base, labelled by the service
// classify names (requests classify returns "" for are not counted).
func (m *Metrics) Transport(base http.RoundTripper, classify func(*http.Request) string) http.RoundTripper {
	return &countingTransport{base: base, classify: classify, requests: m.requests}
}

type countingTransport struct {
	base     http.RoundTripper
	classify func(*http.Request) string
	requests *prometheus.CounterVec
}

func (t *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(r)
	if svc := t.classify(r); svc != "" {
		t.requests.WithLabelValues(svc, Outcome(r.Context(), resp, err)).Inc()
	}
	return resp, err
}

// Outcome classifies one request's result.
func Outcome(ctx context.Context, resp *http.Response, err error) string {
	switch {
	case err != nil && (errors.Is(err, context.Canceled) || ctx.Err() != nil && !errors.Is(err, context.DeadlineExceeded)):
		return OutcomeCancelled
	case err != nil:
		return OutcomeError
	case resp.StatusCode == http.StatusTooManyRequests:
		return OutcomeRateLimited
	case resp.StatusCode >= 500:
		return OutcomeServerError
	case resp.StatusCode >= 400:
		return OutcomeClientError
	}
	return OutcomeSuccess
}

func unix(t time.Time) float64 {
	if t.IsZero() {
		return 0
	}
	return float64(t.UnixNano()) / 1e9
}
