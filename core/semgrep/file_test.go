package semgrep

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/semgrep-wiz/semgrep-wiz/core/finding"
)

// samplesDir finds ../shared/samples/semgrep next to the repository root
// (the directory holding go.mod), or skips the test.
func samplesDir(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Skip("no working directory")
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("go.mod not found above the test directory")
		}
		dir = parent
	}
	s := filepath.Join(dir, "..", "shared", "samples", "semgrep")
	if fi, err := os.Stat(s); err != nil || !fi.IsDir() {
		t.Skipf("samples folder %s not present", s)
	}
	return s
}

func sample(t *testing.T, name string) string {
	t.Helper()
	p := filepath.Join(samplesDir(t), name)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("sample %s not present", name)
	}
	return p
}

func readSample(t *testing.T, name string) *FileResult {
	t.Helper()
	res, err := ReadFile(sample(t, name), FileOptions{RepoURL: "https://github.com/juice-shop/juice-shop.git", Branch: "refs/heads/master", Commit: "24a78e54"})
	if err != nil {
		t.Fatalf("ReadFile(%s): %v", name, err)
	}
	return res
}

// TestEverySample reads every file in the samples folder: each is either
// read or rejected with a one-line error naming the file.
func TestEverySample(t *testing.T) {
	dir := samplesDir(t)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	read := 0
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		p := filepath.Join(dir, e.Name())
		t.Run(e.Name(), func(t *testing.T) {
			res, err := ReadFile(p, FileOptions{RepoURL: "https://github.com/acme/app"})
			isFindings := strings.HasPrefix(e.Name(), "cli-json--") || strings.HasPrefix(e.Name(), "sarif--")
			if err != nil {
				msg := err.Error()
				if strings.Contains(msg, "\n") || !strings.Contains(msg, e.Name()) {
					t.Errorf("error is not one line naming the file: %q", msg)
				}
				if isFindings {
					t.Errorf("a CLI findings file was rejected: %v", err)
				}
				if strings.HasPrefix(e.Name(), "api-v1-") && !strings.Contains(msg, "looks like a Semgrep API response") {
					t.Errorf("API response not recognised as such: %v", err)
				}
				return
			}
			if !isFindings {
				t.Errorf("%s is not a CLI findings file but was read (%d findings)", e.Name(), len(res.Findings))
			}
			read++
			ids := map[string]bool{}
			for i, f := range res.Findings {
				if f.ID == "" || ids[f.ID] {
					t.Errorf("finding %d: empty or duplicate id %q", i, f.ID)
				}
				ids[f.ID] = true
				if f.MatchBasedID == finding.NotLoggedIn || f.Snippet == finding.NotLoggedIn {
					t.Errorf("finding %d uses %q as data", i, finding.NotLoggedIn)
				}
				if f.RuleID == "" || f.SourceFile != p || f.Repo.Name != "acme/app" {
					t.Errorf("finding %d incomplete: %+v", i, f)
				}
				if f.Source != finding.SourceJSON && f.Source != finding.SourceSARIF {
					t.Errorf("finding %d source %q", i, f.Source)
				}
			}
		})
	}
	if read == 0 {
		t.Error("no sample was read")
	}
}

func count[T any](xs []T, pred func(T) bool) int {
	n := 0
	for _, x := range xs {
		if pred(x) {
			n++
		}
	}
	return n
}

func sevCount(fs []finding.Finding) map[finding.Severity]int {
	m := map[finding.Severity]int{}
	for _, f := range fs {
		m[f.Severity]++
	}
	return m
}

func TestSampleFacts(t *testing.T) {
	t.Run("v1.154.0 not logged in", func(t *testing.T) {
		res := readSample(t, "cli-json--v1.154.0-requires-login-juice-shop.json")
		if res.Format != FormatJSON || res.ToolVersion != "1.154.0" || len(res.Findings) != 25 || res.ScanErrors != 35 {
			t.Fatalf("got format %s version %s, %d findings, %d errors", res.Format, res.ToolVersion, len(res.Findings), res.ScanErrors)
		}
		sev := sevCount(res.Findings)
		if sev[finding.SeverityMedium] != 18 || sev[finding.SeverityHigh] != 7 {
			t.Errorf("severities %v, want 18 medium (WARNING) and 7 high (ERROR)", sev)
		}
		f := res.Findings[0]
		if f.MatchBasedID != "" || f.Snippet != "" {
			t.Errorf("requires login used as data: %q %q", f.MatchBasedID, f.Snippet)
		}
		if f.RuleID != "javascript.sequelize.security.audit.sequelize-injection-express.express-sequelize-injection" ||
			f.Path != "data/static/codefixes/dbSchemaChallenge_1.ts" || f.StartLine != 5 || f.StartColumn != 28 || f.EndColumn != 162 {
			t.Errorf("first finding: %+v", f)
		}
		if strings.Join(f.CWEs, ",") != "CWE-89" || f.Confidence != "high" || f.Category != "security" ||
			f.Link != "https://semgrep.dev/r/javascript.sequelize.security.audit.sequelize-injection-express.express-sequelize-injection" {
			t.Errorf("metadata: cwes %v conf %q cat %q link %q", f.CWEs, f.Confidence, f.Category, f.Link)
		}
		if len(f.OWASP) != 3 || f.OWASP[1] != "A03:2021 - Injection" {
			t.Errorf("owasp %v", f.OWASP)
		}
		if len(f.Languages) != 1 || f.Languages[0] != "typescript" {
			t.Errorf("languages %v (technology is express, the file is .ts)", f.Languages)
		}
		if f.Repo.Name != "juice-shop/juice-shop" || f.Branch != "master" || f.Ref != "refs/heads/master" || f.Commit != "24a78e54" || f.Status != "open" {
			t.Errorf("options not applied: %+v", f.Repo)
		}
		// Four matches of one rule in server.ts: identical keys, distinct ids.
		ids := map[string]bool{}
		for _, f := range res.Findings {
			if f.Path == "server.ts" && strings.HasSuffix(f.RuleID, "express-check-directory-listing") {
				ids[f.ID] = true
			}
		}
		if len(ids) != 4 {
			t.Errorf("4 matches of one rule in server.ts got %d distinct ids", len(ids))
		}
	})
	t.Run("v1.67.0 pro sca secrets engine_kind array", func(t *testing.T) {
		res := readSample(t, "cli-json--v1.67.0-pro-sca-secrets-170-results-32-errors--semgrep-utilities.json")
		if len(res.Findings) != 170 || res.ScanErrors != 32 {
			t.Fatalf("%d findings, %d errors", len(res.Findings), res.ScanErrors)
		}
		byProduct := map[finding.Product]int{}
		for _, f := range res.Findings {
			byProduct[f.Product]++
		}
		if byProduct[finding.ProductSAST] != 115 || byProduct[finding.ProductSCA] != 54 || byProduct[finding.ProductSecrets] != 1 {
			t.Errorf("products %v", byProduct)
		}
		if n := count(res.Findings, func(f finding.Finding) bool { return len(f.MatchBasedID) == 130 }); n != 170 {
			t.Errorf("%d of 170 logged-in fingerprints kept", n)
		}
	})
	t.Run("v1.59.0 cwe as string and two-digit index", func(t *testing.T) {
		res := readSample(t, "cli-json--v1.59.0-large-incompatible-rule-errors-fixes--semgrep-utilities.json")
		if len(res.Findings) != 168 || res.ScanErrors != 70 || res.ToolVersion != "1.59.0" {
			t.Fatalf("%d findings, %d errors, %q", len(res.Findings), res.ScanErrors, res.ToolVersion)
		}
		sev := sevCount(res.Findings)
		if sev[finding.SeverityMedium] != 103 || sev[finding.SeverityHigh] != 62 || sev[finding.SeverityLow] != 3 {
			t.Errorf("severities %v", sev)
		}
		csrf := 0
		for _, f := range res.Findings {
			if strings.HasSuffix(f.RuleID, "django-no-csrf-token") {
				csrf++
				if strings.Join(f.CWEs, ",") != "CWE-352" {
					t.Errorf("cwe given as a string: %v", f.CWEs)
				}
			}
		}
		if csrf == 0 {
			t.Error("django-no-csrf-token (cwe as string) not found")
		}
		if n := count(res.Findings, func(f finding.Finding) bool { return strings.HasSuffix(f.MatchBasedID, "_10") }); n != 1 {
			t.Errorf("%d fingerprints ending _10, want 1", n)
		}
	})
	t.Run("v1.84.1 LOW and absolute paths", func(t *testing.T) {
		res := readSample(t, "cli-json--v1.84.1-LOW-severity-absolute-paths--defectdojo.json")
		if len(res.Findings) != 3 || sevCount(res.Findings)[finding.SeverityLow] != 3 {
			t.Fatalf("%d findings, %v", len(res.Findings), sevCount(res.Findings))
		}
		for _, f := range res.Findings {
			if !strings.HasPrefix(f.Path, "/Users/user.example/") || len(f.Languages) != 0 {
				t.Errorf("absolute path not kept or twig given a language: %q %v", f.Path, f.Languages)
			}
		}
	})
	t.Run("v0.96.0 INFO and 32-hex fingerprint", func(t *testing.T) {
		res := readSample(t, "cli-json--v0.96.0-INFO-32hex-fingerprint--defectdojo.json")
		f := res.Findings[0]
		if f.Severity != finding.SeverityLow || len(f.MatchBasedID) != 32 || len(f.CWEs) == 0 {
			t.Errorf("%v %q %v", f.Severity, f.MatchBasedID, f.CWEs)
		}
	})
	t.Run("legacy without version or fingerprint", func(t *testing.T) {
		res := readSample(t, "cli-json--no-version-legacy-48-results--defectdojo.json")
		if len(res.Findings) != 48 || res.ToolVersion != "" {
			t.Fatalf("%d findings, version %q", len(res.Findings), res.ToolVersion)
		}
		sev := sevCount(res.Findings)
		if sev[finding.SeverityMedium] != 35 || sev[finding.SeverityHigh] != 13 {
			t.Errorf("severities %v", sev)
		}
		if n := count(res.Findings, func(f finding.Finding) bool { return len(f.CWEs) == 1 }); n != 44 {
			t.Errorf("%d findings with a CWE from a string, want 44", n)
		}
	})
	t.Run("CRITICAL with empty metadata and masked fingerprint", func(t *testing.T) {
		res := readSample(t, "cli-json--snapshot-CRITICAL-severity-empty-metadata--semgrep.json")
		f := res.Findings[0]
		if f.Severity != finding.SeverityCritical || f.MatchBasedID != "" || f.CWEs != nil || f.Snippet != "print(1 == 1)" ||
			f.StartColumn != 1 || f.EndColumn != 14 || f.RuleName != "Critical" {
			t.Errorf("%+v", f)
		}
	})
	t.Run("unicode escapes", func(t *testing.T) {
		res := readSample(t, "cli-json--snapshot-unicode-lines-escaped--semgrep.json")
		if len(res.Findings) != 3 || res.Findings[0].Snippet != "😊 (smiley)" || res.Findings[2].Snippet != "<βγδ> (Greek letters)" {
			t.Errorf("snippets: %q", []string{res.Findings[0].Snippet, res.Findings[2].Snippet})
		}
		ids := map[string]bool{}
		for _, f := range res.Findings {
			ids[f.ID] = true
		}
		if len(ids) != 3 {
			t.Errorf("three matches share ids: %v", ids)
		}
	})
	t.Run("secrets with huge columns", func(t *testing.T) {
		res := readSample(t, "cli-json--v1.33.2-secrets-rule-huge-columns--defectdojo.json")
		f := res.Findings[0]
		if f.StartColumn != 37650 || f.EndColumn != 38431 || f.Path != "/somedir/somefile.js" || f.Severity != finding.SeverityHigh {
			t.Errorf("%+v", f)
		}
	})
	t.Run("errors only", func(t *testing.T) {
		res := readSample(t, "cli-json--snapshot-timeout-error-no-results--semgrep.json")
		if len(res.Findings) != 0 || res.ScanErrors != 1 {
			t.Errorf("%d findings, %d errors", len(res.Findings), res.ScanErrors)
		}
	})
	t.Run("SARIF juice shop", func(t *testing.T) {
		res := readSample(t, "sarif--v1.154.0-large-requires-login-notifications-juice-shop.sarif")
		if res.Format != FormatSARIF || len(res.Findings) != 40 || res.Rules != 1063 || res.ScanErrors != 40 || res.ToolVersion != "1.154.0" {
			t.Fatalf("%s: %d findings, %d rules, %d errors, %q", res.Format, len(res.Findings), res.Rules, res.ScanErrors, res.ToolVersion)
		}
		sev := sevCount(res.Findings)
		if sev[finding.SeverityMedium] != 23 || sev[finding.SeverityHigh] != 14 || sev[finding.SeverityLow] != 3 {
			t.Errorf("severities from rule levels: %v", sev)
		}
		f := res.Findings[0]
		if f.MatchBasedID != "" || !strings.Contains(f.Snippet, "models.sequelize.query") || f.Path != "data/static/codefixes/dbSchemaChallenge_1.ts" ||
			f.StartLine != 5 || f.StartColumn != 28 || len(f.CWEs) != 1 || f.Confidence != "high" {
			t.Errorf("first: %+v", f)
		}
		if !strings.HasPrefix(f.Link, "https://semgrep.dev/r/") {
			t.Errorf("link %q", f.Link)
		}
	})
	t.Run("SARIF security-severity words", func(t *testing.T) {
		res := readSample(t, "sarif--v1.69.0-gitlab-rules-string-security-severity--defectdojo.sarif")
		if len(res.Findings) != 77 || res.Rules != 17 || res.ScanErrors != 31 {
			t.Fatalf("%d findings, %d rules, %d errors", len(res.Findings), res.Rules, res.ScanErrors)
		}
		sev := sevCount(res.Findings)
		// The level says error/warning; the words say CRITICAL/HIGH/MEDIUM.
		if sev[finding.SeverityCritical] != 34 || sev[finding.SeverityHigh] != 1 || sev[finding.SeverityMedium] != 42 {
			t.Errorf("severities %v", sev)
		}
		if n := count(res.Findings, func(f finding.Finding) bool { return len(f.MatchBasedID) == 130 }); n != 77 {
			t.Errorf("%d real matchBasedId/v1 kept", n)
		}
		// The name comes from the rule id, as for JSON, not from the
		// shortDescription (old CLIs put the whole message there).
		if f := res.Findings[0]; f.RuleName != "Javascript pathtraversal rule non literal fs filename" || f.Message == "" || f.Message == f.RuleName {
			t.Errorf("rule name %q, message %q", f.RuleName, f.Message)
		}
	})
	t.Run("SARIF errors only", func(t *testing.T) {
		res := readSample(t, "sarif--snapshot-errors-no-results--semgrep.sarif")
		if len(res.Findings) != 0 || res.Rules != 0 || res.ScanErrors != 1 || res.ToolVersion != "placeholder" {
			t.Errorf("%+v", res)
		}
	})
	t.Run("SARIF codeflows", func(t *testing.T) {
		res := readSample(t, "sarif--snapshot-dataflow-codeflows--semgrep.sarif")
		f := res.Findings[0]
		if f.Path != "targets/taint/taint.py" || f.StartLine != 9 || f.StartColumn != 5 || f.Severity != finding.SeverityMedium ||
			f.Snippet != "    sink1(b)" || f.RuleName != "Classic" || len(f.MatchBasedID) != 130 || f.Languages[0] != "python" {
			t.Errorf("%+v", f)
		}
	})
}

// sarifSampleWith loads a SARIF sample and lets the test change its first
// result.
func sarifSampleWith(t *testing.T, name string, change func(results []any)) []byte {
	t.Helper()
	data, err := os.ReadFile(sample(t, name))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	run := doc["runs"].([]any)[0].(map[string]any)
	change(run["results"].([]any))
	out, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestSARIFSuppressionsAndLevels(t *testing.T) {
	// No sample has suppressions; nosemgrep in SARIF looks like this.
	data := sarifSampleWith(t, "sarif--v1.69.0-gitlab-rules-string-security-severity--defectdojo.sarif", func(rs []any) {
		rs[0].(map[string]any)["suppressions"] = []any{map[string]any{"kind": "inSource"}}
		rs[1].(map[string]any)["suppressions"] = []any{map[string]any{"kind": "external", "status": "rejected"}}
		rs[2].(map[string]any)["level"] = "note"
	})
	res, err := Read(bytes.NewReader(data), "s.sarif", FileOptions{RepoURL: "https://gitlab.com/g/juice"})
	if err != nil {
		t.Fatal(err)
	}
	f0, f1, f2 := res.Findings[0], res.Findings[1], res.Findings[2]
	if !f0.Suppressed || f0.Status != "ignored" {
		t.Errorf("suppressed result: %v %q", f0.Suppressed, f0.Status)
	}
	if f1.Suppressed || f1.Status != "open" {
		t.Errorf("rejected suppression counted: %v %q", f1.Suppressed, f1.Status)
	}
	if f2.Severity != finding.SeverityLow {
		t.Errorf("result level did not override the rule: %v", f2.Severity)
	}
	if n := count(res.Findings, func(f finding.Finding) bool { return f.Suppressed }); n != 1 {
		t.Errorf("%d suppressed", n)
	}
}

func TestJSONIsIgnored(t *testing.T) {
	in := `{"results": [{"check_id": "r.x", "path": "a.py", "start": {"line": 1, "col": 1}, "end": {"line": 1, "col": 5},
		"extra": {"message": "m", "severity": "ERROR", "is_ignored": true, "engine_kind": ["PRO_REQUIRED", {"interproc_taint": true}],
		"metadata": {"cwe": "CWE-79: XSS", "owasp": "A03:2021 - Injection", "technology": "flask"}}}], "errors": [{"type": ["PartialParsing", []]}, {"type": "Timeout"}]}`
	res, err := Read(strings.NewReader(in), "x.json", FileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	f := res.Findings[0]
	if !f.Suppressed || f.Status != "ignored" || strings.Join(f.CWEs, ",") != "CWE-79" || strings.Join(f.OWASP, ",") != "A03:2021 - Injection" || res.ScanErrors != 2 {
		t.Errorf("%+v errors=%d", f, res.ScanErrors)
	}
}

// cliDoc builds a minimal not-logged-in CLI document from matches
// (rule, path, line, message).
func cliDoc(matches ...[4]any) []byte {
	var rs []map[string]any
	for _, m := range matches {
		rs = append(rs, map[string]any{
			"check_id": m[0], "path": m[1],
			"start": map[string]any{"line": m[2], "col": 5, "offset": 0},
			"end":   map[string]any{"line": m[2], "col": 30, "offset": 0},
			"extra": map[string]any{"message": m[3], "severity": "ERROR", "metadata": map[string]any{},
				"fingerprint": "requires login", "lines": "requires login"},
		})
	}
	b, _ := json.Marshal(map[string]any{"version": "1.154.0", "results": rs, "errors": []any{}})
	return b
}

func TestDerivedIDs(t *testing.T) {
	const rule = "javascript.express.security.audit.express-check-directory-listing.express-check-directory-listing"
	read := func(doc []byte) []finding.Finding {
		t.Helper()
		res, err := Read(bytes.NewReader(doc), "f.json", FileOptions{RepoURL: "https://github.com/a/b"})
		if err != nil {
			t.Fatal(err)
		}
		return res.Findings
	}
	before := read(cliDoc(
		[4]any{rule, "server.ts", 10, "Directory listing/indexing is enabled"},
		[4]any{rule, "server.ts", 40, "Directory listing/indexing is enabled"},
		[4]any{"r.other", "server.ts", 12, "something else"},
	))
	if before[0].ID == before[1].ID {
		t.Fatal("two identical matches in one file share an id")
	}
	// Insert 25 lines above everything: every match moves down.
	after := read(cliDoc(
		[4]any{"r.other", "server.ts", 37, "something else"},
		[4]any{rule, "server.ts", 35, "Directory listing/indexing is enabled"},
		[4]any{rule, "server.ts", 65, "Directory listing/indexing is enabled"},
	))
	if before[0].ID != after[1].ID || before[1].ID != after[2].ID || before[2].ID != after[0].ID {
		t.Errorf("moving matches down changed ids:\nbefore %s %s %s\nafter  %s %s %s",
			before[0].ID, before[1].ID, before[2].ID, after[1].ID, after[2].ID, after[0].ID)
	}
}

func TestReadErrors(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty.json", "", "file is empty"},
		{"ws.json", " \n\t", "file is empty"},
		{"array.json", "[1,2]", "top level is an array"},
		{"str.json", `"results"`, "top level is a string"},
		{"none.json", `{"foo": 1}`, `no "results" array`},
		{"api.json", `{"findings": []}`, "looks like a Semgrep API response"},
		{"wrapped.json", `{"sastFindings": {"findings": []}}`, "looks like a Semgrep API response"},
		{"deps.json", `{"deployments": []}`, "looks like a Semgrep API response"},
		{"bad.json", "{\n\"results\": [\n  {,}\n]}", "line 3: invalid JSON"},
		{"trunc.json", `{"results": [{"check_id": "x"`, "truncated"},
		{"results-obj.json", `{"results": {}}`, `"results" is not an array`},
		{"results-null.json", `{"results": [null]}`, `results[0]: no "check_id"`},
		{"noid.json", `{"results": [{"path": "a"}]}`, `results[0]: no "check_id"`},
		{"nopath.json", `{"results": [{"check_id": "a"}]}`, `results[0]: no "path"`},
		{"typed.json", `{"results": [{"check_id": "a", "path": "b", "start": {"line": "three"}}]}`, `results[0]: field "start.line"`},
		{"num-id.json", `{"results": [{"check_id": 7, "path": "b"}]}`, `results[0]: field "check_id"`},
		{"sarif1.json", `{"version": "1.0.0", "runs": []}`, `SARIF version "1.0.0" is not supported`},
		{"runs.json", `{"runs": []}`, "not SARIF 2.1.0"},
		{"runs-obj.sarif", `{"version": "2.1.0", "runs": {}}`, `"runs" is not an array`},
		{"rules.sarif", `{"version": "2.1.0", "runs": [{"tool": {"driver": {"rules": [{"id": 5}]}}}]}`, "runs[0]:"},
		{"res.sarif", `{"version": "2.1.0", "runs": [{"results": [{"ruleId": ["x"]}]}]}`, "runs[0].results[0]:"},
		{"binary.bin", "\x00\x01\x02garbage", "the content is not JSON"},
		{"notes.md", "# Title\n", "not a Semgrep JSON or SARIF file"},
		{"num.json", "12", "not a Semgrep JSON or SARIF file"},
	}
	for _, tt := range tests {
		_, err := Read(strings.NewReader(tt.in), tt.name, FileOptions{})
		if err == nil {
			t.Errorf("%s: no error", tt.name)
			continue
		}
		msg := err.Error()
		if !strings.HasPrefix(msg, "reading "+tt.name+": ") || !strings.Contains(msg, tt.want) || strings.Contains(msg, "\n") {
			t.Errorf("%s: error %q, want one line naming the file and containing %q", tt.name, msg, tt.want)
		}
	}
}

func TestReadTolerates(t *testing.T) {
	// Odd-but-valid documents are read, not rejected.
	docs := map[string]string{
		"bom.json":          "\xef\xbb\xbf{\"results\": [], \"errors\": []}",
		"errors-odd.json":   `{"results": [], "errors": "nope"}`,
		"meta-list.json":    `{"results": [{"check_id": "a", "path": "b", "extra": {"metadata": [1, 2], "fingerprint": 5, "lines": null}}]}`,
		"sarif-min.sarif":   `{"$schema": "https://json.schemastore.org/sarif-2.1.0.json", "runs": [{"results": [{"message": {}}]}]}`,
		"sarif-index.sarif": `{"version": "2.1.0", "runs": [{"tool": {"driver": {"rules": [{"id": "r1", "defaultConfiguration": {"level": "error"}}]}}, "results": [{"ruleIndex": 0, "locations": [{"physicalLocation": {"artifactLocation": {"uri": "file:///src/my%20file.py"}, "region": {"startLine": 3}}}]}]}]}`,
	}
	for name, in := range docs {
		res, err := Read(strings.NewReader(in), name, FileOptions{})
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if name == "sarif-index.sarif" {
			f := res.Findings[0]
			if f.RuleID != "" || f.Severity != finding.SeverityHigh || f.Path != "/src/my file.py" || f.EndLine != 3 {
				t.Errorf("rule by index / uri decoding: %+v", f)
			}
		}
	}
}

func TestFileSizeLimit(t *testing.T) {
	old := maxFileSize
	maxFileSize = 64
	defer func() { maxFileSize = old }()
	p := filepath.Join(t.TempDir(), "big.json")
	if err := os.WriteFile(p, bytes.Repeat([]byte(" "), 200), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := ReadFile(p, FileOptions{})
	if err == nil || !strings.Contains(err.Error(), "over the 64 bytes limit") || !strings.Contains(err.Error(), "big.json") {
		t.Errorf("ReadFile: %v", err)
	}
	_, err = Read(bytes.NewReader(make([]byte, 100)), "pipe", FileOptions{})
	if err == nil || !strings.Contains(err.Error(), "reading pipe: file is over the 64 bytes limit") {
		t.Errorf("Read: %v", err)
	}
	if _, err := ReadFile(filepath.Join(t.TempDir(), "missing.json"), FileOptions{}); err == nil || !strings.Contains(err.Error(), "missing.json: file not found") {
		t.Errorf("missing: %v", err)
	}
	if _, err := ReadFile(t.TempDir(), FileOptions{}); err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Errorf("dir: %v", err)
	}
	if !strings.Contains(mib(600<<20), "600 MiB") {
		t.Error(mib(600 << 20))
	}
}

func TestRepoNameFromURL(t *testing.T) {
	tests := map[FileOptions]string{
		{RepoURL: "https://github.com/acme/app.git"}:               "acme/app",
		{RepoURL: "git@gitlab.com:group/sub/project.git"}:          "sub/project",
		{RepoURL: "https://github.com/acme/app", RepoName: "mine"}: "mine",
		{RepoURL: "https://host/solo"}:                             "solo",
		{}:                                                         "",
	}
	for o, want := range tests {
		if got := o.repoName(); got != want {
			t.Errorf("repoName(%+v) = %q, want %q", o, got, want)
		}
	}
}
