package main

import (
	"context"
	"errors"
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
	uic "github.com/semgrep-wiz/semgrep-wiz/ui/common"
)

// service is the terminal app's seam to core: every call re-reads the
// configuration (so a save in the wizard takes effect at once) and builds
// the clients it needs, exactly as the headless commands do.
type service struct {
	flags *common
	e     env

	mu  sync.Mutex
	led *ledger.Ledger
	// uploadOK is the last passed upload-permission probe: it allocates
	// an upload slot, so a plain re-check keeps it as passed until the
	// configuration is saved (or deleted) rather than asking again.
	uploadOK *pipeline.CheckResult
}

var _ uic.Service = (*service)(nil)

func newService(c *common, e env) *service { return &service{flags: c, e: e} }

// Close releases the ledger.
func (s *service) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.led != nil {
		s.led.Close()
		s.led = nil
	}
}

func (s *service) load(n needs) (*app, error) {
	a, err := loadApp(s.flags, s.e, n)
	if err != nil && missingSettings(err) {
		// The screens point to the wizard, not to environment variables.
		return nil, notSetUp(err)
	}
	return a, err
}

// notSetUp names the settings that are set nowhere.
func notSetUp(err error) error {
	ns := &uic.NotSetUpError{Err: err}
	var ve *config.ValidationError
	if errors.As(err, &ve) {
		for _, p := range ve.Problems {
			if p.Origin == "" {
				ns.Settings = append(ns.Settings, p.Field)
			}
		}
	}
	return ns
}

func (s *service) ledger(ctx context.Context, a *app) (*ledger.Ledger, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.led != nil {
		return s.led, nil
	}
	l, err := a.openLedger(ctx)
	if err != nil {
		return nil, err
	}
	s.led = l
	return l, nil
}

func (s *service) Configured() bool {
	_, err := s.load(needs{wiz: true, semgrep: len(s.flags.from) == 0})
	return err == nil
}

// rawConfig loads without validating (the wizard edits what is there).
func (s *service) rawConfig() (*config.Config, config.Paths, config.SecretStore, error) {
	return loadConfig(s.flags, s.e)
}

// Config reads the settings without asking the secret store (the keyring
// can be slow, and the wizard is built on the event loop): secrets are
// blanked anyway.
func (s *service) Config() config.Config {
	cfg, err := config.Load(s.flags.overrides(), s.e.getenv, nil)
	if err != nil || cfg == nil {
		return *config.Default()
	}
	out := *cfg
	out.Wiz.ClientSecret, out.Semgrep.Token = "", ""
	return out
}

func (s *service) HasSecret(name string) bool {
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

func (s *service) SaveConfig(_ context.Context, c config.Config, wizSecret, semgrepToken string) error {
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
	return nil
}

func (s *service) DeletePlan(_ context.Context, c config.DeleteChoice) ([]config.DeleteItem, error) {
	cfg, paths, store, _ := s.rawConfig()
	return config.DeletePlan(paths, stateDirOf(cfg), store, c), nil
}

func (s *service) DeleteConfig(_ context.Context, c config.DeleteChoice) ([]config.DeleteItem, error) {
	s.forgetChecks()
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

func (s *service) Deployments(ctx context.Context, apiURL, token string) ([]semgrep.Deployment, error) {
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
	c := semgrep.New(semgrep.Options{BaseURL: apiURL, Token: token, HTTPClient: newHTTPClient(s.e, config.ResolvePaths(s.flags.overrides(), s.e.getenv)), UserAgent: version.UserAgent()})
	ds, err := c.Deployments(ctx)
	if err != nil {
		if h := semgrep.Hint(err); h != "" {
			return nil, fmt.Errorf("%w — %s", err, h)
		}
	}
	return ds, err
}

func (s *service) Check(ctx context.Context, includeUpload bool) ([]pipeline.CheckResult, error) {
	a, err := s.load(needs{wiz: true, semgrep: len(s.flags.from) == 0})
	if err != nil {
		return nil, err
	}
	rs := pipeline.Check(ctx, pipeline.CheckOptions{Wiz: a.wiz, Semgrep: a.semgrep, Deployment: a.cfg.Semgrep.Deployment, IncludeUpload: includeUpload})
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
func (s *service) forgetChecks() {
	s.mu.Lock()
	s.uploadOK = nil
	s.mu.Unlock()
}

func (s *service) Preview(ctx context.Context, all bool) (*uic.Preview, error) {
	a, err := s.load(needs{semgrep: true})
	if err != nil {
		return nil, err
	}
	led, err := s.ledger(ctx, a)
	if err != nil {
		return nil, err
	}
	events, closeLog := a.events(env{getenv: s.e.getenv, stderr: discard{}})
	defer closeLog()
	col, plan, err := a.plan(ctx, s.e, led, events, all)
	if err != nil {
		return nil, explain(err)
	}
	return &uic.Preview{Collection: col, Plan: plan, Policy: a.policy.Describe()}, nil
}

func (s *service) Sync(ctx context.Context, o uic.SyncOptions, ui pipeline.Sink) (*pipeline.Result, error) {
	a, err := s.load(needs{wiz: !o.DryRun, semgrep: true})
	if err != nil {
		return nil, err
	}
	led, err := s.ledger(ctx, a)
	if err != nil {
		return nil, err
	}
	logEvents, closeLog := a.events(env{getenv: s.e.getenv, stderr: discard{}})
	defer closeLog()
	events := func(ev pipeline.Event) {
		logEvents(ev)
		if ui != nil {
			ui(ev)
		}
	}
	out := ""
	if o.DryRun {
		out = a.workDir()
	}
	// The run reads everything again: it goes on only if what needs
	// confirming is what the user confirmed. The guard holds back in the
	// run as in the plan shown; confirming releases it only when the user
	// chose to send anyway.
	var unconfirmed []string
	res, err := pipeline.Run(ctx, pipeline.Options{
		Collect: a.collectOptions(s.e, events), Schema: a.schemaOptions(), Wiz: a.wiz, Ledger: led,
		Guards: a.guards(), Trigger: "tui",
		DryRun: o.DryRun, OutDir: out, WorkDir: a.workDir(), Events: events, MaxUploadBytes: a.maxUploadBytes(),
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
		return res, fmt.Errorf("%w; nothing was sent: %s", uic.ErrPlanChanged, strings.Join(unconfirmed, "; "))
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

func (s *service) Runs(ctx context.Context, n int) ([]ledger.Run, error) {
	a, err := s.load(needs{})
	if err != nil {
		return nil, err
	}
	led, err := s.ledger(ctx, a)
	if err != nil {
		return nil, err
	}
	return led.Runs(ctx, n)
}

func (s *service) Run(ctx context.Context, id string) (uic.RunDetail, error) {
	a, err := s.load(needs{})
	if err != nil {
		return uic.RunDetail{}, err
	}
	led, err := s.ledger(ctx, a)
	if err != nil {
		return uic.RunDetail{}, err
	}
	var d uic.RunDetail
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

func (s *service) Home(ctx context.Context) (uic.HomeInfo, error) {
	h := uic.HomeInfo{Configured: s.Configured()}
	cfg := s.Config()
	h.WizEndpoint, h.Deployment = cfg.Wiz.APIEndpoint, cfg.Semgrep.Deployment
	h.Source = "Semgrep API"
	if len(s.flags.from) > 0 {
		h.Source = fmt.Sprintf("%d file(s) given with --from", len(s.flags.from))
	}
	if p, err := policyFrom(cfg.Policy); err == nil {
		h.Policy = p.Describe()
	}
	a, err := s.load(needs{})
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

func (s *service) SyncElsewhere(ctx context.Context) (*ledger.Elsewhere, error) {
	a, err := s.load(needs{})
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
func (s *service) Status(ctx context.Context) (status.Report, error) {
	a, err := s.load(needs{})
	if err != nil {
		return status.Report{}, nil
	}
	led, err := s.ledger(ctx, a)
	if err != nil {
		return status.Report{}, err
	}
	return a.status(ctx, led, s.e)
}

// explain turns a configuration-class failure into its one-line,
// setting-naming message (the same as the headless commands print).
func explain(err error) error {
	if err == nil {
		return nil
	}
	if ce := asConfigError(err); ce != nil {
		var u usageError
		if errors.As(ce, &u) {
			return u.err
		}
		return ce
	}
	return err
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
