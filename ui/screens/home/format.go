package home

import (
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/semgrep-wiz/semgrep-wiz/ui/textfmt"
)

// Shared formatters live in ui/textfmt; these are home's own.

func plural(n int, one, many string) string { return textfmt.Count(n, one, many) }

// pad truncates s to w cells and pads it with spaces.
func pad(s string, w int) string {
	s = ansi.Truncate(s, max(w, 0), "…")
	return s + strings.Repeat(" ", max(w-ansi.StringWidth(s), 0))
}
