package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/user"
	"sync"
	"time"

	"github.com/semgrep-wiz/semgrep-wiz/core/ledger"
)

// recorder writes a run into the ledger: the run row, its events (step
// boundaries, failures, warnings, activity changes — not every progress
// tick) and its upload. Writes use their own short deadline, so a
// cancelled run is still recorded as cancelled.
type recorder struct {
	l     *ledger.Ledger
	runID string
	next  Sink

	mu      sync.Mutex
	run     ledger.Run
	started bool
	buf     []ledger.Event
	lastAct map[string]string // last status recorded, by activity id

	// commitMu makes the uploads' commits one at a time: they read the
	// one id spool.
	commitMu sync.Mutex
}

func recordCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 10*time.Second)
}

func (r *recorder) sink(e Event) {
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	if e.RunID == "" {
		e.RunID = r.runID
	}
	r.next.emit(e)
	if r.l == nil {
		return
	}
	switch e.Kind {
	case BytesSent, StepProgress:
		return
	}
	le := ledger.Event{Time: e.Time, Kind: string(e.Kind), Step: string(e.Step), Repo: e.Repo, Message: e.Message, Done: e.Done, Total: e.Total}
	if a := e.Activity; a != nil {
		st := a.Status
		if a.NotFound {
			st = "NOT_FOUND"
		}
		le.ActivityID, le.ActivityStatus = a.ID, st
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if e.Kind == ActivityStatus {
		if r.lastAct == nil {
			r.lastAct = map[string]string{}
		}
		if le.ActivityStatus == r.lastAct[le.ActivityID] {
			return
		}
		r.lastAct[le.ActivityID] = le.ActivityStatus
	}
	r.buf = append(r.buf, le)
	// Step boundaries and activity changes are written at once: a TUI
	// following this run from another process reads them live. Warnings
	// and failures, which can come by the thousand, wait for the next.
	switch e.Kind {
	case StepStarted, StepFinished, StepFailed, ActivityStatus:
		r.flushLocked()
	}
}

func (r *recorder) flushLocked() {
	if !r.started || len(r.buf) == 0 {
		return
	}
	ctx, cancel := recordCtx()
	defer cancel()
	if err := r.l.AddEvents(ctx, r.runID, r.buf...); err == nil {
		r.buf = r.buf[:0]
	}
}

func (r *recorder) start(ctx context.Context, o Options, at time.Time) error {
	pol, _ := json.Marshal(o.Collect.Policy)
	src := "files"
	if len(o.Collect.Files) == 0 {
		src = "api:" + o.Collect.Deployment
	}
	host, _ := os.Hostname()
	who := ""
	if u, err := user.Current(); err == nil {
		who = u.Username
	}
	trigger := o.Trigger
	if trigger == "" {
		trigger = "cli"
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.run = ledger.Run{ID: r.runID, StartedAt: at, Trigger: trigger, User: who, Host: host, Policy: string(pol), Source: src, DryRun: o.DryRun, Status: "running"}
	if err := r.l.StartRun(ctx, r.run); err != nil {
		return err
	}
	r.started = true
	return nil
}

func (r *recorder) finish(res *Result, p *Plan) {
	if r.l == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.started {
		return
	}
	r.flushLocked()
	run := r.run
	run.FinishedAt, run.Status, run.Error = res.FinishedAt, string(res.Status), res.Error
	run.Sent, run.Excluded = res.Findings.Sent, res.Findings.Excluded
	if p != nil {
		run.New, run.Unchanged, run.Resolved, run.Repositories = p.New, p.Unchanged, p.Resolved, p.Repositories
	}
	ctx, cancel := recordCtx()
	defer cancel()
	_ = r.l.FinishRun(ctx, run)
}

// addUpload records one upload of the run (a run has one per upload
// file) and returns its row, 0 when nothing is recorded.
func (r *recorder) addUpload(up *UploadResult) int64 {
	if r.l == nil {
		return 0
	}
	ctx, cancel := recordCtx()
	defer cancel()
	id, err := r.l.AddUpload(ctx, ledger.Upload{RunID: r.runID, File: up.File, Bytes: up.Bytes, SHA256: up.SHA256, DataSources: up.DataSources})
	if err != nil {
		return 0
	}
	return id
}

func (r *recorder) updateUpload(row int64, up *UploadResult, delivered bool) {
	if r.l == nil || row == 0 {
		return
	}
	ctx, cancel := recordCtx()
	defer cancel()
	_ = r.l.UpdateUpload(ctx, ledger.Upload{ID: row, RunID: r.runID, File: up.File, Bytes: up.Bytes, SHA256: up.SHA256,
		UploadID: up.UploadID, SystemActivityID: up.SystemActivityID, Status: up.Status, StatusInfo: up.StatusInfo,
		FindingsIncoming: up.FindingsIncoming, FindingsHandled: up.FindingsHandled, DataSources: up.DataSources, Delivered: delivered})
}

// commit records what Wiz holds now for every source the upload (ledger
// row) carried, and only those: the sources of another upload of the run
// keep their state until that one succeeds. Their ids come back from the
// spool one data source at a time.
func (r *recorder) commit(p *Plan, ids *idSpool, row int64, carried []string) error {
	if r.l == nil {
		return nil
	}
	if row == 0 {
		return errors.New("the upload was not recorded")
	}
	r.commitMu.Lock()
	defer r.commitMu.Unlock()
	in := make(map[string]bool, len(carried))
	for _, id := range carried {
		in[id] = true
	}
	uploaded := map[string]*SourcePlan{}
	for _, s := range p.Sources {
		if s.Uploads() && in[s.DataSourceID] {
			uploaded[s.DataSourceID] = s
		}
	}
	sets := func(yield func(ledger.SentSet, error) bool) {
		if ids != nil {
			for sp, err := range ids.sets() {
				if err != nil {
					yield(ledger.SentSet{}, err)
					return
				}
				s := uploaded[sp.id]
				if s == nil {
					continue // planned, but not in this upload
				}
				delete(uploaded, sp.id)
				if !yield(ledger.SentSet{Source: s.ledgerSource(r.runID, len(sp.ids)), FindingIDs: sp.ids}, nil) {
					return
				}
			}
		}
		for _, s := range p.Sources { // sources sent empty
			if uploaded[s.DataSourceID] == nil {
				continue
			}
			if s.Action != ActionSendEmpty {
				yield(ledger.SentSet{}, fmt.Errorf("internal: the finding ids of %s were not kept", s.DataSourceID))
				return
			}
			if !yield(ledger.SentSet{Source: s.ledgerSource(r.runID, 0), FindingIDs: []string{}}, nil) {
				return
			}
		}
	}
	// A million ids take seconds to record; the deadline is for a stuck
	// database, not for a large organisation.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	return r.l.CommitSentSeq(ctx, row, sets)
}

func (s *SourcePlan) ledgerSource(runID string, count int) ledger.DataSource {
	d := ledger.DataSource{ID: s.DataSourceID, RepoName: s.Name, RepoURL: s.URL, Branch: s.Branch, LastSentAt: time.Now().UTC(), LastRunID: runID, Count: count}
	if s.repo != nil {
		d.Deployment, d.FromFile, d.LastScanAt = s.repo.Repo.Deployment, s.repo.FromFile, s.repo.FullScan
	} else {
		d.Deployment, d.FromFile = s.src.Deployment, s.src.FromFile
	}
	return d
}
