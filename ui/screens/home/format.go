package home

import (
	"strconv"
	"strings"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/semgrep-wiz/semgrep-wiz/core/ledger"
	"github.com/semgrep-wiz/semgrep-wiz/ui/theme"
)

// The helpers below repeat a few of the history screen's: screens never
// import each other.

// statusWord is a run status as a symbol and words (colour never alone).
func statusWord(st theme.Styles, status string) (string, lipgloss.Style) {
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

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return commas(n) + " " + many
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
		return plural(int(d.Minutes()), "minute", "minutes") + " ago"
	case d < 48*time.Hour:
		return plural(int(d.Hours()), "hour", "hours") + " ago"
	}
	return plural(int(d.Hours()/24), "day", "days") + " ago"
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func trunc(s string, w int) string { return ansi.Truncate(s, max(w, 0), "…") }

// pad truncates s to w cells and pads it with spaces.
func pad(s string, w int) string {
	s = ansi.Truncate(s, max(w, 0), "…")
	return s + strings.Repeat(" ", max(w-ansi.StringWidth(s), 0))
}

// wrapWords wraps plain text at spaces into lines of at most w cells; only
// a word longer than a whole line is cut, so URLs and commands stay whole
// whenever they fit.
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
