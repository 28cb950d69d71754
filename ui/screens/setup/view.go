package setup

import (
	"fmt"
	"net/url"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/semgrep-wiz/semgrep-wiz/config"
)

// headerLines are the step line and the blank under it.
const headerLines = 2

// View implements common.Screen.
func (m *Model) View() string {
	if m.width <= 0 || m.height <= 0 {
		return ""
	}
	st := m.c.Styles
	var lines []string
	switch m.page {
	case pageDelete, pageDeleting:
		lines = m.deleteView()
	case pageDeleted:
		lines = m.deletedView()
	case pageReview, pageTesting, pageSaving:
		body, foot := m.reviewView()
		return pinFooter(append(m.header(), body...), foot, m.width, m.height, m.c.Styles.Muted)
	case pageLoading:
		lines = append(m.header(),
			st.Text.Render("Asking Semgrep for the deployments this token can see…"),
			"",
			st.Muted.Render("esc goes back to the token"))
	default:
		lines = m.header()
		switch {
		case !m.ready:
			lines = append(lines, st.Muted.Render("Reading which secrets are stored…"))
		case m.form != nil:
			lines = append(lines, m.banner()...)
			if v := m.form.View(); v != "" {
				lines = append(lines, strings.Split(v, "\n")...)
			}
			lines = append(lines, m.errorLines()...)
		}
	}
	return clip(lines, m.width, m.height)
}

// header is the step line: "Step 2 of 4 · Semgrep" and, when it fits,
// the breadcrumb with the current step in brackets.
func (m *Model) header() []string {
	st := m.c.Styles
	n, name := m.page.step()
	left := st.Subtitle.Render(fmt.Sprintf("Step %d of %d · %s", n, len(steps), name))
	parts := make([]string, len(steps))
	for i, s := range steps {
		if i+1 == n {
			parts[i] = st.Accent.Bold(true).Render("[" + s + "]")
		} else {
			parts[i] = st.Muted.Render(s)
		}
	}
	right := strings.Join(parts, st.Subtle.Render(" › "))
	gap := m.width - ansi.StringWidth(left) - ansi.StringWidth(right)
	if gap >= 2 {
		left += strings.Repeat(" ", gap) + right
	}
	return []string{left, ""}
}

// banner sits above the deployment form when the live list failed.
func (m *Model) banner() []string {
	if m.page != pageDeployment || m.deployErr == nil {
		return nil
	}
	st := m.c.Styles
	w := m.width
	out := wrapStyled(st.Err, "✗ Could not list the deployments: "+m.deployErr.Error(), w)
	out = append(out, wrapStyled(st.Muted, "Press esc to go back and correct the API URL or token (then it is asked again), or type the slug by hand.", w)...)
	return append(out, "")
}

// errorLines are the form's validation errors, under the form.
func (m *Model) errorLines() []string {
	if m.form == nil {
		return nil
	}
	var out []string
	for _, err := range m.form.Errors() {
		out = append(out, wrapStyled(m.c.Styles.Err, "✗ "+err.Error(), m.width)...)
	}
	return out
}

func errSig(f *huh.Form) string {
	if f == nil {
		return ""
	}
	var b strings.Builder
	for _, err := range f.Errors() {
		b.WriteString(err.Error())
		b.WriteByte('\n')
	}
	return b.String()
}

// fitForm gives the form the room left by the header, banner and errors.
// huh sizes itself only from a WindowSizeMsg (the root sends none to
// screens), so the screen sends one.
func (m *Model) fitForm() tea.Cmd {
	if m.form == nil || m.width <= 0 || m.height <= 0 || m.form.State != huh.StateNormal {
		return nil
	}
	m.errSig = errSig(m.form)
	h := m.height - headerLines - len(m.banner()) - len(m.errorLines())
	_, cmd := m.form.Update(tea.WindowSizeMsg{Width: min(m.width, maxFormWidth), Height: max(h, 3)})
	return cmd
}

// row is one line of the review summary.
type row struct{ section, label, value string }

// summary describes the configuration about to be saved. Secrets show
// only whether they are new or kept.
func summary(c config.Config, v *values, have stored) []row {
	secret := func(typed string, stored, rejected bool) string {
		switch {
		case strings.TrimSpace(typed) != "":
			return "new"
		case stored && rejected:
			return "•••• (stored, but rejected when last tried)"
		case stored:
			return "•••• (stored)"
		}
		return "✗ not set"
	}
	yesNo := func(b bool) string {
		if b {
			return "yes"
		}
		return "no"
	}
	sev := make([]string, len(c.Policy.Severities))
	for i, s := range c.Policy.Severities {
		sev[i] = strings.ToUpper(s)
	}
	repos := "all"
	if v.Repos == reposChosen {
		inc := "every repository"
		if len(c.Policy.IncludeRepos) > 0 {
			inc = strings.Join(c.Policy.IncludeRepos, ", ")
		}
		repos = "include " + inc
		if len(c.Policy.ExcludeRepos) > 0 {
			repos += "; exclude " + strings.Join(c.Policy.ExcludeRepos, ", ")
		}
	}
	return []row{
		{"Wiz", "API endpoint URL", c.Wiz.APIEndpoint},
		{"Wiz", "Authentication URL", c.Wiz.AuthURL},
		{"Wiz", "Client ID", c.Wiz.ClientID},
		{"Wiz", "Client secret", secret(v.WizSecret, have.wiz, have.wizRejected)},
		{"Semgrep", "API URL", c.Semgrep.APIURL},
		{"Semgrep", "API token", secret(v.Token, have.semgrep, have.semgrepRejected)},
		{"Semgrep", "Deployment", c.Semgrep.Deployment},
		{"What to send", "Severities", strings.Join(sev, ", ")},
		{"What to send", "Full scans only", yesNo(c.Policy.FullScansOnly)},
		{"What to send", "Default branch only", yesNo(c.Policy.DefaultBranchOnly)},
		{"What to send", "Repositories", repos},
	}
}

const labelWidth = 21

// reviewView is the review page: what will be saved and where the secrets
// go, the test results once tested, and a footer that says what the keys
// do now (pinned to the bottom by View).
func (m *Model) reviewView() (body, footer []string) {
	st := m.c.Styles
	w := m.width
	if m.saveErr != nil {
		body = append(body, st.Err.Render("✗ Not saved:"))
		for _, p := range problems(m.saveErr) {
			for i, l := range wrapStyled(st.Err, p, w-4) {
				lead := "    "
				if i == 0 {
					lead = "  • "
				}
				body = append(body, st.Err.Render(lead)+l)
			}
		}
		body = append(body, "")
	}
	cfg := m.v.apply(m.base)
	var settings []string
	section := ""
	for _, r := range summary(cfg, &m.v, m.stored) {
		if r.section != section {
			section = r.section
			settings = append(settings, st.Subtitle.Render(section))
		}
		val := r.value
		if val == "" {
			val = "✗ not set"
		}
		settings = append(settings, "  "+st.Muted.Render(fmt.Sprintf("%-*s", labelWidth, r.label))+st.Text.Render(val))
	}
	var where []string
	if m.where != "" {
		where = wordLines(st.Muted, "", "Secrets are saved "+m.where+".", w)
	}
	results, footer := m.resultLines(), m.reviewFooter()
	// Room for the header, the blank lines and the footer: when the
	// settings, already reviewed, do not fit beside the errors and the
	// results, they shrink to a line per section.
	if headerLines+len(body)+len(settings)+len(where)+1+len(results)+1+len(footer) > m.height {
		settings = m.compactSummary(cfg)
		if m.where != "" {
			lead := fmt.Sprintf("  %-9s", "Secrets")
			where = wordLines(st.Text, lead, "saved "+m.where, w)
			where[0] = st.Muted.Render(lead) + strings.TrimPrefix(where[0], lead)
		}
	}
	body = append(append(append(body, settings...), where...), "")
	return append(body, results...), footer
}

// compactSummary is the settings in three lines: hosts rather than URLs,
// the client ID's start, and whether each secret is new or stored.
func (m *Model) compactSummary(c config.Config) []string {
	st := m.c.Styles
	secret := func(typed string, stored, rejected bool) string {
		switch {
		case strings.TrimSpace(typed) != "":
			return "new"
		case stored && rejected:
			return "stored but rejected"
		case stored:
			return "stored"
		}
		return "✗ not set"
	}
	id := c.Wiz.ClientID
	if len(id) > 8 {
		id = id[:8] + "…"
	}
	sev := make([]string, len(c.Policy.Severities))
	for i, s := range c.Policy.Severities {
		sev[i] = strings.ToUpper(s)
	}
	send := []string{strings.Join(sev, ", ")}
	if c.Policy.FullScansOnly {
		send = append(send, "full scans only")
	}
	if c.Policy.DefaultBranchOnly {
		send = append(send, "default branch only")
	}
	if m.v.Repos == reposChosen {
		send = append(send, "chosen repos")
	} else {
		send = append(send, "all repos")
	}
	lines := [][2]string{
		{"Wiz", strings.Join([]string{hostOf(c.Wiz.APIEndpoint), "client " + id, "secret " + secret(m.v.WizSecret, m.stored.wiz, m.stored.wizRejected)}, " · ")},
		{"Semgrep", strings.Join([]string{hostOf(c.Semgrep.APIURL), "deployment " + c.Semgrep.Deployment, "token " + secret(m.v.Token, m.stored.semgrep, m.stored.semgrepRejected)}, " · ")},
		{"Send", strings.Join(send, " · ")},
	}
	out := make([]string, len(lines))
	for i, l := range lines {
		lead := fmt.Sprintf("  %-9s", l[0])
		out[i] = st.Muted.Render(lead) + st.Text.Render(ansi.Truncate(l[1], max(m.width-len(lead), 1), "…"))
	}
	return out
}

// hostOf is a URL's host (with port), or the text itself.
func hostOf(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.Host != "" {
		return u.Host
	}
	return raw
}

// resultLines are the test's rows: ✓/✗, the check, what was found, and
// under a failure the fix.
func (m *Model) resultLines() []string {
	st := m.c.Styles
	w := m.width
	switch {
	case m.testErr != nil:
		out := []string{st.Err.Render("✗ The test could not run:")}
		for _, p := range problems(m.testErr) {
			out = append(out, wrapStyled(st.Err, "  • "+strings.TrimPrefix(p, "Saving failed: "), w)...)
		}
		return append(out, "")
	case m.tested == nil:
		return nil
	}
	out := []string{st.Subtitle.Render("Test of the values above") + st.Muted.Render(" (nothing is saved by a test)")}
	shown, _ := shownResults(m.tested)
	const nameW = 22 // read:system_activities
	lastFix := ""
	for _, r := range shown {
		mark := st.OK.Render("✓")
		switch {
		case r.Skipped:
			mark = st.Info.Render("○")
		case !r.OK:
			mark = st.Err.Render("✗")
		}
		lead := "  " + mark + " " + st.Text.Render(fmt.Sprintf("%-*s", nameW, r.Name)) + " "
		col := 4 + nameW + 1
		detail := wrapStyled(st.Muted, r.Detail, max(w-col, 20))
		out = append(out, lead+detail[0])
		for _, l := range detail[1:] {
			out = append(out, strings.Repeat(" ", col)+l)
		}
		// One fix for the rows that share it (each probe fails alike).
		if !r.OK && !r.Skipped && r.Hint != "" && r.Hint != lastFix {
			lastFix = r.Hint
			for _, l := range wrapStyled(st.Warn, "Fix: "+r.Hint, max(w-4, 20)) {
				out = append(out, "    "+l)
			}
		}
	}
	return out
}

// reviewFooter says what happened and what the keys do now.
func (m *Model) reviewFooter() []string {
	st := m.c.Styles
	w := m.width
	keyText := func(items ...string) []string { return keyLines(st.Muted, items, w) }
	switch {
	case m.page == pageTesting:
		return keyText("Testing the Wiz and Semgrep credentials with the values above…", "esc stops")
	case m.page == pageSaving:
		return []string{st.Text.Render("Saving…")}
	case m.failed():
		_, notRun := shownResults(m.tested)
		failed := 0
		for _, r := range m.tested {
			if !r.OK && !r.Skipped {
				failed++
			}
		}
		head := "✗ The test could not run — nothing was saved."
		if m.testErr == nil {
			head = fmt.Sprintf("✗ %d failed", failed)
			if notRun > 0 {
				head += fmt.Sprintf(", %d not run", notRun)
			}
			head += " — nothing was saved."
		}
		keys := []string{"S save anyway (unverified)", "t test again", "esc back"}
		if f, ok := m.failingField(); ok {
			keys = append([]string{"e edit the " + strings.ToLower(label(f))}, keys...)
		}
		return append(wrapStyled(st.Err, head, w), keyText(keys...)...)
	case m.tested != nil:
		return append(wrapStyled(st.OK, "✓ The values work.", w),
			keyText("enter save and run the connection check", "esc back", "D delete the integration")...)
	}
	return keyText("enter test, then save", "t test only", "S save untested", "esc back", "D delete")
}

// keyLines joins key hints with " · ", breaking lines between hints only.
func keyLines(style lipgloss.Style, items []string, w int) []string {
	var out []string
	cur := ""
	for _, it := range items {
		switch {
		case cur == "":
			cur = it
		case ansi.StringWidth(cur+" · "+it) <= w:
			cur += " · " + it
		default:
			out = append(out, cur)
			cur = it
		}
	}
	if cur != "" {
		out = append(out, cur)
	}
	for i, l := range out {
		out[i] = style.Render(l)
	}
	return out
}

// pinFooter shows as much of body as fits above footer (cutting the body,
// never the footer, with a note of what was cut).
func pinFooter(body, footer []string, w, h int, muted lipgloss.Style) string {
	room := h - len(footer) - 1 // a blank line above the footer
	if room < 1 {
		return clip(footer, w, h)
	}
	for len(body) > 0 && body[len(body)-1] == "" {
		body = body[:len(body)-1]
	}
	if len(body) > room {
		cut := len(body) - room + 1
		body = append(body[:room-1:room-1], muted.Render(fmt.Sprintf("  … %d more lines (make the terminal taller)", cut)))
	}
	lines := append(append(body, ""), footer...)
	return clip(lines, w, h)
}

func (m *Model) deleteView() []string {
	st := m.c.Styles
	w := m.width
	out := []string{st.Warn.Bold(true).Render("Delete the integration"), ""}
	if m.deleteItems == nil {
		// The plan is on its way (or could not be read): say the least.
		out = append(out, st.Text.Render("This removes:"),
			st.Text.Render("  • the configuration file"),
			st.Text.Render("  • the stored Wiz client secret and Semgrep token"), "")
	} else {
		out = append(out, st.Text.Render("This removes:"))
		for _, it := range m.deleteItems {
			if it.Kind != config.DeleteUploadFiles && it.Kind != config.DeleteHistory {
				out = append(out, m.itemLines("  • ", it)...)
			}
		}
		var opts []string
		for _, it := range m.deleteItems {
			var on bool
			var k string
			switch it.Kind {
			case config.DeleteUploadFiles:
				on, k = m.deleteChoice.UploadFiles, "u"
			case config.DeleteHistory:
				on, k = m.deleteChoice.History, "h"
			default:
				continue
			}
			box := "[ ] "
			if on {
				box = "[x] "
			}
			it.What = k + "  " + it.What
			opts = append(opts, m.itemLines("  "+box, it)...)
		}
		if len(opts) > 0 {
			out = append(out, "", st.Text.Render("Also remove (press the key; unticked is kept):"))
			out = append(out, opts...)
		}
		out = append(out, "")
	}
	out = append(out, wrapStyled(st.Muted, "Findings already sent stay in Wiz until Wiz expires them (7 days without a refresh).", w)...)
	out = append(out, "")
	switch {
	case m.page == pageDeleting:
		out = append(out, st.Text.Render("Deleting…"))
	default:
		if m.deleteErr != nil {
			out = append(out, wrapStyled(st.Err, "✗ Not deleted: "+m.deleteErr.Error(), w)...)
			out = append(out, "")
		}
		out = append(out, st.Subtitle.Render("Delete the integration? ")+st.Key.Render("y")+st.Muted.Render("/")+st.Key.Render("N"))
	}
	return out
}

// itemLines is one thing a delete removes or keeps: what, then where.
func (m *Model) itemLines(prefix string, it config.DeleteItem) []string {
	st := m.c.Styles
	pad := strings.Repeat(" ", ansi.StringWidth(prefix))
	out := wrapStyled(st.Text, it.What, max(m.width-len(pad), 1))
	for i := range out {
		if i == 0 {
			out[i] = prefix + out[i]
		} else {
			out[i] = pad + out[i]
		}
	}
	if it.Path != "" {
		out = append(out, pad+st.Muted.Render(ansi.Truncate(it.Path, max(m.width-len(pad), 1), "…")))
	}
	return out
}

// deletedView says what the delete removed and what it kept.
func (m *Model) deletedView() []string {
	st := m.c.Styles
	out := []string{st.OK.Bold(true).Render("✓ Integration deleted"), ""}
	var removed, kept []string
	for _, it := range m.deleted {
		if it.Remove {
			removed = append(removed, m.itemLines("  • ", it)...)
		} else {
			kept = append(kept, m.itemLines("  • ", it)...)
		}
	}
	if len(removed) > 0 {
		out = append(out, st.Text.Render("Removed:"))
		out = append(out, removed...)
		out = append(out, "")
	}
	if len(kept) > 0 {
		out = append(out, st.Text.Render("Kept:"))
		out = append(out, kept...)
		out = append(out, "")
	}
	return append(out, st.Muted.Render("enter goes home"))
}

// wordLines wraps text at blanks only (a path is never split), each line
// after lead's width of indent; a word wider than the line is left whole
// for clip to cut.
func wordLines(style lipgloss.Style, lead, text string, width int) []string {
	ind := ansi.StringWidth(lead)
	var lines []string
	cur := ""
	for _, word := range strings.Fields(text) {
		switch {
		case cur == "":
			cur = word
		case ansi.StringWidth(cur)+1+ansi.StringWidth(word) <= width-ind:
			cur += " " + word
		default:
			lines = append(lines, cur)
			cur = word
		}
	}
	lines = append(lines, cur)
	for i, l := range lines {
		pad := strings.Repeat(" ", ind)
		if i == 0 {
			pad = lead
		}
		lines[i] = pad + style.Render(l)
	}
	return lines
}

// wrapStyled word-wraps plain text to width and styles each line.
func wrapStyled(s lipgloss.Style, text string, width int) []string {
	if width < 1 {
		width = 1
	}
	lines := strings.Split(ansi.Wrap(text, width, " "), "\n")
	for i, l := range lines {
		lines[i] = s.Render(l)
	}
	return lines
}

// clip keeps a view inside the screen's area.
func clip(lines []string, w, h int) string {
	if len(lines) > h {
		lines = lines[:h]
	}
	for i, l := range lines {
		if ansi.StringWidth(l) > w {
			lines[i] = ansi.Truncate(l, w, "…")
		}
	}
	return strings.Join(lines, "\n")
}
