package main

import (
	"context"
	"fmt"
	"time"

	"github.com/semgrep-wiz/semgrep-wiz/core/sync"
)

type watchOpts struct{ interval, refresh time.Duration }

func cmdWatch(ctx context.Context, c *common, o watchOpts, e env) error {
	defer streamingGC(e)()
	interval, refresh := o.interval, o.refresh
	if len(c.from) > 0 {
		return usagef("watch reads the Semgrep API; --from files are for one-off syncs")
	}
	a, err := loadApp(c, e, needs{wiz: true, semgrep: true})
	if err != nil {
		return err
	}
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
	events, closeLog := a.events(e)
	defer closeLog()
	logf := func(format string, args ...any) {
		msg := fmt.Sprintf(format, args...)
		fmt.Fprintf(e.stderr, "%s watch: %s\n", time.Now().UTC().Format("2006-01-02 15:04:05Z"), msg)
		events(sync.Event{Kind: "watch", Message: msg})
	}
	return sync.Watch(ctx, sync.WatchOptions{
		Run: sync.Options{
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
	})
}
