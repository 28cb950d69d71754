package config

import (
	"bytes"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// fuzzMarker tags secret values in the seeds: whenever it appears only in
// secrets (the token variable and the credentials file), no message may
// contain it.
const fuzzMarker = "Sekr1tMarker"

// maxSeed bounds a corpus seed so fuzzing stays fast.
const maxSeed = 64 << 10

// sharedFiles returns the files of ../shared/<sub> next to the repository
// root (found by walking up to go.mod), each cut to maxSeed; none when the
// folder is absent.
func sharedFiles(sub ...string) [][]byte {
	dir, err := os.Getwd()
	if err != nil {
		return nil
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return nil
		}
		dir = parent
	}
	p := filepath.Join(append([]string{dir, "..", "shared"}, sub...)...)
	entries, err := os.ReadDir(p)
	if err != nil {
		return nil
	}
	var out [][]byte
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		data, err := os.ReadFile(filepath.Join(p, e.Name()))
		if err != nil {
			continue
		}
		out = append(out, data[:min(len(data), maxSeed)])
	}
	return out
}

var loadSeedFiles = []string{
	"",
	"# only a comment\n",
	"~\n",
	"wiz:\nsemgrep:\npolicy:\nguards:\nwatch:\n",
	fullConfigFile,
	"wiz:\n  api_endpoint: http://127.0.0.1:8080\n  auth_url: http://localhost:9/oauth/token\n  client_id: local\nsemgrep:\n  api_url: http://[::1]:1/api/v1\n",
	"wiz:\n  api_endpoint: https://api.us17.app.wiz.us/graphql\n  auth_url: https://auth.app.wiz.io/oauth/token\n",
	"wiz:\n  client_secret: " + fuzzMarker + "0123456789\n",
	"semgrep:\n  token: " + fuzzMarker + "\n",
	"wiz:\n  api_endpiont: https://x\n",
	"semgrep:\n  concurrency: lots\n",
	"policy:\n  severities: high\n",
	"wiz: yes\n",
	"wiz:\n  client_id: a\n  client_id: b\n",
	"- a\n- b\n",
	"wiz: {}\n---\nsemgrep: {}\n",
	"watch:\n  interval:\n    duration: 5s\n",
	"watch:\n  refresh_after: 6d\n",
	"a: &x {b: 1}\nwiz: *x\n",
	"wiz:\n  vcs_hosts:\n    \"https://git.acme.com/x\": GitLab\n    ? [a]\n    : b\n",
	"policy:\n  include_repos: [\"acme/[\", \"github.com/acme/app\", \"\"]\n",
	"semgrep:\n  deployment: \"unterminated\n",
	"\t- tab\n",
	"\xff\xfe",
}

var loadSeedCreds = []string{
	"",
	SecretWizClientSecret + ": " + fuzzMarker + "0123456789abcdef\n" + SecretSemgrepToken + ": sgp_" + fuzzMarker + "\n",
	SecretWizClientSecret + ": [\"" + fuzzMarker + "\"\n  : broken\n",
	"- " + fuzzMarker + "\n",
	SecretWizClientSecret + ": {a: b}\n",
	SecretSemgrepToken + ": \"" + fuzzMarker + " with blank\"\n",
}

// FuzzLoad writes a config file and a credentials file (both 0600) into
// a temporary XDG tree and loads them with an environment that sets the
// Wiz URLs, the deployment and the Semgrep token. It checks that:
//   - nothing panics, Load errors are one line naming the config or the
//     credentials file, and config-file errors are *FileError for it;
//   - no message repeats a secret;
//   - a loaded config normalises idempotently, and Validate's problems are
//     one line each and name a field;
//   - a config Validate accepts survives Save and Load unchanged and is
//     accepted again;
//   - FileStore.Get on the same credentials file errs in one line naming
//     the file.
func FuzzLoad(f *testing.F) {
	for i, file := range loadSeedFiles {
		creds := loadSeedCreds[i%len(loadSeedCreds)]
		f.Add([]byte(file), []byte(creds), "", "", "", "")
	}
	f.Add([]byte(loadSeedFiles[4]), []byte(loadSeedCreds[1]), "https://api.us1.app.wiz.io/graphql", "https://auth.app.wiz.io/oauth/token", "acme-corp", "sgp_"+fuzzMarker)
	f.Add([]byte{}, []byte(loadSeedCreds[1]), "http://example.com/graphql", "https://auth.wiz.io", "Acme", fuzzMarker+"\ttab")
	f.Add([]byte{}, []byte{}, "https://u:p@api.x/?q#f", "https://auth.app.wiz.us/oauth/token", "a/b", "")
	for _, data := range sharedFiles("reference", "wiz-fixtures") {
		f.Add(data, []byte{}, "", "", "", "")
	}
	// One directory for all iterations (they run one at a time): a fresh
	// temporary tree per input would cost more than the input itself.
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, file, creds []byte, endpoint, authURL, deployment, token string) {
		env := envMap{
			"HOME":               filepath.Join(dir, "home"),
			"XDG_CONFIG_HOME":    filepath.Join(dir, "cfg"),
			"XDG_STATE_HOME":     filepath.Join(dir, "state"),
			EnvWizAPIEndpoint:    endpoint,
			EnvWizAuthURL:        authURL,
			EnvSemgrepDeployment: deployment,
			EnvSemgrepToken:      token,
		}
		paths := DefaultPaths(env.get)
		writeFile(t, paths.ConfigFile, string(file), 0o600)
		if len(creds) > 0 {
			writeFile(t, paths.CredentialsFile, string(creds), 0o600)
		} else if err := os.Remove(paths.CredentialsFile); err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
		// The marker may appear in messages only when a non-secret input
		// holds it too.
		secretOnly := !bytes.Contains(file, []byte(fuzzMarker)) &&
			!strings.Contains(endpoint+authURL+deployment, fuzzMarker)
		noSecret := func(what, msg string) {
			t.Helper()
			if secretOnly && strings.Contains(msg, fuzzMarker) {
				t.Fatalf("%s repeats a secret: %q", what, msg)
			}
		}

		store := FileStore(paths.CredentialsFile)
		for _, name := range []string{SecretWizClientSecret, SecretSemgrepToken} {
			v, err := store.Get(name)
			switch {
			case err != nil:
				msg := err.Error()
				if strings.ContainsAny(msg, "\n\r") || !strings.Contains(msg, paths.CredentialsFile) {
					t.Fatalf("FileStore.Get(%s): error is not one line naming the file: %q", name, msg)
				}
				noSecret("FileStore.Get error", msg)
			case v == "":
				t.Fatalf("FileStore.Get(%s) found an empty secret", name)
			}
		}

		c, err := Load(Overrides{}, env.get, store)
		if err != nil {
			msg := err.Error()
			if strings.ContainsAny(msg, "\n\r") {
				t.Fatalf("Load error is not one line: %q", msg)
			}
			noSecret("Load error", msg)
			var fe *FileError
			switch {
			case errors.As(err, &fe):
				if fe.Path != paths.ConfigFile || !strings.HasPrefix(msg, paths.ConfigFile) {
					t.Fatalf("file error does not name the config file: %q", msg)
				}
			case strings.Contains(msg, paths.CredentialsFile):
				if !strings.Contains(msg, FieldWizClientSecret) && !strings.Contains(msg, FieldSemgrepToken) {
					t.Fatalf("credentials error does not name the setting: %q", msg)
				}
			default:
				t.Fatalf("Load error names neither file: %q", msg)
			}
			return
		}
		if c.Path != paths.ConfigFile || !c.FileExists {
			t.Fatalf("Path %q FileExists %v", c.Path, c.FileExists)
		}

		again := cloneConfig(c)
		again.Normalize()
		if !sameSettings(c, again) {
			t.Fatalf("Normalize is not idempotent:\n%+v\n%+v", c, again)
		}

		checkProblems(t, c.Validate(Needs{Wiz: true, Semgrep: true}), noSecret)
		if err := c.Validate(Needs{}); err != nil {
			checkProblems(t, err, noSecret)
			return
		}

		// Accepted: every URL is a valid endpoint, and the config survives
		// a save and a reload unchanged.
		for _, u := range []string{c.Wiz.APIEndpoint, c.Wiz.AuthURL, c.Semgrep.APIURL} {
			if u != "" && ValidateEndpoint(u) != nil {
				t.Fatalf("accepted config holds an invalid endpoint %q: %v", u, ValidateEndpoint(u))
			}
		}
		rt := filepath.Join(dir, "roundtrip", "config.yaml")
		mem := newMemStore()
		if err := Save(c, Paths{ConfigFile: rt}, mem); err != nil {
			msg := err.Error()
			if strings.ContainsAny(msg, "\n\r") {
				t.Fatalf("Save error is not one line: %q", msg)
			}
			noSecret("Save error", msg)
			if strings.Contains(msg, "refusing to write a secret") {
				return // a secret pasted into another setting
			}
			t.Fatalf("Save of an accepted config: %v", err)
		}
		saved, _ := os.ReadFile(rt)
		noSecret("saved config file", string(saved))
		env2 := envMap{"HOME": env["HOME"], EnvConfigFile: rt}
		c2, err := Load(Overrides{}, env2.get, mem)
		if err != nil {
			t.Fatalf("reloading a saved accepted config: %v\n%s", err, saved)
		}
		if err := c2.Validate(Needs{}); err != nil {
			t.Fatalf("saved accepted config no longer validates: %v\n%s", err, saved)
		}
		if !sameSettings(c, c2) {
			t.Fatalf("save and reload changed the config:\nbefore %+v\nafter  %+v\nfile:\n%s", c, c2, saved)
		}
	})
}

// checkProblems: a validation error is a *ValidationError whose problems
// each name a field and read as one line without secrets.
func checkProblems(t *testing.T, err error, noSecret func(what, msg string)) {
	t.Helper()
	if err == nil {
		return
	}
	var ve *ValidationError
	if !errors.As(err, &ve) || len(ve.Problems) == 0 {
		t.Fatalf("Validate returned %T: %v", err, err)
	}
	for _, p := range ve.Problems {
		s := p.String()
		if p.Field == "" || strings.ContainsAny(s, "\n\r") {
			t.Fatalf("problem is not one line naming a field: %q", s)
		}
		noSecret("validation problem", s)
	}
}

func cloneConfig(c *Config) *Config {
	d := *c
	d.Wiz.VCSHosts = maps.Clone(c.Wiz.VCSHosts)
	d.Origins = maps.Clone(c.Origins)
	d.Policy.Severities = slices.Clone(c.Policy.Severities)
	d.Policy.Statuses = slices.Clone(c.Policy.Statuses)
	d.Policy.IncludeRepos = slices.Clone(c.Policy.IncludeRepos)
	d.Policy.ExcludeRepos = slices.Clone(c.Policy.ExcludeRepos)
	return &d
}

// sameSettings compares the settings (not origins or paths), taking an
// absent list or map to equal an empty one.
func sameSettings(a, b *Config) bool {
	wa, wb := a.Wiz, b.Wiz
	if len(wa.VCSHosts) == 0 && len(wb.VCSHosts) == 0 {
		wa.VCSHosts, wb.VCSHosts = nil, nil
	}
	pa, pb := a.Policy, b.Policy
	lists := [][2][]string{
		{pa.Severities, pb.Severities}, {pa.Statuses, pb.Statuses},
		{pa.IncludeRepos, pb.IncludeRepos}, {pa.ExcludeRepos, pb.ExcludeRepos},
	}
	for _, l := range lists {
		if !slices.Equal(l[0], l[1]) {
			return false
		}
	}
	pa.Severities, pa.Statuses, pa.IncludeRepos, pa.ExcludeRepos = nil, nil, nil, nil
	pb.Severities, pb.Statuses, pb.IncludeRepos, pb.ExcludeRepos = nil, nil, nil, nil
	return reflect.DeepEqual(wa, wb) && a.Semgrep == b.Semgrep && reflect.DeepEqual(pa, pb) &&
		a.Guards == b.Guards && a.Watch == b.Watch
}
