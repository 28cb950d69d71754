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
	"strings"
	"sync"
	"time"

	"github.com/semgrep-wiz/semgrep-wiz/core/ledger"
	"github.com/semgrep-wiz/semgrep-wiz/core/wiz"
	"github.com/semgrep-wiz/semgrep-wiz/core/wizschema"
)

// Status is the outcome of a run: the status `sync --json` prints and the
// history records (README, section `semgrep-wiz sync`).
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
	// OutDir keeps the upload files there; otherwise they live in WorkDir
	// and each is removed once Wiz has answered for it.
	OutDir  string
	WorkDir string
	// MaxUploadBytes caps an upload file (wiz.max_upload_mb): a larger
	// sync is split into several uploads between data sources, and a data
	// source larger than the cap goes alone. Zero means
	// DefaultMaxUploadBytes; the setting is in MB, bytes serve tests.
	MaxUploadBytes int64
	// Confirm is asked once the plan is known and before anything is
	// uploaded; false cancels the run, true also releases what the
	// mass-resolve guard held back (the plan says so). Nil means yes.
	Confirm func(*Plan) bool
	// KeepHeld keeps what the mass-resolve guard held back when Confirm
	// says yes: the user confirmed the plan without sending those anyway.
	KeepHeld bool
	Events   Sink
}

// DefaultMaxUploadBytes is wiz.max_upload_mb's default, 100 MB.
const DefaultMaxUploadBytes = 100 << 20

func (o Options) maxUploadBytes() int64 {
	if o.MaxUploadBytes > 0 {
		return o.MaxUploadBytes
	}
	return DefaultMaxUploadBytes
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
	// Error is why the upload did not reach Wiz, or why Wiz did not
	// finish with it.
	Error string `json:"error,omitempty"`
}

// RepoSummary is one data source's line in the result.
type RepoSummary struct {
	Name         string `json:"name"`
	URL          string `json:"url,omitempty"`
	DataSourceID string `json:"data_source_id"`
	Branch       string `json:"branch,omitempty"`
	// State: sent, sent_empty, not_in_scope, failed, skipped_budget,
	// held_by_guard, upload_failed (its upload did not reach Wiz or Wiz
	// rejected it: what Wiz holds for it is unchanged).
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

	files, err := st.finish()
	if err != nil {
		return finish(StatusFailure, err)
	}
	ups := make([]UploadResult, len(files))
	for i, f := range files {
		ups[i] = UploadResult{File: f.Path, Bytes: f.Stats.Bytes, DataSources: f.DataSources}
		ups[i].SHA256, _ = fileSHA256(f.Path)
		if f.Oversized {
			res.Warnings = append(res.Warnings, fmt.Sprintf("data source %s alone is %s, more than wiz.max_upload_mb (%s); a data source is never split, so it is uploaded by itself",
				f.DataSources[0], mib(f.Stats.Bytes), mib(o.maxUploadBytes())))
		}
		if o.OutDir != "" {
			res.Files = append(res.Files, f.Path)
		}
	}
	if o.DryRun {
		for i := range ups {
			ups[i].Status = "NOT_SENT"
		}
		res.Uploads = append(res.Uploads, ups...)
		return finish(StatusDryRun, nil)
	}

	status, err := uploadAll(ctx, o, rec, plan, st.ids, ups)
	res.Uploads = append(res.Uploads, ups...)
	markUndelivered(res, ups)
	if len(ups) > 1 {
		var lost []string
		for _, u := range ups {
			if u.Status != wiz.StatusSuccess {
				lost = append(lost, u.DataSources...)
			}
		}
		if len(lost) > 0 && len(lost) < len(uploadedIDs(plan)) {
			res.Warnings = append(res.Warnings, fmt.Sprintf("%d of %d uploads did not succeed; what Wiz holds for these data sources is unchanged (the next sync sends them again): %s",
				countFailed(ups), len(ups), strings.Join(lost, ", ")))
		}
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

func countFailed(ups []UploadResult) int {
	n := 0
	for _, u := range ups {
		if u.Status != wiz.StatusSuccess {
			n++
		}
	}
	return n
}

// mib says a byte count in the unit of wiz.max_upload_mb.
func mib(n int64) string {
	return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
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

// uploadConcurrency bounds the uploads in flight at once: the client
// paces its API requests itself, this bounds the PUTs' bandwidth and
// open files.
const uploadConcurrency = 4

// uploadJob is one upload file on its way to Wiz.
type uploadJob struct {
	up     *UploadResult
	row    int64 // ledger row
	slot   wiz.Upload
	status Status
	keep   bool // Wiz had not finished: the file stays for `history refresh`
	err    error
	// waitErr: polling itself failed (timed out, cancelled), as opposed to
	// Wiz answering with a final status.
	waitErr bool
}

// uploadAll sends every upload file, each on its own: upload slot, PUT (one
// fresh slot if the URL has expired), then poll its activity to a terminal
// status; on SUCCESS the ledger learns what Wiz now holds for that file's
// data sources only. All PUTs run (concurrently) before the polling starts,
// so the steps stay one after the other for whoever follows the run. One
// upload alone behaves as a sync always did; of several, one failing makes
// the run partial and the others still count; all failing is a failure.
func uploadAll(ctx context.Context, o Options, rec *recorder, p *Plan, ids *idSpool, ups []UploadResult) (Status, error) {
	jobs := make([]*uploadJob, len(ups))
	var total int64
	for i := range ups {
		jobs[i] = &uploadJob{up: &ups[i]}
		total += ups[i].Bytes
	}
	single := len(jobs) == 1
	for _, j := range jobs { // recorded in file order, for the history
		j.row = rec.addUpload(j.up)
	}
	o.Events.emit(Event{Kind: StepStarted, Step: StepUpload, Total: total})
	var mu sync.Mutex
	sent := make([]int64, len(jobs))
	each(jobs, func(i int, j *uploadJob) {
		progress := func(n, _ int64) {
			mu.Lock()
			sent[i] = n
			var sum int64
			for _, s := range sent {
				sum += s
			}
			mu.Unlock()
			o.Events.emit(Event{Kind: BytesSent, Step: StepUpload, Done: sum, Total: total})
		}
		j.put(ctx, o, rec, progress)
		if j.err != nil {
			if single {
				o.Events.emit(Event{Kind: StepFailed, Step: StepUpload, Message: j.err.Error()})
			} else {
				o.Events.emit(Event{Kind: Warning, Step: StepUpload, Message: fmt.Sprintf("upload %d of %d (%s) failed: %v", i+1, len(jobs), sourcesText(j.up.DataSources), j.err)})
			}
		}
	})
	putOK := 0
	for _, j := range jobs {
		if j.err == nil {
			putOK++
		}
	}
	switch {
	case putOK == 0 && !single:
		o.Events.emit(Event{Kind: StepFailed, Step: StepUpload, Message: fmt.Sprintf("none of the %d uploads reached Wiz", len(jobs))})
	case putOK > 0:
		o.Events.emit(Event{Kind: StepFinished, Step: StepUpload, Done: total, Total: total})
	}

	if putOK > 0 {
		o.Events.emit(Event{Kind: StepStarted, Step: StepPoll, Message: activities(jobs)})
		each(jobs, func(i int, j *uploadJob) {
			if j.err == nil {
				j.poll(ctx, o, rec, p, ids)
			}
		})
		o.Events.emit(pollFinished(jobs))
	}

	for _, j := range jobs {
		if o.OutDir == "" && !j.keep {
			os.Remove(j.up.File)
		}
		if j.err != nil {
			j.up.Error = j.err.Error()
		}
	}
	return combine(jobs)
}

// markUndelivered gives the data sources of every upload that did not
// reach Wiz, or that Wiz rejected, the state upload_failed and the reason:
// a run whose uploads partly failed says which repositories Wiz did not
// get. (Wiz may still be processing one whose wait failed: those keep
// their state, and history refresh records what Wiz did.)
func markUndelivered(res *Result, ups []UploadResult) {
	why := map[string]string{}
	for i, u := range ups {
		if u.Status != "NOT_SENT" && u.Status != wiz.StatusFailure {
			continue
		}
		w := u.Error
		if w == "" {
			w = "Wiz rejected the upload: " + orNone(u.StatusInfo)
		}
		if len(ups) > 1 {
			w = fmt.Sprintf("upload %d of %d: %s", i+1, len(ups), w)
		}
		for _, ds := range u.DataSources {
			why[ds] = w
		}
	}
	for i := range res.Repositories {
		r := &res.Repositories[i]
		if w, ok := why[r.DataSourceID]; ok && (r.State == "sent" || r.State == "sent_empty") {
			r.State, r.Reason = "upload_failed", w
		}
	}
}

// each runs fn for every job, uploadConcurrency at a time.
func each(jobs []*uploadJob, fn func(int, *uploadJob)) {
	var wg sync.WaitGroup
	sem := make(chan struct{}, uploadConcurrency)
	for i, j := range jobs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			fn(i, j)
		}()
	}
	wg.Wait()
}

func (j *uploadJob) put(ctx context.Context, o Options, rec *recorder, progress func(int64, int64)) {
	up := j.up
	name := filepath.Base(up.File)
	slot, err := o.Wiz.RequestUpload(ctx, name)
	if err == nil {
		up.UploadID, up.SystemActivityID = slot.ID, slot.SystemActivityID
		rec.updateUpload(j.row, up, false)
		err = o.Wiz.PutFile(ctx, slot.URL, up.File, progress)
		if wiz.IsKind(err, wiz.KindUploadURLExpired) {
			o.Events.emit(Event{Kind: Warning, Step: StepUpload, Message: "the upload URL expired; asking Wiz for a fresh one"})
			if slot, err = o.Wiz.RequestUpload(ctx, name); err == nil {
				up.UploadID, up.SystemActivityID = slot.ID, slot.SystemActivityID
				rec.updateUpload(j.row, up, false)
				err = o.Wiz.PutFile(ctx, slot.URL, up.File, progress)
			}
		}
	}
	if err != nil {
		up.Status = "NOT_SENT"
		rec.updateUpload(j.row, up, false)
		j.status, j.err = StatusFailure, fmt.Errorf("uploading to Wiz: %w", err)
		return
	}
	j.slot = slot
	up.Status = "PENDING"
	rec.updateUpload(j.row, up, true)
}

func (j *uploadJob) poll(ctx context.Context, o Options, rec *recorder, p *Plan, ids *idSpool) {
	up, id := j.up, j.slot.SystemActivityID
	act, err := o.Wiz.WaitActivity(ctx, id, func(a *wiz.Activity, notFound bool) {
		info := &ActivityInfo{ID: id, NotFound: notFound}
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
		if act == nil || !act.Terminal() {
			up.Status = "PENDING"
		}
		rec.updateUpload(j.row, up, true)
		// Wiz has the file; keep it so `history refresh` can record what
		// Wiz holds once the activity finishes.
		j.status, j.keep, j.waitErr = StatusFailure, ctx.Err() == nil, true
		j.err = fmt.Errorf("waiting for Wiz to process upload %s (activity %s): %w", up.UploadID, id, err)
		return
	}
	rec.updateUpload(j.row, up, true)
	if act.Status == wiz.StatusSuccess {
		if err := rec.commit(p, ids, j.row, up.DataSources); err != nil {
			j.status, j.err = StatusFailure, fmt.Errorf("wiz accepted upload %s but recording it failed: %w", up.UploadID, err)
			return
		}
	}
	switch {
	case act.Status == wiz.StatusFailure:
		j.status, j.err = StatusFailure, fmt.Errorf("wiz rejected upload %s: %s", up.UploadID, orNone(act.StatusInfo))
	case act.Status == wiz.StatusSkipped:
		j.status = StatusSkipped
	case act.Partial():
		j.status = StatusPartial
	case act.Status == wiz.StatusSuccess:
		j.status = StatusSuccess
	default:
		j.status = StatusPartial
	}
}

// combine is the run's status from its uploads': theirs when they agree,
// failure when all failed (with the first error), else partial.
func combine(jobs []*uploadJob) (Status, error) {
	first := jobs[0].status
	same, failed := true, 0
	var errs []error
	for _, j := range jobs {
		same = same && j.status == first
		if j.status == StatusFailure {
			failed++
			if j.err != nil {
				errs = append(errs, j.err)
			}
		}
	}
	switch {
	case failed == len(jobs) && len(jobs) == 1:
		return StatusFailure, errs[0]
	case failed == len(jobs):
		return StatusFailure, fmt.Errorf("all %d uploads failed; the first: %w", len(jobs), errs[0])
	case same:
		return first, nil
	}
	return StatusPartial, nil
}

// activities lists the activity ids of the uploads Wiz received.
func activities(jobs []*uploadJob) string {
	var ids []string
	for _, j := range jobs {
		if j.err == nil {
			ids = append(ids, j.slot.SystemActivityID)
		}
	}
	return strings.Join(ids, ", ")
}

// pollFinished ends the poll step: as it always did for one upload, with
// a count of the final statuses for several.
func pollFinished(jobs []*uploadJob) Event {
	var polled []*uploadJob
	for _, j := range jobs {
		if j.slot.SystemActivityID != "" {
			polled = append(polled, j)
		}
	}
	if len(polled) == 1 && len(jobs) == 1 {
		j := polled[0]
		if j.waitErr {
			return Event{Kind: StepFailed, Step: StepPoll, Message: j.err.Error()}
		}
		return Event{Kind: StepFinished, Step: StepPoll, Message: j.up.Status, Activity: &ActivityInfo{ID: j.slot.SystemActivityID, Status: j.up.Status, StatusInfo: j.up.StatusInfo}}
	}
	count := map[string]int{}
	var order []string
	stuck := 0
	for _, j := range polled {
		if j.waitErr {
			stuck++
		}
		if count[j.up.Status] == 0 {
			order = append(order, j.up.Status)
		}
		count[j.up.Status]++
	}
	if stuck == len(polled) {
		return Event{Kind: StepFailed, Step: StepPoll, Message: fmt.Sprintf("Wiz did not finish any of the %d uploads in time", len(polled))}
	}
	parts := make([]string, len(order))
	for i, st := range order {
		parts[i] = fmt.Sprintf("%d %s", count[st], st)
	}
	return Event{Kind: StepFinished, Step: StepPoll, Message: strings.Join(parts, ", ")}
}

func sourcesText(ids []string) string {
	if len(ids) <= 3 {
		return strings.Join(ids, ", ")
	}
	return fmt.Sprintf("%s and %d more data sources", strings.Join(ids[:3], ", "), len(ids)-3)
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
