package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/semgrep-wiz/semgrep-wiz/config"
	"github.com/semgrep-wiz/semgrep-wiz/core/finding"
	"github.com/semgrep-wiz/semgrep-wiz/core/ledger"
	"github.com/semgrep-wiz/semgrep-wiz/core/policy"
	"github.com/semgrep-wiz/semgrep-wiz/core/semgrep"
	"github.com/semgrep-wiz/semgrep-wiz/core/sync"
	"github.com/semgrep-wiz/semgrep-wiz/core/version"
	"github.com/semgrep-wiz/semgrep-wiz/core/wiz"
	"github.com/semgrep-wiz/semgrep-wiz/core/wizschema"
)

// app is a loaded configuration and the clients built from it.
type app struct {
	cfg     *config.Config
	paths   config.Paths
	files   []sync.FileSource
	wiz     *wiz.Client
	semgrep *semgrep.Client
	policy  policy.Policy
}

// events is where a command's pipeline events go: the person on stderr and
// the log file in the state directory.
func (a *app) events(e env) (sync.Sink, func()) {
	p := newProgress(e.stderr)
	log, closeLog := openEventLog(a.paths.LogFile)
	return func(ev sync.Event) {
		p.handle(ev)
		log(ev)
	}, closeLog
}

// needs says which remote services a command will talk to.
type needs struct{ wiz, semgrep bool }

// loadApp reads the configuration (flags > env > file), validates what the
// command needs and builds the clients. Every problem here is a usage
// error (exit status 2): nothing has been sent yet.
func loadApp(c *common, e env, n needs) (*app, error) {
	o := config.Overrides{
		ConfigFile: c.configFile, StateDir: c.stateDir,
		WizAPIEndpoint: c.wizAPIEndpoint, WizAuthURL: c.wizAuthURL, WizClientID: c.wizClientID,
		SemgrepAPIURL: c.semgrepAPIURL, SemgrepDeployment: c.semgrepDeployment,
	}
	paths := config.ResolvePaths(o, e.getenv)
	store := e.secrets
	if store == nil {
		store = config.DefaultSecretStore(paths)
	}
	cfg, err := config.Load(o, e.getenv, store)
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
		for _, f := range c.from {
			a.files = append(a.files, sync.FileSource{Path: f, Options: semgrep.FileOptions{
				RepoURL: url, RepoName: name, Branch: branch, Commit: commit, Deployment: cfg.Semgrep.Deployment,
			}})
		}
	}
	if err := cfg.Validate(config.Needs{Wiz: n.wiz, Semgrep: n.semgrep}); err != nil {
		return nil, usageError{err}
	}
	if a.policy, err = policyFrom(cfg.Policy); err != nil {
		return nil, usageError{err}
	}
	httpClient := newHTTPClient()
	if n.wiz {
		a.wiz, err = wiz.New(wiz.Config{
			APIEndpoint: cfg.Wiz.APIEndpoint, AuthURL: cfg.Wiz.AuthURL,
			ClientID: cfg.Wiz.ClientID, ClientSecret: cfg.Wiz.ClientSecret, Audience: cfg.Wiz.Audience,
			HTTPClient: httpClient, UserAgent: version.UserAgent(),
			PollInterval: e.pollInterval, PollMaxInterval: 4 * e.pollInterval,
		})
		if err != nil {
			return nil, usageError{err}
		}
	}
	if n.semgrep {
		a.semgrep = semgrep.New(semgrep.Options{BaseURL: cfg.Semgrep.APIURL, Token: cfg.Semgrep.Token, HTTPClient: httpClient, UserAgent: version.UserAgent()})
	}
	return a, nil
}

// newHTTPClient bounds every phase of a request except the body transfer,
// so a large upload on a slow link is not cut off while a silent server
// is. Proxy settings (HTTPS_PROXY, NO_PROXY) and the system's CAs apply.
func newHTTPClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.TLSHandshakeTimeout = 15 * time.Second
	t.ResponseHeaderTimeout = 2 * time.Minute // Wiz's gateway cuts requests at about 120 s
	t.ExpectContinueTimeout = time.Second
	return &http.Client{
		Transport: t,
		// A redirect means a wrong URL; following it could send the token elsewhere.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

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

func (a *app) collectOptions(e env, events sync.Sink) sync.CollectOptions {
	return sync.CollectOptions{
		Policy: a.policy, Semgrep: a.semgrep, Deployment: a.cfg.Semgrep.Deployment,
		Concurrency: a.cfg.Semgrep.Concurrency, Files: a.files, Events: events, VCSHosts: a.cfg.Wiz.VCSHosts,
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

func (a *app) guards() sync.Guards {
	g := a.cfg.Guards
	return sync.Guards{MassResolveShare: float64(g.MassResolvePercent) / 100, MassResolveMin: g.MassResolveMin, UploadsPerDay: g.UploadsPerDay}
}

// workDir is where upload files are written before they are sent.
func (a *app) workDir() string {
	if a.cfg.StateDir != "" {
		return filepath.Join(a.cfg.StateDir, "work")
	}
	return filepath.Join(os.TempDir(), "semgrep-wiz")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
