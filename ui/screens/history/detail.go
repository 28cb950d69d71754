package history

import (
	"fmt"
	"strings"

	"charm.land/lipgloss/v2"

	"github.com/semgrep-wiz/semgrep-wiz/core/ledger"
	"github.com/semgrep-wiz/semgrep-wiz/core/pipeline"
	"github.com/semgrep-wiz/semgrep-wiz/ui/textfmt"
	"github.com/semgrep-wiz/semgrep-wiz/ui/theme"
)

// noStyles gives the plain words of textfmt.StatusWord (cached cell text).
var noStyles theme.Styles

// View draws the list or the open run.
func (m *Model) View() string {
	if m.width <= 0 || m.height <= 0 {
		return ""
	}
	if m.openID != "" {
		return m.detailView()
	}
	return m.listView()
}

// layoutDetail sizes the viewport and lays the run out again when the
// width changed (reset: a new run, start at the top).
func (m *Model) layoutDetail(reset bool) {
	m.vp.SetWidth(max(m.width, 0))
	m.vp.SetHeight(max(m.height-1, 0))
	if m.detail == nil || m.width <= 0 {
		return
	}
	if reset || m.vpWidth != m.width || m.vpDark != m.c.Styles.IsDark {
		y := m.vp.YOffset()
		m.vp.SetContentLines(m.detailLines(m.width))
		m.vpWidth, m.vpDark = m.width, m.c.Styles.IsDark
		if reset {
			m.vp.GotoTop()
		} else {
			m.vp.SetYOffset(y)
		}
	}
}

func (m *Model) detailView() string {
	st := m.c.Styles
	w := m.width
	if m.detail == nil {
		if m.detailErr != nil {
			return strings.Join(wrapIndent("✗ Could not open run "+m.openID+": "+m.detailErr.Error(), st.Err, 0, w), "\n") + "\n\n" +
				st.Muted.Render(textfmt.Trunc("Press r to try again, esc to go back to the list.", w))
		}
		return st.Muted.Render(textfmt.Trunc("Loading run "+m.openID+"…", w))
	}
	total := m.vp.TotalLineCount()
	top := m.vp.YOffset() + 1
	bottom := min(m.vp.YOffset()+m.vp.Height(), total)
	pos := fmt.Sprintf("lines %d–%d of %d", top, bottom, total)
	if m.dLoading {
		pos += " · reloading…"
	}
	return m.vp.View() + "\n" + st.Muted.Render(textfmt.Trunc(pos+" · esc back to the list", w))
}

// detailLines lays out the run for width w: every line fits (long values
// wrap under their label, at spaces).
func (m *Model) detailLines(w int) []string {
	st := m.c.Styles
	d := m.detail
	r := d.Run
	var out []string
	add := func(lines ...string) { out = append(out, lines...) }
	kv := func(indent int, label, value string, vs lipgloss.Style) {
		add(labelled(st, indent, 10, label, value, vs, w)...)
	}

	word, ws := textfmt.StatusWord(st, r.Status)
	add(textfmt.Trunc(st.Subtitle.Render("Run "+r.ID)+"  "+ws.Render(word), w), "")

	when := r.StartedAt.UTC().Format("2006-01-02 15:04:05") + " UTC · " + textfmt.Ago(m.c.Now(), r.StartedAt)
	switch {
	case !r.FinishedAt.IsZero():
		when += " · took " + took(r)
	case r.Status == ledger.StatusRunning:
		when += " · not finished"
	}
	kv(2, "When", when, st.Text)
	who := "by " + textfmt.OrDash(r.Trigger)
	if r.User != "" {
		who += " · " + r.User
		if r.Host != "" {
			who += "@" + r.Host
		}
	}
	kv(2, "Who", who, st.Text)
	src := sourceText(r.Source)
	if r.DryRun {
		src += " · dry run: nothing was sent to Wiz"
	}
	kv(2, "Source", src, st.Text)
	sentWord, fixedWord := textfmt.CountWords(r.Status, r.DryRun, r.Delivered)
	kv(2, "Findings", fmt.Sprintf("%s %s (%s new, %s unchanged) · %s %s · %s excluded by the policy",
		textfmt.Commas(r.Sent), sentWord, textfmt.Commas(r.New), textfmt.Commas(r.Unchanged), textfmt.Commas(r.Resolved), fixedWord, textfmt.Commas(r.Excluded)), st.Text)
	kv(2, "Repos", repositories(r.Repositories), st.Text)
	if r.Error != "" {
		kv(2, "Error", "✗ "+r.Error, st.Err)
	}

	add("", st.Subtitle.Render(fmt.Sprintf("Uploads (%d)", len(d.Uploads))))
	if len(d.Uploads) == 0 {
		add(wrapIndent("none: nothing was sent to Wiz in this run", st.Muted, 2, w)...)
	}
	for i, u := range d.Uploads {
		if i > 0 {
			add("")
		}
		head := "Upload "
		if len(d.Uploads) > 1 { // a sync split under wiz.max_upload_mb
			head = fmt.Sprintf("Upload %d/%d · ", i+1, len(d.Uploads))
		}
		add(wrapIndent(head+textfmt.OrDash(u.UploadID), st.Header, 2, w)...)
		kv(4, "Activity", textfmt.OrDash(u.SystemActivityID), st.Text)
		uw, us := uploadWord(st, u.Status)
		kv(4, "Status", uw, us)
		if u.StatusInfo != "" {
			kv(4, "Wiz says", u.StatusInfo, st.Text)
		}
		handled, hs := "—", st.Text
		if u.FindingsIncoming > 0 || u.FindingsHandled > 0 {
			handled = fmt.Sprintf("%s of %s handled", textfmt.Commas(u.FindingsHandled), textfmt.Commas(u.FindingsIncoming))
			if u.Status == "SUCCESS" && u.FindingsHandled < u.FindingsIncoming {
				handled, hs = "! "+handled+" (partial success)", st.Warn
			}
		}
		kv(4, "Findings", handled, hs)
		file := textfmt.Bytes(u.Bytes)
		if u.SHA256 != "" {
			file += " · sha256 " + prefix(u.SHA256, 12)
		}
		kv(4, "File", file, st.Text)
		if len(u.DataSources) > 0 {
			kv(4, "Sources", dataSources(u.DataSources), st.Text)
		}
		if u.Pending() {
			add(wrapIndent("… pending at Wiz: run semgrep-wiz history refresh "+r.ID, st.Warn, 4, w)...)
		}
	}

	add("", st.Subtitle.Render(fmt.Sprintf("Steps (%d)", len(d.Events))))
	if len(d.Events) == 0 {
		add(wrapIndent("no steps were recorded", st.Muted, 2, w)...)
	}
	for _, ev := range d.Events {
		add(eventLines(st, ev, w)...)
	}
	return out
}

func eventLines(st theme.Styles, ev ledger.Event, w int) []string {
	ks, ms := st.Text, st.Text
	switch ev.Kind {
	case "step_failed", "repo_failed":
		ks, ms = st.Err, st.Err
	case "warning":
		ks, ms = st.Warn, st.Warn
	case "step_finished":
		ks = st.OK
	}
	// The step in words, then what it said: "Reading findings finished: 8
	// repositories"; the event names stay in history show --json.
	words := pipeline.EventWords(ev.Kind, ev.Step)
	msg := pipeline.EventDetail(ev)
	if msg != "" {
		words += ":"
	}
	const indent = 2 + 8 + 2
	head := "  " + ev.Time.UTC().Format("15:04:05") + "  "
	lines := textfmt.WrapWords(words+" "+msg, max(w-indent, 1))
	first := strings.TrimPrefix(lines[0], words)
	out := []string{textfmt.Trunc(head+ks.Render(words)+ms.Render(first), w)}
	if !strings.HasPrefix(lines[0], words) {
		out[0] = textfmt.Trunc(head+ms.Render(lines[0]), w)
	}
	for _, l := range lines[1:] {
		out = append(out, textfmt.Trunc(strings.Repeat(" ", indent)+ms.Render(l), w))
	}
	return out
}

// labelled is "label  value" with the value wrapped under itself.
func labelled(st theme.Styles, indent, labelW int, label, value string, vs lipgloss.Style, w int) []string {
	pad := strings.Repeat(" ", indent)
	vw := w - indent - labelW
	if vw < 10 {
		return append([]string{textfmt.Trunc(pad+st.Muted.Render(label), w)}, wrapIndent(value, vs, indent+2, w)...)
	}
	lines := textfmt.WrapWords(value, vw)
	out := []string{pad + st.Muted.Render(cell(label, labelW, false)) + vs.Render(lines[0])}
	for _, l := range lines[1:] {
		out = append(out, pad+strings.Repeat(" ", labelW)+vs.Render(l))
	}
	return out
}

// wrapIndent wraps plain text to w with every line indented and styled.
func wrapIndent(s string, style lipgloss.Style, indent, w int) []string {
	lines := textfmt.WrapWords(s, max(w-indent, 1))
	pad := strings.Repeat(" ", indent)
	for i, l := range lines {
		lines[i] = textfmt.Trunc(pad+style.Render(l), w)
	}
	return lines
}

func repositories(n int) string { return textfmt.Count(n, "repository", "repositories") }

// dataSources names up to three data sources and counts the rest.
func dataSources(ids []string) string {
	const show = 3
	if len(ids) <= show {
		return strings.Join(ids, ", ")
	}
	return strings.Join(ids[:show], ", ") + fmt.Sprintf(" and %s more", textfmt.Commas(len(ids)-show))
}

func prefix(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
