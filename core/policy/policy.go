// Package policy decides which repositories and findings are sent to Wiz.
// Nothing is dropped silently: every excluded finding carries a reason, so
// the preview can show it.
package policy

import (
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/semgrep-wiz/semgrep-wiz/core/finding"
)

// Reason says why a repository or finding is not sent.
type Reason string

const (
	ReasonSeverity     Reason = "severity"
	ReasonBranch       Reason = "branch"
	ReasonDiffOnly     Reason = "diff-scan only"
	ReasonRepoExcluded Reason = "repository excluded"
	ReasonNoFullScan   Reason = "no recent full scan"
	ReasonStatus       Reason = "status"
	ReasonSuppressed   Reason = "suppressed (nosemgrep)"
	ReasonProduct      Reason = "not a Code (SAST) finding"
	ReasonDuplicate    Reason = "duplicate"
	ReasonMalformed    Reason = "malformed"
	ReasonOutsideRepo  Reason = "path outside the repository"
)

// Policy is the selection rule set. The zero value selects nothing; use
// Default and change what the configuration says.
type Policy struct {
	// Severities that are sent.
	Severities []finding.Severity
	// Statuses that are sent (Semgrep's words: open, reviewing, fixing …).
	Statuses []string
	// FullScansOnly: send a repository only when it has a completed full
	// scan of its branch within MaxScanAge, and only findings that scan saw.
	FullScansOnly bool
	// DefaultBranchOnly: send only the primary (else default) branch.
	DefaultBranchOnly bool
	// IncludeRepos / ExcludeRepos are globs on the repository name
	// ("owner/repo"); empty include means all. Exclude wins.
	IncludeRepos []string
	ExcludeRepos []string
	// MaxScanAge bounds how old the full scan may be (the scans API only
	// covers 30 days).
	MaxScanAge time.Duration
}

// Default is Semgrep's own policy for Wiz: high and critical, open, full
// scans of the default (primary) branch, all repositories.
func Default() Policy {
	return Policy{
		Severities:        []finding.Severity{finding.SeverityHigh, finding.SeverityCritical},
		Statuses:          []string{"open"},
		FullScansOnly:     true,
		DefaultBranchOnly: true,
		MaxScanAge:        30 * 24 * time.Hour,
	}
}

// Validate reports settings that cannot work.
func (p Policy) Validate() error {
	for _, g := range append(append([]string{}, p.IncludeRepos...), p.ExcludeRepos...) {
		if _, err := path.Match(g, "x"); err != nil {
			return fmt.Errorf("policy: repository pattern %q is not a valid glob: %w", g, err)
		}
	}
	if len(p.Severities) == 0 {
		return fmt.Errorf("policy: no severities selected; nothing would be sent")
	}
	return nil
}

// Describe renders the policy in one line for history and previews.
func (p Policy) Describe() string {
	sev := make([]string, 0, len(p.Severities))
	for _, s := range p.Severities {
		sev = append(sev, s.String())
	}
	parts := []string{"severities " + strings.Join(sev, ","), "status " + strings.Join(p.Statuses, ",")}
	if p.FullScansOnly {
		parts = append(parts, "full scans only")
	}
	if p.DefaultBranchOnly {
		parts = append(parts, "default branch only")
	}
	if len(p.IncludeRepos) > 0 {
		parts = append(parts, "include "+strings.Join(p.IncludeRepos, ","))
	}
	if len(p.ExcludeRepos) > 0 {
		parts = append(parts, "exclude "+strings.Join(p.ExcludeRepos, ","))
	}
	return strings.Join(parts, "; ")
}

// RepoSelected applies the include/exclude globs to a repository name.
// A pattern without a slash also matches the bare repository name, so
// "legacy-*" excludes "acme/legacy-api".
func (p Policy) RepoSelected(name string) bool {
	if matchAny(p.ExcludeRepos, name) {
		return false
	}
	return len(p.IncludeRepos) == 0 || matchAny(p.IncludeRepos, name)
}

func matchAny(globs []string, name string) bool {
	base := name
	if i := strings.LastIndex(name, "/"); i >= 0 {
		base = name[i+1:]
	}
	for _, g := range globs {
		if ok, _ := path.Match(g, name); ok {
			return true
		}
		if !strings.Contains(g, "/") {
			if ok, _ := path.Match(g, base); ok {
				return true
			}
		}
	}
	return false
}

func (p Policy) severityOK(s finding.Severity) bool {
	for _, x := range p.Severities {
		if x == s {
			return true
		}
	}
	return false
}

func (p Policy) statusOK(s string) bool {
	if s == "" {
		s = "open"
	}
	for _, x := range p.Statuses {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}
