// Package store is the findings preview's compact row store: what the
// table, its filter and sort, the totals and the detail pane need of every
// finding, and nothing more, so a million findings fit in tens of
// megabytes rather than gigabytes. Strings that repeat (repositories,
// branches, rules with their messages, CWE lists, reasons, paths) are kept
// once and rows hold small ids into those tables; the Wiz id is kept as 16
// bytes when it has the usual "sg-" + 32 hex digits shape.
//
// What is not kept is what only the exact Wiz JSON needs (links, commit,
// columns, snippet, timestamps, Semgrep's own ids): those are unique per
// finding and would triple a row's size, while the JSON is shown for one
// finding at a time. The screen asks the Service for that one finding
// again when its detail pane opens.
//
// The store is filled by one writer (it is a pipeline.PreviewSink) and read
// through Snaps: a Snap is an immutable view of the rows appended so far,
// so commands may filter and sort a Snap while the writer goes on. Rows
// never change once appended; what changes (a repository's plan, its
// counts) lives in the small per-repository table, which a Snap copies.
package store

import (
	"slices"
	"strings"
	"sync"

	"github.com/semgrep-wiz/semgrep-wiz/core/finding"
	"github.com/semgrep-wiz/semgrep-wiz/core/pipeline"
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

// Symbol pairs each state with a sign, so colour never carries it alone.
func (s State) Symbol() string {
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

// FixedReason is why a fixed row is there.
const FixedReason = "Wiz holds it from us and this upload leaves it out"

// Row ordering within a repository in preview order: sent findings, the
// ids Wiz will mark fixed, then the excluded findings (the order the
// preview has always shown).
const (
	kindSent = iota
	kindFixed
	kindExcluded
	numKinds
)

// row is one finding (or fixed id). 52 bytes: every text is an id.
type row struct {
	id     [16]byte // the Wiz id's hex digits when idForm is idHex
	repo   uint32   // index into repos
	branch uint32   // strs
	rule   uint32   // rules; noRule for fixed rows
	path   uint32   // paths
	line   uint32
	cwe    uint32 // strs: the CWEs joined with ","
	reason uint32 // strs: why it is excluded ("" otherwise)
	idx    uint32 // strs: the id's "@branch" suffix (idHex) or the whole id (idStr)
	sev    int8
	state  State // New, Unchanged, Fixed or Excluded: held is the repository's
	idForm uint8
	kind   uint8
}

const (
	idNone = iota
	idHex
	idStr
)

const noRule = ^uint32(0)

// Rule is what repeats per rule: findings of one rule share their name,
// message and OWASP categories (rules whose message varies per finding
// get one record per message).
type Rule struct {
	ID, Name, Message string
	OWASP             []string
}

// Repo is one repository (or a data source that left the selection) and
// what the plan does with it.
type Repo struct {
	Name, Branch, DataSourceID string
	// InScope and NotInScope (its reason) as collected; FetchErr is the
	// read failure's words, "" when it was read.
	InScope    bool
	NotInScope string
	FetchErr   string
	// Planned once Done arrived; Action and Reason are its source plan's
	// (Action "" when it has none: not in scope).
	Planned bool
	Action  pipeline.Action
	Reason  string
	// Counts by base state (New, Unchanged, Fixed, Excluded).
	Counts [5]int
}

// Held reports that a guard holds the repository back this run: its sent
// and fixed rows show as held back.
func (r *Repo) Held() bool {
	return r.Action != "" && r.Action != pipeline.ActionSend && r.Action != pipeline.ActionSendEmpty
}

// Failed reports that its findings could not be read.
func (r *Repo) Failed() bool { return r.FetchErr != "" }

// Totals are counts per shown state.
type Totals struct {
	New, Unchanged, Fixed, Held, Excluded int
	Repositories, Failed                  int
}

// strtab interns strings; the map is the writer's alone.
type strtab struct {
	s   []string
	ids map[string]uint32
}

func (t *strtab) id(s string) uint32 {
	if i, ok := t.ids[s]; ok {
		return i
	}
	if t.ids == nil {
		t.ids = map[string]uint32{}
	}
	i := uint32(len(t.s))
	s = strings.Clone(s) // never keep a page's memory alive
	t.s = append(t.s, s)
	t.ids[s] = i
	return i
}

// Store is the writer side. Its methods may be called from any goroutine,
// one at a time or not (a mutex orders them).
type Store struct {
	mu    sync.Mutex
	rows  []row
	repos []Repo
	byDS  map[string]uint32 // data source id → repo, for announced repositories
	byPtr map[*pipeline.Repo]uint32
	strs  strtab
	paths []string
	// pathIDs interns paths per repository (paths rarely repeat across
	// repositories); dropped when the repository is done.
	pathIDs map[uint32]map[string]uint32
	rules   []Rule
	ruleIDs map[string][]uint32
	done    int // announced repositories that are planned
	known   int // announced repositories
	final   bool
}

// New is an empty store.
func New() *Store {
	s := &Store{byDS: map[string]uint32{}, byPtr: map[*pipeline.Repo]uint32{}, pathIDs: map[uint32]map[string]uint32{}, ruleIDs: map[string][]uint32{}}
	s.strs.id("") // id 0 is the empty string
	return s
}

var _ pipeline.PreviewSink = (*Store)(nil)

// Repo announces a repository.
func (s *Store) Repo(r *pipeline.Repo) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.repoOf(r)
}

func (s *Store) repoOf(r *pipeline.Repo) uint32 {
	if i, ok := s.byPtr[r]; ok {
		return i
	}
	i := uint32(len(s.repos))
	rp := Repo{Name: r.Name, Branch: r.Branch, DataSourceID: r.DataSourceID, InScope: r.InScope, NotInScope: r.Reason}
	if r.FetchErr != nil {
		rp.FetchErr = r.FetchErr.Error()
	}
	s.repos = append(s.repos, rp)
	s.byPtr[r] = i
	if _, dup := s.byDS[r.DataSourceID]; !dup {
		s.byDS[r.DataSourceID] = i
	}
	s.known++
	return i
}

// Rows appends one page of a repository.
func (s *Store) Rows(r *pipeline.Repo, rows []pipeline.PreviewRow) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ri := s.repoOf(r)
	for i := range rows {
		pr := &rows[i]
		f := pr.Finding
		if f == nil {
			continue
		}
		w := row{repo: ri, kind: kindSent, state: StateNew, sev: int8(f.Severity)}
		switch pr.State {
		case pipeline.RowUnchanged:
			w.state = StateUnchanged
		case pipeline.RowExcluded:
			w.state, w.kind = StateExcluded, kindExcluded
			reason := pr.Reason
			if reason == "" && !r.InScope {
				reason = pipeline.NotInScopeReason(r)
			}
			w.reason = s.strs.id(reason)
		}
		branch := f.Branch
		if branch == "" || !r.InScope {
			branch = r.Branch // a repository not in scope reads as its own branch
		}
		w.branch = s.strs.id(branch)
		w.rule = s.rule(f)
		w.path = s.path(ri, f.Path)
		w.line = uint32(max(f.StartLine, 0))
		w.cwe = s.strs.id(joinCWEs(f.CWEs))
		s.setID(&w, pr.WizID)
		s.rows = append(s.rows, w)
		s.repos[ri].Counts[w.state]++
	}
}

// Done records a repository's plan, and adds the ids Wiz will mark fixed.
func (s *Store) Done(r *pipeline.Repo, sp *pipeline.SourcePlan) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ri uint32
	if r != nil {
		ri = s.repoOf(r)
		if r.FetchErr != nil {
			s.repos[ri].FetchErr = r.FetchErr.Error()
		}
		if !s.repos[ri].Planned {
			s.done++
		}
		delete(s.pathIDs, ri)
	} else {
		if sp == nil {
			return
		}
		ri = uint32(len(s.repos))
		s.repos = append(s.repos, Repo{Name: sp.Name, Branch: sp.Branch, DataSourceID: sp.DataSourceID, InScope: true})
	}
	rp := &s.repos[ri]
	rp.Planned = true
	if sp == nil {
		return
	}
	rp.Action, rp.Reason = sp.Action, sp.Reason
	if sp.Action == pipeline.ActionSkipFailed {
		return
	}
	branch := s.strs.id(rp.Branch)
	reason := s.strs.id(FixedReason)
	for _, id := range sp.Fixed {
		w := row{repo: ri, kind: kindFixed, state: StateFixed, rule: noRule, branch: branch, reason: reason, sev: -1}
		s.setID(&w, id)
		s.rows = append(s.rows, w)
		rp.Counts[StateFixed]++
	}
}

// Finish applies the final plan: the tenant-wide guard may hold back
// sources after they were done. Rows need no change: a held repository's
// rows read as held back.
func (s *Store) Finish(p *pipeline.Plan) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.final = true
	if p == nil {
		return
	}
	for _, sp := range p.Sources {
		for i := range s.repos {
			if s.repos[i].DataSourceID == sp.DataSourceID && s.repos[i].Action != "" {
				s.repos[i].Action, s.repos[i].Reason = sp.Action, sp.Reason
			}
		}
	}
}

func (s *Store) setID(w *row, id string) {
	if id == "" {
		return
	}
	if hexID(w, id) {
		w.idForm = idHex
		w.idx = s.strs.id(id[len(idPrefix)+32:])
		return
	}
	w.idForm, w.idx = idStr, s.strs.id(id)
}

const idPrefix = "sg-"

// hexID packs "sg-" + 32 lower-case hex digits (+ "@branch") into w.id.
func hexID(w *row, id string) bool {
	if len(id) < len(idPrefix)+32 || !strings.HasPrefix(id, idPrefix) {
		return false
	}
	rest := id[len(idPrefix)+32:]
	if rest != "" && rest[0] != '@' {
		return false
	}
	h := id[len(idPrefix) : len(idPrefix)+32]
	for i := range 16 {
		a, ok1 := unhex(h[2*i])
		b, ok2 := unhex(h[2*i+1])
		if !ok1 || !ok2 {
			return false
		}
		w.id[i] = a<<4 | b
	}
	return true
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	}
	return 0, false
}

func (s *Store) rule(f *finding.Finding) uint32 {
	for _, i := range s.ruleIDs[f.RuleID] {
		r := &s.rules[i]
		if r.Name == f.RuleName && r.Message == f.Message && slices.Equal(r.OWASP, f.OWASP) {
			return i
		}
	}
	i := uint32(len(s.rules))
	r := Rule{ID: strings.Clone(f.RuleID), Name: strings.Clone(f.RuleName), Message: strings.Clone(f.Message)}
	for _, o := range f.OWASP {
		r.OWASP = append(r.OWASP, strings.Clone(o))
	}
	s.rules = append(s.rules, r)
	s.ruleIDs[r.ID] = append(s.ruleIDs[r.ID], i)
	return i
}

func (s *Store) path(repo uint32, p string) uint32 {
	m := s.pathIDs[repo]
	if m == nil {
		m = map[string]uint32{}
		s.pathIDs[repo] = m
	}
	if i, ok := m[p]; ok {
		return i
	}
	i := uint32(len(s.paths))
	p = strings.Clone(p)
	s.paths = append(s.paths, p)
	m[p] = i
	return i
}

func joinCWEs(c []string) string {
	switch len(c) {
	case 0:
		return ""
	case 1:
		return c[0]
	}
	return strings.Join(c, ",")
}

// Len is the number of rows appended so far.
func (s *Store) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.rows)
}

// Snap is an immutable view of the store as it was: rows appended later
// are not in it.
func (s *Store) Snap() *Snap {
	s.mu.Lock()
	defer s.mu.Unlock()
	sn := &Snap{rows: s.rows[:len(s.rows):len(s.rows)], repos: slices.Clone(s.repos), strs: s.strs.s[:len(s.strs.s):len(s.strs.s)],
		paths: s.paths[:len(s.paths):len(s.paths)], rules: s.rules[:len(s.rules):len(s.rules)],
		ReposDone: s.done, ReposKnown: s.known, Final: s.final}
	sn.owner = sharedOwner(sn.repos)
	for i := range sn.repos {
		r := &sn.repos[i]
		sn.totals.Repositories++
		if r.Failed() {
			sn.totals.Failed++
		}
		c := r.Counts
		if r.Held() {
			sn.totals.Held += c[StateNew] + c[StateUnchanged] + c[StateFixed]
		} else {
			sn.totals.New += c[StateNew]
			sn.totals.Unchanged += c[StateUnchanged]
			sn.totals.Fixed += c[StateFixed]
		}
		sn.totals.Excluded += c[StateExcluded]
	}
	return sn
}

// sharedOwner is the "owner/" every repository shares ("" when they do
// not, or there is only one): the cells leave it out.
func sharedOwner(repos []Repo) string {
	if len(repos) < 2 {
		return ""
	}
	owner := ""
	for i := range repos {
		name := repos[i].Name
		j := strings.IndexByte(name, '/')
		if j <= 0 || j == len(name)-1 || (i > 0 && name[:j+1] != owner) {
			return ""
		}
		owner = name[:j+1]
	}
	return owner
}
