package finding

import (
	"strings"
	"testing"
)

func TestNormalizeRepoURL(t *testing.T) {
	want := "github.com/acme/app"
	for _, in := range []string{
		"https://github.com/acme/app",
		"https://github.com/acme/app.git",
		"https://GitHub.com/acme/app/",
		"http://github.com/acme/app.git/",
		"git@github.com:acme/app.git",
		"ssh://git@github.com/acme/app.git",
		"https://user:pw@github.com/acme/app",
		"github.com/acme/app",
	} {
		if got := NormalizeRepoURL(in); got != want {
			t.Errorf("NormalizeRepoURL(%q) = %q, want %q", in, got, want)
		}
	}
	for _, in := range []string{"", "   ", "https://github.com/", "not a url"} {
		if got := NormalizeRepoURL(in); got != "" {
			t.Errorf("NormalizeRepoURL(%q) = %q, want empty", in, got)
		}
	}
}

func TestDataSourceIDIgnoresSourceAndBranch(t *testing.T) {
	api := DataSourceID(Repository{Name: "app", URL: "https://github.com/acme/app", Deployment: "acme"})
	cli := DataSourceID(Repository{Name: "acme/app", URL: "git@github.com:acme/app.git"})
	if api != cli {
		t.Fatalf("API and CLI ids differ: %q vs %q", api, cli)
	}
	if api != "semgrep:github.com/acme/app" {
		t.Fatalf("recipe changed: %q", api)
	}
	if got := DataSourceID(Repository{Name: "acme/app", Deployment: "acme"}); got != "semgrep:acme/acme/app" {
		t.Fatalf("fallback recipe changed: %q", got)
	}
}

func TestParseSeverityEveryEra(t *testing.T) {
	cases := map[string]Severity{
		"CRITICAL": SeverityCritical, "critical": SeverityCritical,
		"HIGH": SeverityHigh, "ERROR": SeverityHigh, "error": SeverityHigh,
		"MEDIUM": SeverityMedium, "WARNING": SeverityMedium, "warning": SeverityMedium,
		"LOW": SeverityLow, "INFO": SeverityLow, "note": SeverityLow,
		"EXPERIMENT": SeverityLow, "INVENTORY": SeverityLow, "": SeverityUnknown,
	}
	for in, want := range cases {
		got, err := ParseSeverity(in)
		if err != nil || got != want {
			t.Errorf("ParseSeverity(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if _, err := ParseSeverity("severe"); err == nil {
		t.Error("unknown word accepted")
	}
	wiz := map[Severity]string{SeverityLow: "Low", SeverityMedium: "Medium", SeverityHigh: "High", SeverityCritical: "Critical", SeverityUnknown: "None"}
	for s, w := range wiz {
		if s.Wiz() != w {
			t.Errorf("%v.Wiz() = %q, want %q", s, s.Wiz(), w)
		}
	}
}

func TestNormalizeCWE(t *testing.T) {
	got := NormalizeCWEs([]string{
		"CWE-89: Improper Neutralization of Special Elements used in an SQL Command ('SQL Injection')",
		"cwe-79", "CWE 22", "CWE-089", "OWASP A1", "CWE-89", "CWE-0",
	})
	want := []string{"CWE-89", "CWE-79", "CWE-22"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func TestBranchNormalisation(t *testing.T) {
	if !SameBranch("main", "refs/heads/main") || SameBranch("main", "refs/pull/1/merge") || SameBranch("", "") {
		t.Fatal("SameBranch wrong")
	}
}

func cliFinding(rule, path string, line int, code string) Finding {
	return Finding{RuleID: rule, Path: path, StartLine: line, EndLine: line, Snippet: code, MatchBasedID: NotLoggedIn}
}

func TestDerivedIDsSurviveLineShifts(t *testing.T) {
	before := []Finding{
		cliFinding("r.sqli", "app/db.py", 10, "cursor.execute(q % x)"),
		cliFinding("r.xss", "app/web.py", 5, "return html(x)"),
	}
	after := []Finding{
		// Code moved 40 lines down and re-indented.
		cliFinding("r.sqli", "app/db.py", 50, "    cursor.execute(q %  x)"),
		cliFinding("r.xss", "app/web.py", 5, "return html(x)"),
	}
	AssignIDs(before)
	AssignIDs(after)
	if before[0].ID != after[0].ID || before[1].ID != after[1].ID {
		t.Fatalf("ids changed after a line shift: %v/%v vs %v/%v", before[0].ID, before[1].ID, after[0].ID, after[1].ID)
	}
	if before[0].ID == before[1].ID {
		t.Fatal("different findings share an id")
	}
}

func TestIdenticalMatchesInOneFileGetTwoIDs(t *testing.T) {
	fs := []Finding{
		cliFinding("r.sqli", "app/db.py", 30, "cursor.execute(q % x)"),
		cliFinding("r.sqli", "app/db.py", 10, "cursor.execute(q % x)"),
		cliFinding("r.sqli", "app/other.py", 10, "cursor.execute(q % x)"),
	}
	AssignIDs(fs)
	ids := map[string]bool{}
	for _, f := range fs {
		if !strings.HasPrefix(f.ID, "sg-") || ids[f.ID] {
			t.Fatalf("bad or duplicate id %q in %+v", f.ID, fs)
		}
		ids[f.ID] = true
	}
	// The order of the input does not matter.
	rev := []Finding{fs[2], fs[1], fs[0]}
	for i := range rev {
		rev[i].ID = ""
	}
	AssignIDs(rev)
	if rev[0].ID != fs[2].ID || rev[1].ID != fs[1].ID || rev[2].ID != fs[0].ID {
		t.Fatal("ids depend on input order")
	}
}

func TestRequiresLoginIsNeverAnIdentity(t *testing.T) {
	fs := []Finding{
		{RuleID: "a", Path: "x.go", MatchBasedID: NotLoggedIn, Snippet: NotLoggedIn, Message: "one"},
		{RuleID: "b", Path: "y.go", MatchBasedID: NotLoggedIn, Snippet: NotLoggedIn, Message: "two"},
	}
	AssignIDs(fs)
	if fs[0].ID == fs[1].ID {
		t.Fatal("two findings with 'requires login' share an id")
	}
}

func TestMatchBasedAndPlatformIDs(t *testing.T) {
	a := []Finding{{MatchBasedID: "abc_0", PlatformID: "1", StartLine: 1}, {PlatformID: "2"}}
	b := []Finding{{MatchBasedID: "abc_0", PlatformID: "9", StartLine: 99}, {PlatformID: "2", StartLine: 7}}
	AssignIDs(a)
	AssignIDs(b)
	if a[0].ID != b[0].ID {
		t.Error("match-based id did not win over the platform id")
	}
	if a[1].ID != b[1].ID {
		t.Error("platform id not stable")
	}
	// A source that repeats a fingerprint still yields distinct ids.
	dup := []Finding{{MatchBasedID: "0x42", Path: "a", StartLine: 1}, {MatchBasedID: "0x42", Path: "a", StartLine: 2}}
	AssignIDs(dup)
	if dup[0].ID == dup[1].ID {
		t.Error("repeated fingerprint produced one id")
	}
}

func TestSameFindingOnTwoBranchesKeepsItsID(t *testing.T) {
	fs := []Finding{
		{MatchBasedID: "abc_0", Branch: "feature", Path: "a", StartLine: 1},
		{MatchBasedID: "abc_0", Branch: "main", Path: "a", StartLine: 5},
	}
	AssignIDs(fs)
	if fs[0].ID != fs[1].ID || strings.Contains(fs[1].ID, "#") {
		t.Fatalf("branch copies got %q and %q", fs[0].ID, fs[1].ID)
	}
}
