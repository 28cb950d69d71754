package semgrep

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Deployment is a Semgrep organisation as GET /deployments lists it.
type Deployment struct {
	ID   int64
	Slug string
	Name string
}

// Project is a repository (or named project) Semgrep has scanned.
type Project struct {
	ID   int64
	Name string // usually "owner/repo"
	URL  string
	// DefaultBranch is the SCM default and PrimaryBranch the branch Semgrep
	// treats as trunk, both raw refs as sent (e.g. "refs/heads/main").
	DefaultBranch string
	PrimaryBranch string
	LatestScanAt  time.Time
	Tags          []string
}

// Scan status values of the scans search endpoint.
const (
	ScanStatusRunning       = "SCAN_STATUS_RUNNING"
	ScanStatusCompleted     = "SCAN_STATUS_COMPLETED"
	ScanStatusPending       = "SCAN_STATUS_PENDING"
	ScanStatusCancelled     = "SCAN_STATUS_CANCELLED"
	ScanStatusError         = "SCAN_STATUS_ERROR"
	ScanStatusNeverFinished = "SCAN_STATUS_NEVER_FINISHED"
)

// Scan is one scan from the scans search endpoint (past 30 days only).
type Scan struct {
	ID           int64
	RepositoryID int64
	Branch       string // as the CI reported it (main, refs/heads/main, refs/pull/1/merge)
	Commit       string
	IsFullScan   bool
	Status       string // one of the ScanStatus* constants, as sent
	StartedAt    time.Time
	CompletedAt  time.Time
	ExitCode     int
}

// ScanQuery filters SearchScans. Zero fields are not sent.
type ScanQuery struct {
	RepositoryID int64
	Branch       string
	IsFullScan   *bool
	Since        time.Time
	// Statuses are SCAN_STATUS_* values; short forms ("completed") are
	// expanded.
	Statuses []string
}

// FindingsQuery filters Findings.
type FindingsQuery struct {
	Repos []string // repository (project) names, e.g. "acme/app"
	// Status is one Semgrep status; "" means "open" and "any" sends no
	// status filter (every status except removed).
	Status     string
	Ref        string   // exact ref as Semgrep stores it; no normalisation server-side
	Severities []string // low, medium, high, critical
	IssueType  string   // "" means "sast"
	PageSize   int      // 0 means 3000; clamped to [100, 3000]
	Dedup      bool
	Since      time.Time // lower bound on relevant_since; zero means all time
}

// --- wire shapes -----------------------------------------------------------

type wireDeployment struct {
	ID   flexInt `json:"id"`
	Slug string  `json:"slug"`
	Name string  `json:"name"`
}

type wireProject struct {
	ID            flexInt     `json:"id"`
	Name          string      `json:"name"`
	URL           string      `json:"url"`
	DefaultBranch string      `json:"default_branch"`
	PrimaryBranch string      `json:"primary_branch"`
	LatestScanAt  flexTime    `json:"latest_scan_at"`
	Tags          flexStrings `json:"tags"`
}

type wireScan struct {
	ID           flexInt  `json:"id"`
	RepositoryID flexInt  `json:"repository_id"`
	Branch       string   `json:"branch"`
	Commit       string   `json:"commit"`
	IsFullScan   flexBool `json:"is_full_scan"`
	Status       string   `json:"status"`
	StartedAt    flexTime `json:"started_at"`
	CompletedAt  flexTime `json:"completed_at"`
	ExitCode     flexInt  `json:"exit_code"`
}

// --- flexible JSON types ---------------------------------------------------
//
// Semgrep's spec and its servers disagree on several types (ids and counts
// as strings holding integers, tags typed string but sent as a list,
// booleans typed integer). These types accept every form seen.

// flexInt accepts 12, 12.0, "12" and null.
type flexInt int64

func (f *flexInt) UnmarshalJSON(b []byte) error {
	// The common case, a plain integer, without allocating.
	if n, ok := plainInt(b); ok {
		*f = flexInt(n)
		return nil
	}
	s := strings.TrimSpace(string(b))
	if s == "null" || s == `""` {
		*f = 0
		return nil
	}
	if len(s) >= 2 && s[0] == '"' {
		var str string
		if err := json.Unmarshal(b, &str); err != nil {
			return err
		}
		s = strings.TrimSpace(str)
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		*f = flexInt(n)
		return nil
	}
	if x, err := strconv.ParseFloat(s, 64); err == nil && x == float64(int64(x)) {
		*f = flexInt(int64(x))
		return nil
	}
	return fmt.Errorf("expected an integer, got %s", jsonKind(b))
}

// flexBool accepts true/false, 0/1 and the same as strings, and null.
type flexBool bool

func (f *flexBool) UnmarshalJSON(b []byte) error {
	s := strings.Trim(strings.TrimSpace(string(b)), `"`)
	switch strings.ToLower(s) {
	case "true", "1":
		*f = true
	case "false", "0", "null", "":
		*f = false
	default:
		return fmt.Errorf("expected a boolean, got %s", jsonKind(b))
	}
	return nil
}

// flexStrings accepts a string, a list of strings, or null. Non-string
// list entries are skipped.
type flexStrings []string

func (f *flexStrings) UnmarshalJSON(b []byte) error {
	*f = nil
	b = bytes.TrimSpace(b)
	if len(b) == 0 || string(b) == "null" {
		return nil
	}
	switch b[0] {
	case '"':
		s, ok := plainString(b)
		if !ok {
			if err := json.Unmarshal(b, &s); err != nil {
				return err
			}
		}
		if s != "" {
			*f = flexStrings{s}
		}
		return nil
	case '[':
		if list, ok := plainStrings(b); ok {
			if len(list) > 0 {
				*f = list
			}
			return nil
		}
		var raw []json.RawMessage
		if err := json.Unmarshal(b, &raw); err != nil {
			return err
		}
		for _, r := range raw {
			var s string
			if json.Unmarshal(r, &s) == nil && s != "" {
				*f = append(*f, s)
			}
		}
		return nil
	}
	// Anything else (numbers, objects) carries no usable text.
	return nil
}

// flexTime accepts every timestamp form Semgrep sends (see ParseTime) and
// null. An unparseable timestamp becomes the zero time: timestamps are
// descriptive, and one odd value must not fail a whole page.
type flexTime struct{ time.Time }

func (f *flexTime) UnmarshalJSON(b []byte) error {
	f.Time = time.Time{}
	s, ok := plainString(b)
	if !ok && json.Unmarshal(b, &s) != nil {
		return nil
	}
	if t, err := ParseTime(s); err == nil {
		f.Time = t
	}
	return nil
}

var timeLayouts = []string{
	time.RFC3339Nano,                      // 2024-05-28T06:38:54.962941Z
	"2006-01-02 15:04:05.999999999Z07:00", // 2020-11-18 23:28:12.391807+00:00
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02 15:04:05.999999999Z0700",
	"2006-01-02T15:04:05.999999999", // no zone: UTC
	"2006-01-02 15:04:05.999999999",
	"2006-01-02",
}

// ParseTime parses the timestamp forms Semgrep uses: RFC 3339
// ("2024-05-28T06:38:54.962941Z"), the spec examples' Python form
// ("2020-11-18 23:28:12.391807+00:00"), and the same without a zone (taken
// as UTC). The empty string and "null" give the zero time and no error.
func ParseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "null" {
		return time.Time{}, nil
	}
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("unrecognised timestamp %q", truncate(s, 40))
}

// jsonKind names the JSON type of a raw value, for error messages that
// must not echo the value itself.
func jsonKind(b []byte) string {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return "nothing"
	}
	switch b[0] {
	case '"':
		return "a string"
	case '{':
		return "an object"
	case '[':
		return "an array"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	// Cut on a rune boundary.
	for n > 0 && n < len(s) && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n] + "…"
}

// Fast paths for the flexible types: the decoder hands them bytes it has
// already checked, and most values are plain (no escapes, no spaces), so
// decoding them again through encoding/json would scan every page twice.

// plainInt reads an optionally negative run of digits.
func plainInt(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	neg := b[0] == '-'
	if neg {
		b = b[1:]
		if len(b) == 0 {
			return 0, false
		}
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

// plainString reads a JSON string literal without escapes.
func plainString(b []byte) (string, bool) {
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return "", false
	}
	in := b[1 : len(b)-1]
	for _, c := range in {
		if c == '\\' || c == '"' || c < 0x20 {
			return "", false
		}
	}
	return string(in), true
}

// plainStrings reads a compact array of plain, non-empty string literals
// ("[]", `["a","b"]`); anything else is left to the general path.
func plainStrings(b []byte) (flexStrings, bool) {
	if len(b) < 2 || b[0] != '[' || b[len(b)-1] != ']' {
		return nil, false
	}
	in := b[1 : len(b)-1]
	if len(in) == 0 {
		return nil, true
	}
	var out flexStrings
	for len(in) > 0 {
		if in[0] != '"' {
			return nil, false
		}
		end := 1
		for end < len(in) && in[end] != '"' {
			if c := in[end]; c == '\\' || c < 0x20 {
				return nil, false
			}
			end++
		}
		if end == len(in) || end == 1 {
			return nil, false
		}
		out = append(out, string(in[1:end]))
		in = in[end+1:]
		if len(in) > 0 {
			if in[0] != ',' || len(in) == 1 {
				return nil, false
			}
			in = in[1:]
		}
	}
	return out, true
}
