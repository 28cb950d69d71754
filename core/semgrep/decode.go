package semgrep

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"

	"github.com/semgrep-wiz/semgrep-wiz/core/finding"
)

// apiFinding is a SastFinding (or ScaFinding) as the findings endpoint
// sends it. Only the fields we map are declared.
type apiFinding struct {
	ID              flexInt     `json:"id"`
	Ref             string      `json:"ref"`
	FirstSeenScanID flexInt     `json:"first_seen_scan_id"`
	MatchBasedID    string      `json:"match_based_id"`
	State           string      `json:"state"`
	TriageState     string      `json:"triage_state"`
	Status          string      `json:"status"`
	Severity        string      `json:"severity"`
	Confidence      string      `json:"confidence"`
	Categories      flexStrings `json:"categories"`
	CreatedAt       flexTime    `json:"created_at"`
	RelevantSince   flexTime    `json:"relevant_since"`
	RuleName        string      `json:"rule_name"`
	RuleMessage     string      `json:"rule_message"`
	// Nested objects are values, not pointers: a missing or null one reads
	// the same as an empty one, and a page of 3000 findings is 9000
	// allocations lighter.
	Location struct {
		FilePath  string  `json:"file_path"`
		Line      flexInt `json:"line"`
		Column    flexInt `json:"column"`
		EndLine   flexInt `json:"end_line"`
		EndColumn flexInt `json:"end_column"`
	} `json:"location"`
	Repository struct {
		Name string `json:"name"`
		URL  string `json:"url"`
	} `json:"repository"`
	LineOfCodeURL string `json:"line_of_code_url"`
	Rule          struct {
		Name       string      `json:"name"`
		Message    string      `json:"message"`
		Confidence string      `json:"confidence"`
		Category   string      `json:"category"`
		CWENames   flexStrings `json:"cwe_names"`
		OWASPNames flexStrings `json:"owasp_names"`
	} `json:"rule"`
	// Present only on Supply Chain findings.
	VulnerabilityIdentifier json.RawMessage `json:"vulnerability_identifier"`
	FoundDependency         json.RawMessage `json:"found_dependency"`
}

// wantFindings is what a findings page must be: the flat {"findings":
// [...]} every server sends, or the {"sastFindings": {"findings": [...]}}
// wrapper the docs show (also scaFindings, aiSastFindings).
const wantFindings = `an object with a "findings" array`

// DecodeFindingsPage decodes one response body of GET
// /deployments/{slug}/findings, as it is read. slug names the deployment
// (for Repo and Link) and webBase is the web UI base (see WebBase). IDs are
// not assigned: call finding.AssignIDs per repository once every page is in.
func DecodeFindingsPage(r io.Reader, slug, webBase string) ([]finding.Finding, error) {
	const op = "decoding findings page"
	cr := &countedBody{r: io.LimitReader(r, maxResponse+1)}
	fs, err := readFindingsPage(op, cr, "", slug, webBase, 0)
	switch {
	case cr.err != nil:
		return nil, fmt.Errorf("%s: %w", op, cr.err)
	case cr.n > maxResponse:
		return nil, fmt.Errorf("%s: larger than %d MiB", op, maxResponse>>20)
	case err != nil:
		var item *itemError
		if errors.As(err, &item) {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		return nil, err
	}
	return fs, nil
}

// itemError is a finding of a page that could not be decoded.
type itemError struct{ msg string }

func (e *itemError) Error() string { return e.msg }

// describeJSONError words a decoding error without quoting input bytes.
func describeJSONError(err error) string {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		f := te.Field
		if f == "" {
			return fmt.Sprintf("expected %s, got %s", te.Type, te.Value)
		}
		return fmt.Sprintf("field %q: expected %s, got %s", f, te.Type, te.Value)
	case errors.As(err, &se):
		return fmt.Sprintf("malformed JSON at byte %d", se.Offset)
	}
	return oneLine(err.Error(), 160)
}

func (a *apiFinding) toFinding(slug, webBase string) finding.Finding {
	f := finding.Finding{
		Source:        finding.SourceAPI,
		Product:       finding.ProductSAST,
		Ref:           a.Ref,
		Branch:        finding.NormalizeBranch(a.Ref),
		MatchBasedID:  strings.TrimSpace(a.MatchBasedID),
		LineURL:       a.LineOfCodeURL,
		Commit:        commitFromURL(a.LineOfCodeURL),
		FirstSeen:     a.CreatedAt.Time,
		RelevantSince: a.RelevantSince.Time,
		Status:        deriveStatus(a.Status, a.State, a.TriageState),
		Repo:          finding.Repository{Deployment: slug},
	}
	if f.MatchBasedID == finding.NotLoggedIn {
		f.MatchBasedID = ""
	}
	if a.ID != 0 {
		f.PlatformID = strconv.FormatInt(int64(a.ID), 10)
		if webBase != "" && slug != "" {
			f.Link = webBase + "/orgs/" + url.PathEscape(slug) + "/findings/" + f.PlatformID
		}
	}
	if a.FirstSeenScanID != 0 {
		f.ScanID = strconv.FormatInt(int64(a.FirstSeenScanID), 10)
	}
	if isPresent(a.VulnerabilityIdentifier) || isPresent(a.FoundDependency) || strings.HasPrefix(a.RuleName, "ssc-") {
		f.Product = finding.ProductSCA
	}
	f.Severity, _ = finding.ParseSeverity(a.Severity)

	var ruleName, ruleConf, ruleCat, ruleMsg string
	ruleName, ruleConf, ruleCat, ruleMsg = a.Rule.Name, a.Rule.Confidence, a.Rule.Category, a.Rule.Message
	f.CWEs = finding.NormalizeCWEs(a.Rule.CWENames)
	f.OWASP = cleanList(a.Rule.OWASPNames)
	f.Confidence = strings.ToLower(firstNonEmpty(a.Confidence, ruleConf))
	// rule_name is deprecated, but it is the rule id; rule.name is the
	// id in real data too, so it is the fallback.
	f.RuleID = firstNonEmpty(a.RuleName, ruleName)
	if ruleName != "" && ruleName != f.RuleID {
		f.RuleName = ruleName
	} else {
		f.RuleName = humanizeRuleID(f.RuleID)
	}
	f.Message = strings.TrimSpace(firstNonEmpty(ruleMsg, a.RuleMessage))
	f.Category = ruleCat
	if f.Category == "" && len(a.Categories) > 0 {
		f.Category = a.Categories[0]
	}
	l := &a.Location
	f.Path = cleanPath(l.FilePath)
	f.StartLine, f.StartColumn = int(l.Line), int(l.Column)
	f.EndLine, f.EndColumn = int(l.EndLine), int(l.EndColumn)
	if lang := LanguageForPath(f.Path); lang != "" {
		f.Languages = []string{lang}
	}
	f.Repo.Name, f.Repo.URL = a.Repository.Name, a.Repository.URL
	return f
}

// deriveStatus returns status as sent, or (older API versions send none)
// derives it from the scan-set state and the human triage state.
func deriveStatus(status, state, triage string) string {
	if s := strings.ToLower(strings.TrimSpace(status)); s != "" {
		return s
	}
	state = strings.ToLower(strings.TrimSpace(state))
	triage = strings.ToLower(strings.TrimSpace(triage))
	switch state {
	case "fixed":
		return "fixed"
	case "muted":
		return "ignored"
	}
	switch triage {
	case "ignored":
		return "ignored"
	case "reviewing", "fixing", "provisionally_ignored":
		return triage
	}
	if state == "unresolved" || triage == "untriaged" || triage == "reopened" {
		return "open"
	}
	return ""
}

// commitFromURL finds the commit in SCM permalinks: GitHub/GitLab
// …/blob/<sha>/…, GitLab …/-/blob/<sha>/…, Bitbucket …/src/<sha>/… — the
// leftmost "/blob/" or "/src/" followed by 7 to 64 hex digits and a slash.
// (By hand: a regular expression here cost a tenth of decoding a page.)
func commitFromURL(u string) string {
	for i := strings.IndexByte(u, '/'); i >= 0 && i < len(u); {
		rest := u[i:]
		var seg string
		switch {
		case strings.HasPrefix(rest, "/blob/"):
			seg = rest[len("/blob/"):]
		case strings.HasPrefix(rest, "/src/"):
			seg = rest[len("/src/"):]
		}
		if seg != "" {
			n := 0
			for n < len(seg) && n <= 64 && isHex(seg[n]) {
				n++
			}
			if n >= 7 && n <= 64 && n < len(seg) && seg[n] == '/' {
				return strings.ToLower(seg[:n])
			}
		}
		next := strings.IndexByte(u[i+1:], '/')
		if next < 0 {
			break
		}
		i += 1 + next
	}
	return ""
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// humanizeRuleID turns "python.flask.security.xss.direct-use-of-jinja2"
// into "Direct use of jinja2". Words keep their case ("jQuery", "AWS",
// "iOS"): only an all-lowercase first word gets a capital.
func humanizeRuleID(id string) string {
	seg := id
	if i := strings.LastIndex(id, "."); i >= 0 && i < len(id)-1 {
		seg = id[i+1:]
	}
	seg = strings.Join(strings.FieldsFunc(seg, func(r rune) bool { return r == '-' || r == '_' }), " ")
	if seg == "" {
		return id
	}
	first, _, _ := strings.Cut(seg, " ")
	if first != strings.ToLower(first) {
		return seg
	}
	return strings.ToUpper(seg[:1]) + seg[1:]
}

func isPresent(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) > 0 && string(t) != "null" && string(t) != `""` && string(t) != "{}"
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			return s
		}
	}
	return ""
}

func cleanList(in []string) []string {
	var out []string
	for _, s := range in {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
