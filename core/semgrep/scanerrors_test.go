package semgrep

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"
)

// rewriteSample decodes a sample, lets edit change it and reads the result
// as a file of the same name: rescans and failed scans derived from real
// output.
func rewriteSample(t *testing.T, name string, o FileOptions, edit func(doc map[string]any)) *FileResult {
	t.Helper()
	raw, err := os.ReadFile(sample(t, name))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	edit(doc)
	out, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Read(bytes.NewReader(out), name, o)
	if err != nil {
		t.Fatalf("reading the rewritten %s: %v", name, err)
	}
	return res
}

const juiceJSON = "cli-json--v1.154.0-requires-login-juice-shop.json"
const juiceSARIF = "sarif--v1.154.0-large-requires-login-notifications-juice-shop.sarif"

var juiceOpts = FileOptions{RepoURL: "https://github.com/juice-shop/juice-shop", Branch: "master"}

// TestRealScanErrorsAreWarnings: the errors in real outputs concern single
// files (syntax errors, partial parsing, timeouts, rules too new for the
// CLI): none of them fails the scan, and each is counted by kind.
func TestRealScanErrorsAreWarnings(t *testing.T) {
	for _, tc := range []struct {
		name     string
		warnings int
		kinds    string
	}{
		{juiceJSON, 35, "20 Syntax error, 15 PartialParsing"},
		{juiceSARIF, 40, "40 Syntax error"},
		{"cli-json--v1.67.0-pro-sca-secrets-170-results-32-errors--semgrep-utilities.json", 32, "16 Syntax error, 13 PartialParsing, 3 Timeout"},
		{"cli-json--v1.59.0-large-incompatible-rule-errors-fixes--semgrep-utilities.json", 70, "50 IncompatibleRule, 19 PartialParsing, 1 Other syntax error"},
		{"cli-json--snapshot-timeout-error-no-results--semgrep.json", 1, "1 Timeout"},
		{"sarif--v1.69.0-gitlab-rules-string-security-severity--defectdojo.sarif", 31, "27 Syntax error, 4 Timeout"},
		{"cli-json--empty-results-errors-only--defectdojo.json", 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := ReadFile(sample(t, tc.name), juiceOpts)
			if err != nil {
				t.Fatal(err)
			}
			if res.Failed() {
				t.Errorf("read as a failed scan: %v", res.FirstFatal())
			}
			if res.Warnings() != tc.warnings || res.WarningSummary() != tc.kinds {
				t.Errorf("warnings %d %q, want %d %q", res.Warnings(), res.WarningSummary(), tc.warnings, tc.kinds)
			}
		})
	}
}

// TestFailedScansAreRecognised: a bad rule or configuration, an error of
// unknown kind and a SARIF run that did not complete fail the scan; an
// error-level entry about one file does not.
func TestFailedScansAreRecognised(t *testing.T) {
	jsonWith := func(errs ...map[string]any) func(map[string]any) {
		return func(doc map[string]any) {
			doc["results"] = []any{}
			l := make([]any, len(errs))
			for i, e := range errs {
				l[i] = e
			}
			doc["errors"] = l
		}
	}
	for _, tc := range []struct {
		name   string
		file   string
		edit   func(map[string]any)
		failed bool
		first  string
	}{
		{"invalid rule schema (exit 7)", juiceJSON, jsonWith(map[string]any{"code": 7, "level": "error", "type": "InvalidRuleSchemaError",
			"message": "Invalid rule schema\nOne of these properties is missing: 'pattern'", "rule_id": "bad"}), true,
			"InvalidRuleSchemaError: Invalid rule schema One of these properties is missing: 'pattern'"},
		{"pattern parse error (array type)", juiceJSON, jsonWith(map[string]any{"code": 4, "level": "error",
			"type": []any{"PatternParseError", []any{"rules", "0", "pattern"}}, "message": "Pattern parse error"}), true, "PatternParseError: Pattern parse error"},
		{"invalid YAML", juiceJSON, jsonWith(map[string]any{"code": 5, "level": "error", "type": "Invalid YAML", "message": "bad.yml is not valid YAML"}), true,
			"Invalid YAML: bad.yml is not valid YAML"},
		{"unknown kind at error level", juiceJSON, jsonWith(map[string]any{"code": 2, "level": "error", "type": "SomethingNew", "message": "x"}), true, "SomethingNew: x"},
		{"error entry that is not an object", juiceJSON, func(doc map[string]any) { doc["results"], doc["errors"] = []any{}, []any{"oops"} }, true,
			"error: an error entry Semgrep wrote could not be read"},
		{"no errors", juiceJSON, jsonWith(), false, ""},
		{"syntax error at error level", juiceJSON, jsonWith(map[string]any{"code": 3, "level": "error", "type": "Syntax error", "path": "a.ts", "message": "at line 3"}), false, ""},
		{"bad rule only a warning", juiceJSON, jsonWith(map[string]any{"code": 7, "level": "warn", "type": "Rule parse error", "message": "x"}), false, ""},
		{"SARIF execution not successful", juiceSARIF, func(doc map[string]any) {
			inv := doc["runs"].([]any)[0].(map[string]any)["invocations"].([]any)[0].(map[string]any)
			inv["executionSuccessful"] = false
		}, true, "execution failed: runs[0].invocations[0].executionSuccessful is false: the scan did not complete"},
		{"SARIF error-level notification", juiceSARIF, func(doc map[string]any) {
			inv := doc["runs"].([]any)[0].(map[string]any)["invocations"].([]any)[0].(map[string]any)
			inv["toolExecutionNotifications"] = append(inv["toolExecutionNotifications"].([]any),
				map[string]any{"descriptor": map[string]any{"id": "Rule parse error"}, "level": "error", "message": map[string]any{"text": "invalid rule r1"}})
		}, true, "Rule parse error: invalid rule r1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := rewriteSample(t, tc.file, juiceOpts, tc.edit)
			if res.Failed() != tc.failed {
				t.Fatalf("failed = %v, want %v (errors %+v)", res.Failed(), tc.failed, res.Errors)
			}
			if tc.failed && res.FirstFatal().String() != tc.first {
				t.Errorf("first error %q, want %q", res.FirstFatal().String(), tc.first)
			}
		})
	}

	// The real SARIF written when a target is missing: an error-level
	// SemgrepError, although executionSuccessful stays true.
	res, err := ReadFile(sample(t, "sarif--snapshot-errors-no-results--semgrep.sarif"), juiceOpts)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Failed() || res.FirstFatal().String() != "SemgrepError: File not found: targets/basic/inexistent.py" {
		t.Errorf("errors-only SARIF: failed %v, %+v", res.Failed(), res.Errors)
	}
}
