package pipeline

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/semgrep-wiz/semgrep-wiz/core/finding"
	"github.com/semgrep-wiz/semgrep-wiz/core/ledger"
	"github.com/semgrep-wiz/semgrep-wiz/core/semgrep"
	"github.com/semgrep-wiz/semgrep-wiz/core/status"
)

// WatchOptions configure watch mode.
type WatchOptions struct {
	// Run is the template of every sync watch starts (API mode, with its
	// ledger, Wiz client, guards and schema options). Its Collect.Repos
	// and Trigger are set per run.
	Run Options
	// Interval between looks for new full scans.
	Interval time.Duration
	// RefreshAfter re-sends every data source at least this often, so
	// nothing expires in Wiz (which drops findings not refreshed within 7
	// days).
	RefreshAfter time.Duration
	// RunTimeout bounds each sync watch starts (default 2 hours), so a
	// hung remote cannot stall watch for good.
	RunTimeout time.Duration
	// Logf reports what watch decides and what each run did.
	Logf func(format string, args ...any)
	// OnRun, when set, sees each run's result as the run ends: the watch
	// command logs it (a line per repository) and, with --listen, updates
	// its metrics from it; tests count runs with it.
	OnRun func(*Result, error)
	Now   func() time.Time
}

// Watch stays running until ctx ends: every interval it looks for newly
// completed full scans of each repository's branch and syncs the
// repositories that have one (several scans within one interval make one
// sync), and once RefreshAfter has passed since a data source was last
// sent it runs a full sync, which also resolves repositories that left the
// selection. What was synced is in the ledger, so a restart does not send
// again. Only the end of ctx stops it; failed runs are logged and retried
// at the next look.
func Watch(ctx context.Context, o WatchOptions) error {
	if o.Run.Ledger == nil || o.Run.Collect.Semgrep == nil || o.Run.Wiz == nil {
		return errors.New("watch needs the Semgrep API, Wiz credentials and a ledger")
	}
	if o.Interval <= 0 {
		o.Interval = 10 * time.Minute
	}
	if o.RefreshAfter <= 0 {
		o.RefreshAfter = 24 * time.Hour
	}
	if o.RunTimeout <= 0 {
		o.RunTimeout = 2 * time.Hour
	}
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	logf := o.Logf
	if logf == nil {
		logf = func(string, ...any) {}
	}
	logf("watching deployment %s every %s; every data source is re-sent at least every %s", o.Run.Collect.Deployment, o.Interval, o.RefreshAfter)
	t := time.NewTicker(o.Interval)
	defer t.Stop()
	// tried remembers scans a run already looked at in this process, so a
	// repository that stays out of scope (or unsendable) is not retried
	// every interval for the same scan.
	tried := map[string]time.Time{}
	for {
		if err := watchOnce(ctx, o, now(), tried, logf); err != nil && ctx.Err() == nil {
			logf("this look failed, trying again in %s: %v", o.Interval, err)
		}
		select {
		case <-ctx.Done():
			logf("stopped")
			return nil
		case <-t.C:
		}
	}
}

// watchOnce decides what is due now and runs it.
func watchOnce(ctx context.Context, o WatchOptions, now time.Time, tried map[string]time.Time, logf func(string, ...any)) error {
	sg, l := o.Run.Collect.Semgrep, o.Run.Ledger
	dep, err := sg.Deployment(ctx, o.Run.Collect.Deployment)
	if err != nil {
		return err
	}
	projects, err := sg.Projects(ctx, dep.Slug)
	if err != nil {
		return err
	}
	known, err := l.DataSources(ctx)
	if err != nil {
		return err
	}
	held := map[string]ledger.DataSource{}
	stale := len(known) == 0 // never synced: start with a full run
	for _, d := range known {
		held[d.ID] = d
		// status.NeedsRefresh is the rule `status` reports as "due"; an
		// empty source (a repository that left the selection) is sent once
		// and has nothing Wiz could drop, so it never forces a full sync.
		if d.Deployment == dep.Slug && status.NeedsRefresh(d, now, o.RefreshAfter) {
			stale = true
		}
	}
	if stale {
		logf("a full sync is due (first run, or a data source was last sent more than %s ago)", o.RefreshAfter)
		return runWatch(ctx, o, nil, logf)
	}

	full := true
	scans, err := sg.SearchScans(ctx, dep.ID, semgrep.ScanQuery{IsFullScan: &full, Since: now.Add(-o.Run.Collect.Policy.MaxScanAge)})
	if err != nil {
		return err
	}
	byRepo := map[int64][]semgrep.Scan{}
	for _, s := range scans {
		byRepo[s.RepositoryID] = append(byRepo[s.RepositoryID], s)
	}
	var due []string
	scanOf := map[string]time.Time{}
	for _, p := range projects {
		if !o.Run.Collect.Policy.RepoSelected(p.Name) {
			continue
		}
		branch := p.PrimaryBranch
		if branch == "" {
			branch = p.DefaultBranch
		}
		latest := latestFullScan(byRepo[p.ID], finding.NormalizeBranch(branch))
		if latest.IsZero() {
			continue
		}
		id := finding.DataSourceID(finding.Repository{Name: p.Name, URL: p.URL, Deployment: dep.Slug})
		if d, ok := held[id]; (!ok || latest.After(d.LastScanAt)) && !latest.Equal(tried[p.Name]) {
			due = append(due, p.Name)
			scanOf[p.Name] = latest
		}
	}
	if len(due) == 0 {
		return nil
	}
	sort.Strings(due)
	logf("new full scans for %d repositories: %v", len(due), due)
	if err := runWatch(ctx, o, due, logf); err != nil {
		return err // not marked tried: the next look tries again
	}
	for _, name := range due {
		tried[name] = scanOf[name]
	}
	return nil
}

func runWatch(ctx context.Context, o WatchOptions, repos []string, logf func(string, ...any)) error {
	ro := o.Run
	ro.Collect.Repos = repos
	ro.Trigger = "watch"
	ro.Confirm = nil // unattended: the guards decide, never a person
	ro.AllowMassResolve = false
	ro.Timeout = o.RunTimeout
	res, err := Run(ctx, ro)
	if o.OnRun != nil {
		o.OnRun(res, err)
	}
	if res != nil {
		logf("run %s: %s (%s)", res.RunID, res.Status, res.countsText())
		for _, g := range res.Guards {
			logf("run %s: %s", res.RunID, g.Message)
		}
	}
	if err != nil {
		return fmt.Errorf("sync: %w", err)
	}
	return nil
}

func countState(r *Result, states ...string) int {
	n := 0
	for _, repo := range r.Repositories {
		for _, s := range states {
			if repo.State == s {
				n++
			}
		}
	}
	return n
}

func derefOr(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}
