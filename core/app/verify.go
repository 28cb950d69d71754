package app

import (
	"context"
	"sync"

	"github.com/semgrep-wiz/semgrep-wiz/config"
	"github.com/semgrep-wiz/semgrep-wiz/core/pipeline"
	"github.com/semgrep-wiz/semgrep-wiz/core/semgrep"
	"github.com/semgrep-wiz/semgrep-wiz/core/version"
	"github.com/semgrep-wiz/semgrep-wiz/core/wiz"
)

// TestCredentials runs the connection check (the same code as `check`,
// without the upload probe) with the wizard's values rather than the saved
// configuration: nothing is saved, and an empty secret means the stored one.
func (s *Service) TestCredentials(ctx context.Context, c config.Config, wizSecret, semgrepToken string) ([]pipeline.CheckResult, error) {
	cur, paths, _, _ := s.rawConfig()
	storedWiz, storedSemgrep := wizSecret == "", semgrepToken == ""
	if cur != nil {
		if storedWiz {
			wizSecret = cur.Wiz.ClientSecret
		}
		if storedSemgrep {
			semgrepToken = cur.Semgrep.Token
		}
	}
	c.Wiz.ClientSecret, c.Semgrep.Token = wizSecret, semgrepToken
	c.Normalize()
	if err := c.Validate(config.Needs{Wiz: true, Semgrep: true}); err != nil {
		return nil, err
	}
	hc := newHTTPClient(s.env, paths)
	wc, err := wiz.New(wiz.Config{
		APIEndpoint: c.Wiz.APIEndpoint, AuthURL: c.Wiz.AuthURL,
		ClientID: c.Wiz.ClientID, ClientSecret: c.Wiz.ClientSecret, Audience: c.Wiz.Audience,
		HTTPClient: hc, UserAgent: version.UserAgent(), RequestsPerSecond: s.env.WizRate,
	})
	if err != nil {
		return nil, err
	}
	sc := semgrep.New(semgrep.Options{BaseURL: c.Semgrep.APIURL, Token: c.Semgrep.Token, HTTPClient: hc, UserAgent: version.UserAgent()})
	rs := pipeline.Check(ctx, pipeline.CheckOptions{Wiz: wc, Semgrep: sc, Deployment: c.Semgrep.Deployment})
	// A typed secret that fails says nothing about the stored one.
	s.rejected.note(rs, storedWiz, storedSemgrep)
	return rs, nil
}

// SecretsWhere says where SaveConfig puts the secrets.
func (s *Service) SecretsWhere(context.Context) string {
	_, _, store, _ := s.rawConfig()
	if store == nil {
		return ""
	}
	return config.SavedWhere(store)
}

// SecretRejected reports that the last check or wizard test saw the
// stored secret refused.
func (s *Service) SecretRejected(name string) bool { return s.rejected.is(name) }

// rejections remembers which stored secrets Wiz or Semgrep last refused,
// so the wizard does not call a refused secret simply "stored".
type rejections struct {
	mu           sync.Mutex
	wiz, semgrep bool
}

// note takes the verdicts of a check on the secrets it used from the store.
func (r *rejections) note(rs []pipeline.CheckResult, wizStored, semgrepStored bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, x := range rs {
		if x.Skipped {
			continue
		}
		// Only a pass or a refusal is a verdict: a network failure says
		// nothing about the secret.
		verdict := x.OK || x.Rejected
		switch {
		case x.Name == wiz.CheckToken && wizStored && verdict:
			r.wiz = x.Rejected
		case x.Name == semgrep.CheckToken && semgrepStored && verdict:
			r.semgrep = x.Rejected
		}
	}
}

// replaced forgets the verdict on a secret that was just replaced.
func (r *rejections) replaced(wizSecret, semgrepToken bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.wiz = r.wiz && !wizSecret
	r.semgrep = r.semgrep && !semgrepToken
}

func (r *rejections) is(name string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch name {
	case config.SecretWizClientSecret:
		return r.wiz
	case config.SecretSemgrepToken:
		return r.semgrep
	}
	return false
}
