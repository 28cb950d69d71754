package config

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zalando/go-keyring"
)

// fakeKeyring imitates go-keyring's backend without touching a real one.
type fakeKeyring struct {
	mu   sync.Mutex
	m    map[string]string
	err  error         // returned by every call when set
	hang chan struct{} // when non-nil, calls block until it is closed
}

func newFakeKeyring() *fakeKeyring { return &fakeKeyring{m: map[string]string{}} }

func (f *fakeKeyring) wait() error {
	if f.hang != nil {
		<-f.hang
	}
	return f.err
}

func (f *fakeKeyring) Get(s, u string) (string, error) {
	if err := f.wait(); err != nil {
		return "", err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	v, ok := f.m[s+"/"+u]
	if !ok {
		return "", keyring.ErrNotFound
	}
	return v, nil
}

func (f *fakeKeyring) Set(s, u, p string) error {
	if err := f.wait(); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.m[s+"/"+u] = p
	return nil
}

func (f *fakeKeyring) Delete(s, u string) error {
	if err := f.wait(); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.m[s+"/"+u]; !ok {
		return keyring.ErrNotFound
	}
	delete(f.m, s+"/"+u)
	return nil
}

func skipOnWindows(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("POSIX modes")
	}
}

func TestFileStore(t *testing.T) {
	skipOnWindows(t)
	dir := filepath.Join(t.TempDir(), "new", "dir")
	path := filepath.Join(dir, "credentials.yaml")
	s := FileStore(path)

	if _, err := s.Get(SecretWizClientSecret); !errors.Is(err, ErrSecretNotFound) {
		t.Fatalf("missing file: err = %v, want ErrSecretNotFound", err)
	}
	if err := s.Set(SecretWizClientSecret, testSecret); err != nil {
		t.Fatal(err)
	}
	if err := s.Set(SecretSemgrepToken, testToken); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("file mode = %o, want 600", st.Mode().Perm())
	}
	if dst, _ := os.Stat(dir); dst.Mode().Perm() != 0o700 {
		t.Errorf("dir mode = %o, want 700", dst.Mode().Perm())
	}
	if v, err := s.Get(SecretWizClientSecret); err != nil || v != testSecret {
		t.Errorf("Get = %q, %v", v, err)
	}
	// A second store on the same file sees the data (it is really on disk).
	if v, _ := FileStore(path).Get(SecretSemgrepToken); v != testToken {
		t.Errorf("token not persisted")
	}
	if _, err := s.Get("other"); !errors.Is(err, ErrSecretNotFound) {
		t.Errorf("unknown name: %v", err)
	}
	if !strings.Contains(s.Where(), path) {
		t.Errorf("Where = %q", s.Where())
	}

	if err := s.Delete(SecretWizClientSecret); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(SecretWizClientSecret); !errors.Is(err, ErrSecretNotFound) {
		t.Errorf("second delete: %v", err)
	}
	if err := s.Delete(SecretSemgrepToken); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("empty credentials file should be removed, stat err = %v", err)
	}
	leftovers, _ := filepath.Glob(filepath.Join(dir, "*"))
	if len(leftovers) != 0 {
		t.Errorf("temporary files left behind: %v", leftovers)
	}
}

func TestFileStoreRefusesSharedFile(t *testing.T) {
	skipOnWindows(t)
	for _, mode := range []os.FileMode{0o644, 0o640, 0o604, 0o660} {
		path := filepath.Join(t.TempDir(), "credentials.yaml")
		writeFile(t, path, SecretWizClientSecret+": "+testSecret+"\n", mode)
		s := FileStore(path)
		_, err := s.Get(SecretWizClientSecret)
		if err == nil {
			t.Fatalf("mode %o: no error", mode)
		}
		msg := err.Error()
		exp := "credentials file " + path + " can be read by other users (mode 0" + octal(mode) + "); run: chmod 600 " + path
		if msg != exp {
			t.Errorf("mode %o:\n got %q\nwant %q", mode, msg, exp)
		}
		if strings.Contains(msg, testSecret) {
			t.Error("error leaks the secret")
		}
		if errors.Is(err, ErrSecretNotFound) {
			t.Error("a refused file is not 'not found'")
		}
		if err := s.Set(SecretSemgrepToken, "x"); err == nil {
			t.Error("Set must not silently rewrite a shared file either")
		}
	}
	// 0600 and 0400 are fine.
	for _, mode := range []os.FileMode{0o600, 0o400} {
		path := filepath.Join(t.TempDir(), "credentials.yaml")
		writeFile(t, path, SecretWizClientSecret+": "+testSecret+"\n", mode)
		if v, err := FileStore(path).Get(SecretWizClientSecret); err != nil || v != testSecret {
			t.Errorf("mode %o: %q %v", mode, v, err)
		}
	}
}

func octal(m os.FileMode) string {
	const digits = "01234567"
	p := uint32(m.Perm())
	return string([]byte{digits[p>>6&7], digits[p>>3&7], digits[p&7]})
}

func TestFileStoreMalformedDoesNotEcho(t *testing.T) {
	skipOnWindows(t)
	path := filepath.Join(t.TempDir(), "credentials.yaml")
	writeFile(t, path, "wiz-client-secret: [\""+testSecret+"\"\n  : broken\n", 0o600)
	_, err := FileStore(path).Get(SecretWizClientSecret)
	if err == nil {
		t.Fatal("no error")
	}
	if strings.Contains(err.Error(), testSecret) || !strings.Contains(err.Error(), path) {
		t.Errorf("err = %v", err)
	}
}

func TestFileStoreOverwriteKeepsMode(t *testing.T) {
	skipOnWindows(t)
	path := filepath.Join(t.TempDir(), "credentials.yaml")
	s := FileStore(path)
	for i := 0; i < 3; i++ {
		if err := s.Set(SecretSemgrepToken, strings.Repeat("v", i+1)); err != nil {
			t.Fatal(err)
		}
	}
	if v, _ := s.Get(SecretSemgrepToken); v != "vvv" {
		t.Errorf("v = %q", v)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("mode %o", st.Mode().Perm())
	}
}

func TestKeyringStoreWithFakeBackend(t *testing.T) {
	kb := newFakeKeyring()
	s := &keyringStore{service: "svc", kb: kb, timeout: time.Second}
	if _, err := s.Get("x"); !errors.Is(err, ErrSecretNotFound) {
		t.Errorf("missing: %v", err)
	}
	if err := s.Set("x", "v"); err != nil || kb.m["svc/x"] != "v" {
		t.Errorf("set: %v %v", err, kb.m)
	}
	if v, err := s.Get("x"); v != "v" || err != nil {
		t.Errorf("get: %q %v", v, err)
	}
	if err := s.Delete("x"); err != nil {
		t.Error(err)
	}
	if err := s.Delete("x"); !errors.Is(err, ErrSecretNotFound) {
		t.Errorf("delete missing: %v", err)
	}
	kb.err = errors.New("dbus: no session bus")
	if _, err := s.Get("x"); err == nil || errors.Is(err, ErrSecretNotFound) || !strings.Contains(err.Error(), "no session bus") {
		t.Errorf("backend error: %v", err)
	}
}

func TestKeyringStoreTimeout(t *testing.T) {
	kb := newFakeKeyring()
	kb.hang = make(chan struct{})
	defer close(kb.hang)
	s := &keyringStore{service: "svc", kb: kb, timeout: 50 * time.Millisecond}
	start := time.Now()
	_, err := s.Get("x")
	if err == nil || !strings.Contains(err.Error(), "did not answer") {
		t.Errorf("err = %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %s", d)
	}
}

// TestKeyringStoreMock exercises the real go-keyring wrapper against
// go-keyring's in-process mock provider, never the user's keyring.
func TestKeyringStoreMock(t *testing.T) {
	keyring.MockInit()
	s := KeyringStore("semgrep-wiz-test")
	if _, err := s.Get(SecretSemgrepToken); !errors.Is(err, ErrSecretNotFound) {
		t.Errorf("missing: %v", err)
	}
	if err := s.Set(SecretSemgrepToken, testToken); err != nil {
		t.Fatal(err)
	}
	if v, err := s.Get(SecretSemgrepToken); err != nil || v != testToken {
		t.Errorf("get %q %v", v, err)
	}
	if !strings.Contains(s.Where(), "keyring") {
		t.Errorf("Where = %q", s.Where())
	}
}

func TestDefaultStoreWithKeyring(t *testing.T) {
	skipOnWindows(t)
	_, paths := testEnv(t)
	kb := newFakeKeyring()
	// A secret saved to the file while no keyring answered is still found.
	file := FileStore(paths.CredentialsFile)
	if err := file.Set(SecretSemgrepToken, "old-file-token"); err != nil {
		t.Fatal(err)
	}
	if err := file.Set(SecretWizClientSecret, "file-secret"); err != nil {
		t.Fatal(err)
	}
	s := newDefaultStore(paths, kb, time.Second, time.Second)
	if !strings.Contains(s.Where(), "keyring") || !strings.Contains(s.Where(), paths.CredentialsFile) {
		t.Errorf("Where = %q", s.Where())
	}
	// Saving writes to the keyring only, and says so.
	if w := SavedWhere(s); w != "in the OS keyring (service "+KeyringService+")" {
		t.Errorf("SavedWhere = %q", w)
	}
	v, origin, err := getSecret(s, SecretSemgrepToken)
	if err != nil || v != "old-file-token" || origin != OriginCredentialsFile {
		t.Errorf("fallback read: %q %q %v", v, origin, err)
	}
	// Set goes to the keyring and removes the stale plaintext copy.
	if err := s.Set(SecretSemgrepToken, testToken); err != nil {
		t.Fatal(err)
	}
	if kb.m[KeyringService+"/"+SecretSemgrepToken] != testToken {
		t.Errorf("keyring = %v", kb.m)
	}
	if _, err := file.Get(SecretSemgrepToken); !errors.Is(err, ErrSecretNotFound) {
		t.Errorf("stale copy left in the file: %v", err)
	}
	v, origin, err = getSecret(s, SecretSemgrepToken)
	if err != nil || v != testToken || origin != OriginKeyring {
		t.Errorf("keyring read: %q %q %v", v, origin, err)
	}
	// Delete clears both places.
	if err := s.Delete(SecretWizClientSecret); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(SecretSemgrepToken); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(SecretSemgrepToken); !errors.Is(err, ErrSecretNotFound) {
		t.Errorf("after delete: %v", err)
	}
	if err := s.Delete(SecretSemgrepToken); !errors.Is(err, ErrSecretNotFound) {
		t.Errorf("delete twice: %v", err)
	}
}

func TestDefaultStoreWithoutKeyring(t *testing.T) {
	skipOnWindows(t)
	for name, kb := range map[string]*fakeKeyring{
		"error": {m: map[string]string{}, err: errors.New("The name org.freedesktop.secrets was not provided")},
		"hangs": {m: map[string]string{}, hang: make(chan struct{})},
	} {
		t.Run(name, func(t *testing.T) {
			if kb.hang != nil {
				defer close(kb.hang)
			}
			_, paths := testEnv(t)
			s := newDefaultStore(paths, kb, 50*time.Millisecond, time.Second)
			start := time.Now()
			if err := s.Set(SecretWizClientSecret, testSecret); err != nil {
				t.Fatal(err)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("probe took %s", d)
			}
			if s.Where() != "credentials file "+paths.CredentialsFile {
				t.Errorf("Where = %q", s.Where())
			}
			if w := SavedWhere(s); w != "in "+paths.CredentialsFile+" (file, mode 0600)" {
				t.Errorf("SavedWhere = %q", w)
			}
			if v, err := FileStore(paths.CredentialsFile).Get(SecretWizClientSecret); err != nil || v != testSecret {
				t.Errorf("file: %q %v", v, err)
			}
			if len(kb.m) != 0 {
				t.Error("a keyring that did not answer must not be written")
			}
		})
	}
}

func TestLoadWithDefaultStoreOrigins(t *testing.T) {
	skipOnWindows(t)
	env, paths := testEnv(t)
	kb := newFakeKeyring()
	kb.m[KeyringService+"/"+SecretWizClientSecret] = testSecret
	if err := FileStore(paths.CredentialsFile).Set(SecretSemgrepToken, testToken); err != nil {
		t.Fatal(err)
	}
	c, err := Load(Overrides{}, env.get, newDefaultStore(paths, kb, time.Second, time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if c.Origins[FieldWizClientSecret] != OriginKeyring || c.Origins[FieldSemgrepToken] != OriginCredentialsFile {
		t.Errorf("origins: %v", c.Origins)
	}
}
