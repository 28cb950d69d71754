package main

import (
	"context"
	"fmt"
	"time"

	"github.com/semgrep-wiz/semgrep-wiz/core/app"
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
	if len(c.From) > 0 {
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
	a, err := loadApp(c, e, app.Needs{Wiz: true, Semgrep: true})
	if err != nil {
		return err
	}
	defer streamingGC(e, workSync, a.Config.Semgrep.Concurrency)()
	if interval == 0 {
		interval = a.Config.Watch.Interval.Duration
	}
	if refresh == 0 {
		refresh = a.Config.Watch.RefreshAfter.Duration
	}
	if interval < time.Second && !e.testing {
		return usagef("watch: --interval %s is too short; use at least 1m", interval)
	}
	if refresh > 7*24*time.Hour {
		return usagef("watch: --refresh-after %s is longer than the 7 days after which Wiz drops findings", refresh)
	}
	led, err := a.OpenLedger(ctx)
	if err != nil {
		return err
	}
	defer led.Close()
	fileLog, closeLog := a.EventLog()
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
			Collect: a.CollectOptions(events),
			Schema:  a.SchemaOptions(),
			Wiz:     a.Wiz,
			Ledger:  led,
			Guards:  a.Guards(),
			WorkDir: a.WorkDir(),
			Events:  events,
			// wiz.max_upload_mb
			MaxUploadBytes: a.MaxUploadBytes(),
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
