package semgrep

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/semgrep-wiz/semgrep-wiz/core/finding"
)

// cliMatch is one element of results[] (ATD cli_match). Fields whose type
// changed across CLI versions (engine_kind, metadata values) are raw.
type cliMatch struct {
	CheckID *string `json:"check_id"`
	Path    *string `json:"path"`
	Start   cliPos  `json:"start"`
	End     cliPos  `json:"end"`
	Extra   struct {
		Message     string          `json:"message"`
		Severity    string          `json:"severity"`
		Metadata    json.RawMessage `json:"metadata"`
		Fingerprint json.RawMessage `json:"fingerprint"`
		Lines       json.RawMessage `json:"lines"`
		IsIgnored   flexBool        `json:"is_ignored"`
		SCAInfo     json.RawMessage `json:"sca_info"`
		EngineKind  json.RawMessage `json:"engine_kind"` // "OSS" or ["PRO_REQUIRED", {...}]; unused
	} `json:"extra"`
}

type cliPos struct {
	Line int `json:"line"`
	Col  int `json:"col"`
}

// metadata is a rule's free-form metadata.
type metadata map[string]json.RawMessage

func (m metadata) str(key string) string { return strings.TrimSpace(rawString(m[key])) }

func (m metadata) list(key string) []string {
	var l flexStrings
	if raw, ok := m[key]; ok {
		_ = json.Unmarshal(raw, &l) // anything unusable is simply no list
	}
	return cleanList(l)
}

// ruleURL is the rule's page: metadata.source, shortlink, or the
// semgrep.dev rule url. The CLI has no link to a finding itself.
func (m metadata) ruleURL() string {
	if u := firstNonEmpty(m.str("source"), m.str("shortlink")); u != "" {
		return u
	}
	var dev struct {
		Rule struct {
			URL string `json:"url"`
		} `json:"rule"`
	}
	if raw, ok := m["semgrep.dev"]; ok && json.Unmarshal(raw, &dev) == nil {
		return strings.TrimSpace(dev.Rule.URL)
	}
	return ""
}

func readCLIJSON(top map[string]json.RawMessage, name string, o FileOptions) (*FileResult, error) {
	res := &FileResult{Format: FormatJSON, ToolVersion: rawString(top["version"])}

	var results []json.RawMessage
	if err := json.Unmarshal(top["results"], &results); err != nil {
		return nil, errors.New(`"results" is not an array`)
	}
	// errors[] entries change shape across versions (type is a string or an
	// array); a fatal one means the scan failed and its results are not the
	// repository's findings.
	res.Errors = readCLIErrors(top["errors"])
	res.ScanErrors = len(res.Errors)
	var timing struct {
		Rules []json.RawMessage `json:"rules"`
	}
	if raw, ok := top["time"]; ok && json.Unmarshal(raw, &timing) == nil {
		res.Rules = len(timing.Rules)
	}

	res.Findings = make([]finding.Finding, 0, len(results))
	for i, raw := range results {
		var m cliMatch
		if err := json.Unmarshal(raw, &m); err != nil {
			return nil, fmt.Errorf("results[%d]: %s", i, describeJSONError(err))
		}
		if m.CheckID == nil || strings.TrimSpace(*m.CheckID) == "" {
			return nil, fmt.Errorf(`results[%d]: no "check_id"`, i)
		}
		if m.Path == nil || strings.TrimSpace(*m.Path) == "" {
			return nil, fmt.Errorf(`results[%d]: no "path"`, i)
		}
		res.Findings = append(res.Findings, m.toFinding(name, o))
	}
	return res, nil
}

func (m *cliMatch) toFinding(name string, o FileOptions) finding.Finding {
	f := o.base(finding.SourceJSON, name)
	var md metadata
	if json.Unmarshal(m.Extra.Metadata, &md) != nil {
		md = nil // metadata that is not an object carries nothing we use
	}
	f.RuleID = strings.TrimSpace(*m.CheckID)
	f.RuleName = humanizeRuleID(f.RuleID)
	f.Message = strings.TrimSpace(m.Extra.Message)
	f.Severity, _ = finding.ParseSeverity(m.Extra.Severity)
	f.Confidence = strings.ToLower(md.str("confidence"))
	f.CWEs = finding.NormalizeCWEs(md.list("cwe"))
	f.OWASP = md.list("owasp")
	f.Category = md.str("category")
	f.Link = md.ruleURL()

	f.Path = o.repoPath(*m.Path)
	f.StartLine, f.StartColumn = m.Start.Line, m.Start.Col
	f.EndLine, f.EndColumn = m.End.Line, m.End.Col
	if lang := LanguageForPath(f.Path); lang != "" {
		f.Languages = []string{lang}
	}
	if lines := rawString(m.Extra.Lines); !isNotLoggedIn(lines) {
		f.Snippet = lines
	}
	f.MatchBasedID = matchBasedID(rawString(m.Extra.Fingerprint))
	if m.Extra.IsIgnored {
		f.Status, f.Suppressed = "ignored", true
	}
	switch {
	case isPresent(m.Extra.SCAInfo) || strings.HasPrefix(f.RuleID, "ssc-"):
		f.Product = finding.ProductSCA
	case strings.EqualFold(md.str("product"), "secrets"):
		f.Product = finding.ProductSecrets
	}
	return f
}
