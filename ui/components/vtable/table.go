package vtable

import (
	"sync/atomic"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/semgrep-wiz/semgrep-wiz/ui/textfmt"
	"github.com/semgrep-wiz/semgrep-wiz/ui/theme"
)

var tableIDs atomic.Uint64

// ResultMsg carries a permutation computed by the command SetQuery
// returns. Give it to Update: only the newest one for this table is
// applied, older ones are dropped.
type ResultMsg struct {
	table, gen uint64
	data       *Data
	query      Query
	perm       []int
	reach      int
	ok         bool
}

// Model is the table. Create it with New; it is used through its pointer.
type Model struct {
	id     uint64
	styles *theme.Styles
	Keys   KeyMap
	// Empty is shown when no row is visible.
	Empty string

	cols   []Column
	widths []int // per column; 0 when hidden or out of room

	data  *Data
	query Query
	perm  []int
	// reach counts the rows the query's Keep accepts: what a filter can
	// reach ("filtered from" counts these, not rows hidden by Keep).
	reach int
	// latest is the generation of the newest request; commands read it to
	// stop early, Update compares it to drop stale answers.
	latest  *atomic.Uint64
	pending bool

	cursor, offset int // positions in perm
	width, height  int

	classes func(*theme.Styles) []lipgloss.Style
	pick    func(r Row, col int) int
	memo    styleMemo
}

// New builds an empty table. styles is read on every View, so pass the
// address of the shared Styles: a theme change shows at the next frame.
func New(styles *theme.Styles, cols []Column) *Model {
	m := &Model{id: tableIDs.Add(1), styles: styles, Keys: DefaultKeyMap(), latest: new(atomic.Uint64), Empty: "No rows."}
	m.SetColumns(cols)
	return m
}

// SetStyler colours visible cells: classes lists the styles (built from
// the theme, so it is called again when the theme changes) and pick
// returns an index into them for a cell, or -1 for the plain cell style.
// Only the cells on screen are asked.
func (m *Model) SetStyler(classes func(*theme.Styles) []lipgloss.Style, pick func(r Row, col int) int) {
	m.classes, m.pick = classes, pick
	m.memo = styleMemo{}
}

// SetColumns changes titles, widths, alignment or visibility. The number
// of columns must stay the one the Data was built with.
func (m *Model) SetColumns(cols []Column) {
	m.cols = cols
	m.layout()
}

// Columns are the current columns.
func (m *Model) Columns() []Column { return m.cols }

// SetSize sets the area: one header line, the rows, one footer line.
func (m *Model) SetSize(width, height int) {
	m.width, m.height = max(width, 0), max(height, 0)
	m.layout()
	m.clamp()
}

// SetData installs a new row set with its query and a permutation computed
// from them (nil: computed here, which is O(rows) — fine for short lists;
// long ones compute it in a command with Data.Compute). Requests in flight
// are dropped, and the cursor stays on the row with the same ID when it is
// still there.
func (m *Model) SetData(d *Data, q Query, perm []int) {
	m.latest.Add(1)
	m.pending = false
	if perm == nil {
		perm = d.Compute(q)
	}
	prevID, hadRow := "", false
	if r, ok := m.Selected(); ok {
		prevID, hadRow = r.ID(), true
	}
	line := m.cursor - m.offset
	m.data, m.query, m.perm, m.reach = d, q, perm, d.Reachable(q.Keep)
	if hadRow {
		for pos, i := range perm {
			if d.Row(i).ID() == prevID {
				m.cursor, m.offset = pos, pos-line
				break
			}
		}
	}
	m.clamp()
}

// SetView installs a row set with a permutation its owner computed
// (filtered and sorted its own way), reach counting the rows a filter can
// reach, and the cursor on position pos (-1: the cursor keeps its
// position). O(1): nothing walks the rows.
func (m *Model) SetView(d *Data, q Query, perm []int, reach, pos int) {
	m.latest.Add(1)
	m.pending = false
	line := m.cursor - m.offset
	m.data, m.query, m.perm, m.reach = d, q, perm, reach
	if pos >= 0 {
		m.cursor, m.offset = pos, pos-line
	}
	m.clamp()
}

// ShowQuery changes the query the header shows while the owner of a
// Source computes its permutation.
func (m *Model) ShowQuery(q Query) { m.query = q }

// SetPending marks a permutation as being computed by the table's owner
// (the footer says so).
func (m *Model) SetPending(p bool) { m.pending = p }

// SetQuery asks for a new filter and order: it returns the command that
// computes the permutation off the event loop. Until its ResultMsg comes
// back the table keeps showing the previous permutation (Pending is true).
func (m *Model) SetQuery(q Query) tea.Cmd {
	gen := m.latest.Add(1)
	m.pending = true
	m.query = q
	d, latest, table := m.data, m.latest, m.id
	return func() tea.Msg {
		perm, ok := d.compute(q, func() bool { return latest.Load() != gen })
		return ResultMsg{table: table, gen: gen, data: d, query: q, perm: perm, reach: d.Reachable(q.Keep), ok: ok}
	}
}

// Query is the query shown (or being computed, when Pending).
func (m *Model) Query() Query { return m.query }

// Pending reports that a filter or sort is being computed.
func (m *Model) Pending() bool { return m.pending }

// Data is the row set.
func (m *Model) Data() *Data { return m.data }

// Update applies results of this table's commands (dropping stale ones)
// and moves the cursor on the movement keys. It reports whether it used
// the message.
func (m *Model) Update(msg tea.Msg) bool {
	switch msg := msg.(type) {
	case ResultMsg:
		if msg.table != m.id {
			return false
		}
		if msg.gen != m.latest.Load() || !msg.ok || msg.data != m.data {
			return true // superseded: dropped
		}
		m.pending = false
		m.reach = msg.reach
		m.apply(msg.perm)
		return true
	case tea.KeyPressMsg:
		page := max(m.bodyHeight(), 1)
		switch {
		case key.Matches(msg, m.Keys.Up):
			m.Move(-1)
		case key.Matches(msg, m.Keys.Down):
			m.Move(1)
		case key.Matches(msg, m.Keys.PageUp):
			m.page(-page)
		case key.Matches(msg, m.Keys.PageDown):
			m.page(page)
		case key.Matches(msg, m.Keys.HalfUp):
			m.page(-max(page/2, 1))
		case key.Matches(msg, m.Keys.HalfDown):
			m.page(max(page/2, 1))
		case key.Matches(msg, m.Keys.Top):
			m.SetCursor(0)
		case key.Matches(msg, m.Keys.Bottom):
			m.SetCursor(len(m.perm) - 1)
		default:
			return false
		}
		return true
	}
	return false
}

// apply shows a new permutation of the same data, keeping the cursor on
// its row (and on the same screen line) when the row is still shown.
func (m *Model) apply(perm []int) {
	prev := -1
	if m.cursor >= 0 && m.cursor < len(m.perm) {
		prev = m.perm[m.cursor]
	}
	line := m.cursor - m.offset
	m.perm = perm
	if prev >= 0 {
		for pos, i := range perm {
			if i == prev {
				m.cursor, m.offset = pos, pos-line
				break
			}
		}
	}
	m.clamp()
}

// Move moves the cursor by n rows.
func (m *Model) Move(n int) { m.SetCursor(m.cursor + n) }

// page moves the cursor and the window together, like a pager.
func (m *Model) page(n int) {
	m.offset += n
	m.cursor += n
	m.clamp()
}

// SetCursor puts the cursor on a position of the visible order.
func (m *Model) SetCursor(pos int) {
	m.cursor = pos
	m.clamp()
}

// SelectID puts the cursor on the row with this ID, if it is shown.
func (m *Model) SelectID(id string) bool {
	for pos, i := range m.perm {
		if m.data.Row(i).ID() == id {
			m.SetCursor(pos)
			return true
		}
	}
	return false
}

// Cursor is the cursor's position in the visible order.
func (m *Model) Cursor() int { return m.cursor }

// Offset is the first visible position.
func (m *Model) Offset() int { return m.offset }

// Selected is the row under the cursor.
func (m *Model) Selected() (Row, bool) {
	if m.data == nil || m.cursor < 0 || m.cursor >= len(m.perm) {
		return nil, false
	}
	return m.data.Row(m.perm[m.cursor]), true
}

// Visible is the permutation shown (read-only).
func (m *Model) Visible() []int { return m.perm }

// Len is the number of rows shown; Total the number of rows in the data.
func (m *Model) Len() int   { return len(m.perm) }
func (m *Model) Total() int { return m.data.Len() }

// Position says where the cursor is: "row 1,234 of 100,000 (filtered
// from 120,000)". The rows Keep hides (e.g. excluded findings while they
// are hidden) are not counted in "filtered from": a filter cannot reach
// them.
func (m *Model) Position() string {
	total := m.reach
	var s string
	if len(m.perm) == 0 {
		s = "no rows"
	} else {
		s = "row " + Commas(m.cursor+1) + " of " + Commas(len(m.perm))
	}
	if len(m.perm) != total {
		s += " (filtered from " + Commas(total) + ")"
	}
	return s
}

func (m *Model) bodyHeight() int {
	if m.height >= 3 {
		return m.height - 2
	}
	return max(m.height-1, 0)
}

// clamp keeps the cursor on a row and the cursor inside the window.
func (m *Model) clamp() {
	n := len(m.perm)
	h := max(m.bodyHeight(), 1)
	m.cursor = min(max(m.cursor, 0), max(n-1, 0))
	m.offset = min(max(m.offset, 0), max(n-h, 0))
	if m.cursor < m.offset {
		m.offset = m.cursor
	}
	if m.cursor >= m.offset+h {
		m.offset = m.cursor - h + 1
	}
}

// layout gives each visible column its width: fixed ones their Width,
// flexible ones their Min and then the rest of the room by weight; what
// does not fit is cut at the right edge (a column left with no room gets 0).
func (m *Model) layout() {
	m.widths = make([]int, len(m.cols))
	fixed, weights, mins, n, lastFlex := 0, 0, 0, 0, -1
	for i, c := range m.cols {
		switch {
		case c.Hidden:
			continue
		case c.Width > 0:
			fixed += c.Width
			m.widths[i] = c.Width
		default:
			weights += max(c.Flex, 1)
			mins += max(c.Min, 1)
			m.widths[i] = max(c.Min, 1)
			lastFlex = i
		}
		n++
	}
	if n == 0 {
		return
	}
	if extra := m.width - fixed - (n - 1) - mins; extra > 0 && lastFlex >= 0 {
		left := extra
		for i, c := range m.cols {
			if c.Hidden || c.Width > 0 {
				continue
			}
			add := extra * max(c.Flex, 1) / weights
			m.widths[i] += add
			left -= add
		}
		m.widths[lastFlex] += left
	}
	x := 0
	for i, w := range m.widths {
		if w == 0 {
			continue
		}
		sep := 0
		if x > 0 {
			sep = 1
		}
		if x+sep+w > m.width {
			w = max(m.width-x-sep, 0)
			m.widths[i] = w
		}
		if w > 0 {
			x += sep + w
		}
	}
}

// Commas formats n with thousands separators (1,234,567); kept for
// callers of vtable, the one copy is textfmt.Commas.
func Commas(n int) string { return textfmt.Commas(n) }
