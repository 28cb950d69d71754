// Package finding holds the source-neutral Finding type that every reader
// produces and every later step (policy, plan, encoder) consumes, and the
// recipes that give findings and repositories their stable identities.
package finding

import (
	"strings"
	"time"
)

// Source says where a finding was read from.
type Source string

const (
	SourceAPI   Source = "api"      // Semgrep AppSec Platform web API
	SourceJSON  Source = "cli-json" // semgrep scan --json
	SourceSARIF Source = "sarif"    // semgrep scan --sarif
)

// Product is the Semgrep product that produced a finding. Only Code (SAST)
// findings are sent to Wiz; the others are read so they can be excluded
// with a reason instead of vanishing.
type Product string

const (
	ProductSAST    Product = "sast"
	ProductSCA     Product = "sca"
	ProductSecrets Product = "secrets"
)

// Repository identifies the repository a finding belongs to.
type Repository struct {
	// Name is the repository as Semgrep names it, usually "owner/repo".
	Name string
	// URL is the repository's web URL as reported (not normalised).
	URL string
	// Deployment is the Semgrep deployment slug, used by the data-source
	// recipe only when no URL is known.
	Deployment string
	// ID is Semgrep's numeric project/repository id, when known.
	ID int64
}

// Finding is one Semgrep match in a form that does not depend on where it
// was read from.
type Finding struct {
	// ID is the stable identity sent to Wiz; see AssignIDs.
	ID string

	Source     Source
	SourceFile string // for file sources: the file it was read from
	Product    Product

	Repo Repository
	// Ref is the git ref as reported (main, refs/heads/main, refs/pull/1/merge).
	Ref string
	// Branch is Ref normalised (refs/heads/main -> main).
	Branch string
	// IsDefaultBranch is true when Branch is the repository's primary
	// (or, lacking one, default) branch.
	IsDefaultBranch bool

	Severity   Severity
	Confidence string // low, medium, high or empty

	RuleID   string // e.g. python.lang.security.audit.xyz
	RuleName string // human name; RuleID when nothing better is known
	Message  string
	CWEs     []string // normalised, e.g. CWE-89
	OWASP    []string
	Category string

	Path        string // repository-relative path
	StartLine   int
	EndLine     int
	StartColumn int
	EndColumn   int

	Commit    string
	Link      string // the finding in Semgrep (web UI), when known
	LineURL   string // SCM permalink to the line, when known
	Languages []string
	Snippet   string // matched code, when known

	// Status is the Semgrep status: open, fixed, ignored, reviewing, fixing,
	// provisionally_ignored. Empty means unknown (treated as open for file
	// sources, where Semgrep drops nosemgrep matches itself).
	Status     string
	Suppressed bool // SARIF suppressions / is_ignored

	FirstSeen     time.Time // created_at
	RelevantSince time.Time // first detection or re-introduction

	// ScanID is the scan that first found it (API) or empty.
	ScanID string

	// PlatformID is the Semgrep platform finding id (API), or empty.
	PlatformID string
	// MatchBasedID is Semgrep's match-based id when Semgrep computed one
	// (API match_based_id, CLI fingerprint when logged in, SARIF
	// matchBasedId/v1); never the literal "requires login".
	MatchBasedID string
}

// Location renders path:line for messages and tables.
func (f *Finding) Location() string {
	if f.StartLine > 0 {
		return f.Path + ":" + itoa(f.StartLine)
	}
	return f.Path
}

func itoa(n int) string {
	var b [20]byte
	i := len(b)
	neg := n < 0
	if neg {
		n = -n
	}
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			break
		}
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}

// NormalizeBranch turns refs/heads/main into main; other refs (pull
// requests, tags) are kept as they are, trimmed.
func NormalizeBranch(ref string) string {
	ref = strings.TrimSpace(ref)
	return strings.TrimPrefix(ref, "refs/heads/")
}

// SameBranch reports whether two refs name the same branch
// (main ≡ refs/heads/main).
func SameBranch(a, b string) bool {
	return a != "" && NormalizeBranch(a) == NormalizeBranch(b)
}

// OutsideRepository reports a path that is not repository-relative:
// absolute (/x, C:/x) or climbing out with "..". Such a path would tell
// Wiz about this machine, not the repository.
func OutsideRepository(p string) bool {
	return strings.HasPrefix(p, "/") || (len(p) >= 3 && p[1] == ':' && p[2] == '/') ||
		p == ".." || strings.HasPrefix(p, "../")
}
