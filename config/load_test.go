package config

import (
	"errors"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestLoadPrecedence(t *testing.T) {
	type field struct {
		name, key, env, flag string
		section              string
		setFlag              func(*Overrides, string)
		get                  func(*Config) string
		def                  string
	}
	fields := []field{
		{FieldWizAPIEndpoint, "api_endpoint", EnvWizAPIEndpoint, FlagWizAPIEndpoint, "wiz",
			func(o *Overrides, v string) { o.WizAPIEndpoint = v }, func(c *Config) string { return c.Wiz.APIEndpoint }, ""},
		{FieldWizAuthURL, "auth_url", EnvWizAuthURL, FlagWizAuthURL, "wiz",
			func(o *Overrides, v string) { o.WizAuthURL = v }, func(c *Config) string { return c.Wiz.AuthURL }, ""},
		{FieldWizClientID, "client_id", EnvWizClientID, FlagWizClientID, "wiz",
			func(o *Overrides, v string) { o.WizClientID = v }, func(c *Config) string { return c.Wiz.ClientID }, ""},
		{FieldSemgrepAPIURL, "api_url", EnvSemgrepAPIURL, FlagSemgrepAPIURL, "semgrep",
			func(o *Overrides, v string) { o.SemgrepAPIURL = v }, func(c *Config) string { return c.Semgrep.APIURL }, DefaultSemgrepAPIURL},
		{FieldSemgrepDeployment, "deployment", EnvSemgrepDeployment, FlagSemgrepDeployment, "semgrep",
			func(o *Overrides, v string) { o.SemgrepDeployment = v }, func(c *Config) string { return c.Semgrep.Deployment }, ""},
	}
	// Values are URLs with distinct paths so that Normalize leaves them alone.
	val := func(layer string) string { return "https://" + layer + ".example.com/x" }

	for _, f := range fields {
		for _, tc := range []struct {
			name             string
			file, env, flag  bool
			wantVal, wantOri string
		}{
			{"none", false, false, false, f.def, map[bool]string{true: OriginDefault, false: ""}[f.def != ""]},
			{"file", true, false, false, val("file"), OriginFile},
			{"env", false, true, false, val("env"), EnvOrigin(f.env)},
			{"flag", false, false, true, val("flag"), FlagOrigin(f.flag)},
			{"file+env", true, true, false, val("env"), EnvOrigin(f.env)},
			{"file+flag", true, false, true, val("flag"), FlagOrigin(f.flag)},
			{"env+flag", false, true, true, val("flag"), FlagOrigin(f.flag)},
			{"all", true, true, true, val("flag"), FlagOrigin(f.flag)},
		} {
			t.Run(f.name+"/"+tc.name, func(t *testing.T) {
				env, paths := testEnv(t)
				if tc.file {
					writeFile(t, paths.ConfigFile, f.section+":\n  "+f.key+": "+val("file")+"\n", 0o600)
				}
				if tc.env {
					env[f.env] = val("env")
				}
				var o Overrides
				if tc.flag {
					f.setFlag(&o, val("flag"))
				}
				c, err := Load(o, env.get, newMemStore())
				if err != nil {
					t.Fatal(err)
				}
				if got := f.get(c); got != tc.wantVal {
					t.Errorf("value = %q, want %q", got, tc.wantVal)
				}
				if got := c.Origins[f.name]; got != tc.wantOri {
					t.Errorf("origin = %q, want %q", got, tc.wantOri)
				}
			})
		}
	}
}

func TestLoadSecrets(t *testing.T) {
	t.Run("env wins and the store is not asked", func(t *testing.T) {
		env, _ := testEnv(t)
		env[EnvWizClientSecret] = testSecret
		env[EnvSemgrepToken] = testToken
		store := newMemStore(SecretWizClientSecret, "from-store", SecretSemgrepToken, "from-store")
		c, err := Load(Overrides{}, env.get, store)
		if err != nil {
			t.Fatal(err)
		}
		if c.Wiz.ClientSecret != testSecret || c.Semgrep.Token != testToken {
			t.Errorf("secrets = %q %q", c.Wiz.ClientSecret, c.Semgrep.Token)
		}
		if c.Origins[FieldWizClientSecret] != "env WIZ_CLIENT_SECRET" || c.Origins[FieldSemgrepToken] != "env SEMGREP_APP_TOKEN" {
			t.Errorf("origins = %v", c.Origins)
		}
		if store.gets != 0 {
			t.Errorf("store read %d times although the environment had both secrets", store.gets)
		}
	})
	t.Run("store", func(t *testing.T) {
		env, _ := testEnv(t)
		store := newMemStore(SecretWizClientSecret, testSecret, SecretSemgrepToken, testToken)
		c, err := Load(Overrides{}, env.get, store)
		if err != nil {
			t.Fatal(err)
		}
		if c.Wiz.ClientSecret != testSecret || c.Semgrep.Token != testToken {
			t.Errorf("secrets not read from store")
		}
		if c.Origins[FieldWizClientSecret] != "memory" {
			t.Errorf("a foreign store's origin is its Where(): %q", c.Origins[FieldWizClientSecret])
		}
	})
	t.Run("not found is no error", func(t *testing.T) {
		env, _ := testEnv(t)
		c, err := Load(Overrides{}, env.get, newMemStore())
		if err != nil {
			t.Fatal(err)
		}
		if c.Wiz.ClientSecret != "" || c.Origins[FieldWizClientSecret] != "" {
			t.Error("missing secret must stay unset")
		}
	})
	t.Run("nil store", func(t *testing.T) {
		env, _ := testEnv(t)
		if _, err := Load(Overrides{}, env.get, nil); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("store failure is an error", func(t *testing.T) {
		env, _ := testEnv(t)
		store := newMemStore()
		store.getErr = errors.New("keyring locked")
		_, err := Load(Overrides{}, env.get, store)
		if err == nil || !strings.Contains(err.Error(), "keyring locked") || !strings.Contains(err.Error(), FieldWizClientSecret) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("world-readable credentials file", func(t *testing.T) {
		env, paths := testEnv(t)
		writeFile(t, paths.CredentialsFile, SecretWizClientSecret+": "+testSecret+"\n", 0o644)
		_, err := Load(Overrides{}, env.get, FileStore(paths.CredentialsFile))
		if err == nil || !strings.Contains(err.Error(), "chmod 600 "+paths.CredentialsFile) {
			t.Errorf("err = %v", err)
		}
		if err != nil && strings.Contains(err.Error(), testSecret) {
			t.Error("error leaks the secret")
		}
	})
	t.Run("credentials file origin", func(t *testing.T) {
		env, paths := testEnv(t)
		writeFile(t, paths.CredentialsFile, SecretSemgrepToken+": "+testToken+"\n", 0o600)
		c, err := Load(Overrides{}, env.get, FileStore(paths.CredentialsFile))
		if err != nil {
			t.Fatal(err)
		}
		if c.Semgrep.Token != testToken || c.Origins[FieldSemgrepToken] != OriginCredentialsFile {
			t.Errorf("token %q origin %q", c.Semgrep.Token, c.Origins[FieldSemgrepToken])
		}
	})
}

func TestLoadMissingFile(t *testing.T) {
	env, paths := testEnv(t)
	env[EnvWizClientID] = testClientID
	c, err := Load(Overrides{}, env.get, newMemStore())
	if err != nil {
		t.Fatalf("a missing config file must be an empty config: %v", err)
	}
	if c.FileExists || c.Path != paths.ConfigFile || c.StateDir != paths.StateDir {
		t.Errorf("FileExists=%v Path=%s StateDir=%s", c.FileExists, c.Path, c.StateDir)
	}
	if c.Wiz.ClientID != testClientID || !c.Policy.FullScansOnly || c.Semgrep.Concurrency != 8 {
		t.Errorf("env + defaults not applied: %+v", c)
	}
	if c.Origins[FieldConfigFile] != OriginDefault {
		t.Errorf("config_file origin = %q", c.Origins[FieldConfigFile])
	}
}

func TestLoadConfigFileLocation(t *testing.T) {
	env, _ := testEnv(t)
	dir := t.TempDir()
	envFile, flagFile := dir+"/env.yaml", dir+"/flag.yaml"
	writeFile(t, envFile, "semgrep:\n  deployment: from-env-file\n", 0o600)
	writeFile(t, flagFile, "semgrep:\n  deployment: from-flag-file\n", 0o600)
	env[EnvConfigFile] = envFile

	c, err := Load(Overrides{}, env.get, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Semgrep.Deployment != "from-env-file" || c.Path != envFile || c.Origins[FieldConfigFile] != "env SEMGREP_WIZ_CONFIG" || !c.FileExists {
		t.Errorf("env file: %q %q %q", c.Semgrep.Deployment, c.Path, c.Origins[FieldConfigFile])
	}
	c, err = Load(Overrides{ConfigFile: flagFile, StateDir: dir + "/st"}, env.get, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Semgrep.Deployment != "from-flag-file" || c.Origins[FieldConfigFile] != "flag --config" ||
		c.StateDir != dir+"/st" || c.Origins[FieldStateDir] != "flag --state-dir" {
		t.Errorf("flag file: %+v %v", c.Semgrep, c.Origins)
	}
}

// fullConfigFile sets every setting (also a fuzz seed).
var fullConfigFile = `wiz:
  api_endpoint: https://api.us17.app.wiz.io
  auth_url: https://auth.app.wiz.io/oauth/token
  client_id: ` + testClientID + `
  audience: wiz-api
  integration_id: 11111111-2222-3333-4444-555555555555
  vcs_hosts:
    git.acme.com: gitlab
  max_upload_mb: 25
semgrep:
  api_url: https://semgrep.dev/api/v1
  deployment: acme
  concurrency: 8
policy:
  severities: [ERROR, WARNING, critical]
  full_scans_only: false
  default_branch_only: false
  statuses: [open, reviewing]
  include_repos: ["acme/*"]
  exclude_repos: ["acme/legacy-**"]
  max_scan_age_days: 7
guards:
  mass_resolve_percent: 80
  mass_resolve_min: 5
  uploads_per_day: 0
watch:
  interval: 1h30m
  refresh_after: "72h"
`

func TestLoadFullFile(t *testing.T) {
	env, paths := testEnv(t)
	writeFile(t, paths.ConfigFile, "# comment\n"+fullConfigFile, 0o600)
	c, err := Load(Overrides{}, env.get, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := Config{}
	want.Wiz = WizConfig{APIEndpoint: "https://api.us17.app.wiz.io/graphql", AuthURL: "https://auth.app.wiz.io/oauth/token",
		ClientID: testClientID, Audience: "wiz-api", IntegrationID: "11111111-2222-3333-4444-555555555555",
		VCSHosts: map[string]string{"git.acme.com": "GitLab"}, MaxUploadMB: 25}
	want.Semgrep = SemgrepConfig{APIURL: "https://semgrep.dev/api/v1", Deployment: "acme", Concurrency: 8}
	want.Policy = Policy{Severities: []string{"high", "medium", "critical"}, Statuses: []string{"open", "reviewing"},
		IncludeRepos: []string{"acme/*"}, ExcludeRepos: []string{"acme/legacy-**"}, MaxScanAgeDays: 7}
	want.Guards = Guards{MassResolvePercent: 80, MassResolveMin: 5, UploadsPerDay: 0}
	want.Watch = Watch{Interval: Duration{90 * time.Minute}, RefreshAfter: Duration{72 * time.Hour}}
	if !reflect.DeepEqual(c.Wiz, want.Wiz) || c.Semgrep != want.Semgrep || !reflect.DeepEqual(c.Policy, want.Policy) ||
		c.Guards != want.Guards || c.Watch != want.Watch {
		t.Errorf("got  %+v %+v %+v %+v %+v\nwant %+v %+v %+v %+v %+v", c.Wiz, c.Semgrep, c.Policy, c.Guards, c.Watch,
			want.Wiz, want.Semgrep, want.Policy, want.Guards, want.Watch)
	}
	for f, o := range c.Origins {
		if f != FieldConfigFile && f != FieldStateDir && o != OriginFile {
			t.Errorf("Origins[%s] = %q, want file", f, o)
		}
	}
	if err := c.Validate(Needs{}); err != nil {
		t.Errorf("full file should validate: %v", err)
	}
}

func TestLoadBoolAbsentVersusFalse(t *testing.T) {
	for _, tc := range []struct {
		name, yaml     string
		full, branch   bool
		fullOrigin     string
		severitiesNil  bool
		wantSeverities []string
	}{
		{"absent", "policy:\n  max_scan_age_days: 5\n", true, true, OriginDefault, false, []string{"critical", "high"}},
		{"no policy section", "semgrep:\n  deployment: x\n", true, true, OriginDefault, false, []string{"critical", "high"}},
		{"null value", "policy:\n  full_scans_only:\n  default_branch_only: ~\n", true, true, OriginDefault, false, []string{"critical", "high"}},
		{"false", "policy:\n  full_scans_only: false\n  default_branch_only: false\n", false, false, OriginFile, false, []string{"critical", "high"}},
		{"true", "policy:\n  full_scans_only: true\n", true, true, OriginFile, false, []string{"critical", "high"}},
		{"explicit empty list", "policy:\n  severities: []\n", true, true, OriginDefault, false, []string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env, paths := testEnv(t)
			writeFile(t, paths.ConfigFile, tc.yaml, 0o600)
			c, err := Load(Overrides{}, env.get, nil)
			if err != nil {
				t.Fatal(err)
			}
			if c.Policy.FullScansOnly != tc.full || c.Policy.DefaultBranchOnly != tc.branch {
				t.Errorf("full=%v branch=%v", c.Policy.FullScansOnly, c.Policy.DefaultBranchOnly)
			}
			if c.Origins[FieldPolicyFullScansOnly] != tc.fullOrigin {
				t.Errorf("origin = %q", c.Origins[FieldPolicyFullScansOnly])
			}
			if !reflect.DeepEqual(c.Policy.Severities, tc.wantSeverities) {
				t.Errorf("severities = %#v", c.Policy.Severities)
			}
		})
	}
}

func TestLoadFileErrors(t *testing.T) {
	for _, tc := range []struct {
		name, yaml string
		want       []string // substrings of the error, after the path
		absent     []string
	}{
		{"syntax", "wiz:\n  api_endpoint: x\nsemgrep:\n  deployment: [unclosed\n", []string{" line "}, nil},
		{"bad indentation", "wiz:\n  client_id: a\n   auth_url: b\n", []string{" line 3: "}, nil},
		{"unknown key with suggestion", "wiz:\n  api_endpiont: https://x\n", []string{" line 2: ", "unknown setting wiz.api_endpiont", "did you mean wiz.api_endpoint?"}, nil},
		{"unknown key dash", "semgrep:\n  api-url: https://x\n", []string{"did you mean semgrep.api_url?"}, nil},
		{"key in wrong section", "policy:\n  client_id: abc\n", []string{" line 2: ", "unknown setting policy.client_id", "did you mean wiz.client_id?"}, nil},
		{"unknown section", "wizz:\n  client_id: abc\n", []string{" line 1: ", "unknown setting wizz", "did you mean wiz?"}, nil},
		{"unknown, nothing close", "policy:\n  frobnicate: 1\n", []string{"unknown setting policy.frobnicate"}, []string{"did you mean"}},
		{"secret in file", "wiz:\n  client_secret: " + testSecret + "\n", []string{" line 2: ", "WIZ_CLIENT_SECRET", "not read from the config file"}, []string{testSecret}},
		{"token in file", "semgrep:\n  token: " + testToken + "\n", []string{"SEMGREP_APP_TOKEN"}, []string{testToken}},
		{"wrong type int", "semgrep:\n  concurrency: lots\n", []string{" line 2: ", "semgrep.concurrency must be a whole number"}, []string{"lots"}},
		{"wrong type bool", "policy:\n  full_scans_only: sometimes\n", []string{" line 2: ", "policy.full_scans_only must be true or false"}, []string{"sometimes"}},
		{"scalar for list", "policy:\n  severities: high\n", []string{"policy.severities must be a list"}, nil},
		{"scalar section", "wiz: yes\n", []string{" line 1: ", "wiz must be a section"}, nil},
		{"duplicate key", "wiz:\n  client_id: a\n  client_id: b\n", []string{" line 3: ", "wiz.client_id is set twice (first at line 2)"}, nil},
		{"top-level list", "- a\n- b\n", []string{"expected a mapping"}, nil},
		{"two documents", "wiz: {}\n---\nsemgrep: {}\n", []string{" line 2: ", "second YAML document"}, nil},
		{"unknown guards key", "guards:\n  mass_resolve_percnt: 10\n", []string{" line 2: ", "unknown setting guards.mass_resolve_percnt", "did you mean guards.mass_resolve_percent?"}, nil},
		{"guards key cut short", "guards:\n  mass_resolve_minimum: 10\n", []string{"did you mean guards.mass_resolve_min?"}, nil},
		{"guards key singular", "guards:\n  upload_per_day: 1\n", []string{"did you mean guards.uploads_per_day?"}, nil},
		{"unknown watch key", "watch:\n  refresh_afer: 24h\n", []string{" line 2: ", "unknown setting watch.refresh_afer", "did you mean watch.refresh_after?"}, nil},
		{"watch key dash", "watch:\n  refresh-after: 24h\n", []string{"did you mean watch.refresh_after?"}, nil},
		{"watch key in guards", "guards:\n  interval: 10m\n", []string{"did you mean watch.interval?"}, nil},
		{"unknown section guard", "guard:\n  uploads_per_day: 1\n", []string{" line 1: ", "unknown setting guard", "did you mean guards?"}, nil},
		{"guards percent sign", "guards:\n  mass_resolve_percent: 50%\n", []string{" line 2: ", "guards.mass_resolve_percent must be a whole number"}, nil},
		{"guards scalar section", "guards: 3\n", []string{" line 1: ", "guards must be a section"}, nil},
		{"duration words", "watch:\n  interval: ten minutes\n", []string{" line 2: ", "watch.interval must be a duration such as 10m"}, []string{"ten minutes"}},
		{"duration without unit", "watch:\n  interval: 10\n", []string{" line 2: ", "watch.interval must be a duration"}, nil},
		{"duration in days", "watch:\n  refresh_after: 6d\n", []string{" line 2: ", "watch.refresh_after must be a duration", "a day is 24h"}, nil},
		{"duration mapping", "watch:\n  interval:\n    duration: 5s\n", []string{" line 3: ", "watch.interval must be a duration"}, nil},
		{"duration list", "watch:\n  interval: [10m]\n", []string{"watch.interval must be a duration"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env, paths := testEnv(t)
			writeFile(t, paths.ConfigFile, tc.yaml, 0o600)
			_, err := Load(Overrides{}, env.get, nil)
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, paths.ConfigFile) {
				t.Errorf("error does not start with the file name: %s", msg)
			}
			if strings.Contains(msg, "\n") {
				t.Errorf("error is not one line: %q", msg)
			}
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q lacks %q", msg, w)
				}
			}
			for _, a := range tc.absent {
				if strings.Contains(msg, a) {
					t.Errorf("error %q must not contain %q", msg, a)
				}
			}
			var fe *FileError
			if !errors.As(err, &fe) || fe.Path != paths.ConfigFile {
				t.Errorf("not a *FileError for the file: %#v", err)
			}
		})
	}
}

func TestLoadMalformedNamesLine(t *testing.T) {
	env, paths := testEnv(t)
	writeFile(t, paths.ConfigFile, "wiz:\n  client_id: a\nsemgrep:\n  deployment: \"unterminated\n", 0o600)
	_, err := Load(Overrides{}, env.get, nil)
	var fe *FileError
	if !errors.As(err, &fe) || fe.Line == 0 {
		t.Fatalf("err = %v", err)
	}
	if fe.Line < 4 {
		t.Errorf("line = %d, want the line of the broken string (4 or later)", fe.Line)
	}
}

func TestLoadEmptyAndCommentOnlyFiles(t *testing.T) {
	for _, body := range []string{"", "\n\n", "# nothing here\n", "---\n", "~\n", "wiz:\nsemgrep:\npolicy:\nguards:\nwatch:\n"} {
		env, paths := testEnv(t)
		writeFile(t, paths.ConfigFile, body, 0o600)
		c, err := Load(Overrides{}, env.get, nil)
		if err != nil {
			t.Errorf("%q: %v", body, err)
			continue
		}
		if !c.FileExists || !c.Policy.FullScansOnly {
			t.Errorf("%q: FileExists=%v defaults=%v", body, c.FileExists, c.Policy.FullScansOnly)
		}
	}
}

func TestLoadDirectoryAsConfig(t *testing.T) {
	env, _ := testEnv(t)
	dir := t.TempDir()
	_, err := Load(Overrides{ConfigFile: dir}, env.get, nil)
	if err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Errorf("err = %v", err)
	}
}

func TestLoadUnreadableFile(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root reads everything")
	}
	env, paths := testEnv(t)
	writeFile(t, paths.ConfigFile, "wiz: {}\n", 0o000)
	if _, err := Load(Overrides{}, env.get, nil); err == nil {
		t.Error("an unreadable config file must be an error, not an empty config")
	}
}

func TestSuggest(t *testing.T) {
	keys := allKeys()
	for in, want := range map[string]string{
		"wiz.clientid":            "wiz.client_id",
		"wiz.ClientID":            "wiz.client_id",
		"semgrep.deploymnet":      "semgrep.deployment",
		"policy.severity":         "policy.severities",
		"policy.max_scan_age":     "policy.max_scan_age_days", // a prefix
		"policy.max":              "",                         // too short to guess
		"policy.exclude_repo":     "policy.exclude_repos",
		"semgrep.auth_url":        "wiz.auth_url",
		"polcy":                   "policy",
		"totally.unrelated":       "",
		"policy.full_scan_only":   "policy.full_scans_only",
		"wiz.vcs_host":            "wiz.vcs_hosts",
		"semgrep.concurency":      "semgrep.concurrency",
		"policy.include_repos_xx": "policy.include_repos",
		"guards.uploads_per_dya":  "guards.uploads_per_day",
		"watch.intervall":         "watch.interval",
		"watch.refresh":           "watch.refresh_after",
		"policy.uploads_per_day":  "guards.uploads_per_day",
		"wacth":                   "watch",
	} {
		if got := suggest(in, keys); got != want {
			t.Errorf("suggest(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLoadGuardsAndWatch(t *testing.T) {
	defGuards := Guards{MassResolvePercent: DefaultMassResolvePercent, MassResolveMin: DefaultMassResolveMin, UploadsPerDay: DefaultUploadsPerDay}
	defWatch := Watch{Interval: Duration{DefaultWatchInterval}, RefreshAfter: Duration{DefaultRefreshAfter}}
	for _, tc := range []struct {
		name, yaml string
		guards     Guards
		watch      Watch
		fromFile   []string // fields whose origin must be the file; the others must be the default
	}{
		{"absent", "policy:\n  max_scan_age_days: 5\n", defGuards, defWatch, nil},
		{"empty sections", "guards:\nwatch: {}\n", defGuards, defWatch, nil},
		{"null values", "guards:\n  uploads_per_day: ~\nwatch:\n  interval:\n", defGuards, defWatch, nil},
		{"zero uploads means no limit, not absent", "guards:\n  uploads_per_day: 0\n",
			Guards{MassResolvePercent: 50, MassResolveMin: 20, UploadsPerDay: 0}, defWatch, []string{FieldGuardsUploadsPerDay}},
		{"some set", "guards:\n  mass_resolve_min: 100\nwatch:\n  refresh_after: 96h\n",
			Guards{MassResolvePercent: 50, MassResolveMin: 100, UploadsPerDay: 3},
			Watch{Interval: Duration{10 * time.Minute}, RefreshAfter: Duration{96 * time.Hour}},
			[]string{FieldGuardsMassResolveMin, FieldWatchRefreshAfter}},
		{"out of range is loaded for Validate to report", "guards:\n  mass_resolve_percent: 0\nwatch:\n  interval: 30s\n",
			Guards{MassResolvePercent: 0, MassResolveMin: 20, UploadsPerDay: 3},
			Watch{Interval: Duration{30 * time.Second}, RefreshAfter: Duration{24 * time.Hour}},
			[]string{FieldGuardsMassResolvePercent, FieldWatchInterval}},
		{"blanks around a duration", "watch:\n  interval: \" 5m \"\n",
			defGuards, Watch{Interval: Duration{5 * time.Minute}, RefreshAfter: Duration{24 * time.Hour}}, []string{FieldWatchInterval}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env, paths := testEnv(t)
			writeFile(t, paths.ConfigFile, tc.yaml, 0o600)
			c, err := Load(Overrides{}, env.get, nil)
			if err != nil {
				t.Fatal(err)
			}
			if c.Guards != tc.guards {
				t.Errorf("guards = %+v, want %+v", c.Guards, tc.guards)
			}
			if c.Watch != tc.watch {
				t.Errorf("watch = %+v, want %+v", c.Watch, tc.watch)
			}
			for _, f := range []string{FieldGuardsMassResolvePercent, FieldGuardsMassResolveMin, FieldGuardsUploadsPerDay,
				FieldWatchInterval, FieldWatchRefreshAfter} {
				want := OriginDefault
				if slices.Contains(tc.fromFile, f) {
					want = OriginFile
				}
				if c.Origins[f] != want {
					t.Errorf("Origins[%s] = %q, want %q", f, c.Origins[f], want)
				}
			}
		})
	}
}
