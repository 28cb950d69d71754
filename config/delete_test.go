package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// deleteFixture is an integration on disk: the config file and the 0600
// credentials file in the config folder, two upload files and the history
// in the state directory.
func deleteFixture(t *testing.T) (Paths, SecretStore) {
	t.Helper()
	dir := t.TempDir()
	p := Paths{ConfigFile: filepath.Join(dir, "cfg", "config.yaml"), CredentialsFile: filepath.Join(dir, "xdg", "semgrep-wiz", "credentials.yaml"), StateDir: filepath.Join(dir, "state")}
	p.LogFile = filepath.Join(p.StateDir, "semgrep-wiz.log")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(p.StateDir, "work"), 0o700))
	must(os.MkdirAll(filepath.Dir(p.ConfigFile), 0o700))
	must(os.WriteFile(p.ConfigFile, []byte("wiz: {}\n"), 0o600))
	must(os.WriteFile(filepath.Join(p.StateDir, "work", "semgrep-wiz-a.json"), []byte(`{"dataSources":[]}`), 0o600))
	must(os.WriteFile(filepath.Join(p.StateDir, "work", "semgrep-wiz-b.json"), []byte(`{"dataSources":[]}`), 0o600))
	must(os.WriteFile(filepath.Join(p.StateDir, "ledger.db"), []byte("db"), 0o600))
	must(os.WriteFile(p.LogFile, []byte("log"), 0o600))
	store := FileStore(p.CredentialsFile)
	must(store.Set(SecretWizClientSecret, "s3cret"))
	must(store.Set(SecretSemgrepToken, "t0ken"))
	return p, store
}

func exists(p string) bool { _, err := os.Stat(p); return err == nil }

func TestDeleteRemovesWhatWasChosenAndSaysSo(t *testing.T) {
	for _, c := range []DeleteChoice{{}, {UploadFiles: true}, {History: true}, {UploadFiles: true, History: true}} {
		p, store := deleteFixture(t)
		plan := DeletePlan(p, "", store, c)
		items, err := DeleteIntegration(p, "", store, c)
		if err != nil {
			t.Fatal(err)
		}
		if len(plan) != len(items) {
			t.Fatalf("%+v: planned %d items, did %d", c, len(plan), len(items))
		}
		said := map[string]DeleteItem{}
		for _, it := range items {
			said[it.Kind] = it
		}
		if exists(p.ConfigFile) || exists(p.CredentialsFile) {
			t.Errorf("%+v: the config or credentials file is left", c)
		}
		if exists(filepath.Dir(p.ConfigFile)) || exists(filepath.Dir(p.CredentialsFile)) || !said[DeleteConfigFolder].Remove {
			t.Errorf("%+v: the empty config folder is left (or not reported removed)", c)
		}
		if exists(filepath.Join(p.StateDir, "work", "semgrep-wiz-a.json")) == c.UploadFiles {
			t.Errorf("%+v: upload files present = %v", c, !c.UploadFiles)
		}
		if exists(filepath.Join(p.StateDir, "ledger.db")) == c.History || exists(p.LogFile) == c.History {
			t.Errorf("%+v: history present = %v", c, !c.History)
		}
		up := said[DeleteUploadFiles]
		if up.Remove != c.UploadFiles || !strings.Contains(up.What, "2 upload file(s)") || up.Path != filepath.Join(p.StateDir, "work") {
			t.Errorf("%+v: upload files reported %+v", c, up)
		}
		if h := said[DeleteHistory]; h.Remove != c.History || h.Path != p.StateDir {
			t.Errorf("%+v: history reported %+v", c, h)
		}
		if s := said[DeleteSecrets]; !s.Remove || !strings.Contains(s.Path, p.CredentialsFile) {
			t.Errorf("%+v: secrets reported %+v", c, s)
		}
		if c.UploadFiles && c.History && exists(p.StateDir) {
			t.Errorf("everything chosen, yet the state directory is left")
		}
	}
}

// A config folder holding something else stays, and says so.
func TestDeleteKeepsAConfigFolderThatIsNotEmpty(t *testing.T) {
	p, store := deleteFixture(t)
	other := filepath.Join(filepath.Dir(p.ConfigFile), "notes.txt")
	if err := os.WriteFile(other, []byte("mine"), 0o600); err != nil {
		t.Fatal(err)
	}
	items, err := DeleteIntegration(p, "", store, DeleteChoice{})
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		if it.Kind == DeleteConfigFolder && it.Path == filepath.Dir(p.ConfigFile) && (it.Remove || !strings.Contains(it.What, "not empty")) {
			t.Errorf("folder reported %+v", it)
		}
	}
	if !exists(other) {
		t.Fatal("a file the user keeps in the config folder was removed")
	}
}
