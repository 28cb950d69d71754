package wizschema

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/semgrep-wiz/semgrep-wiz/core/finding"
)

func TestWriteFileRoundTrip(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "upload.json")
	sources := testSources(4, 30)
	stats, err := WriteFile(t.Context(), path, Options{AnalysisDate: testDate}, sources)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
	if stats.Bytes != fi.Size() || stats.Findings != 120 || stats.DataSources != 4 || stats.Assets != 8 {
		t.Errorf("stats %+v for a %d-byte file", stats, fi.Size())
	}
	if err := ValidateFile(path); err != nil {
		t.Fatalf("ValidateFile: %v", err)
	}
	assertOnlyFile(t, dir, "upload.json")

	b, _ := os.ReadFile(path)
	var doc Document
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	var got, want []string
	for _, ds := range doc.DataSources {
		for _, a := range ds.Assets {
			for _, f := range a.SASTFindings {
				got = append(got, ds.ID+" "+a.Details.RepositoryBranch.AssetID+" "+f.ID)
			}
		}
	}
	for _, s := range sources {
		for _, a := range s.Assets {
			for _, f := range a.Findings {
				want = append(want, s.ID+" "+AssetID(a.Asset.Repo, a.Asset.Branch)+" "+FindingID(f.ID, f.Branch, f.IsDefaultBranch))
			}
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("finding ids read back differ:\n got %d %q…\nwant %d %q…", len(got), got[:3], len(want), want[:3])
	}
}

func TestWriteFileAtomicOnError(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "upload.json")
	if err := os.WriteFile(path, []byte("previous"), 0o644); err != nil {
		t.Fatal(err)
	}
	sources := testSources(3, 20)
	bad := &sources[2].Assets[0].Findings[5]
	bad.RuleID, bad.RuleName = "", ""
	_, err := WriteFile(t.Context(), path, Options{}, sources)
	if err == nil || !strings.Contains(err.Error(), "name is empty") || !strings.Contains(err.Error(), path) {
		t.Fatalf("error = %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "previous" {
		t.Errorf("existing file changed to %q", b)
	}
	assertOnlyFile(t, dir, "upload.json")

	// No file at all when there was none before.
	path2 := filepath.Join(dir, "new.json")
	if _, err := WriteFile(t.Context(), path2, Options{}, sources); err == nil {
		t.Fatal("invalid sources accepted")
	}
	if _, err := os.Stat(path2); !os.IsNotExist(err) {
		t.Errorf("partial file left: %v", err)
	}

	// Cancelled context: nothing written either.
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := WriteFile(ctx, path2, Options{}, testSources(1, 1)); err == nil {
		t.Error("cancelled context ignored")
	}
	if _, err := os.Stat(path2); !os.IsNotExist(err) {
		t.Errorf("file written after cancel: %v", err)
	}
	assertOnlyFile(t, dir, "upload.json")

	// A directory that does not exist is reported, not created.
	if _, err := WriteFile(t.Context(), filepath.Join(dir, "missing", "x.json"), Options{}, nil); err == nil {
		t.Error("missing directory accepted")
	}
}

func TestWriteFileReplacesWithMode0600(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "upload.json")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := WriteFile(t.Context(), path, Options{}, testSources(1, 3)); err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(path)
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode after replace %v", fi.Mode().Perm())
	}
	if err := ValidateFile(path); err != nil {
		t.Error(err)
	}
}

func assertOnlyFile(t *testing.T, dir, name string) {
	t.Helper()
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, []string{name}) {
		t.Errorf("directory holds %q, want only %q", names, name)
	}
}

func TestValidateFileRejects(t *testing.T) {
	const rb = `{"repositoryBranch":{"assetId":"a","assetName":"n","branchName":"main","repository":{"name":"o/r","url":"https://github.com/o/r"},"vcs":"GitHub"}}`
	good := `{"integrationId":"x","dataSources":[{"id":"d","assets":[{"details":` + rb + `,"sastFindings":[{"id":"1","name":"n","severity":"High","startLine":3}]}]}]}`
	cases := map[string]string{
		"unknown top-level key":   strings.Replace(good, `"integrationId"`, `"extra":1,"integrationId"`, 1),
		"missing integrationId":   strings.Replace(good, `"integrationId":"x",`, ``, 1),
		"dataSources not a list":  `{"integrationId":"x","dataSources":{}}`,
		"dataSources null":        `{"integrationId":"x","dataSources":null}`,
		"unknown data source key": strings.Replace(good, `"id":"d",`, `"id":"d","name":"x",`, 1),
		"data source without id":  strings.Replace(good, `"id":"d",`, ``, 1),
		"bad analysisDate":        strings.Replace(good, `"id":"d",`, `"id":"d","analysisDate":"yesterday",`, 1),
		"asset without details":   strings.Replace(good, `"details":`+rb+`,`, ``, 1),
		"bad vcs":                 strings.Replace(good, `"GitHub"`, `"Gitea"`, 1),
		"bad severity":            strings.Replace(good, `"High"`, `"Info"`, 1),
		"line zero":               strings.Replace(good, `"startLine":3`, `"startLine":0`, 1),
		"line not integer":        strings.Replace(good, `"startLine":3`, `"startLine":3.5`, 1),
		"duplicate finding id":    strings.Replace(good, `{"id":"1","name":"n","severity":"High","startLine":3}`, `{"id":"1","name":"n","severity":"High"},{"id":"1","name":"m","severity":"Low"}`, 1),
		"duplicate key":           strings.Replace(good, `"integrationId":"x"`, `"integrationId":"x","integrationId":"y"`, 1),
		"trailing data":           good + `{}`,
		"truncated":               good[:len(good)-10],
		"not JSON":                `hello`,
		"empty":                   ``,
	}
	cases["duplicate data source"] = strings.Replace(good, `"dataSources":[`, `"dataSources":[{"id":"d","assets":[]},`, 1)
	cases["assets not a list"] = strings.Replace(good, `"assets":[{"details":`+rb+`,"sastFindings":[{"id":"1","name":"n","severity":"High","startLine":3}]}]`, `"assets":"none"`, 1)
	dir := t.TempDir()
	check := func(name, doc string, wantOK bool) {
		path := filepath.Join(dir, "f.json")
		if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
			t.Fatal(err)
		}
		err := ValidateFile(path)
		if (err == nil) != wantOK {
			t.Errorf("%s: ValidateFile = %v", name, err)
		}
		if err != nil && strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: multi-line error", name)
		}
	}
	check("good", good, true)
	check("good with trailing newline", good+"\n", true)
	for name, doc := range cases {
		check(name, doc, false)
	}
	if err := ValidateFile(filepath.Join(dir, "nope.json")); err == nil {
		t.Error("missing file accepted")
	}
}

// TestSamplesEncode reads the real Semgrep CLI outputs in shared/samples
// (when present) with a minimal reader, and checks the documents they
// give validate.
func TestSamplesEncode(t *testing.T) {
	dir := samplesDir(t)
	files, _ := filepath.Glob(filepath.Join(dir, "cli-json--*.json"))
	if len(files) == 0 {
		t.Skip("no CLI JSON samples")
	}
	repo := finding.Repository{Name: "acme/sample", URL: "git@gitlab.com:acme/sample.git"}
	var assets []AssetWithFindings
	total := 0
	for _, file := range files {
		fs := readCLISample(t, file, repo)
		finding.AssignIDs(fs)
		total += len(fs)
		assets = append(assets, AssetWithFindings{
			Asset:    AssetInput{Repo: repo, Branch: "sample-" + filepath.Base(file)},
			Findings: fs,
		})
	}
	path := filepath.Join(t.TempDir(), "samples.json")
	stats, err := WriteFile(t.Context(), path, Options{}, []SourceInput{{ID: finding.DataSourceID(repo), Assets: assets}})
	if err != nil {
		t.Fatal(err)
	}
	if stats.Findings != total || total == 0 {
		t.Errorf("wrote %d of %d findings", stats.Findings, total)
	}
	if err := ValidateFile(path); err != nil {
		t.Fatal(err)
	}
	f, _ := os.Open(path)
	defer f.Close()
	if err := Validate(f); err != nil {
		t.Fatal(err)
	}
}

func samplesDir(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Skip(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("repository root not found")
		}
		dir = parent
	}
	s := filepath.Join(dir, "..", "shared", "samples", "semgrep")
	if _, err := os.Stat(s); err != nil {
		t.Skip("no samples folder at " + s)
	}
	return s
}

func readCLISample(t *testing.T, file string, repo finding.Repository) []finding.Finding {
	t.Helper()
	var doc struct {
		Results []struct {
			CheckID string `json:"check_id"`
			Path    string `json:"path"`
			Start   struct{ Line, Col int }
			End     struct{ Line, Col int }
			Extra   struct {
				Message     string `json:"message"`
				Severity    string `json:"severity"`
				Fingerprint string `json:"fingerprint"`
				Lines       string `json:"lines"`
				Metadata    struct {
					CWE        any    `json:"cwe"`
					OWASP      any    `json:"owasp"`
					Confidence string `json:"confidence"`
					Technology any    `json:"technology"`
				} `json:"metadata"`
			} `json:"extra"`
		} `json:"results"`
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	branch := "sample-" + filepath.Base(file)
	var out []finding.Finding
	for _, r := range doc.Results {
		sev, _ := finding.ParseSeverity(r.Extra.Severity)
		fp := r.Extra.Fingerprint
		if fp == finding.NotLoggedIn {
			fp = ""
		}
		out = append(out, finding.Finding{
			Source: finding.SourceJSON, Product: finding.ProductSAST, Repo: repo,
			Branch: branch, Severity: sev, Confidence: r.Extra.Metadata.Confidence,
			RuleID: r.CheckID, RuleName: r.CheckID[strings.LastIndex(r.CheckID, ".")+1:],
			Message: r.Extra.Message, CWEs: finding.NormalizeCWEs(strs(r.Extra.Metadata.CWE)),
			OWASP: strs(r.Extra.Metadata.OWASP), Path: r.Path,
			StartLine: r.Start.Line, EndLine: r.End.Line, StartColumn: r.Start.Col, EndColumn: r.End.Col,
			Languages: strs(r.Extra.Metadata.Technology), Snippet: r.Extra.Lines, MatchBasedID: fp,
		})
	}
	return out
}

// strs reads Semgrep metadata that is a string or a list of strings.
func strs(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, x := range v {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}
