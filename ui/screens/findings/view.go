package findings

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/semgrep-wiz/semgrep-wiz/core/finding"
	"github.com/semgrep-wiz/semgrep-wiz/core/wizschema"
	"github.com/semgrep-wiz/semgrep-wiz/ui/common"
	"github.com/semgrep-wiz/semgrep-wiz/ui/components/vtable"
	"github.com/semgrep-wiz/semgrep-wiz/ui/screens/findings/store"
	"github.com/semgrep-wiz/semgrep-wiz/ui/textfmt"
	"github.com/semgrep-wiz/semgrep-wiz/ui/theme"
)

// rightPaneMin is the width from which the detail pane sits beside the
// table (120-column terminals) rather than below it (80 columns).
const rightPaneMin = 110

// layout is where the parts of the screen go.
type layout struct {
	bodyH          int
	tableW, tableH int
	// detailW is the width of the pane's text; detailH counts the pane's
	// title line.
	detailW, detailH int
	right            bool
}

// paints are the theme's styles prepared for cheap per-line use (a
// lipgloss Render costs microseconds; a frame draws dozens of lines).
type paints struct {
	dark                                      bool
	muted, text, subtitle, accent, accentBold vtable.Paint
	border, err, info, ok, warn               vtable.Paint
	cls                                       []vtable.Paint
}

func newPaints(st *theme.Styles) *paints {
	p := &paints{dark: st.IsDark,
		muted: vtable.NewPaint(st.Muted), text: vtable.NewPaint(st.Text), subtitle: vtable.NewPaint(st.Subtitle),
		accent: vtable.NewPaint(st.Accent), accentBold: vtable.NewPaint(st.Accent.Bold(true)), border: vtable.NewPaint(st.Border),
		err: vtable.NewPaint(st.Err), info: vtable.NewPaint(st.Info), ok: vtable.NewPaint(st.OK), warn: vtable.NewPaint(st.Warn)}
	for _, c := range cellClasses(st) {
		p.cls = append(p.cls, vtable.NewPaint(c))
	}
	return p
}

// refreshPaints follows a theme change (called from Update and SetSize).
func (m *Model) refreshPaints() {
	if m.pt == nil || m.pt.dark != m.c.Styles.IsDark {
		m.pt = newPaints(&m.c.Styles)
	}
}

// paints are the current theme's; when the theme changed since the last
// Update, View builds fresh ones rather than change the model.
func (m *Model) paints() *paints {
	if m.pt != nil && m.pt.dark == m.c.Styles.IsDark {
		return m.pt
	}
	return newPaints(&m.c.Styles)
}

// layout sizes the tables for the current size and panes.
func (m *Model) layout() {
	w := max(m.width, 1)
	body := max(m.height-2, 1)
	l := layout{bodyH: body, tableW: w, tableH: body}
	if m.detail {
		if w >= rightPaneMin {
			// table │ text
			l.right = true
			l.tableW = w * 3 / 5
			l.detailW, l.detailH = w-l.tableW-2, body
		} else {
			l.tableH = max(body/3, 5)
			l.detailW, l.detailH = w, max(body-l.tableH, 2)
		}
	}
	cols := findingColumns()
	// Below 100 columns the branch goes first (the policy sends one
	// branch, so it is mostly the same word), below 90 the CWE too: the
	// repository and the state need the room more; the detail pane shows
	// both, and the filter still matches them.
	cols[colBranch].Hidden = l.tableW < 100
	cols[colCWE].Hidden = l.tableW < 90
	// Names are cut in the middle: their start and their end are what
	// tell repositories apart.
	cols[colRepo].Shorten = vtable.MiddleEllipsis
	if m.repoOwner != "" {
		cols[colRepo].Title = repoTitle(m.repoOwner, l.tableW)
	}
	m.table.SetColumns(cols)
	m.table.SetSize(l.tableW, l.tableH)
	rcols := repoColumns()
	rcols[1].Hidden = w < 100
	rcols[5].Hidden = m.totals.Held == 0
	rcols[0].Shorten = vtable.MiddleEllipsis
	if m.repoOwner != "" {
		rcols[0].Title = repoTitle(m.repoOwner, w)
	}
	m.repos.SetColumns(rcols)
	// A sort column that is no longer shown stops being the sort.
	// Preview order needs no sorting, so this is computed here (a
	// resize across a width step is rare).
	if m.vq.sortCol >= 0 && cols[m.vq.sortCol].Hidden {
		// The next view answer sees the query changed and asks again.
		m.vq.sortCol, m.vq.desc = -1, false
		m.viewDirty = true
		m.table.ShowQuery(m.vq.query())
	}
	if m.rq.sortCol >= 0 && rcols[m.rq.sortCol].Hidden {
		m.rq.sortCol, m.rq.desc = -1, false
		if d := m.repos.Data(); d != nil {
			m.repos.SetData(d, m.rq.query(), nil)
		}
	}
	// Below the totals, the selected repository's full name and plan:
	// the cells cut both at 80 columns.
	m.repos.SetSize(w, max(body-repoNoteH, 3))
	m.filter.SetWidth(max(w-4, 10))
	m.lay = l
	m.clampScroll()
}

// repoTitle names the repository column when its cells leave out the
// owner they share.
func repoTitle(owner string, w int) string {
	if w >= 100 {
		return "Repository (" + owner + ")"
	}
	return "Repo " + owner + "…"
}

func (m *Model) detailBodyH() int { return max(m.lay.detailH-1, 1) }

// syncDetail rebuilds the detail pane when the selected row, the pane's
// width or the theme changed, and asks for the selected finding's JSON
// (the store does not keep what it needs) when it is sent or held.
func (m *Model) syncDetail() tea.Cmd {
	if !m.detail || !m.loaded {
		m.detailLines, m.detailJSON, m.detailOpen = nil, "", ""
		return nil
	}
	r, ok := m.Selected()
	id := ""
	if ok {
		id = r.ID()
	}
	key := id + "\x00" + strconv.Itoa(m.lay.detailW) + strconv.FormatBool(m.c.Styles.IsDark)
	if key == m.detailOpen && m.detailLines != nil {
		return nil
	}
	if !strings.HasPrefix(m.detailOpen, id+"\x00") {
		m.scroll = 0
	}
	m.detailOpen = key
	var cmd tea.Cmd
	if ok && r.WizID != "" && r.HasFinding() {
		jk := r.Repo + "\x00" + r.WizID
		if jk != m.jsonKey {
			m.jsonKey, m.jsonF, m.jsonErr = jk, nil, nil
			svc, ctx, repo, wizID := m.c.Service, m.c.Ctx, r.Repo, r.WizID
			cmd = func() tea.Msg {
				f, err := svc.PreviewFinding(ctx, repo, wizID)
				return findingMsg{key: jk, f: f, err: err}
			}
		}
	}
	m.refreshPaints()
	m.detailLines, m.detailJSON = m.buildDetail(m.pt, r, m.lay.detailW)
	m.clampScroll()
	return cmd
}

// buildDetail is buildDetail for the selected row with the finding read
// again for it, when it is in.
func (m *Model) buildDetail(pt *paints, r *Row, w int) ([]string, string) {
	var jf *finding.Finding
	var jerr error
	if r != nil && m.jsonKey == r.Repo+"\x00"+r.WizID {
		jf, jerr = m.jsonF, m.jsonErr
	}
	return buildDetail(pt, r, jf, jerr, w)
}

// sentJSON is the object the upload carries for f: the encoder's own
// mapping, and its encoding settings (no HTML escaping), indented.
func sentJSON(f *finding.Finding) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(wizschema.MapFinding(f)); err != nil {
		return ""
	}
	return strings.TrimSuffix(buf.String(), "\n")
}

// buildDetail lays out a row for a pane w cells wide. Every line fits:
// values are wrapped to the room they have. jf is the row's finding read
// again (nil while it is being read; jerr when that failed): the link and
// the JSON come from it.
func buildDetail(pt *paints, r *Row, jf *finding.Finding, jerr error, w int) (lines []string, js string) {
	if r == nil {
		return []string{pt.muted.Render("No finding selected.")}, ""
	}
	const labelW = 10
	field := func(label, value string) {
		value = vtable.Clean(value)
		if value == "" {
			return
		}
		for i, l := range strings.Split(ansi.Wrap(value, max(w-labelW, 8), "/."), "\n") {
			lab := ""
			if i == 0 {
				lab = label
			}
			lines = append(lines, pt.muted.Render(textfmt.Pad(lab, labelW))+pt.text.Render(l))
		}
	}
	para := func(p vtable.Paint, text string) {
		for _, l := range strings.Split(ansi.Wrap(vtable.Clean(text), max(w, 8), ""), "\n") {
			lines = append(lines, p.Render(l))
		}
	}
	stateWord := r.State.Symbol() + " " + r.State.String()
	if r.State == StateHeld {
		stateWord = r.stateText()
	}
	state := func() {
		lines = append(lines, pt.muted.Render(textfmt.Pad("State", labelW))+pt.cls[clsNew+int(r.State)].Render(stateWord))
		if r.State == StateExcluded || r.State == StateHeld {
			field("Why", r.Reason)
		}
	}
	if !r.HasFinding() {
		field("Wiz id", r.WizID)
		field("Repo", r.Repo+" @ "+r.Branch)
		state()
		lines = append(lines, "")
		para(pt.text, "Wiz holds this finding from semgrep-wiz, and Semgrep no longer reports it as open here: the upload leaves it out, so Wiz marks it fixed. Only its id is known.")
		return fit(lines, w), ""
	}
	s, i := r.s, r.i
	rule := s.Rule(i)
	sevV, _ := s.Severity(i)
	sev := severityWord(sevV)
	lines = append(lines, pt.cls[sevClass(sevV)].Render(sev)+" "+
		pt.subtitle.Render(ansi.Truncate(vtable.Clean(shortRule(rule.ID)), max(w-len(sev)-1, 1), "…")))
	field("Rule", rule.ID)
	if rule.Name != "" && rule.Name != rule.ID {
		field("Name", rule.Name)
	}
	state()
	field("Severity", sev+" (Wiz: "+sevV.Wiz()+")")
	field("Repo", r.Repo+" @ "+r.Branch)
	field("File", s.Location(i))
	field("CWE", strings.ReplaceAll(s.CWEs(i), ",", ", "))
	field("OWASP", strings.Join(rule.OWASP, "; "))
	if jf != nil {
		link := jf.Link
		if link == "" {
			link = jf.LineURL
		}
		field("Link", link)
	}
	field("Wiz id", r.WizID)
	if rule.Message != "" {
		lines = append(lines, "", pt.subtitle.Render("Message"))
		para(pt.text, rule.Message)
	}
	lines = append(lines, "")
	switch {
	case r.State == StateExcluded:
		para(pt.muted, "Not sent: the policy leaves this finding out, so there is no JSON for it.")
		return fit(lines, w), ""
	case r.State == StateHeld:
		para(pt.subtitle, "JSON sent once the repository is released")
	default:
		para(pt.subtitle, "JSON sent to Wiz for this finding")
	}
	switch {
	case errors.Is(jerr, common.ErrFindingGone):
		para(pt.err, "✗ could not read the finding again: "+jerr.Error()+": press r to reload the preview")
		return fit(lines, w), ""
	case jerr != nil:
		para(pt.err, "✗ could not read the finding again: "+jerr.Error())
		return fit(lines, w), ""
	case jf == nil:
		para(pt.muted, "Reading the finding again for its JSON…")
		return fit(lines, w), ""
	}
	js = sentJSON(jf)
	for _, l := range strings.Split(js, "\n") {
		// Hard wrap: the JSON is shown character for character.
		for _, p := range strings.Split(ansi.Hardwrap(vtable.Clean(l), max(w, 8), true), "\n") {
			lines = append(lines, pt.text.Render(p))
		}
	}
	return fit(lines, w), js
}

// fit cuts lines to w cells; only panes narrower than the wrapping
// minimum (18 cells) need it.
func fit(lines []string, w int) []string {
	if w >= labelMin {
		return lines
	}
	for i, l := range lines {
		lines[i] = ansi.Truncate(l, max(w, 0), "")
	}
	return lines
}

const labelMin = 18

// View draws the totals line, the status line and the body. Body lines
// are built to their width (the tables exactly, the detail by wrapping);
// only the two top lines and the rare loading and error views are measured.
func (m *Model) View() string {
	if m.width <= 0 || m.height <= 0 {
		return ""
	}
	var lines []string
	switch {
	case !m.loaded && m.loading:
		lines = cut(m.loadingView(), m.width)
	case !m.loaded:
		lines = cut(m.errorView(), m.width)
	default:
		lines = append(cut([]string{m.totalsLine(), m.statusLine()}, m.width), m.body()...)
	}
	if len(lines) > m.height {
		lines = lines[:m.height]
	}
	return strings.Join(lines, "\n")
}

func cut(lines []string, w int) []string {
	for i, l := range lines {
		if ansi.StringWidth(l) > w {
			lines[i] = ansi.Truncate(l, w, "…")
		}
	}
	return lines
}

func (m *Model) loadingView() []string {
	st := &m.c.Styles
	return []string{
		"",
		" " + m.spin.View() + " " + st.Text.Render("Building the preview: reading findings, comparing with what Wiz holds…"),
		"",
		"   " + st.Muted.Render("Nothing is sent to Wiz from this screen."),
	}
}

func (m *Model) errorView() []string {
	st := &m.c.Styles
	if common.IsNotSetUp(m.err) {
		var lines []string
		for _, l := range strings.Split(ansi.Wrap(m.err.Error(), max(m.width-3, 10), " "), "\n") {
			lines = append(lines, "   "+st.Warn.Render(l))
		}
		return append([]string{""}, lines...)
	}
	lines := []string{"", " " + st.Err.Render("✗ The preview could not be built.")}
	msg := "unknown error"
	if m.err != nil {
		msg = vtable.Clean(m.err.Error())
	}
	for _, l := range strings.Split(ansi.Wrap(msg, max(m.width-3, 10), "/"), "\n") {
		lines = append(lines, "   "+st.Text.Render(l))
	}
	return append(lines, "", "   "+st.Muted.Render("Press ")+st.Key.Render("r")+st.Muted.Render(" to try again."))
}

// totalsLine: "new 3 · unchanged 742 · will be fixed 12 · excluded 1,866 —
// 7 repositories", in shorter words when that does not fit.
func (m *Model) totalsLine() string {
	p := m.paints()
	for _, words := range [][6]string{
		{"new ", "unchanged ", "will be fixed ", "held back ", "excluded ", "repositories"},
		{"new ", "unch. ", "fixed ", "held ", "excl. ", "repos"},
	} {
		if plain := totalsWith(nil, m.totals, words); ansi.StringWidth(plain) <= m.width {
			return totalsWith(p, m.totals, words)
		}
	}
	return totalsWith(p, m.totals, [6]string{"+", "=", "✓", "!", "✗", "repos"})
}

// totalsWith writes the totals with these words, styled with p (or plain).
func totalsWith(p *paints, t Totals, w [6]string) string {
	if p == nil {
		p = &paints{} // zero paints write plain text
	}
	paint := func(k vtable.Paint, s string) string { return k.Render(s) }
	sep := paint(p.muted, " · ")
	parts := []string{
		paint(p.info, w[0]+textfmt.Commas(t.New)),
		paint(p.text, w[1]+textfmt.Commas(t.Unchanged)),
		paint(p.ok, w[2]+textfmt.Commas(t.Fixed)),
	}
	if t.Held > 0 {
		parts = append(parts, paint(p.warn, w[3]+textfmt.Commas(t.Held)))
	}
	parts = append(parts, paint(p.muted, w[4]+textfmt.Commas(t.Excluded)))
	repos := textfmt.Commas(t.Repositories) + " " + w[5]
	if t.Repositories == 1 && w[5] == "repositories" {
		repos = "1 repository"
	}
	s := strings.Join(parts, sep) + paint(p.muted, " — "+repos)
	if t.Failed > 0 {
		s += paint(p.err, " ("+textfmt.Commas(t.Failed)+" failed)")
	}
	return s
}

func (m *Model) statusLine() string {
	p := m.paints()
	if m.filtering {
		return m.filter.View()
	}
	var parts []string
	if m.showTotals {
		parts = append(parts, "Per-repository totals", sortText(m.rq, repoColNames))
	} else {
		if m.vq.text != "" {
			parts = append(parts, "filter: "+vtable.Clean(m.vq.text))
		} else {
			parts = append(parts, "no filter")
		}
		parts = append(parts, sortText(m.vq, colNames[:]))
		if m.vq.showExcluded {
			parts = append(parts, "excluded shown")
		} else {
			parts = append(parts, "excluded hidden")
		}
	}
	var s string
	if m.showTotals || m.vq.text != "" {
		// The first part is what matters: a title, an active filter.
		s = p.accent.Render(parts[0]) + p.muted.Render(" · "+strings.Join(parts[1:], " · "))
	} else {
		s = p.muted.Render(strings.Join(parts, " · "))
	}
	switch {
	case m.loading && m.snap != nil && m.snapGen == m.loadGen:
		// What is read so far comes first: it is what changes.
		return m.spin.View() + p.muted.Render(" "+progressText(m.snap)+" · ") + s
	case m.loading:
		s += p.muted.Render(" · ") + m.spin.View() + p.muted.Render(" reloading…")
	case m.err != nil:
		s += p.muted.Render(" · ") + p.err.Render("✗ reload failed: "+vtable.Clean(m.err.Error()))
	}
	return s
}

// progressText: "reading 412 of 2,000 repositories · 183,204 findings so far".
func progressText(s *store.Snap) string {
	return "reading " + textfmt.Commas(min(s.ReposDone+1, s.ReposKnown)) + " of " + textfmt.Count(s.ReposKnown, "repository", "repositories") +
		" · " + textfmt.Count(s.Len(), "finding", "findings") + " so far"
}

func sortText(q viewQuery, names []string) string {
	if q.sortCol < 0 || q.sortCol >= len(names) {
		return "preview order"
	}
	arrow := " ▲"
	if q.desc {
		arrow = " ▼"
	}
	return "sort: " + names[q.sortCol] + arrow
}

// repoNoteH is the room under the totals table for the selected
// repository's name and plan in full.
const repoNoteH = 3

func (m *Model) body() []string {
	if m.showTotals {
		return append(strings.Split(m.repos.View(), "\n"), m.repoNote()...)
	}
	table := strings.Split(m.table.View(), "\n")
	if !m.detail {
		return table
	}
	l := m.lay
	p := m.paints()
	detail := m.detailLines
	if p != m.pt {
		// The theme changed since the last Update: draw with the new one.
		r, _ := m.Selected()
		detail, _ = m.buildDetail(p, r, l.detailW)
	}
	bodyH := m.detailBodyH()
	end := min(m.scroll+bodyH, len(detail))
	view := detail[min(m.scroll, end):end]
	where, hint := "", ""
	if len(detail) > bodyH {
		where = "lines " + strconv.Itoa(m.scroll+1) + "–" + strconv.Itoa(end) + " of " + strconv.Itoa(len(detail))
		hint = "tab scrolls"
	}
	title, titlePaint := "Detail", p.subtitle
	if m.detailFocus {
		title, hint, titlePaint = "▶ Detail", "tab: back to the table", p.accentBold
	}
	info := joinNonEmpty(" · ", "", where, hint)
	if l.right {
		out := make([]string, 0, l.bodyH)
		head := titlePaint.Render(title) + p.muted.Render(info)
		if ansi.StringWidth(title+info) > l.detailW {
			head = ansi.Truncate(head, l.detailW, "…")
		}
		bar := p.border.Render("│") + " "
		blank := strings.Repeat(" ", l.tableW)
		for i := range l.bodyH {
			left := blank
			if i < len(table) {
				left = table[i]
			}
			right := ""
			switch {
			case i == 0:
				right = head
			case i-1 < len(view):
				right = view[i-1]
			}
			out = append(out, left+bar+right)
		}
		return out
	}
	plain := "── " + title + info + " "
	head := p.border.Render("── ") + titlePaint.Render(title) + p.muted.Render(info+" ")
	if gap := l.detailW - ansi.StringWidth(plain); gap > 0 {
		head += p.border.Render(strings.Repeat("─", gap))
	} else {
		head = ansi.Truncate(head, l.detailW, "…")
	}
	return append(append(table, head), view...)
}

// repoNote is the selected repository's name and plan, wrapped to the
// width, on at most repoNoteH lines.
func (m *Model) repoNote() []string {
	r, ok := m.repos.Selected()
	if !ok {
		return nil
	}
	rr := r.(*RepoRow)
	p := m.paints()
	text := vtable.Clean(rr.Name) + " @ " + vtable.Clean(rr.Branch) + "  " + vtable.Clean(rr.Plan)
	lines := strings.Split(ansi.Wrap(text, max(m.width, 10), "/"), "\n")
	if len(lines) > repoNoteH {
		lines = lines[:repoNoteH]
		lines[repoNoteH-1] = ansi.Truncate(lines[repoNoteH-1], max(m.width-1, 1), "") + "…"
	}
	for i, l := range lines {
		lines[i] = p.text.Render(l)
	}
	return lines
}

// joinNonEmpty joins the non-empty parts after lead ("" keeps a leading
// separator when any part is there).
func joinNonEmpty(sep, lead string, parts ...string) string {
	out := []string{lead}
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	if len(out) == 1 {
		return ""
	}
	return strings.Join(out, sep)
}

// Style classes of table cells (indexes into cellClasses).
const (
	clsCritical = iota
	clsHigh
	clsMedium
	clsLow
	clsNew
	clsUnchanged
	clsFixed
	clsHeld
	clsExcluded
	clsErr
)

func cellClasses(st *theme.Styles) []lipgloss.Style {
	return []lipgloss.Style{st.SevCritical, st.SevHigh, st.SevMedium, st.SevLow, st.Info, st.Text, st.OK, st.Warn, st.Subtle, st.Err}
}

func pickFindingStyle(r vtable.Row, col int) int {
	row := asRow(r)
	switch col {
	case colSeverity:
		sev, ok := row.s.Severity(row.i)
		if !ok {
			return -1
		}
		return sevClass(sev)
	case colState:
		return clsNew + int(row.State)
	}
	return -1
}

func sevClass(s finding.Severity) int {
	switch s {
	case finding.SeverityCritical:
		return clsCritical
	case finding.SeverityHigh:
		return clsHigh
	case finding.SeverityMedium:
		return clsMedium
	case finding.SeverityLow:
		return clsLow
	}
	return clsExcluded
}

func pickRepoStyle(r vtable.Row, col int) int {
	if col != 7 {
		return -1
	}
	p := r.(*RepoRow).Plan
	switch {
	case strings.HasPrefix(p, "✓"):
		return clsFixed
	case strings.HasPrefix(p, "!"):
		return clsHeld
	case strings.HasPrefix(p, "✗"):
		return clsErr
	}
	return clsExcluded
}

func inputStyles(st *theme.Styles) textinput.Styles {
	return textinput.Styles{
		Focused: textinput.StyleState{Text: st.Text, Placeholder: st.Subtle, Suggestion: st.Subtle, Prompt: st.Accent},
		Blurred: textinput.StyleState{Text: st.Muted, Placeholder: st.Subtle, Suggestion: st.Subtle, Prompt: st.Muted},
		Cursor:  textinput.CursorStyle{Color: st.Accent.GetForeground(), Shape: tea.CursorBlock},
	}
}
