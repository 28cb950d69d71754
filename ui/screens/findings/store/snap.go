package store

import (
	"encoding/hex"
	"strconv"
	"strings"

	"github.com/semgrep-wiz/semgrep-wiz/core/finding"
)

// Columns of the findings table, in order.
const (
	ColRepo = iota
	ColBranch
	ColSeverity
	ColRule
	ColFile
	ColCWE
	ColState
	NumCols
)

// Snap is the store as it was when taken. It is read-only: commands may
// share it.
type Snap struct {
	rows   []row
	repos  []Repo
	strs   []string
	paths  []string
	rules  []Rule
	owner  string
	totals Totals
	// ReposDone of ReposKnown announced repositories are planned; Final is
	// set once the whole plan is in.
	ReposDone, ReposKnown int
	Final                 bool
}

// Len is the number of rows.
func (s *Snap) Len() int {
	if s == nil {
		return 0
	}
	return len(s.rows)
}

// Totals are the counts per shown state.
func (s *Snap) Totals() Totals { return s.totals }

// Owner is the "owner/" every repository shares, which the repository
// cells leave out ("" when they do not share one).
func (s *Snap) Owner() string { return s.owner }

// Repos are the repositories in preview order.
func (s *Snap) Repos() []Repo { return s.repos }

// RepoCell is a repository's name without the shared owner.
func (s *Snap) RepoCell(r *Repo) string { return strings.TrimPrefix(r.Name, s.owner) }

// State is row i's shown state and, for a held row, what it becomes once
// released.
func (s *Snap) State(i int) (st, inner State) {
	w := &s.rows[i]
	if w.state != StateExcluded && s.repos[w.repo].Held() {
		return StateHeld, w.state
	}
	return w.state, StateNew
}

// Reason says why row i is excluded, held back or fixed.
func (s *Snap) Reason(i int) string {
	w := &s.rows[i]
	if w.state != StateExcluded && s.repos[w.repo].Held() {
		return s.repos[w.repo].Reason
	}
	return s.strs[w.reason]
}

// WizID is the id Wiz knows row i's finding by ("" for excluded rows).
func (s *Snap) WizID(i int) string {
	w := &s.rows[i]
	switch w.idForm {
	case idHex:
		return idPrefix + hex.EncodeToString(w.id[:]) + s.strs[w.idx]
	case idStr:
		return s.strs[w.idx]
	}
	return ""
}

// appendWizID writes row i's Wiz id to b without allocating.
func (s *Snap) appendWizID(b []byte, i int) []byte {
	w := &s.rows[i]
	switch w.idForm {
	case idHex:
		b = append(b, idPrefix...)
		b = hex.AppendEncode(b, w.id[:])
		return append(b, s.strs[w.idx]...)
	case idStr:
		return append(b, s.strs[w.idx]...)
	}
	return b
}

// HasFinding is false for fixed rows: only their id is known.
func (s *Snap) HasFinding(i int) bool { return s.rows[i].rule != noRule }

// Repo is row i's repository.
func (s *Snap) Repo(i int) *Repo { return &s.repos[s.rows[i].repo] }

// Branch is row i's branch.
func (s *Snap) Branch(i int) string { return s.strs[s.rows[i].branch] }

// Rule is row i's rule (nil for fixed rows).
func (s *Snap) Rule(i int) *Rule {
	w := &s.rows[i]
	if w.rule == noRule {
		return nil
	}
	return &s.rules[w.rule]
}

// Severity is row i's severity (ok false for fixed rows).
func (s *Snap) Severity(i int) (finding.Severity, bool) {
	w := &s.rows[i]
	return finding.Severity(w.sev), w.rule != noRule
}

// Path and Line are where row i's finding is.
func (s *Snap) Path(i int) string { return s.paths[s.rows[i].path] }
func (s *Snap) Line(i int) int    { return int(s.rows[i].line) }

// CWEs is row i's CWE list joined with ",".
func (s *Snap) CWEs(i int) string { return s.strs[s.rows[i].cwe] }

// Location is "path:line".
func (s *Snap) Location(i int) string {
	w := &s.rows[i]
	if w.line > 0 {
		return s.paths[w.path] + ":" + strconv.Itoa(int(w.line))
	}
	return s.paths[w.path]
}

// SeverityWord is the severity as the table shows it.
func SeverityWord(sev finding.Severity) string { return strings.ToUpper(sev.String()) }

// ShortRule is the last part of a dotted rule id, the part that names the
// problem ("sql-injection-using-raw").
func ShortRule(id string) string {
	if i := strings.LastIndexByte(id, '.'); i >= 0 && i < len(id)-1 {
		return id[i+1:]
	}
	return id
}

// StateText is the state cell.
func StateText(st, inner State, reason string) string {
	switch st {
	case StateExcluded:
		short, _, _ := strings.Cut(reason, ":")
		return "✗ excluded: " + short
	case StateHeld:
		return "! held back (" + inner.String() + ")"
	}
	return st.Symbol() + " " + st.String()
}

// Cell is the text of row i, column c, as the table shows it.
func (s *Snap) Cell(i, c int) string {
	w := &s.rows[i]
	fixed := w.rule == noRule
	switch c {
	case ColRepo:
		return s.RepoCell(&s.repos[w.repo])
	case ColBranch:
		return s.strs[w.branch]
	case ColSeverity:
		if fixed {
			return "—"
		}
		return SeverityWord(finding.Severity(w.sev))
	case ColRule:
		if fixed {
			return "id " + s.WizID(i)
		}
		return ShortRule(s.rules[w.rule].ID)
	case ColFile:
		if fixed {
			return "—"
		}
		return s.Location(i)
	case ColCWE:
		return s.strs[w.cwe]
	case ColState:
		st, inner := s.State(i)
		return StateText(st, inner, s.Reason(i))
	}
	return ""
}

// SearchText is what the filter finds besides the cells: the Wiz id, the
// whole reason, the repository's owner, the full rule id.
func (s *Snap) SearchText(i int) string {
	out := s.WizID(i) + " " + s.Reason(i)
	if s.owner != "" {
		out += " " + s.repos[s.rows[i].repo].Name
	}
	if r := s.Rule(i); r != nil {
		out += " " + r.ID
	}
	return out
}
