package syncview

import (
	"context"
	"errors"
	"slices"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/semgrep-wiz/semgrep-wiz/core/ledger"
	"github.com/semgrep-wiz/semgrep-wiz/core/pipeline"
	"github.com/semgrep-wiz/semgrep-wiz/ui/common"
)

// Following a sync another process runs (watch, a sync from cron): the
// screen reads what that run records in the ledger — its steps, warnings,
// upload and activity — and, when it ends, shows its result as it shows
// one it ran itself. It cannot cancel it.

// followEvery is how often the ledger is read while following.
var followEvery = 500 * time.Millisecond

// elsewhereMsg answers the look made before planning.
type elsewhereMsg struct {
	gen int
	e   *ledger.Elsewhere
}

// followMsg is one read of the followed run.
type followMsg struct {
	gen    int
	e      *ledger.Elsewhere // nil: no process holds the lock any more
	detail *common.RunDetail // nil until the run is recorded
	err    error
}

// followTickMsg starts the next read.
type followTickMsg struct{ gen int }

// lookElsewhere asks whether another process runs a sync.
func (m *Model) lookElsewhere() tea.Cmd {
	gen, svc, ctx := m.planGen, m.c.Service, m.c.Ctx
	return func() tea.Msg {
		e, _ := svc.SyncElsewhere(ctx)
		return elsewhereMsg{gen: gen, e: e}
	}
}

// follow switches to following e.
func (m *Model) follow(e *ledger.Elsewhere) tea.Cmd {
	m.planGen++ // a plan under way is no longer wanted
	if m.planCancel != nil {
		m.planCancel()
		m.planCancel = nil
	}
	m.runGen++
	m.state, m.offset, m.elsewhere = Following, 0, e
	m.started = e.Since
	if e.Run != nil {
		m.started = e.Run.StartedAt
	}
	if m.started.IsZero() {
		m.started = m.c.Now()
	}
	m.resetRun(e.Run != nil && e.Run.DryRun)
	return tea.Batch(m.readFollowed(), m.tick(), m.elapsedTick())
}

func (m *Model) readFollowed() tea.Cmd {
	gen, svc, ctx := m.runGen, m.c.Service, m.c.Ctx
	var runID string
	if m.elsewhere != nil && m.elsewhere.Run != nil {
		runID = m.elsewhere.Run.ID
	}
	return func() tea.Msg {
		e, err := svc.SyncElsewhere(ctx)
		if err != nil {
			return followMsg{gen: gen, err: err}
		}
		if runID == "" && e != nil && e.Run != nil {
			runID = e.Run.ID
		}
		msg := followMsg{gen: gen, e: e}
		if runID != "" {
			d, err := svc.Run(ctx, runID)
			if err != nil {
				return followMsg{gen: gen, err: err}
			}
			msg.detail = &d
		}
		return msg
	}
}

func (m *Model) followTick() tea.Cmd {
	gen := m.runGen
	return tea.Tick(followEvery, func(time.Time) tea.Msg { return followTickMsg{gen: gen} })
}

// followed folds one read of the followed run into the screen.
func (m *Model) followed(msg followMsg) tea.Cmd {
	if msg.err != nil {
		if w := "reading the ledger: " + msg.err.Error(); !slices.Contains(m.warnings, w) {
			m.warnings = append(m.warnings, w)
		}
		return m.followTick()
	}
	if msg.e != nil {
		m.elsewhere = msg.e
	}
	d := msg.detail
	if d == nil {
		if msg.e == nil {
			// It ended (or died) before it recorded anything.
			return m.finish(nil, errGoneUnrecorded)
		}
		return m.followTick()
	}
	if m.elsewhere != nil && m.elsewhere.Run == nil {
		r := d.Run
		m.elsewhere.Run = &r
	}
	m.resetRun(d.Run.DryRun)
	for _, le := range d.Events {
		m.event(eventOf(le))
	}
	if d.Run.Status != ledger.StatusRunning {
		return m.finish(resultOf(*d), nil)
	}
	if msg.e == nil {
		// Still "running" in the ledger, but no process holds the lock:
		// it was killed; the next sync marks it interrupted.
		res := resultOf(*d)
		res.Status, res.Error = ledger.StatusInterrupted, "the process running this sync stopped before it finished; the next sync marks it interrupted"
		return m.finish(res, nil)
	}
	return m.followTick()
}

var errGoneUnrecorded = errors.New("the sync running elsewhere ended before it recorded anything; see History")

// eventOf turns a recorded event back into the pipeline's event.
func eventOf(le ledger.Event) pipeline.Event {
	e := pipeline.Event{Time: le.Time, Kind: pipeline.Kind(le.Kind), Step: pipeline.Step(le.Step), Repo: le.Repo,
		Message: le.Message, Done: le.Done, Total: le.Total}
	if le.ActivityID != "" || le.ActivityStatus != "" {
		a := &pipeline.ActivityInfo{ID: le.ActivityID, Status: le.ActivityStatus}
		if le.ActivityStatus == "NOT_FOUND" {
			a.Status, a.NotFound = "", true
		}
		e.Activity = a
	}
	return e
}

// resultOf is the result a finished run recorded.
func resultOf(d common.RunDetail) *pipeline.Result {
	r := d.Run
	nw, un, rs := r.New, r.Unchanged, r.Resolved
	res := &pipeline.Result{RunID: r.ID, Status: pipeline.Status(r.Status), StartedAt: r.StartedAt, FinishedAt: r.FinishedAt,
		Findings:     pipeline.Counts{Sent: r.Sent, New: &nw, Unchanged: &un, Resolved: &rs, Excluded: r.Excluded},
		Repositories: []pipeline.RepoSummary{}, Uploads: []pipeline.UploadResult{}, Error: r.Error}
	for _, u := range d.Uploads {
		res.Uploads = append(res.Uploads, pipeline.UploadResult{UploadID: u.UploadID, SystemActivityID: u.SystemActivityID,
			Status: u.Status, StatusInfo: u.StatusInfo, FindingsIncoming: u.FindingsIncoming, FindingsHandled: u.FindingsHandled,
			DataSources: u.DataSources, File: u.File, Bytes: u.Bytes, SHA256: u.SHA256})
		// The ledger keeps which data sources each upload carried, not the
		// per-repository summary: they are what was sent.
		for _, ds := range u.DataSources {
			res.Repositories = append(res.Repositories, pipeline.RepoSummary{Name: ds, DataSourceID: ds, State: "sent"})
		}
	}
	return res
}

// resetRun clears the live view for a run (dry runs have no upload steps).
func (m *Model) resetRun(dryRun bool) {
	m.askCancel, m.cancelling = false, false
	m.bytesDone, m.bytesTotal, m.activity = 0, 0, nil
	m.failures, m.warnings, m.result, m.runErr = nil, nil, nil, nil
	m.steps = []step{
		{id: pipeline.StepCollect, label: "Reading findings"},
		{id: pipeline.StepSelect, label: "Applying the policy"},
		{id: pipeline.StepEncode, label: "Writing the upload file"},
	}
	if !dryRun {
		m.steps = append(m.steps,
			step{id: pipeline.StepUpload, label: "Uploading to Wiz"},
			step{id: pipeline.StepPoll, label: "Waiting for Wiz to process"})
	}
}

// planContext is the context of one plan, cancelled when following
// replaces it.
func (m *Model) planContext() context.Context {
	if m.planCancel != nil {
		m.planCancel()
	}
	ctx, cancel := context.WithCancel(m.c.Ctx)
	m.planCancel = cancel
	return ctx
}
