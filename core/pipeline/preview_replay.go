package pipeline

import (
	"context"
)

// replayPage is how many rows ReplayPreview hands over per Rows call.
const replayPage = 1000

// ReplayPreview hands a collection that is already planned to sink, in the
// order and with the words StreamPreview uses: every repository announced,
// then per repository its rows (sent findings new or unchanged by what
// Wiz holds, then the excluded ones with the policy's reason) and its plan,
// then the data sources that left the selection. Test stand-ins use it to
// stream a fixed preview.
func ReplayPreview(ctx context.Context, col *Collection, plan *Plan, sink PreviewSink) error {
	sources := map[string]*SourcePlan{}
	if plan != nil {
		for _, s := range plan.Sources {
			sources[s.DataSourceID] = s
		}
	}
	seen := map[string]bool{}
	var repos []*Repo
	if col != nil {
		repos = col.Repos
	}
	for _, r := range repos {
		sink.Repo(r)
	}
	rows := make([]PreviewRow, 0, replayPage)
	for _, r := range repos {
		if err := ctx.Err(); err != nil {
			return err
		}
		var s *SourcePlan
		if r.InScope || r.Failed() {
			s = sources[r.DataSourceID]
		}
		if s != nil {
			seen[s.DataSourceID] = true
		}
		emit := func(row PreviewRow) {
			rows = append(rows, row)
			if len(rows) == replayPage {
				sink.Rows(r, rows)
				rows = rows[:0]
			}
		}
		if !r.Failed() {
			for i := range r.Sent {
				f := &r.Sent[i]
				switch {
				case !r.InScope || s == nil:
					emit(PreviewRow{Finding: f, State: RowExcluded, Reason: NotInScopeReason(r)})
				default:
					id := r.WizID(f)
					st := RowNew
					if s.IsHeld(id) {
						st = RowUnchanged
					}
					emit(PreviewRow{Finding: f, WizID: id, State: st})
				}
			}
		}
		for i := range r.Excluded {
			x := &r.Excluded[i]
			emit(PreviewRow{Finding: &x.Finding, State: RowExcluded, Reason: ExcludedReason(*x)})
		}
		if len(rows) > 0 {
			sink.Rows(r, rows)
			rows = rows[:0]
		}
		sink.Done(r, s)
	}
	if plan != nil {
		for _, s := range plan.Sources {
			if !seen[s.DataSourceID] && s.repo == nil {
				sink.Done(nil, s)
			}
		}
	}
	return nil
}

// NotInScopeReason is why the findings read for a repository that is not
// sent at all are excluded: the repository's own reason.
func NotInScopeReason(r *Repo) string {
	if r.Reason != "" {
		return r.Reason
	}
	return "repository not in scope"
}
