package semgrep

import (
	"encoding/json"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/semgrep-wiz/semgrep-wiz/core/finding"
)

func TestParseTime(t *testing.T) {
	utc := func(y int, mo time.Month, d, h, mi, s, us int) time.Time {
		return time.Date(y, mo, d, h, mi, s, us*1000, time.UTC)
	}
	tests := []struct {
		in      string
		want    time.Time
		wantErr bool
	}{
		{"2024-05-28T06:38:54.962941Z", utc(2024, 5, 28, 6, 38, 54, 962941), false},
		{"2020-11-18 23:28:12.391807+00:00", utc(2020, 11, 18, 23, 28, 12, 391807), false},
		{"2020-11-18 23:28:12+02:00", utc(2020, 11, 18, 21, 28, 12, 0), false},
		{"2020-11-18T23:28:12.391807", utc(2020, 11, 18, 23, 28, 12, 391807), false},
		{"2020-11-18 23:28:12", utc(2020, 11, 18, 23, 28, 12, 0), false},
		{"2021-01-02T03:04:05+0100", utc(2021, 1, 2, 2, 4, 5, 0), false},
		{"2021-01-02", utc(2021, 1, 2, 0, 0, 0, 0), false},
		{"", time.Time{}, false},
		{"null", time.Time{}, false},
		{"yesterday", time.Time{}, true},
		{"2021-13-40T00:00:00Z", time.Time{}, true},
	}
	for _, tt := range tests {
		got, err := ParseTime(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParseTime(%q) error = %v, want error %v", tt.in, err, tt.wantErr)
			continue
		}
		if !got.Equal(tt.want) {
			t.Errorf("ParseTime(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestFlexTypes(t *testing.T) {
	var v struct {
		A flexInt     `json:"a"`
		B flexInt     `json:"b"`
		C flexInt     `json:"c"`
		D flexBool    `json:"d"`
		E flexBool    `json:"e"`
		F flexStrings `json:"f"`
		G flexStrings `json:"g"`
		H flexStrings `json:"h"`
		T flexTime    `json:"t"`
		U flexTime    `json:"u"`
		N flexTime    `json:"n"`
	}
	in := `{"a": "123", "b": 45, "c": null, "d": 1, "e": "true", "f": "one", "g": ["x", 3, "y"], "h": null,
		"t": "2020-11-18 23:28:12.391807+00:00", "u": "garbage", "n": null}`
	if err := json.Unmarshal([]byte(in), &v); err != nil {
		t.Fatal(err)
	}
	if v.A != 123 || v.B != 45 || v.C != 0 || !v.D || !v.E {
		t.Errorf("ints/bools: %+v", v)
	}
	if !reflect.DeepEqual([]string(v.F), []string{"one"}) || !reflect.DeepEqual([]string(v.G), []string{"x", "y"}) || v.H != nil {
		t.Errorf("strings: %v %v %v", v.F, v.G, v.H)
	}
	if v.T.Year() != 2020 || !v.U.IsZero() || !v.N.IsZero() {
		t.Errorf("times: %v %v %v", v.T, v.U, v.N)
	}
	var bad struct {
		A flexInt `json:"a"`
	}
	if err := json.Unmarshal([]byte(`{"a": "twelve"}`), &bad); err == nil {
		t.Error("flexInt accepted a word")
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"", 0, false},
		{"0", 0, true},
		{"7", 7 * time.Second, true},
		{" 12 ", 12 * time.Second, true},
		{"3600", maxRetryAfter, true},
		{"-1", 0, false},
		{"soon", 0, false},
		{now.Add(20 * time.Second).Format(http.TimeFormat), 20 * time.Second, true},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0, true},
		{now.Add(time.Hour).Format(http.TimeFormat), maxRetryAfter, true},
		{"Fri, 02 Jan 2026 03:04:35 GMT", 30 * time.Second, true},
	}
	for _, tt := range tests {
		got, ok := parseRetryAfter(tt.in, now)
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseRetryAfter(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestBackoffFullJitter(t *testing.T) {
	c := New(Options{RetryBase: 100 * time.Millisecond})
	for attempt := range 6 {
		ceil := 100 * time.Millisecond << attempt
		for range 50 {
			if d := c.backoff(attempt, 0); d < 0 || d > ceil {
				t.Fatalf("backoff(%d) = %v, outside [0, %v]", attempt, d, ceil)
			}
		}
	}
	if d := c.backoff(30, 0); d > maxBackoff {
		t.Errorf("backoff not capped: %v", d)
	}
	if d := c.backoff(0, 3*time.Second); d != 3*time.Second {
		t.Errorf("Retry-After not honoured: %v", d)
	}
}

func TestSeverityWords(t *testing.T) {
	// Every era's words, through the paths the readers use.
	cli := map[string]finding.Severity{
		"ERROR": finding.SeverityHigh, "WARNING": finding.SeverityMedium, "INFO": finding.SeverityLow,
		"CRITICAL": finding.SeverityCritical, "HIGH": finding.SeverityHigh, "MEDIUM": finding.SeverityMedium,
		"LOW": finding.SeverityLow, "EXPERIMENT": finding.SeverityLow, "INVENTORY": finding.SeverityLow,
		"high": finding.SeverityHigh, "critical": finding.SeverityCritical,
	}
	for word, want := range cli {
		got, err := finding.ParseSeverity(word)
		if err != nil || got != want {
			t.Errorf("ParseSeverity(%q) = %v, %v; want %v", word, got, err, want)
		}
	}
	sec := []struct {
		raw  string
		want finding.Severity
		ok   bool
	}{
		{`"CRITICAL"`, finding.SeverityCritical, true},
		{`"MEDIUM"`, finding.SeverityMedium, true},
		{`"High"`, finding.SeverityHigh, true},
		{`9.8`, finding.SeverityCritical, true},
		{`"9.0"`, finding.SeverityCritical, true},
		{`8.0`, finding.SeverityHigh, true},
		{`7`, finding.SeverityHigh, true},
		{`6.0`, finding.SeverityMedium, true},
		{`4.0`, finding.SeverityMedium, true},
		{`3.0`, finding.SeverityLow, true},
		{`0`, finding.SeverityLow, true},
		{`-1`, finding.SeverityUnknown, false},
		{`"whatever"`, finding.SeverityUnknown, false},
		{`null`, finding.SeverityUnknown, false},
		{``, finding.SeverityUnknown, false},
	}
	for _, tt := range sec {
		got, ok := securitySeverity(json.RawMessage(tt.raw))
		if got != tt.want || ok != tt.ok {
			t.Errorf("securitySeverity(%s) = %v, %v; want %v, %v", tt.raw, got, ok, tt.want, tt.ok)
		}
	}
}

func TestDeriveStatus(t *testing.T) {
	tests := []struct{ status, state, triage, want string }{
		{"open", "fixed", "ignored", "open"}, // status wins when sent
		{"", "unresolved", "untriaged", "open"},
		{"", "unresolved", "reopened", "open"},
		{"", "fixed", "untriaged", "fixed"},
		{"", "muted", "untriaged", "ignored"},
		{"", "unresolved", "ignored", "ignored"},
		{"", "unresolved", "reviewing", "reviewing"},
		{"", "unresolved", "fixing", "fixing"},
		{"", "unresolved", "provisionally_ignored", "provisionally_ignored"},
		{"", "", "", ""},
	}
	for _, tt := range tests {
		if got := deriveStatus(tt.status, tt.state, tt.triage); got != tt.want {
			t.Errorf("deriveStatus(%q,%q,%q) = %q, want %q", tt.status, tt.state, tt.triage, got, tt.want)
		}
	}
}

func TestSmallHelpers(t *testing.T) {
	if got := humanizeRuleID("javascript.browser.security.insecure-document-method.insecure-document-method"); got != "Insecure document method" {
		t.Errorf("humanize: %q", got)
	}
	if got := humanizeRuleID("rules.critical"); got != "Critical" {
		t.Errorf("humanize: %q", got)
	}
	for id, want := range map[string]string{
		"javascript.jquery.jQuery-insecure-html":     "jQuery insecure html",
		"swift.iOS-keychain-misuse":                  "iOS keychain misuse",
		"generic.secrets.detected-AWS-access-key-id": "Detected AWS access key id",
	} {
		if got := humanizeRuleID(id); got != want {
			t.Errorf("humanize(%q) = %q, want %q (words keep their case)", id, got, want)
		}
	}
	commits := map[string]string{
		"https://github.com/o/r/blob/49bfa64b7444200659298b9787b2d5b8b0a93ad3/a/b.ts#L26": "49bfa64b7444200659298b9787b2d5b8b0a93ad3",
		"https://gitlab.com/g/r/-/blob/ABCDEF1234567/x.py#L1":                             "abcdef1234567",
		"https://bitbucket.org/o/r/src/0123456789ab/x.py#lines-3":                         "0123456789ab",
		"https://github.com/o/r/blob/main/x.py#L1":                                        "",
		"": "",
	}
	for u, want := range commits {
		if got := commitFromURL(u); got != want {
			t.Errorf("commitFromURL(%q) = %q, want %q", u, got, want)
		}
	}
	paths := map[string]string{
		"./src/a.py":                      "src/a.py",
		"file:///home/ci/repo/src/a.py":   "/home/ci/repo/src/a.py",
		"%SRCROOT%/src/a.py":              "src/a.py",
		"%SRCROOT%src/a.py":               "src/a.py",
		`src\win\a.cs`:                    "src/win/a.cs",
		"/Users/x/../x/repo//a.twig":      "/Users/x/repo/a.twig",
		"file:///C:/work/repo/app.js":     "C:/work/repo/app.js",
		"  ":                              "",
		".":                               "",
		"data/static/codefixes/x_1.ts":    "data/static/codefixes/x_1.ts",
		"./../outside/a.go":               "../outside/a.go",
		"file://localhost/srv/repo/a.php": "/srv/repo/a.php",
	}
	for in, want := range paths {
		if got := cleanPath(in); got != want {
			t.Errorf("cleanPath(%q) = %q, want %q", in, got, want)
		}
	}
	fps := map[string]bool{
		"requires login": false, "0x42": false, "": false,
		"143cb0c62f3740d62180eab3b4f4f4b3": true,
		"9eb77e51a19c491affbda8c3769d711bd5e9ee67e599c5ab3815511e46cc5d113bfe85390c63b96da29cff60f4c2c8aacdebcb27d6afe8ae98cccbf4bf140b5e_10": true,
		"zz77e51a19c491affbda8c3769d711bd_0": false,
	}
	for in, ok := range fps {
		if got := matchBasedID(in) != ""; got != ok {
			t.Errorf("matchBasedID(%q) accepted=%v, want %v", in, got, ok)
		}
	}
	if got := WebBase("https://semgrep.dev/api/v1/"); got != "https://semgrep.dev" {
		t.Errorf("WebBase = %q", got)
	}
}

func TestLanguageForPath(t *testing.T) {
	tests := map[string]string{
		"app/views.py": "python", "src/App.tsx": "typescript", "a.ts": "typescript", "x.js": "javascript",
		"main.go": "go", "A.java": "java", "a.rb": "ruby", "i.php": "php", "P.cs": "csharp", "m.c": "c",
		"m.h": "c", "m.cpp": "cpp", "m.cc": "cpp", "m.hpp": "cpp", "a.kt": "kotlin", "a.scala": "scala",
		"a.swift": "swift", "lib.rs": "rust", "main.tf": "terraform", "x.hcl": "hcl", "c.yaml": "yaml",
		"c.yml": "yaml", "p.json": "json", "i.html": "html", "run.sh": "bash", "Dockerfile": "dockerfile",
		"deploy/Dockerfile.prod": "dockerfile", "t.sol": "solidity", "a.ex": "elixir", "a.exs": "elixir",
		"a.lua": "lua", "a.dart": "dart", "a.clj": "clojure", "a.ml": "ocaml", "a.jsonnet": "jsonnet",
		"a.xml": "xml", "a.r": "r", "a.jl": "julia", "A.cls": "apex", "README": "", "notes.txt": "",
		"base.html.twig": "", `C:\src\Main.JAVA`: "java",
	}
	for p, want := range tests {
		if got := LanguageForPath(p); got != want {
			t.Errorf("LanguageForPath(%q) = %q, want %q", p, got, want)
		}
	}
}
