// Package home is the Home screen: the integration's state at a glance,
// the next thing to do (spelled out, on a key), and a menu of the screens.
package home

import (
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/semgrep-wiz/semgrep-wiz/core/ledger"
	"github.com/semgrep-wiz/semgrep-wiz/core/status"
	"github.com/semgrep-wiz/semgrep-wiz/ui/common"
)

// homeMsg answers a load; gen drops answers a newer load superseded.
type homeMsg struct {
	gen    int
	info   common.HomeInfo
	expiry status.Report
	err    error
}

// elsewhereMsg is a look at whether another process runs a sync.
type elsewhereMsg struct {
	e   *ledger.Elsewhere
	err error
}

// elsewhereTickMsg starts the next look; gen drops ticks of a loop a
// later Init replaced.
type elsewhereTickMsg struct{ gen int }

// elsewhereEvery is how often home looks for a sync started elsewhere
// (watch, a sync from cron): one small file read and one query.
const elsewhereEvery = 3 * time.Second

// pollElsewhere turns the look on; the package's model tests, which run
// every command to its end, turn it off.
var pollElsewhere = true

type keyMap struct {
	Up, Down, Open, Setup, Reload key.Binding
}

func defaultKeys() keyMap {
	return keyMap{
		Up:     key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:   key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		Open:   key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open")),
		Setup:  key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "set up / edit")),
		Reload: key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "reload")),
	}
}

// item is one menu entry.
type item struct {
	label string
	key   string // the key that does the same from anywhere ("" if none)
	to    common.ScreenID
	arg   string
}

var (
	configuredMenu = []item{
		{"Check connection", "2", common.Check, ""},
		{"Preview findings", "3", common.Findings, ""},
		{"Sync now", "4", common.Sync, ""},
		{"History", "5", common.History, ""},
		{"Edit integration", "s", common.Setup, ""},
		{"Delete integration", "", common.Setup, "delete"},
	}
	unconfiguredMenu = []item{
		{"Set up the integration", "s", common.Setup, ""},
		{"History", "5", common.History, ""},
	}
)

// Model is the Home screen.
type Model struct {
	c    *common.Common
	keys keyMap

	width, height int

	info    *common.HomeInfo
	expiry  status.Report
	err     error
	loading bool
	gen     int
	cursor  int
	// tickGen is the current loop of looks for syncs run elsewhere.
	tickGen int
}

var _ common.Screen = (*Model)(nil)

// New builds the screen.
func New(c *common.Common) *Model {
	return &Model{c: c, keys: defaultKeys()}
}

// Init loads the integration's state and starts looking for syncs run
// elsewhere.
func (m *Model) Init() tea.Cmd {
	if !pollElsewhere {
		return m.load()
	}
	m.tickGen++ // one loop at a time, however often Init runs
	return tea.Batch(m.load(), m.elsewhereTick())
}

func (m *Model) elsewhereTick() tea.Cmd {
	gen := m.tickGen
	return tea.Tick(elsewhereEvery, func(time.Time) tea.Msg { return elsewhereTickMsg{gen: gen} })
}

func (m *Model) lookElsewhere() tea.Cmd {
	svc, ctx := m.c.Service, m.c.Ctx
	return func() tea.Msg {
		e, err := svc.SyncElsewhere(ctx)
		return elsewhereMsg{e: e, err: err}
	}
}

func (m *Model) load() tea.Cmd {
	m.gen++
	m.loading = true
	gen, svc, ctx := m.gen, m.c.Service, m.c.Ctx
	return func() tea.Msg {
		info, err := svc.Home(ctx)
		if err != nil {
			return homeMsg{gen: gen, err: err}
		}
		// Expiry is extra: the state stands without it.
		expiry, _ := svc.Status(ctx)
		return homeMsg{gen: gen, info: info, expiry: expiry}
	}
}

// menu is the list for what is known: before the first answer (or after
// an error) the full menu, so nothing is out of reach.
func (m *Model) menu() []item {
	if m.info != nil && !m.info.Configured {
		return unconfiguredMenu
	}
	return configuredMenu
}

// Update handles the load answer and keys.
func (m *Model) Update(msg tea.Msg) (common.Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case homeMsg:
		if msg.gen != m.gen {
			return m, nil
		}
		m.loading, m.err = false, msg.err
		if msg.err != nil {
			return m, nil
		}
		info := msg.info
		m.info = &info
		m.expiry = msg.expiry
		// The cursor starts on the next action, so enter does it.
		m.cursor = 0
		na := m.nextAction()
		for i, it := range m.menu() {
			if it.to == na.to && it.arg == na.arg {
				m.cursor = i
				break
			}
		}
		return m, nil
	case elsewhereTickMsg:
		if msg.gen != m.tickGen {
			return m, nil
		}
		if m.info == nil || !m.info.Configured {
			return m, m.elsewhereTick()
		}
		return m, tea.Batch(m.lookElsewhere(), m.elsewhereTick())
	case elsewhereMsg:
		if msg.err != nil || m.info == nil || m.loading {
			return m, nil
		}
		was, now := m.info.Elsewhere, msg.e
		if (was == nil) != (now == nil) || (was != nil && now != nil && (was.Run == nil) != (now.Run == nil)) {
			return m, m.load() // started or ended: the last sync and the next step change too
		}
		m.info.Elsewhere = now
		return m, nil
	case tea.KeyPressMsg:
		k := m.keys
		menu := m.menu()
		switch {
		case key.Matches(msg, k.Up):
			m.cursor = max(m.cursor-1, 0)
		case key.Matches(msg, k.Down):
			m.cursor = min(m.cursor+1, len(menu)-1)
		case key.Matches(msg, k.Open):
			it := menu[min(m.cursor, len(menu)-1)]
			return m, common.Navigate(it.to, it.arg)
		case key.Matches(msg, k.Setup):
			return m, common.Navigate(common.Setup, "")
		case key.Matches(msg, k.Reload):
			return m, m.load()
		}
	}
	return m, nil
}

// SetSize sets the drawing area.
func (m *Model) SetSize(width, height int) { m.width, m.height = width, height }

// Title names the screen.
func (m *Model) Title() string { return "Home" }

// InputFocused is always false: the screen has no text input.
func (m *Model) InputFocused() bool { return false }

// ShortHelp lists the main keys.
func (m *Model) ShortHelp() []key.Binding {
	k := m.keys
	return []key.Binding{k.Up, k.Down, k.Open, k.Setup, k.Reload}
}

// FullHelp lists every key of the screen.
func (m *Model) FullHelp() [][]key.Binding {
	k := m.keys
	return [][]key.Binding{{k.Up, k.Down, k.Open}, {k.Setup, k.Reload}}
}
