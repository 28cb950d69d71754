package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/semgrep-wiz/semgrep-wiz/config"
	"github.com/semgrep-wiz/semgrep-wiz/core/metrics"
	"github.com/semgrep-wiz/semgrep-wiz/core/pipeline"
	"github.com/semgrep-wiz/semgrep-wiz/core/status"
	"github.com/semgrep-wiz/semgrep-wiz/core/version"
)

type watchOpts struct {
	interval, refresh time.Duration
	// listen, when set, serves /metrics, /healthz and /status there.
	listen string
	// logFormat is text or json ("" picks JSON when stderr is not a
	// terminal).
	logFormat string
}

func cmdWatch(ctx context.Context, c *common, o watchOpts, e env) error {
	interval, refresh := o.interval, o.refresh
	if len(c.from) > 0 {
		return usagef("watch reads the Semgrep API; --from files are for one-off syncs")
	}
	log, err := newLogger(e.stderr, o.logFormat)
	if err != nil {
		return usagef("watch: %v", err)
	}
	if o.listen != "" {
		if err := metrics.CheckListen(o.listen); err != nil {
			return usagef("watch: --listen %v", err)
		}
	}
	var m *metrics.Metrics
	if o.listen != "" {
		m = metrics.New(version.Version)
		e.metrics = m
	}
	a, err := loadApp(c, e, needs{wiz: true, semgrep: true})
	if err != nil {
		return err
	}
	defer streamingGC(e, a.cfg.Semgrep.Concurrency)()
	if interval == 0 {
		interval = a.cfg.Watch.Interval.Duration
	}
	if refresh == 0 {
		refresh = a.cfg.Watch.RefreshAfter.Duration
	}
	if interval < time.Second && !e.testing {
		return usagef("watch: --interval %s is too short; use at least 1m", interval)
	}
	if refresh > 7*24*time.Hour {
		return usagef("watch: --refresh-after %s is longer than the 7 days after which Wiz drops findings", refresh)
	}
	led, err := a.openLedger(ctx)
	if err != nil {
		return err
	}
	defer led.Close()
	fileLog, closeLog := openEventLog(a.paths.LogFile)
	defer closeLog()
	toStderr := slogSink(log)
	events := func(ev pipeline.Event) {
		if m != nil && ev.Kind == pipeline.StepStarted && ev.Step == pipeline.StepCollect {
			m.SyncStarted()
		}
		toStderr(ev)
		fileLog(ev)
	}
	logf := func(format string, args ...any) {
		msg := fmt.Sprintf(format, args...)
		log.Info("watch: " + msg)
		fileLog(pipeline.Event{Kind: "watch", Message: msg})
	}
	readStatus := func(ctx context.Context) (status.Report, error) {
		return status.Read(ctx, led, status.Options{Now: e.clock, RefreshAfter: refresh})
	}

	served := make(chan error, 1)
	sctx, stopServing := context.WithCancel(ctx)
	defer stopServing()
	if m != nil {
		ln, err := metrics.Listen(ctx, o.listen)
		if err != nil {
			return usagef("watch: --listen %v", err)
		}
		// The last success of every data source is known before the first
		// sync: it is in the ledger.
		if r, err := readStatus(ctx); err == nil {
			m.SetStatus(r)
		}
		logf("serving /metrics, /healthz and /status on http://%s", ln.Addr())
		go func() { served <- metrics.Serve(sctx, ln, m.Mux(readStatus)) }()
	} else {
		served <- nil
	}
	err = pipeline.Watch(ctx, pipeline.WatchOptions{
		Run: pipeline.Options{
			Collect: a.collectOptions(e, events),
			Schema:  a.schemaOptions(),
			Wiz:     a.wiz,
			Ledger:  led,
			Guards:  a.guards(),
			WorkDir: a.workDir(),
			Events:  events,
		},
		Interval:     interval,
		RefreshAfter: refresh,
		Logf:         logf,
		OnRun: func(res *pipeline.Result, err error) {
			logResult(log, res, err)
			if m != nil {
				m.SyncFinished(res)
				if r, rerr := readStatus(context.WithoutCancel(ctx)); rerr == nil {
					m.SetStatus(r)
				}
			}
		},
	})
	stopServing()
	if serr := <-served; serr != nil && err == nil {
		log.Error("watch: the metrics server stopped", "error", serr.Error())
	}
	return err
}

// serviceOf names the service a request goes to, for
// semgrep_wiz_requests_total: the upload PUT to Wiz's presigned URL, Wiz's
// token endpoint, Wiz's API, or Semgrep's API.
func serviceOf(cfg *config.Config) func(*http.Request) string {
	sameURL := func(r *http.Request, raw string) bool {
		u, err := url.Parse(raw)
		return err == nil && strings.EqualFold(u.Host, r.URL.Host) && strings.TrimSuffix(u.Path, "/") == strings.TrimSuffix(r.URL.Path, "/")
	}
	host := func(raw string) string {
		u, err := url.Parse(raw)
		if err != nil {
			return ""
		}
		return strings.ToLower(u.Host)
	}
	semgrepURL := strings.TrimSuffix(cfg.Semgrep.APIURL, "/")
	wizHost := host(cfg.Wiz.APIEndpoint)
	return func(r *http.Request) string {
		switch {
		case r.Method == http.MethodPut:
			return "wiz_upload"
		case sameURL(r, cfg.Wiz.AuthURL):
			return "wiz_auth"
		case semgrepURL != "" && strings.HasPrefix(r.URL.String(), semgrepURL):
			return "semgrep"
		case wizHost != "" && strings.ToLower(r.URL.Host) == wizHost:
			return "wiz"
		}
		return "other"
	}
}
