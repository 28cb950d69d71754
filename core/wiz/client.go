// Package wiz is the client for the parts of the Wiz API that semgrep-wiz
// uses: the OAuth client-credentials token, the GraphQL calls to request an
// upload slot, read a system activity and list repository branches, the PUT
// of the upload file to its presigned URL, and the connection check.
package wiz

import (
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	graphql "github.com/hasura/go-graphql-client"
)

// Config holds what the client needs. Zero durations take the defaults
// noted on each field.
type Config struct {
	APIEndpoint  string // e.g. https://api.us17.app.wiz.io/graphql; "/graphql" is appended when missing
	AuthURL      string // e.g. https://auth.app.wiz.io/oauth/token
	ClientID     string
	ClientSecret string
	Audience     string       // optional; else AudienceFor(AuthURL)
	HTTPClient   *http.Client // nil → a client with connect/TLS/header timeouts
	UserAgent    string       // default "semgrep-wiz"
	MaxRetries   int          // retries of transient failures; default 4 (negative → none)
	RetryBase    time.Duration
	// RequestTimeout bounds each attempt of a token or GraphQL request, and
	// the wait for the upload storage's answer once the whole file is sent
	// (the transfer itself is bounded only by the context: a large file on
	// a slow link takes long). Default 30 s for the token, 130 s otherwise.
	// A timed-out attempt is retried.
	RequestTimeout time.Duration

	PollInterval    time.Duration // first wait between activity polls; default 3s
	PollMaxInterval time.Duration // polls back off up to this; default 30s
	PollDeadline    time.Duration // WaitActivity gives up after this; default 15m
	NotFoundGrace   time.Duration // NOT_FOUND counts as "not registered yet" this long; default 2m

	// RequestsPerSecond bounds the client's token and GraphQL requests on
	// average; default DefaultRequestsPerSecond (Wiz allows about 3 per
	// tenant, shared with other integrations).
	RequestsPerSecond float64
}

// Per-attempt limits. Wiz's gateway cuts requests at about 120 s.
const (
	tokenAttemptTimeout   = 30 * time.Second
	graphqlAttemptTimeout = 130 * time.Second
	maxRetryAfter         = 5 * time.Minute
)

// Client talks to one Wiz tenant. It is safe for concurrent use.
type Client struct {
	cfg      Config
	endpoint string
	authURL  string
	audience string
	hc       *http.Client
	gql      *graphql.Client
	now      func() time.Time // replaceable in tests
	pace     *pacer

	tmu      sync.Mutex
	tok      string
	tokExp   time.Time
	renewAt  time.Time
	inflight *tokenCall
}

// New checks the configuration and returns a client. It does no I/O.
func New(cfg Config) (*Client, error) {
	endpoint, err := normalizeURL(cfg.APIEndpoint, "/graphql", false, "API endpoint URL")
	if err != nil {
		return nil, err
	}
	authURL, err := normalizeURL(cfg.AuthURL, "/oauth/token", true, "authentication URL")
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(cfg.ClientID) == "" {
		return nil, configError("the Wiz client id is empty")
	}
	if cfg.ClientSecret == "" {
		return nil, configError("the Wiz client secret is empty")
	}
	if cfg.MaxRetries == 0 {
		cfg.MaxRetries = 4
	} else if cfg.MaxRetries < 0 {
		cfg.MaxRetries = 0
	}
	setDefault(&cfg.RetryBase, time.Second)
	setDefault(&cfg.PollInterval, 3*time.Second)
	setDefault(&cfg.PollMaxInterval, 30*time.Second)
	setDefault(&cfg.PollDeadline, 15*time.Minute)
	setDefault(&cfg.NotFoundGrace, 2*time.Minute)
	if cfg.PollMaxInterval < cfg.PollInterval {
		cfg.PollMaxInterval = cfg.PollInterval
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "semgrep-wiz"
	}
	audience := strings.TrimSpace(cfg.Audience)
	if audience == "" {
		audience = AudienceFor(authURL)
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = defaultHTTPClient()
	}
	c := &Client{
		cfg:      cfg,
		endpoint: endpoint,
		authURL:  authURL,
		audience: audience,
		hc:       hc,
		now:      time.Now,
		pace:     newPacer(cfg.RequestsPerSecond),
	}
	// The library's own retry sleeps ignore the context; we retry ourselves.
	c.gql = graphql.NewClient(endpoint, statusDoer{hc: hc}, graphql.WithRetry(0))
	return c, nil
}

// attemptTimeout is RequestTimeout, or def when it is not set.
func (c *Client) attemptTimeout(def time.Duration) time.Duration {
	if c.cfg.RequestTimeout > 0 {
		return c.cfg.RequestTimeout
	}
	return def
}

// Endpoint is the normalised GraphQL endpoint URL.
func (c *Client) Endpoint() string { return c.endpoint }

// AuthURL is the normalised token URL.
func (c *Client) AuthURL() string { return c.authURL }

// Audience is the audience sent with token requests.
func (c *Client) Audience() string { return c.audience }

// AudienceFor picks the OAuth audience from the token URL's host: the
// legacy Auth0 hosts (auth.wiz.io, auth0.*) want "beyond-api", the Cognito
// ones "wiz-api".
func AudienceFor(authURL string) string {
	host := authURL
	if u, err := url.Parse(withScheme(authURL)); err == nil && u.Host != "" {
		host = u.Hostname()
	}
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if host == "auth.wiz.io" || strings.HasPrefix(host, "auth0.") {
		return "beyond-api"
	}
	return "wiz-api"
}

func setDefault(d *time.Duration, v time.Duration) {
	if *d <= 0 {
		*d = v
	}
}

func configError(msg string) *Error {
	return &Error{Op: "config", Kind: KindConfig, Message: msg}
}

func withScheme(s string) string {
	s = strings.TrimSpace(s)
	if s != "" && !strings.Contains(s, "://") {
		return "https://" + s
	}
	return s
}

// normalizeURL accepts a URL with or without scheme, adds wantPath when it
// is missing (only to an empty path when onlyIfEmpty), and insists on https
// unless the host is loopback.
func normalizeURL(raw, wantPath string, onlyIfEmpty bool, what string) (string, error) {
	if strings.TrimSpace(raw) == "" {
		return "", configError("the Wiz " + what + " is empty")
	}
	u, err := url.Parse(withScheme(raw))
	if err != nil || u.Host == "" {
		return "", configError("the Wiz " + what + " is not a URL")
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", configError("the Wiz " + what + " must not carry user info, a query or a fragment")
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !IsLoopback(u.Hostname()) {
			return "", configError("the Wiz " + what + " must use https:// (plain http is only allowed on loopback)")
		}
	default:
		return "", configError("the Wiz " + what + " must use https://")
	}
	p := strings.TrimRight(u.Path, "/")
	if (p == "" || !onlyIfEmpty) && !strings.HasSuffix(p, wantPath) {
		p += wantPath
	}
	u.Path, u.RawPath = p, ""
	return u.String(), nil
}

// IsLoopback reports whether host (no port) is localhost or a loopback IP.
func IsLoopback(host string) bool {
	host = strings.Trim(host, "[]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func defaultHTTPClient() *http.Client {
	return &http.Client{
		Transport: &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           (&net.Dialer{Timeout: 15 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			TLSHandshakeTimeout:   15 * time.Second,
			ResponseHeaderTimeout: graphqlAttemptTimeout,
			ExpectContinueTimeout: time.Second,
			IdleConnTimeout:       90 * time.Second,
			MaxIdleConnsPerHost:   4,
			ForceAttemptHTTP2:     true,
		},
		// A redirect means a wrong URL; following it would turn the POST
		// into a GET and hide the problem. No overall Timeout: a large PUT
		// may take long; contexts bound every call.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}
