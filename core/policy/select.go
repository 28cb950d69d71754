package policy

import (
	"fmt"
	"strings"
	"time"

	"github.com/semgrep-wiz/semgrep-wiz/core/finding"
)

// Scope is what is known about one repository before its findings are
// judged: which branch is sent and which full scan vouches for it.
type Scope struct {
	Repo finding.Repository
	// Branch is the branch that is sent (normalised): the primary branch,
	// else the default branch, else for files the branch given.
	Branch string
	// FullScan is the completion time of the latest completed full scan of
	// Branch; zero when none is known.
	FullScan time.Time
	// FromFile marks a CLI file: the file is the full scan the user chose
	// to send, so scan checks do not apply.
	FromFile bool
	// Archived repositories are never in scope.
	Archived bool
}

// RepoDecision says whether a repository is sent at all.
type RepoDecision struct {
	InScope bool
	Reason  Reason
	Detail  string
}

// DecideRepo applies the repository rules.
func (p Policy) DecideRepo(s Scope, now time.Time) RepoDecision {
	if !p.RepoSelected(s.Repo.Name) {
		return RepoDecision{Reason: ReasonRepoExcluded, Detail: "matches the policy's exclude rules"}
	}
	if s.Archived {
		return RepoDecision{Reason: ReasonRepoExcluded, Detail: "archived"}
	}
	if s.FromFile || !p.FullScansOnly {
		return RepoDecision{InScope: true}
	}
	if s.FullScan.IsZero() {
		return RepoDecision{Reason: ReasonNoFullScan, Detail: fmt.Sprintf("no completed full scan of %s in the last %d days", orDash(s.Branch), int(p.MaxScanAge.Hours()/24))}
	}
	if p.MaxScanAge > 0 && now.Sub(s.FullScan) > p.MaxScanAge {
		return RepoDecision{Reason: ReasonNoFullScan, Detail: fmt.Sprintf("latest full scan of %s is from %s", s.Branch, s.FullScan.Format("2006-01-02"))}
	}
	return RepoDecision{InScope: true}
}

// Excluded is a finding that is not sent, and why.
type Excluded struct {
	Finding finding.Finding
	Reason  Reason
	Detail  string
}

// Select judges the findings of one in-scope repository. The result keeps
// the input order; excluded findings carry their reason. Duplicates (the
// same ID on the same branch) keep the first and exclude the rest.
func (p Policy) Select(s Scope, fs []finding.Finding) (sent []finding.Finding, excluded []Excluded) {
	return p.selectInto(s, fs, nil)
}

// SelectInPlace is Select reusing fs for the findings sent (sent is fs
// compacted, in order; what it overwrote is in excluded), so judging a
// page costs no copy of it.
func (p Policy) SelectInPlace(s Scope, fs []finding.Finding) (sent []finding.Finding, excluded []Excluded) {
	return p.selectInto(s, fs, fs[:0])
}

func (p Policy) selectInto(s Scope, fs, sent []finding.Finding) ([]finding.Finding, []Excluded) {
	var excluded []Excluded
	seen := map[string]bool{}
	for i := range fs {
		f := &fs[i]
		r, detail := p.judge(s, f)
		if r == "" {
			key := f.ID + "@" + f.Branch
			if seen[key] {
				r, detail = ReasonDuplicate, "same finding id reported twice"
			} else {
				seen[key] = true
			}
		}
		if r != "" {
			excluded = append(excluded, Excluded{Finding: *f, Reason: r, Detail: detail})
			continue
		}
		sent = append(sent, *f) // in place: never ahead of i
	}
	return sent, excluded
}

func (p Policy) judge(s Scope, f *finding.Finding) (Reason, string) {
	switch {
	case f.ID == "" || f.RuleID == "" || f.Path == "":
		return ReasonMalformed, "missing rule id, path or identity"
	case finding.OutsideRepository(f.Path):
		return ReasonOutsideRepo, f.Path
	case f.Product != "" && f.Product != finding.ProductSAST:
		return ReasonProduct, string(f.Product)
	case f.Suppressed:
		return ReasonSuppressed, "suppressed in source"
	case !p.statusOK(f.Status):
		return ReasonStatus, f.Status
	case !p.severityOK(f.Severity):
		return ReasonSeverity, f.Severity.String()
	}
	if p.DefaultBranchOnly && !s.FromFile && !finding.SameBranch(f.Branch, s.Branch) {
		return ReasonBranch, fmt.Sprintf("%s is not the default branch %s", orDash(f.Ref), orDash(s.Branch))
	}
	if p.FullScansOnly && !s.FromFile && isReviewRef(f.Ref) {
		return ReasonDiffOnly, f.Ref + " is a pull/merge request ref (diff-aware scan)"
	}
	onScanned := finding.SameBranch(f.Branch, s.Branch)
	if p.FullScansOnly && !s.FromFile && onScanned && !s.FullScan.IsZero() && !f.RelevantSince.IsZero() && f.RelevantSince.After(s.FullScan) {
		return ReasonDiffOnly, fmt.Sprintf("found %s, after the latest full scan (%s)", f.RelevantSince.Format(time.RFC3339), s.FullScan.Format(time.RFC3339))
	}
	return "", ""
}

// isReviewRef reports refs that only diff-aware scans produce.
func isReviewRef(ref string) bool {
	return strings.HasPrefix(ref, "refs/pull/") || strings.HasPrefix(ref, "refs/merge-requests/") || strings.HasPrefix(ref, "refs/pull-requests/")
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
