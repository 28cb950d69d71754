package pipeline

import (
	"context"

	"github.com/semgrep-wiz/semgrep-wiz/core/finding"
	"github.com/semgrep-wiz/semgrep-wiz/core/ledger"
)

// RowState is what the upload does with one finding of the preview.
type RowState uint8

const (
	RowNew       RowState = iota // sent; Wiz does not hold it yet
	RowUnchanged                 // sent; Wiz already holds it
	RowExcluded                  // the policy leaves it out (Reason says why)
)

// PreviewRow is one finding as it is planned. Finding points into the page
// being handled: a sink copies what it keeps before it returns.
type PreviewRow struct {
	Finding *finding.Finding
	WizID   string // the id Wiz knows it by (empty for excluded rows)
	State   RowState
	Reason  string // why it is excluded
}

// PreviewSink receives the preview as it is planned. Calls come from one
// goroutine at a time, in order for each repository: Rows for each page,
// then Done once. Repositories interleave.
type PreviewSink interface {
	// Repo announces every repository of the collection once, before any rows
	// (in collection order), so a screen can show the whole list at once.
	Repo(r *Repo)
	// Rows is one page of one repository, selected and planned.
	Rows(r *Repo, rows []PreviewRow)
	// Done: the repository's data source is planned (its last page was read,
	// or it failed, or it is not in scope): s is its plan (nil when not in
	// scope; s.Action says held by a guard, failed, budget…), and s.Fixed lists
	// the ids Wiz holds that this upload leaves out (Wiz marks them fixed).
	// For a data source that left the selection, r is nil.
	Done(r *Repo, s *SourcePlan)
}

// StreamPreview collects, selects and plans like a sync, without writing an
// upload, handing everything to sink as it is planned. The returned
// Collection keeps the repositories and their counts, not their findings;
// the Plan is final (tenant guard applied).
//
// Interim: this collects and plans everything first (Collect, BuildPlan)
// and then replays it; the streaming implementation replaces it.
func StreamPreview(ctx context.Context, o CollectOptions, led *ledger.Ledger, po PlanOptions, sink PreviewSink) (*Collection, *Plan, error) {
	col, err := Collect(ctx, o)
	if err != nil {
		return nil, nil, err
	}
	plan, err := BuildPlan(ctx, col, led, po)
	if err != nil {
		return nil, nil, err
	}
	if err := ReplayPreview(ctx, col, plan, sink); err != nil {
		return nil, nil, err
	}
	for _, r := range col.Repos {
		r.release()
	}
	return col, plan, nil
}
