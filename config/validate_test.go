package config

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestValidateValid(t *testing.T) {
	for name, mut := range map[string]func(*Config){
		"as is": func(*Config) {},
		"gov": func(c *Config) {
			c.Wiz.APIEndpoint, c.Wiz.AuthURL = "https://api.us1.app.wiz.us/graphql", "https://auth.app.wiz.us/oauth/token"
		},
		"govcloud auth": func(c *Config) { c.Wiz.AuthURL = "https://auth.gov.wiz.io/oauth/token" },
		"legacy auth0 creds": func(c *Config) {
			c.Wiz.AuthURL, c.Wiz.ClientID, c.Wiz.ClientSecret = "https://auth.wiz.io/oauth/token", "abcdEFGH1234abcdEFGH1234abcdEFGH", "a-b_c"
		},
		"loopback stand-ins": func(c *Config) {
			c.Wiz.APIEndpoint, c.Wiz.AuthURL = "http://127.0.0.1:8080/graphql", "http://localhost:8081/oauth/token"
			c.Wiz.ClientID, c.Wiz.ClientSecret = "demo", "demo"
			c.Semgrep.APIURL = "http://[::1]:9000/api/v1"
		},
		"proxy endpoint": func(c *Config) { c.Wiz.APIEndpoint = "https://wiz-proxy.acme.internal/some/path" },
		"vcs hosts": func(c *Config) {
			c.Wiz.VCSHosts = map[string]string{"git.acme.com": "GitLab", "ghe.acme.com:8443": "GitHub"}
		},
		"integration id":   func(c *Config) { c.Wiz.IntegrationID = "11111111-2222-3333-4444-555555555555" },
		"upload cap 1 MB":  func(c *Config) { c.Wiz.MaxUploadMB = 1 },
		"upload cap 5 GB":  func(c *Config) { c.Wiz.MaxUploadMB = 5120 },
		"all severities":   func(c *Config) { c.Policy.Severities = AllowedSeverities },
		"all statuses":     func(c *Config) { c.Policy.Statuses = AllowedStatuses },
		"patterns":         func(c *Config) { c.Policy.IncludeRepos = []string{"acme/*", "**/api-*", "group/**"} },
		"bounds":           func(c *Config) { c.Policy.MaxScanAgeDays, c.Semgrep.Concurrency = 1, 16 },
		"56-char id":       func(c *Config) { c.Wiz.ClientID = strings.Repeat("a", 56) },
		"53-char id":       func(c *Config) { c.Wiz.ClientID = strings.Repeat("a", 53) },
		"underscore slug":  func(c *Config) { c.Semgrep.Deployment = "acme_corp-2" },
		"audience":         func(c *Config) { c.Wiz.Audience = "beyond-api" },
		"semgrep other ok": func(c *Config) { c.Semgrep.APIURL = "https://semgrep.acme.internal/api/v1" },
		"guards low bounds": func(c *Config) {
			c.Guards = Guards{MassResolvePercent: 1, MassResolveMin: 1, UploadsPerDay: 0}
		},
		"guards high bounds": func(c *Config) {
			c.Guards = Guards{MassResolvePercent: 100, MassResolveMin: 1_000_000, UploadsPerDay: 48}
		},
		"watch low bounds": func(c *Config) {
			c.Watch = Watch{Interval: Duration{time.Minute}, RefreshAfter: Duration{time.Hour}}
		},
		"watch high bounds": func(c *Config) {
			c.Watch = Watch{Interval: Duration{24 * time.Hour}, RefreshAfter: Duration{144 * time.Hour}}
		},
	} {
		t.Run(name, func(t *testing.T) {
			c := validConfig()
			mut(c)
			if err := c.Validate(Needs{Wiz: true, Semgrep: true}); err != nil {
				t.Errorf("unexpected: %v", err)
			}
		})
	}
}

func TestValidateProblems(t *testing.T) {
	long := strings.Repeat("x", 64)
	for _, tc := range []struct {
		name  string
		mut   func(*Config)
		field string
		msg   string // substring of the problem's message or hint
	}{
		// Wiz endpoint
		{"endpoint missing", func(c *Config) { c.Wiz.APIEndpoint = "" }, FieldWizAPIEndpoint, "not set"},
		{"endpoint http remote", func(c *Config) { c.Wiz.APIEndpoint = "http://api.us17.app.wiz.io/graphql" }, FieldWizAPIEndpoint, "https://"},
		{"endpoint ftp", func(c *Config) { c.Wiz.APIEndpoint = "ftp://api.us17.app.wiz.io/graphql" }, FieldWizAPIEndpoint, "https://"},
		{"endpoint no scheme", func(c *Config) { c.Wiz.APIEndpoint = "api.us17.app.wiz.io/graphql" }, FieldWizAPIEndpoint, "full URL"},
		{"endpoint query", func(c *Config) { c.Wiz.APIEndpoint = "https://api.us17.app.wiz.io/graphql?x=1" }, FieldWizAPIEndpoint, "query"},
		{"endpoint fragment", func(c *Config) { c.Wiz.APIEndpoint = "https://api.us17.app.wiz.io/graphql#x" }, FieldWizAPIEndpoint, "fragment"},
		{"endpoint userinfo", func(c *Config) { c.Wiz.APIEndpoint = "https://u:p@api.us17.app.wiz.io/graphql" }, FieldWizAPIEndpoint, "user name"},
		{"endpoint bad port", func(c *Config) { c.Wiz.APIEndpoint = "https://api.us17.app.wiz.io:99999/graphql" }, FieldWizAPIEndpoint, "port"},
		{"endpoint blanks", func(c *Config) { c.Wiz.APIEndpoint = "https://api.us17 .app.wiz.io/graphql" }, FieldWizAPIEndpoint, "blanks"},
		{"endpoint wrong path", func(c *Config) { c.Wiz.APIEndpoint = "https://api.us17.app.wiz.io/api" }, FieldWizAPIEndpoint, "/graphql"},
		{"endpoint is console", func(c *Config) { c.Wiz.APIEndpoint = "https://app.wiz.io/graphql" }, FieldWizAPIEndpoint, "Tenant Info"},
		{"endpoint is auth url", func(c *Config) { c.Wiz.APIEndpoint = "https://auth.app.wiz.io/graphql" }, FieldWizAPIEndpoint, "authentication URL"},
		// Auth URL
		{"auth missing", func(c *Config) { c.Wiz.AuthURL = "" }, FieldWizAuthURL, "auth.app.wiz.io"},
		{"auth wrong path", func(c *Config) { c.Wiz.AuthURL = "https://auth.app.wiz.io/token" }, FieldWizAuthURL, "/oauth/token"},
		{"auth http", func(c *Config) { c.Wiz.AuthURL = "http://auth.app.wiz.io/oauth/token" }, FieldWizAuthURL, "https://"},
		{"auth is api host", func(c *Config) { c.Wiz.AuthURL = "https://api.us17.app.wiz.io/oauth/token" }, FieldWizAuthURL, "API endpoint"},
		{"gov endpoint, commercial auth", func(c *Config) { c.Wiz.APIEndpoint = "https://api.us1.app.wiz.us/graphql" }, FieldWizAuthURL, "auth.app.wiz.us"},
		{"commercial endpoint, gov auth", func(c *Config) { c.Wiz.AuthURL = "https://auth.app.wiz.us/oauth/token" }, FieldWizAuthURL, "api.us17.app.wiz.io"},
		// Credentials
		{"client id missing", func(c *Config) { c.Wiz.ClientID = "" }, FieldWizClientID, "not set"},
		{"client id short", func(c *Config) { c.Wiz.ClientID = "abc" }, FieldWizClientID, "3 characters"},
		{"client id too long", func(c *Config) { c.Wiz.ClientID = strings.Repeat("a", 57) }, FieldWizClientID, "57 characters"},
		{"client id punctuation", func(c *Config) { c.Wiz.ClientID = strings.Repeat("a", 53) + "-" }, FieldWizClientID, "not letters or digits"},
		{"client id is the secret", func(c *Config) { c.Wiz.ClientID = long }, FieldWizClientID, "looks like a client secret"},
		{"client id blank on stand-in", func(c *Config) { c.Wiz.AuthURL = "http://127.0.0.1:1/oauth/token"; c.Wiz.ClientID = "a b" }, FieldWizClientID, "blanks"},
		{"secret missing", func(c *Config) { c.Wiz.ClientSecret = "" }, FieldWizClientSecret, "not set"},
		{"secret short", func(c *Config) { c.Wiz.ClientSecret = testSecret[:63] }, FieldWizClientSecret, "63 characters"},
		{"secret punctuation", func(c *Config) { c.Wiz.ClientSecret = testSecret[:63] + "!" }, FieldWizClientSecret, "not letters or digits"},
		{"secret with blank on auth0", func(c *Config) {
			c.Wiz.AuthURL, c.Wiz.ClientID, c.Wiz.ClientSecret = "https://auth.wiz.io/oauth/token", "x", "a b"
		}, FieldWizClientSecret, "blanks"},
		{"audience blank", func(c *Config) { c.Wiz.Audience = "wiz api" }, FieldWizAudience, "blanks"},
		{"integration id placeholder", func(c *Config) { c.Wiz.IntegrationID = "placeholder-integration-id" }, FieldWizIntegrationID, "UUID"},
		{"vcs kind", func(c *Config) { c.Wiz.VCSHosts = map[string]string{"git.acme.com": "Gitea"} }, FieldWizVCSHosts, "AzureDevOps"},
		{"vcs terraform", func(c *Config) { c.Wiz.VCSHosts = map[string]string{"git.acme.com": "Terraform"} }, FieldWizVCSHosts, "unknown VCS kind"},
		{"vcs host url", func(c *Config) { c.Wiz.VCSHosts = map[string]string{"https://git.acme.com": "GitLab"} }, FieldWizVCSHosts, "host alone"},
		{"upload cap 0", func(c *Config) { c.Wiz.MaxUploadMB = 0 }, FieldWizMaxUploadMB, "between 1 and 5120 (got 0)"},
		{"upload cap negative", func(c *Config) { c.Wiz.MaxUploadMB = -3 }, FieldWizMaxUploadMB, "use 100"},
		{"upload cap over 5 GB", func(c *Config) { c.Wiz.MaxUploadMB = 5121 }, FieldWizMaxUploadMB, "got 5121"},
		// Semgrep
		{"token missing", func(c *Config) { c.Semgrep.Token = "" }, FieldSemgrepToken, "Web API"},
		{"token blank inside", func(c *Config) { c.Semgrep.Token = "abc def" }, FieldSemgrepToken, "blanks"},
		{"deployment missing", func(c *Config) { c.Semgrep.Deployment = "" }, FieldSemgrepDeployment, "slug"},
		{"deployment upper", func(c *Config) { c.Semgrep.Deployment = "Acme-Corp" }, FieldSemgrepDeployment, `"acme-corp"`},
		{"deployment url", func(c *Config) { c.Semgrep.Deployment = "https://semgrep.dev/orgs/acme" }, FieldSemgrepDeployment, "not a URL"},
		{"deployment spaces", func(c *Config) { c.Semgrep.Deployment = "acme corp" }, FieldSemgrepDeployment, "lowercase"},
		{"semgrep url http", func(c *Config) { c.Semgrep.APIURL = "http://semgrep.dev/api/v1" }, FieldSemgrepAPIURL, "https://"},
		{"semgrep url path", func(c *Config) { c.Semgrep.APIURL = "https://semgrep.dev/api" }, FieldSemgrepAPIURL, "/api/v1"},
		{"semgrep url empty", func(c *Config) { c.Semgrep.APIURL = "" }, FieldSemgrepAPIURL, "not set"},
		{"concurrency 0", func(c *Config) { c.Semgrep.Concurrency = 0 }, FieldSemgrepConcurrency, "got 0"},
		{"concurrency 17", func(c *Config) { c.Semgrep.Concurrency = 17 }, FieldSemgrepConcurrency, "1 and 16"},
		// Policy
		{"severity unknown", func(c *Config) { c.Policy.Severities = []string{"high", "severe"} }, FieldPolicySeverities, `"severe"`},
		{"severities empty", func(c *Config) { c.Policy.Severities = []string{} }, FieldPolicySeverities, "marked fixed"},
		{"status unknown", func(c *Config) { c.Policy.Statuses = []string{"closed"} }, FieldPolicyStatuses, "provisionally_ignored"},
		{"statuses empty", func(c *Config) { c.Policy.Statuses = nil }, FieldPolicyStatuses, "empty"},
		{"include bad glob", func(c *Config) { c.Policy.IncludeRepos = []string{"acme/[abc"} }, FieldPolicyIncludeRepos, "malformed"},
		{"exclude bad glob", func(c *Config) { c.Policy.ExcludeRepos = []string{`acme/\`} }, FieldPolicyExcludeRepos, "malformed"},
		{"include empty pattern", func(c *Config) { c.Policy.IncludeRepos = []string{""} }, FieldPolicyIncludeRepos, "empty"},
		{"include url", func(c *Config) { c.Policy.IncludeRepos = []string{"https://github.com/acme/app"} }, FieldPolicyIncludeRepos, "URL"},
		{"include host path", func(c *Config) { c.Policy.IncludeRepos = []string{"github.com/acme/app"} }, FieldPolicyIncludeRepos, "URL"},
		{"max age 0", func(c *Config) { c.Policy.MaxScanAgeDays = 0 }, FieldPolicyMaxScanAgeDays, "1 and 30"},
		{"max age 31", func(c *Config) { c.Policy.MaxScanAgeDays = 31 }, FieldPolicyMaxScanAgeDays, "got 31"},
		// Guards
		{"mass percent 0", func(c *Config) { c.Guards.MassResolvePercent = 0 }, FieldGuardsMassResolvePercent, "between 1 and 100 (got 0)"},
		{"mass percent 101", func(c *Config) { c.Guards.MassResolvePercent = 101 }, FieldGuardsMassResolvePercent, "use 50"},
		{"mass min 0", func(c *Config) { c.Guards.MassResolveMin = 0 }, FieldGuardsMassResolveMin, "at least 1 (got 0)"},
		{"mass min negative", func(c *Config) { c.Guards.MassResolveMin = -5 }, FieldGuardsMassResolveMin, "use 20"},
		{"uploads negative", func(c *Config) { c.Guards.UploadsPerDay = -1 }, FieldGuardsUploadsPerDay, "0 means no limit"},
		{"uploads 49", func(c *Config) { c.Guards.UploadsPerDay = 49 }, FieldGuardsUploadsPerDay, "between 0 and 48 (got 49)"},
		// Watch
		{"interval 30s", func(c *Config) { c.Watch.Interval = Duration{30 * time.Second} }, FieldWatchInterval, "between 1m and 24h (got 30s)"},
		{"interval zero", func(c *Config) { c.Watch.Interval = Duration{} }, FieldWatchInterval, "use 10m"},
		{"interval negative", func(c *Config) { c.Watch.Interval = Duration{-10 * time.Minute} }, FieldWatchInterval, "got -10m"},
		{"interval 25h", func(c *Config) { c.Watch.Interval = Duration{25 * time.Hour} }, FieldWatchInterval, "got 25h"},
		{"refresh 59m", func(c *Config) { c.Watch.RefreshAfter = Duration{59 * time.Minute} }, FieldWatchRefreshAfter, "between 1h and 144h (got 59m)"},
		{"refresh a week", func(c *Config) { c.Watch.RefreshAfter = Duration{7 * 24 * time.Hour} }, FieldWatchRefreshAfter, "within 7 days"},
		{"refresh zero", func(c *Config) { c.Watch.RefreshAfter = Duration{} }, FieldWatchRefreshAfter, "use 24h"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := validConfig()
			tc.mut(c)
			err := c.Validate(Needs{Wiz: true, Semgrep: true})
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("err = %v, want *ValidationError", err)
			}
			var found *Problem
			for i, p := range ve.Problems {
				if p.Field == tc.field {
					found = &ve.Problems[i]
				}
			}
			if found == nil {
				t.Fatalf("no problem for %s; got %v", tc.field, problemFields(err))
			}
			if !strings.Contains(found.Message+" "+found.Hint, tc.msg) {
				t.Errorf("problem %q lacks %q", found.String(), tc.msg)
			}
			if found.Hint == "" {
				t.Errorf("problem has no hint: %s", found)
			}
			for _, secret := range []string{testSecret, testSecret[:63], long} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error leaks a secret value: %s", err)
				}
			}
			if strings.Contains(found.String(), "\n") {
				t.Errorf("problem is not one line: %q", found.String())
			}
		})
	}
}

func TestValidateGuardsAndWatchOrigin(t *testing.T) {
	env, paths := testEnv(t)
	writeFile(t, paths.ConfigFile, "guards:\n  uploads_per_day: 100\nwatch:\n  refresh_after: 200h\n", 0o600)
	c, err := Load(Overrides{}, env.get, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = c.Validate(Needs{})
	if got := problemFields(err); !slices.Equal(got, []string{FieldGuardsUploadsPerDay, FieldWatchRefreshAfter}) {
		t.Fatalf("problems = %v (%v)", got, err)
	}
	for _, want := range []string{
		"guards.uploads_per_day (from file " + paths.ConfigFile + "): must be between 0 and 48 (got 100) — ",
		"watch.refresh_after (from file " + paths.ConfigFile + "): must be between 1h and 144h (got 200h) — ",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q lacks %q", err.Error(), want)
		}
	}
}

func TestValidateMismatchNamesBoth(t *testing.T) {
	c := validConfig()
	c.Wiz.APIEndpoint = "https://api.us1.app.wiz.us/graphql"
	c.Origins[FieldWizAPIEndpoint] = "env WIZ_API_ENDPOINT"
	c.Origins[FieldWizAuthURL] = OriginFile
	err := c.Validate(Needs{Wiz: true})
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	for _, want := range []string{"auth.app.wiz.io", "api.us1.app.wiz.us", "(wiz.api_endpoint, from env WIZ_API_ENDPOINT)",
		"wiz.auth_url (from file /cfg/config.yaml)", "Wiz for Government", "https://auth.app.wiz.us/oauth/token"} {
		if !strings.Contains(msg, want) {
			t.Errorf("%q lacks %q", msg, want)
		}
	}
}

func TestValidateNeeds(t *testing.T) {
	c := Default()
	c.Semgrep.Deployment = "acme"
	c.Semgrep.Token = testToken
	if err := c.Validate(Needs{Semgrep: true}); err != nil {
		t.Errorf("dry run without Wiz settings: %v", err)
	}
	err := c.Validate(Needs{Wiz: true, Semgrep: true})
	got := problemFields(err)
	want := []string{FieldWizAPIEndpoint, FieldWizAuthURL, FieldWizClientID, FieldWizClientSecret}
	if !slices.Equal(got, want) {
		t.Errorf("missing Wiz settings: got %v, want %v", got, want)
	}

	c = validConfig()
	c.Semgrep.Token, c.Semgrep.Deployment = "", ""
	if err := c.Validate(Needs{Wiz: true}); err != nil {
		t.Errorf("--from needs no Semgrep token: %v", err)
	}
	if got := problemFields(c.Validate(Needs{Semgrep: true})); !slices.Equal(got, []string{FieldSemgrepDeployment, FieldSemgrepToken}) {
		t.Errorf("got %v", got)
	}

	// A present but broken value is reported even when not needed.
	c = validConfig()
	c.Wiz.APIEndpoint = "http://api.us17.app.wiz.io/graphql"
	if got := problemFields(c.Validate(Needs{})); !slices.Equal(got, []string{FieldWizAPIEndpoint}) {
		t.Errorf("got %v", got)
	}
}

func TestValidationErrorListsEverything(t *testing.T) {
	c := validConfig()
	c.Origins[FieldWizClientID] = "env WIZ_CLIENT_ID"
	c.Wiz.ClientID = "short"
	c.Policy.MaxScanAgeDays = 99
	c.Semgrep.Concurrency = 0
	err := c.Validate(Needs{Wiz: true, Semgrep: true})
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "3 configuration problems") {
		t.Fatalf("error = %q", err.Error())
	}
	if !strings.Contains(lines[1], "wiz.client_id (from env WIZ_CLIENT_ID): must be 53–56 letters and digits; this one has 5 characters — ") {
		t.Errorf("line = %q", lines[1])
	}
	one := (&ValidationError{Problems: []Problem{{Field: "f", Message: "m", Hint: "h"}}}).Error()
	if one != "f: m — h" {
		t.Errorf("single problem = %q", one)
	}
	var nilCfg *Config
	if nilCfg.Validate(Needs{}) == nil {
		t.Error("nil config must not validate")
	}
}

func TestValidateEndpoint(t *testing.T) {
	for raw, ok := range map[string]bool{
		"https://api.us17.app.wiz.io/graphql": true,
		"HTTPS://api.us17.app.wiz.io/graphql": true,
		"https://host:8443/x":                 true,
		"http://127.0.0.1:8080/graphql":       true,
		"http://127.9.9.9/x":                  true,
		"http://[::1]:9/x":                    true,
		"http://localhost/x":                  true,
		"http://LOCALHOST./x":                 true,
		"http://[::ffff:127.0.0.1]/x":         true,
		"http://api.us17.app.wiz.io/graphql":  false,
		"http://10.0.0.1/x":                   false,
		"http://128.0.0.1/x":                  false,
		"http://localhost.evil.com/x":         false,
		"http://127.0.0.1.nip.io/x":           false,
		"ftp://host/x":                        false,
		"https://":                            false,
		"https:///path":                       false,
		"https:opaque":                        false,
		"//host/x":                            false,
		"":                                    false,
		"https://host/x?":                     false,
		"https://host/x?a=b":                  false,
		"https://host/x#":                     false,
		"https://user@host/x":                 false,
		"https://host:0/x":                    false,
		"https://host:/x":                     false,
		"https://host/x y":                    false,
		"https://host/\x00":                   false,
		" https://host/x":                     false,
		"https://[::1/x":                      false,
		"javascript:alert(1)":                 false,
	} {
		err := ValidateEndpoint(raw)
		if (err == nil) != ok {
			t.Errorf("ValidateEndpoint(%q) = %v, want ok=%v", raw, err, ok)
		}
		if err != nil && len(raw) > 10 && strings.Contains(err.Error(), raw) {
			t.Errorf("error repeats the URL: %v", err)
		}
	}
}

func TestIsLoopbackURL(t *testing.T) {
	for raw, want := range map[string]bool{
		"http://127.0.0.1:8080/x":   true,
		"http://127.255.255.254":    true,
		"https://[::1]:443/":        true,
		"http://localhost":          true,
		"http://[::ffff:127.0.0.1]": true,
		"http://128.0.0.1":          false,
		"http://[::2]":              false,
		"http://0.0.0.0":            false,
		"http://localhost.com":      false,
		"http://example.com":        false,
		"not a url":                 false,
		"%%":                        false,
	} {
		if got := IsLoopbackURL(raw); got != want {
			t.Errorf("IsLoopbackURL(%q) = %v, want %v", raw, got, want)
		}
	}
}

func TestMatchRepo(t *testing.T) {
	for _, tc := range []struct {
		pattern, name string
		want          bool
	}{
		{"acme/*", "acme/app", true},
		{"acme/*", "Acme/App", true},
		{"acme/*", "acme/group/app", false},
		{"acme/**", "acme/group/app", true},
		{"acme/**", "acme", true},
		{"**/api-*", "acme/api-gw", true},
		{"**/api-*", "acme/sub/api-gw", true},
		{"**/api-*", "acme/web", false},
		{"**", "anything/at/all", true},
		{"acme/**/app", "acme/app", true},
		{"acme/**/app", "acme/a/b/app", true},
		{"acme/**/**/app", "acme/a/app", true},
		{"acme/ap?", "acme/app", true},
		{"acme/[a-c]*", "acme/beta", true},
		{"acme/[a-c]*", "acme/delta", false},
		{"acme/app", "acme/app", true},
		{"acme/app", "acme/app2", false},
		{"*", "acme/app", false},
	} {
		got, err := MatchRepo(tc.pattern, tc.name)
		if err != nil || got != tc.want {
			t.Errorf("MatchRepo(%q, %q) = %v, %v; want %v", tc.pattern, tc.name, got, err, tc.want)
		}
	}
	for _, bad := range []string{"acme/[", `acme/\`, "", "  "} {
		if _, err := MatchRepo(bad, "acme/x"); err == nil {
			t.Errorf("MatchRepo(%q) accepted a malformed pattern", bad)
		}
		if ValidatePattern(bad) == nil {
			t.Errorf("ValidatePattern(%q) = nil", bad)
		}
	}
}
