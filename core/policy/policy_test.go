package policy

import (
	"slices"
	"testing"
	"time"

	"github.com/semgrep-wiz/semgrep-wiz/core/finding"
)

var now = time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)

func apiFinding(id string, sev finding.Severity, ref string, since time.Time) finding.Finding {
	return finding.Finding{ID: id, RuleID: "r", Path: "a.py", Severity: sev, Ref: ref, Branch: finding.NormalizeBranch(ref), Status: "open", Product: finding.ProductSAST, RelevantSince: since}
}

func TestDefaultPolicySelectsLikeSemgrep(t *testing.T) {
	p := Default()
	scan := now.Add(-2 * time.Hour)
	s := Scope{Repo: finding.Repository{Name: "acme/app"}, Branch: "main", FullScan: scan}
	fs := []finding.Finding{
		apiFinding("crit", finding.SeverityCritical, "refs/heads/main", scan.Add(-time.Hour)),
		apiFinding("high", finding.SeverityHigh, "main", scan.Add(-time.Hour)),
		apiFinding("med", finding.SeverityMedium, "main", scan.Add(-time.Hour)),
		apiFinding("other-branch", finding.SeverityHigh, "feature/x", scan.Add(-time.Hour)),
		apiFinding("diff-only", finding.SeverityHigh, "main", scan.Add(time.Minute)),
		apiFinding("pr", finding.SeverityHigh, "refs/pull/4/merge", scan.Add(-time.Hour)),
		apiFinding("high", finding.SeverityHigh, "main", scan.Add(-time.Hour)), // duplicate
	}
	ignored := apiFinding("ignored", finding.SeverityHigh, "main", scan.Add(-time.Hour))
	ignored.Status = "ignored"
	sca := apiFinding("sca", finding.SeverityHigh, "main", scan.Add(-time.Hour))
	sca.Product = finding.ProductSCA
	sup := apiFinding("sup", finding.SeverityHigh, "main", scan.Add(-time.Hour))
	sup.Suppressed = true
	bad := apiFinding("", finding.SeverityHigh, "main", scan)
	fs = append(fs, ignored, sca, sup, bad)

	sent, excl := p.Select(s, fs)
	if len(sent) != 2 || sent[0].ID != "crit" || sent[1].ID != "high" {
		t.Fatalf("sent %v", ids(sent))
	}
	// In place (a streamed page): the same result, the page reused.
	page := slices.Clone(fs)
	sent2, excl2 := p.SelectInPlace(s, page)
	if !slices.EqualFunc(sent, sent2, func(a, b finding.Finding) bool { return a.ID == b.ID && a.Ref == b.Ref }) || &sent2[0] != &page[0] ||
		!slices.EqualFunc(excl, excl2, func(a, b Excluded) bool {
			return a.Finding.ID == b.Finding.ID && a.Reason == b.Reason && a.Finding.Ref == b.Finding.Ref
		}) {
		t.Errorf("in place: sent %v, excluded %d", ids(sent2), len(excl2))
	}
	want := map[string]Reason{"med": ReasonSeverity, "other-branch": ReasonBranch, "diff-only": ReasonDiffOnly, "pr": ReasonBranch,
		"high": ReasonDuplicate, "ignored": ReasonStatus, "sca": ReasonProduct, "sup": ReasonSuppressed, "": ReasonMalformed}
	if len(excl) != len(want) {
		t.Fatalf("excluded %d, want %d: %+v", len(excl), len(want), excl)
	}
	for _, e := range excl {
		if want[e.Finding.ID] != e.Reason {
			t.Errorf("%q excluded for %q, want %q", e.Finding.ID, e.Reason, want[e.Finding.ID])
		}
		if e.Detail == "" {
			t.Errorf("%q excluded without detail", e.Finding.ID)
		}
	}
}

func TestAllBranchesPolicyStillDropsPullRequestRefs(t *testing.T) {
	p := Default()
	p.DefaultBranchOnly = false
	s := Scope{Repo: finding.Repository{Name: "acme/app"}, Branch: "main", FullScan: now}
	sent, excl := p.Select(s, []finding.Finding{
		apiFinding("a", finding.SeverityHigh, "develop", now.Add(time.Hour)),
		apiFinding("b", finding.SeverityHigh, "refs/pull/9/merge", now.Add(-time.Hour)),
	})
	if len(sent) != 1 || sent[0].ID != "a" || len(excl) != 1 || excl[0].Reason != ReasonDiffOnly {
		t.Fatalf("sent %v excluded %+v", ids(sent), excl)
	}
	p.FullScansOnly = false
	sent, _ = p.Select(s, []finding.Finding{apiFinding("b", finding.SeverityHigh, "refs/pull/9/merge", now)})
	if len(sent) != 1 {
		t.Fatal("with full scans off, pull request findings should pass")
	}
}

func TestRepoDecision(t *testing.T) {
	p := Default()
	p.ExcludeRepos = []string{"legacy-*", "acme/sandbox"}
	cases := []struct {
		name string
		s    Scope
		in   bool
		r    Reason
	}{
		{"recent full scan", Scope{Repo: finding.Repository{Name: "acme/app"}, Branch: "main", FullScan: now.Add(-24 * time.Hour)}, true, ""},
		{"no full scan", Scope{Repo: finding.Repository{Name: "acme/app"}, Branch: "main"}, false, ReasonNoFullScan},
		{"old full scan", Scope{Repo: finding.Repository{Name: "acme/app"}, Branch: "main", FullScan: now.Add(-31 * 24 * time.Hour)}, false, ReasonNoFullScan},
		{"bare-name glob", Scope{Repo: finding.Repository{Name: "acme/legacy-api"}, FullScan: now}, false, ReasonRepoExcluded},
		{"full-name glob", Scope{Repo: finding.Repository{Name: "acme/sandbox"}, FullScan: now}, false, ReasonRepoExcluded},
		{"archived", Scope{Repo: finding.Repository{Name: "acme/app"}, FullScan: now, Archived: true}, false, ReasonRepoExcluded},
		{"file needs no scan", Scope{Repo: finding.Repository{Name: "acme/app"}, FromFile: true}, true, ""},
	}
	for _, c := range cases {
		d := p.DecideRepo(c.s, now)
		if d.InScope != c.in || d.Reason != c.r {
			t.Errorf("%s: got %+v", c.name, d)
		}
	}
	p.IncludeRepos = []string{"acme/pay*"}
	if p.RepoSelected("acme/app") || !p.RepoSelected("acme/payments") {
		t.Error("include globs not applied")
	}
}

func TestValidate(t *testing.T) {
	p := Default()
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	p.ExcludeRepos = []string{"[bad"}
	if err := p.Validate(); err == nil {
		t.Fatal("bad glob accepted")
	}
	p = Default()
	p.Severities = nil
	if err := p.Validate(); err == nil {
		t.Fatal("empty severities accepted")
	}
}

func ids(fs []finding.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.ID)
	}
	return out
}
