package pipeline

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/semgrep-wiz/semgrep-wiz/core/finding"
	"github.com/semgrep-wiz/semgrep-wiz/core/ledger"
	"github.com/semgrep-wiz/semgrep-wiz/core/policy"
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
// It runs on the sync's page-level pipeline (pages.go): rows arrive page
// by page and nothing holds a repository whole. A repository whose reading
// fails part way may have had rows already; its Done says it failed (its
// data source is left out, as a sync leaves it out). The plan keeps counts:
// each source's Fixed list is handed to Done and then let go.
func StreamPreview(ctx context.Context, o CollectOptions, led *ledger.Ledger, po PlanOptions, sink PreviewSink) (*Collection, *Plan, error) {
	if err := o.Policy.Validate(); err != nil {
		return nil, nil, err
	}
	if po.Now.IsZero() {
		po.Now = time.Now()
	}
	now := time.Now()
	if o.Now != nil {
		now = o.Now()
	}
	o.Events.emit(Event{Kind: StepStarted, Step: StepCollect})
	o.Events.emit(Event{Kind: StepStarted, Step: StepSelect})
	var (
		c   *Collection
		err error
	)
	if len(o.Files) > 0 {
		c, err = collectFiles(o)
	} else {
		c, err = listRepos(ctx, o)
	}
	if err != nil {
		o.Events.emit(Event{Kind: StepFailed, Step: StepCollect, Message: err.Error()})
		return nil, nil, err
	}
	c.APIFiltered = len(o.Files) == 0 && !o.AllFindings
	// In collection order from the start, so the announcement is final
	// (repositories are also read in this order).
	c.collectedOrder()
	for _, r := range c.Repos {
		sink.Repo(r)
	}

	p := &Plan{}
	seen := map[string]bool{}
	pr := &pageRun{o: o, mem: led, keepFixed: true}
	var rows []PreviewRow
	pr.rows = func(r *Repo, sel []finding.Finding, ids []string, fresh []bool, excl []policy.Excluded) {
		rows = rows[:0]
		for i := range sel {
			st := RowUnchanged
			if fresh[i] {
				st = RowNew
			}
			rows = append(rows, PreviewRow{Finding: &sel[i], WizID: ids[i], State: st})
		}
		for i := range excl {
			rows = append(rows, PreviewRow{Finding: &excl[i].Finding, State: RowExcluded, Reason: ExcludedReason(excl[i])})
		}
		if len(rows) > 0 {
			sink.Rows(r, rows)
		}
		clear(rows) // let the page go
	}
	done := func(r *Repo, s *SourcePlan) {
		pr.rowsMu.Lock()
		sink.Done(r, s)
		pr.rowsMu.Unlock()
		if s != nil {
			s.Fixed = nil
		}
	}
	finish := func(ctx context.Context, r *Repo, b *sourceBuild) error {
		s := p.planBuilt(r, b, true)
		if s != nil {
			seen[s.DataSourceID] = true
			if err := p.budget(ctx, s, led, po); err != nil {
				return err
			}
			p.massResolve(s, po)
		}
		done(r, s)
		return nil
	}
	if len(o.Files) > 0 {
		err = pr.streamFiles(ctx, c, finish)
	} else {
		err = pr.streamAPI(ctx, c, now, finish)
	}
	if err != nil {
		if ctx.Err() == nil {
			o.Events.emit(Event{Kind: StepFailed, Step: StepCollect, Message: err.Error()})
		}
		return nil, nil, err
	}
	c.collected(o.Events)
	c.selected(o.Events)
	// In collection order, as BuildPlan plans them, whatever order they
	// were read in.
	slices.SortStableFunc(p.Sources, func(a, b *SourcePlan) int { return cmp.Compare(a.Name, b.Name) })

	known, tenantHeld, err := knownSources(ctx, led)
	if err != nil {
		return nil, nil, err
	}
	if po.FullRun {
		left, err := p.addLeft(ctx, led, known, seen, c.Deployment, true)
		if err != nil {
			return nil, nil, err
		}
		for _, s := range left {
			if err := p.budget(ctx, s, led, po); err != nil {
				return nil, nil, err
			}
			p.massResolve(s, po)
			s.held = nil
			done(nil, s)
		}
	}
	p.tenantGuard(po, tenantHeld)
	p.total()
	return c, p, nil
}

// ExcludedReason is the one-line reason a finding is left out: the
// policy's reason and its detail.
func ExcludedReason(x policy.Excluded) string {
	if x.Detail == "" {
		return string(x.Reason)
	}
	return string(x.Reason) + ": " + x.Detail
}

// Counts are what the run selected and excluded of the repository, also
// once its findings are let go.
func (r *Repo) Counts() (sent, excluded int) { return r.sentCount(), r.excludedCount() }
