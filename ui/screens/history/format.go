package history

import (
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/semgrep-wiz/semgrep-wiz/core/ledger"
	"github.com/semgrep-wiz/semgrep-wiz/ui/textfmt"
	"github.com/semgrep-wiz/semgrep-wiz/ui/theme"
)

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

// took is a run's duration, compact for a table column.
func took(r ledger.Run) string {
	if r.FinishedAt.IsZero() || r.FinishedAt.Before(r.StartedAt) {
		return "—"
	}
	return textfmt.Duration(r.FinishedAt.Sub(r.StartedAt))
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
		return textfmt.OneLine(r.Error)
	}
	if r.DryRun {
		return "dry run"
	}
	return ""
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

func plural(n int, unit string) string { return textfmt.Count(n, unit, unit+"s") }
