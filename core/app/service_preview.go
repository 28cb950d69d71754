package app

import (
	"context"
	"errors"

	"github.com/semgrep-wiz/semgrep-wiz/core/finding"
	"github.com/semgrep-wiz/semgrep-wiz/core/pipeline"
)

// PreviewStream collects and plans without sending and hands the rows to
// sink as they are planned, so the findings screen fills while the
// organisation is read.
func (s *Service) PreviewStream(ctx context.Context, all bool, sink pipeline.PreviewSink) (*Preview, error) {
	a, err := s.load(Needs{Semgrep: true})
	if err != nil {
		return nil, err
	}
	led, err := s.ledger(ctx, a)
	if err != nil {
		return nil, err
	}
	events, closeLog := a.EventLog()
	defer closeLog()
	o := a.CollectOptions(events)
	o.AllFindings = all
	col, plan, err := pipeline.StreamPreview(ctx, o, led, pipeline.PlanOptions{Guards: a.Guards(), FullRun: !a.FromFiles()}, sink)
	if err != nil {
		return nil, explain(err)
	}
	return &Preview{Collection: col, Plan: plan, Policy: a.Policy.Describe()}, nil
}

// ErrFindingGone: the finding is no longer among what Semgrep reports.
var ErrFindingGone = errors.New("the finding is no longer reported")

// PreviewFinding reads one repository again (every finding, as the
// preview does) and returns the finding with this Wiz id. Only that
// repository is asked of the API; files are read again whole.
func (s *Service) PreviewFinding(ctx context.Context, repo, wizID string) (*finding.Finding, error) {
	a, err := s.load(Needs{Semgrep: true})
	if err != nil {
		return nil, err
	}
	var found *finding.Finding
	sink := findSink{match: func(r *pipeline.Repo, row *pipeline.PreviewRow) {
		if found == nil && r.Name == repo && row.WizID == wizID {
			f := *row.Finding
			found = &f
		}
	}}
	o := a.CollectOptions(nil)
	o.AllFindings = true
	o.Repos = []string{repo}
	if _, _, err := pipeline.StreamPreview(ctx, o, nil, pipeline.PlanOptions{}, sink); err != nil {
		return nil, explain(err)
	}
	if found == nil {
		return nil, ErrFindingGone
	}
	return found, nil
}

// findSink looks at every row and keeps nothing else.
type findSink struct {
	match func(*pipeline.Repo, *pipeline.PreviewRow)
}

func (findSink) Repo(*pipeline.Repo) {}
func (f findSink) Rows(r *pipeline.Repo, rows []pipeline.PreviewRow) {
	for i := range rows {
		f.match(r, &rows[i])
	}
}
func (findSink) Done(*pipeline.Repo, *pipeline.SourcePlan) {}

// noRows is a preview sink that keeps nothing.
type noRows struct{}

func (noRows) Repo(*pipeline.Repo)                        {}
func (noRows) Rows(*pipeline.Repo, []pipeline.PreviewRow) {}
func (noRows) Done(*pipeline.Repo, *pipeline.SourcePlan)  {}
