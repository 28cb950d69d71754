package vtable

import (
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/semgrep-wiz/semgrep-wiz/ui/theme"
)

// Paint is a style split into the escape sequences around its text, so
// text is styled by two string writes instead of a Render (which costs
// microseconds: too much for hundreds of cells, or lines, per frame).
// Styles that change layout (padding, width, borders) fall back to Render.
type Paint struct {
	pre, post string
	slow      bool
	st        lipgloss.Style
}

// NewPaint prepares a style; build it once per theme, not per frame.
func NewPaint(st lipgloss.Style) Paint {
	out := st.Render("X")
	i := strings.IndexByte(out, 'X')
	if i < 0 || strings.Count(out, "X") != 1 || ansi.StringWidth(out) != 1 || strings.ContainsRune(out, '\n') {
		return Paint{slow: true, st: st}
	}
	return Paint{pre: out[:i], post: out[i+1:]}
}

// Render styles one line of text.
func (p Paint) Render(s string) string {
	if p.slow {
		return p.st.Render(s)
	}
	return p.pre + s + p.post
}

// styleMemo holds the split styles for one theme (light or dark).
type styleMemo struct {
	ok, dark                   bool
	header, sel, footer, muted Paint
	cells                      []Paint
}

func (m *Model) sgrs() *styleMemo {
	st := m.styles
	if st == nil {
		def := theme.Default()
		st = &def
	}
	if m.memo.ok && m.memo.dark == st.IsDark {
		return &m.memo
	}
	m.memo = styleMemo{ok: true, dark: st.IsDark, header: NewPaint(st.TableHeader), sel: NewPaint(st.Selected),
		footer: NewPaint(st.Muted), muted: NewPaint(st.Subtle)}
	if m.classes != nil {
		for _, s := range m.classes(st) {
			m.memo.cells = append(m.memo.cells, NewPaint(s))
		}
	}
	return &m.memo
}

const blanks = "                                                                                "

func writeBlanks(b *strings.Builder, n int) {
	for n > 0 {
		k := min(n, len(blanks))
		b.WriteString(blanks[:k])
		n -= k
	}
}

func styled(b *strings.Builder, s Paint, text string) {
	if s.slow {
		b.WriteString(s.st.Render(text))
		return
	}
	b.WriteString(s.pre)
	b.WriteString(text)
	b.WriteString(s.post)
}

// View draws the header, the visible window of rows and the footer,
// exactly Width cells wide and Height lines high. Its cost depends on the
// window, not on the number of rows.
func (m *Model) View() string {
	if m.width <= 0 || m.height <= 0 {
		return ""
	}
	st := m.sgrs()
	var b strings.Builder
	b.Grow((m.width + 48) * (m.height + 1))

	var hb strings.Builder
	m.writeHeader(&hb)
	styled(&b, st.header, hb.String())

	body := m.bodyHeight()
	var line strings.Builder
	for l := range body {
		b.WriteByte('\n')
		pos := m.offset + l
		switch {
		case pos < len(m.perm):
			m.writeRow(&b, m.perm[pos], pos == m.cursor, st)
		case l == 0:
			msg := m.Empty
			if m.data.Len() > 0 {
				msg = "No rows match."
			}
			line.Reset()
			writeCell(&line, Clean(msg), m.width, Left, false)
			styled(&b, st.muted, line.String())
		default:
			writeBlanks(&b, m.width)
		}
	}
	if m.height >= 3 {
		b.WriteByte('\n')
		line.Reset()
		left := m.Position()
		right := ""
		if m.pending {
			right = "updating…"
		}
		gap := m.width - ansi.StringWidth(left) - ansi.StringWidth(right)
		if gap < 1 {
			writeCell(&line, left, m.width, Left, false)
		} else {
			line.WriteString(left)
			writeBlanks(&line, gap)
			line.WriteString(right)
		}
		styled(&b, st.footer, line.String())
	}
	return b.String()
}

func (m *Model) writeHeader(b *strings.Builder) {
	x := 0
	for i, c := range m.cols {
		w := m.widths[i]
		if w == 0 {
			continue
		}
		if x > 0 {
			b.WriteByte(' ')
			x++
		}
		title := c.Title
		if m.query.Sort && m.query.SortCol == i {
			// The arrow always shows; the title gives way.
			arrow := " ▲"
			if m.query.Desc {
				arrow = " ▼"
			}
			if ansi.StringWidth(title)+2 > w {
				title, arrow = ansi.Truncate(title, max(w-1, 0), ""), arrow[1:]
			}
			title += arrow
		}
		writeCell(b, title, w, c.Align, false)
		x += w
	}
	writeBlanks(b, m.width-x)
}

// writeRow draws data row i. The cursor row is one style over the whole
// line; other rows get per-cell styles from the styler. Everything is
// written straight into b: no per-row allocation.
func (m *Model) writeRow(b *strings.Builder, i int, cursor bool, st *styleMemo) {
	if cursor && st.sel.slow {
		var tmp strings.Builder
		m.writeCells(&tmp, i, nil, nil)
		b.WriteString(st.sel.st.Render(tmp.String()))
		return
	}
	if cursor {
		b.WriteString(st.sel.pre)
		m.writeCells(b, i, nil, nil)
		b.WriteString(st.sel.post)
		return
	}
	var row Row
	if m.pick != nil {
		row = m.data.Row(i)
	}
	m.writeCells(b, i, row, st)
}

func (m *Model) writeCells(b *strings.Builder, i int, row Row, st *styleMemo) {
	cells := m.data.rowCells(i)
	x := 0
	for c, w := range m.widths {
		if w == 0 {
			continue
		}
		if x > 0 {
			b.WriteByte(' ')
			x++
		}
		k := -1
		if row != nil {
			k = m.pick(row, c)
		}
		switch {
		case k < 0 || k >= len(st.cells):
			writeCol(b, cells[c], w, &m.cols[c])
		case st.cells[k].slow:
			var tmp strings.Builder
			writeCol(&tmp, cells[c], w, &m.cols[c])
			b.WriteString(st.cells[k].st.Render(tmp.String()))
		default:
			b.WriteString(st.cells[k].pre)
			writeCol(b, cells[c], w, &m.cols[c])
			b.WriteString(st.cells[k].post)
		}
		x += w
	}
	writeBlanks(b, m.width-x)
}

// writeCol writes a cell of column c, through Shorten when it is set.
func writeCol(b *strings.Builder, s string, w int, c *Column) {
	if c.Shorten != nil {
		s = c.Shorten(s, w)
	}
	writeCell(b, s, w, c.Align, c.KeepEnd)
}

// MiddleEllipsis fits s in w cells by cutting its middle ("acme/pay…-api"):
// for names whose start and end both tell them apart. It keeps a little
// more of the end, where names usually differ.
func MiddleEllipsis(s string, w int) string {
	if len(s) <= w { // bytes bound the width: fits
		return s
	}
	sw := ansi.StringWidth(s)
	if sw <= w {
		return s
	}
	if w <= 2 {
		return ansi.Truncate(s, max(w, 0), "…")
	}
	head := (w - 1) * 2 / 5
	tail := w - 1 - head
	h := ansi.Truncate(s, head, "")
	t := ansi.TruncateLeft(s, sw-tail, "")
	// A wide character kept whole can overshoot by one cell: drop it.
	for ansi.StringWidth(h)+1+ansi.StringWidth(t) > w && t != "" {
		t = ansi.TruncateLeft(t, 1, "")
	}
	return h + "…" + t
}

// writeCell writes s truncated ("…") or padded to exactly w cells;
// keepEnd cuts the start instead of the end.
func writeCell(b *strings.Builder, s string, w int, a Align, keepEnd bool) {
	if w <= 0 {
		return
	}
	sw, ascii := len(s), true
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			ascii = false
			break
		}
	}
	if !ascii {
		sw = ansi.StringWidth(s)
	}
	head, tail := "", ""
	if sw > w {
		switch {
		case ascii && keepEnd:
			head, s, sw = "…", s[len(s)-(w-1):], w
		case ascii:
			s, tail, sw = s[:w-1], "…", w
		case keepEnd:
			// A wide character is kept whole, so cutting n cells may
			// leave one too many: cut one more then.
			for n := sw - w + 1; ; n++ {
				t := ansi.TruncateLeft(s, n, "…")
				if tw := ansi.StringWidth(t); tw <= w {
					s, sw = t, tw
					break
				}
			}
		default:
			s = ansi.Truncate(s, w, "…")
			sw = ansi.StringWidth(s)
		}
	}
	pad := w - sw
	switch a {
	case Right:
		writeBlanks(b, pad)
	case Center:
		writeBlanks(b, pad/2)
		pad -= pad / 2
	}
	b.WriteString(head)
	b.WriteString(s)
	b.WriteString(tail)
	if a != Right {
		writeBlanks(b, pad)
	}
}
