package findings

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/semgrep-wiz/semgrep-wiz/core/finding"
	"github.com/semgrep-wiz/semgrep-wiz/core/ledger"
	"github.com/semgrep-wiz/semgrep-wiz/core/pipeline"
	"github.com/semgrep-wiz/semgrep-wiz/core/policy"
	"github.com/semgrep-wiz/semgrep-wiz/ui/common"
	"github.com/semgrep-wiz/semgrep-wiz/ui/uitest"
)

// The fixture is a real collection and a real plan against a real ledger:
//
//	acme/shop           4 sent (2 new, 2 unchanged), 2 held ids gone (fixed), 3 excluded
//	acme/payments-api   2 sent (new), 1 excluded
//	acme/legacy-portal  not in scope (no recent full scan)
//	acme/mobile-backend could not be read
//	acme/old-service    left the selection: sent empty, its 2 held ids fixed
const deployment = "acme"

func repo(name string) finding.Repository {
	return finding.Repository{Name: name, URL: "https://github.com/" + name, Deployment: deployment}
}

var commit = "3f9a0c1d2b4e5f60718293a4b5c6d7e8f9012345"

func fnd(r finding.Repository, id, rule, sev, path string, line int, cwe, owasp []string, msg string) finding.Finding {
	s, _ := finding.ParseSeverity(sev)
	return finding.Finding{
		ID: id, Source: finding.SourceAPI, Product: finding.ProductSAST, Repo: r,
		Ref: "refs/heads/main", Branch: "main", IsDefaultBranch: true,
		Severity: s, Confidence: "high", RuleID: rule, RuleName: rule, Message: msg,
		CWEs: cwe, OWASP: owasp, Path: path, StartLine: line, EndLine: line + 2, StartColumn: 5, EndColumn: 41,
		Commit: commit, Link: "https://semgrep.dev/orgs/acme/findings/" + id[3:], Languages: []string{"python"},
		Status: "open",
	}
}

func excluded(f finding.Finding, reason policy.Reason, detail string) policy.Excluded {
	return policy.Excluded{Finding: f, Reason: reason, Detail: detail}
}

func fixtureCollection() *pipeline.Collection {
	shop, pay := repo("acme/shop"), repo("acme/payments-api")
	legacy, mobile := repo("acme/legacy-portal"), repo("acme/mobile-backend")

	sqli := fnd(shop, "sg-7f3a91c2e4", "python.django.security.injection.sql.sql-injection-using-raw", "high",
		"app/orders/views.py", 142, []string{"CWE-89"}, []string{"A03:2021 - Injection"},
		"Request input is pasted into a SQL string by hand, which could let an attacker change the query. Use the Django QuerySet API or bound query parameters.")
	cmdi := fnd(shop, "sg-1b88d0f3a2", "python.lang.security.audit.dangerous-subprocess-use-tainted-env-args", "critical",
		"app/ops/tasks.py", 57, []string{"CWE-78"}, []string{"A03:2021 - Injection"},
		"subprocess.run is called with data a user controls. An attacker could use it to run commands on the host.")
	xss := fnd(shop, "sg-c40e5d7719", "javascript.express.security.audit.xss.mustache.explicit-unescape", "high",
		"web/templates/cart.js", 23, []string{"CWE-79"}, []string{"A07:2017 - Cross-Site Scripting (XSS)", "A03:2021 - Injection"},
		"A Mustache template turns off escaping with triple braces or the & tag. If outside data lands there, injected <script> tags will run in the page.")
	xss.Languages = []string{"javascript"}
	csrf := fnd(shop, "sg-e9a2b6f051", "python.django.security.audit.csrf-exempt", "high",
		"app/payments/webhooks.py", 31, []string{"CWE-352"}, []string{"A01:2021 - Broken Access Control"},
		"This view is marked @csrf_exempt, so the route accepts requests with no CSRF token check.")
	lowF := fnd(shop, "sg-0a1b2c3d4e", "python.lang.best-practice.open-never-closed", "low",
		"app/util/files.py", 12, nil, nil, "A file is opened but never closed, which can leak file handles.")
	branchF := fnd(shop, "sg-5e6f7a8b9c", "python.django.security.injection.raw-html-format", "high",
		"app/checkout/render.py", 77, []string{"CWE-79"}, nil, "User input ends up in HTML built by hand, where it could inject script.")
	branchF.Ref, branchF.Branch, branchF.IsDefaultBranch = "refs/heads/feature/checkout", "feature/checkout", false
	ignored := fnd(shop, "sg-9d8c7b6a5f", "python.requests.security.disabled-cert-validation", "high",
		"scripts/sync_inventory.py", 19, []string{"CWE-295"}, nil, "TLS certificate checks are turned off for this request.")
	ignored.Status = "ignored"

	weak := fnd(pay, "sg-2f9e8d7c6b", "go.lang.security.audit.crypto.use_of_weak_crypto", "high",
		"internal/auth/token.go", 88, []string{"CWE-327", "CWE-328"}, []string{"A02:2021 - Cryptographic Failures"},
		"MD5 is used here, but it is open to collisions and cannot back a signature or token safely. Use SHA-256 or SHA-3.")
	weak.Languages = []string{"go"}
	tainted := fnd(pay, "sg-6a5b4c3d2e", "go.lang.security.injection.tainted-sql-string", "critical",
		"internal/store/query.go", 214, []string{"CWE-89"}, []string{"A03:2021 - Injection"},
		"User data is joined into a SQL string by hand, so it could alter the query. Pass it through a prepared statement instead.")
	tainted.Languages = []string{"go"}
	suppressed := fnd(pay, "sg-3c2b1a0f9e", "go.lang.security.audit.net.use-tls", "high",
		"cmd/server/main.go", 40, []string{"CWE-319"}, nil, "The HTTP server listens without TLS, so traffic travels unencrypted.")
	suppressed.Suppressed = true

	return &pipeline.Collection{Deployment: deployment, Repos: []*pipeline.Repo{
		{Repo: legacy, Name: legacy.Name, URL: legacy.URL, DataSourceID: finding.DataSourceID(legacy), Branch: "main",
			Reason: "no recent full scan: no completed full scan of main in the last 30 days"},
		{Repo: mobile, Name: mobile.Name, URL: mobile.URL, DataSourceID: finding.DataSourceID(mobile), Branch: "main", InScope: true,
			FetchErr: errors.New("reading findings: Semgrep answered 502 Bad Gateway three times")},
		{Repo: pay, Name: pay.Name, URL: pay.URL, DataSourceID: finding.DataSourceID(pay), Branch: "main", InScope: true,
			FullScan: uitest.Fixed.Add(-6 * time.Hour), Sent: []finding.Finding{weak, tainted},
			Excluded: []policy.Excluded{excluded(suppressed, policy.ReasonSuppressed, "suppressed in source")}},
		{Repo: shop, Name: shop.Name, URL: shop.URL, DataSourceID: finding.DataSourceID(shop), Branch: "main", InScope: true,
			FullScan: uitest.Fixed.Add(-2 * time.Hour), Sent: []finding.Finding{sqli, cmdi, xss, csrf},
			Excluded: []policy.Excluded{
				excluded(lowF, policy.ReasonSeverity, "low"),
				excluded(branchF, policy.ReasonBranch, "refs/heads/feature/checkout is not the default branch main"),
				excluded(ignored, policy.ReasonStatus, "ignored"),
			}},
	}}
}

// heldLedger records what Wiz holds from us: two of shop's current
// findings, two shop findings that are gone, and a repository that has
// left the selection.
func heldLedger(t *testing.T) *ledger.Ledger {
	t.Helper()
	ctx := context.Background()
	l, err := ledger.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	if err := l.StartRun(ctx, ledger.Run{ID: "run-1", Trigger: "cli"}); err != nil {
		t.Fatal(err)
	}
	up, err := l.AddUpload(ctx, ledger.Upload{RunID: "run-1", Status: "SUCCESS"})
	if err != nil {
		t.Fatal(err)
	}
	shop, old := repo("acme/shop"), repo("acme/old-service")
	sets := []ledger.SentSet{
		{Source: ledger.DataSource{ID: finding.DataSourceID(shop), RepoName: shop.Name, RepoURL: shop.URL, Deployment: deployment, Branch: "main"},
			FindingIDs: []string{"sg-7f3a91c2e4", "sg-c40e5d7719", "sg-44d1e0aa93", "sg-b7f6e5d4c3"}},
		{Source: ledger.DataSource{ID: finding.DataSourceID(old), RepoName: old.Name, RepoURL: old.URL, Deployment: deployment, Branch: "master"},
			FindingIDs: []string{"sg-aa1100ff22", "sg-bb2211ee33"}},
	}
	if err := l.CommitSent(ctx, up, sets); err != nil {
		t.Fatal(err)
	}
	return l
}

func fixturePreview(t *testing.T, guards pipeline.Guards) *common.Preview {
	t.Helper()
	col := fixtureCollection()
	plan, err := pipeline.BuildPlan(context.Background(), col, heldLedger(t), pipeline.PlanOptions{Guards: guards, FullRun: true, Now: uitest.Fixed})
	if err != nil {
		t.Fatal(err)
	}
	return &common.Preview{Collection: col, Plan: plan, Policy: "severity ≥ high · full scans · default branch"}
}

// fake answers Preview with the fixture and records the all flag.
func fake(t *testing.T) (*uitest.Fake, *[]bool) {
	t.Helper()
	p := fixturePreview(t, pipeline.DefaultGuards())
	var alls []bool
	return &uitest.Fake{PreviewFn: func(all bool) (*common.Preview, error) {
		alls = append(alls, all)
		return p, nil
	}}, &alls
}

// findingOf is the fixture finding a row shows (the store keeps no
// finding): found by repository, path, line and rule.
func findingOf(t testing.TB, r *Row) *finding.Finding {
	t.Helper()
	rule := r.s.Rule(r.i)
	for _, rp := range fixtureCollection().Repos {
		if rp.Name != r.Repo {
			continue
		}
		fs := rp.Sent
		for i := range rp.Excluded {
			fs = append(fs, rp.Excluded[i].Finding)
		}
		for i := range fs {
			if rule != nil && fs[i].Path == r.s.Path(r.i) && fs[i].StartLine == r.s.Line(r.i) && fs[i].RuleID == rule.ID {
				return &fs[i]
			}
		}
	}
	t.Fatalf("no fixture finding for row %+v", r)
	return nil
}

// idOf is a row's finding id (the Wiz id for fixed rows).
func idOf(r *Row) string {
	if !r.HasFinding() {
		return r.WizID
	}
	return findingOf(&testing.T{}, r).ID
}
