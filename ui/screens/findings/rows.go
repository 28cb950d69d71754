package findings

import (
	"cmp"
	"strconv"
	"strings"

	"github.com/semgrep-wiz/semgrep-wiz/core/finding"
	"github.com/semgrep-wiz/semgrep-wiz/core/pipeline"
	"github.com/semgrep-wiz/semgrep-wiz/ui/components/vtable"
	"github.com/semgrep-wiz/semgrep-wiz/ui/screens/findings/store"
	"github.com/semgrep-wiz/semgrep-wiz/ui/textfmt"
)

// State is what the upload does with one row's finding.
type State = store.State

const (
	StateNew       = store.StateNew
	StateUnchanged = store.StateUnchanged
	StateFixed     = store.StateFixed
	StateHeld      = store.StateHeld
	StateExcluded  = store.StateExcluded
)

// Columns of the findings table.
const (
	colRepo     = store.ColRepo
	colBranch   = store.ColBranch
	colSeverity = store.ColSeverity
	colRule     = store.ColRule
	colFile     = store.ColFile
	colCWE      = store.ColCWE
	colState    = store.ColState
	numCols     = store.NumCols
)

var colNames = [numCols]string{"repository", "branch", "severity", "rule", "file:line", "CWE", "state"}

// findingColumns: sorting is the store's (Compare is unused there).
func findingColumns() []vtable.Column {
	return []vtable.Column{
		colRepo:     {Title: "Repository", Flex: 4, Min: 15},
		colBranch:   {Title: "Branch", Flex: 1, Min: 6},
		colSeverity: {Title: "Severity", Width: 8},
		colRule:     {Title: "Rule", Flex: 4, Min: 12},
		colFile:     {Title: "File:line", Flex: 4, Min: 14, KeepEnd: true},
		colCWE:      {Title: "CWE", Width: 7},
		colState:    {Title: "State", Flex: 3, Min: 15, Shorten: shortState},
	}
}

// Row is one line of the preview, read from the row store when it is
// drawn or selected: a finding that is sent, excluded or held back, or
// the id of a finding Wiz will mark fixed.
type Row struct {
	s *store.Snap
	i int

	State  State
	Inner  State // for StateHeld: what it becomes once released
	Repo   string
	Branch string
	// WizID is the id Wiz knows the finding by (sent, held and fixed rows).
	WizID string
	// Reason says why a row is excluded or held back.
	Reason string
}

func newRow(s *store.Snap, i int) *Row {
	st, inner := s.State(i)
	return &Row{s: s, i: i, State: st, Inner: inner, Repo: s.Repo(i).Name, Branch: s.Branch(i), WizID: s.WizID(i), Reason: s.Reason(i)}
}

// ID is the row's place in the store: rows never move there.
func (r *Row) ID() string { return strconv.Itoa(r.i) }

func (r *Row) Cell(c int) string { return r.s.Cell(r.i, c) }

// HasFinding is false for fixed rows: only their id is known.
func (r *Row) HasFinding() bool { return r.s.HasFinding(r.i) }

func (r *Row) stateText() string { return store.StateText(r.State, r.Inner, r.Reason) }

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

func severityWord(s finding.Severity) string { return store.SeverityWord(s) }

func shortRule(id string) string { return store.ShortRule(id) }

func asRow(r vtable.Row) *Row { return r.(*Row) }

// snapRows shows a store snapshot in the table.
type snapRows struct{ s *store.Snap }

func (d snapRows) Len() int             { return d.s.Len() }
func (d snapRows) Row(i int) vtable.Row { return newRow(d.s, i) }

// Totals are the preview's counts per state.
type Totals = store.Totals

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

// repoRows are the totals view's rows: every repository with its counts
// by shown state and its plan in words.
func repoRows(s *store.Snap) []vtable.Row {
	repos := s.Repos()
	out := make([]vtable.Row, 0, len(repos))
	for i := range repos {
		r := &repos[i]
		rr := &RepoRow{Name: r.Name, Branch: r.Branch, DataSourceID: r.DataSourceID, Plan: planText(r)}
		c := r.Counts
		if r.Held() {
			rr.Totals.Held = c[StateNew] + c[StateUnchanged] + c[StateFixed]
		} else {
			rr.Totals.New, rr.Totals.Unchanged, rr.Totals.Fixed = c[StateNew], c[StateUnchanged], c[StateFixed]
		}
		rr.Totals.Excluded = c[StateExcluded]
		if s.Owner() != "" {
			rr.nameCell = s.RepoCell(r)
		}
		out = append(out, rr)
	}
	return out
}

// planText says in words what the run does with a repository.
func planText(r *store.Repo) string {
	switch {
	case r.Failed():
		return "✗ could not be read: " + r.FetchErr
	case !r.Planned:
		return "… reading"
	case !r.InScope:
		return "– not in scope: " + r.NotInScope
	case r.Action == "":
		return "– not planned"
	}
	switch r.Action {
	case pipeline.ActionSend:
		return "✓ send"
	case pipeline.ActionSendEmpty:
		return "✓ send empty: resolves what Wiz holds"
	case pipeline.ActionSkipBudget:
		return "! held back: upload budget"
	case pipeline.ActionSkipGuard:
		return "! held back: mass-resolve guard"
	case pipeline.ActionSkipFailed:
		return "✗ skipped: " + r.Reason
	}
	return string(r.Action)
}
