package history

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/semgrep-wiz/semgrep-wiz/core/ledger"
	"github.com/semgrep-wiz/semgrep-wiz/ui/theme"
)

// statusWord is a run status as a symbol and words (colour never alone).
func statusWord(st theme.Styles, status string) (string, lipgloss.Style) {
	switch status {
	case "success":
		return "✓ success", st.OK
	case "partial":
		return "! partial", st.Warn
	case "failure":
		return "✗ failure", st.Err
	case "interrupted":
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

// uploadWord is a Wiz activity status with a symbol.
func uploadWord(st theme.Styles, status string) (string, lipgloss.Style) {
	switch status {
	case "SUCCESS":
		return "✓ SUCCESS", st.OK
	case "FAILURE":
		return "✗ FAILURE", st.Err
	case "SKIPPED":
		return "– SKIPPED", st.Warn
	case "", "PENDING":
		return "… PENDING", st.Warn
	}
	return "? " + status, st.Warn
}

// pendingAtWiz matches the ledger's PendingUploads: Wiz has the file and
// its status is not final.
func pendingAtWiz(u ledger.Upload) bool {
	switch u.Status {
	case "SUCCESS", "FAILURE", "SKIPPED":
		return false
	case "PENDING":
		return true
	}
	return u.Delivered
}

// commas writes an integer with thousands separators.
func commas(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// took is a run's duration, compact for a table column.
func took(r ledger.Run) string {
	if r.FinishedAt.IsZero() || r.FinishedAt.Before(r.StartedAt) {
		return "—"
	}
	return duration(r.FinishedAt.Sub(r.StartedAt))
}

func duration(d time.Duration) string {
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

// ago says how long before now t was.
func ago(now, t time.Time) string {
	d := now.Sub(t)
	switch {
	case d < 0:
		return "in the future (check the clock)"
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return plural(int(d.Minutes()), "minute") + " ago"
	case d < 48*time.Hour:
		return plural(int(d.Hours()), "hour") + " ago"
	}
	return plural(int(d.Hours()/24), "day") + " ago"
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return commas(n) + " " + unit + "s"
}

// sourceText turns the ledger's source ("api:<deployment>" or "files")
// into words.
func sourceText(src string) string {
	switch {
	case strings.HasPrefix(src, "api:"):
		return "Semgrep API, deployment " + strings.TrimPrefix(src, "api:")
	case src == "files":
		return "local Semgrep output files (--from)"
	case src == "":
		return "—"
	}
	return src
}

// note is what the list's last column says about a run.
func note(r ledger.Run) string {
	if r.Error != "" {
		return oneLine(r.Error)
	}
	if r.DryRun {
		return "dry run"
	}
	return ""
}

func humanBytes(n int64) string {
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

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// cell truncates s to w cells and pads it (left or right aligned).
func cell(s string, w int, right bool) string {
	if w <= 0 {
		return ""
	}
	s = ansi.Truncate(s, w, "…")
	pad := w - ansi.StringWidth(s)
	if pad <= 0 {
		return s
	}
	if right {
		return strings.Repeat(" ", pad) + s
	}
	return s + strings.Repeat(" ", pad)
}

// wrapWords wraps plain text at spaces into lines of at most w cells. Only
// a word longer than a whole line is cut, so ids, URLs and flags such as
// --allow-mass-resolve stay whole and copyable whenever they fit.
func wrapWords(s string, w int) []string {
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
