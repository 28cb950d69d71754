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

// maxSeed bounds a corpus seed: the 2 MB samples would make every fuzz
// iteration slow. The full files are read by TestEverySample.
const maxSeed = 64 << 10

// sharedDir is ../shared/<sub> next to the repository root (the directory
// holding go.mod), or "" when it is absent.
func sharedDir(sub ...string) string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
	p := filepath.Join(append([]string{dir, "..", "shared"}, sub...)...)
	if fi, err := os.Stat(p); err != nil || !fi.IsDir() {
		return ""
	}
	return p
}

// sharedSeeds returns the files of a shared folder whose names keep says
// to keep, by name. A file over maxSeed gives two seeds: its first maxSeed
// bytes (a truncated document) and, when it is JSON, the same document
// with every array cut to a few elements (a well-formed one).
func sharedSeeds(keep func(name string) bool, sub ...string) map[string][]byte {
	out := map[string][]byte{}
	dir := sharedDir(sub...)
	if dir == "" {
		return out
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return out
	}
	for _, e := range entries {
		if e.IsDir() || !keep(e.Name()) {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			continue
		}
		if len(data) <= maxSeed {
			out[e.Name()] = data
			continue
		}
		out[e.Name()+"#prefix"] = data[:maxSeed]
		if small := shrinkJSON(data, maxSeed); small != nil {
			out[e.Name()+"#shrunk"] = small
		}
	}
	return out
}

// shrinkJSON cuts every array of a JSON document to at most a few
// elements, fewer until the result fits in limit; nil when data is not
// JSON or cannot be made to fit.
func shrinkJSON(data []byte, limit int) []byte {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return nil
	}
	for n := 4; n >= 1; n-- {
		out, err := json.Marshal(capArrays(v, n))
		if err == nil && len(out) <= limit {
			return out
		}
	}
	return nil
}

func capArrays(v any, n int) any {
	switch x := v.(type) {
	case []any:
		if len(x) > n {
			x = x[:n]
		}
		out := make([]any, len(x))
		for i := range x {
			out[i] = capArrays(x[i], n)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = capArrays(e, n)
		}
		return out
	}
	return v
}

// checkFindings holds for every successful read: each finding has an id,
// unique on its branch, a valid severity, and never carries the CLI's
// "requires login" placeholder as an id or as code.
func checkFindings(t *testing.T, fs []finding.Finding) {
	t.Helper()
	seen := map[string]bool{}
	for i := range fs {
		f := &fs[i]
		if f.ID == "" {
			t.Fatalf("finding %d has no id: %+v", i, f)
		}
		if key := f.Branch + "\x00" + f.ID; seen[key] {
			t.Fatalf("finding %d: id %q twice on branch %q", i, f.ID, f.Branch)
		} else {
			seen[key] = true
		}
		if f.Severity < finding.SeverityUnknown || f.Severity > finding.SeverityCritical {
			t.Fatalf("finding %d: severity %d out of range", i, f.Severity)
		}
		for what, v := range map[string]string{"id": f.ID, "match-based id": f.MatchBasedID, "platform id": f.PlatformID, "snippet": f.Snippet} {
			if strings.TrimSpace(v) == finding.NotLoggedIn {
				t.Fatalf("finding %d: %s is the placeholder %q", i, what, v)
			}
		}
	}
}

// oneLineError fails unless err is one line starting with prefix.
func oneLineError(t *testing.T, err error, prefix string) {
	t.Helper()
	msg := err.Error()
	if strings.ContainsAny(msg, "\n\r") {
		t.Fatalf("error is not one line: %q", msg)
	}
	if !strings.HasPrefix(msg, prefix) {
		t.Fatalf("error %q does not start with %q", msg, prefix)
	}
}

// FuzzRead covers both file readers (Read tells JSON from SARIF by
// content): no input may panic, every error is one line naming the file,
// and what is read satisfies checkFindings. Seeds: every sample (CLI JSON,
// SARIF, API pages), the Wiz fixtures as foreign JSON, and hand-made
// garbage, truncated and typed-wrong documents.
func FuzzRead(f *testing.F) {
	seeds := []string{
		"", "{", "}", "[]", "null", `{"results": null}`, `{"results": [{}]}`,
		`{"results": [{"check_id": "a", "path": "b", "start": null, "end": [], "extra": null}]}`,
		`{"results": [{"check_id": "a", "path": "b", "extra": {"severity": 5}}]}`,
		`{"results": [{"check_id": "a", "path": "b", "extra": {"metadata": {"cwe": {"x": 1}, "owasp": [null], "semgrep.dev": "x"}}}]}`,
		`{"results": [{"check_id": "a", "path": "b", "extra": {"lines": "requires login", "fingerprint": "requires login"}}, {"check_id": "a", "path": "b", "extra": {"lines": "requires login", "fingerprint": "requires login"}}]}`,
		`{"version": "2.1.0", "runs": [null]}`, `{"version": "2.1.0", "runs": [{"results": [null]}]}`,
		`{"version": "2.1.0", "runs": [{"results": [{"ruleIndex": 99, "rule": {"index": -5}, "locations": [{}]}]}]}`,
		`{"version": "2.1.0", "runs": [{"tool": {"driver": {"rules": [{"properties": {"tags": 5, "security-severity": {}}}]}}}]}`,
		`{"version": "2.1.0", "runs": [{"results": [{"fingerprints": {"matchBasedId/v1": 1}, "suppressions": [null]}]}]}`,
		`{"version": "2.1.0", "runs": [{"results": [{"ruleId": "r", "locations": [{"physicalLocation": {"artifactLocation": {"uri": "a%zz.py"}, "region": {"snippet": {"text": "requires login"}}}}]}]}]}`,
		`{"results": [{"check_id": "a", "path": "b"}], "errors": [{"type": ["X", {}]}], "time": {"rules": 5}}`,
		"\xff\xfe{", `{"results": "` + strings.Repeat("x", 100),
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	for _, data := range sharedSeeds(func(string) bool { return true }, "samples", "semgrep") {
		f.Add(data)
	}
	for _, data := range sharedSeeds(func(n string) bool { return strings.HasSuffix(n, ".json") }, "reference", "wiz-fixtures") {
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		const name = "fuzz.json"
		res, err := Read(bytes.NewReader(data), name, FileOptions{RepoURL: "https://github.com/a/b", Branch: "refs/heads/main"})
		if err != nil {
			oneLineError(t, err, "reading "+name+": ")
			return
		}
		if res.Path != name || (res.Format != FormatJSON && res.Format != FormatSARIF) {
			t.Fatalf("path %q, format %q", res.Path, res.Format)
		}
		if res.ScanErrors < 0 || res.Rules < 0 {
			t.Fatalf("negative counts: %+v", res)
		}
		for i := range res.Findings {
			if res.Findings[i].SourceFile != name || res.Findings[i].Branch != "main" {
				t.Fatalf("finding %d: source file %q, branch %q", i, res.Findings[i].SourceFile, res.Findings[i].Branch)
			}
		}
		checkFindings(t, res.Findings)
	})
}
