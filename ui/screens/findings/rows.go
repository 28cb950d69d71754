package findings

import (
	"cmp"
	"strconv"
	"strings"

	"github.com/semgrep-wiz/semgrep-wiz/core/finding"
	"github.com/semgrep-wiz/semgrep-wiz/core/pipeline"
	"github.com/semgrep-wiz/semgrep-wiz/ui/common"
	"github.com/semgrep-wiz/semgrep-wiz/ui/components/vtable"
	"github.com/semgrep-wiz/semgrep-wiz/ui/textfmt"
)

// State is what the upload does with one row's finding.
type State uint8

const (
	StateNew       State = iota // sent; Wiz does not hold it yet
	StateUnchanged              // sent; Wiz already holds it
	StateFixed                  // Wiz holds it, the upload leaves it out: marked fixed
	StateHeld                   // its repository is held back by a guard this run
	StateExcluded               // the policy leaves it out: never sent
)

func (s State) String() string {
	switch s {
	case StateNew:
		return "new"
	case StateUnchanged:
		return "unchanged"
	case StateFixed:
		return "will be fixed"
	case StateHeld:
		return "held back"
	}
	return "excluded"
}

// symbol pairs each state with a sign, so colour never carries it alone.
func (s State) symbol() string {
	switch s {
	case StateNew:
		return "+"
	case StateUnchanged:
		return "="
	case StateFixed:
		return "✓"
	case StateHeld:
		return "!"
	}
	return "✗"
}

// Columns of the findings table.
const (
	colRepo = iota
	colBranch
	colSeverity
	colRule
	colFile
	colCWE
	colState
	numCols
)

var colNames = [numCols]string{"repository", "branch", "severity", "rule", "file:line", "CWE", "state"}

func findingColumns() []vtable.Column {
	return []vtable.Column{
		colRepo:     {Title: "Repository", Flex: 4, Min: 15},
		colBranch:   {Title: "Branch", Flex: 1, Min: 6},
		colSeverity: {Title: "Severity", Width: 8, Compare: bySeverity},
		colRule:     {Title: "Rule", Flex: 4, Min: 12},
		colFile:     {Title: "File:line", Flex: 4, Min: 14, KeepEnd: true, Compare: byLocation},
		colCWE:      {Title: "CWE", Width: 7},
		colState:    {Title: "State", Flex: 3, Min: 15, Compare: byState, Shorten: shortState},
	}
}

// Row is one line of the preview: a finding that is sent, excluded or
// held back, or the id of a finding Wiz will mark fixed.
type Row struct {
	id     string
	State  State
	Inner  State // for StateHeld: what it becomes once released
	Repo   string
	Branch string
	// repoCell is Repo without the owner every repository shares.
	repoCell string
	// Finding is nil for StateFixed rows: only the id is known then.
	Finding *finding.Finding
	// WizID is the id Wiz knows the finding by (sent, held and fixed rows).
	WizID string
	// Reason says why a row is excluded or held back.
	Reason string
	Source *pipeline.SourcePlan // nil when the repository has no plan entry
}

func (r *Row) ID() string { return r.id }

func (r *Row) Cell(c int) string {
	f := r.Finding
	switch c {
	case colRepo:
		if r.repoCell != "" {
			return r.repoCell
		}
		return r.Repo
	case colBranch:
		return r.Branch
	case colSeverity:
		if f == nil {
			return "—"
		}
		return severityWord(f.Severity)
	case colRule:
		if f == nil {
			return "id " + r.WizID
		}
		return shortRule(f.RuleID)
	case colFile:
		if f == nil {
			return "—"
		}
		return f.Location()
	case colCWE:
		if f == nil {
			return ""
		}
		return strings.Join(f.CWEs, ",")
	case colState:
		return r.stateText()
	}
	return ""
}

// SearchText lets the filter find what cells abbreviate: the full rule
// id, the Wiz id, the whole reason.
func (r *Row) SearchText() string {
	s := r.WizID + " " + r.Reason
	if r.repoCell != "" {
		s += " " + r.Repo // the owner the cell leaves out
	}
	if r.Finding != nil {
		s += " " + r.Finding.RuleID
	}
	return s
}

func (r *Row) stateText() string {
	switch r.State {
	case StateExcluded:
		short, _, _ := strings.Cut(r.Reason, ":")
		return "✗ excluded: " + short
	case StateHeld:
		return "! held back (" + r.Inner.String() + ")"
	}
	return r.State.symbol() + " " + r.State.String()
}

// shortState makes room for an exclusion's reason in a narrow column
// (80 columns): ✗ already says "excluded", and the detail pane has the
// whole reason. Decided by the width, so every row reads the same way.
func shortState(s string, w int) string {
	if w >= stateWide {
		return s
	}
	return strings.Replace(s, "✗ excluded: ", "✗ ", 1)
}

// stateWide is the width from which the state column says "excluded:".
const stateWide = 20

func severityWord(s finding.Severity) string { return strings.ToUpper(s.String()) }

// shortRule is the last part of a dotted rule id, the part that names the
// problem ("sql-injection-using-raw"); the detail pane shows the whole id.
func shortRule(id string) string {
	if i := strings.LastIndexByte(id, '.'); i >= 0 && i < len(id)-1 {
		return id[i+1:]
	}
	return id
}

func asRow(r vtable.Row) *Row { return r.(*Row) }

// Most severe first; rows without a severity (fixed ids) last.
func bySeverity(a, b vtable.Row) int {
	return cmp.Compare(sevRank(asRow(b)), sevRank(asRow(a)))
}

func sevRank(r *Row) int {
	if r.Finding == nil {
		return -1
	}
	return int(r.Finding.Severity)
}

func byLocation(a, b vtable.Row) int {
	fa, fb := asRow(a).Finding, asRow(b).Finding
	switch {
	case fa == nil && fb == nil:
		return 0
	case fa == nil:
		return 1
	case fb == nil:
		return -1
	}
	return cmp.Or(strings.Compare(fa.Path, fb.Path), cmp.Compare(fa.StartLine, fb.StartLine))
}

func byState(a, b vtable.Row) int {
	ra, rb := asRow(a), asRow(b)
	return cmp.Or(cmp.Compare(ra.State, rb.State), cmp.Compare(ra.Inner, rb.Inner), strings.Compare(ra.Reason, rb.Reason))
}

func notExcluded(r vtable.Row) bool { return asRow(r).State != StateExcluded }

// Totals are the preview's counts per state.
type Totals struct {
	New, Unchanged, Fixed, Held, Excluded int
	Repositories, Failed                  int
}

func (t *Totals) add(s State) {
	switch s {
	case StateNew:
		t.New++
	case StateUnchanged:
		t.Unchanged++
	case StateFixed:
		t.Fixed++
	case StateHeld:
		t.Held++
	default:
		t.Excluded++
	}
}

// RepoRow is one repository in the totals view.
type RepoRow struct {
	Name, Branch, DataSourceID string
	Plan                       string // what the run does with it, in words
	Totals                     Totals
	// nameCell is Name without the owner every repository shares.
	nameCell string
}

func (r *RepoRow) ID() string { return r.DataSourceID }

func (r *RepoRow) Cell(c int) string {
	switch c {
	case 0:
		if r.nameCell != "" {
			return r.nameCell
		}
		return r.Name
	case 1:
		return r.Branch
	case 2:
		return textfmt.Commas(r.Totals.New)
	case 3:
		return textfmt.Commas(r.Totals.Unchanged)
	case 4:
		return textfmt.Commas(r.Totals.Fixed)
	case 5:
		return textfmt.Commas(r.Totals.Held)
	case 6:
		return textfmt.Commas(r.Totals.Excluded)
	case 7:
		return r.Plan
	}
	return ""
}

func repoColumns() []vtable.Column {
	num := func(f func(t Totals) int) func(a, b vtable.Row) int {
		return func(a, b vtable.Row) int { return cmp.Compare(f(b.(*RepoRow).Totals), f(a.(*RepoRow).Totals)) }
	}
	return []vtable.Column{
		{Title: "Repository", Flex: 2, Min: 12},
		{Title: "Branch", Flex: 1, Min: 6},
		{Title: "New", Width: 6, Align: vtable.Right, Compare: num(func(t Totals) int { return t.New })},
		{Title: "Unchanged", Width: 9, Align: vtable.Right, Compare: num(func(t Totals) int { return t.Unchanged })},
		{Title: "Will fix", Width: 8, Align: vtable.Right, Compare: num(func(t Totals) int { return t.Fixed })},
		{Title: "Held", Width: 6, Align: vtable.Right, Compare: num(func(t Totals) int { return t.Held })},
		{Title: "Excluded", Width: 8, Align: vtable.Right, Compare: num(func(t Totals) int { return t.Excluded })},
		{Title: "Plan", Flex: 4, Min: 12},
	}
}

var repoColNames = []string{"repository", "branch", "new", "unchanged", "will fix", "held", "excluded", "plan"}

// built is everything the load command prepares off the event loop.
type built struct {
	rows   []vtable.Row
	repos  []vtable.Row
	totals Totals
	// owner is the "owner/" every repository shares ("" when they do
	// not): the cells leave it out, the column title says it once.
	owner string
}

// buildRows turns a preview into rows: per repository its sent findings
// (new or unchanged by what Wiz holds), the ids Wiz will mark fixed, and
// the excluded findings with their reasons; then the data sources that
// left the selection (sent empty, everything they hold is fixed).
func buildRows(p *common.Preview) built {
	var b built
	col, plan := p.Collection, p.Plan
	sources := map[string]*pipeline.SourcePlan{}
	if plan != nil {
		for _, s := range plan.Sources {
			sources[s.DataSourceID] = s
		}
	}
	n := 0
	if col != nil {
		for _, r := range col.Repos {
			n += len(r.Sent) + len(r.Excluded)
		}
	}
	b.rows = make([]vtable.Row, 0, n)
	seen := map[string]bool{}
	add := func(rr *RepoRow, r *Row) {
		b.rows = append(b.rows, r)
		b.totals.add(r.State)
		rr.Totals.add(r.State)
	}
	if col != nil {
		for _, r := range col.Repos {
			src := sources[r.DataSourceID]
			seen[r.DataSourceID] = true
			rr := &RepoRow{Name: r.Name, Branch: r.Branch, DataSourceID: r.DataSourceID, Plan: planText(r, src)}
			b.repos = append(b.repos, rr)
			b.totals.Repositories++
			if r.Failed() {
				b.totals.Failed++
			}
			prefix := r.DataSourceID + "\x1f"
			switch {
			case r.Failed():
			case !r.InScope || src == nil:
				// Not sent at all: whatever was read is excluded with the
				// repository's reason.
				reason := r.Reason
				if reason == "" {
					reason = "repository not in scope"
				}
				for i := range r.Sent {
					add(rr, &Row{id: prefix + "o" + strconv.Itoa(i), State: StateExcluded, Repo: r.Name, Branch: r.Branch,
						Finding: &r.Sent[i], Reason: reason})
				}
			default:
				for i := range r.Sent {
					f := &r.Sent[i]
					id := r.WizID(f)
					st := StateNew
					if src.IsHeld(id) {
						st = StateUnchanged
					}
					add(rr, heldBack(src, &Row{id: prefix + "s" + id, State: st, Repo: r.Name, Branch: branchOf(f, r.Branch),
						Finding: f, WizID: id, Source: src}))
				}
				addFixed(src, r.Name, r.Branch, prefix, func(row *Row) { add(rr, row) })
			}
			for i := range r.Excluded {
				x := &r.Excluded[i]
				reason := string(x.Reason)
				if x.Detail != "" {
					reason += ": " + x.Detail
				}
				add(rr, &Row{id: prefix + "x" + strconv.Itoa(i), State: StateExcluded, Repo: r.Name, Branch: branchOf(&x.Finding, r.Branch),
					Finding: &x.Finding, Reason: reason, Source: src})
			}
		}
	}
	if plan != nil {
		for _, s := range plan.Sources {
			if seen[s.DataSourceID] {
				continue
			}
			rr := &RepoRow{Name: s.Name, Branch: s.Branch, DataSourceID: s.DataSourceID, Plan: planText(nil, s)}
			b.repos = append(b.repos, rr)
			b.totals.Repositories++
			addFixed(s, s.Name, s.Branch, s.DataSourceID+"\x1f", func(row *Row) { add(rr, row) })
		}
	}
	b.shortenRepos()
	return b
}

// shortenRepos drops the owner every repository shares from the
// repository cells: the rest of the name is what tells them apart.
func (b *built) shortenRepos() {
	if len(b.repos) < 2 {
		return
	}
	owner := ""
	for i, r := range b.repos {
		name := r.(*RepoRow).Name
		j := strings.IndexByte(name, '/')
		if j <= 0 || j == len(name)-1 || (i > 0 && name[:j+1] != owner) {
			return
		}
		owner = name[:j+1]
	}
	b.owner = owner
	for _, r := range b.repos {
		rr := r.(*RepoRow)
		rr.nameCell = strings.TrimPrefix(rr.Name, owner)
	}
	for _, r := range b.rows {
		row := r.(*Row)
		row.repoCell = strings.TrimPrefix(row.Repo, owner)
	}
}

// addFixed adds the ids a source's upload leaves out.
func addFixed(src *pipeline.SourcePlan, repo, branch, prefix string, add func(*Row)) {
	if src == nil || src.Action == pipeline.ActionSkipFailed {
		return
	}
	for _, id := range src.Fixed {
		add(heldBack(src, &Row{id: prefix + "f" + id, State: StateFixed, Repo: repo, Branch: branch, WizID: id, Source: src,
			Reason: "Wiz holds it from us and this upload leaves it out"}))
	}
}

// heldBack turns a row of a source that a guard holds back this run into
// a held row (keeping what it would be once released).
func heldBack(src *pipeline.SourcePlan, r *Row) *Row {
	if src != nil && !src.Uploads() {
		r.Inner, r.State, r.Reason = r.State, StateHeld, src.Reason
	}
	return r
}

func branchOf(f *finding.Finding, def string) string {
	if f.Branch != "" {
		return f.Branch
	}
	return def
}

// planText says in words what the run does with a repository.
func planText(r *pipeline.Repo, s *pipeline.SourcePlan) string {
	switch {
	case r != nil && r.Failed():
		return "✗ could not be read: " + r.FetchErr.Error()
	case r != nil && !r.InScope:
		return "– not in scope: " + r.Reason
	case s == nil:
		return "– not planned"
	}
	switch s.Action {
	case pipeline.ActionSend:
		return "✓ send"
	case pipeline.ActionSendEmpty:
		return "✓ send empty: resolves what Wiz holds"
	case pipeline.ActionSkipBudget:
		return "! held back: upload budget"
	case pipeline.ActionSkipGuard:
		return "! held back: mass-resolve guard"
	case pipeline.ActionSkipFailed:
		return "✗ skipped: " + s.Reason
	}
	return string(s.Action)
}
