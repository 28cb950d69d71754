// Package history is the History screen: past runs newest first, and one
// run's summary, uploads and steps in a scrolling detail view.
package history

import (
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"

	"github.com/semgrep-wiz/semgrep-wiz/core/ledger"
	"github.com/semgrep-wiz/semgrep-wiz/core/status"
	"github.com/semgrep-wiz/semgrep-wiz/ui/common"
)

// listLimit is how many runs the list reads: enough for weeks of daily
// syncs; older ones are one `semgrep-wiz history -n` away.
const listLimit = 200

// runsMsg answers a list load; gen drops answers a newer load superseded.
type runsMsg struct {
	gen      int
	runs     []ledger.Run
	expiry   status.Report
	err      error
	notSetUp bool // no runs and nothing set up: the wizard comes first
}

// runMsg answers a run load.
type runMsg struct {
	gen    int
	id     string
	detail common.RunDetail
	err    error
}

// Model is the History screen.
type Model struct {
	c    *common.Common
	keys keyMap

	width, height int

	// The list.
	runs     []ledger.Run
	expiry   status.Report // when Wiz drops what the runs sent
	loaded   bool          // a list answer arrived (runs may be empty)
	loading  bool
	err      error
	notSetUp bool
	gen      int
	cursor   int
	offset   int
	cells    [][nCols]string // plain cell text per run, formatted once per load
	colW     [nCols]int

	// The open run: openID != "" means the detail view is showing.
	openID    string
	detail    *common.RunDetail
	detailErr error
	dLoading  bool
	dGen      int
	vp        viewport.Model
	vpWidth   int  // width the content was laid out for
	vpDark    bool // theme it was styled with
}

var _ common.Screen = (*Model)(nil)

// New builds the screen; a non-empty runID opens that run directly (the
// sync screen sends the user here with the run it just recorded).
func New(c *common.Common, runID string) *Model {
	m := &Model{c: c, keys: defaultKeys(), vp: viewport.New(), openID: runID}
	return m
}

// Init loads the list, and the run when one was asked for.
func (m *Model) Init() tea.Cmd {
	cmds := []tea.Cmd{m.loadRuns()}
	if m.openID != "" {
		cmds = append(cmds, m.loadRun(m.openID))
	}
	return tea.Batch(cmds...)
}

func (m *Model) loadRuns() tea.Cmd {
	m.gen++
	m.loading = true
	gen, svc, ctx := m.gen, m.c.Service, m.c.Ctx
	return func() tea.Msg {
		runs, err := svc.Runs(ctx, listLimit)
		if err != nil {
			return runsMsg{gen: gen, err: err}
		}
		// Expiry is extra: the list stands without it.
		expiry, _ := svc.Status(ctx)
		return runsMsg{gen: gen, runs: runs, expiry: expiry, notSetUp: len(runs) == 0 && !svc.Configured()}
	}
}

func (m *Model) loadRun(id string) tea.Cmd {
	m.dGen++
	m.dLoading = true
	gen, svc, ctx := m.dGen, m.c.Service, m.c.Ctx
	return func() tea.Msg {
		d, err := svc.Run(ctx, id)
		return runMsg{gen: gen, id: id, detail: d, err: err}
	}
}

// Update handles load answers and keys.
func (m *Model) Update(msg tea.Msg) (common.Screen, tea.Cmd) {
	// The root switches light/dark without telling screens; the open run's
	// cached lines are styled again on the next message.
	if m.detail != nil && m.vpDark != m.c.Styles.IsDark {
		m.layoutDetail(false)
	}
	switch msg := msg.(type) {
	case runsMsg:
		if msg.gen != m.gen {
			return m, nil
		}
		m.loading, m.loaded, m.err, m.notSetUp = false, true, msg.err, msg.notSetUp
		if msg.err == nil {
			m.expiry = msg.expiry
			m.setRuns(msg.runs)
		}
		return m, nil
	case runMsg:
		if msg.gen != m.dGen || m.openID == "" {
			return m, nil
		}
		m.dLoading, m.detailErr = false, msg.err
		if msg.err != nil {
			m.detail = nil
			return m, nil
		}
		d := msg.detail
		m.detail = &d
		m.layoutDetail(true)
		return m, nil
	case tea.KeyPressMsg:
		if m.openID != "" {
			return m, m.detailKey(msg)
		}
		return m, m.listKey(msg)
	}
	return m, nil
}

// setRuns replaces the list, keeping the cursor on the same run.
func (m *Model) setRuns(runs []ledger.Run) {
	var keep string
	if m.cursor < len(m.runs) {
		keep = m.runs[m.cursor].ID
	}
	m.runs = runs
	m.cells = make([][nCols]string, len(runs))
	for i, r := range runs {
		m.cells[i] = rowCells(r)
	}
	m.measure()
	m.cursor = 0
	for i, r := range runs {
		if r.ID == keep {
			m.cursor = i
			break
		}
	}
	m.clampOffset()
}

func (m *Model) listKey(msg tea.KeyPressMsg) tea.Cmd {
	k := m.keys
	if m.notSetUp && len(m.runs) == 0 && key.Matches(msg, common.SetUpKey) {
		return common.Navigate(common.Setup, "")
	}
	switch {
	case key.Matches(msg, k.Up):
		m.move(-1)
	case key.Matches(msg, k.Down):
		m.move(1)
	case key.Matches(msg, k.PageUp):
		m.move(-max(m.rowsVisible(), 1))
	case key.Matches(msg, k.PageDown):
		m.move(max(m.rowsVisible(), 1))
	case key.Matches(msg, k.Top):
		m.move(-len(m.runs))
	case key.Matches(msg, k.Bottom):
		m.move(len(m.runs))
	case key.Matches(msg, k.Open):
		if m.cursor < len(m.runs) {
			return m.open(m.runs[m.cursor].ID)
		}
	case key.Matches(msg, k.Reload):
		return m.loadRuns()
	case key.Matches(msg, k.Back):
		return common.Navigate(common.Home, "")
	}
	return nil
}

func (m *Model) open(id string) tea.Cmd {
	m.openID, m.detail, m.detailErr = id, nil, nil
	m.vp.GotoTop()
	return m.loadRun(id)
}

func (m *Model) detailKey(msg tea.KeyPressMsg) tea.Cmd {
	k := m.keys
	switch {
	case key.Matches(msg, k.Back):
		m.closeDetail()
	case key.Matches(msg, k.Reload):
		return tea.Batch(m.loadRun(m.openID), m.loadRuns())
	case key.Matches(msg, k.Up):
		m.vp.ScrollUp(1)
	case key.Matches(msg, k.Down):
		m.vp.ScrollDown(1)
	case key.Matches(msg, k.PageUp):
		m.vp.PageUp()
	case key.Matches(msg, k.PageDown):
		m.vp.PageDown()
	case key.Matches(msg, k.Top):
		m.vp.GotoTop()
	case key.Matches(msg, k.Bottom):
		m.vp.GotoBottom()
	}
	return nil
}

// closeDetail returns to the list with the cursor on the run just read.
func (m *Model) closeDetail() {
	id := m.openID
	if m.detail != nil {
		id = m.detail.Run.ID
	}
	m.openID, m.detail, m.detailErr, m.dLoading = "", nil, nil, false
	m.dGen++ // an answer still on its way is for a view that is gone
	for i, r := range m.runs {
		if r.ID == id {
			m.cursor = i
			break
		}
	}
	m.clampOffset()
}

func (m *Model) move(d int) {
	m.cursor = max(0, min(m.cursor+d, len(m.runs)-1))
	m.clampOffset()
}

// clampOffset keeps the cursor row on screen.
func (m *Model) clampOffset() {
	n := max(m.rowsVisible(), 1)
	if m.cursor < m.offset {
		m.offset = m.cursor
	}
	if m.cursor >= m.offset+n {
		m.offset = m.cursor - n + 1
	}
	m.offset = max(0, min(m.offset, len(m.runs)-n))
}

// SetSize sets the drawing area.
func (m *Model) SetSize(width, height int) {
	m.width, m.height = width, height
	m.clampOffset()
	m.layoutDetail(false)
}

// Title names the screen.
func (m *Model) Title() string {
	return "History"
}

// InputFocused is always false: the screen has no text input.
func (m *Model) InputFocused() bool { return false }

// ShortHelp lists the keys of the current view.
func (m *Model) ShortHelp() []key.Binding {
	k := m.keys
	if m.openID != "" {
		return []key.Binding{scrollHelp(k.Up, "scroll"), k.PageDown, k.Back, k.Reload}
	}
	return []key.Binding{k.Up, k.Down, k.Open, k.Reload, k.Back}
}

// FullHelp lists every key of the screen.
func (m *Model) FullHelp() [][]key.Binding {
	k := m.keys
	return [][]key.Binding{
		{k.Up, k.Down, k.Top, k.Bottom, k.PageUp, k.PageDown},
		{k.Open, k.Back, k.Reload},
	}
}

func scrollHelp(b key.Binding, desc string) key.Binding {
	return key.NewBinding(key.WithKeys(b.Keys()...), key.WithHelp("↑/↓", desc))
}
