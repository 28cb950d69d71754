package config

import (
	"reflect"
	"testing"
	"time"
)

func TestDefault(t *testing.T) {
	c := Default()
	if c.Semgrep.APIURL != DefaultSemgrepAPIURL || c.Semgrep.Concurrency != 8 {
		t.Errorf("semgrep defaults = %+v", c.Semgrep)
	}
	p := c.Policy
	if !reflect.DeepEqual(p.Severities, []string{"critical", "high"}) || !p.FullScansOnly || !p.DefaultBranchOnly ||
		!reflect.DeepEqual(p.Statuses, []string{"open"}) || p.MaxScanAgeDays != 30 || p.IncludeRepos != nil {
		t.Errorf("policy defaults = %+v", p)
	}
	if c.Wiz.MaxUploadMB != DefaultMaxUploadMB || c.Origins[FieldWizMaxUploadMB] != OriginDefault {
		t.Errorf("wiz.max_upload_mb default = %d (%s)", c.Wiz.MaxUploadMB, c.Origins[FieldWizMaxUploadMB])
	}
	if c.Wiz.AuthURL != "" || c.Wiz.APIEndpoint != "" {
		t.Errorf("no Wiz host may be defaulted (gov and legacy tenants differ): %+v", c.Wiz)
	}
	if c.Guards != (Guards{MassResolvePercent: 50, MassResolveMin: 20, UploadsPerDay: 3}) {
		t.Errorf("guards defaults = %+v", c.Guards)
	}
	if c.Watch.Interval.Duration != 10*time.Minute || c.Watch.RefreshAfter.Duration != 24*time.Hour {
		t.Errorf("watch defaults = %+v", c.Watch)
	}
	for _, f := range []string{FieldSemgrepAPIURL, FieldSemgrepConcurrency, FieldPolicySeverities, FieldPolicyFullScansOnly,
		FieldPolicyDefaultBranch, FieldPolicyStatuses, FieldPolicyMaxScanAgeDays, FieldGuardsMassResolvePercent,
		FieldGuardsMassResolveMin, FieldGuardsUploadsPerDay, FieldWatchInterval, FieldWatchRefreshAfter} {
		if c.Origins[f] != OriginDefault {
			t.Errorf("Origins[%s] = %q, want default", f, c.Origins[f])
		}
	}
	if err := c.Validate(Needs{}); err != nil {
		t.Errorf("defaults alone must validate when nothing is needed: %v", err)
	}
}

func TestNormalize(t *testing.T) {
	c := &Config{}
	c.Wiz.APIEndpoint = " https://api.eu3.app.wiz.io "
	c.Wiz.AuthURL = "https://auth.app.wiz.io/"
	c.Wiz.ClientID = " id \n"
	c.Wiz.ClientSecret = "secret\n"
	c.Wiz.IntegrationID = " 55C176CC-D155-43A2-98ED-AA56873A1CA1 "
	c.Wiz.VCSHosts = map[string]string{" Git.Acme.COM ": "gitlab", "bb.acme.com": "bitbucketdatacenter", "x.acme.com": "Fossil"}
	c.Semgrep.APIURL = "https://semgrep.dev/"
	c.Semgrep.Token = " tok "
	c.Policy.Severities = []string{"ERROR", "High", "WARNING", "info", "note", "Critical", "bogus"}
	c.Policy.Statuses = []string{"OPEN", "open", " Fixed "}
	c.Policy.IncludeRepos = []string{" acme/* ", "acme/*"}
	c.Normalize()

	want := func(name string, got, exp any) {
		t.Helper()
		if !reflect.DeepEqual(got, exp) {
			t.Errorf("%s = %#v, want %#v", name, got, exp)
		}
	}
	want("endpoint", c.Wiz.APIEndpoint, "https://api.eu3.app.wiz.io/graphql")
	want("auth", c.Wiz.AuthURL, "https://auth.app.wiz.io/oauth/token")
	want("client id", c.Wiz.ClientID, "id")
	want("secret", c.Wiz.ClientSecret, "secret")
	want("integration", c.Wiz.IntegrationID, DefaultIntegrationID)
	want("vcs", c.Wiz.VCSHosts, map[string]string{"git.acme.com": "GitLab", "bb.acme.com": "BitbucketDataCenter", "x.acme.com": "Fossil"})
	want("semgrep url", c.Semgrep.APIURL, "https://semgrep.dev/api/v1")
	want("token", c.Semgrep.Token, "tok")
	want("severities", c.Policy.Severities, []string{"high", "medium", "low", "critical", "bogus"})
	want("statuses", c.Policy.Statuses, []string{"open", "fixed"})
	want("include", c.Policy.IncludeRepos, []string{"acme/*"})
	if c.Policy.ExcludeRepos != nil {
		t.Error("an absent list must stay nil")
	}

	// Idempotent.
	before := *c
	before.Wiz.VCSHosts = map[string]string{}
	for k, v := range c.Wiz.VCSHosts {
		before.Wiz.VCSHosts[k] = v
	}
	c.Normalize()
	if !reflect.DeepEqual(before.Wiz, c.Wiz) || !reflect.DeepEqual(before.Policy, c.Policy) || before.Semgrep != c.Semgrep {
		t.Errorf("second Normalize changed the config:\n%+v\n%+v", before, *c)
	}
}

func TestNormalizeEndpointPaths(t *testing.T) {
	for in, want := range map[string]string{
		"https://api.us17.app.wiz.io":          "https://api.us17.app.wiz.io/graphql",
		"https://api.us17.app.wiz.io/":         "https://api.us17.app.wiz.io/graphql",
		"https://api.us17.app.wiz.io/graphql":  "https://api.us17.app.wiz.io/graphql",
		"https://api.us17.app.wiz.io/graphql/": "https://api.us17.app.wiz.io/graphql",
		"http://127.0.0.1:8080":                "http://127.0.0.1:8080/graphql",
		"https://proxy.acme.com/wiz/graphql":   "https://proxy.acme.com/wiz/graphql",
		"https://api.us17.app.wiz.io/?x=1":     "https://api.us17.app.wiz.io/?x=1", // left for Validate
		"not a url":                            "not a url",
		"":                                     "",
	} {
		c := &Config{}
		c.Wiz.APIEndpoint = in
		c.Normalize()
		if c.Wiz.APIEndpoint != want {
			t.Errorf("Normalize(%q) = %q, want %q", in, c.Wiz.APIEndpoint, want)
		}
	}
}

func TestAudienceAndIntegration(t *testing.T) {
	for url, want := range map[string]string{
		"https://auth.app.wiz.io/oauth/token":   "wiz-api",
		"https://auth.gov.wiz.io/oauth/token":   "wiz-api",
		"https://auth.app.wiz.us/oauth/token":   "wiz-api",
		"https://auth.wiz.io/oauth/token":       "beyond-api",
		"https://auth0.gov.wiz.io/oauth/token":  "beyond-api",
		"https://AUTH.WIZ.IO./oauth/token":      "beyond-api",
		"http://127.0.0.1:9/oauth/token":        "wiz-api",
		"https://auth0.example.com/oauth/token": "wiz-api",
	} {
		if got := AudienceFor(url); got != want {
			t.Errorf("AudienceFor(%s) = %s, want %s", url, got, want)
		}
	}
	w := WizConfig{AuthURL: "https://auth.wiz.io/oauth/token"}
	if w.EffectiveAudience() != "beyond-api" || w.EffectiveIntegrationID() != DefaultIntegrationID {
		t.Errorf("effective = %s %s", w.EffectiveAudience(), w.EffectiveIntegrationID())
	}
	w.Audience, w.IntegrationID = "custom", "11111111-2222-3333-4444-555555555555"
	if w.EffectiveAudience() != "custom" || w.EffectiveIntegrationID() != w.IntegrationID {
		t.Error("overrides must win")
	}
	w.VCSHosts = map[string]string{"git.acme.com": "GitLab"}
	if k, ok := w.VCSFor("GIT.acme.com"); !ok || k != "GitLab" {
		t.Errorf("VCSFor = %q %v", k, ok)
	}
	if _, ok := w.VCSFor("github.com"); ok {
		t.Error("unconfigured host must not match")
	}
}
