// Package app is the root model: it owns the shared Common, routes to one
// screen at a time, handles the global keys, the window size, light/dark,
// the status and help line, and the "terminal too small" guard. It never
// imports a screen package: screens are built by a Factory (ui.Run wires
// the real ones; tests use fakes).
package app

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/semgrep-wiz/semgrep-wiz/ui/common"
	"github.com/semgrep-wiz/semgrep-wiz/ui/theme"
)

// Minimum terminal size the app lays out for.
const (
	MinWidth  = 80
	MinHeight = 24
)

// Factory builds a screen.
type Factory func(c *common.Common, id common.ScreenID, arg string) common.Screen

// Model is the root model.
type Model struct {
	c       *common.Common
	factory Factory
	screen  common.Screen
	id      common.ScreenID
	// syncScreen keeps the screen that runs a sync alive while the user
	// looks elsewhere: its events must still reach it.
	syncScreen common.Screen
	busy       bool

	width, height int
	help          help.Model
	showHelp      bool
	status        string
	statusErr     bool
	// NoAltScreen draws inline (tests that read the output stream).
	NoAltScreen bool
}

// New builds the root on the given first screen.
func New(c *common.Common, f Factory, first common.ScreenID, arg string) *Model {
	m := &Model{c: c, factory: f, help: help.New()}
	m.show(first, arg)
	return m
}

// Screen is the visible screen (tests).
func (m *Model) Screen() common.Screen { return m.screen }

// ScreenID is the visible screen's id (tests).
func (m *Model) ScreenID() common.ScreenID { return m.id }

// Busy reports whether a sync is running.
func (m *Model) Busy() bool { return m.busy }

func (m *Model) show(id common.ScreenID, arg string) tea.Cmd {
	if id == common.Sync && m.syncScreen != nil && m.busy {
		m.screen, m.id = m.syncScreen, id
		m.resize()
		return nil
	}
	if l, ok := m.screen.(common.Leaver); ok {
		l.Leave() // it stops what it reads: nobody will see it
	}
	s := m.factory(m.c, id, arg)
	m.screen, m.id = s, id
	if id == common.Sync {
		m.syncScreen = s
	}
	m.resize()
	return s.Init()
}

func (m *Model) resize() {
	if m.width > 0 && m.screen != nil {
		m.screen.SetSize(m.width, max(m.height-2, 1))
	}
	m.help.SetWidth(m.width)
}

// Init asks for the background colour (light or dark theme) and starts
// the first screen.
func (m *Model) Init() tea.Cmd {
	return tea.Batch(tea.RequestBackgroundColor, m.screen.Init())
}

// Update routes messages.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.resize()
		return m, nil
	case tea.BackgroundColorMsg:
		m.c.Styles = theme.For(msg.IsDark())
		return m, nil
	case tea.KeyPressMsg:
		return m.key(msg)
	case common.NavigateMsg:
		m.showHelp = false
		return m, m.show(msg.To, msg.Arg)
	case common.StatusMsg:
		m.status, m.statusErr = msg.Text, msg.Err
		return m, nil
	case common.ConfigChangedMsg:
		if msg.Deleted {
			m.status, m.statusErr = "Integration deleted.", false
		} else {
			m.status, m.statusErr = "Configuration saved.", false
		}
		return m, nil
	case common.BusyMsg:
		m.busy = msg.Busy
		return m, m.forward(msg)
	case common.EventMsg:
		// Pipeline events belong to the sync screen, visible or not.
		if m.syncScreen != nil && m.syncScreen != m.screen {
			s, cmd := m.syncScreen.Update(msg)
			m.syncScreen = s
			return m, cmd
		}
	}
	return m, m.forward(msg)
}

// forward gives a message to the visible screen, and to a running sync
// screen that is not visible for its own results. Input never goes to a
// hidden screen: a "c" then "y" typed into another screen's filter would
// otherwise cancel the sync.
func (m *Model) forward(msg tea.Msg) tea.Cmd {
	var cmds []tea.Cmd
	if m.syncScreen != nil && m.syncScreen != m.screen && m.busy && !isInput(msg) {
		s, cmd := m.syncScreen.Update(msg)
		m.syncScreen = s
		cmds = append(cmds, cmd)
	}
	s, cmd := m.screen.Update(msg)
	if m.id == common.Sync {
		m.syncScreen = s
	}
	m.screen = s
	cmds = append(cmds, cmd)
	return tea.Batch(cmds...)
}

// isInput reports whether msg comes from the user (keys, paste, mouse,
// focus): it belongs to the visible screen only.
func isInput(msg tea.Msg) bool {
	switch msg.(type) {
	case tea.KeyMsg, tea.PasteMsg, tea.PasteStartMsg, tea.PasteEndMsg, tea.MouseMsg,
		tea.FocusMsg, tea.BlurMsg:
		return true
	}
	return false
}

func (m *Model) key(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	k := m.c.Keys
	// ctrl+c: always the root's. During a sync it asks the sync screen to
	// confirm a cancel (nothing is ever cut off half way); otherwise quit.
	if key.Matches(msg, k.ForceQuit) {
		if m.busy {
			m.status, m.statusErr = "A sync is running: confirm the cancel, then quit.", true
			if m.syncScreen != m.screen {
				m.show(common.Sync, "")
			}
			return m, m.forward(common.CancelRequestMsg{})
		}
		return m, tea.Quit
	}
	if m.showHelp {
		if key.Matches(msg, k.Help) || key.Matches(msg, k.Back) || key.Matches(msg, k.Quit) {
			m.showHelp = false
		}
		return m, nil
	}
	if !m.screen.InputFocused() {
		switch {
		case key.Matches(msg, k.Quit):
			return m.key(tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl})
		case key.Matches(msg, k.Help):
			m.showHelp = true
			return m, nil
		case key.Matches(msg, k.GoHome):
			return m, m.show(common.Home, "")
		case key.Matches(msg, k.GoCheck):
			return m, m.show(common.Check, "")
		case key.Matches(msg, k.GoFindings):
			return m, m.show(common.Findings, "")
		case key.Matches(msg, k.GoSync):
			return m, m.show(common.Sync, "")
		case key.Matches(msg, k.GoHistory):
			return m, m.show(common.History, "")
		}
	}
	m.status = ""
	return m, m.forward(msg)
}

var tabs = []struct {
	id    common.ScreenID
	label string
}{{common.Home, "1 Home"}, {common.Check, "2 Check"}, {common.Findings, "3 Preview"}, {common.Sync, "4 Sync"}, {common.History, "5 History"}}

// View draws the title line, the screen and the status/help line.
func (m *Model) View() tea.View {
	v := tea.NewView(m.render())
	v.AltScreen = !m.NoAltScreen
	v.WindowTitle = "semgrep-wiz"
	return v
}

func (m *Model) render() string {
	st := m.c.Styles
	if m.width == 0 {
		return ""
	}
	if m.width < MinWidth || m.height < MinHeight {
		msg := fmt.Sprintf("The terminal is %d×%d; semgrep-wiz needs at least %d×%d.\nEnlarge the window, or use the headless commands (semgrep-wiz --help).", m.width, m.height, MinWidth, MinHeight)
		return lipgloss.Place(m.width, m.height, lipgloss.Center, lipgloss.Center, st.Warn.Render(msg))
	}
	var b strings.Builder
	b.WriteString(m.titleLine())
	b.WriteByte('\n')
	body := m.screen.View()
	if m.showHelp {
		body = m.fullHelp()
	}
	b.WriteString(fit(body, m.width, m.height-2))
	b.WriteByte('\n')
	b.WriteString(m.bottomLine())
	return b.String()
}

func (m *Model) titleLine() string {
	st := m.c.Styles
	left := st.Title.Render("semgrep-wiz") + st.Muted.Render(" · "+m.screen.Title())
	var parts []string
	for _, t := range tabs {
		label := t.label
		if t.id == m.id {
			parts = append(parts, st.Accent.Bold(true).Render("["+label+"]"))
		} else {
			parts = append(parts, st.Muted.Render(" "+label+" "))
		}
	}
	right := strings.Join(parts, "")
	if m.busy && m.id != common.Sync {
		right = st.Warn.Render("● syncing  ") + right
	}
	gap := m.width - ansi.StringWidth(left) - ansi.StringWidth(right)
	if gap < 1 {
		return ansi.Truncate(left, m.width, "…")
	}
	return left + strings.Repeat(" ", gap) + right
}

func (m *Model) bottomLine() string {
	st := m.c.Styles
	if m.status != "" {
		s := st.OK
		if m.statusErr {
			s = st.Err
		}
		return ansi.Truncate(s.Render(m.status), m.width, "…")
	}
	// ? and q type into a focused text field, so they are only offered
	// when no field has the keys.
	var tail []key.Binding
	if !m.screen.InputFocused() {
		tail = []key.Binding{m.c.Keys.Help, m.c.Keys.Quit}
	}
	return fitHints(m.help, m.screen.ShortHelp(), tail, m.width)
}

// fitHints is the key hints that fit in w cells: the screen's from the
// first, as many as fit whole, then tail (help and quit, always shown; the
// help overlay lists what was left out). A hint is never cut half way.
func fitHints(h help.Model, binds, tail []key.Binding, w int) string {
	h.SetWidth(0) // measured here; help's own cut would drop ? and q
	for n := len(binds); n >= 0; n-- {
		s := h.ShortHelpView(append(binds[:n:n], tail...))
		if ansi.StringWidth(s) <= w {
			return s
		}
	}
	return ansi.Truncate(h.ShortHelpView(tail), w, "…")
}

func (m *Model) fullHelp() string {
	k := m.c.Keys
	groups := append(m.screen.FullHelp(),
		[]key.Binding{k.GoHome, k.GoCheck, k.GoFindings, k.GoSync, k.GoHistory},
		// esc is each screen's own (listed in its group): what it does
		// differs, and on some screens nothing.
		[]key.Binding{k.Help, k.Quit, k.ForceQuit})
	return m.c.Styles.Subtitle.Render("Keys") + "\n\n" + flowHelp(m.help, groups, m.width) + "\n\n" +
		m.c.Styles.Muted.Render(ansi.Wrap("q and ? outside text fields, ctrl+c always. ? or esc closes this help.", m.width, ""))
}

// flowHelp lays the key groups out as columns, wrapping to a new row of
// columns when the next one would pass the width: every key shows at 80
// columns (help's own layout cuts the groups that do not fit).
func flowHelp(h help.Model, groups [][]key.Binding, w int) string {
	const gap = "    "
	h.SetWidth(0)
	h.ShowAll = true
	var rows, row []string
	rowW := 0
	for _, g := range groups {
		block := h.FullHelpView([][]key.Binding{g})
		if block == "" {
			continue // every key of the group is disabled
		}
		bw := lipgloss.Width(block)
		if len(row) > 0 && rowW+len(gap)+bw > w {
			rows = append(rows, lipgloss.JoinHorizontal(lipgloss.Top, row...))
			row, rowW = nil, 0
		}
		if len(row) > 0 {
			row = append(row, gap)
			rowW += len(gap)
		}
		row = append(row, block)
		rowW += bw
	}
	if len(row) > 0 {
		rows = append(rows, lipgloss.JoinHorizontal(lipgloss.Top, row...))
	}
	return strings.Join(rows, "\n\n")
}

// fit pads or cuts s to exactly h lines of at most w cells.
func fit(s string, w, h int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > h {
		lines = lines[:h]
	}
	for i, l := range lines {
		if ansi.StringWidth(l) > w {
			lines[i] = ansi.Truncate(l, w, "")
		}
	}
	for len(lines) < h {
		lines = append(lines, "")
	}
	return strings.Join(lines, "\n")
}
