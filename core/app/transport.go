package app

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/semgrep-wiz/semgrep-wiz/config"
	"github.com/semgrep-wiz/semgrep-wiz/core/httplog"
	"github.com/semgrep-wiz/semgrep-wiz/core/version"
)

// Per-request limits. API calls (token, GraphQL, Semgrep) must answer in
// full within apiRequestTimeout (Wiz's gateway cuts requests at about
// 120 s anyway); the upload PUT gets a deadline that grows with its size,
// so a large file on a slow link is not cut off while a silent server is.
const (
	apiRequestTimeout = 2 * time.Minute
	putBaseTimeout    = 2 * time.Minute
	putMinRate        = 32 << 10 // bytes per second the PUT deadline assumes
)

// newHTTPClient is the one client every remote call goes through. TLS is
// always verified against the system's CAs (SSL_CERT_FILE or SSL_CERT_DIR
// name others, such as a private CA) and proxy settings (HTTPS_PROXY,
// NO_PROXY) apply; Go reads both from the process environment, once.
// Every phase of a request is bounded, every request has an overall
// deadline, and with SEMGREP_WIZ_DEBUG=1 each request is logged, without
// credentials, to the log file in the state directory.
func newHTTPClient(e Env, paths config.Paths) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.TLSHandshakeTimeout = 15 * time.Second
	t.ResponseHeaderTimeout = apiRequestTimeout
	t.ExpectContinueTimeout = time.Second
	var rt http.RoundTripper = t
	if debugEnabled(e.Getenv) && paths.LogFile != "" {
		h := slog.NewJSONHandler(httplog.AppendFile(paths.LogFile), &slog.HandlerOptions{Level: slog.LevelDebug})
		rt = httplog.New(rt, slog.New(h))
	}
	if e.SemgrepRequests != nil {
		rt = CountRequests(rt, e.Getenv("SEMGREP_API_URL"), e.SemgrepRequests)
	}
	return &http.Client{
		Transport: &guardTransport{base: rt, apiTimeout: apiRequestTimeout, putBase: putBaseTimeout, putRate: putMinRate},
		// A redirect means a wrong URL; following it could send the token elsewhere.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// CountRequests wraps base to count in n the requests whose URL starts
// with prefix (the scale demo's request ratios).
func CountRequests(base http.RoundTripper, prefix string, n *atomic.Int64) http.RoundTripper {
	return countingTransport{base: base, prefix: prefix, n: n}
}

// countingTransport counts the requests whose URL starts with prefix.
type countingTransport struct {
	base   http.RoundTripper
	prefix string
	n      *atomic.Int64
}

func (t countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if t.prefix != "" && strings.HasPrefix(r.URL.String(), t.prefix) {
		t.n.Add(1)
	}
	return t.base.RoundTrip(r)
}

// debugEnabled reads SEMGREP_WIZ_DEBUG.
func debugEnabled(getenv func(string) string) bool {
	switch strings.ToLower(strings.TrimSpace(getenv("SEMGREP_WIZ_DEBUG"))) {
	case "1", "true", "yes", "on":
		return true
	}
	return false
}

// guardTransport puts an overall deadline on each request (headers and
// body), makes sure it carries our User-Agent, and turns an untrusted
// certificate into an error that says how to trust a private CA.
type guardTransport struct {
	base       http.RoundTripper
	apiTimeout time.Duration
	putBase    time.Duration
	putRate    int64
}

func (g *guardTransport) limit(req *http.Request) time.Duration {
	if req.Method != http.MethodPut {
		return g.apiTimeout
	}
	d := g.putBase
	if req.ContentLength > 0 && g.putRate > 0 {
		d += time.Duration(req.ContentLength/g.putRate) * time.Second
	}
	return d
}

func (g *guardTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	limit := g.limit(req)
	ctx, cancel := context.WithTimeout(req.Context(), limit)
	out := req.WithContext(ctx)
	if out.Header.Get("User-Agent") == "" {
		out.Header = out.Header.Clone()
		out.Header.Set("User-Agent", version.UserAgent())
	}
	resp, err := g.base.RoundTrip(out)
	if err != nil {
		err = g.explain(ctx, req, limit, err)
		cancel()
		return nil, err
	}
	resp.Body = &deadlineBody{ReadCloser: resp.Body, cancel: cancel, explain: func(err error) error { return g.explain(ctx, req, limit, err) }}
	return resp, nil
}

// explain rewrites the errors a person can act on; the cause stays
// reachable through Unwrap so the clients still classify it.
func (g *guardTransport) explain(ctx context.Context, req *http.Request, limit time.Duration, err error) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) && req.Context().Err() == nil {
		return &requestTimeout{host: req.URL.Host, limit: limit, err: err}
	}
	var ua x509.UnknownAuthorityError
	if errors.As(err, &ua) {
		return &untrustedCert{host: req.URL.Hostname(), err: err}
	}
	return err
}

// deadlineBody ends the request's deadline when the body is closed.
type deadlineBody struct {
	io.ReadCloser
	cancel  context.CancelFunc
	explain func(error) error
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && err != io.EOF {
		err = b.explain(err)
	}
	return n, err
}

func (b *deadlineBody) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

// requestTimeout is a request that outlived its overall deadline. It is a
// net.Error with Timeout() true, as the clients expect of timeouts.
type requestTimeout struct {
	host  string
	limit time.Duration
	err   error
}

func (e *requestTimeout) Error() string {
	return fmt.Sprintf("timed out: %s did not answer in full within %s", e.host, e.limit)
}
func (e *requestTimeout) Unwrap() []error { return []error{context.DeadlineExceeded, e.err} }
func (e *requestTimeout) Timeout() bool   { return true }
func (e *requestTimeout) Temporary() bool { return true }

// untrustedCert says what to do about a certificate from an unknown CA:
// typically a TLS-inspecting proxy or a private endpoint.
type untrustedCert struct {
	host string
	err  error
}

func (e *untrustedCert) Error() string {
	// The advice comes first: callers cap long messages.
	return "the TLS certificate of " + e.host + " is not trusted; if a private CA signs it, set SSL_CERT_FILE to that CA's PEM file (" + e.err.Error() + ")"
}
func (e *untrustedCert) Unwrap() error { return e.err }

// serviceOf names the service a request goes to, for
// semgrep_wiz_requests_total: the upload PUT to Wiz's presigned URL, Wiz's
// token endpoint, Wiz's API, or Semgrep's API.
func serviceOf(cfg *config.Config) func(*http.Request) string {
	sameURL := func(r *http.Request, raw string) bool {
		u, err := url.Parse(raw)
		return err == nil && strings.EqualFold(u.Host, r.URL.Host) && strings.TrimSuffix(u.Path, "/") == strings.TrimSuffix(r.URL.Path, "/")
	}
	host := func(raw string) string {
		u, err := url.Parse(raw)
		if err != nil {
			return ""
		}
		return strings.ToLower(u.Host)
	}
	semgrepURL := strings.TrimSuffix(cfg.Semgrep.APIURL, "/")
	wizHost := host(cfg.Wiz.APIEndpoint)
	return func(r *http.Request) string {
		switch {
		case r.Method == http.MethodPut:
			return "wiz_upload"
		case sameURL(r, cfg.Wiz.AuthURL):
			return "wiz_auth"
		case semgrepURL != "" && strings.HasPrefix(r.URL.String(), semgrepURL):
			return "semgrep"
		case wizHost != "" && strings.ToLower(r.URL.Host) == wizHost:
			return "wiz"
		}
		return "other"
	}
}
