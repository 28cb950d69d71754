package pipeline

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/semgrep-wiz/semgrep-wiz/core/finding"
	"github.com/semgrep-wiz/semgrep-wiz/core/ledger"
	"github.com/semgrep-wiz/semgrep-wiz/core/wizschema"
)

// Action says what a run does with one data source.
type Action string

const (
	ActionSend       Action = "send"        // its current findings
	ActionSendEmpty  Action = "send_empty"  // left the selection: resolve what Wiz holds
	ActionSkipFailed Action = "skip_failed" // fetch failed: Wiz keeps its previous state
	ActionSkipBudget Action = "skip_budget" // daily upload budget used up
	ActionSkipGuard  Action = "skip_guard"  // mass-resolve guard tripped
)

// Guards are the limits that stop an upload from doing damage by accident.
type Guards struct {
	// A data source (or the whole tenant) whose upload would mark fixed
	// more than MassResolveShare of what Wiz holds from us, and at least
	// MassResolveMin findings, needs explicit confirmation.
	MassResolveShare float64
	MassResolveMin   int
	// UploadsPerDay bounds uploads per data source per UTC day (Semgrep
	// documents at most 3 per repository per day); 0 means no limit.
	UploadsPerDay int
}

// DefaultGuards are the documented defaults.
func DefaultGuards() Guards {
	return Guards{MassResolveShare: 0.5, MassResolveMin: 20, UploadsPerDay: 3}
}

// SourcePlan is one data source in a plan.
type SourcePlan struct {
	DataSourceID string `json:"data_source_id"`
	Name         string `json:"name"`
	URL          string `json:"url,omitempty"`
	Branch       string `json:"branch,omitempty"`
	Action       Action `json:"action"`
	Reason       string `json:"reason,omitempty"`
	// Held is how many findings Wiz holds from us for this data source.
	Held      int `json:"held"`
	New       int `json:"new"`
	Unchanged int `json:"unchanged"`
	// WillFix counts the findings Wiz holds that this upload leaves out:
	// Wiz will mark them fixed.
	WillFix int `json:"will_be_fixed"`
	// Fixed are those ids. A plan for the preview lists them; a streaming
	// sync keeps only the count.
	Fixed []string `json:"-"`

	repo *Repo             // nil for a source that left the selection
	src  ledger.DataSource // what the ledger knows, for sources that left
	held []string          // sorted: what Wiz holds (a sorted slice is a fraction of a map's memory); preview plans only
}

// FixedCount is WillFix, for templates.
func (s *SourcePlan) FixedCount() int { return s.WillFix }

// Uploads reports whether the source goes into this run's upload.
func (s *SourcePlan) Uploads() bool { return s.Action == ActionSend || s.Action == ActionSendEmpty }

// IsHeld reports whether Wiz holds the (Wiz) finding id from us.
func (s *SourcePlan) IsHeld(wizID string) bool {
	_, ok := slices.BinarySearch(s.held, wizID)
	return ok
}

// GuardTrip is one guard that stopped (part of) an upload.
type GuardTrip struct {
	Guard        string `json:"guard"` // mass_resolve, tenant_mass_resolve, upload_budget, partial_data, scan_failed
	DataSourceID string `json:"data_source_id,omitempty"`
	Message      string `json:"message"`
	Override     string `json:"override,omitempty"`
}

// Plan is what a run is about to send and what Wiz will do with it.
type Plan struct {
	Sources []*SourcePlan `json:"sources"`
	Trips   []GuardTrip   `json:"guards"`
	// Totals over the sources that are uploaded.
	Findings     int `json:"findings"`
	New          int `json:"new"`
	Unchanged    int `json:"unchanged"`
	Resolved     int `json:"resolved"`
	Repositories int `json:"repositories"`
	// Excluded counts findings the policy left out.
	Excluded        int      `json:"excluded"`
	FailedRepos     []string `json:"failed_repositories,omitempty"`
	NotInScopeRepos int      `json:"not_in_scope_repositories"`
	// MassResolveHeld reports that the mass-resolve guard holds back
	// sources; confirming the plan interactively releases them.
	MassResolveHeld bool `json:"mass_resolve_held"`
}

// Source finds a data source's plan by id.
func (p *Plan) Source(id string) *SourcePlan {
	for _, s := range p.Sources {
		if s.DataSourceID == id {
			return s
		}
	}
	return nil
}

// PlanOptions steer BuildPlan.
type PlanOptions struct {
	Guards           Guards
	AllowMassResolve bool
	// FullRun is true when the collection covers the whole deployment
	// (an API run without a repository filter): only then can a held data
	// source that is missing have left the selection.
	FullRun bool
	Now     time.Time
}

// BuildPlan compares what the collection would send with what Wiz holds
// from us (mem; nil means nothing is known) and applies the guards. The
// plan keeps the lists (held and fixed ids) the preview shows.
func BuildPlan(ctx context.Context, col *Collection, mem *ledger.Ledger, o PlanOptions) (*Plan, error) {
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	p := &Plan{}
	seen := map[string]bool{}
	for _, r := range col.Repos {
		s, _, err := p.addRepo(ctx, r, mem, true)
		if err != nil {
			return nil, err
		}
		if s != nil {
			seen[s.DataSourceID] = true
		}
	}
	known, tenantHeld, err := knownSources(ctx, mem)
	if err != nil {
		return nil, err
	}
	if o.FullRun {
		if _, err := p.addLeft(ctx, mem, known, seen, col.Deployment, true); err != nil {
			return nil, err
		}
	}
	for _, s := range p.Sources {
		if err := p.budget(ctx, s, mem, o); err != nil {
			return nil, err
		}
	}
	for _, s := range p.Sources {
		p.massResolve(s, o)
	}
	p.tenantGuard(o, tenantHeld)
	p.total()
	return p, nil
}

// addRepo plans one collected repository: what Wiz holds for it, what is
// new, unchanged and will be fixed. It returns nil for a repository that is
// not in scope, and the Wiz ids the upload would carry for it, in order.
// keep keeps the held and fixed lists in the plan (the preview shows them);
// a streaming sync keeps counts only.
func (p *Plan) addRepo(ctx context.Context, r *Repo, mem *ledger.Ledger, keep bool) (*SourcePlan, []string, error) {
	p.Excluded += r.excludedCount()
	if !r.InScope && !r.Failed() {
		p.NotInScopeRepos++
		return nil, nil, nil
	}
	s := &SourcePlan{DataSourceID: r.DataSourceID, Name: r.Name, URL: r.URL, Branch: r.Branch, repo: r, Action: ActionSend}
	held, err := heldSet(ctx, mem, r.DataSourceID)
	if err != nil {
		return nil, nil, err
	}
	s.Held = len(held)
	if keep {
		s.held = held
	}
	p.Sources = append(p.Sources, s)
	if r.Failed() {
		p.failed(r, s)
		return s, nil, nil
	}
	seenID := make(map[string]struct{}, len(r.Sent))
	ids := make([]string, 0, len(r.Sent))
	for i := range r.Sent {
		id := wizID(r, &r.Sent[i])
		if _, dup := seenID[id]; dup {
			continue
		}
		seenID[id] = struct{}{}
		ids = append(ids, id)
		if _, ok := slices.BinarySearch(held, id); ok {
			s.Unchanged++
		} else {
			s.New++
		}
	}
	for _, id := range held {
		if _, still := seenID[id]; !still {
			s.WillFix++
			if keep {
				s.Fixed = append(s.Fixed, id) // sorted: held is
			}
		}
	}
	return s, ids, nil
}

// knownSources is every data source Wiz holds from us and how many
// findings they hold together.
func knownSources(ctx context.Context, mem *ledger.Ledger) ([]ledger.DataSource, int, error) {
	if mem == nil {
		return nil, 0, nil
	}
	known, err := mem.DataSources(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("reading what Wiz holds: %w", err)
	}
	n := 0
	for _, d := range known {
		n += d.Count
	}
	return known, n, nil
}

// addLeft plans the data sources Wiz holds from this deployment that the
// run did not see (seen): they left the selection and are sent once empty.
func (p *Plan) addLeft(ctx context.Context, mem *ledger.Ledger, known []ledger.DataSource, seen map[string]bool, deployment string, keep bool) ([]*SourcePlan, error) {
	if deployment == "" {
		return nil, nil
	}
	var added []*SourcePlan
	for _, d := range known {
		if seen[d.ID] || d.Count == 0 || d.FromFile || d.Deployment != deployment {
			continue
		}
		s := &SourcePlan{DataSourceID: d.ID, Name: d.RepoName, URL: d.RepoURL, Branch: d.Branch, Action: ActionSendEmpty,
			Reason: "left the selection (filtered out, archived or deleted): sent once empty so Wiz resolves its findings",
			src:    d, Held: d.Count, WillFix: d.Count}
		if keep {
			held, err := heldSet(ctx, mem, d.ID)
			if err != nil {
				return nil, err
			}
			s.held, s.Fixed, s.Held, s.WillFix = held, held, len(held), len(held)
		}
		p.Sources = append(p.Sources, s)
		added = append(added, s)
	}
	return added, nil
}

// WizID is the id Wiz knows a finding of this repository by
// (branch-qualified off the repository's own branch).
func (r *Repo) WizID(f *finding.Finding) string { return wizID(r, f) }

func wizID(r *Repo, f *finding.Finding) string {
	b := f.Branch
	def := b == "" || finding.SameBranch(b, r.Branch)
	return wizschema.FindingID(f.ID, b, def)
}

// heldSet is what Wiz holds from us for a data source, sorted.
func heldSet(ctx context.Context, mem *ledger.Ledger, id string) ([]string, error) {
	if mem == nil {
		return nil, nil
	}
	ids, err := mem.Held(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("reading what Wiz holds for %s: %w", id, err)
	}
	if !slices.IsSorted(ids) {
		slices.Sort(ids)
	}
	return ids, nil
}

// budget skips a source that used up today's upload budget.
func (p *Plan) budget(ctx context.Context, s *SourcePlan, mem *ledger.Ledger, o PlanOptions) error {
	if mem == nil || o.Guards.UploadsPerDay <= 0 || !s.Uploads() {
		return nil
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	n, err := mem.UploadsOn(ctx, s.DataSourceID, o.Now)
	if err != nil {
		return fmt.Errorf("counting today's uploads for %s: %w", s.DataSourceID, err)
	}
	if n >= o.Guards.UploadsPerDay {
		s.Action = ActionSkipBudget
		s.Reason = fmt.Sprintf("already uploaded %d times today (UTC); the budget is %d per day", n, o.Guards.UploadsPerDay)
		p.Trips = append(p.Trips, GuardTrip{Guard: "upload_budget", DataSourceID: s.DataSourceID, Message: s.Name + ": " + s.Reason,
			Override: "raise guards.uploads_per_day in the config, or wait for the next UTC day"})
	}
	return nil
}

func (g Guards) trips(fixed, held int) bool {
	return fixed >= g.MassResolveMin && held > 0 && float64(fixed) > g.MassResolveShare*float64(held)
}

const massResolveOverride = "confirm interactively, or pass --allow-mass-resolve"

// massResolve holds back a source whose upload would resolve too much of
// what Wiz holds for it.
func (p *Plan) massResolve(s *SourcePlan, o PlanOptions) {
	if !s.Uploads() || !o.Guards.trips(s.WillFix, s.Held) {
		return
	}
	p.Trips = append(p.Trips, GuardTrip{Guard: "mass_resolve", DataSourceID: s.DataSourceID,
		Message:  fmt.Sprintf("%s: %d of the %d findings Wiz holds would be marked fixed", s.Name, s.WillFix, s.Held),
		Override: massResolveOverride})
	if !o.AllowMassResolve {
		s.Action, s.Reason = ActionSkipGuard, fmt.Sprintf("would mark %d of %d findings fixed; held back by the mass-resolve guard", s.WillFix, s.Held)
		p.MassResolveHeld = true
	}
}

// tenantGuard holds back everything when the upload would resolve too much
// of what the whole tenant holds from us (tenantHeld).
func (p *Plan) tenantGuard(o PlanOptions, tenantHeld int) {
	var fixed int
	for _, s := range p.Sources {
		if s.Uploads() || s.Action == ActionSkipGuard {
			fixed += s.WillFix
		}
	}
	if !o.Guards.trips(fixed, tenantHeld) {
		return
	}
	p.Trips = append(p.Trips, GuardTrip{Guard: "tenant_mass_resolve",
		Message:  fmt.Sprintf("this upload would mark %d of the %d findings Wiz holds from semgrep-wiz fixed", fixed, tenantHeld),
		Override: massResolveOverride})
	if !o.AllowMassResolve {
		for _, s := range p.Sources {
			if s.Uploads() {
				s.Action, s.Reason = ActionSkipGuard, "held back by the tenant-wide mass-resolve guard"
			}
		}
		p.MassResolveHeld = true
	}
}

// Release lets the sources the mass-resolve guard held back go through
// (the user confirmed), and recounts.
func (p *Plan) Release() {
	for _, s := range p.Sources {
		if s.Action == ActionSkipGuard {
			s.Action, s.Reason = ActionSend, ""
			if s.repo == nil {
				s.Action = ActionSendEmpty
			}
		}
	}
	p.MassResolveHeld = false
	p.total()
}

// Totals are the sums over the data sources an upload carries.
type Totals struct{ Findings, New, Unchanged, Resolved, Repositories int }

// Totals sums what the plan uploads; withHeld adds what the mass-resolve
// guard holds back, which is what confirming the plan would send.
func (p *Plan) Totals(withHeld bool) Totals {
	var t Totals
	for _, s := range p.Sources {
		if !s.Uploads() && !(withHeld && s.Action == ActionSkipGuard) {
			continue
		}
		t.Repositories++
		t.New += s.New
		t.Unchanged += s.Unchanged
		t.Resolved += s.WillFix
		t.Findings += s.New + s.Unchanged
	}
	return t
}

func (p *Plan) total() {
	t := p.Totals(false)
	p.Findings, p.New, p.Unchanged, p.Resolved, p.Repositories = t.Findings, t.New, t.Unchanged, t.Resolved, t.Repositories
}
