// Package check is the connection-check screen: one row per check (Wiz
// token, data center, each permission, Semgrep token and deployment), a
// spinner while it runs, then pass/fail with the reason and the fix.
package check

import (
	"context"
	"fmt"
	"github.com/semgrep-wiz/semgrep-wiz/core/semgrep"
	"github.com/semgrep-wiz/semgrep-wiz/core/wiz"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/semgrep-wiz/semgrep-wiz/config"
	"github.com/semgrep-wiz/semgrep-wiz/core/pipeline"
	"github.com/semgrep-wiz/semgrep-wiz/ui/common"
	"github.com/semgrep-wiz/semgrep-wiz/ui/textfmt"
)

// ingestionScope is the permission only the upload probe tests.
const ingestionScope = wiz.ScopeIngestion

// Expected are the rows shown as pending while a check runs, in the order
// core reports them (core's names).
var Expected = []string{
	wiz.CheckToken,
	wiz.CheckDataCenter,
	wiz.ScopeResources,
	wiz.ScopeActivities,
	ingestionScope,
	semgrep.CheckToken,
	semgrep.CheckDeployment,
}

// KeyMap are the screen's keys.
type KeyMap struct {
	Rerun, Upload, Yes, No, Up, Down, Back, Edit key.Binding
}

// DefaultKeyMap is the screen's default key map.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Rerun:  key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "check again")),
		Upload: key.NewBinding(key.WithKeys("u"), key.WithHelp("u", "also test uploading")),
		Yes:    key.NewBinding(key.WithKeys("y", "Y"), key.WithHelp("y", "yes")),
		No:     key.NewBinding(key.WithKeys("n", "N", "esc"), key.WithHelp("n", "no")),
		Up:     key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "scroll up")),
		Down:   key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "scroll down")),
		Back:   key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "home")),
		Edit:   key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "edit the failing setting")),
	}
}

// resultMsg is the answer of one check run; Gen tells a stale answer
// (superseded by a re-run) from the current one.
type resultMsg struct {
	gen     int
	upload  bool
	results []pipeline.CheckResult
	err     error
}

// Model is the connection-check screen.
type Model struct {
	c    *common.Common
	keys KeyMap

	width, height int
	offset        int // first body line shown

	gen        int
	running    bool
	withUpload bool // the current (or last) run tests the upload permission
	cancel     context.CancelFunc
	confirming bool // asking before the upload probe

	results []pipeline.CheckResult
	err     error

	spin     spinner.Model
	spinning bool // a tick is in flight
}

// New returns the screen; Init starts the check.
func New(c *common.Common) *Model {
	return &Model{c: c, keys: DefaultKeyMap(),
		spin: spinner.New(spinner.WithSpinner(spinner.MiniDot), spinner.WithStyle(c.Styles.Accent))}
}

// Init runs the check without the upload probe.
func (m *Model) Init() tea.Cmd { return m.start(false) }

// start begins a run that supersedes any running one.
func (m *Model) start(upload bool) tea.Cmd {
	if m.cancel != nil {
		m.cancel()
	}
	m.gen++
	m.running, m.withUpload, m.confirming = true, upload, false
	m.results, m.err, m.offset = nil, nil, 0
	ctx, cancel := context.WithCancel(m.c.Ctx)
	m.cancel = cancel
	gen, svc := m.gen, m.c.Service
	run := func() tea.Msg {
		rs, err := svc.Check(ctx, upload)
		return resultMsg{gen: gen, upload: upload, results: rs, err: err}
	}
	return tea.Batch(run, m.tick())
}

// tick starts the spinner unless a tick is already in flight (two loops
// would double its speed).
func (m *Model) tick() tea.Cmd {
	if m.spinning {
		return nil
	}
	m.spinning = true
	return m.spin.Tick
}

// Update handles keys, answers and spinner ticks.
func (m *Model) Update(msg tea.Msg) (common.Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case resultMsg:
		if msg.gen != m.gen {
			return m, nil // superseded by a re-run
		}
		m.running = false
		m.results, m.err = msg.results, msg.err
		if m.cancel != nil {
			m.cancel()
			m.cancel = nil
		}
		return m, nil
	case spinner.TickMsg:
		if msg.ID != m.spin.ID() {
			return m, nil
		}
		if !m.running {
			m.spinning = false // let the loop end while idle
			return m, nil
		}
		var cmd tea.Cmd
		m.spin, cmd = m.spin.Update(msg)
		return m, cmd
	case tea.KeyPressMsg:
		return m.key(msg)
	}
	return m, nil
}

func (m *Model) key(msg tea.KeyPressMsg) (common.Screen, tea.Cmd) {
	if cmd, ok := common.SetUpOnKey(m.err, msg); ok {
		return m, cmd
	}
	if m.confirming {
		if key.Matches(msg, m.keys.Yes) {
			return m, m.start(true)
		}
		m.confirming = false // anything else is "no"
		return m, nil
	}
	switch {
	case key.Matches(msg, m.keys.Rerun):
		return m, m.start(m.withUpload)
	case key.Matches(msg, m.keys.Upload):
		m.confirming = true
	case key.Matches(msg, m.keys.Up):
		m.offset = max(0, m.offset-1)
	case key.Matches(msg, m.keys.Down):
		m.offset++
	case key.Matches(msg, m.keys.Back):
		return m, common.Navigate(common.Home, "")
	case key.Matches(msg, m.keys.Edit):
		if f, _, ok := m.failingSetting(); ok {
			return m, common.Navigate(common.Setup, f)
		}
	}
	return m, nil
}

// failingSetting is the setting to edit for the first failing check: its
// config field name (what the wizard opens at) and its label.
func (m *Model) failingSetting() (field, label string, ok bool) {
	if m.running || m.err != nil {
		return "", "", false
	}
	for _, r := range m.results {
		if r.OK || r.Skipped {
			continue
		}
		if f, l := settingOf(r); f != "" {
			return f, l, true
		}
	}
	return "", "", false
}

// settingOf maps a failed check to the setting that fixes it in the app.
// A missing permission is granted in Wiz, but the service account (its
// client ID and secret) is what the app can change.
func settingOf(r pipeline.CheckResult) (field, label string) {
	switch r.Name {
	case wiz.CheckToken:
		// Core's hint names the URL when the token endpoint is wrong.
		if strings.Contains(strings.ToLower(r.Hint), "authentication url") {
			return config.FieldWizAuthURL, "auth URL"
		}
		return config.FieldWizClientID, "client ID"
	case wiz.CheckDataCenter:
		return config.FieldWizAPIEndpoint, "endpoint"
	case "read:resources", "read:system_activities", ingestionScope:
		// Core's hint says when the endpoint refused the token because it
		// belongs to another data center than the tenant.
		if strings.Contains(strings.ToLower(r.Hint), "api endpoint") {
			return config.FieldWizAPIEndpoint, "endpoint"
		}
		return config.FieldWizClientID, "client ID"
	case semgrep.CheckToken:
		return config.FieldSemgrepToken, "Semgrep token"
	case semgrep.CheckDeployment:
		return config.FieldSemgrepDeployment, "deployment"
	}
	return "", ""
}

// SetSize is the area the screen may draw in.
func (m *Model) SetSize(width, height int) { m.width, m.height = width, height }

// Title names the screen.
func (m *Model) Title() string { return "Connection check" }

// InputFocused is always false: the screen has no text input.
func (m *Model) InputFocused() bool { return false }

// ShortHelp lists the keys that apply now.
func (m *Model) ShortHelp() []key.Binding {
	if m.confirming {
		return []key.Binding{m.keys.Yes, m.keys.No}
	}
	out := []key.Binding{m.keys.Rerun, m.keys.Upload, m.keys.Back}
	if _, label, ok := m.failingSetting(); ok {
		// First: it is what a failed check needs.
		e := m.keys.Edit
		e.SetHelp("e", "edit "+label)
		out = append([]key.Binding{e}, out...)
	}
	return out
}

// FullHelp lists every key of the screen.
func (m *Model) FullHelp() [][]key.Binding {
	e := m.keys.Edit
	_, _, ok := m.failingSetting()
	e.SetEnabled(ok) // listed only when a check failed
	return [][]key.Binding{{m.keys.Rerun, m.keys.Upload, e, m.keys.Back}, {m.keys.Up, m.keys.Down}}
}

// Running reports whether a check is in flight (for tests and the root).
func (m *Model) Running() bool { return m.running }

// Layout: two spaces, a status column, the name column, the detail.
const (
	statusW = 10 // "⠋ checking", "– skipped"
	nameW   = len(ingestionScope)
	indent  = 2 + statusW + 1
)

// View draws the rows, then a summary line pinned at the bottom.
func (m *Model) View() string {
	if m.width <= 0 || m.height <= 0 {
		return ""
	}
	st := m.c.Styles
	body := m.wrap("Tests the Wiz and Semgrep credentials and permissions; nothing is sent.", 0, st.Muted)
	body = append(body, "")
	switch {
	case m.running:
		for _, name := range Expected {
			if name == ingestionScope && !m.withUpload {
				// Not probed on a plain run: say so rather than spin.
				body = append(body, m.row(st.Info.Render("○ not run"), name, "tested only when you press u")...)
				continue
			}
			body = append(body, m.row(m.spinView()+" "+st.Muted.Render("checking"), name, "")...)
		}
	case common.IsNotSetUp(m.err):
		body = append(body, m.wrap(m.err.Error(), 0, st.Warn)...)
	case m.err != nil:
		body = append(body, st.Err.Render("✗ The check could not run"))
		body = append(body, m.wrap(m.err.Error(), 2, st.Text)...)
	default:
		for _, r := range m.results {
			body = append(body, m.result(r)...)
		}
	}
	return m.layout(body, m.footer())
}

func (m *Model) result(r pipeline.CheckResult) []string {
	st := m.c.Styles
	detail, hint := r.Detail, r.Hint
	if r.Name == ingestionScope && r.Skipped && !m.withUpload {
		// Core words this for the command line (--upload).
		detail = "tested only when asked: Wiz allocates an upload slot (nothing is uploaded)"
		hint = "press u to test it"
	}
	switch {
	case r.OK:
		return m.row(st.OK.Render("✓ pass"), r.Name, detail)
	case r.Skipped:
		// Neither passed nor failed: its own mark and words, never FAIL's.
		out := m.row(st.Info.Render("○ not run"), r.Name, "")
		out = append(out, m.wrap(detail, indent, st.Muted)...)
		if hint != "" {
			out = append(out, m.wrap(hint, indent, st.Muted)...)
		}
		return out
	default:
		out := m.row(st.Err.Render("✗ FAIL"), r.Name, "")
		out = append(out, m.wrap(detail, indent, st.Text)...)
		if hint != "" {
			out = append(out, m.wrap("Fix: "+hint, indent, st.Warn)...)
		}
		return out
	}
}

// row is one check line; a detail that does not fit wraps in its column.
func (m *Model) row(status, name, detail string) []string {
	st := m.c.Styles
	s := "  " + textfmt.Pad(status, statusW) + " " + st.Text.Render(textfmt.Pad(name, nameW))
	if detail == "" {
		return []string{ansi.Truncate(s, m.width, "…")}
	}
	col := indent + nameW + 2
	if m.width-col < 20 { // too narrow for a column: put it underneath
		return append([]string{ansi.Truncate(s, m.width, "…")}, m.wrap(detail, indent, st.Muted)...)
	}
	lines := m.wrap(detail, col, st.Muted)
	lines[0] = s + "  " + strings.TrimLeft(lines[0], " ")
	return lines
}

func (m *Model) footer() []string {
	st := m.c.Styles
	var out []string
	switch {
	case m.confirming:
		out = append(out, st.Warn.Render("This allocates an upload slot in Wiz; nothing is uploaded — continue? y/N"))
	case m.running:
		out = append(out, m.spinView()+" "+st.Muted.Render("Checking…"))
	case common.IsNotSetUp(m.err):
		out = append(out, st.Key.Render("s")+st.Muted.Render(" set up"))
	case m.err != nil:
		out = append(out, st.Muted.Render("press r to try again"))
	default:
		passed, failed, skipped := 0, 0, 0
		for _, r := range m.results {
			switch {
			case r.Skipped:
				skipped++
			case !r.OK:
				failed++
			default:
				passed++
			}
		}
		note := ""
		if skipped > 0 {
			note = fmt.Sprintf(" (%d not run)", skipped)
		}
		switch {
		case len(m.results) == 0:
			out = append(out, st.Muted.Render("Nothing to check: no Wiz or Semgrep connection is configured."))
		case failed == 0 && skipped > 0:
			// Not every credential and permission was proven: say so.
			out = append(out, st.OK.Render(fmt.Sprintf("✓ %d passed, %d not run", passed, skipped))+st.Muted.Render(" — press 3 to preview what will be sent"))
		case failed == 0:
			out = append(out, st.OK.Render("✓ All checks passed")+st.Muted.Render(" — press 3 to preview what will be sent"))
		default:
			next := " — fix, then press r to check again"
			if _, label, ok := m.failingSetting(); ok {
				next = " — press e to edit the " + label + ", or fix and press r"
			}
			out = append(out, st.Err.Render(fmt.Sprintf("✗ %d %s failed", failed, plural(failed, "check", "checks"))+note)+
				st.Muted.Render(next))
		}
	}
	for i, l := range out {
		out[i] = ansi.Truncate(l, m.width, "…")
	}
	return out
}

// layout shows as much of the body as fits above the footer, scrolled by
// offset, and pads to the full height so the footer sits at the bottom.
func (m *Model) layout(body, footer []string) string {
	room := m.height - len(footer) - 1
	if room < 1 {
		return strings.Join(clip(footer, m.height), "\n")
	}
	off := min(m.offset, max(0, len(body)-room))
	shown := body[off:]
	if len(shown) > room {
		shown = append(append([]string{}, shown[:room-1]...), m.c.Styles.Muted.Render(fmt.Sprintf("  … %d more lines (↓/j)", len(body)-off-room+1)))
	}
	lines := append([]string{}, shown...)
	for len(lines) < m.height-len(footer) {
		lines = append(lines, "")
	}
	return strings.Join(append(lines, footer...), "\n")
}

func (m *Model) wrap(s string, ind int, style lipgloss.Style) []string {
	w := max(10, m.width-ind)
	var out []string
	for _, l := range strings.Split(ansi.Wrap(s, w, " "), "\n") {
		out = append(out, strings.Repeat(" ", ind)+style.Render(l))
	}
	return out
}

func clip(lines []string, n int) []string {
	if len(lines) > n {
		return lines[:max(0, n)]
	}
	return lines
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// spinView draws the spinner in the current theme (the root may switch
// light/dark after New).
func (m *Model) spinView() string {
	sp := m.spin
	sp.Style = m.c.Styles.Accent
	return sp.View()
}
