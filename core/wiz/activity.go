package wiz

import (
	"context"
	"time"

	"github.com/semgrep-wiz/semgrep-wiz/core/retry"
)

// Activity statuses Wiz is known to report.
const (
	StatusInProgress = "IN_PROGRESS"
	StatusSuccess    = "SUCCESS"
	StatusFailure    = "FAILURE"
	StatusSkipped    = "SKIPPED"
)

// Stats is one incoming/handled counter pair of an activity result.
type Stats struct{ Incoming, Handled int }

// Activity is the system activity that reports on one uploaded file.
type Activity struct {
	ID               string
	Status           string
	StatusInfo       string
	FileUploadID     string
	DataSources      Stats
	Findings         Stats
	UnresolvedAssets int
	UnresolvedIDs    []string
}

// Terminal reports whether processing has finished. Statuses other than
// the four known ones count as finished (see KnownStatus to warn); an empty
// status counts as still running.
func (a *Activity) Terminal() bool {
	return a != nil && a.Status != "" && a.Status != StatusInProgress
}

// KnownStatus reports whether the status is one of the four documented
// values; callers warn when a terminal status is not.
func (a *Activity) KnownStatus() bool {
	if a == nil {
		return false
	}
	switch a.Status {
	case StatusInProgress, StatusSuccess, StatusFailure, StatusSkipped:
		return true
	}
	return false
}

// Partial reports a finished upload that Wiz did not take in whole: some
// data sources or findings were not handled, or assets stayed unresolved.
func (a *Activity) Partial() bool {
	if a == nil || (a.Status != StatusSuccess && a.Status != StatusSkipped) {
		return false
	}
	return a.DataSources.Handled < a.DataSources.Incoming ||
		a.Findings.Handled < a.Findings.Incoming ||
		a.UnresolvedAssets > 0
}

const systemActivityQuery = `query SystemActivity($id: ID!) { systemActivity(id: $id) { id status statusInfo result { ... on SystemActivityEnrichmentIntegrationResult { dataSources { ...Stats } findings { ...Stats } events { ...Stats } tags { ...Stats } unresolvedAssets { count ids } } } context { ... on SystemActivityEnrichmentIntegrationContext { fileUploadId } } } } fragment Stats on EnrichmentIntegrationStats { incoming handled }`

var opActivity = operation{op: "read activity", name: "SystemActivity", scope: ScopeActivities, query: systemActivityQuery}

type statsJSON struct {
	Incoming int `json:"incoming"`
	Handled  int `json:"handled"`
}

type activityJSON struct {
	ID         flexString `json:"id"`
	Status     string     `json:"status"`
	StatusInfo *string    `json:"statusInfo"`
	Result     *struct {
		DataSources      statsJSON `json:"dataSources"`
		Findings         statsJSON `json:"findings"`
		UnresolvedAssets *struct {
			Count int      `json:"count"`
			IDs   []string `json:"ids"`
		} `json:"unresolvedAssets"`
	} `json:"result"`
	Context *struct {
		FileUploadID flexString `json:"fileUploadId"`
	} `json:"context"`
}

// SystemActivity reads one activity. An activity Wiz does not know (yet)
// gives a nil Activity and an error of KindNotFound (errors.Is(err, ErrNotFound)).
func (c *Client) SystemActivity(ctx context.Context, id string) (*Activity, error) {
	var out struct {
		SystemActivity *activityJSON `json:"systemActivity"`
	}
	if err := c.exec(ctx, opActivity, map[string]any{"id": id}, &out); err != nil {
		return nil, err
	}
	j := out.SystemActivity
	if j == nil {
		return nil, &Error{Op: opActivity.op, Kind: KindNotFound, Message: "system activity " + id + " not found"}
	}
	a := &Activity{ID: string(j.ID), Status: j.Status}
	if a.ID == "" {
		a.ID = id
	}
	if j.StatusInfo != nil {
		a.StatusInfo = *j.StatusInfo
	}
	if j.Context != nil {
		a.FileUploadID = string(j.Context.FileUploadID)
	}
	if r := j.Result; r != nil {
		a.DataSources = Stats(r.DataSources)
		a.Findings = Stats(r.Findings)
		if u := r.UnresolvedAssets; u != nil {
			a.UnresolvedAssets = max(u.Count, len(u.IDs))
			a.UnresolvedIDs = u.IDs
		}
	}
	return a, nil
}

// WaitActivity polls an activity until it finishes, backing off from
// PollInterval to PollMaxInterval. NOT_FOUND means "not registered yet"
// until NotFoundGrace has passed since the first such answer. onPoll (may be nil) sees every answer.
// It fails with KindTimeout at PollDeadline; the activity id is in the
// message so the user can look it up later.
func (c *Client) WaitActivity(ctx context.Context, id string, onPoll func(a *Activity, notFound bool)) (*Activity, error) {
	const op = "wait for activity"
	start := c.now()
	deadline := start.Add(c.cfg.PollDeadline)
	interval := c.cfg.PollInterval
	// The grace runs from the first NOT_FOUND answer: a first poll that
	// took long (rate limited, retried) must not use it up unseen.
	var notFoundSince time.Time
	for {
		a, err := c.SystemActivity(ctx, id)
		switch {
		case err == nil:
			if onPoll != nil {
				onPoll(a, false)
			}
			if a.Terminal() {
				return a, nil
			}
		case IsKind(err, KindNotFound):
			if onPoll != nil {
				onPoll(nil, true)
			}
			if notFoundSince.IsZero() {
				notFoundSince = c.now()
			}
			if c.now().Sub(notFoundSince) >= c.cfg.NotFoundGrace {
				return nil, &Error{Op: op, Kind: KindNotFound,
					Message: "system activity " + id + " did not appear within " + c.cfg.NotFoundGrace.String(),
					Hint:    "the activity never appeared — check the integration id (Wiz customers use 55c176cc-d155-43a2-98ed-aa56873a1ca1)",
					err:     err}
			}
		default:
			return nil, err
		}
		left := deadline.Sub(c.now())
		if left <= 0 {
			return nil, &Error{Op: op, Kind: KindTimeout,
				Message: "system activity " + id + " had not finished after " + c.cfg.PollDeadline.String(),
				Hint:    "Wiz may still process the file; look up system activity " + id + " in Wiz later"}
		}
		if err := retry.Sleep(ctx, min(interval, left)); err != nil {
			return nil, canceled(op, err)
		}
		interval = min(interval*2, c.cfg.PollMaxInterval)
	}
}
