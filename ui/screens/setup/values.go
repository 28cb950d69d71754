package setup

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/semgrep-wiz/semgrep-wiz/config"
)

// Repository choice on the policy page.
const (
	reposAll    = "all"
	reposChosen = "chosen"
)

// severityOrder is how severities are listed and saved: most severe first,
// as config.Default() has them.
var severityOrder = []string{"critical", "high", "medium", "low"}

// values are what the wizard's fields edit. Secrets live here only until
// they are saved; they are never filled from the store.
type values struct {
	Endpoint, AuthURL, ClientID, WizSecret string
	APIURL, Token, Deployment              string
	Severities                             []string
	FullScans, DefaultBranch               bool
	Repos                                  string // reposAll or reposChosen
	Include, Exclude                       string // patterns, comma or blank separated
}

// stored says which secrets the store already holds, and which of them
// Wiz or Semgrep refused when last tried.
type stored struct {
	wiz, semgrep                 bool
	wizRejected, semgrepRejected bool
}

// startConfig is the configuration the wizard edits: the existing one
// (secrets blanked), with documented defaults where nothing was ever set.
func startConfig(existing config.Config) config.Config {
	c := existing
	d := config.Default()
	// A zero Config (first run, or a caller without one) has no policy,
	// guards or watch settings at all: take every default, not just the
	// zero-invalid ones, so full scans / default branch start as "yes".
	if c.Policy.Severities == nil && c.Policy.Statuses == nil && c.Guards == (config.Guards{}) {
		c.Policy, c.Guards, c.Watch = d.Policy, d.Guards, d.Watch
	}
	if c.Semgrep.APIURL == "" {
		c.Semgrep.APIURL = d.Semgrep.APIURL
	}
	if c.Semgrep.Concurrency == 0 {
		c.Semgrep.Concurrency = d.Semgrep.Concurrency
	}
	if c.Policy.Statuses == nil {
		c.Policy.Statuses = d.Policy.Statuses
	}
	if c.Policy.MaxScanAgeDays == 0 {
		c.Policy.MaxScanAgeDays = d.Policy.MaxScanAgeDays
	}
	if c.Watch.Interval.Duration == 0 {
		c.Watch.Interval = d.Watch.Interval
	}
	if c.Watch.RefreshAfter.Duration == 0 {
		c.Watch.RefreshAfter = d.Watch.RefreshAfter
	}
	if c.Wiz.MaxUploadMB == 0 {
		c.Wiz.MaxUploadMB = d.Wiz.MaxUploadMB
	}
	c.Wiz.ClientSecret, c.Semgrep.Token = "", ""
	return c
}

func valuesFrom(c config.Config) values {
	v := values{
		Endpoint: c.Wiz.APIEndpoint, AuthURL: c.Wiz.AuthURL, ClientID: c.Wiz.ClientID,
		APIURL: c.Semgrep.APIURL, Deployment: c.Semgrep.Deployment,
		Severities:    slices.Clone(c.Policy.Severities),
		FullScans:     c.Policy.FullScansOnly,
		DefaultBranch: c.Policy.DefaultBranchOnly,
		Repos:         reposAll,
		Include:       strings.Join(c.Policy.IncludeRepos, ", "),
		Exclude:       strings.Join(c.Policy.ExcludeRepos, ", "),
	}
	if len(c.Policy.IncludeRepos) > 0 || len(c.Policy.ExcludeRepos) > 0 {
		v.Repos = reposChosen
	}
	return v
}

// apply writes the values over base (which keeps every setting the wizard
// does not show) and normalises the result. Secrets are left out: they go
// to SaveConfig separately.
func (v *values) apply(base config.Config) config.Config {
	c := base
	c.Wiz.APIEndpoint = v.Endpoint
	c.Wiz.AuthURL = v.AuthURL
	c.Wiz.ClientID = v.ClientID
	c.Wiz.ClientSecret = ""
	c.Semgrep.APIURL = v.APIURL
	c.Semgrep.Deployment = v.Deployment
	c.Semgrep.Token = ""
	c.Policy.Severities = sortSeverities(v.Severities)
	c.Policy.FullScansOnly = v.FullScans
	c.Policy.DefaultBranchOnly = v.DefaultBranch
	c.Policy.IncludeRepos, c.Policy.ExcludeRepos = nil, nil
	if v.Repos == reposChosen {
		c.Policy.IncludeRepos = splitPatterns(v.Include)
		c.Policy.ExcludeRepos = splitPatterns(v.Exclude)
	}
	c.Normalize()
	return c
}

// sortSeverities orders known severities most severe first and keeps
// unknown words at the end (for Validate to name). The result is never nil,
// so an empty choice is reported as empty rather than as "use the default".
func sortSeverities(in []string) []string {
	out := make([]string, 0, len(in))
	for _, s := range severityOrder {
		if slices.ContainsFunc(in, func(x string) bool { return strings.EqualFold(strings.TrimSpace(x), s) }) {
			out = append(out, s)
		}
	}
	for _, x := range in {
		if !slices.Contains(severityOrder, strings.ToLower(strings.TrimSpace(x))) {
			out = append(out, x)
		}
	}
	return out
}

// splitPatterns reads "acme/*, acme/api other/**" as three patterns.
func splitPatterns(s string) []string {
	f := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || unicode.IsSpace(r) })
	if len(f) == 0 {
		return nil
	}
	return f
}

// splitWords reads a comma or blank separated list (accessible severities).
func splitWords(s string) []string { return splitPatterns(s) }

// fieldLabels name config fields the way the wizard shows them.
var fieldLabels = map[string]string{
	config.FieldWizAPIEndpoint:       "API endpoint URL",
	config.FieldWizAuthURL:           "Authentication URL",
	config.FieldWizClientID:          "Client ID",
	config.FieldWizClientSecret:      "Client secret",
	config.FieldSemgrepAPIURL:        "Semgrep API URL",
	config.FieldSemgrepToken:         "Semgrep API token",
	config.FieldSemgrepDeployment:    "Deployment",
	config.FieldPolicySeverities:     "Severities",
	config.FieldPolicyIncludeRepos:   "Include repositories",
	config.FieldPolicyExcludeRepos:   "Exclude repositories",
	config.FieldPolicyFullScansOnly:  "Full scans only",
	config.FieldPolicyDefaultBranch:  "Default branch only",
	config.FieldPolicyStatuses:       "Statuses (config file)",
	config.FieldPolicyMaxScanAgeDays: "Maximum scan age (config file)",
}

func label(field string) string {
	if l, ok := fieldLabels[field]; ok {
		return l
	}
	return field
}

// describe turns a config problem into one sentence naming the field. The
// hint is added unless it is the general one the field's description
// already gives (or tells how to set the value outside the wizard).
func describe(p config.Problem, withHint bool) string {
	l := label(p.Field)
	msg := p.Message
	if strings.HasSuffix(l, "URL") {
		msg = strings.TrimPrefix(msg, "URL ")
	}
	s := l + " " + msg
	if withHint && p.Hint != "" && p.Hint != config.HintAPIEndpoint && p.Hint != config.HintAuthURL && !strings.HasPrefix(p.Hint, "set ") {
		s += " — " + p.Hint
	}
	return s
}

// problems lists a save error's problems as sentences (one for an error
// that is not a validation error).
func problems(err error) []string {
	var ve *config.ValidationError
	if !errors.As(err, &ve) {
		return []string{fmt.Sprintf("Saving failed: %v", err)}
	}
	out := make([]string, 0, len(ve.Problems))
	for _, p := range ve.Problems {
		out = append(out, describe(p, true))
	}
	return out
}
