package wizschema

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/semgrep-wiz/semgrep-wiz/core/finding"
)

// fuzzFinding is the varying part of a finding in FuzzEncode.
type fuzzFinding struct {
	id, ruleID, ruleName, message, path, snippet, commit, link, lineURL, cwe, lang, confidence string
	severity, startLine, endLine, startCol, endCol                                             int
}

// sampleFindings takes a few results of every CLI JSON sample (found by
// walking up to go.mod, then ../shared/samples/semgrep), as realistic
// field values; none when the folder is absent.
func sampleFindings() []fuzzFinding {
	dir, err := os.Getwd()
	if err != nil {
		return nil
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return nil
		}
		dir = parent
	}
	files, _ := filepath.Glob(filepath.Join(dir, "..", "shared", "samples", "semgrep", "cli-json--*.json"))
	var out []fuzzFinding
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			continue
		}
		var doc struct {
			Results []struct {
				CheckID string `json:"check_id"`
				Path    string `json:"path"`
				Start   struct{ Line, Col int }
				End     struct{ Line, Col int }
				Extra   struct {
					Message     string          `json:"message"`
					Fingerprint json.RawMessage `json:"fingerprint"`
					Lines       json.RawMessage `json:"lines"`
					Metadata    struct {
						CWE        json.RawMessage `json:"cwe"`
						Confidence json.RawMessage `json:"confidence"`
					} `json:"metadata"`
				} `json:"extra"`
			} `json:"results"`
		}
		if json.Unmarshal(data, &doc) != nil {
			continue
		}
		for i, r := range doc.Results {
			if i == 3 {
				break
			}
			str := func(raw json.RawMessage) string {
				var s string
				if json.Unmarshal(raw, &s) != nil {
					var l []string
					if json.Unmarshal(raw, &l) == nil && len(l) > 0 {
						return l[0]
					}
				}
				return s
			}
			out = append(out, fuzzFinding{
				id: str(r.Extra.Fingerprint), ruleID: r.CheckID, message: r.Extra.Message, path: r.Path,
				snippet: str(r.Extra.Lines), cwe: str(r.Extra.Metadata.CWE), confidence: str(r.Extra.Metadata.Confidence),
				lang: strings.TrimPrefix(filepath.Ext(r.Path), "."), severity: i % 5,
				startLine: r.Start.Line, endLine: r.End.Line, startCol: r.Start.Col, endCol: r.End.Col,
			})
		}
	}
	return out
}

// FuzzEncode puts arbitrary strings and numbers into every finding and
// asset field the encoder reads. Encoding must either fail with a one-line
// error, or produce valid UTF-8 JSON that passes Validate and the streaming
// file validator, and holds the findings unchanged where the mapping
// promises it (ids, names, paths, snippets), never the "requires login"
// placeholder as a snippet.
func FuzzEncode(f *testing.F) {
	add := func(x fuzzFinding, branch, repoURL, repoName string, isDefault bool, vcsHost, vcsKind string) {
		f.Add(x.id, x.ruleID, x.ruleName, x.message, x.path, x.snippet, x.commit, x.link, x.lineURL, x.cwe, x.lang, x.confidence,
			x.severity, x.startLine, x.endLine, x.startCol, x.endCol, branch, isDefault, repoURL, repoName, vcsHost, vcsKind)
	}
	base := fuzzFinding{
		id: "sg-0123456789abcdef0123456789abcdef", ruleID: "python.lang.security.audit.formatted-sql-query.formatted-sql-query",
		ruleName: "Tainted SQL string", message: "Use parameterized queries.", path: "app/db.py",
		snippet: `cursor.execute("SELECT %s" % x)`, commit: "4f2a9c1d0b7e6a5f3c2d1e0f9a8b7c6d5e4f3a2b",
		link: "https://semgrep.dev/orgs/acme/findings/1", lineURL: "https://github.com/acme/app/blob/4f2a9c1/app/db.py#L3",
		cwe: "CWE-89: SQL Injection", lang: "python", confidence: "MEDIUM", severity: 3, startLine: 3, endLine: 4, startCol: 5, endCol: 42,
	}
	add(base, "main", "https://github.com/acme/app", "acme/app", true, "", "")
	add(base, "refs/heads/feature/x", "git@gitlab.com:acme/app.git", "", false, "", "")
	add(base, "main", "https://git.acme.corp/scm/prj/app.git", "prj/app", true, "git.acme.corp", "bitbucketdatacenter")
	hostile := base
	hostile.ruleName = "bad \x00\x01 name \u2028 \"q\" \\ <b>"
	hostile.message = "invalid UTF-8: \xff\xfe end"
	hostile.snippet = "requires login\n"
	hostile.path = "dir/\nweird\".py"
	hostile.cwe, hostile.lang = "CWE-x", "brainfuck"
	hostile.severity, hostile.startLine, hostile.endLine, hostile.startCol, hostile.endCol = 9, -1, 0, -7, 1<<40
	add(hostile, "main", "https://github.com/acme/app", "acme/app", true, "", "")
	empty := fuzzFinding{}
	add(empty, "", "", "", false, "", "")
	add(empty, " ", "not a url", "x", true, "x/y", "GitHub")
	for _, x := range sampleFindings() {
		add(x, "main", "https://github.com/juice-shop/juice-shop", "juice-shop/juice-shop", true, "", "")
	}

	f.Fuzz(func(t *testing.T, id, ruleID, ruleName, message, path, snippet, commit, link, lineURL, cwe, lang, confidence string,
		severity, startLine, endLine, startCol, endCol int, branch string, isDefault bool, repoURL, repoName, vcsHost, vcsKind string) {
		repo := finding.Repository{Name: repoName, URL: repoURL, Deployment: "acme"}
		fd := finding.Finding{
			ID: id, Repo: repo, Ref: branch, Branch: finding.NormalizeBranch(branch), IsDefaultBranch: isDefault,
			Severity: finding.Severity(severity), Confidence: confidence, RuleID: ruleID, RuleName: ruleName, Message: message,
			CWEs: []string{cwe}, OWASP: []string{confidence}, Path: path, StartLine: startLine, EndLine: endLine,
			StartColumn: startCol, EndColumn: endCol, Commit: commit, Link: link, LineURL: lineURL,
			Languages: []string{lang}, Snippet: snippet,
		}
		second := fd
		second.ID = id + "/2"
		fs := []finding.Finding{fd, second}
		o := Options{AnalysisDate: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
		if vcsHost != "" {
			o.VCSHosts = map[string]string{vcsHost: vcsKind}
		}

		var buf bytes.Buffer
		err := func() error {
			e, err := NewEncoder(&buf, o)
			if err != nil {
				return err
			}
			if err := e.BeginDataSource(finding.DataSourceID(repo)); err != nil {
				return err
			}
			if err := e.WriteAsset(AssetInput{Repo: repo, Branch: branch, IsDefault: isDefault}, fs); err != nil {
				return err
			}
			if err := e.EndDataSource(); err != nil {
				return err
			}
			return e.Close()
		}()
		if err != nil {
			if strings.ContainsAny(err.Error(), "\n\r") {
				t.Fatalf("error is not one line: %q", err)
			}
			return
		}

		out := buf.Bytes()
		if !json.Valid(out) || !utf8.Valid(out) {
			t.Fatalf("output is not valid JSON/UTF-8: %q", out)
		}
		if err := Validate(bytes.NewReader(out)); err != nil {
			t.Fatalf("output does not validate: %v\n%s", err, out)
		}
		if err := validateStream(bytes.NewReader(out)); err != nil {
			t.Fatalf("output fails the file validator: %v\n%s", err, out)
		}
		var doc Document
		if err := json.Unmarshal(out, &doc); err != nil {
			t.Fatal(err)
		}
		if len(doc.DataSources) != 1 || len(doc.DataSources[0].Assets) != 1 || len(doc.DataSources[0].Assets[0].SASTFindings) != 2 {
			t.Fatalf("wrong shape: %s", out)
		}
		for i := range fs {
			if strings.TrimSpace(fs[i].ID) == "" {
				t.Fatalf("finding %d has no id, but was encoded as %q", i, doc.DataSources[0].Assets[0].SASTFindings[i].ID)
			}
		}
		rb := doc.DataSources[0].Assets[0].Details.RepositoryBranch
		for i, sf := range doc.DataSources[0].Assets[0].SASTFindings {
			in := &fs[i]
			if sf.ID == "" || sf.Name == "" || strings.TrimSpace(sf.Snippet) == finding.NotLoggedIn {
				t.Fatalf("finding %d: id %q, name %q, snippet %q", i, sf.ID, sf.Name, sf.Snippet)
			}
			want := struct{ id, name, path, snippet string }{FindingID(in.ID, rb.BranchName, isDefault), strings.TrimSpace(ruleName), path, snippet}
			if want.name == "" {
				want.name = strings.TrimSpace(ruleID)
			}
			if strings.TrimSpace(want.snippet) == finding.NotLoggedIn {
				want.snippet = ""
			}
			for _, c := range [][3]string{{"id", sf.ID, want.id}, {"name", sf.Name, want.name}, {"filePath", sf.FilePath, want.path}, {"snippet", sf.Snippet, want.snippet}} {
				if utf8.ValidString(c[2]) && c[1] != c[2] {
					t.Fatalf("finding %d: %s %q, want %q", i, c[0], c[1], c[2])
				}
			}
		}
	})
}
