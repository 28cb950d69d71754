// Package findings is the findings preview: everything the next sync would
// do, finding by finding — sent (new or unchanged), marked fixed in Wiz,
// held back by a guard, or excluded with the policy's reason — with the
// exact JSON object each sent finding becomes. It asks core for the
// preview in a command and keeps 100,000 rows instant with vtable.
package findings

import (
	"context"
	"strings"
	"sync/atomic"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/semgrep-wiz/semgrep-wiz/core/finding"
	"github.com/semgrep-wiz/semgrep-wiz/core/pipeline"
	"github.com/semgrep-wiz/semgrep-wiz/ui/common"
	"github.com/semgrep-wiz/semgrep-wiz/ui/components/vtable"
	"github.com/semgrep-wiz/semgrep-wiz/ui/screens/findings/store"
)

// viewQuery is what the user chose to see; comparable, so a load that
// raced with a change can tell it must recompute.
type viewQuery struct {
	text         string
	sortCol      int // -1: preview order
	desc         bool
	showExcluded bool
}

// query is the vtable's view of it (the header's sort arrow).
func (v viewQuery) query() vtable.Query {
	return vtable.Query{Filter: v.text, Sort: v.sortCol >= 0, SortCol: v.sortCol, Desc: v.desc}
}

func (v viewQuery) store() store.Query {
	return store.Query{Text: v.text, SortCol: v.sortCol, Desc: v.desc, ShowExcluded: v.showExcluded}
}

// batchEvery coalesces the stream: at most one batch message per period.
const batchEvery = 100 * time.Millisecond

// batchMsg is the store as it stands after more rows came in.
type batchMsg struct {
	gen   int
	snap  *store.Snap
	repos *vtable.Data
}

// doneMsg ends a load: the final plan (or the error), and the store with
// the final plan applied.
type doneMsg struct {
	gen     int
	err     error
	preview *common.Preview
	snap    *store.Snap
	repos   *vtable.Data
}

// viewMsg is a filter and sort computed over a snapshot; vgen drops
// answers to superseded queries.
type viewMsg struct {
	gen, vgen  int
	snap       *store.Snap // what perm indexes
	snapGen    int
	perm       []int
	reach, pos int
	vq         viewQuery
}

// findingMsg is one finding read again for the detail pane's JSON.
type findingMsg struct {
	key string
	f   *finding.Finding
	err error
}

// Model is the findings preview screen.
type Model struct {
	c    *common.Common
	keys KeyMap

	width, height int

	// loading is true while a load runs; loaded once one succeeded.
	loading, loaded bool
	err             error
	loadGen         int
	cancel          context.CancelFunc
	spin            spinner.Model

	// preview is the final plan once the stream is done (the sync screen
	// confirms that plan); snap is the store as last seen.
	preview *common.Preview
	snap    *store.Snap
	snapGen int // the load snap comes from
	totals  Totals
	// view: vgen numbers filter/sort requests (latest lets a superseded
	// one stop early); viewBusy while one runs, viewDirty when rows came
	// in meanwhile.
	vgen                int
	latest              *atomic.Int64
	viewBusy, viewDirty bool
	wait                func() tea.Cmd
	table               *vtable.Model
	repos               *vtable.Model
	vq                  viewQuery
	rq                  viewQuery // the totals view's sort

	filter    textinput.Model
	filtering bool

	showTotals  bool
	detail      bool
	detailFocus bool
	detailOpen  string // id of the row the detail shows, to reset its scroll
	detailLines []string
	detailJSON  string
	// jsonKey is the row whose finding is being (or was) read again.
	jsonKey string
	jsonF   *finding.Finding
	jsonErr error
	scroll  int
	lay     layout
	pt      *paints
	// repoOwner is the "owner/" every repository shares: the cells leave
	// it out, the column title says it.
	repoOwner string
}

// New builds the screen; Init starts the load.
func New(c *common.Common) *Model {
	m := &Model{c: c, keys: DefaultKeyMap(), vq: viewQuery{sortCol: -1}, rq: viewQuery{sortCol: -1, showExcluded: true}, latest: new(atomic.Int64)}
	m.spin = spinner.New(spinner.WithSpinner(spinner.Dot), spinner.WithStyle(c.Styles.Accent))
	m.table = vtable.New(&c.Styles, findingColumns())
	m.table.Empty = "Nothing to show: no findings in the selected repositories."
	m.table.SetStyler(cellClasses, pickFindingStyle)
	m.repos = vtable.New(&c.Styles, repoColumns())
	m.repos.Empty = "No repositories."
	m.repos.SetStyler(cellClasses, pickRepoStyle)
	m.filter = textinput.New()
	m.filter.Prompt = "/ "
	m.filter.Placeholder = "rule, path, repository, CWE, state…"
	m.filter.CharLimit = 200
	return m
}

var _ common.Screen = (*Model)(nil)

// Init starts the spinner and the load.
func (m *Model) Init() tea.Cmd {
	return tea.Batch(m.spin.Tick, m.load())
}

// load streams the preview into a new row store: the stream runs in one
// command, and another hands the store's snapshots to Update, at most one
// per batchEvery, re-armed after each.
func (m *Model) load() tea.Cmd {
	if m.cancel != nil {
		m.cancel()
	}
	m.loadGen++
	m.loading = true
	ctx, cancel := context.WithCancel(m.c.Ctx)
	m.cancel = cancel
	gen, svc := m.loadGen, m.c.Service
	st := store.New()
	notify := make(chan struct{}, 1)
	finished := make(chan struct{})
	m.wait = func() tea.Cmd {
		return func() tea.Msg {
			select {
			case <-notify:
			case <-finished:
				return nil
			}
			select {
			case <-time.After(batchEvery):
			case <-finished:
				return nil // the done message has it all
			}
			snap := st.Snap()
			return batchMsg{gen: gen, snap: snap, repos: vtable.NewData(repoColumns(), repoRows(snap))}
		}
	}
	run := func() tea.Msg {
		defer cancel()
		defer close(finished)
		p, err := svc.PreviewStream(ctx, true, notifySink{st, notify})
		if err != nil {
			return doneMsg{gen: gen, err: err}
		}
		if p == nil {
			p = &common.Preview{}
		}
		st.Finish(p.Plan)
		snap := st.Snap()
		return doneMsg{gen: gen, preview: p, snap: snap, repos: vtable.NewData(repoColumns(), repoRows(snap))}
	}
	return tea.Batch(run, m.wait())
}

// Leave stops a stream still running: the root shows another screen.
func (m *Model) Leave() {
	if m.cancel != nil {
		m.cancel()
	}
}

// notifySink fills the store and wakes the batch command.
type notifySink struct {
	st     *store.Store
	notify chan struct{}
}

func (n notifySink) poke() {
	select {
	case n.notify <- struct{}{}:
	default:
	}
}
func (n notifySink) Repo(r *pipeline.Repo) { n.st.Repo(r); n.poke() }
func (n notifySink) Rows(r *pipeline.Repo, rows []pipeline.PreviewRow) {
	n.st.Rows(r, rows)
	n.poke()
}
func (n notifySink) Done(r *pipeline.Repo, s *pipeline.SourcePlan) { n.st.Done(r, s); n.poke() }

// Update handles results, ticks and keys.
func (m *Model) Update(msg tea.Msg) (common.Screen, tea.Cmd) {
	m.refreshPaints()
	var cmd tea.Cmd
	switch msg := msg.(type) {
	case batchMsg:
		cmd = m.batch(msg)
	case doneMsg:
		cmd = m.done(msg)
	case viewMsg:
		cmd = m.viewed(msg)
	case findingMsg:
		if msg.key == m.jsonKey {
			m.jsonF, m.jsonErr = msg.f, msg.err
			m.detailOpen = "" // rebuild the pane with it
		}
	case spinner.TickMsg:
		if m.loading {
			m.spin, cmd = m.spin.Update(msg)
		}
	case vtable.ResultMsg:
		m.repos.Update(msg)
	case tea.KeyPressMsg:
		cmd = m.key(msg)
	case tea.PasteMsg:
		if m.filtering {
			m.filter, cmd = m.filter.Update(msg)
		}
	default:
		if m.filtering {
			m.filter, cmd = m.filter.Update(msg)
		}
	}
	if m.viewDirty && !m.viewBusy {
		cmd = tea.Batch(cmd, m.refresh(false)) // a resize changed the query
	}
	return m, tea.Batch(cmd, m.syncDetail())
}

func (m *Model) batch(msg batchMsg) tea.Cmd {
	if msg.gen != m.loadGen || !m.loading {
		return nil // superseded, or the done message came first
	}
	m.show(msg.gen, msg.snap, msg.repos)
	return tea.Batch(m.refresh(false), m.wait())
}

func (m *Model) done(msg doneMsg) tea.Cmd {
	if msg.gen != m.loadGen {
		return nil // a newer load is on its way
	}
	m.loading = false
	m.err = msg.err
	if msg.err != nil {
		return nil
	}
	m.preview = msg.preview
	m.show(msg.gen, msg.snap, msg.repos)
	return m.refresh(false)
}

// show installs a newer snapshot: totals, the totals view, the table's
// rows (its order follows when the view command answers).
func (m *Model) show(gen int, snap *store.Snap, repos *vtable.Data) {
	first := !m.loaded
	m.loaded = true
	m.snap, m.snapGen, m.totals = snap, gen, snap.Totals()
	m.repoOwner = snap.Owner()
	m.layout() // the totals decide which columns the totals view needs
	m.repos.SetData(repos, m.rq.query(), nil)
	if first {
		m.table.SetView(vtable.FromSource(numCols, snapRows{snap}), m.vq.query(), nil, snap.Len(), 0)
	}
}

// refresh asks for the table's order over the newest snapshot. Rows
// coming in (user false) wait for the view in flight; a new query (user
// true) supersedes it.
func (m *Model) refresh(user bool) tea.Cmd {
	if m.snap == nil {
		return nil
	}
	if m.viewBusy && !user {
		m.viewDirty = true
		return nil
	}
	m.vgen++
	m.viewBusy, m.viewDirty = true, false
	m.latest.Store(int64(m.vgen))
	if user {
		m.table.SetPending(true)
	}
	gen, vgen, vq, snap, snapGen, latest := m.loadGen, m.vgen, m.vq, m.snap, m.snapGen, m.latest
	sel := -1
	if r, ok := m.Selected(); ok {
		sel = r.i
	}
	return func() tea.Msg {
		perm, reach, ok := snap.View(vq.store(), func() bool { return latest.Load() != int64(vgen) })
		if !ok {
			return nil
		}
		pos := -1
		if sel >= 0 {
			for p, i := range perm {
				if i == sel {
					pos = p
					break
				}
			}
		}
		return viewMsg{gen: gen, vgen: vgen, snap: snap, snapGen: snapGen, perm: perm, reach: reach, pos: pos, vq: vq}
	}
}

func (m *Model) viewed(msg viewMsg) tea.Cmd {
	if msg.gen != m.loadGen || msg.vgen != m.vgen {
		return nil // superseded: a newer one is on its way
	}
	m.viewBusy = false
	// Rows never change once in a store: the newest snapshot of the same
	// load shows the permutation as well (and newer plans).
	snap := msg.snap
	if m.snapGen == msg.snapGen {
		snap = m.snap
	}
	m.table.SetView(vtable.FromSource(numCols, snapRows{snap}), msg.vq.query(), msg.perm, msg.reach, msg.pos)
	if m.viewDirty || msg.vq != m.vq {
		return m.refresh(false)
	}
	return nil
}

func (m *Model) key(msg tea.KeyPressMsg) tea.Cmd {
	k := m.keys
	if m.filtering {
		switch {
		case key.Matches(msg, k.ApplyFilter):
			return m.setFilter(m.filter.Value())
		case key.Matches(msg, k.ClearFilter):
			return m.setFilter("")
		}
		var cmd tea.Cmd
		m.filter, cmd = m.filter.Update(msg)
		return cmd
	}
	if key.Matches(msg, k.Reload) && !m.loading {
		return tea.Batch(m.load(), m.spin.Tick)
	}
	if !m.loaded {
		if cmd, ok := common.SetUpOnKey(m.err, msg); ok {
			return cmd
		}
		if key.Matches(msg, k.Back) {
			return common.Navigate(common.Home, "")
		}
		return nil
	}
	if m.showTotals {
		return m.totalsKey(msg)
	}
	if m.detail && m.detailFocus {
		if m.scrollKey(msg) {
			return nil
		}
	}
	switch {
	case key.Matches(msg, k.Filter):
		m.filtering = true
		m.filter.SetStyles(inputStyles(&m.c.Styles))
		m.filter.SetValue(m.vq.text)
		m.filter.CursorEnd()
		m.layout()
		return m.filter.Focus()
	case key.Matches(msg, k.Detail):
		m.detail, m.detailFocus = !m.detail, false
		m.layout()
	case key.Matches(msg, k.Focus):
		// "table ↔ detail": from the table with the pane closed, tab
		// opens it with the focus.
		if !m.detail {
			m.detail = true
			m.layout()
		}
		m.detailFocus = !m.detailFocus
	case key.Matches(msg, k.Sort):
		m.vq.sortCol = nextSort(m.vq.sortCol, m.table.Columns())
		m.vq.desc = false
		return m.refresh(true)
	case key.Matches(msg, k.Reverse):
		if m.vq.sortCol < 0 {
			return func() tea.Msg { return common.StatusMsg{Text: "Choose a sort column with s first."} }
		}
		m.vq.desc = !m.vq.desc
		return m.refresh(true)
	case key.Matches(msg, k.Excluded):
		m.vq.showExcluded = !m.vq.showExcluded
		return m.refresh(true)
	case key.Matches(msg, k.Totals):
		m.showTotals = true
		m.layout()
	case key.Matches(msg, k.Back):
		switch {
		case m.detail:
			// Closes the pane, focused or not (tab is what goes back to
			// the table with the pane open).
			m.detail, m.detailFocus = false, false
			m.layout()
		case m.vq.text != "":
			return m.setFilter("")
		default:
			return common.Navigate(common.Home, "")
		}
	default:
		m.table.Update(msg)
	}
	return nil
}

func (m *Model) totalsKey(msg tea.KeyPressMsg) tea.Cmd {
	k := m.keys
	switch {
	case key.Matches(msg, k.Totals), key.Matches(msg, k.Back):
		m.showTotals = false
		m.layout()
	case key.Matches(msg, k.Sort):
		m.rq.sortCol = nextSort(m.rq.sortCol, m.repos.Columns())
		m.rq.desc = false
		return m.repos.SetQuery(m.rq.query())
	case key.Matches(msg, k.Reverse):
		if m.rq.sortCol >= 0 {
			m.rq.desc = !m.rq.desc
			return m.repos.SetQuery(m.rq.query())
		}
	default:
		m.repos.Update(msg)
	}
	return nil
}

// nextSort is the next shown column after col, or -1 (preview order)
// after the last: a column the width hides is never the sort.
func nextSort(col int, cols []vtable.Column) int {
	for c := col + 1; c < len(cols); c++ {
		if !cols[c].Hidden {
			return c
		}
	}
	return -1
}

// scrollKey scrolls the detail pane when it has the focus.
func (m *Model) scrollKey(msg tea.KeyPressMsg) bool {
	k := m.keys
	page := max(m.lay.detailH-2, 1)
	switch {
	case key.Matches(msg, k.ScrollUp):
		m.scroll--
	case key.Matches(msg, k.ScrollDown):
		m.scroll++
	case key.Matches(msg, k.ScrollPgUp):
		m.scroll -= page
	case key.Matches(msg, k.ScrollPgDn):
		m.scroll += page
	case key.Matches(msg, k.ScrollTop):
		m.scroll = 0
	case key.Matches(msg, k.ScrollEnd):
		m.scroll = len(m.detailLines)
	default:
		return false
	}
	m.clampScroll()
	return true
}

func (m *Model) clampScroll() {
	m.scroll = min(max(m.scroll, 0), max(len(m.detailLines)-m.detailBodyH(), 0))
}

func (m *Model) setFilter(text string) tea.Cmd {
	text = strings.TrimSpace(text)
	m.filtering = false
	m.filter.Blur()
	m.filter.SetValue(text)
	m.layout()
	if text == m.vq.text {
		return nil
	}
	m.vq.text = text
	return m.refresh(true)
}

// SetSize is the area below the root's title line and above its help line.
func (m *Model) SetSize(width, height int) {
	m.width, m.height = width, height
	m.refreshPaints()
	m.layout()
	m.syncDetail()
}

// Title names the screen.
func (m *Model) Title() string { return "Findings preview" }

// InputFocused is true while the filter input has the keys.
func (m *Model) InputFocused() bool { return m.filtering }

// ShortHelp is the status-line help for the current mode.
func (m *Model) ShortHelp() []key.Binding {
	k := m.keys
	switch {
	case m.filtering:
		return []key.Binding{k.ApplyFilter, k.ClearFilter}
	case !m.loaded:
		if m.loading {
			return nil
		}
		return []key.Binding{withHelp(k.Reload, "retry")}
	case m.showTotals:
		// Short words: with ? and q this fits 80 columns.
		return []key.Binding{k.Table.Up, k.Table.Down, withHelp(k.Sort, "sort"), withHelp(k.Reverse, "reverse"), withHelp(k.Totals, "back to findings")}
	case m.detail && m.detailFocus:
		return []key.Binding{withHelp(k.ScrollUp, "scroll"), withHelp(k.ScrollDown, "scroll"), withHelp(k.Focus, "back to table"), withHelp(k.Back, "close")}
	case m.detail:
		return []key.Binding{withHelp(k.Detail, "close detail"), withHelp(k.Focus, "scroll detail"), k.Filter, withHelp(k.Sort, "sort")}
	}
	// Short words: the status line has to fit 80 columns with ? and q.
	return []key.Binding{k.Filter, k.Detail, withHelp(k.Sort, "sort"), withHelp(k.Excluded, "excluded"), withHelp(k.Totals, "totals")}
}

// FullHelp is every key of the screen.
func (m *Model) FullHelp() [][]key.Binding {
	k := m.keys
	return append(k.Table.FullHelp(),
		[]key.Binding{k.Filter, k.Sort, k.Reverse, k.Excluded},
		[]key.Binding{k.Detail, k.Focus, k.Totals, k.Reload, k.Back},
	)
}

func withHelp(b key.Binding, desc string) key.Binding {
	b.SetHelp(b.Help().Key, desc)
	return b
}

// Selected is the row under the cursor (tests and callers that want to
// act on it).
func (m *Model) Selected() (*Row, bool) {
	r, ok := m.table.Selected()
	if !ok {
		return nil, false
	}
	return asRow(r), true
}

// DetailJSON is the JSON object the detail pane shows for the selected
// finding ("" when nothing is sent for it).
func (m *Model) DetailJSON() string { return m.detailJSON }

// Totals are the preview's counts per state.
func (m *Model) Totals() Totals { return m.totals }

// Table is the findings table (read-only use).
func (m *Model) Table() *vtable.Model { return m.table }
