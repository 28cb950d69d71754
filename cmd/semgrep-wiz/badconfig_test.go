package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/semgrep-wiz/semgrep-wiz/core/semgrep/semgreptest"
	"github.com/semgrep-wiz/semgrep-wiz/core/wiz/wiztest"
)

// Every setting wrong in each plausible way: one message per problem that
// names the setting and the fix, exit status 2, nothing sent to Wiz.
func TestBadConfigurationSendsNothing(t *testing.T) {
	realWiz := map[string]string{
		"WIZ_API_ENDPOINT":  "https://api.us17.app.wiz.io/graphql",
		"WIZ_AUTH_URL":      "https://auth.app.wiz.io/oauth/token",
		"WIZ_CLIENT_ID":     strings.Repeat("a", 53),
		"WIZ_CLIENT_SECRET": strings.Repeat("b", 64),
	}
	with := func(base map[string]string, kv ...string) map[string]string {
		out := map[string]string{}
		for k, v := range base {
			out[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			out[kv[i]] = kv[i+1]
		}
		return out
	}
	cases := []struct {
		name     string
		vars     map[string]string
		file     string // config.yaml content, when set
		creds    string // credentials.yaml content written 0644, when set
		mentions []string
		remote   bool // the Semgrep API may be asked (the problem is only visible there)
		syncOnly bool // preview needs no Wiz settings, so a missing one does not stop it
	}{
		{name: "endpoint empty", vars: map[string]string{"WIZ_API_ENDPOINT": ""}, mentions: []string{"wiz.api_endpoint", "Tenant Info"}, syncOnly: true},
		{name: "endpoint wrong scheme", vars: map[string]string{"WIZ_API_ENDPOINT": "ftp://api.us17.app.wiz.io/graphql"}, mentions: []string{"wiz.api_endpoint", "https://"}},
		{name: "endpoint http to a remote host", vars: map[string]string{"WIZ_API_ENDPOINT": "http://api.us17.app.wiz.io/graphql"}, mentions: []string{"wiz.api_endpoint", "loopback"}},
		{name: "endpoint not a URL", vars: map[string]string{"WIZ_API_ENDPOINT": "api us17 wiz"}, mentions: []string{"wiz.api_endpoint"}},
		{name: "auth url empty", vars: map[string]string{"WIZ_AUTH_URL": ""}, mentions: []string{"wiz.auth_url", "oauth/token"}, syncOnly: true},
		{name: "auth url http remote", vars: map[string]string{"WIZ_AUTH_URL": "http://auth.app.wiz.io/oauth/token"}, mentions: []string{"wiz.auth_url"}},
		{name: "gov endpoint, commercial auth", vars: with(realWiz, "WIZ_API_ENDPOINT", "https://api.us17.app.wiz.us/graphql"), mentions: []string{"wiz.auth_url", "wiz.api_endpoint"}},
		{name: "commercial endpoint, gov auth", vars: with(realWiz, "WIZ_AUTH_URL", "https://auth.app.wiz.us/oauth/token"), mentions: []string{"wiz.auth_url", "wiz.api_endpoint"}},
		{name: "client id wrong shape", vars: with(realWiz, "WIZ_CLIENT_ID", "short-id"), mentions: []string{"wiz.client_id", "53"}},
		{name: "client secret wrong shape", vars: with(realWiz, "WIZ_CLIENT_SECRET", "not-a-secret"), mentions: []string{"wiz.client_secret", "64"}},
		{name: "client secret missing", vars: map[string]string{"WIZ_CLIENT_SECRET": ""}, mentions: []string{"wiz.client_secret"}, syncOnly: true},
		{name: "semgrep token missing", vars: map[string]string{"SEMGREP_APP_TOKEN": ""}, mentions: []string{"semgrep.token", "Web API"}},
		{name: "deployment not a slug", vars: map[string]string{"SEMGREP_DEPLOYMENT": "Not A Slug!"}, mentions: []string{"semgrep.deployment"}},
		{name: "semgrep api http remote", vars: map[string]string{"SEMGREP_API_URL": "http://semgrep.dev/api/v1"}, mentions: []string{"semgrep.api_url"}},
		{name: "unknown deployment", vars: map[string]string{"SEMGREP_DEPLOYMENT": "no-such-org"}, mentions: []string{"semgrep.deployment", "acme-corp"}, remote: true},
		{name: "token without Web API scope", vars: map[string]string{"SEMGREP_APP_TOKEN": "no-scope"}, mentions: []string{"semgrep.token", "Web API"}, remote: true},
		{name: "wrong semgrep token", vars: map[string]string{"SEMGREP_APP_TOKEN": "wrong-token"}, mentions: []string{"semgrep.token"}, remote: true},
		{name: "malformed config file", file: "wiz:\n  api_endpoint: [oops\n", mentions: []string{"config.yaml", "line"}},
		{name: "unknown key", file: "wiz:\n  api_endpont: https://api.us17.app.wiz.io/graphql\n", mentions: []string{"api_endpont", "api_endpoint"}},
		{name: "world-readable credentials file", vars: map[string]string{"WIZ_CLIENT_SECRET": ""}, creds: "wiz-client-secret: x\n", mentions: []string{"credentials.yaml", "chmod 600"}, syncOnly: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, wiztest.Options{})
			for k, v := range c.vars {
				h.vars[k] = v
			}
			if c.name == "token without Web API scope" {
				h.vars["SEMGREP_APP_TOKEN"] = semgrepNoScopeToken(t, h)
			}
			if c.file != "" {
				if err := os.WriteFile(h.vars["SEMGREP_WIZ_CONFIG"], []byte(c.file), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			if c.creds != "" {
				p := filepath.Join(h.dir, "credentials.yaml")
				if err := os.WriteFile(p, []byte(c.creds), 0o644); err != nil {
					t.Fatal(err)
				}
				if err := os.Chmod(p, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			cmds := [][]string{{"sync", "--yes"}, {"preview"}}
			if c.syncOnly {
				cmds = cmds[:1]
			}
			for _, cmd := range cmds {
				code, _, stderr := h.run(cmd...)
				if code != 2 {
					t.Fatalf("%v: exit %d, want 2: %s", cmd, code, stderr)
				}
				for _, m := range c.mentions {
					if !strings.Contains(stderr, m) {
						t.Errorf("%v: error does not mention %q: %s", cmd, m, stderr)
					}
				}
				for _, line := range strings.Split(strings.TrimSpace(stderr), "\n") {
					if strings.HasPrefix(line, "  ") || strings.HasPrefix(line, "semgrep-wiz:") || strings.HasPrefix(line, "[") {
						continue
					}
					t.Errorf("%v: unexpected output line %q", cmd, line)
				}
			}
			if c.remote {
				// Signing in to Wiz is checked first; nothing else reaches it.
				if h.wz.SlotsRequested() != 0 || len(h.wz.Uploads()) != 0 {
					t.Error("an upload was started despite a configuration error")
				}
			} else if n := len(h.wz.Requests()); n != 0 {
				t.Errorf("Wiz received %d requests despite a configuration error", n)
			}
			if !c.remote && len(h.sg.Requests()) != 0 {
				t.Errorf("Semgrep was contacted for a problem visible locally")
			}
		})
	}
}

// semgrepNoScopeToken gives the stand-in a token that exists but lacks the
// Web API scope, and returns it.
func semgrepNoScopeToken(t *testing.T, h *harness) string {
	t.Helper()
	const tok = "cli-token-without-web-api"
	h.sg.Update(func(ds *semgreptest.Dataset) { ds.NoScopeToken = tok })
	return tok
}

// Wrong credentials or a missing permission are found only by asking Wiz;
// they are configuration problems too (exit 2), and nothing is uploaded.
func TestWizSideConfigurationProblems(t *testing.T) {
	cases := []struct {
		name     string
		opts     wiztest.Options
		vars     map[string]string
		mentions []string
	}{
		{"wrong secret", wiztest.Options{}, map[string]string{"WIZ_CLIENT_SECRET": strings.Repeat("z", 64)}, []string{"wiz.client_secret", "Service Accounts"}},
		{"missing ingestion scope", wiztest.Options{Scopes: []string{"read:resources", "read:system_activities"}}, nil, []string{"create:external_data_ingestion", "Service Accounts"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, c.opts)
			for k, v := range c.vars {
				h.vars[k] = v
			}
			code, _, stderr := h.run("sync", "--yes")
			if code != 2 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			for _, m := range c.mentions {
				if !strings.Contains(stderr, m) {
					t.Errorf("error does not mention %q: %s", m, stderr)
				}
			}
			if len(h.wz.Uploads()) != 0 {
				t.Error("something was uploaded")
			}
		})
	}
}

// With nothing configured, the headless commands point to the wizard as
// well as to the environment variables; a setting that is set but wrong
// does not.
func TestUnconfiguredCommandsMentionSetup(t *testing.T) {
	h := newHarness(t, wiztest.Options{})
	for _, k := range []string{"WIZ_API_ENDPOINT", "WIZ_AUTH_URL", "WIZ_CLIENT_ID", "WIZ_CLIENT_SECRET", "SEMGREP_APP_TOKEN", "SEMGREP_DEPLOYMENT", "SEMGREP_API_URL"} {
		delete(h.vars, k)
	}
	for _, args := range [][]string{{"check"}, {"preview"}, {"sync", "--yes"}, {"sync", "--dry-run"}, {"watch"}, {"history", "refresh", "RUN"}} {
		code, out, stderr := h.run(args...)
		if code != 2 || out != "" {
			t.Fatalf("%v: exit %d, stdout %q", args, code, out)
		}
		// The wizard, and still the environment variables.
		if !strings.Contains(stderr, "semgrep-wiz setup") || !strings.Contains(stderr, "set WIZ_CLIENT_ID") && !strings.Contains(stderr, "set SEMGREP_APP_TOKEN") {
			t.Errorf("%v: stderr does not mention setup and the environment:\n%s", args, stderr)
		}
	}
	if n := len(h.sg.Requests()) + len(h.wz.Requests()); n != 0 {
		t.Fatalf("%d requests without a configuration", n)
	}
	// Configured, but one value is wrong: the fix is that value, not setup.
	h2 := newHarness(t, wiztest.Options{})
	h2.vars["SEMGREP_DEPLOYMENT"] = "Not A Slug"
	code, _, stderr := h2.run("check")
	if code != 2 || !strings.Contains(stderr, "semgrep.deployment") || strings.Contains(stderr, "semgrep-wiz setup") {
		t.Fatalf("a wrong value: exit %d:\n%s", code, stderr)
	}
}
