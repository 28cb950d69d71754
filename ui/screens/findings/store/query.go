package store

import (
	"bytes"
	"cmp"
	"slices"
	"strconv"
	"strings"

	"github.com/semgrep-wiz/semgrep-wiz/core/finding"
	"github.com/semgrep-wiz/semgrep-wiz/ui/components/vtable"
)

// Query is what the user chose to see.
type Query struct {
	Text         string
	SortCol      int // -1: preview order
	Desc         bool
	ShowExcluded bool
}

// Order is the preview order: repositories in collection order (then the
// sources that left the selection), and in each its sent findings, the
// ids Wiz will mark fixed, then its excluded findings, each in the order
// they arrived. A counting sort: O(rows + repositories).
func (s *Snap) Order() []int {
	nb := len(s.repos) * numKinds
	start := make([]int, nb+1)
	for i := range s.rows {
		w := &s.rows[i]
		start[int(w.repo)*numKinds+int(w.kind)+1]++
	}
	for b := 1; b <= nb; b++ {
		start[b] += start[b-1]
	}
	perm := make([]int, len(s.rows))
	for i := range s.rows {
		w := &s.rows[i]
		b := int(w.repo)*numKinds + int(w.kind)
		perm[start[b]] = i
		start[b]++
	}
	return perm
}

// View computes the rows q shows, in display order, and how many rows the
// excluded switch leaves reachable. It gives up (ok false) as soon as stale
// reports that a newer query superseded it.
func (s *Snap) View(q Query, stale func() bool) (perm []int, reach int, ok bool) {
	if stale == nil {
		stale = func() bool { return false }
	}
	order := s.Order()
	m := s.matcher(q.Text)
	perm = order[:0] // filtered in place: order is ours
	for n, i := range order {
		if n&8191 == 0 && stale() {
			return nil, 0, false
		}
		st, _ := s.State(i)
		if !q.ShowExcluded && st == StateExcluded {
			continue
		}
		reach++
		if m.match(i) {
			perm = append(perm, i)
		}
	}
	if stale() {
		return nil, 0, false
	}
	if q.SortCol >= 0 && q.SortCol < NumCols {
		c := s.comparer(q.SortCol)
		sign := 1
		if q.Desc {
			sign = -1
		}
		// Stable over preview order: ties keep it, as they always have.
		slices.SortStableFunc(perm, func(a, b int) int { return sign * c(a, b) })
	}
	if stale() {
		return nil, 0, false
	}
	return perm, reach, true
}

// lower is how the filter sees a text: control characters cleaned, lower
// case.
func lower(s string) string { return strings.ToLower(vtable.Clean(s)) }

// term is one filter word and, per string table, which entries hold it.
type term struct {
	t     string
	tb    []byte
	strs  []bool // strs[i] holds t
	excl  []bool // "✗ excluded: "+short(strs[i]) holds t
	paths []bool
	rules []bool // short rule or full rule id
	repos []bool // repository cell or full name
	sevs  [8]bool
	dash  bool    // "—" holds t
	id    bool    // "id" holds t (a fixed row's rule cell is "id " + its id)
	fixed [5]bool // the state words of the non-excluded states, by state
	held  [5]bool // "! held back (inner)", by inner
	// loc: the term may span "path:line" (it has ':' or only digits).
	loc bool
}

type matcher struct {
	s     *Snap
	terms []term
	buf   []byte
}

func (s *Snap) matcher(text string) *matcher {
	m := &matcher{s: s}
	for _, t := range strings.Fields(lower(text)) {
		m.terms = append(m.terms, s.term(t))
	}
	return m
}

func has(hay, t string) bool { return strings.Contains(hay, t) }

func (s *Snap) term(t string) term {
	x := term{t: t, tb: []byte(t)}
	x.strs = make([]bool, len(s.strs))
	x.excl = make([]bool, len(s.strs))
	for i, v := range s.strs {
		x.strs[i] = has(lower(v), t)
		short, _, _ := strings.Cut(v, ":")
		x.excl[i] = has(lower("✗ excluded: "+short), t)
	}
	x.paths = make([]bool, len(s.paths))
	for i, p := range s.paths {
		x.paths[i] = has(lower(p), t)
	}
	x.rules = make([]bool, len(s.rules))
	for i := range s.rules {
		id := s.rules[i].ID
		x.rules[i] = has(lower(ShortRule(id)), t) || has(lower(id), t)
	}
	x.repos = make([]bool, len(s.repos))
	for i := range s.repos {
		r := &s.repos[i]
		x.repos[i] = has(lower(s.RepoCell(r)), t) || (s.owner != "" && has(lower(r.Name), t))
	}
	for v := range x.sevs {
		x.sevs[v] = has(lower(SeverityWord(findingSeverity(v))), t)
	}
	x.dash = has("—", t)
	x.id = has("id", t)
	for st := StateNew; st <= StateFixed; st++ {
		x.fixed[st] = has(lower(StateText(st, 0, "")), t)
		x.held[st] = has(lower(StateText(StateHeld, st, "")), t)
	}
	x.loc = strings.IndexFunc(t, func(r rune) bool { return r != ':' && (r < '0' || r > '9') }) < 0 || strings.Contains(t, ":")
	return x
}

// match reports whether row i holds every term, in the texts a row is
// found by (its cells and SearchText), each on its own: a term never
// spans two of them.
func (m *matcher) match(i int) bool {
	for k := range m.terms {
		if !m.matchTerm(&m.terms[k], i) {
			return false
		}
	}
	return true
}

func (m *matcher) matchTerm(x *term, i int) bool {
	s := m.s
	w := &s.rows[i]
	fixed := w.rule == noRule
	if x.repos[w.repo] || x.strs[w.branch] || x.strs[w.cwe] {
		return true
	}
	// state cell and reason
	st, inner := s.State(i)
	switch st {
	case StateExcluded:
		if x.excl[w.reason] || x.strs[w.reason] {
			return true
		}
	case StateHeld:
		if x.held[inner] {
			return true
		}
		if r := s.repos[w.repo].Reason; r != "" && has(lower(r), x.t) {
			return true
		}
	default:
		if x.fixed[st] || x.strs[w.reason] {
			return true
		}
	}
	if fixed {
		if x.dash || x.id {
			return true
		}
	} else {
		if x.sevs[int(w.sev)&7] || x.rules[w.rule] || x.paths[w.path] {
			return true
		}
		if x.loc && w.line > 0 {
			m.buf = append(append(m.buf[:0], lower(s.paths[w.path])...), ':')
			m.buf = strconv.AppendUint(m.buf, uint64(w.line), 10)
			if bytes.Contains(m.buf, x.tb) {
				return true
			}
		}
	}
	// the Wiz id: the one text unique to the row
	switch w.idForm {
	case idStr:
		return x.strs[w.idx]
	case idHex:
		m.buf = s.appendWizID(m.buf[:0], i)
		if bytes.Contains(m.buf, x.tb) {
			return true
		}
		// ids are lower-case hex; an "@branch" suffix may not be
		return x.strs[w.idx] && w.idx != 0 && bytes.Contains(bytes.ToLower(m.buf), x.tb)
	}
	return false
}

// comparer orders rows by a column the way the table always has: the cell
// text, except severity (most severe first, fixed ids last), file:line
// (path, then line number; fixed ids last) and state (state, then what a
// held row becomes, then the reason).
func (s *Snap) comparer(col int) func(a, b int) int {
	switch col {
	case ColRepo:
		rank := ranks(len(s.repos), func(i int) string { return vtable.Clean(s.RepoCell(&s.repos[i])) })
		return func(a, b int) int { return cmp.Compare(rank[s.rows[a].repo], rank[s.rows[b].repo]) }
	case ColBranch:
		rank := s.strRanks()
		return func(a, b int) int { return cmp.Compare(rank[s.rows[a].branch], rank[s.rows[b].branch]) }
	case ColCWE:
		rank := s.strRanks()
		return func(a, b int) int { return cmp.Compare(rank[s.rows[a].cwe], rank[s.rows[b].cwe]) }
	case ColSeverity:
		return func(a, b int) int { return cmp.Compare(s.sevRank(b), s.sevRank(a)) }
	case ColRule:
		rank := ranks(len(s.rules), func(i int) string { return vtable.Clean(ShortRule(s.rules[i].ID)) })
		return func(a, b int) int {
			wa, wb := &s.rows[a], &s.rows[b]
			if wa.rule != noRule && wb.rule != noRule {
				return cmp.Compare(rank[wa.rule], rank[wb.rule])
			}
			return strings.Compare(vtable.Clean(s.Cell(a, ColRule)), vtable.Clean(s.Cell(b, ColRule)))
		}
	case ColFile:
		rank := ranks(len(s.paths), func(i int) string { return s.paths[i] })
		return func(a, b int) int {
			wa, wb := &s.rows[a], &s.rows[b]
			fa, fb := wa.rule == noRule, wb.rule == noRule
			switch {
			case fa && fb:
				return 0
			case fa:
				return 1
			case fb:
				return -1
			}
			return cmp.Or(cmp.Compare(rank[wa.path], rank[wb.path]), cmp.Compare(wa.line, wb.line))
		}
	case ColState:
		return func(a, b int) int {
			sa, ia := s.State(a)
			sb, ib := s.State(b)
			if c := cmp.Or(cmp.Compare(sa, sb), cmp.Compare(ia, ib)); c != 0 {
				return c
			}
			return strings.Compare(s.Reason(a), s.Reason(b))
		}
	}
	return func(a, b int) int { return 0 }
}

func (s *Snap) sevRank(i int) int {
	w := &s.rows[i]
	if w.rule == noRule {
		return -1
	}
	return int(w.sev)
}

// ranks numbers n strings by their order (equal strings, equal ranks).
func ranks(n int, str func(i int) string) []int32 {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	keys := make([]string, n)
	for i := range keys {
		keys[i] = str(i)
	}
	slices.SortFunc(idx, func(a, b int) int { return strings.Compare(keys[a], keys[b]) })
	rank := make([]int32, n)
	r := int32(0)
	for k, i := range idx {
		if k > 0 && keys[i] != keys[idx[k-1]] {
			r++
		}
		rank[i] = r
	}
	return rank
}

func (s *Snap) strRanks() []int32 {
	return ranks(len(s.strs), func(i int) string { return vtable.Clean(s.strs[i]) })
}

func findingSeverity(v int) finding.Severity { return finding.Severity(v) }
