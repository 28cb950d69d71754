package config

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"path"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Needs says which connections the command about to run will use: a dry
// run needs no Wiz credentials, --from FILE needs no Semgrep token. Settings
// that are present are checked either way; Needs only decides which
// missing ones are problems.
type Needs struct{ Wiz, Semgrep bool }

// Problem is one thing wrong with the configuration.
type Problem struct {
	Field   string // a Field* constant, e.g. "wiz.client_id"
	Origin  string // where the value came from ("env WIZ_CLIENT_ID", "file /x/config.yaml"); "" when not set
	Message string // what is wrong; never contains a secret
	Hint    string // how to fix it
}

func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.Field)
	switch p.Origin {
	case "":
	case OriginDefault:
		b.WriteString(" (default)")
	default:
		b.WriteString(" (from " + p.Origin + ")")
	}
	b.WriteString(": " + p.Message)
	if p.Hint != "" {
		b.WriteString(" — " + p.Hint)
	}
	return b.String()
}

// ValidationError lists every problem found, one per line.
type ValidationError struct{ Problems []Problem }

func (e *ValidationError) Error() string {
	if len(e.Problems) == 1 {
		return e.Problems[0].String()
	}
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = "  " + p.String()
	}
	return fmt.Sprintf("%d configuration problems:\n%s", len(e.Problems), strings.Join(lines, "\n"))
}

// Hints shared by the wizard and Validate.
const (
	HintAPIEndpoint = "the endpoint looks like https://api.<dc>.app.wiz.io/graphql — copy it from Wiz → User Settings → Tenant Info"
	HintAuthURL     = "copy the Authentication URL from Wiz → User Settings → Tenant Info: https://auth.app.wiz.io/oauth/token (commercial), https://auth.gov.wiz.io/oauth/token (commercial on AWS GovCloud), https://auth.app.wiz.us/oauth/token (Wiz for Government) or https://auth.wiz.io/oauth/token (legacy)"
	hintClientID    = "copy the Client ID of the service account from Wiz → Settings → Service Accounts"
	hintSecret      = "set WIZ_CLIENT_SECRET, or store it as wiz-client-secret in the OS keyring (service semgrep-wiz) or in the 0600 credentials file; Wiz shows a secret only once, so create a new one if it is lost"
	hintToken       = "create a token with the Web API scope in Semgrep → Settings → Tokens; set SEMGREP_APP_TOKEN, or store it as semgrep-token in the OS keyring (service semgrep-wiz) or in the 0600 credentials file"
	hintDeployment  = "set SEMGREP_DEPLOYMENT or deployment under semgrep: to your organisation's slug (shown in Semgrep → Settings)"
	hintPattern     = "patterns match owner/repo names with * ? [...] within a part and ** across parts, e.g. acme/* or acme/**"
)

var (
	slugRE     = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)
	uuidRE     = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	vcsHostRE  = regexp.MustCompile(`^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?$`)
	alnumRE    = regexp.MustCompile(`^[A-Za-z0-9]+$`)
	errNotURL  = errors.New("is not a valid URL")
	errBlanks  = errors.New("contains blanks or control characters")
	errNoHost  = errors.New("must be a full URL such as https://host/path")
	errUser    = errors.New("must not contain a user name or password")
	errQuery   = errors.New("must not have a query (?…)")
	errFrag    = errors.New("must not have a fragment (#…)")
	errPort    = errors.New("has an invalid port")
	errHTTP    = errors.New("must use https:// (http:// is allowed only for loopback addresses such as 127.0.0.1, ::1 or localhost)")
	errScheme  = errors.New("must start with https://")
	errEmptyEP = errors.New("is empty")
)

// ValidateEndpoint checks a service URL: it parses, has a host, uses
// https:// (or http:// to a loopback address), and carries no user info,
// query or fragment. The error never repeats the URL, which might hold a
// credential.
func ValidateEndpoint(raw string) error {
	if raw == "" {
		return errEmptyEP
	}
	for _, r := range raw {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return errBlanks
		}
	}
	u, err := url.Parse(raw)
	if err != nil {
		return errNotURL
	}
	if u.Opaque != "" || u.Host == "" || u.Hostname() == "" {
		return errNoHost
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
	case "http":
		if !isLoopbackHost(u.Hostname()) {
			return errHTTP
		}
	default:
		return errScheme
	}
	if u.User != nil {
		return errUser
	}
	if u.RawQuery != "" || u.ForceQuery {
		return errQuery
	}
	if u.Fragment != "" || strings.Contains(raw, "#") {
		return errFrag
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return errPort
		}
	} else if strings.HasSuffix(u.Host, ":") {
		return errPort
	}
	return nil
}

// IsLoopbackURL reports whether raw parses and names a loopback host
// (127.0.0.0/8, ::1 or localhost), where plain http is acceptable and the
// Wiz-specific checks do not apply.
func IsLoopbackURL(raw string) bool {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return false
	}
	return isLoopbackHost(u.Hostname())
}

func isLoopbackHost(h string) bool {
	h = strings.TrimSuffix(strings.ToLower(h), ".")
	if h == "localhost" {
		return true
	}
	a, err := netip.ParseAddr(h)
	return err == nil && a.Unmap().IsLoopback()
}

// ValidatePattern checks a repository pattern (see MatchRepo).
func ValidatePattern(pattern string) error {
	if strings.TrimSpace(pattern) == "" {
		return errors.New("empty pattern")
	}
	for _, seg := range strings.Split(pattern, "/") {
		if seg == "**" {
			continue
		}
		if _, err := path.Match(seg, ""); err != nil {
			return fmt.Errorf("malformed pattern %q: %w", pattern, err)
		}
	}
	return nil
}

// MatchRepo matches a repository name ("owner/repo", or deeper for GitLab
// groups) against pattern, ignoring case. Within a part, pattern uses
// path.Match syntax (* ? [...] \); a part that is exactly ** matches any
// number of parts, including none.
func MatchRepo(pattern, name string) (bool, error) {
	if err := ValidatePattern(pattern); err != nil {
		return false, err
	}
	p := strings.Split(strings.ToLower(strings.Trim(pattern, "/")), "/")
	n := strings.Split(strings.ToLower(strings.Trim(name, "/")), "/")
	return matchParts(p, n), nil
}

func matchParts(p, n []string) bool {
	for len(p) > 0 {
		if p[0] == "**" {
			for len(p) > 1 && p[1] == "**" {
				p = p[1:] // a run of ** is one **; keeps the search linear-ish
			}
			for i := 0; i <= len(n); i++ {
				if matchParts(p[1:], n[i:]) {
					return true
				}
			}
			return false
		}
		if len(n) == 0 {
			return false
		}
		if ok, _ := path.Match(p[0], n[0]); !ok {
			return false
		}
		p, n = p[1:], n[1:]
	}
	return len(n) == 0
}

// Validate checks every setting and returns a *ValidationError listing all
// problems, or nil.
func (c *Config) Validate(needs Needs) error {
	if c == nil {
		return &ValidationError{Problems: []Problem{{Field: FieldConfigFile, Message: "no configuration", Hint: "write the config file (see the README) or set the WIZ_* and SEMGREP_* environment variables"}}}
	}
	v := &validator{c: c}
	v.wiz(needs.Wiz)
	v.semgrep(needs.Semgrep)
	v.policy()
	v.guards()
	v.watch()
	if len(v.problems) == 0 {
		return nil
	}
	return &ValidationError{Problems: v.problems}
}

type validator struct {
	c        *Config
	problems []Problem
}

func (v *validator) add(field, msg, hint string) {
	origin := v.c.Origins[field]
	if origin == OriginFile && v.c.Path != "" {
		origin = "file " + v.c.Path
	}
	v.problems = append(v.problems, Problem{Field: field, Origin: origin, Message: msg, Hint: hint})
}

// wizEnv names the Wiz environment of a host, "" when it is not a Wiz host.
// Wiz for Government lives under .wiz.us, everything else under .wiz.io;
// a token from one is useless at the other.
func wizEnv(host string) string {
	switch {
	case host == "wiz.us" || strings.HasSuffix(host, ".wiz.us"):
		return "Wiz for Government (.wiz.us)"
	case host == "wiz.io" || strings.HasSuffix(host, ".wiz.io"):
		return "commercial Wiz (.wiz.io)"
	}
	return ""
}

func (v *validator) wiz(need bool) {
	w := &v.c.Wiz
	epOK, authOK := false, false

	switch {
	case w.APIEndpoint == "":
		if need {
			v.add(FieldWizAPIEndpoint, "is not set", "set WIZ_API_ENDPOINT or wiz.api_endpoint in the config file; "+HintAPIEndpoint)
		}
	case ValidateEndpoint(w.APIEndpoint) != nil:
		v.add(FieldWizAPIEndpoint, "URL "+ValidateEndpoint(w.APIEndpoint).Error(), HintAPIEndpoint)
	default:
		epOK = true
		u, _ := url.Parse(w.APIEndpoint)
		h := hostOf(w.APIEndpoint)
		if isWizHost(h) {
			switch {
			case strings.HasPrefix(h, "auth"):
				v.add(FieldWizAPIEndpoint, "is the authentication URL's host ("+h+"), not the API endpoint", HintAPIEndpoint)
			case !strings.HasPrefix(h, "api."):
				v.add(FieldWizAPIEndpoint, "host "+h+" is not a Wiz API host (api.<dc>.app.wiz.io)", HintAPIEndpoint)
			case u.Path != "/graphql":
				v.add(FieldWizAPIEndpoint, "path must be /graphql", HintAPIEndpoint)
			}
		}
	}

	switch {
	case w.AuthURL == "":
		if need {
			v.add(FieldWizAuthURL, "is not set", "set WIZ_AUTH_URL or wiz.auth_url in the config file; "+suggestAuth(hostOf(w.APIEndpoint), true))
		}
	case ValidateEndpoint(w.AuthURL) != nil:
		v.add(FieldWizAuthURL, "URL "+ValidateEndpoint(w.AuthURL).Error(), HintAuthURL)
	default:
		authOK = true
		u, _ := url.Parse(w.AuthURL)
		h := hostOf(w.AuthURL)
		switch {
		case isWizHost(h) && strings.HasPrefix(h, "api."):
			v.add(FieldWizAuthURL, "is the API endpoint's host ("+h+"), not the authentication URL", HintAuthURL)
		case !strings.HasSuffix(u.Path, "/oauth/token"):
			v.add(FieldWizAuthURL, "must end in /oauth/token", HintAuthURL)
		}
	}

	authHost := ""
	if authOK {
		authHost = hostOf(w.AuthURL)
	}
	if epOK && authOK {
		epHost := hostOf(w.APIEndpoint)
		ee, ae := wizEnv(epHost), wizEnv(authHost)
		if ee != "" && ae != "" && ee != ae {
			from := FieldWizAPIEndpoint
			if o := v.c.Origins[FieldWizAPIEndpoint]; o != "" {
				from += ", from " + o
			}
			v.add(FieldWizAuthURL,
				fmt.Sprintf("authentication host %s is %s, but the API endpoint host %s (%s) is %s; both must come from the same Wiz environment",
					authHost, ae, epHost, from, ee),
				suggestAuth(epHost, false))
		}
	}
	// Cognito service-account credentials have a known shape; Auth0 (legacy)
	// and non-Wiz stand-ins do not, so only blanks are refused there.
	cognito := isWizHost(authHost) && !isAuth0Host(authHost)

	switch {
	case w.ClientID == "":
		if need {
			v.add(FieldWizClientID, "is not set", "set WIZ_CLIENT_ID or wiz.client_id in the config file; "+hintClientID)
		}
	case cognito && (!alnumRE.MatchString(w.ClientID) || len(w.ClientID) < 53 || len(w.ClientID) > 56):
		hint := hintClientID
		if len(w.ClientID) == 64 && alnumRE.MatchString(w.ClientID) {
			hint = "this looks like a client secret (64 characters); the client id is the shorter value — " + hintClientID
		}
		v.add(FieldWizClientID, "must be 53–56 letters and digits; this one has "+shape(w.ClientID), hint)
	case hasBlank(w.ClientID):
		v.add(FieldWizClientID, "contains blanks or control characters", hintClientID)
	}

	switch {
	case w.ClientSecret == "":
		if need {
			v.add(FieldWizClientSecret, "is not set", hintSecret)
		}
	case cognito && (!alnumRE.MatchString(w.ClientSecret) || len(w.ClientSecret) != 64):
		v.add(FieldWizClientSecret, "must be 64 letters and digits; this one has "+shape(w.ClientSecret), hintSecret)
	case hasBlank(w.ClientSecret):
		v.add(FieldWizClientSecret, "contains blanks or control characters", hintSecret)
	}

	if w.Audience != "" && hasBlank(w.Audience) {
		v.add(FieldWizAudience, "contains blanks", "leave it unset: the audience is derived from the authentication URL (wiz-api, or beyond-api for auth.wiz.io)")
	}
	// An upload is one PUT to presigned storage, which takes at most 5 GB.
	if w.MaxUploadMB < 1 || w.MaxUploadMB > 5120 {
		v.add(FieldWizMaxUploadMB, fmt.Sprintf("must be between 1 and 5120 (got %d)", w.MaxUploadMB),
			fmt.Sprintf("a larger sync is split into uploads of at most this many MB; leave it out to use %d", DefaultMaxUploadMB))
	}
	if w.IntegrationID != "" && !uuidRE.MatchString(w.IntegrationID) {
		v.add(FieldWizIntegrationID, "must be a UUID such as "+DefaultIntegrationID,
			"leave it unset to use Wiz's customer integration id; only Wiz partners have their own")
	}
	hosts := make([]string, 0, len(w.VCSHosts))
	for h := range w.VCSHosts {
		hosts = append(hosts, h)
	}
	sort.Strings(hosts)
	for _, h := range hosts {
		kind := w.VCSHosts[h]
		if !vcsHostRE.MatchString(h) {
			v.add(FieldWizVCSHosts, fmt.Sprintf("%q is not a host name", h), "write the host alone, e.g. git.acme.com: GitLab")
		}
		if !slices.Contains(VCSKinds, kind) {
			v.add(FieldWizVCSHosts, fmt.Sprintf("host %s: unknown VCS kind %q", h, kind), "use one of "+strings.Join(VCSKinds, ", "))
		}
	}
}

// suggestAuth names the authentication URL that goes with an endpoint
// host, followed by the list of known URLs when full is set.
func suggestAuth(endpointHost string, full bool) string {
	var s string
	switch wizEnv(endpointHost) {
	case "Wiz for Government (.wiz.us)":
		s = "for a .wiz.us endpoint use https://auth.app.wiz.us/oauth/token"
	case "commercial Wiz (.wiz.io)":
		s = "for a .wiz.io endpoint use https://auth.app.wiz.io/oauth/token (or the auth.gov.wiz.io or legacy auth.wiz.io URL, if Tenant Info shows one)"
	default:
		return HintAuthURL
	}
	if full {
		s += "; " + HintAuthURL
	}
	return s
}

// shape describes a credential by length (and foreign characters) only:
// the value itself must never appear in a message.
func shape(s string) string {
	n := len([]rune(s))
	out := fmt.Sprintf("%d characters", n)
	if !alnumRE.MatchString(s) {
		out += ", some of them not letters or digits"
	}
	return out
}

func hasBlank(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0
}

func (v *validator) semgrep(need bool) {
	s := &v.c.Semgrep
	switch {
	case s.APIURL == "":
		if need {
			v.add(FieldSemgrepAPIURL, "is not set", "leave it out of the config to use "+DefaultSemgrepAPIURL)
		}
	case ValidateEndpoint(s.APIURL) != nil:
		v.add(FieldSemgrepAPIURL, "URL "+ValidateEndpoint(s.APIURL).Error(), "the default is "+DefaultSemgrepAPIURL)
	default:
		u, _ := url.Parse(s.APIURL)
		if strings.EqualFold(u.Hostname(), "semgrep.dev") && u.Path != "/api/v1" {
			v.add(FieldSemgrepAPIURL, "path must be /api/v1 on semgrep.dev", "use "+DefaultSemgrepAPIURL)
		}
	}

	switch {
	case s.Deployment == "":
		if need {
			v.add(FieldSemgrepDeployment, "is not set", hintDeployment)
		}
	case !slugRE.MatchString(s.Deployment):
		hint := "a slug has lowercase letters, digits, - and _; " + hintDeployment
		if low := strings.ToLower(s.Deployment); slugRE.MatchString(low) {
			hint = fmt.Sprintf("slugs are lowercase: use %q", low)
		} else if strings.Contains(s.Deployment, "/") {
			hint = "give the slug alone (e.g. acme-corp), not a URL or path"
		}
		v.add(FieldSemgrepDeployment, "is not a deployment slug", hint)
	}

	switch {
	case s.Token == "":
		if need {
			v.add(FieldSemgrepToken, "is not set", hintToken)
		}
	case hasBlank(s.Token):
		v.add(FieldSemgrepToken, "contains blanks or control characters ("+shape(s.Token)+")", hintToken)
	}

	if s.Concurrency < 1 || s.Concurrency > 16 {
		v.add(FieldSemgrepConcurrency, fmt.Sprintf("must be between 1 and 16 (got %d)", s.Concurrency),
			fmt.Sprintf("leave it out to use %d parallel fetches", DefaultConcurrency))
	}
}

func (v *validator) policy() {
	p := &v.c.Policy
	v.enumList(FieldPolicySeverities, p.Severities, AllowedSeverities, "severities")
	v.enumList(FieldPolicyStatuses, p.Statuses, AllowedStatuses, "statuses")
	v.patterns(FieldPolicyIncludeRepos, p.IncludeRepos)
	v.patterns(FieldPolicyExcludeRepos, p.ExcludeRepos)
	if p.MaxScanAgeDays < 1 || p.MaxScanAgeDays > 30 {
		v.add(FieldPolicyMaxScanAgeDays, fmt.Sprintf("must be between 1 and 30 (got %d)", p.MaxScanAgeDays),
			"Semgrep's scans API looks back 30 days; leave it out to use 30")
	}
}

func (v *validator) guards() {
	g := &v.c.Guards
	if g.MassResolvePercent < 1 || g.MassResolvePercent > 100 {
		v.add(FieldGuardsMassResolvePercent, fmt.Sprintf("must be between 1 and 100 (got %d)", g.MassResolvePercent),
			fmt.Sprintf("an upload that would mark fixed more than this percentage of what a data source (or the tenant) holds from semgrep-wiz asks for confirmation first; leave it out to use %d", DefaultMassResolvePercent))
	}
	if g.MassResolveMin < 1 {
		v.add(FieldGuardsMassResolveMin, fmt.Sprintf("must be at least 1 (got %d)", g.MassResolveMin),
			fmt.Sprintf("confirmation is asked only when at least this many findings would be marked fixed; leave it out to use %d", DefaultMassResolveMin))
	}
	if g.UploadsPerDay < 0 || g.UploadsPerDay > 48 {
		v.add(FieldGuardsUploadsPerDay, fmt.Sprintf("must be between 0 and 48 (got %d)", g.UploadsPerDay),
			fmt.Sprintf("Semgrep documents at most 3 uploads per repository per day; 0 means no limit; leave it out to use %d", DefaultUploadsPerDay))
	}
}

func (v *validator) watch() {
	w := &v.c.Watch
	if d := w.Interval.Duration; d < time.Minute || d > 24*time.Hour {
		v.add(FieldWatchInterval, fmt.Sprintf("must be between 1m and 24h (got %s)", w.Interval),
			"write how often watch looks for new scans as a duration such as 10m or 1h; leave it out to use "+Duration{DefaultWatchInterval}.String())
	}
	if d := w.RefreshAfter.Duration; d < time.Hour || d > 144*time.Hour {
		v.add(FieldWatchRefreshAfter, fmt.Sprintf("must be between 1h and 144h (got %s)", w.RefreshAfter),
			"Wiz drops findings not refreshed within 7 days, so every data source is re-sent at least this often; write a duration such as 24h or 72h (a day is 24h), or leave it out to use "+Duration{DefaultRefreshAfter}.String())
	}
}

func (v *validator) enumList(field string, vals, allowed []string, what string) {
	allowedText := "use one or more of " + strings.Join(allowed, ", ")
	if len(vals) == 0 {
		v.add(field, "is empty, so no finding would be sent and every finding sent before would be marked fixed", allowedText)
		return
	}
	var bad []string
	for _, s := range vals {
		if !slices.Contains(allowed, s) {
			bad = append(bad, strconv.Quote(s))
		}
	}
	if len(bad) > 0 {
		v.add(field, "unknown "+what+" "+strings.Join(bad, ", "), allowedText)
	}
}

func (v *validator) patterns(field string, pats []string) {
	for _, p := range pats {
		switch {
		case strings.TrimSpace(p) == "":
			v.add(field, "has an empty pattern", hintPattern)
		case strings.Contains(p, "://") || v.looksLikeHost(p):
			v.add(field, fmt.Sprintf("pattern %q looks like a URL", p), hintPattern)
		default:
			if err := ValidatePattern(p); err != nil {
				v.add(field, err.Error(), hintPattern)
			}
		}
	}
}

// looksLikeHost catches "github.com/acme/app": the first part is a VCS
// host, but patterns match names like "acme/app".
func (v *validator) looksLikeHost(p string) bool {
	first, _, ok := strings.Cut(strings.ToLower(p), "/")
	if !ok {
		return false
	}
	switch first {
	case "github.com", "gitlab.com", "bitbucket.org", "dev.azure.com", "ssh.dev.azure.com":
		return true
	}
	_, known := v.c.Wiz.VCSFor(first)
	return known
}
