package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/semgrep-wiz/semgrep-wiz/core/ledger"
	"github.com/semgrep-wiz/semgrep-wiz/core/wiz"
	"github.com/semgrep-wiz/semgrep-wiz/core/wizschema"
)

// RefreshedUpload is one upload that `history refresh` looked at again.
type RefreshedUpload struct {
	UploadID, SystemActivityID string
	Before, After              string
	StatusInfo                 string
	Recorded                   bool // the held sets were updated from the kept file
	Note                       string
}

// Refresh asks Wiz again about the uploads of a past run whose activity
// had not finished when the run ended. When one has since succeeded, the
// ledger learns what Wiz now holds from the upload file that was kept for
// this purpose, and the file is removed.
func Refresh(ctx context.Context, l *ledger.Ledger, w *wiz.Client, runID string) ([]RefreshedUpload, error) {
	run, err := l.GetRun(ctx, runID)
	if err != nil {
		return nil, err
	}
	release, err := l.Lock(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	ups, err := l.Uploads(ctx, run.ID)
	if err != nil {
		return nil, err
	}
	var out []RefreshedUpload
	allSucceeded := len(ups) > 0
	for _, u := range ups {
		r := RefreshedUpload{UploadID: u.UploadID, SystemActivityID: u.SystemActivityID, Before: u.Status, After: u.Status}
		if !u.Delivered || u.Final() || u.SystemActivityID == "" {
			r.Note = "nothing to refresh"
			allSucceeded = allSucceeded && u.Status == wiz.StatusSuccess
			out = append(out, r)
			continue
		}
		act, err := w.SystemActivity(ctx, u.SystemActivityID)
		switch {
		case wiz.IsKind(err, wiz.KindNotFound):
			r.Note = "Wiz has not registered the activity (yet)"
		case err != nil:
			return out, fmt.Errorf("asking Wiz about activity %s: %w", u.SystemActivityID, err)
		default:
			u.Status, u.StatusInfo = act.Status, act.StatusInfo
			u.FindingsIncoming, u.FindingsHandled = act.Findings.Incoming, act.Findings.Handled
			if !act.Terminal() {
				u.Status = "PENDING"
			}
			if err := l.UpdateUpload(ctx, u); err != nil {
				return out, err
			}
			r.After, r.StatusInfo = u.Status, u.StatusInfo
			if u.Status == wiz.StatusSuccess {
				if err := commitFromFile(ctx, l, run, u); err != nil {
					r.Note = err.Error()
				} else {
					r.Recorded = true
					os.Remove(u.File)
				}
			}
		}
		allSucceeded = allSucceeded && u.Status == wiz.StatusSuccess
		out = append(out, r)
	}
	if allSucceeded && run.Status != string(StatusSuccess) {
		run.Status, run.Error = string(StatusSuccess), ""
		if err := l.FinishRun(ctx, run); err != nil {
			return out, err
		}
		_ = l.AddEvents(ctx, run.ID, ledger.Event{Time: time.Now(), Kind: "refreshed", Message: "Wiz reported success after the run ended"})
	}
	return out, nil
}

// commitFromFile reads the data sources and finding ids of a kept upload
// file and records them as what Wiz holds.
func commitFromFile(ctx context.Context, l *ledger.Ledger, run ledger.Run, u ledger.Upload) error {
	if u.File == "" {
		return errors.New("the upload file was not kept; the next sync records what Wiz holds")
	}
	b, err := os.ReadFile(u.File)
	if err != nil {
		return fmt.Errorf("reading the kept upload file: %w", err)
	}
	var doc wizschema.Document
	if err := json.Unmarshal(b, &doc); err != nil {
		return fmt.Errorf("reading the kept upload file %s: %w", u.File, err)
	}
	known := map[string]ledger.DataSource{}
	if ds, err := l.DataSources(ctx); err == nil {
		for _, d := range ds {
			known[d.ID] = d
		}
	}
	var sets []ledger.SentSet
	for _, d := range doc.DataSources {
		src := known[d.ID]
		src.ID, src.LastRunID, src.LastSentAt = d.ID, run.ID, time.Now().UTC()
		if src.Deployment == "" && strings.HasPrefix(run.Source, "api:") {
			src.Deployment = strings.TrimPrefix(run.Source, "api:")
		}
		if run.Source == "files" {
			src.FromFile = true
		}
		var ids []string
		for _, a := range d.Assets {
			rb := a.Details.RepositoryBranch
			if rb.IsDefault != nil && *rb.IsDefault || src.Branch == "" {
				src.RepoName, src.RepoURL, src.Branch = rb.Repository.Name, rb.Repository.URL, rb.BranchName
			}
			for _, f := range a.SASTFindings {
				ids = append(ids, f.ID)
			}
		}
		src.Count = len(ids)
		sets = append(sets, ledger.SentSet{Source: src, FindingIDs: ids})
	}
	return l.CommitSent(ctx, u.ID, sets)
}
