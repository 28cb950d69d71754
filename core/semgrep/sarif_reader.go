package semgrep

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/semgrep-wiz/semgrep-wiz/core/finding"
)

type sarifText struct {
	Text string `json:"text"`
}

type sarifRun struct {
	Tool struct {
		Driver struct {
			Name            string      `json:"name"`
			SemanticVersion string      `json:"semanticVersion"`
			Version         string      `json:"version"`
			Rules           []sarifRule `json:"rules"`
		} `json:"driver"`
	} `json:"tool"`
	Results     []json.RawMessage `json:"results"`
	Invocations []struct {
		ExecutionSuccessful *bool             `json:"executionSuccessful"`
		Notifications       []json.RawMessage `json:"toolExecutionNotifications"`
	} `json:"invocations"`
}

type sarifRule struct {
	ID                   string     `json:"id"`
	Name                 string     `json:"name"`
	ShortDescription     *sarifText `json:"shortDescription"`
	FullDescription      *sarifText `json:"fullDescription"`
	HelpURI              string     `json:"helpUri"`
	DefaultConfiguration *struct {
		Level string `json:"level"`
	} `json:"defaultConfiguration"`
	Properties struct {
		Tags             flexStrings     `json:"tags"`
		SecuritySeverity json.RawMessage `json:"security-severity"`
	} `json:"properties"`
}

type sarifResult struct {
	RuleID    string `json:"ruleId"`
	RuleIndex *int   `json:"ruleIndex"`
	Rule      *struct {
		ID    string `json:"id"`
		Index *int   `json:"index"`
	} `json:"rule"`
	Level     string    `json:"level"`
	Message   sarifText `json:"message"`
	Locations []struct {
		PhysicalLocation *struct {
			ArtifactLocation struct {
				URI string `json:"uri"`
			} `json:"artifactLocation"`
			Region *struct {
				StartLine   int        `json:"startLine"`
				StartColumn int        `json:"startColumn"`
				EndLine     int        `json:"endLine"`
				EndColumn   int        `json:"endColumn"`
				Snippet     *sarifText `json:"snippet"`
			} `json:"region"`
		} `json:"physicalLocation"`
	} `json:"locations"`
	Fingerprints        map[string]json.RawMessage `json:"fingerprints"`
	PartialFingerprints map[string]json.RawMessage `json:"partialFingerprints"`
	Suppressions        []struct {
		Status string `json:"status"`
	} `json:"suppressions"`
	Properties map[string]json.RawMessage `json:"properties"`
}

// ruleInfo is what a result takes from its rule.
type ruleInfo struct {
	severity   finding.Severity
	message    string
	link       string
	cwes       []string
	owasp      []string
	confidence string
	category   string
}

func readSARIF(top map[string]json.RawMessage, name string, o FileOptions) (*FileResult, error) {
	version := rawString(top["version"])
	schema := rawString(top["$schema"])
	switch {
	case version == "2.1.0":
	case version == "" && strings.Contains(strings.ToLower(schema), "sarif"):
	case version != "":
		return nil, fmt.Errorf("SARIF version %q is not supported (need 2.1.0)", truncate(version, 20))
	default:
		return nil, errors.New(`has "runs" but is not SARIF 2.1.0 (no "version" or "$schema")`)
	}
	var runs []json.RawMessage
	if err := json.Unmarshal(top["runs"], &runs); err != nil {
		return nil, errors.New(`SARIF "runs" is not an array`)
	}
	res := &FileResult{Format: FormatSARIF}
	for ri, rawRun := range runs {
		var run sarifRun
		if err := json.Unmarshal(rawRun, &run); err != nil {
			return nil, fmt.Errorf("runs[%d]: %s", ri, describeJSONError(err))
		}
		d := run.Tool.Driver
		if res.ToolVersion == "" {
			res.ToolVersion = firstNonEmpty(d.SemanticVersion, d.Version)
		}
		res.Rules += len(d.Rules)
		for ii, inv := range run.Invocations {
			if inv.ExecutionSuccessful != nil && !*inv.ExecutionSuccessful {
				res.Errors = append(res.Errors, ScanError{Level: "error", Kind: "execution failed", Fatal: true,
					Message: fmt.Sprintf("runs[%d].invocations[%d].executionSuccessful is false: the scan did not complete", ri, ii)})
			}
			for _, raw := range inv.Notifications {
				var n sarifNotification
				if json.Unmarshal(raw, &n) != nil {
					// Unreadable, so of unknown weight: a failed scan must not
					// pass for a clean one.
					res.Errors = append(res.Errors, ScanError{Level: "error", Kind: "notification", Fatal: true,
						Message: "a tool notification Semgrep wrote could not be read"})
					continue
				}
				res.Errors = append(res.Errors, n.scanError())
			}
			res.ScanErrors += len(inv.Notifications)
		}
		rules := make([]ruleInfo, len(d.Rules))
		byID := make(map[string]int, len(d.Rules))
		for i := range d.Rules {
			rules[i] = d.Rules[i].info()
			if _, dup := byID[d.Rules[i].ID]; !dup {
				byID[d.Rules[i].ID] = i
			}
		}
		for i, raw := range run.Results {
			var r sarifResult
			if err := json.Unmarshal(raw, &r); err != nil {
				return nil, fmt.Errorf("runs[%d].results[%d]: %s", ri, i, describeJSONError(err))
			}
			res.Findings = append(res.Findings, r.toFinding(name, o, rules, byID))
		}
	}
	return res, nil
}

func (r *sarifRule) info() ruleInfo {
	ri := ruleInfo{link: strings.TrimSpace(r.HelpURI)}
	if r.DefaultConfiguration != nil {
		ri.severity, _ = finding.ParseSeverity(r.DefaultConfiguration.Level)
	}
	// A security-severity word (GitLab rules: "HIGH") or score is more
	// precise than the three SARIF levels.
	if s, ok := securitySeverity(r.Properties.SecuritySeverity); ok {
		ri.severity = s
	}
	for _, t := range r.Properties.Tags {
		t = strings.TrimSpace(t)
		switch {
		case strings.HasPrefix(t, "OWASP-"):
			ri.owasp = append(ri.owasp, strings.TrimPrefix(t, "OWASP-"))
		case strings.HasSuffix(t, " CONFIDENCE"):
			ri.confidence = strings.ToLower(strings.TrimSuffix(t, " CONFIDENCE"))
		case t == "security":
			ri.category = "security"
		}
	}
	tags := []string(r.Properties.Tags)
	ri.cwes = finding.NormalizeCWEs(tags)
	if r.FullDescription != nil {
		ri.message = strings.TrimSpace(r.FullDescription.Text)
	}
	return ri
}

// securitySeverity reads properties.security-severity: a word
// ("CRITICAL") or a CVSS-like score (number or numeric string).
func securitySeverity(raw json.RawMessage) (finding.Severity, bool) {
	if !isPresent(raw) {
		return finding.SeverityUnknown, false
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		s = string(raw)
	}
	s = strings.TrimSpace(s)
	if x, err := strconv.ParseFloat(s, 64); err == nil {
		switch {
		case x >= 9:
			return finding.SeverityCritical, true
		case x >= 7:
			return finding.SeverityHigh, true
		case x >= 4:
			return finding.SeverityMedium, true
		case x >= 0:
			return finding.SeverityLow, true
		}
		return finding.SeverityUnknown, false
	}
	sev, err := finding.ParseSeverity(s)
	if err != nil || sev == finding.SeverityUnknown {
		return finding.SeverityUnknown, false
	}
	return sev, true
}

func (r *sarifResult) toFinding(name string, o FileOptions, rules []ruleInfo, byID map[string]int) finding.Finding {
	f := o.base(finding.SourceSARIF, name)
	f.RuleID = strings.TrimSpace(r.RuleID)
	idx := -1
	if r.Rule != nil {
		if f.RuleID == "" {
			f.RuleID = strings.TrimSpace(r.Rule.ID)
		}
		if r.Rule.Index != nil {
			idx = *r.Rule.Index
		}
	}
	if r.RuleIndex != nil {
		idx = *r.RuleIndex
	}
	var rule ruleInfo
	if i, ok := byID[f.RuleID]; ok && f.RuleID != "" {
		rule = rules[i]
	} else if idx >= 0 && idx < len(rules) {
		rule = rules[idx]
	}

	f.Severity = rule.severity
	if lvl := strings.TrimSpace(r.Level); lvl != "" {
		if s, err := finding.ParseSeverity(lvl); err == nil {
			f.Severity = s
		}
	}
	// The name comes from the rule id, as for JSON: old CLIs put the whole
	// message in shortDescription, which would then stand twice in Wiz.
	f.RuleName = humanizeRuleID(f.RuleID)
	f.Message = strings.TrimSpace(firstNonEmpty(r.Message.Text, rule.message))
	f.CWEs, f.OWASP = rule.cwes, rule.owasp
	f.Confidence, f.Category, f.Link = rule.confidence, rule.category, rule.link

	if len(r.Locations) > 0 && r.Locations[0].PhysicalLocation != nil {
		pl := r.Locations[0].PhysicalLocation
		uri := pl.ArtifactLocation.URI
		if u, err := url.PathUnescape(uri); err == nil {
			uri = u // SARIF locations are URIs ("my%20file.py")
		}
		f.Path = o.repoPath(uri)
		if rg := pl.Region; rg != nil {
			f.StartLine, f.StartColumn = rg.StartLine, rg.StartColumn
			f.EndLine, f.EndColumn = rg.EndLine, rg.EndColumn
			if f.EndLine == 0 {
				f.EndLine = f.StartLine // SARIF: endLine defaults to startLine
			}
			if rg.Snippet != nil && !isNotLoggedIn(rg.Snippet.Text) {
				f.Snippet = rg.Snippet.Text
			}
		}
	}
	if lang := LanguageForPath(f.Path); lang != "" {
		f.Languages = []string{lang}
	}
	fp := rawString(r.Fingerprints["matchBasedId/v1"])
	if matchBasedID(fp) == "" {
		fp = rawString(r.PartialFingerprints["matchBasedId/v1"])
	}
	f.MatchBasedID = matchBasedID(fp)
	for _, s := range r.Suppressions {
		// A "rejected" suppression was reviewed and refused.
		if !strings.EqualFold(s.Status, "rejected") {
			f.Status, f.Suppressed = "ignored", true
			break
		}
	}
	if strings.HasPrefix(f.RuleID, "ssc-") || isPresent(r.Properties["exposure"]) {
		f.Product = finding.ProductSCA
	}
	return f
}
