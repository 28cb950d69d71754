// Package config holds semgrep-wiz's typed configuration: defaults, the
// file + environment + flag precedence, XDG paths, validation with
// actionable messages, atomic 0600 writes and the secret store (OS keyring
// or a 0600 credentials file).
//
// It imports nothing from this module, so every other package may use it.
// Secrets (the Wiz client secret, the Semgrep token) never go into the YAML
// file: they come from the environment or the SecretStore.
package config

import (
	"net/url"
	"strings"
	"time"
	"unicode"
)

// Config is the whole configuration after precedence has been applied.
type Config struct {
	Wiz     WizConfig     `yaml:"wiz"`
	Semgrep SemgrepConfig `yaml:"semgrep"`
	Policy  Policy        `yaml:"policy"`
	Guards  Guards        `yaml:"guards"`
	Watch   Watch         `yaml:"watch"`

	// Origins says where each setting came from, keyed by the Field*
	// constants: "file", "env WIZ_CLIENT_ID", "flag --wiz-client-id",
	// "keyring", "credentials file" or "default". Unset settings have no
	// entry.
	Origins map[string]string `yaml:"-"`
	// Path is the config file that was (or would have been) read; StateDir
	// the resolved state directory.
	Path     string `yaml:"-"`
	StateDir string `yaml:"-"`
	// FileExists reports whether Path existed when Load read it, so `check`
	// can say that settings came from the environment alone.
	FileExists bool `yaml:"-"`
}

// WizConfig is the Wiz side of the connection.
type WizConfig struct {
	// APIEndpoint is https://api.<dc>.app.wiz.io/graphql; Normalize appends
	// /graphql when the path is empty.
	APIEndpoint string `yaml:"api_endpoint"`
	// AuthURL is the token URL shown in Tenant Info, e.g.
	// https://auth.app.wiz.io/oauth/token. There is deliberately no default:
	// gov and legacy tenants use other hosts.
	AuthURL      string `yaml:"auth_url"`
	ClientID     string `yaml:"client_id"`
	ClientSecret string `yaml:"-"` // never in the YAML file
	// Audience overrides the audience derived from the auth host.
	Audience string `yaml:"audience,omitempty"`
	// IntegrationID overrides DefaultIntegrationID (Wiz partners only).
	IntegrationID string `yaml:"integration_id,omitempty"`
	// VCSHosts maps a self-hosted VCS host (git.acme.com) to one of VCSKinds.
	VCSHosts map[string]string `yaml:"vcs_hosts,omitempty"`
	// MaxUploadMB caps one upload file, in MB (1 MB = 1,048,576 bytes): a
	// larger sync is split into several uploads between data sources.
	MaxUploadMB int `yaml:"max_upload_mb,omitempty"`
}

// SemgrepConfig is the Semgrep AppSec Platform side.
type SemgrepConfig struct {
	APIURL      string `yaml:"api_url"`
	Deployment  string `yaml:"deployment"`
	Token       string `yaml:"-"` // never in the YAML file
	Concurrency int    `yaml:"concurrency,omitempty"`
}

// Policy selects which findings are sent.
type Policy struct {
	Severities        []string `yaml:"severities"`
	FullScansOnly     bool     `yaml:"full_scans_only"`
	DefaultBranchOnly bool     `yaml:"default_branch_only"`
	Statuses          []string `yaml:"statuses"`
	// IncludeRepos and ExcludeRepos are MatchRepo patterns on "owner/repo";
	// an empty IncludeRepos means every repository.
	IncludeRepos   []string `yaml:"include_repos"`
	ExcludeRepos   []string `yaml:"exclude_repos"`
	MaxScanAgeDays int      `yaml:"max_scan_age_days"`
}

// Guards are the safety limits of the plan step.
type Guards struct {
	// MassResolvePercent: an upload that would mark fixed more than this
	// share (1..100) of what a data source (or the whole tenant) holds from
	// us, and at least MassResolveMin findings, needs confirmation
	// (--allow-mass-resolve when headless).
	MassResolvePercent int `yaml:"mass_resolve_percent"`
	MassResolveMin     int `yaml:"mass_resolve_min"`
	// UploadsPerDay caps uploads per repository per UTC day (Semgrep
	// documents at most 3); 0 means no limit.
	UploadsPerDay int `yaml:"uploads_per_day"`
}

// Watch is the schedule of `semgrep-wiz watch`.
type Watch struct {
	// Interval is how often new scans are looked for.
	Interval Duration `yaml:"interval"`
	// RefreshAfter re-sends every data source at least this often, since
	// Wiz drops findings not refreshed within 7 days.
	RefreshAfter Duration `yaml:"refresh_after"`
}

// Setting names: the keys of Config.Origins and Problem.Field, spelled as
// in the YAML file.
const (
	FieldConfigFile           = "config_file"
	FieldStateDir             = "state_dir"
	FieldWizAPIEndpoint       = "wiz.api_endpoint"
	FieldWizAuthURL           = "wiz.auth_url"
	FieldWizClientID          = "wiz.client_id"
	FieldWizClientSecret      = "wiz.client_secret"
	FieldWizAudience          = "wiz.audience"
	FieldWizIntegrationID     = "wiz.integration_id"
	FieldWizVCSHosts          = "wiz.vcs_hosts"
	FieldWizMaxUploadMB       = "wiz.max_upload_mb"
	FieldSemgrepAPIURL        = "semgrep.api_url"
	FieldSemgrepDeployment    = "semgrep.deployment"
	FieldSemgrepToken         = "semgrep.token"
	FieldSemgrepConcurrency   = "semgrep.concurrency"
	FieldPolicySeverities     = "policy.severities"
	FieldPolicyFullScansOnly  = "policy.full_scans_only"
	FieldPolicyDefaultBranch  = "policy.default_branch_only"
	FieldPolicyStatuses       = "policy.statuses"
	FieldPolicyIncludeRepos   = "policy.include_repos"
	FieldPolicyExcludeRepos   = "policy.exclude_repos"
	FieldPolicyMaxScanAgeDays = "policy.max_scan_age_days"

	FieldGuardsMassResolvePercent = "guards.mass_resolve_percent"
	FieldGuardsMassResolveMin     = "guards.mass_resolve_min"
	FieldGuardsUploadsPerDay      = "guards.uploads_per_day"
	FieldWatchInterval            = "watch.interval"
	FieldWatchRefreshAfter        = "watch.refresh_after"
)

// Origin words (see Config.Origins). Environment and flag origins are
// "env NAME" and "flag --name".
const (
	OriginFile            = "file"
	OriginDefault         = "default"
	OriginKeyring         = "keyring"
	OriginCredentialsFile = "credentials file"
)

// Environment variables read by Load.
const (
	EnvWizClientID       = "WIZ_CLIENT_ID"
	EnvWizClientSecret   = "WIZ_CLIENT_SECRET"
	EnvWizAPIEndpoint    = "WIZ_API_ENDPOINT"
	EnvWizAuthURL        = "WIZ_AUTH_URL"
	EnvSemgrepToken      = "SEMGREP_APP_TOKEN"
	EnvSemgrepDeployment = "SEMGREP_DEPLOYMENT"
	EnvSemgrepAPIURL     = "SEMGREP_API_URL"
	EnvConfigFile        = "SEMGREP_WIZ_CONFIG"
	EnvStateDir          = "SEMGREP_WIZ_STATE_DIR"
)

// Flag names (without "--") that Overrides stand for; cmd should register
// its flags under these names so Origins and hints name the real flag.
const (
	FlagConfig            = "config"
	FlagStateDir          = "state-dir"
	FlagWizAPIEndpoint    = "wiz-api-endpoint"
	FlagWizAuthURL        = "wiz-auth-url"
	FlagWizClientID       = "wiz-client-id"
	FlagSemgrepAPIURL     = "semgrep-api-url"
	FlagSemgrepDeployment = "semgrep-deployment"
)

// Defaults.
const (
	DefaultSemgrepAPIURL  = "https://semgrep.dev/api/v1"
	DefaultConcurrency    = 8
	DefaultMaxScanAgeDays = 30
	// DefaultMassResolvePercent and DefaultMassResolveMin: marking fixed
	// more than half of what a data source holds, and at least 20
	// findings, asks first.
	DefaultMassResolvePercent = 50
	DefaultMassResolveMin     = 20
	// DefaultMaxUploadMB: Wiz publishes no maximum upload size; 100 MB
	// keeps one PUT (and what Wiz must ingest at once) reasonable.
	DefaultMaxUploadMB = 100
	// DefaultUploadsPerDay is the per-repository daily limit Semgrep documents.
	DefaultUploadsPerDay = 3
	DefaultWatchInterval = 10 * time.Minute
	// DefaultRefreshAfter is Wiz's recommended cadence of one upload per 24 h.
	DefaultRefreshAfter = 24 * time.Hour
	// DefaultIntegrationID is the integration id Wiz documents for customers
	// uploading their own scan results.
	DefaultIntegrationID = "55c176cc-d155-43a2-98ed-aa56873a1ca1"
	// KeyringService is the OS keyring service name secrets are stored under.
	KeyringService = "semgrep-wiz"
)

// Allowed values.
var (
	// Severities in ascending order.
	AllowedSeverities = []string{"low", "medium", "high", "critical"}
	AllowedStatuses   = []string{"open", "fixed", "ignored", "reviewing", "fixing", "provisionally_ignored"}
	// VCSKinds are the Wiz repositoryBranch.vcs values a self-hosted host can map to.
	VCSKinds = []string{"GitHub", "GitLab", "BitbucketCloud", "BitbucketDataCenter", "AzureDevOps"}
)

// EnvOrigin and FlagOrigin build Origins values.
func EnvOrigin(name string) string  { return "env " + name }
func FlagOrigin(name string) string { return "flag --" + name }

// Default returns a configuration holding only the documented defaults,
// e.g. as the starting point of the setup wizard.
func Default() *Config {
	c := &Config{Origins: map[string]string{}}
	applyDefaults(c, &rawConfig{})
	return c
}

// applyDefaults fills every setting that raw (the file, after env and flags
// were merged in) left absent.
func applyDefaults(c *Config, raw *rawConfig) {
	def := func(field string) { c.setOrigin(field, OriginDefault) }
	if raw.Wiz.MaxUploadMB == nil {
		c.Wiz.MaxUploadMB = DefaultMaxUploadMB
		def(FieldWizMaxUploadMB)
	}
	if raw.Semgrep.APIURL == nil {
		c.Semgrep.APIURL = DefaultSemgrepAPIURL
		def(FieldSemgrepAPIURL)
	}
	if raw.Semgrep.Concurrency == nil {
		c.Semgrep.Concurrency = DefaultConcurrency
		def(FieldSemgrepConcurrency)
	}
	p := &raw.Policy
	if p.Severities == nil {
		c.Policy.Severities = []string{"critical", "high"}
		def(FieldPolicySeverities)
	}
	if p.FullScansOnly == nil {
		c.Policy.FullScansOnly = true
		def(FieldPolicyFullScansOnly)
	}
	if p.DefaultBranchOnly == nil {
		c.Policy.DefaultBranchOnly = true
		def(FieldPolicyDefaultBranch)
	}
	if p.Statuses == nil {
		c.Policy.Statuses = []string{"open"}
		def(FieldPolicyStatuses)
	}
	if p.MaxScanAgeDays == nil {
		c.Policy.MaxScanAgeDays = DefaultMaxScanAgeDays
		def(FieldPolicyMaxScanAgeDays)
	}
	g := &raw.Guards
	if g.MassResolvePercent == nil {
		c.Guards.MassResolvePercent = DefaultMassResolvePercent
		def(FieldGuardsMassResolvePercent)
	}
	if g.MassResolveMin == nil {
		c.Guards.MassResolveMin = DefaultMassResolveMin
		def(FieldGuardsMassResolveMin)
	}
	if g.UploadsPerDay == nil {
		c.Guards.UploadsPerDay = DefaultUploadsPerDay
		def(FieldGuardsUploadsPerDay)
	}
	if raw.Watch.Interval == nil {
		c.Watch.Interval = Duration{DefaultWatchInterval}
		def(FieldWatchInterval)
	}
	if raw.Watch.RefreshAfter == nil {
		c.Watch.RefreshAfter = Duration{DefaultRefreshAfter}
		def(FieldWatchRefreshAfter)
	}
}

func (c *Config) setOrigin(field, origin string) {
	if c.Origins == nil {
		c.Origins = map[string]string{}
	}
	c.Origins[field] = origin
}

// Origin is where field came from, or "" when it is not set.
func (c *Config) Origin(field string) string {
	if c == nil {
		return ""
	}
	return c.Origins[field]
}

// EffectiveAudience is Audience when set, else the audience for the auth host.
func (w *WizConfig) EffectiveAudience() string {
	if w.Audience != "" {
		return w.Audience
	}
	return AudienceFor(w.AuthURL)
}

// EffectiveIntegrationID is IntegrationID when set, else DefaultIntegrationID.
func (w *WizConfig) EffectiveIntegrationID() string {
	if w.IntegrationID != "" {
		return w.IntegrationID
	}
	return DefaultIntegrationID
}

// VCSFor returns the configured VCS kind for a self-hosted host (case-insensitive).
func (w *WizConfig) VCSFor(host string) (string, bool) {
	host = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(host), "."))
	for h, v := range w.VCSHosts {
		if strings.EqualFold(h, host) {
			return v, true
		}
	}
	return "", false
}

// AudienceFor derives the OAuth audience from the token URL's host: the
// legacy Auth0 hosts (auth.wiz.io, auth0.*) want "beyond-api", every other
// (Cognito) host "wiz-api".
func AudienceFor(authURL string) string {
	if isAuth0Host(hostOf(authURL)) {
		return "beyond-api"
	}
	return "wiz-api"
}

func hostOf(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
}

func isAuth0Host(h string) bool {
	return h == "auth.wiz.io" || (strings.HasPrefix(h, "auth0.") && isWizHost(h))
}

// isWizHost reports a host under Wiz's own domains.
func isWizHost(h string) bool {
	return h == "wiz.io" || h == "wiz.us" || strings.HasSuffix(h, ".wiz.io") || strings.HasSuffix(h, ".wiz.us")
}

// Normalize tidies values in place without changing their meaning: trims
// blanks, appends /graphql to a Wiz endpoint with an empty path (and
// /oauth/token to an auth URL with none), drops trailing slashes, maps
// severity words to low/medium/high/critical, lower-cases statuses and VCS
// hosts, canonicalises VCS kinds and removes duplicates. Values it does not
// understand are left for Validate to report. It is idempotent.
func (c *Config) Normalize() {
	w := &c.Wiz
	w.APIEndpoint = withDefaultPath(strings.TrimSpace(w.APIEndpoint), "/graphql")
	w.AuthURL = withDefaultPath(strings.TrimSpace(w.AuthURL), "/oauth/token")
	w.ClientID = strings.TrimSpace(w.ClientID)
	w.ClientSecret = strings.TrimSpace(w.ClientSecret)
	w.Audience = strings.TrimSpace(w.Audience)
	w.IntegrationID = strings.ToLower(strings.TrimSpace(w.IntegrationID))
	if w.VCSHosts != nil {
		m := make(map[string]string, len(w.VCSHosts))
		for h, v := range w.VCSHosts {
			v = strings.TrimSpace(v)
			for _, k := range VCSKinds {
				if strings.EqualFold(k, v) {
					v = k
				}
			}
			m[strings.TrimSuffix(strings.ToLower(strings.TrimSpace(h)), ".")] = v
		}
		w.VCSHosts = m
	}

	s := &c.Semgrep
	s.APIURL = strings.TrimSpace(s.APIURL)
	if u, err := url.Parse(s.APIURL); err == nil && strings.EqualFold(u.Hostname(), "semgrep.dev") && (u.Path == "" || u.Path == "/") {
		s.APIURL = withDefaultPath(s.APIURL, "/api/v1")
	}
	s.APIURL = trimTrailingSlash(s.APIURL)
	s.Deployment = strings.TrimSpace(s.Deployment)
	s.Token = strings.TrimSpace(s.Token)

	p := &c.Policy
	p.Severities = normList(p.Severities, normSeverity)
	p.Statuses = normList(p.Statuses, func(s string) string { return strings.ToLower(s) })
	p.IncludeRepos = normList(p.IncludeRepos, nil)
	p.ExcludeRepos = normList(p.ExcludeRepos, nil)
}

// withDefaultPath sets the URL's path to def when it is empty or "/", and
// otherwise trims one trailing slash. Unparsable input is returned as is.
func withDefaultPath(raw, def string) string {
	if raw == "" {
		return raw
	}
	u, err := url.Parse(raw)
	if err != nil || u.Opaque != "" || u.Host == "" {
		return raw
	}
	if u.Path == "" || u.Path == "/" {
		if u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(raw, "#") {
			return raw // leave it whole for Validate to complain about
		}
		return strings.TrimSuffix(raw, "/") + def
	}
	return trimTrailingSlash(raw)
}

// trimTrailingSlash drops one trailing slash. It leaves "x /" alone: the
// blank it would uncover is trimmed by the next Normalize, which would then
// not be idempotent (Validate reports the blank either way).
func trimTrailingSlash(raw string) string {
	if strings.HasSuffix(raw, "/") && !strings.HasSuffix(raw, "//") && !strings.ContainsAny(raw, "?#") {
		t := strings.TrimSuffix(raw, "/")
		if t == strings.TrimRightFunc(t, unicode.IsSpace) {
			return t
		}
	}
	return raw
}

// normSeverity maps every severity word Semgrep uses (API, CLI, SARIF) to
// the API's lower-case scale; unknown words come back lower-cased.
func normSeverity(s string) string {
	switch s = strings.ToLower(s); s {
	case "error":
		return "high"
	case "warning", "moderate":
		return "medium"
	case "info", "note", "informational":
		return "low"
	}
	return s
}

// normList trims, maps and de-duplicates, keeping order. nil stays nil so
// "absent" survives; blanks are kept (as "") for Validate to report.
func normList(in []string, f func(string) string) []string {
	if in == nil {
		return nil
	}
	out := make([]string, 0, len(in))
	seen := map[string]bool{}
	for _, s := range in {
		s = strings.TrimSpace(s)
		if f != nil {
			s = f(s)
		}
		if seen[s] {
			continue
		}
		seen[s] = true
		out = append(out, s)
	}
	return out
}
