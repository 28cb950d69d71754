package wizschema

import (
	"fmt"
	"time"

	"github.com/semgrep-wiz/semgrep-wiz/core/finding"
)

var testDate = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

func testRepo(i int) finding.Repository {
	return finding.Repository{
		Name:       fmt.Sprintf("acme/service-%03d", i),
		URL:        fmt.Sprintf("https://github.com/acme/service-%03d", i),
		Deployment: "acme",
		ID:         int64(1000 + i),
	}
}

var testRules = []struct {
	id, name, msg, lang, cwe, owasp string
	sev                             finding.Severity
}{
	{"python.lang.security.audit.formatted-sql-query.formatted-sql-query", "Tainted SQL string",
		"A SQL query is built by string formatting; bind the values as parameters instead.", "python",
		"CWE-89: Improper Neutralization of Special Elements used in an SQL Command ('SQL Injection')", "A03:2021 - Injection", finding.SeverityHigh},
	{"javascript.express.security.audit.xss.direct-response-write", "Direct response write",
		"Request data is written straight into the response without HTML escaping, which lets a crafted request inject script into the page.", "javascript",
		"CWE-79", "A07:2017 - Cross-Site Scripting (XSS)", finding.SeverityCritical},
	{"go.lang.security.audit.crypto.use_of_weak_crypto.use-of-md5", "Use of MD5",
		"MD5 is used for hashing; collisions in MD5 are cheap to produce, so pick SHA-256 or better.", "go",
		"CWE-328", "A02:2021 - Cryptographic Failures", finding.SeverityMedium},
	{"java.lang.security.audit.xxe.documentbuilderfactory-disallow-doctype-decl-missing", "XXE in DocumentBuilderFactory",
		"The XML parser still accepts DOCTYPE declarations, so a document can pull in external entities.", "java",
		"CWE-611", "A04:2017 - XML External Entities (XXE)", finding.SeverityLow},
}

// testFinding builds a realistic finding: rule i%len(testRules), on the
// given branch, with a stable id.
func testFinding(repo finding.Repository, branch string, isDefault bool, i int) finding.Finding {
	r := testRules[i%len(testRules)]
	return finding.Finding{
		ID:              fmt.Sprintf("sg-%032x", i),
		Source:          finding.SourceAPI,
		Product:         finding.ProductSAST,
		Repo:            repo,
		Ref:             "refs/heads/" + branch,
		Branch:          branch,
		IsDefaultBranch: isDefault,
		Severity:        r.sev,
		Confidence:      "MEDIUM",
		RuleID:          r.id,
		RuleName:        r.name,
		Message:         r.msg,
		CWEs:            []string{mustCWE(r.cwe)},
		OWASP:           []string{r.owasp},
		Category:        "security",
		Path:            fmt.Sprintf("src/module%d/file%d.%s", i%17, i, r.lang),
		StartLine:       10 + i%300,
		EndLine:         12 + i%300,
		StartColumn:     5,
		EndColumn:       42,
		Commit:          "4f2a9c1d0b7e6a5f3c2d1e0f9a8b7c6d5e4f3a2b",
		Link:            fmt.Sprintf("https://semgrep.dev/orgs/acme/findings/%d", 500000+i),
		Languages:       []string{r.lang},
		Snippet:         `cursor.execute("SELECT * FROM users WHERE id = %s" % user_id)`,
		Status:          "open",
		PlatformID:      fmt.Sprint(500000 + i),
	}
}

func mustCWE(s string) string {
	c, ok := finding.NormalizeCWE(s)
	if !ok {
		panic("bad test CWE " + s)
	}
	return c
}

// testSources builds nSources repositories, each with a default branch
// holding most findings and a feature branch holding the rest.
func testSources(nSources, perSource int) []SourceInput {
	out := make([]SourceInput, 0, nSources)
	k := 0
	for s := 0; s < nSources; s++ {
		repo := testRepo(s)
		nMain := perSource * 4 / 5
		main := make([]finding.Finding, 0, nMain)
		for i := 0; i < nMain; i++ {
			main = append(main, testFinding(repo, "main", true, k))
			k++
		}
		feat := make([]finding.Finding, 0, perSource-nMain)
		for i := nMain; i < perSource; i++ {
			feat = append(feat, testFinding(repo, "feature/login", false, k))
			k++
		}
		out = append(out, SourceInput{
			ID: finding.DataSourceID(repo),
			Assets: []AssetWithFindings{
				{Asset: AssetInput{Repo: repo, Branch: "main", IsDefault: true}, Findings: main},
				{Asset: AssetInput{Repo: repo, Branch: "feature/login"}, Findings: feat},
			},
		})
	}
	return out
}
