package wizschema

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/semgrep-wiz/semgrep-wiz/core/finding"
)

// The enums in types.go must be exactly the schema's.
func TestEnumsMatchSchema(t *testing.T) {
	var s struct {
		Defs map[string]struct {
			Enum []string `json:"enum"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(SchemaJSON, &s); err != nil {
		t.Fatal(err)
	}
	for def, got := range map[string][]string{"severity": severityEnum, "vcs": vcsEnum, "codeLanguage": languageEnum} {
		if want := s.Defs[def].Enum; !slices.Equal(got, want) {
			t.Errorf("%s enum = %v, schema has %v", def, got, want)
		}
	}
}

func TestSeverityEveryLevel(t *testing.T) {
	cases := map[finding.Severity]string{
		finding.SeverityUnknown:  "None",
		finding.SeverityLow:      "Low",
		finding.SeverityMedium:   "Medium",
		finding.SeverityHigh:     "High",
		finding.SeverityCritical: "Critical",
		finding.Severity(99):     "None",
	}
	for sev, want := range cases {
		f := testFinding(testRepo(1), "main", true, 0)
		f.Severity = sev
		sf := MapFinding(&f)
		if sf.Severity != want {
			t.Errorf("severity %d mapped to %q, want %q", sev, sf.Severity, want)
		}
		if err := checkFinding(&sf); err != nil {
			t.Errorf("severity %d: %v", sev, err)
		}
		if !strings.HasPrefix(sf.Description, f.RuleName+" ("+want+") in ") {
			t.Errorf("description does not carry severity %q: %q", want, sf.Description)
		}
	}
}

func TestWeaknesses(t *testing.T) {
	cases := []struct {
		in, want []string
	}{
		{nil, nil},
		{[]string{"CWE-89"}, []string{"CWE-89"}},
		{[]string{"CWE-89", "CWE-79"}, []string{"CWE-89", "CWE-79"}},
		// Slipped through unnormalised: repaired.
		{[]string{"CWE-89: Improper Neutralization of Special Elements used in an SQL Command"}, []string{"CWE-89"}},
		{[]string{"cwe-79", "CWE 22"}, []string{"CWE-79", "CWE-22"}},
		// Not a CWE at all: dropped, the rest kept.
		{[]string{"OWASP A1", "CWE-", "CWE-89", "CWE-٣"}, []string{"CWE-89"}},
		{[]string{"CWE-89", "CWE-89: again", "CWE-089"}, []string{"CWE-89"}},
	}
	for _, c := range cases {
		f := testFinding(testRepo(1), "main", true, 0)
		f.CWEs = c.in
		sf := MapFinding(&f)
		if !slices.Equal(sf.Weaknesses, c.want) {
			t.Errorf("CWEs %q → %q, want %q", c.in, sf.Weaknesses, c.want)
		}
		if err := checkFinding(&sf); err != nil {
			t.Errorf("CWEs %q: mapped finding fails the schema check: %v", c.in, err)
		}
		if sf.ID != f.ID {
			t.Errorf("CWEs %q: finding id changed", c.in)
		}
	}
}

func TestVCSFor(t *testing.T) {
	hosts := map[string]string{"git.acme.corp": "GitLab", "Code.Example.ORG": "bitbucketdatacenter"}
	cases := []struct {
		url  string
		want string
	}{
		{"https://github.com/acme/app", "GitHub"},
		{"git@github.com:acme/app.git", "GitHub"},
		{"https://gitlab.com/group/sub/app", "GitLab"},
		{"https://bitbucket.org/acme/app", "BitbucketCloud"},
		{"https://dev.azure.com/acme/proj/_git/app", "AzureDevOps"},
		{"git@ssh.dev.azure.com:v3/acme/proj/app", "AzureDevOps"},
		{"https://acme.visualstudio.com/proj/_git/app", "AzureDevOps"},
		{"https://github.acme.com/team/app", "GitHub"},
		{"https://gitlab.acme.com/team/app", "GitLab"},
		{"https://git.acme.corp/team/app", "GitLab"},            // hosts map
		{"ssh://git@git.acme.corp:2222/team/app.git", "GitLab"}, // hosts map, ssh with port
		{"https://code.example.org/x/y", "BitbucketDataCenter"},
		{"https://bitbucket.acme.com/projects/PROJ/repos/app", "BitbucketDataCenter"},
	}
	for _, c := range cases {
		got, err := VCSFor(c.url, hosts)
		if err != nil || got != c.want {
			t.Errorf("VCSFor(%q) = %q, %v; want %q", c.url, got, err, c.want)
		}
	}
	// The hosts map comes first, even for a well-known host.
	if got, _ := VCSFor("https://github.com/a/b", map[string]string{"github.com": "GitLab"}); got != "GitLab" {
		t.Errorf("hosts map not consulted first: %q", got)
	}
	// Without the map, github.com is GitHub.
	if got, _ := VCSFor("https://github.com/a/b", nil); got != "GitHub" {
		t.Errorf("github.com without map: %q", got)
	}

	_, err := VCSFor("https://git.unknown.io/team/app", nil)
	if err == nil || !strings.Contains(err.Error(), `"git.unknown.io"`) || !strings.Contains(err.Error(), "wiz.vcs_hosts") {
		t.Errorf("unknown host error = %v; want it to name the host and wiz.vcs_hosts", err)
	}
	_, err = VCSFor("https://x-token:s3cr3t@git.unknown.io/team/app", nil)
	if err == nil || strings.Contains(err.Error(), "s3cr3t") {
		t.Errorf("error leaks user info or is missing: %v", err)
	}
	if _, err := VCSFor("", nil); err == nil {
		t.Error("empty URL accepted")
	}
	_, err = VCSFor("https://git.acme.corp/a/b", map[string]string{"git.acme.corp": "Gitea"})
	if err == nil || !strings.Contains(err.Error(), "Gitea") || !strings.Contains(err.Error(), "wiz.vcs_hosts") {
		t.Errorf("invalid hosts value: %v", err)
	}
}

func TestOptionsRejectBadVCSHosts(t *testing.T) {
	var sb strings.Builder
	_, err := NewEncoder(&sb, Options{VCSHosts: map[string]string{"git.acme.corp": "SVN"}})
	if err == nil || !strings.Contains(err.Error(), `wiz.vcs_hosts["git.acme.corp"]`) {
		t.Fatalf("bad vcs_hosts value: %v", err)
	}
	if sb.Len() != 0 {
		t.Errorf("encoder wrote %q before failing", sb.String())
	}
	if _, err := NewEncoder(&sb, Options{VCSHosts: map[string]string{"": "GitLab"}}); err == nil {
		t.Error("empty host key accepted")
	}
}

func TestLanguages(t *testing.T) {
	in := []string{"python", "JavaScript", "js", "ts", "typescript", "csharp", "C#", "cpp", "c++", "bash", "sh",
		"shell", "dockerfile", "hcl", "terraform", "yaml", "json", "html", "xml", "ocaml", "php", "ruby",
		"rust", "go", "java", "kotlin", "scala", "swift", "solidity", "lua", "julia", "dart", "lisp", "r",
		"scheme", "apex", "cairo", "elixir", "jsonnet", "clojure", "c", "regex", "generic", "cobol", "", "none"}
	want := []string{"Python", "Javascript", "Typescript", "Csharp", "Cpp", "Sh", "Dockerfile", "Hcl",
		"Terraform", "Yaml", "Json", "Html", "Xml", "Ocaml", "Php", "Ruby", "Rust", "Go", "Java", "Kotlin",
		"Scala", "Swift", "Solidity", "Lua", "Julia", "Dart", "Lisp", "R", "Scheme", "Apex", "Cairo",
		"Elixir", "Jsonnet", "Clojure", "C", "Regex", "Generic"}
	got := languages(in)
	if !slices.Equal(got, want) {
		t.Errorf("languages:\n got %q\nwant %q", got, want)
	}
	for _, w := range got {
		if !inEnum(languageEnum, w) {
			t.Errorf("%q is not in the schema enum", w)
		}
	}
	if got := languages([]string{"cobol"}); got != nil {
		t.Errorf("only unknown languages → %q, want nil (omitted)", got)
	}
	if w, ok := LanguageFor("TypeScript"); !ok || w != "Typescript" {
		t.Errorf("LanguageFor(TypeScript) = %q, %v", w, ok)
	}
}

func TestDescriptionOrder(t *testing.T) {
	f := finding.Finding{
		ID: "sg-1", RuleID: "python.sqli.tainted-sql", RuleName: "Tainted SQL string",
		Severity: finding.SeverityHigh, Path: "app/db.py", StartLine: 42,
		Message: "  User input flows into a SQL string.  ", Confidence: "MEDIUM",
		OWASP: []string{"A03:2021 - Injection", "A01:2017 - Injection"},
	}
	want := "Tainted SQL string (High) in app/db.py:42\n\nUser input flows into a SQL string.\n\n" +
		"Rule: python.sqli.tainted-sql · Confidence: medium · OWASP: A03:2021 - Injection, A01:2017 - Injection"
	if got := MapFinding(&f).Description; got != want {
		t.Errorf("description:\n got %q\nwant %q", got, want)
	}
	// Missing parts leave no dangling separators.
	g := finding.Finding{ID: "x", RuleID: "r", Severity: finding.SeverityLow}
	if got := MapFinding(&g).Description; got != "r (Low)\n\nRule: r" {
		t.Errorf("sparse description = %q", got)
	}
	h := finding.Finding{ID: "x", RuleName: "N", Path: "a.go", Severity: finding.SeverityLow, Confidence: "high"}
	if got := MapFinding(&h).Description; got != "N (Low) in a.go\n\nConfidence: high" {
		t.Errorf("description without line = %q", got)
	}
}

func TestFindingIDs(t *testing.T) {
	repo := testRepo(1)
	main := testFinding(repo, "main", true, 7)
	feat := testFinding(repo, "feature/x", false, 7)
	unknown := testFinding(repo, "", false, 7)
	if got := MapFinding(&main).ID; got != main.ID {
		t.Errorf("default branch id = %q, want %q", got, main.ID)
	}
	if got := MapFinding(&feat).ID; got != main.ID+"@feature/x" {
		t.Errorf("non-default branch id = %q", got)
	}
	if got := MapFinding(&unknown).ID; got != main.ID {
		t.Errorf("unknown branch id = %q", got)
	}
	if got := FindingID("sg-1", "refs/heads/dev", false); got != "sg-1@dev" {
		t.Errorf("FindingID with a ref = %q", got)
	}
}

func TestMapFindingFields(t *testing.T) {
	f := testFinding(testRepo(1), "main", true, 3)
	f.RuleName = ""
	f.StartColumn, f.EndColumn, f.EndLine = 0, -3, 0
	f.Snippet = finding.NotLoggedIn
	f.Link = ""
	f.LineURL = "https://github.com/acme/service-001/blob/abc/src/x.py#L12"
	sf := MapFinding(&f)
	if sf.Name != f.RuleID {
		t.Errorf("name without rule name = %q, want rule id", sf.Name)
	}
	if sf.StartLine != f.StartLine || sf.EndLine != 0 || sf.StartColumn != 0 || sf.EndColumn != 0 {
		t.Errorf("lines/columns = %d %d %d %d", sf.StartLine, sf.EndLine, sf.StartColumn, sf.EndColumn)
	}
	if sf.Snippet != "" {
		t.Errorf("snippet %q sent for a logged-out CLI", sf.Snippet)
	}
	if sf.ExternalFindingLink != f.LineURL {
		t.Errorf("externalFindingLink = %q, want the line URL fallback", sf.ExternalFindingLink)
	}
	if sf.Remediation != "" {
		t.Errorf("remediation = %q, want empty", sf.Remediation)
	}
	if sf.FilePath != f.Path || sf.CommitHash != f.Commit {
		t.Errorf("filePath/commitHash = %q/%q", sf.FilePath, sf.CommitHash)
	}
	b, _ := json.Marshal(sf)
	for _, absent := range []string{`"endLine"`, `"startColumn"`, `"endColumn"`, `"snippet"`, `"remediation"`} {
		if strings.Contains(string(b), absent) {
			t.Errorf("%s present in %s", absent, b)
		}
	}
	f.Link = "https://semgrep.dev/orgs/acme/findings/1"
	if got := MapFinding(&f).ExternalFindingLink; got != f.Link {
		t.Errorf("externalFindingLink = %q, want the Semgrep link", got)
	}
}

func TestCommitURL(t *testing.T) {
	const sha = "4f2a9c1d0b7e6a5f3c2d1e0f9a8b7c6d5e4f3a2b"
	cases := []struct {
		url, commit, want string
	}{
		{"https://github.com/acme/app", sha, "https://github.com/acme/app/commit/" + sha},
		{"git@github.com:acme/app.git", sha, "https://github.com/acme/app/commit/" + sha},
		{"https://github.com/acme/app.git/", sha, "https://github.com/acme/app/commit/" + sha},
		{"https://gitlab.com/group/app", sha, "https://gitlab.com/group/app/-/commit/" + sha},
		{"https://gitlab.acme.com/group/app", "abc1234", "https://gitlab.acme.com/group/app/-/commit/abc1234"},
		{"https://bitbucket.org/acme/app", sha, ""},
		{"https://github.com/acme/app", "", ""},
		{"https://github.com/acme/app", "not-a-sha; rm -rf", ""},
		{"", sha, ""},
	}
	for _, c := range cases {
		f := finding.Finding{ID: "x", RuleID: "r", Repo: finding.Repository{URL: c.url}, Commit: c.commit}
		if got := MapFinding(&f).CommitURL; got != c.want {
			t.Errorf("commitURL(%q, %q) = %q, want %q", c.url, c.commit, got, c.want)
		}
	}
}

func TestRepositoryWebURL(t *testing.T) {
	cases := []struct{ in, vcs, want string }{
		{"https://github.com/acme/app", "GitHub", "https://github.com/acme/app"},
		{"https://GitHub.com/acme/app.git/", "GitHub", "https://github.com/acme/app"},
		{"git@github.com:acme/app.git", "GitHub", "https://github.com/acme/app"},
		{"ssh://git@gitlab.acme.com:2222/group/app.git", "GitLab", "https://gitlab.acme.com/group/app"},
		{"https://x-access-token:ghs_secret@github.com/acme/app.git?x=1#f", "GitHub", "https://github.com/acme/app"},
		{"http://git.local:8080/team/app", "GitLab", "http://git.local:8080/team/app"},
		{"github.com/acme/app", "GitHub", "https://github.com/acme/app"},
		{"https://bb.acme.com/scm/proj/app.git", "BitbucketDataCenter", "https://bb.acme.com/projects/PROJ/repos/app"},
		{"ssh://git@bb.acme.com:7999/proj/app.git", "BitbucketDataCenter", "https://bb.acme.com/proj/app"},
		{"https://bb.acme.com/scm/~jane/app.git", "BitbucketDataCenter", "https://bb.acme.com/users/jane/repos/app"},
		{"https://bb.acme.com/projects/PROJ/repos/app", "BitbucketDataCenter", "https://bb.acme.com/projects/PROJ/repos/app"},
		{"", "GitHub", ""},
		{"https://github.com/", "GitHub", ""},
	}
	for _, c := range cases {
		if got := RepositoryWebURL(c.in, c.vcs); got != c.want {
			t.Errorf("RepositoryWebURL(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestMapAsset(t *testing.T) {
	repo := finding.Repository{Name: "acme/app", URL: "git@github.com:acme/app.git", Deployment: "acme"}
	rb, err := MapAsset(AssetInput{Repo: repo, Branch: "refs/heads/release/1.2"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	isDefault := false
	want := RepositoryBranch{
		AssetID:    "semgrep:github.com/acme/app@release/1.2",
		AssetName:  "acme/app:release/1.2",
		BranchName: "release/1.2",
		IsDefault:  &isDefault,
		Repository: Repository{Name: "acme/app", URL: "https://github.com/acme/app"},
		VCS:        "GitHub",
	}
	if !reflect.DeepEqual(rb, want) {
		t.Errorf("MapAsset:\n got %+v\nwant %+v", rb, want)
	}
	if rb.AssetID != AssetID(repo, "release/1.2") {
		t.Errorf("AssetID disagrees with MapAsset")
	}
	b, _ := json.Marshal(rb)
	if err := validateJSON("/$defs/repositoryBranch", b); err != nil {
		t.Errorf("mapped repositoryBranch invalid: %v", err)
	}

	// Name falls back to the URL path; an explicit VCS wins over the host.
	rb, err = MapAsset(AssetInput{Repo: finding.Repository{URL: "https://git.acme.corp/team/app"}, Branch: "main", IsDefault: true, VCS: "gitlab"}, nil)
	if err != nil || rb.Repository.Name != "team/app" || rb.AssetName != "team/app:main" || rb.VCS != "GitLab" || !*rb.IsDefault {
		t.Errorf("fallbacks: %+v, %v", rb, err)
	}

	for name, a := range map[string]AssetInput{
		"no branch":   {Repo: repo},
		"unknown vcs": {Repo: finding.Repository{Name: "x", URL: "https://git.unknown.io/x"}, Branch: "main"},
		"bad vcs":     {Repo: repo, Branch: "main", VCS: "Gitea"},
		"no url":      {Repo: finding.Repository{Name: "x"}, Branch: "main", VCS: "GitHub"},
	} {
		if _, err := MapAsset(a, nil); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
