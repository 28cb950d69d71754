package app

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/semgrep-wiz/semgrep-wiz/config"
	"github.com/semgrep-wiz/semgrep-wiz/core/ledger"
	"github.com/semgrep-wiz/semgrep-wiz/core/pipeline"
	"github.com/semgrep-wiz/semgrep-wiz/core/semgrep"
	"github.com/semgrep-wiz/semgrep-wiz/core/status"
	"github.com/semgrep-wiz/semgrep-wiz/core/version"
	"github.com/semgrep-wiz/semgrep-wiz/core/wiz"
)

// Service is the terminal app's seam to core, one method per use case.
// Every call reads the configuration again (so a save in the wizard takes
// effect at once) and builds the clients it needs, exactly as the
// headless commands do. The ledger is the exception: it is opened on the
// first call that needs it, in the state directory configured then, and
// kept open until Close (a SQLite handle is not worth reopening per call).
type Service struct {
	opts Options
	env  Env
	// SetUpHint ends the message of a NotSetUpError: what to do where the
	// error is shown. Set it before the first call.
	SetUpHint string

	mu  sync.Mutex
	led *ledger.Ledger
	// uploadOK is the last passed upload-permission probe: it allocates
	// an upload slot, so a plain re-check keeps it as passed until the
	// configuration is saved (or deleted) rather than asking again.
	uploadOK *pipeline.CheckResult
	// rejected: the stored secrets the last check or wizard test saw refused (verify.go).
	rejected rejections
}

// NewService is the Service over the options and environment of one
// program run.
func NewService(o Options, e Env) *Service { return &Service{opts: o, env: e} }

// Close releases the ledger.
func (s *Service) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.led != nil {
		s.led.Close()
		s.led = nil
	}
}

func (s *Service) load(n Needs) (*App, error) {
	a, err := Load(s.opts, s.env, n)
	if err != nil && MissingSettings(err) {
		// The screens point to the wizard, not to environment variables.
		return nil, s.notSetUp(err)
	}
	return a, err
}

// notSetUp names the settings that are set nowhere.
func (s *Service) notSetUp(err error) error {
	return &NotSetUpError{Settings: missing(err), Err: err, Hint: s.SetUpHint}
}

// ledger is the cached ledger, opened in a's state directory on first use.
func (s *Service) ledger(ctx context.Context, a *App) (*ledger.Ledger, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.led != nil {
		return s.led, nil
	}
	l, err := a.OpenLedger(ctx)
	if err != nil {
		return nil, err
	}
	s.led = l
	return l, nil
}

// Configured reports whether enough is configured to talk to both
// services (with --from files: to Wiz).
func (s *Service) Configured() bool {
	_, err := s.load(Needs{Wiz: true, Semgrep: len(s.opts.From) == 0})
	return err == nil
}

// rawConfig loads without validating (the wizard edits what is there).
func (s *Service) rawConfig() (*config.Config, config.Paths, config.SecretStore, error) {
	return loadConfig(s.opts, s.env)
}

// Config reads the settings without asking the secret store (the keyring
// can be slow, and the wizard is built on the event loop): secrets are
// blanked anyway.
func (s *Service) Config() config.Config {
	cfg, err := config.Load(s.opts.overrides(), s.env.Getenv, nil)
	if err != nil || cfg == nil {
		return *config.Default()
	}
	out := *cfg
	out.Wiz.ClientSecret, out.Semgrep.Token = "", ""
	return out
}

// HasSecret reports whether a secret is stored (config.Secret* names).
func (s *Service) HasSecret(name string) bool {
	cfg, _, _, err := s.rawConfig()
	if err != nil || cfg == nil {
		return false
	}
	switch name {
	case config.SecretWizClientSecret:
		return cfg.Wiz.ClientSecret != ""
	case config.SecretSemgrepToken:
		return cfg.Semgrep.Token != ""
	}
	return false
}

// SaveConfig validates and saves c; an empty secret keeps the stored one.
// What a check remembered is forgotten: the settings changed.
func (s *Service) SaveConfig(_ context.Context, c config.Config, wizSecret, semgrepToken string) error {
	s.forgetChecks()
	cur, paths, store, err := s.rawConfig()
	if err != nil && cur == nil {
		// A broken file is replaced by what the wizard saves.
		cur = config.Default()
	}
	c.Wiz.ClientSecret, c.Semgrep.Token = wizSecret, semgrepToken
	check := c
	if check.Wiz.ClientSecret == "" {
		check.Wiz.ClientSecret = cur.Wiz.ClientSecret
	}
	if check.Semgrep.Token == "" {
		check.Semgrep.Token = cur.Semgrep.Token
	}
	check.Normalize()
	if err := check.Validate(config.Needs{Wiz: true, Semgrep: true}); err != nil {
		return err
	}
	c.Normalize()
	if err := config.Save(&c, paths, store); err != nil {
		return fmt.Errorf("saving the configuration: %w", err)
	}
	s.rejected.replaced(wizSecret != "", semgrepToken != "")
	return nil
}

// DeletePlan says what DeleteConfig would remove and keep with these
// choices.
func (s *Service) DeletePlan(_ context.Context, c config.DeleteChoice) ([]config.DeleteItem, error) {
	cfg, paths, store, _ := s.rawConfig()
	return config.DeletePlan(paths, stateDirOf(cfg), store, c), nil
}

// DeleteConfig deletes the integration and says what it removed and what
// it kept.
func (s *Service) DeleteConfig(_ context.Context, c config.DeleteChoice) ([]config.DeleteItem, error) {
	s.forgetChecks()
	s.rejected.replaced(true, true)
	cfg, paths, store, _ := s.rawConfig()
	return config.DeleteIntegration(paths, stateDirOf(cfg), store, c)
}

// stateDirOf is the state directory the configuration names ("" for the
// default).
func stateDirOf(cfg *config.Config) string {
	if cfg == nil {
		return ""
	}
	return cfg.StateDir
}

// Deployments lists what a Semgrep token can see (token "" means the
// stored one).
func (s *Service) Deployments(ctx context.Context, apiURL, token string) ([]semgrep.Deployment, error) {
	if token == "" {
		cfg, _, _, _ := s.rawConfig()
		if cfg != nil {
			token = cfg.Semgrep.Token
		}
	}
	if apiURL == "" {
		apiURL = config.DefaultSemgrepAPIURL
	}
	if err := config.ValidateEndpoint(apiURL); err != nil {
		return nil, fmt.Errorf("semgrep.api_url: %w", err)
	}
	c := semgrep.New(semgrep.Options{BaseURL: apiURL, Token: token, HTTPClient: newHTTPClient(s.env, config.ResolvePaths(s.opts.overrides(), s.env.Getenv)), UserAgent: version.UserAgent()})
	ds, err := c.Deployments(ctx)
	if err != nil {
		if h := semgrep.Hint(err); h != "" {
			return nil, fmt.Errorf("%w — %s", err, h)
		}
	}
	return ds, err
}

// Check tests the connection (the upload permission only with
// includeUpload). A passed upload probe is remembered: a plain re-check
// shows it as passed, while the Wiz token still works, until the settings
// are saved or deleted.
func (s *Service) Check(ctx context.Context, includeUpload bool) ([]pipeline.CheckResult, error) {
	a, err := s.load(Needs{Wiz: true, Semgrep: len(s.opts.From) == 0})
	if err != nil {
		return nil, err
	}
	rs := a.Check(ctx, includeUpload)
	s.rejected.note(rs, true, true)
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range rs {
		r := &rs[i]
		if r.Name != wiz.ScopeIngestion {
			continue
		}
		switch {
		case includeUpload && r.OK:
			kept := *r
			kept.Detail = "passed when tested; unchanged settings since (u tests it again)"
			s.uploadOK = &kept
		case includeUpload:
			s.uploadOK = nil
		case r.Skipped && s.uploadOK != nil && tokenPassed(rs):
			*r = *s.uploadOK
		}
	}
	return rs, nil
}

// tokenPassed reports that the Wiz token works now: a remembered upload
// probe stands only while it does.
func tokenPassed(rs []pipeline.CheckResult) bool {
	for _, r := range rs {
		if r.Name == wiz.CheckToken {
			return r.OK
		}
	}
	return false
}

// forgetChecks drops what a check remembered: the settings changed.
func (s *Service) forgetChecks() {
	s.mu.Lock()
	s.uploadOK = nil
	s.mu.Unlock()
}

// Preview collects and plans without sending (all: every status and
// severity, so exclusions show with reasons). It runs the streamed preview
// and keeps no rows: the plan, the counts per repository and the totals,
// so its memory follows the pages in flight, not the organisation.
func (s *Service) Preview(ctx context.Context, all bool) (*Preview, error) {
	return s.PreviewStream(ctx, all, noRows{})
}

// Sync runs one sync from the terminal app: events go to the log file and
// to ui. A dry run writes the upload file to the work directory.
func (s *Service) Sync(ctx context.Context, o SyncOptions, ui pipeline.Sink) (*pipeline.Result, error) {
	a, err := s.load(Needs{Wiz: !o.DryRun, Semgrep: true})
	if err != nil {
		return nil, err
	}
	led, err := s.ledger(ctx, a)
	if err != nil {
		return nil, err
	}
	logEvents, closeLog := a.EventLog()
	defer closeLog()
	events := func(ev pipeline.Event) {
		logEvents(ev)
		if ui != nil {
			ui(ev)
		}
	}
	out := ""
	if o.DryRun {
		out = a.WorkDir()
	}
	// The run reads everything again: it goes on only if what needs
	// confirming is what the user confirmed. The guard holds back in the
	// run as in the plan shown; confirming releases it only when the user
	// chose to send anyway.
	var unconfirmed []string
	res, err := pipeline.Run(ctx, pipeline.Options{
		Collect: a.CollectOptions(events), Schema: a.SchemaOptions(), Wiz: a.Wiz, Ledger: led,
		Guards: a.Guards(), Trigger: "tui",
		DryRun: o.DryRun, OutDir: out, WorkDir: a.WorkDir(), Events: events, MaxUploadBytes: a.MaxUploadBytes(),
		Confirm: func(p *pipeline.Plan) bool {
			if o.DryRun {
				return true // nothing reaches Wiz
			}
			unconfirmed = newMassResolveTrips(o.Confirmed, p)
			return len(unconfirmed) == 0
		},
		KeepHeld: !o.AllowMassResolve,
	})
	if len(unconfirmed) > 0 {
		return res, fmt.Errorf("%w; nothing was sent: %s", ErrPlanChanged, strings.Join(unconfirmed, "; "))
	}
	return res, explain(err)
}

// newMassResolveTrips lists the mass-resolve guards that trip in the plan
// about to run but did not in the plan the user confirmed.
func newMassResolveTrips(confirmed, p *pipeline.Plan) []string {
	shown := map[pipeline.GuardTrip]bool{}
	if confirmed != nil {
		for _, t := range confirmed.Trips {
			shown[pipeline.GuardTrip{Guard: t.Guard, DataSourceID: t.DataSourceID}] = true
		}
	}
	var out []string
	for _, t := range p.Trips {
		if t.Guard != "mass_resolve" && t.Guard != "tenant_mass_resolve" {
			continue
		}
		if !shown[pipeline.GuardTrip{Guard: t.Guard, DataSourceID: t.DataSourceID}] {
			out = append(out, t.Message)
		}
	}
	return out
}

// Runs are the last n runs, newest first.
func (s *Service) Runs(ctx context.Context, n int) ([]ledger.Run, error) {
	a, err := s.load(Needs{})
	if err != nil {
		return nil, err
	}
	led, err := s.ledger(ctx, a)
	if err != nil {
		return nil, err
	}
	return led.Runs(ctx, n)
}

// Run is one past run with its events and uploads; id may be an
// unambiguous prefix.
func (s *Service) Run(ctx context.Context, id string) (RunDetail, error) {
	a, err := s.load(Needs{})
	if err != nil {
		return RunDetail{}, err
	}
	led, err := s.ledger(ctx, a)
	if err != nil {
		return RunDetail{}, err
	}
	var d RunDetail
	if d.Run, err = led.GetRun(ctx, id); err != nil {
		return d, err
	}
	if d.Events, err = led.Events(ctx, d.Run.ID); err != nil {
		return d, err
	}
	pipeline.ForgetGoneFiles(d.Events)
	d.Uploads, err = led.Uploads(ctx, d.Run.ID)
	return d, err
}

// Home is the integration's state at a glance; not configured, it holds
// what the settings say so far and no error.
func (s *Service) Home(ctx context.Context) (HomeInfo, error) {
	h := HomeInfo{Configured: s.Configured()}
	cfg := s.Config()
	h.WizEndpoint, h.Deployment = cfg.Wiz.APIEndpoint, cfg.Semgrep.Deployment
	h.Source = "Semgrep API"
	if len(s.opts.From) > 0 {
		h.Source = fmt.Sprintf("%d file(s) given with --from", len(s.opts.From))
	}
	if p, err := policyFrom(cfg.Policy); err == nil {
		h.Policy = p.Describe()
	}
	a, err := s.load(Needs{})
	if err != nil {
		return h, nil // not configured: the home screen says what to do
	}
	led, err := s.ledger(ctx, a)
	if err != nil {
		return h, err
	}
	if runs, err := led.Runs(ctx, 1); err == nil && len(runs) > 0 {
		h.LastRun = &runs[0]
	}
	if ds, err := led.DataSources(ctx); err == nil {
		// Every data source an upload carried is in Wiz, an empty one
		// too: so the count matches the repositories a sync sends.
		h.DataSources = len(ds)
		for _, d := range ds {
			h.HeldTotal += d.Count
		}
	}
	if p, err := led.PendingUploads(ctx); err == nil {
		h.Pending = len(p)
	}
	h.Elsewhere, _ = led.SyncElsewhere(ctx)
	return h, nil
}

// SyncElsewhere is a sync another process (watch, another sync) runs on
// this state directory, or nil.
func (s *Service) SyncElsewhere(ctx context.Context) (*ledger.Elsewhere, error) {
	a, err := s.load(Needs{})
	if err != nil {
		return nil, nil // not configured: nothing can be running on it
	}
	led, err := s.ledger(ctx, a)
	if err != nil {
		return nil, err
	}
	return led.SyncElsewhere(ctx)
}

// Status is the expiry report `semgrep-wiz status` prints; empty when
// nothing is configured (there is no ledger to read yet).
func (s *Service) Status(ctx context.Context) (status.Report, error) {
	a, err := s.load(Needs{})
	if err != nil {
		return status.Report{}, nil
	}
	led, err := s.ledger(ctx, a)
	if err != nil {
		return status.Report{}, err
	}
	return a.Status(ctx, led)
}
