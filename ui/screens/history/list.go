package history

import (
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/semgrep-wiz/semgrep-wiz/core/ledger"
	"github.com/semgrep-wiz/semgrep-wiz/ui/textfmt"
)

// Columns of the run list. Both date forms are kept so the layout can pick
// one for the width.
const (
	cID = iota
	cStartLong
	cStartShort
	cTook
	cBy
	cStatus
	cSent
	cNew
	cFixed
	cRepos
	cNote
	nCols
)

var headers = [nCols]string{"RUN", "STARTED (UTC)", "STARTED (UTC)", "TOOK", "BY", "STATUS", "SENT", "NEW", "FIXED", "REPOS", "NOTE"}

// numeric columns are right-aligned.
var numeric = [nCols]bool{cSent: true, cNew: true, cFixed: true, cRepos: true, cTook: true}

// rowCells formats one run's cells as plain text (styles are applied to
// the visible rows only, when drawing).
func rowCells(r ledger.Run) [nCols]string {
	st := r.StartedAt.UTC()
	word, _ := textfmt.StatusWord(noStyles, r.Status)
	return [nCols]string{
		cID: r.ID, cStartLong: st.Format("2006-01-02 15:04:05"), cStartShort: st.Format("2006-01-02 15:04"),
		cTook: took(r), cBy: textfmt.OrDash(r.Trigger), cStatus: word,
		cSent: sentCell(r), cNew: textfmt.Commas(r.New), cFixed: textfmt.Commas(r.Resolved), cRepos: textfmt.Commas(r.Repositories),
		cNote: note(r),
	}
}

// layout is the set of columns drawn at a width.
type layout struct {
	cols  []int
	width [nCols]int
	gap   int
}

// pickLayout chooses the richest layout that fits: the run id column and
// the full date go first when the terminal is narrow (the footer shows the
// selected run's id and note in full).
func (m *Model) pickLayout(width int) layout {
	type option struct {
		id, long bool
		gap      int
		minNote  int
	}
	options := []option{{true, true, 2, 20}, {true, true, 1, 16}, {false, true, 2, 12}, {false, true, 1, 10}, {false, false, 1, 8}, {false, false, 1, 0}}
	for _, o := range options {
		var cols []int
		if o.id {
			cols = append(cols, cID)
		}
		if o.long {
			cols = append(cols, cStartLong)
		} else {
			cols = append(cols, cStartShort)
		}
		cols = append(cols, cTook, cBy, cStatus, cSent, cNew, cFixed, cRepos)
		used := markerW
		for _, c := range cols {
			used += m.colW[c] + o.gap
		}
		rest := width - used
		l := layout{width: m.colW, gap: o.gap}
		if o.minNote > 0 && rest >= o.minNote {
			l.cols = append(cols, cNote)
			l.width[cNote] = rest
			return l
		}
		if o.minNote == 0 {
			l.cols = cols
			return l
		}
	}
	return layout{}
}

// markerW is the width of the cursor marker in front of each row.
const markerW = 2

// measure computes the column widths over all rows once per load.
func (m *Model) measure() {
	for c := range nCols {
		m.colW[c] = ansi.StringWidth(headers[c])
	}
	for _, row := range m.cells {
		for c := range nCols {
			if c != cNote {
				m.colW[c] = max(m.colW[c], ansi.StringWidth(row[c]))
			}
		}
	}
}

// rowsVisible is how many runs fit: the caption, header, a blank line and
// the two footer lines take the rest.
func (m *Model) rowsVisible() int {
	return m.height - 5 - m.expiryRows()
}

// expiryRows is 1 when the expiry line shows under the footer.
func (m *Model) expiryRows() int {
	if len(m.expiry.DataSources) == 0 {
		return 0
	}
	return 1
}

// expiryLine says what the runs left in Wiz and when Wiz drops it: the
// most urgent data source's sentence, or that all is fresh.
func (m *Model) expiryLine(w int) string {
	st := m.c.Styles
	r := m.expiry
	att := r.Attention()
	if len(att) == 0 {
		return textfmt.Trunc(st.Muted.Render("In Wiz: "+r.Summary()), w)
	}
	style := st.Warn
	if r.Alarm() {
		style = st.Err
	}
	text := "In Wiz: " + att[0].Sentence(m.c.Now())
	if len(att) > 1 {
		text += " (+" + textfmt.Commas(len(att)-1) + " more: semgrep-wiz status)"
	}
	return textfmt.Trunc(style.Render(text), w)
}

func (m *Model) listView() string {
	st := m.c.Styles
	w := m.width
	if !m.loaded {
		if m.err != nil {
			return m.errorView()
		}
		return st.Muted.Render("Loading the history…")
	}
	if m.err != nil {
		return m.errorView()
	}
	if len(m.runs) == 0 {
		head := "No runs yet — press 4 to sync"
		if m.notSetUp {
			head = "No runs yet — press s to set up, then 4 to sync"
		}
		return textfmt.Trunc(st.Subtitle.Render(head), w) + "\n\n" + strings.Join(wrapIndent(
			"Every sync is recorded here, whether it ran from this app, a headless command or watch mode: its steps, counts and what Wiz said.",
			st.Muted, 0, w), "\n")
	}

	var b strings.Builder
	caption := "Runs, newest first · " + plural(len(m.runs), "run")
	if len(m.runs) >= listLimit {
		caption += " (the latest " + textfmt.Commas(listLimit) + "; semgrep-wiz history -n N shows more)"
	}
	if m.loading {
		caption += " · reloading…"
	}
	b.WriteString(textfmt.Trunc(st.Subtitle.Render(caption), w))
	b.WriteByte('\n')

	l := m.pickLayout(w)
	b.WriteString(textfmt.Trunc(st.TableHeader.Render(m.line(l, headers, w)), w))

	n := max(m.rowsVisible(), 1)
	end := min(m.offset+n, len(m.runs))
	for i := m.offset; i < end; i++ {
		b.WriteByte('\n')
		b.WriteString(m.rowView(l, i, w))
	}
	b.WriteString("\n\n")
	b.WriteString(m.footer(w))
	if m.expiryRows() > 0 {
		b.WriteByte('\n')
		b.WriteString(m.expiryLine(w))
	}
	return b.String()
}

// line lays out plain cells with the marker space in front.
func (m *Model) line(l layout, cells [nCols]string, w int) string {
	var b strings.Builder
	b.WriteString(strings.Repeat(" ", markerW))
	for i, c := range l.cols {
		if i > 0 {
			b.WriteString(strings.Repeat(" ", l.gap))
		}
		b.WriteString(cell(cells[c], l.width[c], numeric[c]))
	}
	return ansi.Truncate(b.String(), w, "")
}

func (m *Model) rowView(l layout, i, w int) string {
	st := m.c.Styles
	cells := m.cells[i]
	if i == m.cursor {
		plain := m.line(l, cells, w)
		plain = "›" + plain[1:]
		return st.Selected.Render(cell(plain, w, false))
	}
	var b strings.Builder
	b.WriteString(strings.Repeat(" ", markerW))
	for j, c := range l.cols {
		if j > 0 {
			b.WriteString(strings.Repeat(" ", l.gap))
		}
		text := cell(cells[c], l.width[c], numeric[c])
		switch c {
		case cStatus:
			_, s := textfmt.StatusWord(st, m.runs[i].Status)
			b.WriteString(s.Render(text))
		case cNote:
			if m.runs[i].Error != "" {
				b.WriteString(st.Err.Render(text))
			} else {
				b.WriteString(st.Muted.Render(text))
			}
		default:
			b.WriteString(st.TableCell.Render(text))
		}
	}
	return ansi.Truncate(b.String(), w, "")
}

// footer names the selected run in full (the id is what the headless
// commands take) and its note, which the table may have cut.
func (m *Model) footer(w int) string {
	st := m.c.Styles
	r := m.runs[m.cursor]
	first := st.Muted.Render("Run ") + st.Text.Render(r.ID) +
		st.Muted.Render(" · "+textfmt.Commas(m.cursor+1)+" of "+textfmt.Commas(len(m.runs))+" · enter shows its steps and uploads")
	second := ""
	if r.Error != "" {
		second = st.Err.Render("✗ " + textfmt.OneLine(r.Error))
	} else if r.DryRun {
		second = st.Info.Render("• dry run: nothing was sent to Wiz")
	}
	return textfmt.Trunc(first, w) + "\n" + textfmt.Trunc(second, w)
}

func (m *Model) errorView() string {
	st := m.c.Styles
	return strings.Join(wrapIndent("✗ Could not read the history: "+m.err.Error(), st.Err, 0, m.width), "\n") + "\n\n" +
		st.Muted.Render(textfmt.Trunc("Press r to try again.", m.width))
}

// sentCell is the SENT column: a dash for a run that delivered nothing
// (dry run, cancelled, failed); its planned counts are in the detail.
func sentCell(r ledger.Run) string {
	if !textfmt.Sent(r.Status, r.DryRun, r.Delivered) {
		return "—"
	}
	return textfmt.Commas(r.Sent)
}
