package config

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"go.yaml.in/yaml/v3"
)

const fileHeader = "# semgrep-wiz configuration. Secrets are not kept here: they live in the\n" +
	"# OS keyring or the 0600 credentials file, or come from WIZ_CLIENT_SECRET\n" +
	"# and SEMGREP_APP_TOKEN.\n"

// Save writes c to paths.ConfigFile (c.Path when that is empty) atomically,
// mode 0600, creating missing directories 0700, and stores the non-empty
// secrets of c in secrets. An empty secret leaves the store as it is. The
// secrets are stored first, so a failure leaves no file pointing at
// secrets that were never saved.
func Save(c *Config, paths Paths, secrets SecretStore) error {
	if c == nil {
		return errors.New("saving configuration: nothing to save")
	}
	path := paths.ConfigFile
	if path == "" {
		path = c.Path
	}
	if path == "" {
		return errors.New("saving configuration: no config file path")
	}
	data, err := marshalConfig(c)
	if err != nil {
		return err
	}
	// Belt and braces: a secret pasted into another field must not land in
	// a file that is not meant to hold secrets.
	for _, s := range []struct{ field, value string }{
		{FieldWizClientSecret, c.Wiz.ClientSecret},
		{FieldSemgrepToken, c.Semgrep.Token},
	} {
		if len(s.value) >= 8 && bytes.Contains(data, []byte(s.value)) {
			return fmt.Errorf("saving %s: the value of %s also appears in another setting; refusing to write a secret to the config file", path, s.field)
		}
	}
	if c.Wiz.ClientSecret != "" || c.Semgrep.Token != "" {
		if secrets == nil {
			return errors.New("saving configuration: no secret store for the client secret and token")
		}
		if c.Wiz.ClientSecret != "" {
			if err := secrets.Set(SecretWizClientSecret, c.Wiz.ClientSecret); err != nil {
				return fmt.Errorf("saving the Wiz client secret: %w", err)
			}
		}
		if c.Semgrep.Token != "" {
			if err := secrets.Set(SecretSemgrepToken, c.Semgrep.Token); err != nil {
				return fmt.Errorf("saving the Semgrep token: %w", err)
			}
		}
	}
	if err := writeFileAtomic(path, data); err != nil {
		return fmt.Errorf("saving configuration: %w", err)
	}
	return nil
}

// marshalConfig renders the YAML file. The secret fields carry `yaml:"-"`,
// so they cannot be encoded.
func marshalConfig(c *Config) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString(fileHeader)
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(c); err != nil {
		return nil, fmt.Errorf("encoding configuration: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("encoding configuration: %w", err)
	}
	return buf.Bytes(), nil
}

// Delete removes the config file and both secrets ("delete the
// integration"). What is already gone is not an error.
func Delete(paths Paths, secrets SecretStore) error {
	_, err := DeleteIntegration(paths, "", secrets, DeleteChoice{})
	return err
}

// DeleteChoice is what a delete removes besides the configuration and the
// stored secrets.
type DeleteChoice struct {
	// UploadFiles removes <state>/work: dry-run and kept upload files,
	// which hold every finding's details.
	UploadFiles bool
	// History removes the rest of the state directory: the ledger (past
	// runs, what Wiz holds from us) and the log.
	History bool
}

// Kinds of DeleteItem.
const (
	DeleteConfigFile   = "config"
	DeleteSecrets      = "secrets"
	DeleteUploadFiles  = "uploads"
	DeleteHistory      = "history"
	DeleteConfigFolder = "folder"
)

// DeleteItem is one thing a delete removes or keeps.
type DeleteItem struct {
	Kind   string
	What   string // in words, for the user
	Path   string // or, for secrets, where they are stored
	Remove bool
}

// DeletePlan says what DeleteIntegration removes and keeps with choice c;
// what does not exist is left out. stateDir overrides paths.StateDir when
// the configuration names one.
func DeletePlan(paths Paths, stateDir string, secrets SecretStore, c DeleteChoice) []DeleteItem {
	if stateDir == "" {
		stateDir = paths.StateDir
	}
	var out []DeleteItem
	if paths.ConfigFile != "" {
		if _, err := os.Stat(paths.ConfigFile); err == nil {
			out = append(out, DeleteItem{Kind: DeleteConfigFile, What: "the configuration file", Path: paths.ConfigFile, Remove: true})
		}
	}
	if secrets != nil {
		out = append(out, DeleteItem{Kind: DeleteSecrets, What: "the stored Wiz client secret and Semgrep token", Path: secrets.Where(), Remove: true})
	}
	if stateDir != "" {
		work := filepath.Join(stateDir, "work")
		if n := countFiles(work); n > 0 {
			out = append(out, DeleteItem{Kind: DeleteUploadFiles, Path: work, Remove: c.UploadFiles,
				What: fmt.Sprintf("%d upload file(s) from dry runs and kept uploads, with every finding's details", n)})
		}
		if entries, err := os.ReadDir(stateDir); err == nil {
			for _, e := range entries {
				if e.Name() != "work" {
					out = append(out, DeleteItem{Kind: DeleteHistory, Path: stateDir, Remove: c.History,
						What: "the history: past runs, what Wiz holds from us (the ledger) and the log"})
					break
				}
			}
		}
	}
	// The credentials file lives in the default config folder, which is
	// another folder when the config file was given elsewhere.
	var dirs []string
	for _, f := range []string{paths.ConfigFile, paths.CredentialsFile} {
		if f == "" {
			continue
		}
		if d := filepath.Dir(f); !slices.Contains(dirs, d) {
			if _, err := os.Stat(d); err == nil || f == paths.ConfigFile {
				dirs = append(dirs, d)
			}
		}
	}
	for _, d := range dirs {
		out = append(out, DeleteItem{Kind: DeleteConfigFolder, What: "the configuration folder, once empty", Path: d, Remove: true})
	}
	return out
}

func countFiles(dir string) int {
	n := 0
	_ = filepath.WalkDir(dir, func(_ string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return nil
	})
	return n
}

// DeleteIntegration removes the configuration file, both stored secrets,
// what c chooses from the state directory, and the configuration folder
// when nothing else is left in it. It returns the plan it carried out.
func DeleteIntegration(paths Paths, stateDir string, secrets SecretStore, c DeleteChoice) ([]DeleteItem, error) {
	items := DeletePlan(paths, stateDir, secrets, c)
	var errs []error
	if paths.ConfigFile != "" {
		if err := os.Remove(paths.ConfigFile); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, fmt.Errorf("removing config file: %w", err))
		}
	}
	if secrets != nil {
		for _, name := range []string{SecretWizClientSecret, SecretSemgrepToken} {
			if err := secrets.Delete(name); err != nil && !errors.Is(err, ErrSecretNotFound) {
				errs = append(errs, fmt.Errorf("deleting %s: %w", name, err))
			}
		}
	}
	for _, it := range items {
		if !it.Remove {
			continue
		}
		switch it.Kind {
		case DeleteUploadFiles:
			if err := os.RemoveAll(it.Path); err != nil {
				errs = append(errs, fmt.Errorf("removing upload files in %s: %w", it.Path, err))
			}
		case DeleteHistory:
			entries, err := os.ReadDir(it.Path)
			if err != nil {
				errs = append(errs, fmt.Errorf("reading %s: %w", it.Path, err))
				continue
			}
			for _, e := range entries {
				if e.Name() == "work" {
					continue // the upload files are their own choice
				}
				if err := os.RemoveAll(filepath.Join(it.Path, e.Name())); err != nil {
					errs = append(errs, fmt.Errorf("removing the history: %w", err))
				}
			}
			// Gone entirely when the upload files went too.
			_ = os.Remove(it.Path)
		case DeleteConfigFolder:
			// Only an empty folder: the credentials file or the user's own
			// files keep it.
			_ = os.Remove(it.Path)
		}
	}
	for i := range items {
		if items[i].Kind == DeleteConfigFolder {
			_, err := os.Stat(items[i].Path)
			items[i].Remove = errors.Is(err, os.ErrNotExist)
			items[i].What = "the configuration folder"
			if !items[i].Remove {
				items[i].What = "the configuration folder (not empty)"
			}
		}
	}
	return items, errors.Join(errs...)
}

// writeFileAtomic replaces path with data, mode 0600: a temporary file in
// the same directory is written, synced and renamed over path, so readers
// see the old file or the new one, never half of one. Missing directories
// are created 0700.
func writeFileAtomic(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("creating directory %s: %w", dir, err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("creating temporary file in %s: %w", dir, err)
	}
	tmpName := tmp.Name()
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmpName)
		}
	}()
	// CreateTemp already uses 0600; chmod anyway in case of an odd umask
	// or platform default.
	if err := tmp.Chmod(0o600); err != nil && !errors.Is(err, errors.ErrUnsupported) {
		return fmt.Errorf("setting mode of %s: %w", tmpName, err)
	}
	if _, err := tmp.Write(data); err != nil {
		return fmt.Errorf("writing %s: %w", tmpName, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("syncing %s: %w", tmpName, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("closing %s: %w", tmpName, err)
	}
	if err := os.Rename(tmpName, path); err != nil {
		return fmt.Errorf("replacing %s: %w", path, err)
	}
	// Make the rename itself durable; not every platform can sync a directory.
	if d, derr := os.Open(dir); derr == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}
