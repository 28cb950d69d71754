package app

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/semgrep-wiz/semgrep-wiz/config"
	"github.com/semgrep-wiz/semgrep-wiz/core/finding"
	"github.com/semgrep-wiz/semgrep-wiz/core/ledger"
	"github.com/semgrep-wiz/semgrep-wiz/core/pipeline"
	"github.com/semgrep-wiz/semgrep-wiz/core/policy"
	"github.com/semgrep-wiz/semgrep-wiz/core/semgrep"
	"github.com/semgrep-wiz/semgrep-wiz/core/status"
	"github.com/semgrep-wiz/semgrep-wiz/core/version"
	"github.com/semgrep-wiz/semgrep-wiz/core/wiz"
	"github.com/semgrep-wiz/semgrep-wiz/core/wizschema"
)

// App is a loaded configuration and the clients built from it: what one
// command (or one call of the Service) works with.
type App struct {
	Config *config.Config
	Paths  config.Paths
	// Wiz is set when Needs.Wiz asked for it.
	Wiz *wiz.Client
	// Semgrep is set when Needs.Semgrep asked for it and no --from files
	// replace the API.
	Semgrep *semgrep.Client
	Policy  policy.Policy

	files           []pipeline.FileSource
	allowScanErrors bool
	env             Env
}

// Needs says which remote services a command will talk to: their
// settings are then required and their clients built.
type Needs struct{ Wiz, Semgrep bool }

// loadConfig reads the configuration (flags > env > file, secrets from
// the environment or the store) without validating it.
func loadConfig(o Options, e Env) (*config.Config, config.Paths, config.SecretStore, error) {
	ov := o.overrides()
	paths := config.ResolvePaths(ov, e.Getenv)
	store := e.Secrets
	if store == nil {
		store = config.DefaultSecretStore(paths)
	}
	cfg, err := config.Load(ov, e.Getenv, store)
	return cfg, paths, store, err
}

// Load reads the configuration (flags > env > file), validates what n
// needs and builds the clients. Every problem here is a ConfigError:
// nothing has been sent yet. With --from files the Semgrep API is not
// needed (nor its client built).
func Load(o Options, e Env, n Needs) (*App, error) {
	cfg, paths, _, err := loadConfig(o, e)
	if err != nil {
		return nil, ConfigError{err}
	}
	a := &App{Config: cfg, Paths: paths, env: e}

	if len(o.From) > 0 {
		n.Semgrep = false
		url, name, branch, commit, err := o.fileContext(e.Getenv)
		if err != nil {
			return nil, err
		}
		root, scanDir, err := o.scanRoot(e.Getenv)
		if err != nil {
			return nil, err
		}
		for _, f := range o.From {
			a.files = append(a.files, pipeline.FileSource{Path: f, Options: semgrep.FileOptions{
				RepoURL: url, RepoName: name, Branch: branch, Commit: commit, Deployment: cfg.Semgrep.Deployment,
				Root: root, ScanDir: scanDir,
			}})
		}
		a.allowScanErrors = o.AllowScanErrors
	}
	if err := cfg.Validate(config.Needs{Wiz: n.Wiz, Semgrep: n.Semgrep}); err != nil {
		return nil, ConfigError{err}
	}
	if a.Policy, err = policyFrom(cfg.Policy); err != nil {
		return nil, ConfigError{err}
	}
	httpClient := newHTTPClient(e, paths)
	if e.Metrics != nil {
		httpClient.Transport = e.Metrics.Transport(httpClient.Transport, serviceOf(cfg))
	}
	if n.Wiz {
		a.Wiz, err = wiz.New(wiz.Config{
			APIEndpoint: cfg.Wiz.APIEndpoint, AuthURL: cfg.Wiz.AuthURL,
			ClientID: cfg.Wiz.ClientID, ClientSecret: cfg.Wiz.ClientSecret, Audience: cfg.Wiz.Audience,
			HTTPClient: httpClient, UserAgent: version.UserAgent(),
			PollInterval: e.PollInterval, PollMaxInterval: 4 * e.PollInterval,
			RequestsPerSecond: e.WizRate,
		})
		if err != nil {
			return nil, ConfigError{err}
		}
	}
	if n.Semgrep {
		// semgrep.concurrency bounds both the repositories read at once and
		// the requests in flight (pages read ahead share the same budget).
		a.Semgrep = semgrep.New(semgrep.Options{BaseURL: cfg.Semgrep.APIURL, Token: cfg.Semgrep.Token, HTTPClient: httpClient,
			UserAgent: version.UserAgent(), MaxConcurrency: cfg.Semgrep.Concurrency})
	}
	return a, nil
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

// FromFiles reports that findings come from --from files, not the
// Semgrep API (a run then covers only those files' repositories).
func (a *App) FromFiles() bool { return len(a.files) > 0 }

// Check tests the connection: the Wiz token and each permission (the
// upload permission only with includeUpload: it allocates an upload
// slot), the Semgrep token and deployment.
func (a *App) Check(ctx context.Context, includeUpload bool) []pipeline.CheckResult {
	return pipeline.Check(ctx, pipeline.CheckOptions{Wiz: a.Wiz, Semgrep: a.Semgrep, Deployment: a.Config.Semgrep.Deployment, IncludeUpload: includeUpload})
}

// Plan collects the whole organisation into memory and plans it without
// sending (all: every status and severity). Nothing user-facing runs it:
// the previews stream (Service.PreviewStream, `preview`). It is the
// reference the streamed preview is tested against.
func (a *App) Plan(ctx context.Context, led *ledger.Ledger, events pipeline.Sink, all bool) (*pipeline.Collection, *pipeline.Plan, error) {
	o := a.CollectOptions(events)
	o.AllFindings = all
	col, err := pipeline.Collect(ctx, o)
	if err != nil {
		return nil, nil, err
	}
	plan, err := pipeline.BuildPlan(ctx, col, led, pipeline.PlanOptions{Guards: a.Guards(), FullRun: !a.FromFiles()})
	return col, plan, err
}

// CollectOptions is how a run reads findings: from the API or the --from
// files, with the policy and the configured concurrency.
func (a *App) CollectOptions(events pipeline.Sink) pipeline.CollectOptions {
	return pipeline.CollectOptions{
		Policy: a.Policy, Semgrep: a.Semgrep, Deployment: a.Config.Semgrep.Deployment,
		Concurrency: a.Config.Semgrep.Concurrency, Files: a.files, Events: events, VCSHosts: a.Config.Wiz.VCSHosts,
		AllowScanErrors: a.allowScanErrors,
	}
}

// SchemaOptions is how the upload document names this integration and
// the version-control hosts.
func (a *App) SchemaOptions() wizschema.Options {
	return wizschema.Options{IntegrationID: a.Config.Wiz.EffectiveIntegrationID(), VCSHosts: a.Config.Wiz.VCSHosts}
}

// Guards are the configured guards of a run.
func (a *App) Guards() pipeline.Guards {
	g := a.Config.Guards
	return pipeline.Guards{MassResolveShare: float64(g.MassResolvePercent) / 100, MassResolveMin: g.MassResolveMin, UploadsPerDay: g.UploadsPerDay}
}

// MaxUploadBytes is wiz.max_upload_mb in bytes (0 leaves the pipeline's default).
func (a *App) MaxUploadBytes() int64 { return int64(a.Config.Wiz.MaxUploadMB) << 20 }

// WorkDir is where upload files are written before they are sent.
func (a *App) WorkDir() string {
	if a.Config.StateDir != "" {
		return filepath.Join(a.Config.StateDir, "work")
	}
	return filepath.Join(os.TempDir(), "semgrep-wiz")
}

// OpenLedger opens the ledger in the state directory; the caller closes
// it.
func (a *App) OpenLedger(ctx context.Context) (*ledger.Ledger, error) {
	dir := a.Config.StateDir
	if dir == "" {
		dir = a.Paths.StateDir
	}
	l, err := ledger.Open(ctx, dir)
	if err != nil {
		return nil, ConfigError{fmt.Errorf("opening the ledger in %s: %w", dir, err)}
	}
	return l, nil
}

// EventLog appends pipeline events to the log file in the state
// directory; close it when the command ends.
func (a *App) EventLog() (log pipeline.Sink, close func()) {
	return openEventLog(a.Paths.LogFile)
}

// Status reads the expiry report with Env's clock and watch's refresh
// interval (which decides "due").
func (a *App) Status(ctx context.Context, led *ledger.Ledger) (status.Report, error) {
	return status.Read(ctx, led, status.Options{Now: a.env.clock, RefreshAfter: a.Config.Watch.RefreshAfter.Duration})
}
