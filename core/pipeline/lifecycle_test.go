package pipeline

import (
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/semgrep-wiz/semgrep-wiz/core/ledger"
	"github.com/semgrep-wiz/semgrep-wiz/core/semgrep/semgreptest"
	"github.com/semgrep-wiz/semgrep-wiz/core/wiz"
	"github.com/semgrep-wiz/semgrep-wiz/core/wiz/wiztest"
)

// memRig is a rig with a real ledger in a temporary state directory.
type memRig struct {
	*rig
	l     *ledger.Ledger
	state string
}

func newMemRig(t *testing.T) *memRig {
	t.Helper()
	r := newRig(t, wiztest.Options{}, nil)
	state := t.TempDir()
	l, err := ledger.Open(context.Background(), state)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return &memRig{rig: r, l: l, state: state}
}

func (m *memRig) opts() Options {
	o := m.options()
	o.Ledger = m.l
	o.Guards = DefaultGuards()
	o.Guards.UploadsPerDay = 0
	return o
}

func (m *memRig) sync(t *testing.T, o Options) *Result {
	t.Helper()
	res, err := Run(context.Background(), o)
	if err != nil {
		t.Fatalf("sync: %s: %v", res.Status, err)
	}
	return res
}

// lastUploadIDs returns, per data source, the finding ids of the newest upload
// the Wiz stand-in received (nil when the source was not in it).
func lastUploadIDs(t *testing.T, wz *wiztest.Server) map[string][]string {
	t.Helper()
	ups := wz.Uploads()
	if len(ups) == 0 {
		t.Fatal("no upload")
	}
	doc := ups[len(ups)-1].Document
	out := map[string][]string{}
	for _, d := range doc["dataSources"].([]any) {
		dm := d.(map[string]any)
		ids := []string{}
		for _, a := range dm["assets"].([]any) {
			for _, f := range a.(map[string]any)["sastFindings"].([]any) {
				ids = append(ids, f.(map[string]any)["id"].(string))
			}
		}
		out[dm["id"].(string)] = ids
	}
	return out
}

const payments = "semgrep:github.com/acme/payments-api"

func dropFindings(t *testing.T, sg *semgreptest.Server, project string, keep func(i int, f semgreptest.Finding) bool) (dropped int) {
	t.Helper()
	sg.Update(func(ds *semgreptest.Dataset) {
		for i := range ds.Projects {
			p := &ds.Projects[i]
			if p.Name != project {
				continue
			}
			var kept []semgreptest.Finding
			for j, f := range p.Findings {
				if keep(j, f) {
					kept = append(kept, f)
				} else if f.EffectiveStatus() == "open" && (f.Severity == "high" || f.Severity == "critical") {
					dropped++
				}
			}
			p.Findings = kept
		}
	})
	return dropped
}

func TestSecondSyncOfUnchangedDataIsAllUnchanged(t *testing.T) {
	m := newMemRig(t)
	first := m.sync(t, m.opts())
	if *first.Findings.New != first.Findings.Sent || *first.Findings.Unchanged != 0 || *first.Findings.Resolved != 0 {
		t.Fatalf("first sync counts %+v", first.Findings)
	}
	before := lastUploadIDs(t, m.wz)
	second := m.sync(t, m.opts())
	if *second.Findings.New != 0 || *second.Findings.Unchanged != first.Findings.Sent || *second.Findings.Resolved != 0 {
		t.Fatalf("second sync counts %+v", second.Findings)
	}
	after := lastUploadIDs(t, m.wz)
	for id, ids := range before {
		if !slices.Equal(ids, after[id]) {
			t.Errorf("%s: ids changed between two syncs of the same data", id)
		}
	}
	for id, d := range m.wz.DataSources() {
		if len(d.Resolved) != 0 {
			t.Errorf("%s: Wiz resolved %d findings on an unchanged re-sync", id, len(d.Resolved))
		}
	}
}

func TestFixedFindingsAreLeftOutAndCountedResolved(t *testing.T) {
	m := newMemRig(t)
	m.sync(t, m.opts())
	held := m.wz.DataSources()[payments].Open
	// Fix a few (below the mass-resolve guard).
	n := 0
	dropped := dropFindings(t, m.sg, "acme/payments-api", func(i int, f semgreptest.Finding) bool {
		if n < 5 && f.EffectiveStatus() == "open" && f.Severity == "critical" && f.Ref != "" && !strings.HasPrefix(f.Ref, "refs/pull/") {
			n++
			return false
		}
		return true
	})
	res := m.sync(t, m.opts())
	var sp RepoSummary
	for _, r := range res.Repositories {
		if r.DataSourceID == payments {
			sp = r
		}
	}
	if sp.Resolved == 0 || sp.Resolved > dropped || *res.Findings.Resolved != sp.Resolved {
		t.Fatalf("resolved %d (repo) / %d (run), dropped %d", sp.Resolved, *res.Findings.Resolved, dropped)
	}
	now := m.wz.DataSources()[payments]
	if len(now.Resolved) != sp.Resolved || len(now.Open) != len(held)-sp.Resolved {
		t.Fatalf("Wiz holds %d open, %d resolved; had %d", len(now.Open), len(now.Resolved), len(held))
	}
	sent := lastUploadIDs(t, m.wz)[payments]
	for _, id := range now.Resolved {
		if slices.Contains(sent, id) {
			t.Errorf("fixed finding %s was still uploaded", id)
		}
	}
	got, err := m.l.Held(context.Background(), payments)
	if err != nil || len(got) != len(now.Open) {
		t.Fatalf("ledger holds %d, Wiz %d (%v)", len(got), len(now.Open), err)
	}
}

func TestRepositoryThatLeftTheSelectionIsSentOnceEmpty(t *testing.T) {
	m := newMemRig(t)
	m.sync(t, m.opts())
	if len(m.wz.DataSources()[payments].Open) == 0 {
		t.Fatal("payments-api sent nothing to start with")
	}
	o := m.opts()
	o.Collect.Policy.ExcludeRepos = []string{"acme/payments-api"}
	o.AllowMassResolve = true // it is a deliberate removal
	res := m.sync(t, o)
	ids, ok := lastUploadIDs(t, m.wz)[payments]
	if !ok || len(ids) != 0 {
		t.Fatalf("left repository not sent empty: present %v, %d findings", ok, len(ids))
	}
	if len(m.wz.DataSources()[payments].Open) != 0 {
		t.Fatal("Wiz still holds the left repository's findings")
	}
	var state string
	for _, r := range res.Repositories {
		if r.DataSourceID == payments {
			state = r.State
		}
	}
	if state != "sent_empty" {
		t.Fatalf("state %q", state)
	}
	m.sync(t, o)
	if _, again := lastUploadIDs(t, m.wz)[payments]; again {
		t.Fatal("the left repository was sent again after Wiz resolved it")
	}
}

func TestMassResolveGuardAndOverride(t *testing.T) {
	m := newMemRig(t)
	m.sync(t, m.opts())
	heldBefore := len(m.wz.DataSources()[payments].Open)
	dropFindings(t, m.sg, "acme/payments-api", func(i int, f semgreptest.Finding) bool { return i%10 == 0 })
	uploads := len(m.wz.Uploads())

	res, err := Run(context.Background(), m.opts())
	if err != nil || res.Status != StatusPartial {
		t.Fatalf("status %s err %v", res.Status, err)
	}
	if len(m.wz.Uploads()) != uploads+1 {
		t.Fatal("other repositories were not uploaded")
	}
	if _, in := lastUploadIDs(t, m.wz)[payments]; in {
		t.Fatal("the guard did not hold the repository back")
	}
	if len(m.wz.DataSources()[payments].Open) != heldBefore {
		t.Fatal("Wiz lost findings despite the guard")
	}
	var tripped bool
	for _, g := range res.Guards {
		tripped = tripped || (g.Guard == "mass_resolve" && g.DataSourceID == payments && g.Override != "")
	}
	if !tripped {
		t.Fatalf("guards %+v", res.Guards)
	}

	o := m.opts()
	o.AllowMassResolve = true
	res = m.sync(t, o)
	if res.Status != StatusSuccess || len(m.wz.DataSources()[payments].Resolved) == 0 {
		t.Fatalf("override: status %s", res.Status)
	}
}

func TestConfirmReleasesTheMassResolveGuard(t *testing.T) {
	m := newMemRig(t)
	m.sync(t, m.opts())
	dropFindings(t, m.sg, "acme/payments-api", func(int, semgreptest.Finding) bool { return false })
	o := m.opts()
	var saw bool
	o.Confirm = func(p *Plan) bool { saw = p.MassResolveHeld; return true }
	res := m.sync(t, o)
	if !saw || len(m.wz.DataSources()[payments].Open) != 0 || res.Status != StatusSuccess {
		t.Fatalf("confirmed plan: saw guard %v, status %s", saw, res.Status)
	}
}

func TestTenantWideMassResolveStopsEverything(t *testing.T) {
	m := newMemRig(t)
	m.sync(t, m.opts())
	uploads := len(m.wz.Uploads())
	o := m.opts()
	o.Collect.Policy.IncludeRepos = []string{"acme/docs-site"} // everything else leaves
	res, err := Run(context.Background(), o)
	if !errors.Is(err, ErrHeldBack) || res.Status != StatusFailure || len(m.wz.Uploads()) != uploads {
		t.Fatalf("status %s err %v uploads %d→%d", res.Status, err, uploads, len(m.wz.Uploads()))
	}
}

func TestUploadBudgetSkipsNotFails(t *testing.T) {
	m := newMemRig(t)
	o := m.opts()
	o.Guards.UploadsPerDay = 2
	m.sync(t, o)
	m.sync(t, o)
	res := m.sync(t, o)
	if res.Status != StatusNothingToDo || len(m.wz.Uploads()) != 2 {
		t.Fatalf("third sync: status %s, uploads %d", res.Status, len(m.wz.Uploads()))
	}
	for _, r := range res.Repositories {
		if r.State != "skipped_budget" && r.State != "not_in_scope" {
			t.Errorf("%s: state %s", r.Name, r.State)
		}
	}
	o.Guards.UploadsPerDay = 3
	if res := m.sync(t, o); res.Status != StatusSuccess || len(m.wz.Uploads()) != 3 {
		t.Fatalf("raised budget: status %s", res.Status)
	}
}

func TestInterruptionAtEveryStepLeavesACleanLedger(t *testing.T) {
	for _, step := range []Step{StepCollect, StepSelect, StepEncode, StepUpload, StepPoll} {
		t.Run(string(step), func(t *testing.T) {
			m := newMemRig(t)
			ctx, cancel := context.WithCancel(context.Background())
			o := m.opts()
			inner := o.Events
			o.Events = func(e Event) {
				inner(e)
				if e.Step == step && e.Kind == StepStarted {
					cancel()
				}
			}
			res, err := Run(ctx, o)
			if err == nil || res.Status != StatusCancelled {
				t.Fatalf("status %s err %v", res.Status, err)
			}
			run, gerr := m.l.GetRun(context.Background(), res.RunID)
			if gerr != nil || run.Status != "cancelled" {
				t.Fatalf("recorded run %+v (%v)", run, gerr)
			}
			if files := workFiles(t, m.work); len(files) != 0 {
				t.Errorf("temp files left: %v", files)
			}
			if ds, _ := m.l.DataSources(context.Background()); len(ds) != 0 && step != StepPoll {
				t.Errorf("ledger records %d data sources although Wiz never confirmed", len(ds))
			}
			// The next run starts clean and sends everything.
			res = m.sync(t, m.opts())
			if res.Status != StatusSuccess || *res.Findings.Resolved != 0 {
				t.Fatalf("next run: %s, resolved %d", res.Status, *res.Findings.Resolved)
			}
		})
	}
}

func TestKilledRunIsShownInterruptedAndLockIsExclusive(t *testing.T) {
	m := newMemRig(t)
	ctx := context.Background()
	// A process that died mid-run leaves its row "running".
	if err := m.l.StartRun(ctx, ledger.Run{ID: "20260101T000000Z-dead00", StartedAt: time.Now(), Trigger: "cli", Status: "running"}); err != nil {
		t.Fatal(err)
	}
	res := m.sync(t, m.opts())
	if run, _ := m.l.GetRun(ctx, "20260101T000000Z-dead00"); run.Status != "interrupted" {
		t.Fatalf("dead run is %q", run.Status)
	}
	if len(res.Warnings) == 0 {
		t.Error("no warning about the interrupted run")
	}

	// A second sync while one holds the lock is refused, not raced.
	other, err := ledger.Open(ctx, m.state)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	release, err := other.Lock(ctx)
	if err != nil {
		t.Fatal(err)
	}
	uploads := len(m.wz.Uploads())
	res, err = Run(ctx, m.opts())
	release()
	if !errors.Is(err, ledger.ErrLocked) || res.Status != StatusFailure || len(m.wz.Uploads()) != uploads {
		t.Fatalf("concurrent sync: %s %v", res.Status, err)
	}
}

func TestPendingActivityIsRecordedByRefresh(t *testing.T) {
	r := newRig(t, wiztest.Options{PollsInProgress: 50}, func(c *wiz.Config) { c.PollDeadline = 150 * time.Millisecond })
	m := &memRig{rig: r, state: t.TempDir()}
	var err error
	if m.l, err = ledger.Open(context.Background(), m.state); err != nil {
		t.Fatal(err)
	}
	defer m.l.Close()
	res, err := Run(context.Background(), m.opts())
	if err == nil || res.Uploads[0].Status != "PENDING" {
		t.Fatalf("status %s upload %+v err %v", res.Status, res.Uploads, err)
	}
	if ds, _ := m.l.DataSources(context.Background()); len(ds) != 0 {
		t.Fatal("held sets recorded before Wiz finished")
	}
	kept := res.Uploads[0].File
	if _, err := os.Stat(kept); err != nil {
		t.Fatalf("upload file not kept for refresh: %v", err)
	}
	// Later, Wiz has finished.
	var out []RefreshedUpload
	for i := 0; i < 60; i++ {
		if out, err = Refresh(context.Background(), m.l, m.wiz, res.RunID[:12]); err != nil {
			t.Fatal(err)
		}
		if len(out) == 1 && out[0].After == "SUCCESS" {
			break
		}
	}
	if len(out) != 1 || !out[0].Recorded {
		t.Fatalf("refresh: %+v", out)
	}
	held, _ := m.l.Held(context.Background(), payments)
	if len(held) != len(m.wz.DataSources()[payments].Open) || len(held) == 0 {
		t.Fatalf("ledger holds %d after refresh", len(held))
	}
	if run, _ := m.l.GetRun(context.Background(), res.RunID); run.Status != "success" {
		t.Fatalf("run status after refresh %q", run.Status)
	}
	if _, err := os.Stat(kept); !os.IsNotExist(err) {
		t.Error("kept file not removed after it was recorded")
	}
}

func TestWatchSyncsANewFullScanWithinOneInterval(t *testing.T) {
	m := newMemRig(t)
	var mu sync.Mutex
	var results []*Result
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- Watch(ctx, WatchOptions{Run: m.opts(), Interval: 100 * time.Millisecond, RefreshAfter: time.Hour,
			OnRun: func(r *Result, _ error) {
				mu.Lock()
				results = append(results, r)
				mu.Unlock()
			}})
	}()
	waitFor := func(n int) []*Result {
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			mu.Lock()
			got := slices.Clone(results)
			mu.Unlock()
			if len(got) >= n {
				return got
			}
			time.Sleep(20 * time.Millisecond)
		}
		t.Fatalf("watch made fewer than %d runs", n)
		return nil
	}
	first := waitFor(1)[0]
	if first.Status != StatusSuccess {
		t.Fatalf("first watch run %s", first.Status)
	}
	// Nothing new: a few intervals pass without a run.
	time.Sleep(350 * time.Millisecond)
	mu.Lock()
	quiet := len(results)
	mu.Unlock()
	if quiet != 1 {
		t.Fatalf("watch ran %d times without a new scan", quiet)
	}
	// A new full scan of payments-api's branch completes.
	m.sg.Update(func(ds *semgreptest.Dataset) {
		for i := range ds.Projects {
			p := &ds.Projects[i]
			if p.Name == "acme/payments-api" {
				b := p.PrimaryBranch
				if b == "" {
					b = p.DefaultBranch
				}
				now := time.Now().UTC()
				p.Scans = append(p.Scans, semgreptest.Scan{ID: 999999, Branch: b, IsFullScan: true, Status: "SCAN_STATUS_COMPLETED", StartedAt: now.Add(-time.Minute), CompletedAt: now})
			}
		}
	})
	start := time.Now()
	second := waitFor(2)[1]
	if waited := time.Since(start); waited > time.Second {
		t.Errorf("watch took %s to react", waited)
	}
	if len(second.Repositories) != 1 || second.Repositories[0].DataSourceID != payments {
		t.Fatalf("second run covered %+v", second.Repositories)
	}
	ids := lastUploadIDs(t, m.wz)
	if _, ok := ids[payments]; !ok || len(ids) != 1 {
		t.Fatalf("second upload carried %d data sources", len(ids))
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// Restarted, watch does not send the same scan again.
	ctx2, cancel2 := context.WithTimeout(context.Background(), 400*time.Millisecond)
	defer cancel2()
	n := 0
	_ = Watch(ctx2, WatchOptions{Run: m.opts(), Interval: 100 * time.Millisecond, RefreshAfter: time.Hour, OnRun: func(*Result, error) { n++ }})
	if n != 0 {
		t.Fatalf("restarted watch sent %d times", n)
	}
}

func TestRunTimeoutFailsAndIsRecorded(t *testing.T) {
	m := newMemRig(t)
	m.sg.Inject(semgreptest.Fault{Op: semgreptest.OpFindings, Delay: 10 * time.Second, Times: 0})
	o := m.opts()
	o.Timeout = 300 * time.Millisecond
	start := time.Now()
	res, err := Run(context.Background(), o)
	if !errors.Is(err, ErrTimedOut) || res.Status != StatusFailure || time.Since(start) > 5*time.Second {
		t.Fatalf("status %s err %v after %s", res.Status, err, time.Since(start))
	}
	run, _ := m.l.GetRun(context.Background(), res.RunID)
	if run.Status != "failure" || !strings.Contains(run.Error, "timed out after 300ms") {
		t.Fatalf("recorded %+v", run)
	}
	if m.wz.SlotsRequested() != 0 {
		t.Fatal("a slot was requested after the deadline")
	}
}

// A repository that left the selection is sent empty once and never again:
// its old, empty data source must not make watch run a full sync at every
// look (it has nothing Wiz could drop).
func TestWatchDoesNotRefreshAnEmptyDataSourceForever(t *testing.T) {
	m := newMemRig(t)
	o := m.opts()
	m.sync(t, o)
	ctx := context.Background()
	if err := m.l.StartRun(ctx, ledger.Run{ID: "old", StartedAt: time.Now().Add(-48 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	up, err := m.l.AddUpload(ctx, ledger.Upload{RunID: "old", DataSources: []string{"semgrep:github.com/acme/gone"}})
	if err != nil {
		t.Fatal(err)
	}
	gone := ledger.DataSource{ID: "semgrep:github.com/acme/gone", RepoName: "acme/gone", Deployment: o.Collect.Deployment,
		LastSentAt: time.Now().Add(-48 * time.Hour)}
	if err := m.l.CommitSent(ctx, up, []ledger.SentSet{{Source: gone, FindingIDs: []string{}}}); err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	n := 0
	_ = Watch(wctx, WatchOptions{Run: o, Interval: 100 * time.Millisecond, RefreshAfter: time.Hour, OnRun: func(*Result, error) { n++ }})
	if n != 0 {
		t.Fatalf("watch ran %d full syncs for an empty data source", n)
	}
}
