package semgrep

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// ScanError is one error Semgrep reported about its own run: a JSON
// errors[] entry, a SARIF tool notification, or a SARIF invocation that
// did not complete.
type ScanError struct {
	Level   string `json:"level"`          // error, warn or info
	Kind    string `json:"kind"`           // "Syntax error", "InvalidRuleSchemaError", "PartialParsing", …
	Message string `json:"message"`        // one line
	Path    string `json:"path,omitempty"` // the target file, when the error names one
	RuleID  string `json:"rule_id,omitempty"`
	// Fatal is true when the scan as a whole cannot be trusted: a bad
	// configuration or rule, or anything else that stopped the scan. Its
	// "no results" then means "not scanned", not "nothing found".
	Fatal bool `json:"fatal"`
}

// String is the error on one line: "Kind: message".
func (e ScanError) String() string {
	if e.Message == "" {
		return e.Kind
	}
	if e.Kind == "" {
		return e.Message
	}
	return e.Kind + ": " + e.Message
}

// perTarget are the kinds of error that concern one target file (or one
// rule that could not run on this CLI) and leave the rest of the scan
// sound. Semgrep's own integration sends a scan that had them. Both the
// JSON names of the ATD error_type and their constructor names appear in
// real files.
var perTarget = map[string]bool{
	"lexical error": true, "lexicalerror": true,
	"syntax error": true, "parseerror": true,
	"other syntax error": true, "otherparseerror": true,
	"ast builder error": true, "astbuildererror": true,
	"internal matching error": true, "matchingerror": true,
	"too many matches": true, "toomanymatches": true,
	"timeout":       true,
	"out of memory": true, "outofmemory": true,
	"stack overflow": true, "stackoverflow": true,
	"timeout during interfile analysis": true, "timeoutduringinterfile": true,
	"oom during interfile analysis": true, "outofmemoryduringinterfile": true,
	"partialparsing":   true,
	"incompatiblerule": true, "incompatible rule": true,
	"dependencyresolutionerror": true, // Supply Chain only; never a Code finding
	"semgrepwarning":            true,
	"semgrepmatchfound":         true,
}

// classify decides whether an error makes the whole scan untrustworthy.
// Warnings and notes never do. An error-level (or level-less) entry does
// unless its kind is known to concern a single target: an unknown kind at
// error level is treated as fatal, since reading a failed scan as "no
// findings" would make Wiz resolve everything.
func classify(level, kind string) (normLevel string, fatal bool) {
	switch strings.ToLower(strings.TrimSpace(level)) {
	case "warn", "warning":
		return "warn", false
	case "info", "note", "none":
		return "info", false
	case "error":
		normLevel = "error"
	default:
		normLevel = "error"
	}
	return normLevel, !perTarget[strings.ToLower(strings.TrimSpace(kind))]
}

// cliError is one JSON errors[] entry (ATD cli_error). type is a string or
// an array whose first element names the kind.
type cliError struct {
	Level    string          `json:"level"`
	Type     json.RawMessage `json:"type"`
	Message  string          `json:"message"`
	ShortMsg string          `json:"short_msg"`
	LongMsg  string          `json:"long_msg"`
	Path     string          `json:"path"`
	RuleID   string          `json:"rule_id"`
}

func (e cliError) scanError() ScanError {
	kind := rawString(e.Type)
	if kind == "" {
		var arr []json.RawMessage
		if json.Unmarshal(e.Type, &arr) == nil && len(arr) > 0 {
			kind = rawString(arr[0])
		}
	}
	kind = strings.TrimSpace(kind)
	if kind == "" {
		kind = "error"
	}
	se := ScanError{Kind: kind, Path: strings.TrimSpace(e.Path), RuleID: strings.TrimSpace(e.RuleID),
		Message: oneLine(firstNonEmpty(e.Message, e.ShortMsg, e.LongMsg), 300)}
	se.Level, se.Fatal = classify(e.Level, kind)
	return se
}

// readCLIErrors reads the JSON errors[] array. An entry that is not an
// object is still an error of unknown kind (fatal): a failed scan must not
// pass for a clean one because its error did not parse.
func readCLIErrors(raw json.RawMessage) []ScanError {
	var entries []json.RawMessage
	if json.Unmarshal(raw, &entries) != nil {
		return nil
	}
	out := make([]ScanError, 0, len(entries))
	for _, r := range entries {
		var e cliError
		if json.Unmarshal(r, &e) != nil {
			out = append(out, ScanError{Level: "error", Kind: "error", Message: "an error entry Semgrep wrote could not be read", Fatal: true})
			continue
		}
		out = append(out, e.scanError())
	}
	return out
}

// sarifNotification is a SARIF toolExecutionNotification.
type sarifNotification struct {
	Level      string    `json:"level"`
	Message    sarifText `json:"message"`
	Descriptor struct {
		ID string `json:"id"`
	} `json:"descriptor"`
	Locations []struct {
		PhysicalLocation *struct {
			ArtifactLocation struct {
				URI string `json:"uri"`
			} `json:"artifactLocation"`
		} `json:"physicalLocation"`
	} `json:"locations"`
}

func (n sarifNotification) scanError() ScanError {
	kind := strings.TrimSpace(n.Descriptor.ID)
	if kind == "" {
		kind = "notification"
	}
	level := n.Level
	if strings.TrimSpace(level) == "" {
		level = "warning" // SARIF's default notification level
	}
	se := ScanError{Kind: kind, Message: oneLine(n.Message.Text, 300)}
	if len(n.Locations) > 0 && n.Locations[0].PhysicalLocation != nil {
		se.Path = cleanPath(n.Locations[0].PhysicalLocation.ArtifactLocation.URI)
	}
	se.Level, se.Fatal = classify(level, kind)
	return se
}

// ScanReport sums up what Semgrep said about its own run.
type ScanReport struct {
	Errors []ScanError
}

// Failed reports whether the scan failed as a whole.
func (r ScanReport) Failed() bool { return r.FirstFatal() != nil }

// FirstFatal is the first error that failed the scan, or nil.
func (r ScanReport) FirstFatal() *ScanError {
	for i := range r.Errors {
		if r.Errors[i].Fatal {
			return &r.Errors[i]
		}
	}
	return nil
}

// Warnings counts the errors that did not fail the scan.
func (r ScanReport) Warnings() int {
	n := 0
	for _, e := range r.Errors {
		if !e.Fatal {
			n++
		}
	}
	return n
}

// WarningSummary is "20 Syntax error, 15 PartialParsing": the kinds of the
// errors that did not fail the scan, most frequent first; "" when none.
func (r ScanReport) WarningSummary() string {
	counts := map[string]int{}
	for _, e := range r.Errors {
		if !e.Fatal {
			counts[e.Kind]++
		}
	}
	if len(counts) == 0 {
		return ""
	}
	kinds := make([]string, 0, len(counts))
	for k := range counts {
		kinds = append(kinds, k)
	}
	sort.Slice(kinds, func(i, j int) bool {
		if counts[kinds[i]] != counts[kinds[j]] {
			return counts[kinds[i]] > counts[kinds[j]]
		}
		return kinds[i] < kinds[j]
	})
	parts := make([]string, len(kinds))
	for i, k := range kinds {
		parts[i] = fmt.Sprintf("%d %s", counts[k], k)
	}
	return strings.Join(parts, ", ")
}
