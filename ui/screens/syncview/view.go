package syncview

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/semgrep-wiz/semgrep-wiz/core/pipeline"
	"github.com/semgrep-wiz/semgrep-wiz/ui/common"
	"github.com/semgrep-wiz/semgrep-wiz/ui/textfmt"
	"github.com/semgrep-wiz/semgrep-wiz/ui/theme"
)

// Step rows: "  ✓ " then the label column, then the message column.
const (
	labelW = len("Waiting for Wiz to process")
	msgCol = 4 + labelW + 2
)

// View draws the current state; the footer stays at the bottom.
func (m *Model) View() string {
	if m.width <= 0 || m.height <= 0 {
		return ""
	}
	var body, footer []string
	switch m.state {
	case Planning:
		body = m.wrap(m.spinView()+" Reading the findings and planning the sync… nothing is sent yet.", 0, m.c.Styles.Text)
		footer = []string{m.hint("esc", "back")}
	case PlanFailed:
		if common.IsNotSetUp(m.planErr) {
			body = m.wrap(m.planErr.Error(), 0, m.c.Styles.Warn)
			footer = []string{m.hint("s", "set up") + m.sep() + m.hint("esc", "home")}
			break
		}
		body = append([]string{m.c.Styles.Err.Render("✗ The sync could not be planned")}, m.wrap(m.planErr.Error(), 2, m.c.Styles.Text)...)
		footer = []string{m.hint("r", "try again") + m.sep() + m.hint("esc", "home")}
	case Confirming:
		body, footer = m.confirmView()
	case Running, Following:
		body, footer = m.runningView()
	case Done:
		body, footer = m.doneView()
	}
	return m.layout(body, footer)
}

func (m *Model) confirmView() (body, footer []string) {
	st := m.c.Styles
	p := m.preview.Plan
	t := p.Totals(m.allowMass)
	held := p.MassResolveHeld && !m.allowMass

	if m.changed != "" {
		body = append(body, m.wrap("Asking again — "+m.changed+". Review the plan below.", 0, st.Warn)...)
		body = append(body, "")
	}
	switch {
	case t.Repositories == 0 && held:
		body = append(body, m.wrap("Nothing will be sent unless you confirm: the mass-resolve guard holds back every repository.", 0, st.Warn)...)
	case t.Repositories == 0:
		body = append(body, m.wrap("Nothing to send: no repository in scope has findings to upload.", 0, st.Subtitle)...)
	case m.dryRun:
		s := fmt.Sprintf("Dry run: write the upload file for %s in %s — nothing is sent to Wiz.",
			count(t.Findings, "finding", "findings"), count(t.Repositories, "repository", "repositories"))
		if t.Resolved > 0 {
			s += fmt.Sprintf(" A real sync would mark %s fixed in Wiz.", textfmt.Commas(t.Resolved))
		}
		body = append(body, m.wrap(s, 0, st.Subtitle)...)
	default:
		s := fmt.Sprintf("Send %s for %s to Wiz.", count(t.Findings, "finding", "findings"), count(t.Repositories, "repository", "repositories"))
		if t.Resolved > 0 {
			s += fmt.Sprintf(" %s will be marked fixed in Wiz.", textfmt.Commas(t.Resolved))
		} else {
			s += " Nothing will be marked fixed."
		}
		body = append(body, m.wrap(s, 0, st.Subtitle)...)
	}
	if t.Repositories > 0 {
		parts := []string{textfmt.Commas(t.New) + " new", textfmt.Commas(t.Unchanged) + " unchanged (already in Wiz)"}
		if p.Excluded > 0 {
			parts = append(parts, textfmt.Commas(p.Excluded)+" excluded by the policy")
		}
		body = append(body, m.wrap(strings.Join(parts, " · "), 2, st.Text)...)
		if m.apiFiltered() {
			// The preview screen reads every finding; a sync does not, so
			// its excluded count is smaller: say why.
			body = append(body, m.wrap(textfmt.NotFetched, 2, st.Muted)...)
		}
	}
	if m.preview.Policy != "" {
		body = append(body, m.wrap("Policy: "+m.preview.Policy, 2, st.Muted)...)
	}

	// Guards first: they carry what the user can do about them.
	if len(p.Trips) > 0 {
		body = append(body, "", st.Header.Render(fmt.Sprintf("Guards that tripped (%d)", len(p.Trips))))
		for _, g := range p.Trips {
			body = append(body, m.item(st.Warn.Render("!")+" ", g.Message, st.Text)...)
			massGuard := g.Guard == "mass_resolve" || g.Guard == "tenant_mass_resolve"
			switch {
			case massGuard && m.allowMass:
				body = append(body, m.wrap(st.OK.Render("✓ will be sent anyway")+st.Muted.Render(" (A to hold it back again)"), 4, st.Text)...)
			case massGuard && p.MassResolveHeld:
				body = append(body, m.wrap("press A to send anyway", 4, st.Key)...)
			case g.Override != "":
				body = append(body, m.wrap("to override: "+g.Override, 4, st.Muted)...)
			}
		}
	}

	// One line per repository left out: the guards above explain them.
	var out []string
	for _, s := range p.Sources {
		var word, sym string
		switch {
		case s.Action == pipeline.ActionSkipFailed:
			sym, word = st.Err.Render("✗"), "failed"
		case s.Action == pipeline.ActionSkipBudget:
			sym, word = st.Warn.Render("–"), "over budget"
		case s.Action == pipeline.ActionSkipGuard && !m.allowMass:
			sym, word = st.Warn.Render("!"), "held by guard"
		default:
			continue
		}
		line := "  " + sym + " " + textfmt.Pad(st.Text.Render(word), len("held by guard")) + " " + st.Text.Render(s.Name) + st.Muted.Render(" — "+s.Reason)
		out = append(out, ansi.Truncate(line, m.width, "…"))
	}
	if len(out) > 0 {
		body = append(body, "", st.Header.Render(fmt.Sprintf("Left out (%d)", len(out))))
		body = append(body, out...)
	}
	body = append(body, "")
	body = append(body, m.wrap("The findings are read again when the sync starts, so the numbers can move a little.", 0, st.Muted)...)

	box := "[ ]"
	if m.dryRun {
		box = "[x]"
	}
	footer = append(footer, ansi.Truncate(st.Text.Render(box+" Dry run ")+st.Muted.Render("(press ")+st.Key.Render("d")+st.Muted.Render("): write the upload file only; nothing is sent to Wiz"), m.width, "…"))
	switch {
	case t.Repositories > 0:
		footer = append(footer, st.Subtitle.Render("Start the sync? ")+m.hint("y/enter", "yes")+m.sep()+m.hint("n/esc", "no"))
	case held:
		footer = append(footer, m.hint("A", "send anyway")+m.sep()+m.hint("esc", "back"))
	default:
		footer = append(footer, m.hint("r", "plan again")+m.sep()+m.hint("esc", "back"))
	}
	return body, footer
}

func (m *Model) runningView() (body, footer []string) {
	st := m.c.Styles
	what := "Syncing"
	if m.opts.DryRun {
		what = "Dry run (nothing is sent to Wiz)"
	}
	if m.state == Following {
		what = "Following a sync started elsewhere"
		if m.elsewhere != nil && m.elsewhere.Run != nil && m.elsewhere.Run.DryRun {
			what += " (a dry run)"
		}
	}
	body = append(body, st.Subtitle.Render(what)+st.Muted.Render(" — elapsed "+durText(m.c.Now().Sub(m.started))), "")
	if m.state == Following {
		body = append(body, m.wrap("Started "+textfmt.Elsewhere(m.elsewhere, m.c.Now()), 0, st.Muted)...)
		body = append(body, "")
	}
	body = append(body, m.stepLines()...)
	body = append(body, m.tail()...)
	if m.state == Following {
		footer = append(m.wrap("It can be cancelled only where it runs; this screen shows what it records.", 0, st.Muted),
			m.hint("h", "its history")+m.sep()+m.hint("esc", "home"))
		return body, footer
	}

	switch {
	case m.askCancel:
		footer = m.wrap("Cancel the sync? Nothing more will be sent; the run is recorded as cancelled. y/N", 0, st.Warn)
	case m.cancelling:
		footer = []string{m.spinView() + st.Warn.Render(" Cancelling… waiting for the current step to stop")}
	default:
		footer = []string{m.hint("c", "cancel")}
	}
	return body, footer
}

func (m *Model) stepLines() []string {
	st := m.c.Styles
	var out []string
	for _, s := range m.steps {
		var sym string
		msgStyle := st.Muted
		switch s.status {
		case stepPending:
			sym = st.Subtle.Render("•")
		case stepActive:
			sym = m.spinView()
			msgStyle = st.Text
		case stepOK:
			sym = st.OK.Render("✓")
		case stepFailed:
			sym, msgStyle = st.Err.Render("✗"), st.Err
		case stepStopped:
			sym = st.Warn.Render("–")
		}
		label := st.Text.Render(textfmt.Pad(s.label, labelW))
		if s.status == stepPending {
			label = st.Muted.Render(textfmt.Pad(s.label, labelW))
		}
		msg := s.msg
		if s.status == stepActive {
			switch s.id {
			case pipeline.StepUpload:
				msg = m.bytesLine()
			case pipeline.StepPoll:
				msg = m.activityLine()
			}
		}
		out = append(out, m.column("  "+sym+" "+label, msg, msgStyle)...)
		if s.id == pipeline.StepUpload && s.status == stepActive && m.bytesTotal > 0 {
			out = append(out, m.barLine())
		}
	}
	return out
}

func (m *Model) bytesLine() string {
	if m.bytesTotal <= 0 {
		return "asking Wiz for an upload slot"
	}
	return fmt.Sprintf("%s of %s", bytesText(m.bytesDone), bytesText(m.bytesTotal))
}

func (m *Model) activityLine() string {
	a := m.activity
	if a == nil {
		return "waiting for the activity id"
	}
	var s string
	switch {
	case a.NotFound || a.Status == "":
		s = "not registered yet"
	case a.StatusInfo != "":
		s = a.Status + " — " + a.StatusInfo
	default:
		s = a.Status
	}
	return "activity " + a.ID + ": " + s
}

// barLine is the upload's byte progress, under the message column.
func (m *Model) barLine() string {
	st := m.c.Styles
	pct := min(1, max(0, float64(m.bytesDone)/float64(m.bytesTotal)))
	ind := msgCol
	if m.width-ind < 24 {
		ind = 4
	}
	w := min(40, m.width-ind-5)
	if w < 5 {
		return ""
	}
	return strings.Repeat(" ", ind) + bar(st, w, pct) + st.Text.Render(fmt.Sprintf(" %3.0f%%", pct*100))
}

// bar draws a progress bar of width w at pct (0..1). It is drawn from the
// value held, like bubbles/progress ViewAs, which this module cannot use:
// that package needs github.com/charmbracelet/harmonica, not in go.sum.
func bar(st theme.Styles, w int, pct float64) string {
	full := int(math.Round(float64(w) * pct))
	full = min(w, max(0, full))
	return st.Accent.Render(strings.Repeat("█", full)) + st.Subtle.Render(strings.Repeat("░", w-full))
}

// tail lists failed repositories and warnings, live and in the summary.
func (m *Model) tail() []string {
	st := m.c.Styles
	r := m.result
	var out, failures, warnings []string
	for _, f := range m.failures {
		if r != nil && leftOutAs(r, f.repo, "failed") {
			continue // the summary lists it with its reason
		}
		failures = append(failures, m.item(st.Err.Render("✗")+" ", f.repo+" — "+f.msg, st.Text)...)
	}
	all := m.warnings
	if r != nil {
		all = append(slices.Clone(all), r.Warnings...)
	}
	seen := map[string]bool{}
	for _, w := range all {
		if seen[w] || (r != nil && isGuardText(r, w)) {
			continue
		}
		seen[w] = true
		warnings = append(warnings, m.item(st.Warn.Render("!")+" ", w, st.Text)...)
	}
	if len(failures) > 0 {
		out = append(out, "", st.Header.Render("Repositories that failed"))
		out = append(out, failures...)
	}
	if len(warnings) > 0 {
		out = append(out, "", st.Header.Render("Warnings"))
		out = append(out, warnings...)
	}
	return out
}

func leftOutAs(r *pipeline.Result, repo, state string) bool {
	for _, rp := range r.Repositories {
		if rp.Name == repo && rp.State == state {
			return true
		}
	}
	return false
}

// isGuardText reports a warning that repeats a guard trip (core emits each
// trip as a warning too).
func isGuardText(r *pipeline.Result, w string) bool {
	for _, g := range r.Guards {
		if strings.HasPrefix(w, g.Message) {
			return true
		}
	}
	return false
}

func (m *Model) doneView() (body, footer []string) {
	st := m.c.Styles
	r := m.result
	footer = []string{m.hint("h", "history of this run") + m.sep() + m.hint("enter/esc", "home")}
	if r == nil {
		body = append(body, st.Err.Render("✗ The sync could not run"))
		if m.runErr != nil {
			body = append(body, m.wrap(m.runErr.Error(), 2, st.Text)...)
		}
		body = append(body, "")
		body = append(body, m.stepLines()...)
		return body, []string{m.hint("enter/esc", "home")}
	}

	took := r.FinishedAt.Sub(r.StartedAt)
	if r.FinishedAt.IsZero() || r.StartedAt.IsZero() {
		took = m.c.Now().Sub(m.started)
	}
	word, style, note := m.statusWords(r.Status)
	body = append(body, m.wrap(style.Render(word)+st.Text.Render(" — "+note)+st.Muted.Render(" (took "+durText(took)+")"), 0, st.Text)...)
	body = append(body, "")

	// Core counts what the plan put in the upload; say "sent" only when
	// Wiz took it.
	sentWord, fixedWord := textfmt.CountWords(string(r.Status), r.Status == pipeline.StatusDryRun, r.Delivered())
	f := r.Findings
	parts := []string{textfmt.Commas(f.Sent) + " " + sentWord}
	if f.New != nil {
		parts = append(parts, textfmt.Commas(*f.New)+" new")
	}
	if f.Unchanged != nil {
		parts = append(parts, textfmt.Commas(*f.Unchanged)+" unchanged")
	}
	if f.Resolved != nil {
		parts = append(parts, textfmt.Commas(*f.Resolved)+" "+fixedWord)
	}
	parts = append(parts, textfmt.Commas(f.Excluded)+" excluded by the policy")
	body = append(body, m.field("Findings", strings.Join(parts, " · "))...)

	sent, left, undelivered := 0, 0, 0
	for _, rp := range r.Repositories {
		switch rp.State {
		case "sent", "sent_empty":
			sent++
		case "failed", "skipped_budget", "held_by_guard":
			left++
		case "upload_failed":
			undelivered++
		}
	}
	repos := textfmt.Commas(sent) + " " + sentWord
	if m.apiFiltered() {
		body = append(body, m.field("", textfmt.NotFetched)...)
	}
	if undelivered > 0 {
		repos += " · " + textfmt.Commas(undelivered) + " upload failed"
	}
	if left > 0 {
		repos += " · " + textfmt.Commas(left) + " left out"
	}
	body = append(body, m.field("Repositories", repos)...)

	if len(r.Uploads) > 1 {
		body = append(body, m.splitUploads(r.Uploads)...)
	}
	for _, u := range r.Uploads {
		if len(r.Uploads) > 1 {
			break
		}
		if u.UploadID != "" {
			body = append(body, m.field("Upload", u.UploadID+" · "+bytesText(u.Bytes))...)
		} else if u.Bytes > 0 {
			status := textfmt.OrDash(u.Status)
			if status == "NOT_SENT" {
				status = "not sent"
			}
			body = append(body, m.field("Upload file", bytesText(u.Bytes)+" · "+status)...)
		}
		if u.SystemActivityID != "" {
			body = append(body, m.field("Activity", u.SystemActivityID)...)
		}
		if u.Status != "" && u.UploadID != "" {
			s := u.Status
			if u.FindingsIncoming > 0 || u.FindingsHandled > 0 {
				s += fmt.Sprintf(" — %s of %s findings handled", textfmt.Commas(u.FindingsHandled), textfmt.Commas(u.FindingsIncoming))
			}
			if u.StatusInfo != "" {
				s += " — " + u.StatusInfo
			}
			body = append(body, m.field("Wiz status", s)...)
		}
	}
	for _, p := range r.Files {
		body = append(body, m.field("File", p)...)
	}

	switch {
	case r.Error != "" && r.Status == pipeline.StatusCancelled:
		body = append(body, "", st.Header.Render("Stopped while"))
		body = append(body, m.item(st.Warn.Render("–")+" ", r.Error, st.Muted)...)
	case r.Error != "":
		body = append(body, "", st.Header.Render("Error"))
		body = append(body, m.item(st.Err.Render("✗")+" ", r.Error, st.Text)...)
	}

	var leftOut []string
	for _, rp := range r.Repositories {
		var word string
		switch rp.State {
		case "failed":
			word = "failed"
		case "skipped_budget":
			word = "over budget"
		case "held_by_guard":
			word = "held by guard"
		case "upload_failed":
			word = "upload failed"
		default:
			continue
		}
		leftOut = append(leftOut, m.item(st.Warn.Render("–")+" ", rp.Name+" ("+word+") — "+rp.Reason, st.Text)...)
	}
	if len(leftOut) > 0 {
		body = append(body, "", st.Header.Render(fmt.Sprintf("Left out (%d)", left+undelivered)))
		body = append(body, leftOut...)
	}
	if len(r.Guards) > 0 {
		body = append(body, "", st.Header.Render(fmt.Sprintf("Guards (%d)", len(r.Guards))))
		for _, g := range r.Guards {
			body = append(body, m.item(st.Warn.Render("!")+" ", g.Message, st.Text)...)
		}
	}
	body = append(body, m.tail()...)
	body = append(body, "", st.Header.Render("Steps"))
	body = append(body, m.stepLines()...)
	if r.RunID == "" {
		footer = []string{m.hint("enter/esc", "home")}
	}
	return body, footer
}

// statusWords says a run's outcome as a symbol, a word and a sentence.
func (m *Model) statusWords(s pipeline.Status) (word string, style lipgloss.Style, note string) {
	st := m.c.Styles
	switch s {
	case pipeline.StatusSuccess:
		return "✓ Success", st.OK, "Wiz accepted and processed the upload"
	case pipeline.StatusPartial:
		return "! Partial", st.Warn, "part of the findings reached Wiz; see below"
	case pipeline.StatusFailure:
		return "✗ Failed", st.Err, "see the error below"
	case pipeline.StatusCancelled:
		return "– Cancelled", st.Warn, "nothing more was sent; the run is recorded as cancelled"
	case pipeline.StatusDryRun:
		return "✓ Dry run", st.OK, "the upload file was written; nothing was sent to Wiz"
	case pipeline.StatusSkipped:
		return "– Skipped by Wiz", st.Warn, "Wiz did not process the upload"
	case pipeline.StatusNothingToDo:
		return "– Nothing to send", st.Muted, "no repository had findings to upload"
	}
	return "• " + string(s), st.Text, "the run ended"
}

// field is "Label        value", the value wrapped in its column.
func (m *Model) field(label, value string) []string {
	return m.column(m.c.Styles.Muted.Render(textfmt.Pad(label, 12)), value, m.c.Styles.Text)
}

// column puts msg after head, wrapping it in the column head ends at (or
// underneath when that column is too narrow).
func (m *Model) column(head, msg string, style lipgloss.Style) []string {
	if msg == "" {
		return []string{ansi.Truncate(head, m.width, "…")}
	}
	col := ansi.StringWidth(head) + 2
	if m.width-col < 20 {
		return append([]string{ansi.Truncate(head, m.width, "…")}, m.wrap(msg, 6, style)...)
	}
	lines := m.wrap(msg, col, style)
	lines[0] = head + "  " + strings.TrimLeft(lines[0], " ")
	return lines
}

// item is a list entry: "  <sym>text", continuation lines aligned.
func (m *Model) item(sym, text string, style lipgloss.Style) []string {
	head := "  " + sym
	col := ansi.StringWidth(head)
	lines := m.wrap(text, col, style)
	lines[0] = head + strings.TrimLeft(lines[0], " ")
	return lines
}

func (m *Model) hint(k, what string) string {
	return m.c.Styles.Key.Render(k) + " " + m.c.Styles.Muted.Render(what)
}

func (m *Model) sep() string { return m.c.Styles.Muted.Render(" · ") }

func (m *Model) wrap(s string, ind int, style lipgloss.Style) []string {
	w := max(10, m.width-ind)
	var out []string
	for _, l := range strings.Split(ansi.Wrap(s, w, " "), "\n") {
		out = append(out, ansi.Truncate(strings.Repeat(" ", ind)+style.Render(l), m.width, "…"))
	}
	return out
}

// layout shows as much of the body as fits above the footer, scrolled by
// offset, and pads so the footer sits at the bottom.
func (m *Model) layout(body, footer []string) string {
	for i, l := range footer {
		footer[i] = ansi.Truncate(l, m.width, "…")
	}
	if len(footer) > m.height {
		footer = footer[:m.height]
	}
	room := m.height - len(footer) - 1
	if room < 1 {
		return strings.Join(footer, "\n")
	}
	off := min(m.offset, max(0, len(body)-room))
	shown := body[off:]
	if len(shown) > room {
		more := len(body) - off - room + 1
		shown = append(append([]string{}, shown[:room-1]...),
			m.c.Styles.Muted.Render(fmt.Sprintf("  … %d more lines (↓/j)", more)))
	}
	lines := append([]string{}, shown...)
	for len(lines) < m.height-len(footer) {
		lines = append(lines, "")
	}
	return strings.Join(append(lines, footer...), "\n")
}

func plural[T int | int64](n T, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func count(n int, one, many string) string { return textfmt.Commas(n) + " " + plural(n, one, many) }

// bytesText and durText are the shared formats (MiB; 42s, 3m05s).
// splitUploads lists the uploads of a sync split under wiz.max_upload_mb,
// one field each: id, size, Wiz's status and the data sources it carried.
func (m *Model) splitUploads(ups []pipeline.UploadResult) []string {
	var out []string
	for i, u := range ups {
		parts := []string{}
		if u.UploadID != "" {
			parts = append(parts, u.UploadID)
		}
		parts = append(parts, bytesText(u.Bytes))
		switch {
		case u.Status == "NOT_SENT":
			parts = append(parts, "not sent")
		case u.Status != "":
			st := u.Status
			if u.FindingsIncoming > 0 || u.FindingsHandled > 0 {
				st += fmt.Sprintf(" — %s of %s handled", textfmt.Commas(u.FindingsHandled), textfmt.Commas(u.FindingsIncoming))
			}
			parts = append(parts, st)
		}
		out = append(out, m.field(fmt.Sprintf("Upload %d/%d", i+1, len(ups)), strings.Join(parts, " · "))...)
		out = append(out, m.field("", sourcesText(u.DataSources))...)
	}
	return out
}

// sourcesText names an upload's data sources by repository, the first
// few and how many more.
func sourcesText(ids []string) string {
	const show = 2
	names := make([]string, 0, show)
	for _, id := range ids[:min(show, len(ids))] {
		names = append(names, strings.TrimPrefix(id, "semgrep:"))
	}
	s := strings.Join(names, ", ")
	if len(ids) > show {
		s += fmt.Sprintf(" and %s more", textfmt.Commas(len(ids)-show))
	}
	return s
}

func bytesText(n int64) string { return textfmt.Bytes(n) }

func durText(d time.Duration) string { return textfmt.Elapsed(d) }

// spinView draws the spinner in the current theme (the root may switch
// light/dark after New).
func (m *Model) spinView() string {
	sp := m.spin
	sp.Style = m.c.Styles.Accent
	return sp.View()
}

// apiFiltered reports that the plan's collection asked the Semgrep API only
// for the policy's severities and statuses.
func (m *Model) apiFiltered() bool {
	return m.preview != nil && m.preview.Collection != nil && m.preview.Collection.APIFiltered
}
