package sync

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/semgrep-wiz/semgrep-wiz/core/finding"
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
	// DryRun writes the upload file and contacts no Wiz endpoint.
	DryRun bool
	// OutDir keeps the upload file there (required for a useful dry run);
	// otherwise the file lives in WorkDir and is removed after the run.
	OutDir  string
	WorkDir string
	// Confirm is asked once the plan is known and before anything is
	// uploaded; returning false cancels the run. Nil means yes.
	Confirm func(Plan) bool
	Events  Sink
}

// Plan is what a run is about to send.
type Plan struct {
	Findings        int
	Repositories    int
	Excluded        int
	FailedRepos     []string
	NotInScopeRepos int
}

// Counts are the finding totals of a run. New, Unchanged and Resolved
// need the memory of what was sent before; they are nil until known.
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
}

// RepoSummary is one repository's line in the result.
type RepoSummary struct {
	Name         string `json:"name"`
	URL          string `json:"url,omitempty"`
	DataSourceID string `json:"data_source_id"`
	Branch       string `json:"branch,omitempty"`
	// State: sent, not_in_scope, failed.
	State    string `json:"state"`
	Reason   string `json:"reason,omitempty"`
	Sent     int    `json:"sent"`
	Excluded int    `json:"excluded"`
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
	Files        []string       `json:"files,omitempty"`
	Warnings     []string       `json:"warnings,omitempty"`
	Error        string         `json:"error,omitempty"`
}

// NewRunID returns a sortable, unique run id.
func NewRunID(now time.Time) string {
	var b [3]byte
	_, _ = rand.Read(b[:])
	return now.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
}

// Run performs one sync. It always returns a Result (with Status and Error
// set on failure) so callers can report and record it; the error is the
// cause of a failed or cancelled run.
func Run(ctx context.Context, o Options) (*Result, error) {
	start := time.Now().UTC()
	res := &Result{RunID: NewRunID(start), StartedAt: start, Uploads: []UploadResult{}, Repositories: []RepoSummary{}}
	o.Collect.Events = o.Events
	finish := func(st Status, err error) (*Result, error) {
		if err != nil && ctx.Err() != nil {
			st = StatusCancelled
		}
		res.Status = st
		res.FinishedAt = time.Now().UTC()
		if err != nil {
			res.Error = err.Error()
		}
		return res, err
	}
	if !o.DryRun && o.Wiz == nil {
		return finish(StatusFailure, errors.New("no Wiz client configured"))
	}

	col, err := Collect(ctx, o.Collect)
	if err != nil {
		return finish(StatusFailure, err)
	}
	plan := summarise(col, res)
	if plan.Repositories == 0 {
		return finish(StatusNothingToDo, nil)
	}
	if o.Confirm != nil && !o.Confirm(plan) {
		return finish(StatusCancelled, errors.New("cancelled before upload"))
	}

	path, stats, err := encode(ctx, o, col, res.RunID)
	if err != nil {
		return finish(StatusFailure, err)
	}
	keep := o.OutDir != ""
	if !keep {
		defer os.Remove(path)
	} else {
		res.Files = append(res.Files, path)
	}
	up := UploadResult{File: path, Bytes: stats.Bytes, DataSources: dataSourceIDs(col)}
	if o.DryRun {
		up.Status = "NOT_SENT"
		res.Uploads = append(res.Uploads, up)
		return finish(StatusDryRun, nil)
	}

	st, err := upload(ctx, o, path, &up)
	res.Uploads = append(res.Uploads, up)
	if err != nil {
		return finish(StatusFailure, err)
	}
	if st == StatusSuccess && len(plan.FailedRepos) > 0 {
		st = StatusPartial
		res.Warnings = append(res.Warnings, fmt.Sprintf("%d repositories could not be read and were left out (their findings in Wiz are unchanged)", len(plan.FailedRepos)))
	}
	return finish(st, nil)
}

func summarise(col *Collection, res *Result) Plan {
	var p Plan
	for _, r := range col.Repos {
		s := RepoSummary{Name: r.Name, URL: r.URL, DataSourceID: r.DataSourceID, Branch: r.Branch, Excluded: len(r.Excluded)}
		switch {
		case r.Failed():
			s.State, s.Reason = "failed", r.FetchErr.Error()
			p.FailedRepos = append(p.FailedRepos, r.Name)
		case !r.InScope:
			s.State, s.Reason = "not_in_scope", r.Reason
			p.NotInScopeRepos++
		default:
			s.State, s.Sent = "sent", len(r.Sent)
			p.Repositories++
			p.Findings += len(r.Sent)
		}
		p.Excluded += len(r.Excluded)
		res.Repositories = append(res.Repositories, s)
	}
	res.Findings.Sent, res.Findings.Excluded = p.Findings, p.Excluded
	return p
}

func dataSourceIDs(col *Collection) []string {
	var ids []string
	for _, r := range col.Repos {
		if r.InScope && !r.Failed() {
			ids = append(ids, r.DataSourceID)
		}
	}
	return ids
}

// encode streams every in-scope repository into one upload document: one
// data source per repository, each complete, never split across files.
func encode(ctx context.Context, o Options, col *Collection, runID string) (string, wizschema.EncodeStats, error) {
	o.Events.emit(Event{Kind: StepStarted, Step: StepEncode})
	dir := o.OutDir
	if dir == "" {
		dir = o.WorkDir
	}
	if dir == "" {
		dir = os.TempDir()
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", wizschema.EncodeStats{}, fmt.Errorf("creating %s: %w", dir, err)
	}
	path := filepath.Join(dir, "semgrep-wiz-"+runID+".json")
	var sources []wizschema.SourceInput
	for _, r := range col.Repos {
		if !r.InScope || r.Failed() {
			continue
		}
		sources = append(sources, wizschema.SourceInput{ID: r.DataSourceID, Assets: assetsByBranch(r)})
	}
	stats, err := wizschema.WriteFile(ctx, path, o.Schema, sources)
	if err != nil {
		o.Events.emit(Event{Kind: StepFailed, Step: StepEncode, Message: err.Error()})
		return "", stats, fmt.Errorf("writing the upload file: %w", err)
	}
	o.Events.emit(Event{Kind: StepFinished, Step: StepEncode, Done: stats.Bytes, Total: stats.Bytes, Message: path})
	return path, stats, nil
}

// assetsByBranch makes one asset per branch sent, the repository's own
// branch first and always present (even with no findings, so Wiz resolves
// what it held for it).
func assetsByBranch(r *Repo) []wizschema.AssetWithFindings {
	main := wizschema.AssetWithFindings{Asset: wizschema.AssetInput{Repo: r.Repo, Branch: r.Branch, IsDefault: true}, Findings: []finding.Finding{}}
	others := map[string]int{}
	out := []wizschema.AssetWithFindings{main}
	for _, f := range r.Sent {
		b := f.Branch
		if b == "" || finding.SameBranch(b, r.Branch) {
			out[0].Findings = append(out[0].Findings, f)
			continue
		}
		i, ok := others[b]
		if !ok {
			i = len(out)
			others[b] = i
			out = append(out, wizschema.AssetWithFindings{Asset: wizschema.AssetInput{Repo: r.Repo, Branch: b}})
		}
		out[i].Findings = append(out[i].Findings, f)
	}
	return out
}

// upload sends the file: upload slot, PUT (one fresh slot if the URL has
// expired), then poll the activity to a terminal status.
func upload(ctx context.Context, o Options, path string, up *UploadResult) (Status, error) {
	o.Events.emit(Event{Kind: StepStarted, Step: StepUpload, Total: up.Bytes})
	name := filepath.Base(path)
	slot, err := o.Wiz.RequestUpload(ctx, name)
	if err != nil {
		return failUpload(o, err)
	}
	progress := func(sent, total int64) {
		o.Events.emit(Event{Kind: BytesSent, Step: StepUpload, Done: sent, Total: total})
	}
	err = o.Wiz.PutFile(ctx, slot.URL, path, progress)
	var we *wiz.Error
	if errors.As(err, &we) && we.Kind == wiz.KindUploadURLExpired {
		o.Events.emit(Event{Kind: Warning, Step: StepUpload, Message: "the upload URL expired; asking Wiz for a fresh one"})
		if slot, err = o.Wiz.RequestUpload(ctx, name); err == nil {
			err = o.Wiz.PutFile(ctx, slot.URL, path, progress)
		}
	}
	up.UploadID, up.SystemActivityID = slot.ID, slot.SystemActivityID
	if err != nil {
		return failUpload(o, err)
	}
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
		if up.Status == "" {
			up.Status = "UNKNOWN"
		}
		return StatusFailure, fmt.Errorf("waiting for Wiz to process upload %s (activity %s): %w", up.UploadID, up.SystemActivityID, err)
	}
	o.Events.emit(Event{Kind: StepFinished, Step: StepPoll, Message: act.Status, Activity: &ActivityInfo{ID: act.ID, Status: act.Status, StatusInfo: act.StatusInfo}})
	switch {
	case act.Status == "FAILURE":
		return StatusFailure, fmt.Errorf("wiz rejected upload %s: %s", up.UploadID, orNone(act.StatusInfo))
	case act.Status == "SKIPPED":
		return StatusSkipped, nil
	case act.Partial():
		return StatusPartial, nil
	case act.Status == "SUCCESS":
		return StatusSuccess, nil
	}
	return StatusPartial, nil
}

func failUpload(o Options, err error) (Status, error) {
	o.Events.emit(Event{Kind: StepFailed, Step: StepUpload, Message: err.Error()})
	return StatusFailure, fmt.Errorf("uploading to Wiz: %w", err)
}

func orNone(s string) string {
	if s == "" {
		return "(no reason given)"
	}
	return s
}
