package pipeline

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/semgrep-wiz/semgrep-wiz/core/ledger"
	"github.com/semgrep-wiz/semgrep-wiz/core/semgrep"
)

// Tests of CLI files against the Wiz stand-in: a failed scan never reaches
// Wiz, one scan in two formats is sent once, no absolute path is sent.

const (
	juiceJSON  = "cli-json--v1.154.0-requires-login-juice-shop.json"
	juiceSARIF = "sarif--v1.154.0-large-requires-login-notifications-juice-shop.sarif"
	juiceURL   = "https://github.com/juice-shop/juice-shop"
	juiceDS    = "semgrep:github.com/juice-shop/juice-shop"
	otherURL   = "https://github.com/acme/other"
	otherDS    = "semgrep:github.com/acme/other"
)

// samplePath finds a file of ../shared/samples/semgrep, or skips.
func samplePath(t *testing.T, name string) string {
	t.Helper()
	dir, _ := os.Getwd()
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		if filepath.Dir(dir) == dir {
			t.Skip("go.mod not found")
		}
		dir = filepath.Dir(dir)
	}
	p := filepath.Join(dir, "..", "shared", "samples", "semgrep", name)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("sample %s not present", name)
	}
	return p
}

// derive writes a copy of a sample changed by edit.
func derive(t *testing.T, name string, edit func(doc map[string]any)) string {
	t.Helper()
	raw, err := os.ReadFile(samplePath(t, name))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	edit(doc)
	out, _ := json.Marshal(doc)
	p := filepath.Join(t.TempDir(), "derived-"+name)
	if err := os.WriteFile(p, out, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// failedScan is what `semgrep scan --json --config bad.yml` writes: no
// results and a rule error (exit code 7).
func failedScan(t *testing.T) string {
	return derive(t, juiceJSON, func(doc map[string]any) {
		doc["results"] = []any{}
		doc["errors"] = []any{map[string]any{"code": 7, "level": "error", "type": "InvalidRuleSchemaError",
			"message": "Invalid rule schema\nOne of these properties is missing: 'pattern', 'patterns'", "rule_id": "bad-rule"}}
	})
}

func fileSrc(path, url string) FileSource {
	return FileSource{Path: path, Options: semgrep.FileOptions{RepoURL: url, Branch: "master"}}
}

func (m *memRig) fileSync(t *testing.T, files ...FileSource) (*Result, error) {
	t.Helper()
	o := m.opts()
	o.Collect.Files = files
	return Run(context.Background(), o)
}

func TestFailedScanNeverReachesWiz(t *testing.T) {
	other := samplePath(t, "cli-json--v1.97.0-dataflow-trace-semgrep-dev-metadata--defectdojo.json")

	t.Run("fresh state directory", func(t *testing.T) {
		m := newMemRig(t)
		res, err := m.fileSync(t, fileSrc(failedScan(t), juiceURL))
		if err == nil || res.Status != StatusFailure {
			t.Fatalf("status %s, err %v", res.Status, err)
		}
		if !strings.Contains(res.Error, "failed: InvalidRuleSchemaError") || !strings.Contains(res.Error, "derived-"+juiceJSON) {
			t.Errorf("the error does not name the file and its first error: %s", res.Error)
		}
		if n := len(m.wz.Uploads()); n != 0 || m.wz.SlotsRequested() != 0 {
			t.Errorf("Wiz received %d uploads, %d slots", n, m.wz.SlotsRequested())
		}
		if len(res.ScanErrors) != 1 || !res.ScanErrors[0].Failed || res.ScanErrors[0].SentAnyway {
			t.Errorf("scan_errors %+v", res.ScanErrors)
		}
	})

	t.Run("after a good sync", func(t *testing.T) {
		m := newMemRig(t)
		good := samplePath(t, juiceJSON)
		m.sync(t, func() Options {
			o := m.opts()
			o.Collect.Files = []FileSource{fileSrc(good, juiceURL), fileSrc(other, otherURL)}
			return o
		}())
		held := m.wz.DataSources()[juiceDS].Open
		if len(held) == 0 {
			t.Fatal("the first sync sent nothing for juice-shop")
		}
		uploads := len(m.wz.Uploads())

		// The juice-shop scan fails; the other repository is fine.
		res, err := m.fileSync(t, fileSrc(failedScan(t), juiceURL), fileSrc(other, otherURL))
		if err != nil || res.Status != StatusPartial {
			t.Fatalf("status %s, err %v", res.Status, err)
		}
		if len(m.wz.Uploads()) != uploads+1 {
			t.Fatalf("%d uploads", len(m.wz.Uploads()))
		}
		ids := lastUploadIDs(t, m.wz)
		if _, sent := ids[juiceDS]; sent {
			t.Error("the failed scan's repository is in the upload")
		}
		if _, sent := ids[otherDS]; !sent {
			t.Error("the other repository was not sent")
		}
		if got := m.wz.DataSources()[juiceDS].Open; !slices.Equal(got, held) {
			t.Errorf("Wiz holds %d juice-shop findings, had %d", len(got), len(held))
		}
		var state string
		for _, r := range res.Repositories {
			if r.DataSourceID == juiceDS {
				state = r.State
			}
		}
		if state != "failed" {
			t.Errorf("juice-shop state %q", state)
		}

		// --allow-scan-errors sends it anyway: Wiz resolves what it held.
		o := m.opts()
		o.Collect.Files = []FileSource{fileSrc(failedScan(t), juiceURL), fileSrc(other, otherURL)}
		o.Collect.AllowScanErrors = true
		res = m.sync(t, o)
		if res.Status != StatusSuccess || len(res.ScanErrors) != 1 || !res.ScanErrors[0].SentAnyway {
			t.Fatalf("status %s, scan errors %+v", res.Status, res.ScanErrors)
		}
		if ids := lastUploadIDs(t, m.wz); len(ids[juiceDS]) != 0 || ids[juiceDS] == nil {
			t.Errorf("with --allow-scan-errors juice-shop should go empty, got %v", ids[juiceDS])
		}
		if got := m.wz.DataSources()[juiceDS]; len(got.Open) != 0 || len(got.Resolved) != len(held) {
			t.Errorf("Wiz: %d open, %d resolved", len(got.Open), len(got.Resolved))
		}
	})
}

func TestScanWarningsAreReportedAndTheScanSent(t *testing.T) {
	m := newMemRig(t)
	res, err := m.fileSync(t, fileSrc(samplePath(t, juiceJSON), juiceURL))
	if err != nil || res.Status != StatusSuccess {
		t.Fatalf("status %s, err %v", res.Status, err)
	}
	if len(res.ScanErrors) != 1 || res.ScanErrors[0].Failed || res.ScanErrors[0].Warnings != 35 {
		t.Fatalf("scan_errors %+v", res.ScanErrors)
	}
	if !slices.ContainsFunc(res.Warnings, func(w string) bool {
		return strings.Contains(w, "35 errors that concern single files (20 Syntax error, 15 PartialParsing)")
	}) {
		t.Errorf("warnings %q", res.Warnings)
	}
	if len(lastUploadIDs(t, m.wz)[juiceDS]) == 0 {
		t.Error("the scan was not sent")
	}
	// The history keeps the warning.
	evs, err := m.l.Events(context.Background(), res.RunID)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(evs, func(e ledger.Event) bool { return strings.Contains(e.Message, "20 Syntax error") }) {
		t.Error("the warning is not in the history")
	}
}

func TestOneScanInTwoFormatsIsSentOnce(t *testing.T) {
	idsOf := func(files ...FileSource) []string {
		m := newMemRig(t)
		if res, err := m.fileSync(t, files...); err != nil {
			t.Fatalf("%s: %v", res.Status, err)
		}
		return lastUploadIDs(t, m.wz)[juiceDS]
	}
	js := idsOf(fileSrc(samplePath(t, juiceJSON), juiceURL))
	sa := idsOf(fileSrc(samplePath(t, juiceSARIF), juiceURL))
	both := idsOf(fileSrc(samplePath(t, juiceJSON), juiceURL), fileSrc(samplePath(t, juiceSARIF), juiceURL))
	union := map[string]bool{}
	for _, id := range append(slices.Clone(js), sa...) {
		union[id] = true
	}
	seen := map[string]bool{}
	for _, id := range both {
		if seen[id] {
			t.Errorf("%s sent twice", id)
		}
		seen[id] = true
	}
	if len(both) != len(union) || len(both) >= len(js)+len(sa) {
		t.Errorf("both files: %d findings; JSON %d, SARIF %d, distinct %d", len(both), len(js), len(sa), len(union))
	}
}

func TestNoAbsolutePathReachesAnUpload(t *testing.T) {
	const checkout = "/home/runner/work/juice-shop/juice-shop"
	abs := derive(t, juiceJSON, func(doc map[string]any) {
		for _, r := range doc["results"].([]any) {
			r.(map[string]any)["path"] = checkout + "/" + r.(map[string]any)["path"].(string)
		}
	})
	paths := func(m *memRig) []string {
		var out []string
		doc := m.wz.Uploads()[len(m.wz.Uploads())-1].Document
		for _, d := range doc["dataSources"].([]any) {
			for _, a := range d.(map[string]any)["assets"].([]any) {
				for _, f := range a.(map[string]any)["sastFindings"].([]any) {
					out = append(out, f.(map[string]any)["filePath"].(string))
				}
			}
		}
		return out
	}

	// The checkout is known: paths are made relative, ids as from the
	// relative original.
	m := newMemRig(t)
	src := fileSrc(abs, juiceURL)
	src.Options.Root = checkout
	if res, err := m.fileSync(t, src); err != nil {
		t.Fatalf("%s: %v", res.Status, err)
	}
	rel := newMemRig(t)
	if res, err := rel.fileSync(t, fileSrc(samplePath(t, juiceJSON), juiceURL)); err != nil {
		t.Fatalf("%s: %v", res.Status, err)
	}
	got, want := paths(m), paths(rel)
	if len(got) == 0 || !slices.Equal(got, want) {
		t.Errorf("paths %v, want %v", got, want)
	}
	if !slices.Equal(lastUploadIDs(t, m.wz)[juiceDS], lastUploadIDs(t, rel.wz)[juiceDS]) {
		t.Error("ids differ from the repository-relative scan's")
	}

	// Unknown checkout: those findings are left out with a reason and a
	// warning, and no absolute path is sent.
	m = newMemRig(t)
	res, err := m.fileSync(t, fileSrc(abs, juiceURL))
	if err != nil {
		t.Fatalf("%s: %v", res.Status, err)
	}
	for _, p := range paths(m) {
		if strings.HasPrefix(p, "/") {
			t.Errorf("absolute path sent: %s", p)
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	warned := slices.ContainsFunc(m.events, func(e Event) bool {
		return e.Kind == Warning && strings.Contains(e.Message, "outside the repository") && strings.Contains(e.Message, "--repo-root")
	})
	if !warned {
		t.Error("no warning about paths outside the repository")
	}
}

// TestZeroResultFileNamesItsRepository: a file without results still names
// its repository (from the URL).
func TestZeroResultFileNamesItsRepository(t *testing.T) {
	empty := samplePath(t, "cli-json--empty-results-errors-only--defectdojo.json")
	m := newMemRig(t)
	res, err := m.fileSync(t, fileSrc(empty, juiceURL))
	if err != nil {
		t.Fatalf("%s: %v", res.Status, err)
	}
	if len(res.Repositories) != 1 || res.Repositories[0].Name != "juice-shop/juice-shop" {
		t.Errorf("repositories %+v", res.Repositories)
	}
}
