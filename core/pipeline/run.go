package pipeline

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/semgrep-wiz/semgrep-wiz/core/ledger"
	"github.com/semgrep-wiz/semgrep-wiz/core/wiz"
	"github.com/semgrep-wiz/semgrep-wiz/core/wizschema"
)

// Status is the outcome of a run, as DESIGN §4 names it.
type Status string

const (
	StatusSuccess     Status = "success"
	StatusPartial     Status = "partial"
	StatusFailure     Status = "failure"
	StatusSkipped     Status = "skipped"
	StatusDryRun      Status = "dry_run"
	StatusCancelled   Status = "cancelled"
	StatusNothingToDo Status = "nothing_to_do"
)

// Options configures one run.
type Options struct {
	Collect CollectOptions
	Schema  wizschema.Options
	// Wiz uploads the file; nil only for dry runs.
	Wiz *wiz.Client
	// Ledger remembers what Wiz holds from us, the runs and their events.
	// Nil runs without memory: every finding counts as new and nothing is
	// recorded (tests and one-off dry runs).
	Ledger *ledger.Ledger
	Guards Guards
	// AllowMassResolve lets an upload through that the mass-resolve guard
	// would hold back (--allow-mass-resolve).
	AllowMassResolve bool
	// Trigger is recorded with the run: cli, watch, tui, demo.
	Trigger string
	// Timeout bounds the whole run; when it runs out the run fails, says
	// so and is recorded as a failure. Zero means no limit.
	Timeout time.Duration
	// DryRun writes the upload file and contacts no Wiz endpoint.
	DryRun bool
	// OutDir keeps the upload file there; otherwise the file lives in
	// WorkDir and is removed once Wiz has answered.
	OutDir  string
	WorkDir string
	// Confirm is asked once the plan is known and before anything is
	// uploaded; false cancels the run, true also releases what the
	// mass-resolve guard held back (the plan says so). Nil means yes.
	Confirm func(*Plan) bool
	// KeepHeld keeps what the mass-resolve guard held back when Confirm
	// says yes: the user confirmed the plan without sending those anyway.
	KeepHeld bool
	Events   Sink
}

// Counts are the finding totals of a run. New, Unchanged and Resolved
// need the ledger; they are nil without one.
type Counts struct {
	Sent      int  `json:"sent"`
	New       *int `json:"new"`
	Unchanged *int `json:"unchanged"`
	Resolved  *int `json:"resolved"`
	Excluded  int  `json:"excluded"`
}

// UploadResult is one upload to Wiz.
type UploadResult struct {
	UploadID         string   `json:"upload_id"`
	SystemActivityID string   `json:"system_activity_id"`
	Status           string   `json:"status"`
	StatusInfo       string   `json:"status_info"`
	FindingsIncoming int      `json:"findings_incoming"`
	FindingsHandled  int      `json:"findings_handled"`
	DataSources      []string `json:"data_sources"`
	File             string   `json:"file,omitempty"`
	Bytes            int64    `json:"bytes"`
	SHA256           string   `json:"sha256,omitempty"`
}

// RepoSummary is one data source's line in the result.
type RepoSummary struct {
	Name         string `json:"name"`
	URL          string `json:"url,omitempty"`
	DataSourceID string `json:"data_source_id"`
	Branch       string `json:"branch,omitempty"`
	// State: sent, sent_empty, not_in_scope, failed, skipped_budget,
	// held_by_guard.
	State     string `json:"state"`
	Reason    string `json:"reason,omitempty"`
	Sent      int    `json:"sent"`
	New       int    `json:"new"`
	Unchanged int    `json:"unchanged"`
	Resolved  int    `json:"resolved"`
	Excluded  int    `json:"excluded"`
}

// Result is what `sync --json` prints.
type Result struct {
	RunID        string         `json:"run_id"`
	Status       Status         `json:"status"`
	StartedAt    time.Time      `json:"started_at"`
	FinishedAt   time.Time      `json:"finished_at"`
	Findings     Counts         `json:"findings"`
	Repositories []RepoSummary  `json:"repositories"`
	Uploads      []UploadResult `json:"uploads"`
	Guards       []GuardTrip    `json:"guards,omitempty"`
	Files        []string       `json:"files,omitempty"`
	// ScanErrors lists the CLI files whose scan reported errors.
	ScanErrors []FileScan `json:"scan_errors,omitempty"`
	Warnings   []string   `json:"warnings,omitempty"`
	Error      string     `json:"error,omitempty"`
}

// NewRunID returns a sortable, unique run id.
func NewRunID(now time.Time) string {
	var b [3]byte
	_, _ = rand.Read(b[:])
	return now.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
}

// ErrTimedOut is the cause of a run that Options.Timeout stopped.
var ErrTimedOut = errors.New("the sync timed out")

// ErrHeldBack is the cause of a run whose whole upload the guards held back.
var ErrHeldBack = errors.New("held back by the mass-resolve guard")

// Run performs one sync. It always returns a Result (with Status and Error
// set on failure) so callers can report it; the error is the cause of a
// failed or cancelled run. With a ledger the run, its events and its
// upload are recorded, and what Wiz holds is updated only after Wiz
// reported SUCCESS.
func Run(ctx context.Context, o Options) (*Result, error) {
	start := time.Now().UTC()
	res := &Result{RunID: NewRunID(start), StartedAt: start, Uploads: []UploadResult{}, Repositories: []RepoSummary{}}
	if (o.Guards == Guards{}) {
		o.Guards = DefaultGuards()
	}

	if o.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, o.Timeout, ErrTimedOut)
		defer cancel()
	}
	rec := &recorder{l: o.Ledger, runID: res.RunID, next: o.Events}
	o.Events = rec.sink
	o.Collect.Events = o.Events
	var plan *Plan
	finish := func(st Status, err error) (*Result, error) {
		switch {
		case err != nil && errors.Is(context.Cause(ctx), ErrTimedOut):
			st = StatusFailure
			err = fmt.Errorf("%w after %s; nothing more was sent: %w", ErrTimedOut, o.Timeout, err)
		case err != nil && ctx.Err() != nil:
			st = StatusCancelled
		}
		res.Status = st
		res.FinishedAt = time.Now().UTC()
		if err != nil {
			res.Error = err.Error()
		}
		rec.finish(res, plan)
		return res, err
	}

	if !o.DryRun && o.Wiz == nil {
		return finish(StatusFailure, errors.New("no Wiz client configured"))
	}
	if o.Ledger != nil {
		release, err := o.Ledger.Lock(ctx)
		if err != nil {
			res.Status, res.Error, res.FinishedAt = StatusFailure, err.Error(), time.Now().UTC()
			return res, err // not recorded: the other run owns the ledger now
		}
		defer release()
		if n, err := o.Ledger.MarkInterrupted(ctx); err == nil && n > 0 {
			res.Warnings = append(res.Warnings, fmt.Sprintf("%d earlier run(s) had been interrupted; they are marked so in the history", n))
		}
		if err := rec.start(ctx, o, start); err != nil {
			return finish(StatusFailure, err)
		}
	}

	if !o.DryRun {
		// Credentials first: a wrong secret should not cost a full fetch.
		if _, err := o.Wiz.Token(ctx); err != nil {
			o.Events.emit(Event{Kind: StepFailed, Step: StepUpload, Message: err.Error()})
			return finish(StatusFailure, fmt.Errorf("signing in to Wiz: %w", err))
		}
	}
	st, err := newStreamer(o, res.RunID)
	if err != nil {
		return finish(StatusFailure, err)
	}
	defer st.close()
	if plan, err = st.run(ctx); err != nil {
		plan = nil
		return finish(StatusFailure, err)
	}
	col := st.col
	// What the CLI files said about their scans, once per run.
	res.ScanErrors = col.Scans
	for _, fs := range col.Scans {
		if fs.Warnings > 0 {
			res.Warnings = append(res.Warnings, fmt.Sprintf("%s: Semgrep reported %d %s that concern single files (%s); its findings are still included",
				fs.File, fs.Warnings, pluralWord(fs.Warnings, "error", "errors"), fs.WarningKinds))
		}
	}
	for _, t := range plan.Trips {
		o.Events.emit(Event{Kind: Warning, Step: StepSelect, Message: t.Message + overrideText(t)})
	}
	if plan.Repositories == 0 && !plan.MassResolveHeld {
		summarise(col, plan, res, o.Ledger != nil)
		if len(plan.FailedRepos) > 0 {
			return finish(StatusFailure, fmt.Errorf("%s could not be read and nothing else is to be sent: %s", repos(len(plan.FailedRepos)), firstFailure(col)))
		}
		return finish(StatusNothingToDo, nil)
	}
	if o.Confirm != nil {
		if !o.Confirm(plan) {
			summarise(col, plan, res, o.Ledger != nil)
			return finish(StatusCancelled, errors.New("cancelled before upload"))
		}
		if plan.MassResolveHeld && !o.KeepHeld {
			if err := st.release(); err != nil {
				return finish(StatusFailure, err)
			}
		}
	}
	summarise(col, plan, res, o.Ledger != nil)
	if plan.Repositories == 0 {
		return finish(StatusFailure, fmt.Errorf("%w: %s", ErrHeldBack, "nothing was uploaded; review `semgrep-wiz preview`, then confirm interactively or pass --allow-mass-resolve"))
	}

	path, stats, err := st.finish()
	if err != nil {
		return finish(StatusFailure, err)
	}
	up := UploadResult{File: path, Bytes: stats.Bytes, DataSources: uploadedIDs(plan)}
	up.SHA256, _ = fileSHA256(path)
	if o.OutDir != "" {
		res.Files = append(res.Files, path)
	}
	if o.DryRun {
		up.Status = "NOT_SENT"
		res.Uploads = append(res.Uploads, up)
		return finish(StatusDryRun, nil)
	}

	status, keep, err := upload(ctx, o, rec, plan, st.ids, path, &up)
	res.Uploads = append(res.Uploads, up)
	if o.OutDir == "" && !keep {
		os.Remove(path)
	}
	if err != nil {
		return finish(StatusFailure, err)
	}
	if status == StatusSuccess && (len(plan.FailedRepos) > 0 || heldBack(plan)) {
		status = StatusPartial
	}
	if len(plan.FailedRepos) > 0 {
		res.Warnings = append(res.Warnings, fmt.Sprintf("%s could not be read and left out (their findings in Wiz are unchanged)", repos(len(plan.FailedRepos))))
	}
	return finish(status, nil)
}

// firstFailure is the first failed repository and why, for the run's
// one-line error.
func firstFailure(col *Collection) string {
	for _, r := range col.Repos {
		if r.Failed() {
			return r.Name + ": " + r.FetchErr.Error()
		}
	}
	return ""
}

func repos(n int) string {
	if n == 1 {
		return "1 repository"
	}
	return fmt.Sprintf("%d repositories", n)
}

func overrideText(t GuardTrip) string {
	if t.Override == "" {
		return ""
	}
	return " (" + t.Override + ")"
}

// heldBack reports sources the mass-resolve guard kept out of the upload.
func heldBack(p *Plan) bool {
	for _, s := range p.Sources {
		if s.Action == ActionSkipGuard {
			return true
		}
	}
	return false
}

func summarise(col *Collection, p *Plan, res *Result, withMemory bool) {
	res.Repositories = res.Repositories[:0]
	res.Guards = p.Trips
	planned := map[string]*SourcePlan{}
	for _, s := range p.Sources {
		planned[s.DataSourceID] = s
	}
	for _, r := range col.Repos {
		s := RepoSummary{Name: r.Name, URL: r.URL, DataSourceID: r.DataSourceID, Branch: r.Branch, Excluded: r.excludedCount()}
		sp := planned[r.DataSourceID]
		switch {
		case sp == nil:
			s.State, s.Reason = "not_in_scope", r.Reason
		default:
			fillFromPlan(&s, sp)
			delete(planned, r.DataSourceID)
		}
		res.Repositories = append(res.Repositories, s)
	}
	for _, sp := range p.Sources { // sources that left the selection
		if planned[sp.DataSourceID] == nil {
			continue
		}
		s := RepoSummary{Name: sp.Name, URL: sp.URL, DataSourceID: sp.DataSourceID, Branch: sp.Branch}
		fillFromPlan(&s, sp)
		res.Repositories = append(res.Repositories, s)
	}
	res.Findings.Sent, res.Findings.Excluded = p.Findings, p.Excluded
	if withMemory {
		n, u, r := p.New, p.Unchanged, p.Resolved
		res.Findings.New, res.Findings.Unchanged, res.Findings.Resolved = &n, &u, &r
	}
}

func fillFromPlan(s *RepoSummary, sp *SourcePlan) {
	s.Reason = sp.Reason
	s.New, s.Unchanged = sp.New, sp.Unchanged
	if sp.Uploads() {
		s.Sent, s.Resolved = sp.New+sp.Unchanged, sp.WillFix
	}
	switch sp.Action {
	case ActionSend:
		s.State = "sent"
	case ActionSendEmpty:
		s.State = "sent_empty"
	case ActionSkipFailed:
		s.State = "failed"
	case ActionSkipBudget:
		s.State = "skipped_budget"
	case ActionSkipGuard:
		s.State = "held_by_guard"
	}
}

func uploadedIDs(p *Plan) []string {
	var ids []string
	for _, s := range p.Sources {
		if s.Uploads() {
			ids = append(ids, s.DataSourceID)
		}
	}
	return ids
}

// upload sends the file: upload slot, PUT (one fresh slot if the URL has
// expired), then poll the activity to a terminal status. On SUCCESS the
// ledger learns what Wiz now holds. keep reports that the file must stay
// (Wiz had not finished; `history refresh` will need it).
func upload(ctx context.Context, o Options, rec *recorder, p *Plan, ids *idSpool, path string, up *UploadResult) (st Status, keep bool, err error) {
	o.Events.emit(Event{Kind: StepStarted, Step: StepUpload, Total: up.Bytes})
	rec.addUpload(ctx, up)
	name := filepath.Base(path)
	slot, err := o.Wiz.RequestUpload(ctx, name)
	if err != nil {
		return failUpload(o, rec, up, err)
	}
	up.UploadID, up.SystemActivityID = slot.ID, slot.SystemActivityID
	rec.updateUpload(ctx, up, false)
	progress := func(sent, total int64) {
		o.Events.emit(Event{Kind: BytesSent, Step: StepUpload, Done: sent, Total: total})
	}
	err = o.Wiz.PutFile(ctx, slot.URL, path, progress)
	if wiz.IsKind(err, wiz.KindUploadURLExpired) {
		o.Events.emit(Event{Kind: Warning, Step: StepUpload, Message: "the upload URL expired; asking Wiz for a fresh one"})
		if slot, err = o.Wiz.RequestUpload(ctx, name); err == nil {
			up.UploadID, up.SystemActivityID = slot.ID, slot.SystemActivityID
			rec.updateUpload(ctx, up, false)
			err = o.Wiz.PutFile(ctx, slot.URL, path, progress)
		}
	}
	if err != nil {
		return failUpload(o, rec, up, err)
	}
	up.Status = "PENDING"
	rec.updateUpload(ctx, up, true)
	o.Events.emit(Event{Kind: StepFinished, Step: StepUpload, Done: up.Bytes, Total: up.Bytes})

	o.Events.emit(Event{Kind: StepStarted, Step: StepPoll, Message: slot.SystemActivityID})
	act, err := o.Wiz.WaitActivity(ctx, slot.SystemActivityID, func(a *wiz.Activity, notFound bool) {
		info := &ActivityInfo{ID: slot.SystemActivityID, NotFound: notFound}
		if a != nil {
			info.Status, info.StatusInfo = a.Status, a.StatusInfo
		}
		o.Events.emit(Event{Kind: ActivityStatus, Step: StepPoll, Activity: info})
	})
	if act != nil {
		up.Status, up.StatusInfo = act.Status, act.StatusInfo
		up.FindingsIncoming, up.FindingsHandled = act.Findings.Incoming, act.Findings.Handled
	}
	if err != nil {
		o.Events.emit(Event{Kind: StepFailed, Step: StepPoll, Message: err.Error()})
		if act == nil || !act.Terminal() {
			up.Status = "PENDING"
		}
		rec.updateUpload(ctx, up, true)
		// Wiz has the file; keep it so `history refresh` can record what
		// Wiz holds once the activity finishes.
		return StatusFailure, ctx.Err() == nil, fmt.Errorf("waiting for Wiz to process upload %s (activity %s): %w", up.UploadID, up.SystemActivityID, err)
	}
	rec.updateUpload(ctx, up, true)
	o.Events.emit(Event{Kind: StepFinished, Step: StepPoll, Message: act.Status, Activity: &ActivityInfo{ID: act.ID, Status: act.Status, StatusInfo: act.StatusInfo}})
	if act.Status == wiz.StatusSuccess {
		if err := rec.commit(ctx, p, ids); err != nil {
			return StatusFailure, false, fmt.Errorf("wiz accepted upload %s but recording it failed: %w", up.UploadID, err)
		}
	}
	switch {
	case act.Status == wiz.StatusFailure:
		return StatusFailure, false, fmt.Errorf("wiz rejected upload %s: %s", up.UploadID, orNone(act.StatusInfo))
	case act.Status == wiz.StatusSkipped:
		return StatusSkipped, false, nil
	case act.Partial():
		return StatusPartial, false, nil
	case act.Status == wiz.StatusSuccess:
		return StatusSuccess, false, nil
	}
	return StatusPartial, false, nil
}

func failUpload(o Options, rec *recorder, up *UploadResult, err error) (Status, bool, error) {
	o.Events.emit(Event{Kind: StepFailed, Step: StepUpload, Message: err.Error()})
	up.Status = "NOT_SENT"
	rec.updateUpload(context.WithoutCancel(context.Background()), up, false)
	return StatusFailure, false, fmt.Errorf("uploading to Wiz: %w", err)
}

func orNone(s string) string {
	if s == "" {
		return "(no reason given)"
	}
	return s
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
