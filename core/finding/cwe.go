package finding

import (
	"regexp"
	"strings"
)

var cweRe = regexp.MustCompile(`(?i)^\s*CWE[-_ ]?(\d+)\b`)

// NormalizeCWE turns "CWE-89: Improper Neutralization…" (or "cwe-89",
// "CWE 89") into "CWE-89". It reports false for strings that name no CWE.
func NormalizeCWE(s string) (string, bool) {
	m := cweRe.FindStringSubmatch(s)
	if m == nil {
		return "", false
	}
	n := strings.TrimLeft(m[1], "0")
	if n == "" {
		return "", false
	}
	return "CWE-" + n, true
}

// NormalizeCWEs normalises a list, dropping entries that name no CWE and
// duplicates, keeping the first-seen order.
func NormalizeCWEs(in []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range in {
		c, ok := NormalizeCWE(s)
		if !ok || seen[c] {
			continue
		}
		seen[c] = true
		out = append(out, c)
	}
	return out
}
