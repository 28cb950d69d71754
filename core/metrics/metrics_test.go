package metrics

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/semgrep-wiz/semgrep-wiz/core/ledger"
	"github.com/semgrep-wiz/semgrep-wiz/core/pipeline"
	"github.com/semgrep-wiz/semgrep-wiz/core/status"
)

var now = time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)

func report(ages map[string]time.Duration, never ...string) status.Report {
	var held []ledger.DataSource
	for id, age := range ages {
		held = append(held, ledger.DataSource{ID: id, RepoName: status.RepositoryFromID(id), Count: 4, LastSentAt: now.Add(-age)})
	}
	return status.Compute(held, never, now, 0)
}

func TestLastSuccessFollowsTheReport(t *testing.T) {
	m := New("v1.2.3")
	m.SetStatus(report(map[string]time.Duration{"semgrep:h/acme/a": time.Hour, "semgrep:h/acme/b": 2 * time.Hour}, "semgrep:h/acme/never"))
	if got := testutil.ToFloat64(m.lastSuccess.WithLabelValues("semgrep:h/acme/a")); got != float64(now.Add(-time.Hour).Unix()) {
		t.Fatalf("last success of a = %v", got)
	}
	if n := testutil.CollectAndCount(m.lastSuccess); n != 2 {
		t.Fatalf("%d last-success series; a source Wiz never accepted must have none", n)
	}
	if got := testutil.ToFloat64(m.nextRefresh); got != float64(now.Add(22*time.Hour).Unix()) {
		t.Fatalf("next refresh %v", got)
	}
	if got := testutil.ToFloat64(m.findingsHeld.WithLabelValues("semgrep:h/acme/b")); got != 4 {
		t.Fatalf("findings held %v", got)
	}
	// b is gone from the ledger (an empty source Wiz dropped): its series go.
	m.SetStatus(report(map[string]time.Duration{"semgrep:h/acme/a": time.Hour}))
	if n := testutil.CollectAndCount(m.lastSuccess); n != 1 {
		t.Fatalf("%d series after b left", n)
	}
}

func TestSyncFinishedCountsWhatReachedWiz(t *testing.T) {
	m := New("dev")
	m.SyncStarted()
	if testutil.ToFloat64(m.running) != 1 {
		t.Fatal("not running")
	}
	res := &pipeline.Result{Status: pipeline.StatusPartial, StartedAt: now, FinishedAt: now.Add(90 * time.Second),
		Repositories: []pipeline.RepoSummary{{DataSourceID: "a", Sent: 10}, {DataSourceID: "b", Sent: 5}, {DataSourceID: "c", Sent: 7}},
		Uploads: []pipeline.UploadResult{
			{Status: "SUCCESS", Bytes: 1000, DataSources: []string{"a", "b"}},
			{Status: "NOT_SENT", Bytes: 400, DataSources: []string{"c"}},
		}}
	m.SyncFinished(res)
	m.SyncFinished(&pipeline.Result{Status: pipeline.StatusDryRun, Uploads: []pipeline.UploadResult{{Bytes: 99, DataSources: []string{"a"}}}})
	m.SyncFinished(nil)
	for name, c := range map[string]struct {
		got, want float64
	}{
		"running":       {testutil.ToFloat64(m.running), 0},
		"partial":       {testutil.ToFloat64(m.syncs.WithLabelValues("partial")), 1},
		"failure":       {testutil.ToFloat64(m.syncs.WithLabelValues("failure")), 1},
		"bytes":         {testutil.ToFloat64(m.uploadBytes), 1000},
		"findings":      {testutil.ToFloat64(m.findingsSent), 15},
		"uploads ok":    {testutil.ToFloat64(m.uploads.WithLabelValues("success")), 1},
		"uploads fail":  {testutil.ToFloat64(m.uploads.WithLabelValues("not_sent")), 1},
		"last finished": {testutil.ToFloat64(m.lastRun), float64(now.Add(90 * time.Second).Unix())},
	} {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", name, c.got, c.want)
		}
	}
	if n := testutil.CollectAndCount(m.duration); n != 1 {
		t.Fatalf("duration histogram %d", n)
	}
}

func TestTransportCountsOutcomes(t *testing.T) {
	codes := []int{200, 429, 503, 404, 204}
	i := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(codes[i])
		i++
	}))
	defer srv.Close()
	m := New("dev")
	c := &http.Client{Transport: m.Transport(http.DefaultTransport, func(r *http.Request) string {
		if r.URL.Path == "/skip" {
			return ""
		}
		return "wiz"
	})}
	for range codes {
		resp, err := c.Get(srv.URL + "/x")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := "http://" + ln.Addr().String()
	ln.Close()
	if _, err := c.Get(dead); err == nil {
		t.Fatal("a closed port answered")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	if _, err := c.Do(req); err == nil {
		t.Fatal("cancelled request answered")
	}
	for outcome, want := range map[string]float64{OutcomeSuccess: 2, OutcomeRateLimited: 1, OutcomeServerError: 1, OutcomeClientError: 1, OutcomeError: 1, OutcomeCancelled: 1} {
		if got := testutil.ToFloat64(m.requests.WithLabelValues("wiz", outcome)); got != want {
			t.Errorf("%s = %v, want %v", outcome, got, want)
		}
	}
}

func get(t *testing.T, h http.Handler, method, path string) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
	b, _ := io.ReadAll(rec.Result().Body)
	return rec.Code, string(b)
}

func TestMuxEndpoints(t *testing.T) {
	m := New("v9")
	rep := report(map[string]time.Duration{"semgrep:h/acme/a": time.Hour})
	var readErr error
	h := m.Mux(func(context.Context) (status.Report, error) { return rep, readErr })
	if code, body := get(t, h, "GET", "/healthz"); code != 200 || body != "ok\n" {
		t.Fatalf("/healthz %d %q", code, body)
	}
	code, body := get(t, h, "GET", "/status")
	if code != 200 || !strings.Contains(body, `"state": "fresh"`) || !strings.Contains(body, `"data_sources"`) {
		t.Fatalf("/status %d %s", code, body)
	}
	rep = report(map[string]time.Duration{"semgrep:h/acme/a": 6 * 24 * time.Hour})
	if code, body := get(t, h, "GET", "/status"); code != 503 || !strings.Contains(body, `"state": "expiring"`) {
		t.Fatalf("/status expiring %d %s", code, body)
	}
	code, body = get(t, h, "GET", "/metrics")
	for _, want := range []string{
		`semgrep_wiz_last_success_timestamp_seconds{data_source="semgrep:h/acme/a"}`,
		`semgrep_wiz_syncs_total{status="success"} 0`,
		"# TYPE semgrep_wiz_findings_sent_total counter",
		"# TYPE semgrep_wiz_upload_bytes_total counter",
		`semgrep_wiz_requests_total{outcome="success",service="semgrep"} 0`,
		"# TYPE semgrep_wiz_sync_duration_seconds histogram",
		"semgrep_wiz_next_refresh_timestamp_seconds",
		`semgrep_wiz_build_info{version="v9"} 1`,
	} {
		if code != 200 || !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s (%d)", want, code)
		}
	}
	if code, _ := get(t, h, "POST", "/status"); code != http.StatusMethodNotAllowed {
		t.Fatalf("POST /status %d", code)
	}
	if code, _ := get(t, h, "GET", "/nope"); code != 404 {
		t.Fatalf("/nope %d", code)
	}
	readErr = errors.New("database is locked")
	if code, _ := get(t, h, "GET", "/status"); code != 500 {
		t.Fatalf("/status on a read error %d", code)
	}
}

func TestListen(t *testing.T) {
	for _, bad := range []string{"9464", "localhost", "127.0.0.1:http-alt", "127.0.0.1:70000", "127.0.0.1:-1", "http://127.0.0.1:9464", ""} {
		if err := CheckListen(bad); err == nil {
			t.Errorf("CheckListen(%q) accepted it", bad)
		} else if strings.Contains(err.Error(), "\n") {
			t.Errorf("CheckListen(%q): multi-line %q", bad, err)
		}
	}
	for _, ok := range []string{"127.0.0.1:9464", ":9464", "[::1]:0", "localhost:0"} {
		if err := CheckListen(ok); err != nil {
			t.Errorf("CheckListen(%q) = %v", ok, err)
		}
	}
	ln, err := Listen(context.Background(), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, err = Listen(context.Background(), ln.Addr().String())
	if err == nil || !strings.Contains(err.Error(), "already in use") {
		t.Fatalf("second listen on %s: %v", ln.Addr(), err)
	}
}

func TestServeStopsWithTheContext(t *testing.T) {
	ln, err := Listen(context.Background(), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Serve(ctx, ln, New("dev").Mux(func(context.Context) (status.Report, error) { return status.Report{}, nil }))
	}()
	resp, err := http.Get("http://" + ln.Addr().String() + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("healthz: %v", err)
	}
	resp.Body.Close()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not stop")
	}
	if _, err := http.Get("http://" + ln.Addr().String() + "/healthz"); err == nil {
		t.Fatal("still serving after the context ended")
	}
}
