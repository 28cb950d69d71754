package syncview

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/semgrep-wiz/semgrep-wiz/core/pipeline"
	"github.com/semgrep-wiz/semgrep-wiz/ui/common"
	"github.com/semgrep-wiz/semgrep-wiz/ui/uitest"
)

// fixturePlan is 38 repositories to send (1,100 new, 104 unchanged, 97 to
// be marked fixed), one that could not be read, one over the daily budget
// and one the mass-resolve guard holds back (5 new, 5 unchanged, 40 fixed).
func fixturePlan() *pipeline.Plan {
	p := &pipeline.Plan{Excluded: 312, MassResolveHeld: true, NotInScopeRepos: 4}
	for i := range 38 {
		s := &pipeline.SourcePlan{DataSourceID: fmt.Sprintf("ds-%02d", i), Name: fmt.Sprintf("acme/service-%02d", i),
			Branch: "main", Action: pipeline.ActionSend, New: 28, Unchanged: 2}
		if i < 36 {
			s.New++
		}
		if i < 28 {
			s.Unchanged++
		}
		nfix := 2
		if i < 21 {
			nfix = 3
		}
		s.WillFix = nfix // what a sync's plan carries (it keeps no id lists)
		s.Held = s.Unchanged + nfix
		p.Sources = append(p.Sources, s)
	}
	p.Sources = append(p.Sources,
		&pipeline.SourcePlan{DataSourceID: "ds-gw", Name: "acme/api-gateway", Action: pipeline.ActionSkipFailed,
			Reason: "could not be read: semgrep API: 503 Service Unavailable"},
		&pipeline.SourcePlan{DataSourceID: "ds-bill", Name: "acme/billing", Action: pipeline.ActionSkipBudget, New: 3,
			Reason: "already uploaded 3 times today (UTC); the budget is 3 per day"},
		&pipeline.SourcePlan{DataSourceID: "ds-pay", Name: "acme/payments", Action: pipeline.ActionSkipGuard, New: 5, Unchanged: 5, Held: 50,
			WillFix: 40,
			Reason:  "would mark 40 of 50 findings fixed; held back by the mass-resolve guard"},
	)
	p.FailedRepos = []string{"acme/api-gateway"}
	p.Trips = []pipeline.GuardTrip{
		{Guard: "partial_data", DataSourceID: "ds-gw", Message: "acme/api-gateway could not be read completely; it is left out so Wiz keeps its previous findings"},
		{Guard: "upload_budget", DataSourceID: "ds-bill", Message: "acme/billing: already uploaded 3 times today (UTC); the budget is 3 per day",
			Override: "raise guards.uploads_per_day in the config, or wait for the next UTC day"},
		{Guard: "mass_resolve", DataSourceID: "ds-pay", Message: "acme/payments: 40 of the 50 findings Wiz holds would be marked fixed",
			Override: "confirm interactively, or pass --allow-mass-resolve"},
	}
	p.Findings, p.New, p.Unchanged, p.Resolved, p.Repositories = 1204, 1100, 104, 97, 38
	return p
}

func fixturePreview() *common.Preview {
	return &common.Preview{Collection: &pipeline.Collection{APIFiltered: true}, Plan: fixturePlan(), Policy: "HIGH and CRITICAL · full scans only · default branch only"}
}

func intp(n int) *int { return &n }

var runStart = uitest.Fixed

func successResult() *pipeline.Result {
	r := &pipeline.Result{RunID: "20261129T120000Z-a1b2c3", Status: pipeline.StatusSuccess,
		StartedAt: runStart, FinishedAt: runStart.Add(2*time.Minute + 3*time.Second),
		Findings: pipeline.Counts{Sent: 1204, New: intp(1100), Unchanged: intp(104), Resolved: intp(97), Excluded: 312},
		Uploads: []pipeline.UploadResult{{UploadID: "8f0e6b1e-5c2a-4d1f-9b7e-2a4c6e8f0a1b", SystemActivityID: "3d9a7c51-0b8e-4f26-a1d3-7e5b9c2f4a60",
			Status: "SUCCESS", FindingsIncoming: 1204, FindingsHandled: 1204, Bytes: 1258291}},
	}
	for i := range 38 {
		r.Repositories = append(r.Repositories, pipeline.RepoSummary{Name: fmt.Sprintf("acme/service-%02d", i), State: "sent"})
	}
	return r
}

func partialResult() *pipeline.Result {
	r := successResult()
	r.Status = pipeline.StatusPartial
	r.Repositories = append(r.Repositories,
		pipeline.RepoSummary{Name: "acme/api-gateway", State: "failed", Reason: "could not be read: semgrep API: 503 Service Unavailable"})
	r.Guards = fixturePlan().Trips[:1]
	r.Warnings = []string{"1 repositories could not be read and were left out (their findings in Wiz are unchanged)"}
	return r
}

func failureResult() *pipeline.Result {
	r := partialResult()
	r.Status = pipeline.StatusFailure
	r.Warnings = nil
	r.Uploads = []pipeline.UploadResult{{Status: "NOT_SENT", Bytes: 1258291}}
	r.Error = "uploading to Wiz: requesting upload slot: the service account lacks create:external_data_ingestion"
	return r
}

// inbox holds what a launched command returned, in arrival order.
type inbox struct {
	ch   chan tea.Msg
	kept []tea.Msg // arrived but not yet asked for
}

// launch runs a command and its batches concurrently and delivers what
// they return; ticks that never fire in time simply never arrive.
func launch(cmd tea.Cmd) *inbox {
	in := &inbox{ch: make(chan tea.Msg, 64)}
	var run func(tea.Cmd)
	run = func(c tea.Cmd) {
		if c == nil {
			return
		}
		go func() {
			msg := c()
			if b, ok := msg.(tea.BatchMsg); ok {
				for _, x := range b {
					run(x)
				}
				return
			}
			if msg != nil {
				in.ch <- msg
			}
		}()
	}
	run(cmd)
	return in
}

// take returns the first message of type T that arrived or arrives
// within d, leaving the others for later.
func take[T any](in *inbox, d time.Duration) (T, bool) {
	for i, msg := range in.kept {
		if v, ok := msg.(T); ok {
			in.kept = append(in.kept[:i:i], in.kept[i+1:]...)
			return v, true
		}
	}
	deadline := time.After(d)
	for {
		select {
		case msg := <-in.ch:
			if v, ok := msg.(T); ok {
				return v, true
			}
			in.kept = append(in.kept, msg)
		case <-deadline:
			var zero T
			return zero, false
		}
	}
}

// await returns the first message of type T.
func await[T any](t *testing.T, in *inbox) T {
	t.Helper()
	v, ok := take[T](in, 3*time.Second)
	if !ok {
		t.Fatalf("no %T arrived", v)
	}
	return v
}

// none asserts that no message of type T arrives within a short while.
func none[T any](t *testing.T, in *inbox) {
	t.Helper()
	if v, ok := take[T](in, 150*time.Millisecond); ok {
		t.Fatalf("unexpected %T: %+v", v, v)
	}
}

type harness struct {
	t    *testing.T
	f    *uitest.Fake
	c    *common.Common
	m    *Model
	opts chan common.SyncOptions
	ctxs chan context.Context
}

// newHarness is a screen whose fake plans fixturePreview and whose sync
// records its options and context, then answers with result (or blocks
// until cancelled when result is nil).
func newHarness(t *testing.T, w, h int, result func() *pipeline.Result) *harness {
	hs := &harness{t: t, opts: make(chan common.SyncOptions, 4), ctxs: make(chan context.Context, 4)}
	hs.f = &uitest.Fake{
		PreviewFn: func(all bool) (*common.Preview, error) {
			if all {
				t.Error("the sync screen asked for a preview of everything")
			}
			return fixturePreview(), nil
		},
		SyncFn: func(ctx context.Context, o common.SyncOptions, ev pipeline.Sink) (*pipeline.Result, error) {
			hs.opts <- o
			hs.ctxs <- ctx
			if result != nil {
				return result(), nil
			}
			<-ctx.Done()
			return &pipeline.Result{RunID: "20261129T120000Z-c4nc31", Status: pipeline.StatusCancelled,
				StartedAt: runStart, FinishedAt: runStart.Add(40 * time.Second), Error: "context canceled"}, ctx.Err()
		},
	}
	hs.c = uitest.Common(hs.f)
	hs.m = New(hs.c)
	hs.m.SetSize(w, h)
	t.Cleanup(func() { // release syncs that wait for cancellation
		if hs.m.cancel != nil {
			hs.m.cancel()
		}
	})
	return hs
}

// confirm plans and takes the plan's answer.
func (h *harness) confirm() {
	h.t.Helper()
	ch := launch(h.m.Init())
	if h.m.State() != Planning {
		h.t.Fatalf("state %v after Init, want Planning", h.m.State())
	}
	h.m.Update(await[planMsg](h.t, ch))
	if h.m.State() != Confirming {
		h.t.Fatalf("state %v after the plan, want Confirming", h.m.State())
	}
}

func (h *harness) press(keys ...string) tea.Cmd {
	var cmds []tea.Cmd
	for _, k := range keys {
		_, cmd := h.m.Update(uitest.Key(k))
		cmds = append(cmds, cmd)
	}
	return tea.Batch(cmds...)
}

func (h *harness) view() string { return uitest.Plain(h.m.View()) }

func assertFits(t *testing.T, v string, w, h int) {
	t.Helper()
	n, width := uitest.Lines(v)
	if n > h || width > w {
		t.Fatalf("view is %d lines × %d columns, more than %d×%d:\n%s", n, width, w, h, uitest.Plain(v))
	}
}

// assertHas looks for each text in the view, also across wrapped lines.
func assertHas(t *testing.T, v string, wants ...string) {
	t.Helper()
	flat := regexp.MustCompile(`\n +`).ReplaceAllString(v, " ")
	for _, w := range wants {
		if !strings.Contains(v, w) && !strings.Contains(flat, w) {
			t.Errorf("view lacks %q:\n%s", w, v)
		}
	}
}

func TestConfirmStatesWhatWillHappen(t *testing.T) {
	h := newHarness(t, 120, 38, nil)
	h.confirm()
	v := h.view()
	assertHas(t, v,
		"Send 1,204 findings for 38 repositories to Wiz. 97 will be marked fixed in Wiz.",
		"1,100 new · 104 unchanged (already in Wiz) · 312 excluded by the policy",
		"Left out (3)",
		"failed", "acme/api-gateway — could not be read: semgrep API: 503 Service Unavailable",
		"over budget", "acme/billing — already uploaded 3 times today",
		"held by guard", "acme/payments — would mark 40 of 50 findings fixed",
		"Guards that tripped (3)",
		"acme/payments: 40 of the 50 findings Wiz holds would be marked fixed",
		"press A to send anyway",
		"to override: raise guards.uploads_per_day in the config",
		"[ ] Dry run (press d): write the upload file only; nothing is sent to Wiz",
		"Start the sync? y/enter yes · n/esc no",
		"other severities and statuses: not fetched, filtered by the API",
	)
	if p, s := h.f.Count("Preview"), h.f.Count("Sync"); p != 1 || s != 0 {
		t.Fatalf("%d Preview and %d Sync calls: want one Preview and no Sync before confirmation", p, s)
	}
	uitest.Golden(t, "sync-confirm-120x40", h.m.View())
	assertFits(t, h.m.View(), 120, 38)
	h.m.SetSize(80, 22)
	uitest.Golden(t, "sync-confirm-80x24", h.m.View())
	assertFits(t, h.m.View(), 80, 22)

	// A releases what the guard holds back, and the sentence says so.
	h.m.SetSize(120, 38)
	h.press("A")
	v = h.view()
	assertHas(t, v, "Send 1,214 findings for 39 repositories to Wiz. 137 will be marked fixed in Wiz.", "✓ will be sent anyway", "Left out (2)")
	if strings.Contains(v, "held by guard") {
		t.Errorf("the released repository is still listed as held:\n%s", v)
	}
	h.press("d")
	assertHas(t, h.view(), "[x] Dry run", "Dry run: write the upload file for 1,214 findings in 39 repositories — nothing is sent to Wiz.")
}

func TestStartCallsSyncOnceWithOptions(t *testing.T) {
	for _, tc := range []struct {
		keys []string
		want common.SyncOptions
	}{
		{[]string{"y"}, common.SyncOptions{}},
		{[]string{"enter"}, common.SyncOptions{}},
		{[]string{"A", "y"}, common.SyncOptions{AllowMassResolve: true}},
		{[]string{"A", "A", "y"}, common.SyncOptions{}},
		{[]string{"d", "enter"}, common.SyncOptions{DryRun: true}},
		{[]string{"A", "d", "y"}, common.SyncOptions{AllowMassResolve: true, DryRun: true}},
	} {
		t.Run(strings.Join(tc.keys, "+"), func(t *testing.T) {
			h := newHarness(t, 80, 22, successResult)
			h.confirm()
			ch := launch(h.press(tc.keys...))
			if h.m.State() != Running {
				t.Fatalf("state %v, want Running", h.m.State())
			}
			if b := await[common.BusyMsg](t, ch); !b.Busy {
				t.Fatal("no BusyMsg{true} when the run starts")
			}
			got := <-h.opts
			if got.Confirmed == nil || got.Confirmed != h.m.preview.Plan {
				t.Fatal("Sync was not given the plan the user confirmed")
			}
			if got.Confirmed = nil; got != tc.want {
				t.Fatalf("Sync options %+v, want %+v", got, tc.want)
			}
			res := await[resultMsg](t, ch)
			// More keys while running start nothing.
			if cmd := h.press("y", "enter"); cmd != nil {
				none[resultMsg](t, launch(cmd))
			}
			if h.f.Count("Sync") != 1 {
				t.Fatalf("%d Sync calls, want 1", h.f.Count("Sync"))
			}
			_, cmd := h.m.Update(res)
			if h.m.State() != Done {
				t.Fatalf("state %v after the result, want Done", h.m.State())
			}
			if b := await[common.BusyMsg](t, launch(cmd)); b.Busy {
				t.Fatal("no BusyMsg{false} when the run ends")
			}
		})
	}
}

func TestNothingSendableWithoutOverride(t *testing.T) {
	h := newHarness(t, 80, 22, successResult)
	h.f.PreviewFn = func(bool) (*common.Preview, error) {
		p := fixturePlan()
		for _, s := range p.Sources {
			if s.Action == pipeline.ActionSend {
				s.Action = pipeline.ActionSkipGuard
			}
		}
		p.Trips = append(p.Trips, pipeline.GuardTrip{Guard: "tenant_mass_resolve",
			Message: "this upload would mark 137 of the 150 findings Wiz holds from semgrep-wiz fixed", Override: "confirm interactively, or pass --allow-mass-resolve"})
		return &common.Preview{Plan: p}, nil
	}
	h.confirm()
	assertHas(t, h.view(), "Nothing will be sent unless you confirm", "A send anyway")
	if cmd := h.press("y"); cmd != nil || h.m.State() != Confirming || h.f.Count("Sync") != 0 {
		t.Fatalf("y started a sync that would send nothing (state %v)", h.m.State())
	}
	h.press("A")
	assertHas(t, h.view(), "Send 1,214 findings for 39 repositories to Wiz.")
	launch(h.press("y"))
	if got := <-h.opts; !got.AllowMassResolve {
		t.Fatalf("options %+v, want AllowMassResolve", got)
	}
}

func TestBackAndReplan(t *testing.T) {
	h := newHarness(t, 80, 22, nil)
	h.confirm()
	msg := await[common.NavigateMsg](t, launch(h.press("esc")))
	if msg.To != common.Home {
		t.Fatalf("esc navigated to %v, want Home", msg.To)
	}
	h.press("A", "d")
	ch := launch(h.press("r"))
	if h.m.State() != Planning || h.m.allowMass {
		t.Fatal("r did not plan again from scratch")
	}
	stale := planMsg{gen: h.m.planGen - 1, err: errors.New("old")}
	h.m.Update(stale)
	if h.m.State() != Planning {
		t.Fatal("a stale plan answer was taken")
	}
	h.m.Update(await[planMsg](t, ch))
	if h.m.State() != Confirming || h.f.Count("Preview") != 2 {
		t.Fatalf("state %v, %d previews", h.m.State(), h.f.Count("Preview"))
	}
}

func TestPlanErrorOffersRetry(t *testing.T) {
	h := newHarness(t, 80, 22, nil)
	fail := true
	h.f.PreviewFn = func(bool) (*common.Preview, error) {
		if fail {
			return nil, errors.New("finding the Semgrep deployment: 401 Unauthorized: the token was revoked")
		}
		return fixturePreview(), nil
	}
	h.m.Update(await[planMsg](t, launch(h.m.Init())))
	if h.m.State() != PlanFailed {
		t.Fatalf("state %v, want PlanFailed", h.m.State())
	}
	assertHas(t, h.view(), "The sync could not be planned", "the token was revoked", "r try again")
	fail = false
	h.m.Update(await[planMsg](t, launch(h.press("r"))))
	if h.m.State() != Confirming {
		t.Fatalf("state %v after retry", h.m.State())
	}
}

// events is a run up to mid-upload: bytes at pct of 1.2 MB.
func events(pct float64) []pipeline.Event {
	const total = 1258291
	return []pipeline.Event{
		{Kind: pipeline.StepStarted, Step: pipeline.StepCollect},
		{Kind: pipeline.StepProgress, Step: pipeline.StepCollect, Repo: "acme/service-07", Done: 12, Total: 39},
		{Kind: pipeline.RepoFailed, Step: pipeline.StepCollect, Repo: "acme/api-gateway", Message: "semgrep API: 503 Service Unavailable"},
		{Kind: pipeline.StepFinished, Step: pipeline.StepCollect, Done: 39, Total: 39},
		{Kind: pipeline.StepStarted, Step: pipeline.StepSelect},
		{Kind: pipeline.StepFinished, Step: pipeline.StepSelect, Done: 1204, Total: 1516, Message: "1,204 findings selected in 38 repositories, 312 excluded"},
		{Kind: pipeline.Warning, Step: pipeline.StepSelect, Message: "acme/api-gateway could not be read completely; it is left out so Wiz keeps its previous findings"},
		{Kind: pipeline.StepStarted, Step: pipeline.StepEncode},
		{Kind: pipeline.StepFinished, Step: pipeline.StepEncode, Done: total, Total: total, Message: "/tmp/semgrep-wiz/semgrep-wiz-20261129T120000Z-a1b2c3.json"},
		{Kind: pipeline.StepStarted, Step: pipeline.StepUpload, Total: total},
		{Kind: pipeline.BytesSent, Step: pipeline.StepUpload, Done: int64(pct * total), Total: total},
	}
}

func pollEvents() []pipeline.Event {
	const act = "3d9a7c51-0b8e-4f26-a1d3-7e5b9c2f4a60"
	return []pipeline.Event{
		{Kind: pipeline.StepFinished, Step: pipeline.StepUpload, Done: 1258291, Total: 1258291},
		{Kind: pipeline.StepStarted, Step: pipeline.StepPoll, Message: act},
	}
}

func (h *harness) feed(evs ...pipeline.Event) {
	for _, e := range evs {
		h.m.Update(common.EventMsg{Event: e})
	}
}

func TestEventsDriveSteps(t *testing.T) {
	h := newHarness(t, 120, 38, nil)
	h.confirm()
	launch(h.press("y"))
	<-h.opts
	v := h.view()
	assertHas(t, v, "Syncing — elapsed 0s", "• Reading findings", "• Waiting for Wiz to process", "c cancel")

	h.feed(events(0.5)[:2]...)
	if s := h.m.stepOf(pipeline.StepCollect); s.status != stepActive || !strings.Contains(h.view(), "12 of 39 repositories read (acme/service-07)") {
		t.Fatalf("collect progress not shown:\n%s", h.view())
	}
	h.feed(events(0.5)[2:]...)
	for _, id := range []pipeline.Step{pipeline.StepCollect, pipeline.StepSelect, pipeline.StepEncode} {
		if s := h.m.stepOf(id); s.status != stepOK {
			t.Errorf("step %s is %v, want done", id, s.status)
		}
	}
	if s := h.m.stepOf(pipeline.StepUpload); s.status != stepActive {
		t.Errorf("upload is %v, want active", s.status)
	}
	assertHas(t, h.view(),
		"✓ Reading findings", "39 repositories read",
		"✓ Applying the policy", "1,204 findings selected in 38 repositories, 312 excluded",
		"✓ Writing the upload file", "1.2 MiB written",
		"Uploading to Wiz", "614.4 KiB of 1.2 MiB", " 50%",
		"Repositories that failed", "✗ acme/api-gateway — semgrep API: 503 Service Unavailable",
		"Warnings",
	)

	h.feed(pollEvents()...)
	assertHas(t, h.view(), "✓ Uploading to Wiz", "1.2 MiB sent", "activity 3d9a7c51-0b8e-4f26-a1d3-7e5b9c2f4a60: not registered yet")
	if strings.Contains(h.view(), "%") {
		t.Errorf("the progress bar stays after the upload:\n%s", h.view())
	}
	h.feed(pipeline.Event{Kind: pipeline.ActivityStatus, Step: pipeline.StepPoll,
		Activity: &pipeline.ActivityInfo{ID: "3d9a7c51-0b8e-4f26-a1d3-7e5b9c2f4a60", Status: "IN_PROGRESS"}})
	assertHas(t, h.view(), "activity 3d9a7c51-0b8e-4f26-a1d3-7e5b9c2f4a60: IN_PROGRESS")
	h.feed(pipeline.Event{Kind: pipeline.StepFinished, Step: pipeline.StepPoll, Message: "SUCCESS",
		Activity: &pipeline.ActivityInfo{ID: "3d9a7c51-0b8e-4f26-a1d3-7e5b9c2f4a60", Status: "SUCCESS", StatusInfo: "1204 findings ingested"}})
	assertHas(t, h.view(), "✓ Waiting for Wiz to process", "SUCCESS — 1204 findings ingested")

	// A failed step shows its message.
	h.feed(pipeline.Event{Kind: pipeline.StepFailed, Step: pipeline.StepPoll, Message: "wiz: activity polling timed out after 30m"})
	assertHas(t, h.view(), "✗ Waiting for Wiz to process", "activity polling timed out after 30m")
}

func TestElapsedTicksWhileRunning(t *testing.T) {
	h := newHarness(t, 80, 22, nil)
	h.confirm()
	launch(h.press("y"))
	now := runStart.Add(72 * time.Second)
	h.c.Now = func() time.Time { return now }
	assertHas(t, h.view(), "elapsed 1m12s")
	if _, cmd := h.m.Update(elapsedMsg{gen: h.m.runGen}); cmd == nil {
		t.Fatal("the elapsed tick is not re-armed while running")
	}
	if _, cmd := h.m.Update(elapsedMsg{gen: h.m.runGen - 1}); cmd != nil {
		t.Fatal("a stale elapsed tick is re-armed")
	}
}

func TestRunningGoldenMidUpload(t *testing.T) {
	for _, sz := range [][2]int{{80, 22}, {120, 38}} {
		h := newHarness(t, sz[0], sz[1], nil)
		h.confirm()
		launch(h.press("y"))
		<-h.opts
		h.feed(events(0.4)...)
		h.c.Now = func() time.Time { return runStart.Add(72 * time.Second) }
		assertHas(t, h.view(), " 40%", "491.5 KiB of 1.2 MiB")
		name := fmt.Sprintf("sync-running-%dx%d", sz[0], sz[1]+2)
		uitest.Golden(t, name, h.m.View())
		assertFits(t, h.m.View(), sz[0], sz[1])
	}
}

func TestCancelFlow(t *testing.T) {
	h := newHarness(t, 120, 38, nil)
	h.confirm()
	ch := launch(h.press("y"))
	<-h.opts
	ctx := <-h.ctxs

	// The root forwards ctrl+c as the common message; n keeps the run going.
	h.m.Update(common.CancelRequestMsg{})
	assertHas(t, h.view(), "Cancel the sync? Nothing more will be sent; the run is recorded as cancelled. y/N")
	h.press("n")
	if h.m.askCancel || ctx.Err() != nil {
		t.Fatal("n cancelled or kept asking")
	}
	// c asks too; y cancels the context the service got.
	h.press("c")
	if !h.m.askCancel {
		t.Fatal("c did not ask")
	}
	h.press("y")
	select {
	case <-ctx.Done():
	case <-time.After(2 * time.Second):
		t.Fatal("the sync's context was not cancelled")
	}
	assertHas(t, h.view(), "Cancelling…")
	if h.m.State() != Running {
		t.Fatal("the screen left Running before the result came back")
	}
	// The step that was interrupted reports a failure on its way out.
	h.feed(events(1)...)
	h.feed(pollEvents()...)
	h.feed(pipeline.Event{Kind: pipeline.StepFailed, Step: pipeline.StepPoll, Message: "wait for activity: cancelled"})
	res := await[resultMsg](t, ch)
	_, cmd := h.m.Update(res)
	if s := h.m.stepOf(pipeline.StepPoll); s.status != stepStopped {
		t.Errorf("the cancelled step shows as %v, want stopped", s.status)
	}
	if h.m.State() != Done || h.m.Result().Status != pipeline.StatusCancelled {
		t.Fatalf("state %v result %+v", h.m.State(), h.m.Result())
	}
	if b := await[common.BusyMsg](t, launch(cmd)); b.Busy {
		t.Fatal("no BusyMsg{false} after the cancelled run")
	}
	assertHas(t, h.view(), "– Cancelled — nothing more was sent; the run is recorded as cancelled", "Stopped while", "context canceled")
	if strings.Contains(h.view(), "Error") {
		t.Errorf("a cancellation is shown as an error:\n%s", h.view())
	}
}

func TestCancelRequestOutsideRunIgnored(t *testing.T) {
	h := newHarness(t, 80, 22, nil)
	h.confirm()
	h.m.Update(CancelRequestMsg{})
	if h.m.askCancel || strings.Contains(h.view(), "Cancel the sync?") {
		t.Fatal("asked to cancel a sync that is not running")
	}
}

// finishWith runs the sync to the given result after the usual events.
func finishWith(t *testing.T, w, hgt int, result func() *pipeline.Result, evs []pipeline.Event) *harness {
	t.Helper()
	h := newHarness(t, w, hgt, result)
	h.confirm()
	ch := launch(h.press("y"))
	<-h.opts
	h.feed(evs...)
	h.m.Update(await[resultMsg](t, ch))
	if h.m.State() != Done {
		t.Fatalf("state %v, want Done", h.m.State())
	}
	return h
}

func successEvents() []pipeline.Event {
	evs := append(events(1), pollEvents()...)
	return append(evs, pipeline.Event{Kind: pipeline.StepFinished, Step: pipeline.StepPoll, Message: "SUCCESS",
		Activity: &pipeline.ActivityInfo{ID: "3d9a7c51-0b8e-4f26-a1d3-7e5b9c2f4a60", Status: "SUCCESS"}})
}

func TestDoneSuccess(t *testing.T) {
	for _, sz := range [][2]int{{80, 22}, {120, 38}} {
		h := finishWith(t, sz[0], sz[1], partialResult, successEvents())
		v := h.view()
		assertHas(t, v, "! Partial", "took 2m03s",
			"1,204 sent · 1,100 new · 104 unchanged · 97 marked fixed · 312 excluded",
			"38 sent · 1 left out",
			"8f0e6b1e-5c2a-4d1f-9b7e-2a4c6e8f0a1b", "3d9a7c51-0b8e-4f26-a1d3-7e5b9c2f4a60",
			"SUCCESS — 1,204 of 1,204 findings handled",
			"h history of this run")
		uitest.Golden(t, fmt.Sprintf("sync-done-%dx%d", sz[0], sz[1]+2), h.m.View())
		assertFits(t, h.m.View(), sz[0], sz[1])
	}
	h := finishWith(t, 120, 38, successResult, successEvents())
	assertHas(t, h.view(), "✓ Success — Wiz accepted and processed the upload")
	if msg := await[common.NavigateMsg](t, launch(h.press("h"))); msg.To != common.History || msg.Arg != "20261129T120000Z-a1b2c3" {
		t.Fatalf("h navigated to %+v", msg)
	}
	if msg := await[common.NavigateMsg](t, launch(h.press("enter"))); msg.To != common.Home {
		t.Fatalf("enter navigated to %+v", msg)
	}
	if msg := await[common.NavigateMsg](t, launch(h.press("esc"))); msg.To != common.Home {
		t.Fatalf("esc navigated to %+v", msg)
	}
}

func splitResult() *pipeline.Result {
	r := successResult()
	r.Status = pipeline.StatusPartial
	r.Uploads = []pipeline.UploadResult{
		{UploadID: "8f0e6b1e-5c2a-4d1f-9b7e-2a4c6e8f0a1b", SystemActivityID: "3d9a7c51-0b8e-4f26-a1d3-7e5b9c2f4a60", Status: "SUCCESS",
			FindingsIncoming: 700, FindingsHandled: 700, Bytes: 99 << 20,
			DataSources: []string{"semgrep:github.com/acme/service-00", "semgrep:github.com/acme/service-01", "semgrep:github.com/acme/service-02"}},
		{Status: "NOT_SENT", Bytes: 97 << 20, DataSources: []string{"semgrep:github.com/acme/service-03"},
			Error: "uploading to Wiz: PUT refused by the storage (HTTP 403)"},
		{UploadID: "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f", SystemActivityID: "7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d", Status: "SUCCESS",
			FindingsIncoming: 504, FindingsHandled: 504, Bytes: 40 << 20, DataSources: []string{"semgrep:github.com/acme/service-04"}},
	}
	r.Warnings = []string{"1 of 3 uploads did not succeed; what Wiz holds for these data sources is unchanged (the next sync sends them again): semgrep:github.com/acme/service-03"}
	r.Repositories[3].DataSourceID = "semgrep:github.com/acme/service-03"
	r.Repositories[3].State, r.Repositories[3].Reason = "upload_failed", "upload 2 of 3: "+r.Uploads[1].Error
	return r
}

// A sync split into several uploads lists every one at the end.
func TestDoneListsEveryUploadOfASplitSync(t *testing.T) {
	for _, sz := range [][2]int{{80, 22}, {120, 38}} {
		h := finishWith(t, sz[0], sz[1], splitResult, successEvents())
		v := h.view()
		assertHas(t, v, "! Partial",
			"Upload 1/3", "8f0e6b1e-5c2a-4d1f-9b7e-2a4c6e8f0a1b", "99.0 MiB", "SUCCESS — 700 of 700 handled",
			"github.com/acme/service-00, github.com/acme/service-01 and 1 more",
			"Upload 2/3", "97.0 MiB · not sent", "github.com/acme/service-03",
			"Upload 3/3", "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f", "SUCCESS — 504 of 504 handled",
			"37 sent · 1 upload failed", "Left out (1)", "acme/service-03 (upload failed) — upload 2 of 3: uploading to Wiz: PUT refused")
		if strings.Contains(v, "Wiz status") {
			t.Errorf("a split sync still shows a single upload's fields:\n%s", v)
		}
		uitest.Golden(t, fmt.Sprintf("sync-done-split-%dx%d", sz[0], sz[1]+2), h.m.View())
		assertFits(t, h.m.View(), sz[0], sz[1])
	}
}

func TestDoneFailure(t *testing.T) {
	evs := append(events(0)[:9], pipeline.Event{Kind: pipeline.StepStarted, Step: pipeline.StepUpload, Total: 1258291},
		pipeline.Event{Kind: pipeline.StepFailed, Step: pipeline.StepUpload, Message: "requesting upload slot: the service account lacks create:external_data_ingestion"})
	h := finishWith(t, 120, 38, failureResult, evs)
	v := h.view()
	assertHas(t, v, "✗ Failed", "Error", "the service account lacks create:external_data_ingestion",
		"✗ Uploading to Wiz", "– Waiting for Wiz to process  not reached", "1.2 MiB · not sent", "1,204 planned, not sent", "97 would be marked fixed")
	if strings.Contains(v, "Activity") {
		t.Errorf("an activity is shown for an upload that never happened:\n%s", v)
	}
	uitest.Golden(t, "sync-done-failure-120x40", h.m.View())

	// The service failing without a result still ends the run.
	h2 := newHarness(t, 80, 22, nil)
	h2.f.SyncFn = func(context.Context, common.SyncOptions, pipeline.Sink) (*pipeline.Result, error) {
		return nil, errors.New("another sync is running (the ledger is locked)")
	}
	h2.confirm()
	ch := launch(h2.press("y"))
	h2.m.Update(await[resultMsg](t, ch))
	assertHas(t, h2.view(), "The sync could not run", "the ledger is locked", "enter/esc home")
	if cmd := h2.press("h"); cmd != nil {
		t.Fatal("h offered the history of a run that has no id")
	}
}

func TestStaleResultIgnored(t *testing.T) {
	h := newHarness(t, 80, 22, nil)
	h.confirm()
	launch(h.press("y"))
	h.m.Update(resultMsg{gen: h.m.runGen - 1, res: successResult()})
	if h.m.State() != Running {
		t.Fatal("a result of another run ended this one")
	}
}

func TestViewsFitSmallSizes(t *testing.T) {
	for _, sz := range [][2]int{{60, 12}, {40, 8}, {80, 22}} {
		h := finishWith(t, sz[0], sz[1], partialResult, successEvents())
		assertFits(t, h.m.View(), sz[0], sz[1])
		for range 60 {
			h.press("j")
		}
		assertFits(t, h.m.View(), sz[0], sz[1])
		assertHas(t, h.view(), "h history")

		h = newHarness(t, sz[0], sz[1], nil)
		h.confirm()
		assertFits(t, h.m.View(), sz[0], sz[1])
		launch(h.press("y"))
		h.feed(events(0.4)...)
		assertFits(t, h.m.View(), sz[0], sz[1])
	}
}

var _ common.Screen = (*Model)(nil)

// The run found a mass-resolve guard tripping that the confirmed plan did
// not show: nothing was sent, and the screen plans again and asks, saying
// why.
func TestPlanChangedAsksAgain(t *testing.T) {
	h := newHarness(t, 80, 24, nil)
	h.f.SyncFn = func(ctx context.Context, o common.SyncOptions, _ pipeline.Sink) (*pipeline.Result, error) {
		return &pipeline.Result{Status: pipeline.StatusCancelled},
			fmt.Errorf("%w; nothing was sent: acme/billing: 90 of the 100 findings Wiz holds would be marked fixed", common.ErrPlanChanged)
	}
	h.confirm()
	ch := launch(h.press("y"))
	res := await[resultMsg](t, ch)
	_, cmd := h.m.Update(res)
	if h.m.State() != Planning {
		t.Fatalf("state %v, want Planning again", h.m.State())
	}
	in := launch(cmd)
	if b := await[common.BusyMsg](t, in); b.Busy {
		t.Fatal("the screen stayed busy")
	}
	h.m.Update(await[planMsg](t, in))
	if h.m.State() != Confirming {
		t.Fatalf("state %v, want Confirming", h.m.State())
	}
	v := h.view()
	assertHas(t, v, "Asking again", "acme/billing: 90 of the 100", "Start the sync?")
	assertFits(t, v, 80, 24)
	if h.f.Count("Sync") != 1 {
		t.Fatalf("%d Sync calls; the screen must wait for the user", h.f.Count("Sync"))
	}
	uitest.Golden(t, "plan_changed_80x24", h.m.View())
}

// A dry run or a run cancelled before its upload never says "sent".
func TestDoneNeverSaysSentWhenNothingWas(t *testing.T) {
	dry := func() *pipeline.Result {
		r := successResult()
		r.Status = pipeline.StatusDryRun
		r.Uploads = []pipeline.UploadResult{{Status: "NOT_SENT", Bytes: 1258291, File: "/tmp/x.json"}}
		return r
	}
	cancelled := func() *pipeline.Result {
		r := successResult()
		r.Status = pipeline.StatusCancelled
		r.Uploads = nil
		r.Error = "cancelled before upload"
		return r
	}
	for name, tc := range map[string]struct {
		res  func() *pipeline.Result
		want string
	}{
		"dry run":   {dry, "1,204 in the upload file"},
		"cancelled": {cancelled, "1,204 planned, not sent"},
	} {
		h := finishWith(t, 120, 38, tc.res, events(1))
		v := h.view()
		assertHas(t, v, tc.want)
		if regexp.MustCompile(`\d sent\b`).MatchString(v) {
			t.Errorf("%s: the done view says sent:\n%s", name, v)
		}
	}
}

// Unconfigured, the sync screen points to the wizard, and s opens it.
func TestPlanNotSetUpPointsToTheWizard(t *testing.T) {
	m := New(uitest.Common(&uitest.Fake{}))
	m.SetSize(80, 22)
	m.plan()
	ns := &common.NotSetUpError{Settings: []string{"semgrep.token"}, Err: errors.New("semgrep.token: is not set — set SEMGREP_APP_TOKEN"), Hint: common.SetUpHint}
	m.Update(planMsg{gen: m.planGen, err: ns})
	v := uitest.Plain(m.View())
	if !strings.Contains(v, "Press s to set up") || strings.Contains(v, "SEMGREP_APP_TOKEN") {
		t.Errorf("the unconfigured sync does not point to the wizard:\n%s", v)
	}
	_, cmd := m.Update(uitest.Key("s"))
	if cmd == nil {
		t.Fatal("s does nothing")
	}
	if msg, _ := cmd().(common.NavigateMsg); msg.To != common.Setup {
		t.Errorf("s navigates to %+v", msg)
	}
}
