// Package textfmt holds the small text formatters the screens share;
// screens never import each other, so the one copy lives here.
package textfmt

import (
	"fmt"
	"github.com/semgrep-wiz/semgrep-wiz/core/numfmt"
	"strings"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/semgrep-wiz/semgrep-wiz/core/ledger"
	"github.com/semgrep-wiz/semgrep-wiz/ui/theme"
)

// StatusWord is a run status as a symbol and words (colour never alone).
func StatusWord(st theme.Styles, status string) (string, lipgloss.Style) {
	switch status {
	case "success":
		return "✓ success", st.OK
	case "partial":
		return "! partial", st.Warn
	case "failure":
		return "✗ failure", st.Err
	case ledger.StatusInterrupted:
		return "✗ interrupted", st.Err
	case "cancelled":
		return "✗ cancelled", st.Warn
	case "skipped":
		return "– skipped", st.Muted
	case "dry_run":
		return "• dry run", st.Info
	case "nothing_to_do":
		return "• nothing to do", st.Muted
	case ledger.StatusRunning:
		return "… running", st.Info
	case "":
		return "?", st.Muted
	}
	return "• " + strings.ReplaceAll(status, "_", " "), st.Text
}

// Commas writes an integer with thousands separators (1,234,567).
func Commas[T ~int | ~int64](n T) string { return numfmt.Commas(n) }

// Ago says how long before now t was.
func Ago(now, t time.Time) string {
	d := now.Sub(t)
	switch {
	case d < 0:
		return "in the future (check the clock)"
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return units(int(d.Minutes()), "minute") + " ago"
	case d < 48*time.Hour:
		return units(int(d.Hours()), "hour") + " ago"
	}
	return units(int(d.Hours()/24), "day") + " ago"
}

func units(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return Commas(n) + " " + unit + "s"
}

// Duration is d compact enough for a table column: 4.2s, 17s, 3m05s, 2h10m.
func Duration(d time.Duration) string {
	switch {
	case d < 10*time.Second:
		return fmt.Sprintf("%.1fs", d.Seconds())
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
}

// Bytes is a size in B, KiB, MiB or GiB.
func Bytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// OneLine folds all runs of white space, newlines included, into one space.
func OneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// OrDash stands a dash in for an empty value.
func OrDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// Trunc cuts s to at most w cells, ending in "…" when it cuts.
func Trunc(s string, w int) string { return ansi.Truncate(s, max(w, 0), "…") }

// Pad fills s with spaces to w cells; it never cuts a longer s.
func Pad(s string, w int) string {
	if n := ansi.StringWidth(s); n < w {
		return s + strings.Repeat(" ", w-n)
	}
	return s
}

// WrapWords wraps plain text at spaces into lines of at most w cells. Only
// a word longer than a whole line is cut, so ids, URLs and flags stay whole
// and copyable whenever they fit.
func WrapWords(s string, w int) []string {
	if w <= 0 {
		return []string{""}
	}
	var lines []string
	var cur strings.Builder
	curW := 0
	flush := func() {
		lines = append(lines, cur.String())
		cur.Reset()
		curW = 0
	}
	for _, word := range strings.Fields(s) {
		ww := ansi.StringWidth(word)
		for ww > w {
			if curW > 0 {
				flush()
			}
			lines = append(lines, ansi.Cut(word, 0, w))
			word = ansi.Cut(word, w, ww)
			ww = ansi.StringWidth(word)
		}
		if ww == 0 {
			continue
		}
		if curW > 0 && curW+1+ww > w {
			flush()
		}
		if curW > 0 {
			cur.WriteByte(' ')
			curW++
		}
		cur.WriteString(word)
		curW += ww
	}
	if curW > 0 || len(lines) == 0 {
		flush()
	}
	return lines
}

// Count is n with thousands separators and the noun that fits it:
// "1 repository", "1,204 findings".
func Count[T ~int | ~int64](n T, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return Commas(n) + " " + many
}

// CountWords says what a run's counts mean by how it ended: its findings
// were sent only when an upload reached Wiz (delivered; a success or a
// partial run always did); a dry run put them in the upload file; any
// other run (cancelled, failed, interrupted before uploading) only
// planned them. fixed is the matching words for the findings Wiz
// resolves.
func CountWords(status string, dryRun, delivered bool) (sent, fixed string) {
	switch {
	case status == "dry_run" || dryRun:
		return "in the upload file", "would be marked fixed"
	case status == "success" || status == "partial":
		return "sent", "marked fixed"
	case delivered || status == "skipped":
		return "sent", "to be marked fixed"
	}
	return "planned, not sent", "would be marked fixed"
}

// Sent reports whether a run sent its findings to Wiz (see CountWords).
func Sent(status string, dryRun, delivered bool) bool {
	s, _ := CountWords(status, dryRun, delivered)
	return s == "sent"
}

// NotFetched explains, in one line, the findings a sync never reads: it
// asks the Semgrep API only for the policy's severities and statuses.
const NotFetched = "other severities and statuses: not fetched, filtered by the API"

// Excluded says how many findings the policy excluded. When the API
// filtered severities and statuses (apiFiltered), the findings it did not
// return are not among them, and the words say so.
func Excluded(n int, apiFiltered bool) string {
	if !apiFiltered {
		return Commas(n) + " excluded by the policy"
	}
	return Commas(n) + " excluded by the policy (" + NotFetched + ")"
}

// Elapsed is a running or finished duration in whole seconds: 42s, 3m05s,
// 1h02m (the style of Duration).
func Elapsed(d time.Duration) string {
	d = max(0, d).Round(time.Second)
	if d < time.Minute {
		return fmt.Sprintf("%ds", int(d.Seconds()))
	}
	return Duration(d)
}

// Elsewhere says who runs a sync in another process: "by watch · pid 123
// on host build-1 · since 14:02, 3 minutes ago". Home and the sync screen
// word it alike.
func Elsewhere(e *ledger.Elsewhere, now time.Time) string {
	if e == nil {
		return ""
	}
	by := ""
	if e.Run != nil && e.Run.Trigger != "" {
		by = "by " + e.Run.Trigger + " · "
	}
	since := e.Since
	if since.IsZero() && e.Run != nil {
		since = e.Run.StartedAt
	}
	out := by + e.Who()
	if !since.IsZero() {
		out += " · since " + since.Local().Format("15:04") + ", " + Ago(now, since)
	}
	return out
}
