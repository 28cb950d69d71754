package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/semgrep-wiz/semgrep-wiz/core/wiz/wiztest"
)

// failedScanFile writes what `semgrep scan --json --config bad.yml` gives:
// the juice-shop output with no results and a rule error.
func failedScanFile(t *testing.T) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(samples(t), "cli-json--v1.154.0-requires-login-juice-shop.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	doc["results"] = []any{}
	doc["errors"] = []any{map[string]any{"code": 7, "level": "error", "type": "InvalidRuleSchemaError", "message": "Invalid rule schema", "rule_id": "bad"}}
	out, _ := json.Marshal(doc)
	p := filepath.Join(t.TempDir(), "semgrep.json")
	if err := os.WriteFile(p, out, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestFailedScanFileIsNotSent: exit 1, a line naming the file and its first
// error, nothing reaches Wiz; --allow-scan-errors sends it knowingly.
func TestFailedScanFileIsNotSent(t *testing.T) {
	h := newHarness(t, wiztest.Options{})
	file := failedScanFile(t)
	repo := []string{"--from", file, "--repo-url", "https://github.com/juice-shop/juice-shop", "--branch", "master"}
	code, out, stderr := h.run(append([]string{"sync", "--yes", "--json"}, repo...)...)
	if code != 1 {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr)
	}
	res := decodeResult(t, out)
	if res.Status != "failure" || !strings.Contains(res.Error, file) || !strings.Contains(res.Error, "InvalidRuleSchemaError: Invalid rule schema") {
		t.Errorf("status %s, error %q", res.Status, res.Error)
	}
	if len(res.ScanErrors) != 1 || !res.ScanErrors[0].Failed {
		t.Errorf("scan_errors %+v", res.ScanErrors)
	}
	if h.wz.SlotsRequested() != 0 || len(h.wz.Uploads()) != 0 {
		t.Error("a failed scan reached Wiz")
	}
	if !strings.Contains(stderr, file+" failed: InvalidRuleSchemaError") {
		t.Errorf("stderr does not name the file and its error:\n%s", stderr)
	}

	code, out, stderr = h.run(append([]string{"sync", "--yes", "--json", "--allow-scan-errors"}, repo...)...)
	if code != 0 {
		t.Fatalf("--allow-scan-errors: exit %d\n%s", code, stderr)
	}
	if res := decodeResult(t, out); res.Status != "success" || !res.ScanErrors[0].SentAnyway {
		t.Errorf("--allow-scan-errors: %s %+v", res.Status, res.ScanErrors)
	}
	if len(h.wz.Uploads()) != 1 {
		t.Error("--allow-scan-errors sent nothing")
	}
}

// TestScanWarningsInPreview: the preview shows Semgrep's per-file errors.
func TestScanWarningsInPreview(t *testing.T) {
	h := newHarness(t, wiztest.Options{})
	file := filepath.Join(samples(t), "cli-json--v1.154.0-requires-login-juice-shop.json")
	code, out, stderr := h.run("preview", "--from", file, "--repo-url", "https://github.com/juice-shop/juice-shop", "--branch", "master")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if !strings.Contains(out, "Semgrep reported 35 errors that concern single files (20 Syntax error, 15 PartialParsing)") {
		t.Errorf("preview:\n%s", out)
	}
	code, out, _ = h.run("preview", "--json", "--from", file, "--repo-url", "https://github.com/juice-shop/juice-shop", "--branch", "master")
	var doc struct {
		ScanErrors []struct {
			Warnings int `json:"warnings"`
		} `json:"scan_errors"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &doc) != nil || len(doc.ScanErrors) != 1 || doc.ScanErrors[0].Warnings != 35 {
		t.Errorf("preview --json scan_errors: exit %d %+v", code, doc)
	}
}

func TestRepoRootMustBeADirectory(t *testing.T) {
	h := newHarness(t, wiztest.Options{})
	file := filepath.Join(samples(t), "cli-json--v1.154.0-requires-login-juice-shop.json")
	code, _, stderr := h.run("preview", "--from", file, "--repo-url", "https://github.com/a/b", "--branch", "main", "--repo-root", filepath.Join(h.dir, "nope"))
	if code != 2 || !strings.Contains(stderr, "--repo-root") || strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}
