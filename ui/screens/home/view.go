package home

import (
	"strings"

	"charm.land/lipgloss/v2"

	"github.com/semgrep-wiz/semgrep-wiz/ui/textfmt"
)

// labelW is the width of the label column ("Last sync" and a gap).
const labelW = 13

// View draws the state, the next step and the menu.
func (m *Model) View() string {
	if m.width <= 0 || m.height <= 0 {
		return ""
	}
	st := m.c.Styles
	w := m.width
	var top []string
	switch {
	case m.err != nil:
		top = append(top, wrap("✗ Could not read the integration's state: "+textfmt.OneLine(m.err.Error()), st.Err, 0, w)...)
		top = append(top, wrap("Press r to try again.", st.Muted, 0, w)...)
	case m.info == nil:
		top = append(top, textfmt.Trunc(st.Muted.Render("Reading the integration's state…"), w))
	case !m.info.Configured:
		top = append(top, m.welcome()...)
	default:
		top = append(top, m.state()...)
	}
	if m.info != nil && m.err == nil {
		top = append(top, "")
		top = append(top, m.nextStep()...)
	}

	menu := m.menuLines()
	lines := append(append(top, ""), menu...)
	if len(lines) > m.height {
		// Blank separators go first, so the menu stays on screen.
		var packed []string
		for _, l := range top {
			if l != "" {
				packed = append(packed, l)
			}
		}
		lines = append(packed, menu...)
	}
	if len(lines) > m.height {
		lines = append(lines[:max(m.height-len(menu), 0)], menu...)
		lines = lines[:m.height]
	}
	return strings.Join(lines, "\n")
}

// state is the configured integration's facts.
func (m *Model) state() []string {
	st := m.c.Styles
	info := *m.info
	w := m.width
	var out []string
	row := func(label, value string, vs lipgloss.Style) {
		out = append(out, labelled(st.Muted, label, value, vs, w)...)
	}
	one := func(label, value string, vs lipgloss.Style) {
		out = append(out, textfmt.Trunc(st.Muted.Render(pad(label, labelW))+vs.Render(value), w))
	}

	row("Wiz", textfmt.OrDash(info.WizEndpoint), st.Text)
	var sem []string
	if info.Deployment != "" {
		sem = append(sem, "deployment "+info.Deployment)
	}
	if info.Source != "" {
		sem = append(sem, "source "+info.Source)
	}
	row("Semgrep", textfmt.OrDash(strings.Join(sem, " · ")), st.Text)
	row("Policy", textfmt.OrDash(textfmt.OneLine(info.Policy)), st.Text)
	if e := info.Elsewhere; e != nil {
		row("Running", "⟳ a sync "+textfmt.Elsewhere(e, m.c.Now()), st.Warn)
	}

	if r := info.LastRun; r == nil {
		one("Last sync", "never", st.Muted)
	} else {
		word, ws := textfmt.StatusWord(st, r.Status)
		when := textfmt.Ago(m.c.Now(), lastTime(*r)) + " · " + r.StartedAt.UTC().Format("2006-01-02 15:04") + " UTC · by " + textfmt.OrDash(r.Trigger)
		// The status word keeps its own style on the first wrapped line.
		lines := textfmt.WrapWords(word+" · "+when, max(w-labelW, 1))
		out = append(out, textfmt.Trunc(st.Muted.Render(pad("Last sync", labelW))+ws.Render(word)+st.Text.Render(strings.TrimPrefix(lines[0], word)), w))
		for _, l := range lines[1:] {
			out = append(out, textfmt.Trunc(strings.Repeat(" ", labelW)+st.Text.Render(l), w))
		}
		// Counts are what the upload held; "sent" only when Wiz took it.
		sentWord, fixedWord := textfmt.CountWords(r.Status, r.DryRun, r.Delivered)
		counts := textfmt.Commas(r.Sent) + " " + sentWord + " · " + textfmt.Commas(r.New) + " new · " + textfmt.Commas(r.Resolved) + " " + fixedWord + " · " +
			plural(r.Repositories, "repository", "repositories")
		// The words wrap rather than cut: the counts are the point.
		row("", counts, st.Text)
		if r.Error != "" {
			one("", "✗ "+textfmt.OneLine(r.Error), st.Err)
		}
	}

	if info.DataSources == 0 && info.HeldTotal == 0 {
		one("In Wiz", "nothing from us yet", st.Muted)
	} else {
		one("In Wiz", plural(info.DataSources, "data source", "data sources")+" (one per repository) · "+
			plural(info.HeldTotal, "finding", "findings")+" from us", st.Text)
	}
	out = append(out, m.expiryLines()...)
	if info.Pending > 0 {
		row("Pending", "… "+plural(info.Pending, "upload has", "uploads have")+" not finished processing at Wiz", st.Warn)
		row("", "Press 5 to find the run, then: semgrep-wiz history refresh RUN", st.Muted)
	}
	return out
}

// welcome explains what setting up takes, for a first start.
func (m *Model) welcome() []string {
	st := m.c.Styles
	w := m.width
	var out []string
	out = append(out, textfmt.Trunc(st.Subtitle.Render("semgrep-wiz sends Semgrep Code findings to Wiz's Security Graph."), w), "")
	out = append(out, wrap("Nothing is configured yet. Setting up takes:", st.Text, 0, w)...)
	for _, b := range []string{
		"from Wiz: the API endpoint URL, the authentication URL, and a service account's client id and secret",
		"from Semgrep: an API token and the deployment",
		"the policy: which findings to send (by default critical and high, open, full scans of the default branch)",
	} {
		out = append(out, bullet(b, st.Text, w)...)
	}
	out = append(out, "")
	out = append(out, wrap("No account at hand? Quit and run semgrep-wiz demo to try everything against local stand-ins.", st.Muted, 0, w)...)
	return out
}

func (m *Model) nextStep() []string {
	st := m.c.Styles
	a := m.nextAction()
	head := st.Subtitle.Render(pad("Next step", labelW)) + st.Text.Render("press ") + st.Key.Render(a.key) + st.Text.Render(" to "+a.verb)
	out := []string{textfmt.Trunc(head, m.width)}
	if a.why != "" {
		out = append(out, labelled(st.Muted, "", a.why, st.Muted, m.width)...)
	}
	return out
}

// menuLines is the screen list; the cursor row is highlighted and marked.
func (m *Model) menuLines() []string {
	st := m.c.Styles
	const labelCol = 24
	var out []string
	for i, it := range m.menu() {
		if i == m.cursor {
			out = append(out, textfmt.Trunc("  "+st.Selected.Render("› "+pad(it.label, labelCol)+pad(it.key, 3)), m.width))
			continue
		}
		out = append(out, textfmt.Trunc("    "+st.Text.Render(pad(it.label, labelCol))+st.Key.Render(it.key), m.width))
	}
	return out
}

// labelled is "label  value" with the value wrapped under itself.
func labelled(ls lipgloss.Style, label, value string, vs lipgloss.Style, w int) []string {
	vw := w - labelW
	if vw < 10 {
		return wrap(label+" "+value, vs, 0, w)
	}
	lines := textfmt.WrapWords(value, vw)
	out := []string{ls.Render(pad(label, labelW)) + vs.Render(lines[0])}
	for _, l := range lines[1:] {
		out = append(out, strings.Repeat(" ", labelW)+vs.Render(l))
	}
	return out
}

// wrap wraps plain text to w, indented and styled.
func wrap(s string, style lipgloss.Style, indent, w int) []string {
	lines := textfmt.WrapWords(s, max(w-indent, 1))
	p := strings.Repeat(" ", indent)
	for i, l := range lines {
		lines[i] = textfmt.Trunc(p+style.Render(l), w)
	}
	return lines
}

// bullet is "  • text" with continuation lines under the text.
func bullet(s string, style lipgloss.Style, w int) []string {
	lines := wrap(s, style, 4, w)
	if len(lines) > 0 {
		lines[0] = "  •" + lines[0][3:]
	}
	return lines
}

// maxExpiryLines bounds the sentences about data sources at risk; the
// rest are one `semgrep-wiz status` away.
const maxExpiryLines = 3

// expiryLines say when Wiz drops what we sent: nothing while the report is
// empty, one line when all is fresh, else a sentence per data source at
// risk ("acme/api: Wiz drops it in 2 days unless re-sent").
func (m *Model) expiryLines() []string {
	st := m.c.Styles
	r := m.expiry
	if len(r.DataSources) == 0 {
		return nil
	}
	style := st.Text
	switch {
	case r.Alarm():
		style = st.Err
	case len(r.Attention()) > 0:
		style = st.Warn
	}
	out := labelled(st.Muted, "Expiry", r.Summary(), style, m.width)
	att := r.Attention()
	for i, d := range att {
		if i == maxExpiryLines {
			out = append(out, labelled(st.Muted, "", "… and "+plural(len(att)-i, "more", "more")+": semgrep-wiz status lists them all", st.Muted, m.width)...)
			break
		}
		out = append(out, labelled(st.Muted, "", d.Sentence(m.c.Now()), style, m.width)...)
	}
	return out
}
