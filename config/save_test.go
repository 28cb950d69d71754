package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestSaveAndLoadRoundTrip(t *testing.T) {
	skipOnWindows(t)
	env, paths := testEnv(t)
	c := validConfig()
	c.Wiz.VCSHosts = map[string]string{"git.acme.com": "GitLab"}
	c.Policy.FullScansOnly = false
	c.Policy.ExcludeRepos = []string{"acme/legacy-*"}
	c.Policy.IncludeRepos = []string{"acme/*", "tools/**"}
	c.Guards = Guards{MassResolvePercent: 75, MassResolveMin: 1, UploadsPerDay: 0} // 0 = no limit must survive
	c.Watch = Watch{Interval: Duration{90 * time.Minute}, RefreshAfter: Duration{48 * time.Hour}}
	store := newMemStore()

	if err := Save(c, paths, store); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(paths.ConfigFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{testSecret, testToken} {
		if strings.Contains(string(data), secret) {
			t.Fatalf("secret written to the config file:\n%s", data)
		}
	}
	// Durations are written the way a person would type them.
	for _, want := range []string{"\nguards:\n  mass_resolve_percent: 75\n  mass_resolve_min: 1\n  uploads_per_day: 0\n",
		"\nwatch:\n  interval: 1h30m\n  refresh_after: 48h\n"} {
		if !strings.Contains(string(data), want) {
			t.Errorf("file lacks %q:\n%s", want, data)
		}
	}
	if st, _ := os.Stat(paths.ConfigFile); st.Mode().Perm() != 0o600 {
		t.Errorf("config mode %o, want 600", st.Mode().Perm())
	}
	if st, _ := os.Stat(filepath.Dir(paths.ConfigFile)); st.Mode().Perm() != 0o700 {
		t.Errorf("config dir mode %o, want 700", st.Mode().Perm())
	}
	if store.m[SecretWizClientSecret] != testSecret || store.m[SecretSemgrepToken] != testToken {
		t.Errorf("secrets not stored: %v", store.m)
	}
	entries, _ := os.ReadDir(filepath.Dir(paths.ConfigFile))
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries, want only config.yaml (no temp files)", len(entries))
	}

	got, err := Load(Overrides{}, env.get, store)
	if err != nil {
		t.Fatalf("reloading what Save wrote: %v\n%s", err, data)
	}
	if !reflect.DeepEqual(got.Wiz, c.Wiz) || got.Semgrep != c.Semgrep || !reflect.DeepEqual(got.Policy, c.Policy) ||
		got.Guards != c.Guards || got.Watch != c.Watch {
		t.Errorf("round trip:\n got %+v %+v %+v %+v %+v\nwant %+v %+v %+v %+v %+v", got.Wiz, got.Semgrep, got.Policy, got.Guards, got.Watch,
			c.Wiz, c.Semgrep, c.Policy, c.Guards, c.Watch)
	}
	for _, f := range []string{FieldGuardsMassResolvePercent, FieldGuardsMassResolveMin, FieldGuardsUploadsPerDay,
		FieldWatchInterval, FieldWatchRefreshAfter} {
		if got.Origins[f] != OriginFile {
			t.Errorf("Origins[%s] = %q: every guards and watch setting must be written to the file", f, got.Origins[f])
		}
	}
	if got.Origins[FieldPolicyFullScansOnly] != OriginFile {
		t.Error("an explicit false must be written to the file")
	}
}

func TestSaveReplacesSharedFile(t *testing.T) {
	skipOnWindows(t)
	_, paths := testEnv(t)
	writeFile(t, paths.ConfigFile, "old: content\n", 0o644)
	if err := Save(validConfig(), paths, newMemStore()); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(paths.ConfigFile); st.Mode().Perm() != 0o600 {
		t.Errorf("mode %o, want 600", st.Mode().Perm())
	}
	if data, _ := os.ReadFile(paths.ConfigFile); strings.Contains(string(data), "old") {
		t.Error("old content survived")
	}
}

func TestSaveRefusesSecretInOtherField(t *testing.T) {
	_, paths := testEnv(t)
	c := validConfig()
	c.Wiz.ClientID = c.Wiz.ClientSecret // pasted into the wrong box
	err := Save(c, paths, newMemStore())
	if err == nil || strings.Contains(err.Error(), testSecret) {
		t.Fatalf("err = %v", err)
	}
	if _, err := os.Stat(paths.ConfigFile); !errors.Is(err, os.ErrNotExist) {
		t.Error("file written despite the refusal")
	}
}

func TestSaveEmptySecretsLeaveStoreAlone(t *testing.T) {
	_, paths := testEnv(t)
	c := validConfig()
	c.Wiz.ClientSecret, c.Semgrep.Token = "", ""
	store := newMemStore(SecretWizClientSecret, "kept")
	store.setErr = errors.New("must not be called")
	if err := Save(c, paths, store); err != nil {
		t.Fatal(err)
	}
	if store.m[SecretWizClientSecret] != "kept" {
		t.Error("existing secret changed")
	}
	if err := Save(c, paths, nil); err != nil {
		t.Errorf("no secrets, no store needed: %v", err)
	}
}

func TestSaveStoreFailureWritesNoFile(t *testing.T) {
	_, paths := testEnv(t)
	store := newMemStore()
	store.setErr = errors.New("keyring locked")
	err := Save(validConfig(), paths, store)
	if err == nil || !strings.Contains(err.Error(), "keyring locked") {
		t.Fatalf("err = %v", err)
	}
	if _, err := os.Stat(paths.ConfigFile); !errors.Is(err, os.ErrNotExist) {
		t.Error("config written although its secrets were not")
	}
}

func TestSavePathFallback(t *testing.T) {
	c := validConfig()
	c.Path = filepath.Join(t.TempDir(), "x", "c.yaml")
	if err := Save(c, Paths{}, newMemStore()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(c.Path); err != nil {
		t.Errorf("c.Path not used: %v", err)
	}
	c.Path = ""
	if err := Save(c, Paths{}, newMemStore()); err == nil {
		t.Error("no path must be an error")
	}
}

func TestDelete(t *testing.T) {
	_, paths := testEnv(t)
	store := newMemStore()
	if err := Save(validConfig(), paths, store); err != nil {
		t.Fatal(err)
	}
	if err := Delete(paths, store); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(paths.ConfigFile); !errors.Is(err, os.ErrNotExist) {
		t.Error("config file still there")
	}
	if len(store.m) != 0 {
		t.Errorf("secrets left: %v", store.m)
	}
	if err := Delete(paths, store); err != nil {
		t.Errorf("deleting what is gone: %v", err)
	}
	store.m[SecretSemgrepToken] = "x"
	failing := &failingDelete{memStore: store}
	if err := Delete(paths, failing); err == nil || !strings.Contains(err.Error(), "denied") {
		t.Errorf("store failure must surface: %v", err)
	}
}

type failingDelete struct{ *memStore }

func (f *failingDelete) Delete(string) error { return errors.New("denied") }
