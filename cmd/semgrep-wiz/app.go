package main

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"github.com/semgrep-wiz/semgrep-wiz/ui/textfmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/semgrep-wiz/semgrep-wiz/config"
	"github.com/semgrep-wiz/semgrep-wiz/core/finding"
	"github.com/semgrep-wiz/semgrep-wiz/core/httplog"
	"github.com/semgrep-wiz/semgrep-wiz/core/ledger"
	"github.com/semgrep-wiz/semgrep-wiz/core/pipeline"
	"github.com/semgrep-wiz/semgrep-wiz/core/policy"
	"github.com/semgrep-wiz/semgrep-wiz/core/semgrep"
	"github.com/semgrep-wiz/semgrep-wiz/core/version"
	"github.com/semgrep-wiz/semgrep-wiz/core/wiz"
	"github.com/semgrep-wiz/semgrep-wiz/core/wizschema"
)

// app is a loaded configuration and the clients built from it.
type app struct {
	cfg   *config.Config
	paths config.Paths
	files []pipeline.FileSource
	// allowScanErrors: --allow-scan-errors.
	allowScanErrors bool
	wiz             *wiz.Client
	semgrep         *semgrep.Client
	policy          policy.Policy
}

// events is where a command's pipeline events go: the person on stderr and
// the log file in the state directory.
func (a *app) events(e env) (pipeline.Sink, func()) {
	p := newProgress(e.stderr)
	log, closeLog := openEventLog(a.paths.LogFile)
	return func(ev pipeline.Event) {
		p.handle(ev)
		log(ev)
	}, closeLog
}

// needs says which remote services a command will talk to.
type needs struct{ wiz, semgrep bool }

// loadConfig reads the configuration (flags > env > file, secrets from the
// environment or the store) without validating it.
func loadConfig(c *common, e env) (*config.Config, config.Paths, config.SecretStore, error) {
	o := c.overrides()
	paths := config.ResolvePaths(o, e.getenv)
	store := e.secrets
	if store == nil {
		store = config.DefaultSecretStore(paths)
	}
	cfg, err := config.Load(o, e.getenv, store)
	return cfg, paths, store, err
}

// loadApp reads the configuration (flags > env > file), validates what the
// command needs and builds the clients. Every problem here is a usage
// error (exit status 2): nothing has been sent yet.
func loadApp(c *common, e env, n needs) (*app, error) {
	cfg, paths, _, err := loadConfig(c, e)
	if err != nil {
		return nil, usageError{err}
	}
	a := &app{cfg: cfg, paths: paths}

	if len(c.from) > 0 {
		n.semgrep = false
		url, name, branch, commit, err := c.fileContext(e.getenv)
		if err != nil {
			return nil, err
		}
		root, scanDir, err := c.scanRoot(e.getenv)
		if err != nil {
			return nil, err
		}
		for _, f := range c.from {
			a.files = append(a.files, pipeline.FileSource{Path: f, Options: semgrep.FileOptions{
				RepoURL: url, RepoName: name, Branch: branch, Commit: commit, Deployment: cfg.Semgrep.Deployment,
				Root: root, ScanDir: scanDir,
			}})
		}
		a.allowScanErrors = c.allowScanErrors
	}
	if err := cfg.Validate(config.Needs{Wiz: n.wiz, Semgrep: n.semgrep}); err != nil {
		return nil, usageError{err}
	}
	if a.policy, err = policyFrom(cfg.Policy); err != nil {
		return nil, usageError{err}
	}
	httpClient := newHTTPClient(e, paths)
	if e.metrics != nil {
		httpClient.Transport = e.metrics.Transport(httpClient.Transport, serviceOf(cfg))
	}
	if n.wiz {
		a.wiz, err = wiz.New(wiz.Config{
			APIEndpoint: cfg.Wiz.APIEndpoint, AuthURL: cfg.Wiz.AuthURL,
			ClientID: cfg.Wiz.ClientID, ClientSecret: cfg.Wiz.ClientSecret, Audience: cfg.Wiz.Audience,
			HTTPClient: httpClient, UserAgent: version.UserAgent(),
			PollInterval: e.pollInterval, PollMaxInterval: 4 * e.pollInterval,
			RequestsPerSecond: e.wizRate,
		})
		if err != nil {
			return nil, usageError{err}
		}
	}
	if n.semgrep {
		// semgrep.concurrency bounds both the repositories read at once and
		// the requests in flight (pages read ahead share the same budget).
		a.semgrep = semgrep.New(semgrep.Options{BaseURL: cfg.Semgrep.APIURL, Token: cfg.Semgrep.Token, HTTPClient: httpClient,
			UserAgent: version.UserAgent(), MaxConcurrency: cfg.Semgrep.Concurrency})
	}
	return a, nil
}

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
func newHTTPClient(e env, paths config.Paths) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.TLSHandshakeTimeout = 15 * time.Second
	t.ResponseHeaderTimeout = apiRequestTimeout
	t.ExpectContinueTimeout = time.Second
	var rt http.RoundTripper = t
	if debugEnabled(e.getenv) && paths.LogFile != "" {
		h := slog.NewJSONHandler(httplog.AppendFile(paths.LogFile), &slog.HandlerOptions{Level: slog.LevelDebug})
		rt = httplog.New(rt, slog.New(h))
	}
	if e.semgrepRequests != nil {
		rt = countingTransport{base: rt, prefix: e.getenv("SEMGREP_API_URL"), n: e.semgrepRequests}
	}
	return &http.Client{
		Transport: &guardTransport{base: rt, apiTimeout: apiRequestTimeout, putBase: putBaseTimeout, putRate: putMinRate},
		// A redirect means a wrong URL; following it could send the token elsewhere.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
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

func policyFrom(p config.Policy) (policy.Policy, error) {
	out := policy.Default()
	out.Severities = nil
	for _, s := range p.Severities {
		sev, err := finding.ParseSeverity(s)
		if err != nil {
			return out, fmt.Errorf("policy.severities: %w", err)
		}
		out.Severities = append(out.Severities, sev)
	}
	out.Statuses = p.Statuses
	out.FullScansOnly = p.FullScansOnly
	out.DefaultBranchOnly = p.DefaultBranchOnly
	out.IncludeRepos, out.ExcludeRepos = p.IncludeRepos, p.ExcludeRepos
	if p.MaxScanAgeDays > 0 {
		out.MaxScanAge = time.Duration(p.MaxScanAgeDays) * 24 * time.Hour
	}
	return out, out.Validate()
}

// plan collects and plans without sending: what preview shows (all: every
// status and severity, so exclusions show with their reasons).
func (a *app) plan(ctx context.Context, e env, led *ledger.Ledger, events pipeline.Sink, all bool) (*pipeline.Collection, *pipeline.Plan, error) {
	o := a.collectOptions(e, events)
	o.AllFindings = all
	col, err := pipeline.Collect(ctx, o)
	if err != nil {
		return nil, nil, err
	}
	plan, err := pipeline.BuildPlan(ctx, col, led, pipeline.PlanOptions{Guards: a.guards(), FullRun: len(a.files) == 0})
	return col, plan, err
}

func (a *app) collectOptions(e env, events pipeline.Sink) pipeline.CollectOptions {
	return pipeline.CollectOptions{
		Policy: a.policy, Semgrep: a.semgrep, Deployment: a.cfg.Semgrep.Deployment,
		Concurrency: a.cfg.Semgrep.Concurrency, Files: a.files, Events: events, VCSHosts: a.cfg.Wiz.VCSHosts,
		AllowScanErrors: a.allowScanErrors,
	}
}

func (a *app) schemaOptions() wizschema.Options {
	return wizschema.Options{IntegrationID: a.cfg.Wiz.EffectiveIntegrationID(), VCSHosts: a.cfg.Wiz.VCSHosts}
}

// openLedger opens the ledger in the state directory.
func (a *app) openLedger(ctx context.Context) (*ledger.Ledger, error) {
	dir := a.cfg.StateDir
	if dir == "" {
		dir = a.paths.StateDir
	}
	l, err := ledger.Open(ctx, dir)
	if err != nil {
		return nil, usageError{fmt.Errorf("opening the ledger in %s: %w", dir, err)}
	}
	return l, nil
}

func (a *app) guards() pipeline.Guards {
	g := a.cfg.Guards
	return pipeline.Guards{MassResolveShare: float64(g.MassResolvePercent) / 100, MassResolveMin: g.MassResolveMin, UploadsPerDay: g.UploadsPerDay}
}

// maxUploadBytes is wiz.max_upload_mb in bytes (0 leaves the pipeline's default).
func (a *app) maxUploadBytes() int64 { return int64(a.cfg.Wiz.MaxUploadMB) << 20 }

// workDir is where upload files are written before they are sent.
func (a *app) workDir() string {
	if a.cfg.StateDir != "" {
		return filepath.Join(a.cfg.StateDir, "work")
	}
	return filepath.Join(os.TempDir(), "semgrep-wiz")
}

// Formatting shared with the terminal app.
var (
	humanBytes = textfmt.Bytes
	oneLine    = textfmt.OneLine
)

func plural(n int, one, many string) string { return textfmt.Count(n, one, many) }

func excludedText(n int, apiFiltered bool) string { return textfmt.Excluded(n, apiFiltered) }
