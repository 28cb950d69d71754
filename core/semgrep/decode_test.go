package semgrep

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/semgrep-wiz/semgrep-wiz/core/finding"
)

func decodeSample(t *testing.T, name string) []finding.Finding {
	t.Helper()
	f, err := os.Open(sample(t, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fs, err := DecodeFindingsPage(f, "acme", "https://semgrep.dev")
	if err != nil {
		t.Fatalf("DecodeFindingsPage(%s): %v", name, err)
	}
	return fs
}

func TestDecodeRealCapture(t *testing.T) {
	fs := decodeSample(t, "api-v1-findings--sast-real-capture--openctx.json")
	if len(fs) != 1 {
		t.Fatalf("%d findings", len(fs))
	}
	f := fs[0]
	checks := []struct {
		name      string
		got, want any
	}{
		{"source", f.Source, finding.SourceAPI},
		{"product", f.Product, finding.ProductSAST},
		{"platform id", f.PlatformID, "67557107"},
		{"ref", f.Ref, "main"},
		{"branch", f.Branch, "main"},
		{"severity", f.Severity, finding.SeverityHigh},
		{"confidence", f.Confidence, "low"},
		{"rule id", f.RuleID, "javascript.browser.security.insecure-document-method.insecure-document-method"},
		{"rule name", f.RuleName, "Insecure document method"},
		{"cwes", strings.Join(f.CWEs, ","), "CWE-79"},
		{"owasp", strings.Join(f.OWASP, "|"), "A07:2017 - Cross-Site Scripting (XSS)|A03:2021 - Injection"},
		{"category", f.Category, "security"},
		{"path", f.Path, "lib/ui-standalone/src/chip/Chip.ts"},
		{"lines", [4]int{f.StartLine, f.StartColumn, f.EndLine, f.EndColumn}, [4]int{26, 13, 26, 52}},
		{"commit", f.Commit, "49bfa64b7444200659298b9787b2d5b8b0a93ad3"},
		{"link", f.Link, "https://semgrep.dev/orgs/acme/findings/67557107"},
		{"status derived (no status field)", f.Status, "open"},
		{"scan", f.ScanID, "26398574"},
		{"repo", f.Repo, finding.Repository{Name: "opencodegraph", URL: "https://github.com/sourcegraph/opencodegraph", Deployment: "acme"}},
		{"first seen", f.FirstSeen, time.Date(2024, 5, 28, 6, 38, 54, 962941000, time.UTC)},
		{"relevant since", f.RelevantSince, time.Date(2024, 5, 28, 6, 38, 54, 960146000, time.UTC)},
		{"language", strings.Join(f.Languages, ","), "typescript"},
		{"match based id", len(f.MatchBasedID), 130},
		{"id not assigned", f.ID, ""},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestDecodeDocsExample(t *testing.T) {
	fs := decodeSample(t, "api-v1-findings--sast-docs-example-all-fields--defectdojo.json")
	f := fs[0]
	// rule_name is the id; rule.name differs in this example and becomes the name.
	if f.RuleID != "typescript.react.security.audit.react-no-refs.react-no-refs" || f.RuleName != "html.security.plaintext-http-link.plaintext-http-link" {
		t.Errorf("rule id %q name %q", f.RuleID, f.RuleName)
	}
	// confidence prefers the finding's own over rule.confidence.
	if f.Confidence != "medium" || f.Severity != finding.SeverityMedium || f.Status != "open" || f.Ref != "refs/pull/1234/merge" || f.Branch != "refs/pull/1234/merge" {
		t.Errorf("%q %v %q %q", f.Confidence, f.Severity, f.Status, f.Branch)
	}
	if f.Message != "This link points to a plaintext HTTP URL. Prefer an encrypted HTTPS URL if possible." {
		t.Errorf("message from rule.message: %q", f.Message)
	}
	if strings.Join(f.CWEs, ",") != "CWE-319" || f.Commit != "39f95450a7d4d70e54c9edbd109bed8210a36889" || f.ScanID != "1234" {
		t.Errorf("%v %q %q", f.CWEs, f.Commit, f.ScanID)
	}
	if fs := decodeSample(t, "api-v1-findings--empty--defectdojo.json"); len(fs) != 0 {
		t.Errorf("empty page gave %d", len(fs))
	}
}

func TestDecodeShapes(t *testing.T) {
	tests := []struct {
		name, body string
		n          int
		wantErr    string
	}{
		{"wrapper", `{"sastFindings": {"findings": [{"id": 1, "rule_name": "a.b"}, {"id": "2"}]}}`, 2, ""},
		{"null findings", `{"findings": null}`, 0, "expected an object"},
		{"no findings", `{"data": []}`, 0, `expected an object with a "findings" array`},
		{"html", `<html><body>Sign in</body></html>`, 0, "got an HTML or XML page"},
		{"truncated", `{"findings": [{"id": 1`, 0, "cut off"},
		{"typed wrong", `{"findings": [{"id": 1, "location": {"line": "x"}}]}`, 0, "findings[0]"},
		{"location null, sca, python timestamps", `{"findings": [{"id": 9, "location": null, "rule_name": "ssc-123", "created_at": "2020-11-18 23:28:12.391807+00:00", "state": "muted"}]}`, 1, ""},
	}
	for _, tt := range tests {
		fs, err := DecodeFindingsPage(strings.NewReader(tt.body), "s", "https://semgrep.dev")
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%s: error %v, want %q", tt.name, err, tt.wantErr)
			}
			continue
		}
		if err != nil || len(fs) != tt.n {
			t.Errorf("%s: %d findings, %v", tt.name, len(fs), err)
		}
	}
	fs, _ := DecodeFindingsPage(strings.NewReader(tests[6].body), "s", "")
	if f := fs[0]; f.Product != finding.ProductSCA || f.Status != "ignored" || f.FirstSeen.Year() != 2020 || f.Path != "" || f.Link != "" {
		t.Errorf("%+v", f)
	}
}
