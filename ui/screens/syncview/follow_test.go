package syncview

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/semgrep-wiz/semgrep-wiz/core/ledger"
	"github.com/semgrep-wiz/semgrep-wiz/core/pipeline"
	"github.com/semgrep-wiz/semgrep-wiz/ui/common"
	"github.com/semgrep-wiz/semgrep-wiz/ui/uitest"
)

// TestFollowsASyncRunningElsewhere: when watch holds the lock, the screen
// does not plan a sync of its own; it follows watch's run from what the
// ledger records (steps, the activity) and ends on its result.
func TestFollowsASyncRunningElsewhere(t *testing.T) {
	start := runStart
	run := ledger.Run{ID: "20261129T120000Z-w4tch1", Trigger: "watch", Status: ledger.StatusRunning, StartedAt: start}
	events := []ledger.Event{
		{Time: start, Kind: "step_started", Step: "collect"},
		{Time: start, Kind: "step_finished", Step: "collect", Done: 9, Total: 9},
		{Time: start, Kind: "step_started", Step: "select"},
	}
	gone := false
	f := &uitest.Fake{
		PreviewFn: func(bool) (*common.Preview, error) { return fixturePreview(), nil },
		ElsewhereFn: func() (*ledger.Elsewhere, error) {
			if gone {
				return nil, nil
			}
			r := run
			return &ledger.Elsewhere{PID: 4242, Host: "build-1", Since: start, Run: &r}, nil
		},
		RunFn: func(id string) (common.RunDetail, error) {
			if id != run.ID {
				t.Errorf("read run %s", id)
			}
			d := common.RunDetail{Run: run, Events: append([]ledger.Event(nil), events...)}
			if run.Status != ledger.StatusRunning {
				d.Uploads = []ledger.Upload{{UploadID: "u1", Status: "SUCCESS", DataSources: []string{"semgrep:github.com/acme/a", "semgrep:github.com/acme/b"}}}
			}
			return d, nil
		},
	}
	m := New(uitest.Common(f))
	m.SetSize(100, 30)
	in := launch(m.Init())
	m.Update(await[elsewhereMsg](t, in))
	if m.State() != Following {
		t.Fatalf("state %v, want Following", m.State())
	}
	// The plan started alongside the look is dropped.
	if p, ok := take[planMsg](in, time.Second); ok {
		m.Update(p)
		if m.State() != Following {
			t.Fatal("a plan answer took the screen away from the followed run")
		}
	}
	read := func() {
		t.Helper()
		_, cmd := m.Update(followTickMsg{gen: m.runGen})
		m.Update(await[followMsg](t, launch(cmd)))
	}
	read()
	v := uitest.Plain(m.View())
	for _, want := range []string{"Following a sync started elsewhere", "Started by watch", "pid 4242 on host build-1", "esc home"} {
		if !strings.Contains(v, want) {
			t.Errorf("view lacks %q:\n%s", want, v)
		}
	}
	if s := m.stepOf("collect"); s == nil || s.status != stepOK {
		t.Errorf("collect step %+v", s)
	}
	if s := m.stepOf("select"); s == nil || s.status != stepActive {
		t.Errorf("select step %+v", s)
	}
	if f.Count("Sync") != 0 {
		t.Error("the screen started a sync of its own")
	}

	// The run goes on and ends: the screen shows its result.
	events = append(events,
		ledger.Event{Time: start, Kind: "step_finished", Step: "select"},
		ledger.Event{Time: start, Kind: "activity_status", Step: "poll", ActivityID: "act-1", ActivityStatus: "IN_PROGRESS"})
	read()
	if m.activity == nil || m.activity.ID != "act-1" {
		t.Errorf("activity %+v", m.activity)
	}
	run.Status, run.FinishedAt, run.Sent, run.New = "success", start.Add(time.Minute), 120, 7
	gone = true
	read()
	if m.State() != Done || m.Result() == nil || m.Result().RunID != run.ID || m.Result().Findings.Sent != 120 {
		t.Fatalf("state %v, result %+v", m.State(), m.Result())
	}
	if v := uitest.Plain(m.View()); !strings.Contains(v, "history of this run") || !strings.Contains(v, "2 sent") {
		t.Errorf("done view:\n%s", v)
	}
}

// TestFollowedRunWhoseProcessDied: the ledger still says running, but no
// process holds the lock: the screen stops following and says so.
func TestFollowedRunWhoseProcessDied(t *testing.T) {
	run := ledger.Run{ID: "r-dead", Trigger: "watch", Status: ledger.StatusRunning, StartedAt: runStart}
	m := New(uitest.Common(&uitest.Fake{
		RunFn: func(string) (common.RunDetail, error) { return common.RunDetail{Run: run}, nil },
	}))
	m.SetSize(100, 30)
	launch(m.follow(&ledger.Elsewhere{PID: 1, Host: "h", Run: &run}))
	_, cmd := m.Update(followTickMsg{gen: m.runGen})
	m.Update(await[followMsg](t, launch(cmd)))
	if m.State() != Done || m.Result() == nil || m.Result().Status != ledger.StatusInterrupted {
		t.Fatalf("state %v result %+v", m.State(), m.Result())
	}
}

// TestStartLosingTheLockFollowsTheWinner: the plan was confirmed, but
// another process took the lock first: the screen follows that sync.
func TestStartLosingTheLockFollowsTheWinner(t *testing.T) {
	run := ledger.Run{ID: "r-watch", Trigger: "watch", Status: ledger.StatusRunning, StartedAt: runStart}
	var other *ledger.Elsewhere
	f := &uitest.Fake{
		PreviewFn: func(bool) (*common.Preview, error) { return fixturePreview(), nil },
		SyncFn: func(context.Context, common.SyncOptions, pipeline.Sink) (*pipeline.Result, error) {
			other = &ledger.Elsewhere{PID: 7, Host: "h", Run: &run}
			err := &ledger.LockedError{PID: 7, Host: "h"}
			return &pipeline.Result{Status: pipeline.StatusFailure, Error: err.Error()}, err
		},
		ElsewhereFn: func() (*ledger.Elsewhere, error) { return other, nil },
		RunFn:       func(string) (common.RunDetail, error) { return common.RunDetail{Run: run}, nil },
	}
	m := New(uitest.Common(f))
	m.SetSize(100, 30)
	in := launch(m.Init())
	m.Update(await[elsewhereMsg](t, in)) // nothing runs yet
	m.Update(await[planMsg](t, in))
	if m.State() != Confirming {
		t.Fatalf("state %v", m.State())
	}
	m.allowMass = true
	_, cmd := m.Update(uitest.Key("y"))
	in = launch(cmd)
	_, cmd = m.Update(await[resultMsg](t, in))
	m.Update(await[elsewhereMsg](t, launch(cmd)))
	if m.State() != Following || m.elsewhere == nil || m.elsewhere.Run.ID != "r-watch" {
		t.Fatalf("state %v, following %+v", m.State(), m.elsewhere)
	}
}
