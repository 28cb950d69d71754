package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"runtime"
	"sync"
	"time"

	"github.com/zalando/go-keyring"
	"go.yaml.in/yaml/v3"
)

// Secret names in a SecretStore.
const (
	SecretWizClientSecret = "wiz-client-secret"
	SecretSemgrepToken    = "semgrep-token"
)

// ErrSecretNotFound is returned (wrapped) by Get and Delete when the store
// holds no secret of that name. Test with errors.Is.
var ErrSecretNotFound = errors.New("secret not found")

// SecretStore keeps the two secrets out of the config file.
type SecretStore interface {
	Get(name string) (string, error)
	Set(name, value string) error
	Delete(name string) error
	// Where describes the store for messages, e.g. "credentials file /x".
	Where() string
}

// originStore is implemented by this package's stores to say which
// backend actually answered a Get (keyring or credentials file).
type originStore interface {
	getWithOrigin(name string) (value, origin string, err error)
}

// getSecret reads name and the Origins word for where it was found.
func getSecret(s SecretStore, name string) (string, string, error) {
	if o, ok := s.(originStore); ok {
		return o.getWithOrigin(name)
	}
	v, err := s.Get(name)
	return v, s.Where(), err
}

// ---- OS keyring ----

// keyringBackend is the part of go-keyring we use; tests substitute fakes
// so they never touch the user's real keyring.
type keyringBackend interface {
	Get(service, user string) (string, error)
	Set(service, user, password string) error
	Delete(service, user string) error
}

type osKeyring struct{}

func (osKeyring) Get(s, u string) (string, error) { return keyring.Get(s, u) }
func (osKeyring) Set(s, u, p string) error        { return keyring.Set(s, u, p) }
func (osKeyring) Delete(s, u string) error        { return keyring.Delete(s, u) }

// keyringOpTimeout bounds every keyring call: on a box whose D-Bus or
// Secret Service is wedged the call would otherwise hang a cron job.
const keyringOpTimeout = 10 * time.Second

type keyringStore struct {
	service string
	kb      keyringBackend
	timeout time.Duration
}

// KeyringStore stores secrets in the OS keyring (macOS Keychain, Windows
// Credential Manager, Secret Service on Linux) under service.
func KeyringStore(service string) SecretStore {
	return &keyringStore{service: service, kb: osKeyring{}, timeout: keyringOpTimeout}
}

func (k *keyringStore) Where() string { return "OS keyring (service " + k.service + ")" }

func (k *keyringStore) Get(name string) (string, error) {
	v, _, err := k.getWithOrigin(name)
	return v, err
}

func (k *keyringStore) getWithOrigin(name string) (string, string, error) {
	var v string
	err := k.call("reading "+name, func() error {
		var err error
		v, err = k.kb.Get(k.service, name)
		return err
	})
	return v, OriginKeyring, err
}

func (k *keyringStore) Set(name, value string) error {
	return k.call("storing "+name, func() error { return k.kb.Set(k.service, name, value) })
}

func (k *keyringStore) Delete(name string) error {
	return k.call("deleting "+name, func() error { return k.kb.Delete(k.service, name) })
}

// call runs f with a deadline. A timed-out call keeps running in its
// goroutine until the backend returns; there is no way to cancel it.
func (k *keyringStore) call(what string, f func() error) error {
	done := make(chan error, 1)
	go func() { done <- f() }()
	timer := time.NewTimer(k.timeout)
	defer timer.Stop()
	select {
	case err := <-done:
		switch {
		case err == nil:
			return nil
		case errors.Is(err, keyring.ErrNotFound):
			return fmt.Errorf("%s: not in the OS keyring: %w", what, ErrSecretNotFound)
		default:
			return fmt.Errorf("%s in the OS keyring: %w", what, err)
		}
	case <-timer.C:
		return fmt.Errorf("%s: the OS keyring did not answer within %s", what, k.timeout)
	}
}

// probe reports whether the keyring answers at all: looking up a name that
// does not exist must come back, quickly, with "found" or "not found".
func (k *keyringStore) probe(timeout time.Duration) bool {
	p := *k
	p.timeout = timeout
	_, err := p.Get("probe")
	return err == nil || errors.Is(err, ErrSecretNotFound)
}

// ---- credentials file ----

const maxCredentialsFileSize = 64 << 10

type fileStore struct {
	path string
	mu   sync.Mutex
}

// FileStore keeps secrets as a YAML map (name: value) in a file of mode
// 0600, written atomically. It refuses to read a file that group or other
// users can read.
func FileStore(path string) SecretStore { return &fileStore{path: path} }

func (f *fileStore) Where() string { return "credentials file " + f.path }

func (f *fileStore) Get(name string) (string, error) {
	v, _, err := f.getWithOrigin(name)
	return v, err
}

func (f *fileStore) getWithOrigin(name string) (string, string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	m, err := f.read()
	if err != nil {
		return "", OriginCredentialsFile, err
	}
	v, ok := m[name]
	if !ok || v == "" {
		return "", OriginCredentialsFile, fmt.Errorf("%s not in credentials file %s: %w", name, f.path, ErrSecretNotFound)
	}
	return v, OriginCredentialsFile, nil
}

func (f *fileStore) Set(name, value string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	m, err := f.read()
	if err != nil && !errors.Is(err, ErrSecretNotFound) {
		return err
	}
	if m == nil {
		m = map[string]string{}
	}
	m[name] = value
	return f.write(m)
}

func (f *fileStore) Delete(name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	m, err := f.read()
	if err != nil {
		return err
	}
	if _, ok := m[name]; !ok {
		return fmt.Errorf("%s not in credentials file %s: %w", name, f.path, ErrSecretNotFound)
	}
	delete(m, name)
	if len(m) == 0 {
		// Leave no empty credentials file behind once the integration is deleted.
		if err := os.Remove(f.path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("removing credentials file %s: %w", f.path, err)
		}
		return nil
	}
	return f.write(m)
}

var yamlLineRE = regexp.MustCompile(`line (\d+)`)

// read returns the stored map. A missing file is ErrSecretNotFound.
func (f *fileStore) read() (map[string]string, error) {
	fh, err := os.Open(f.path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("credentials file %s does not exist: %w", f.path, ErrSecretNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("opening credentials file: %w", err)
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return nil, fmt.Errorf("credentials file %s: %w", f.path, err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("credentials file %s is not a regular file", f.path)
	}
	if err := checkPrivate(f.path, st.Mode()); err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(fh, maxCredentialsFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("reading credentials file %s: %w", f.path, err)
	}
	if len(data) > maxCredentialsFileSize {
		return nil, fmt.Errorf("credentials file %s is larger than %d KiB", f.path, maxCredentialsFileSize>>10)
	}
	m := map[string]string{}
	if len(bytes.TrimSpace(data)) == 0 {
		return m, nil
	}
	if err := yaml.Unmarshal(data, &m); err != nil {
		// Never repeat the parser's text: it may quote the file, i.e. a secret.
		where := ""
		if sm := yamlLineRE.FindStringSubmatch(err.Error()); sm != nil {
			where = " line " + sm[1]
		}
		return nil, fmt.Errorf("credentials file %s%s: not a YAML map of secret names to values", f.path, where)
	}
	return m, nil
}

// checkPrivate refuses files other users can read: a secret there is
// already exposed, and reading it silently would hide that.
func checkPrivate(path string, mode os.FileMode) error {
	if runtime.GOOS == "windows" {
		return nil // mode bits mean nothing there; ACLs protect the profile directory
	}
	if mode.Perm()&0o077 != 0 {
		return fmt.Errorf("credentials file %s can be read by other users (mode %04o); run: chmod 600 %s", path, mode.Perm(), path)
	}
	return nil
}

func (f *fileStore) write(m map[string]string) error {
	data, err := yaml.Marshal(m)
	if err != nil {
		return fmt.Errorf("encoding credentials file: %w", err)
	}
	if err := writeFileAtomic(f.path, data); err != nil {
		return fmt.Errorf("writing credentials file: %w", err)
	}
	return nil
}

// ---- keyring, then file ----

// chainStore reads the keyring first and then the credentials file (which
// may hold secrets saved while no keyring answered); it writes to the
// keyring and then removes any stale copy from the file.
type chainStore struct {
	kr   *keyringStore
	file *fileStore
}

func (c *chainStore) Where() string {
	return c.kr.Where() + ", then " + c.file.Where()
}

func (c *chainStore) Get(name string) (string, error) {
	v, _, err := c.getWithOrigin(name)
	return v, err
}

func (c *chainStore) getWithOrigin(name string) (string, string, error) {
	v, o, kerr := c.kr.getWithOrigin(name)
	if kerr == nil {
		return v, o, nil
	}
	v, o, ferr := c.file.getWithOrigin(name)
	if ferr == nil {
		return v, o, nil
	}
	if !errors.Is(ferr, ErrSecretNotFound) {
		return "", o, ferr
	}
	if !errors.Is(kerr, ErrSecretNotFound) {
		return "", OriginKeyring, kerr
	}
	return "", "", fmt.Errorf("%s is neither in the OS keyring nor in the credentials file: %w", name, ErrSecretNotFound)
}

func (c *chainStore) Set(name, value string) error {
	if err := c.kr.Set(name, value); err != nil {
		return err
	}
	if err := c.file.Delete(name); err != nil && !errors.Is(err, ErrSecretNotFound) {
		return fmt.Errorf("stored %s in the OS keyring, but could not remove the old copy: %w", name, err)
	}
	return nil
}

func (c *chainStore) Delete(name string) error {
	kerr := c.kr.Delete(name)
	ferr := c.file.Delete(name)
	switch {
	case kerr != nil && !errors.Is(kerr, ErrSecretNotFound):
		return kerr
	case ferr != nil && !errors.Is(ferr, ErrSecretNotFound):
		return ferr
	case kerr != nil && ferr != nil:
		return fmt.Errorf("%s is neither in the OS keyring nor in the credentials file: %w", name, ErrSecretNotFound)
	}
	return nil
}

// ---- default ----

// keyringProbeTimeout: on a headless Linux box without D-Bus the keyring
// call fails or hangs; a second is plenty for a keyring that works.
const keyringProbeTimeout = time.Second

// DefaultSecretStore uses the OS keyring when one answers (reading the
// credentials file as well, for secrets stored there earlier), and
// otherwise the credentials file alone. The keyring is probed once, on
// first use, with a short timeout.
func DefaultSecretStore(paths Paths) SecretStore {
	return newDefaultStore(paths, osKeyring{}, keyringProbeTimeout, keyringOpTimeout)
}

func newDefaultStore(paths Paths, kb keyringBackend, probeTimeout, opTimeout time.Duration) SecretStore {
	return &lazyStore{pick: func() SecretStore {
		kr := &keyringStore{service: KeyringService, kb: kb, timeout: opTimeout}
		file := &fileStore{path: paths.CredentialsFile}
		if kr.probe(probeTimeout) {
			return &chainStore{kr: kr, file: file}
		}
		return file
	}}
}

type lazyStore struct {
	once sync.Once
	pick func() SecretStore
	s    SecretStore
}

func (l *lazyStore) get() SecretStore {
	l.once.Do(func() { l.s = l.pick() })
	return l.s
}

func (l *lazyStore) Get(name string) (string, error) { return l.get().Get(name) }
func (l *lazyStore) Set(name, value string) error    { return l.get().Set(name, value) }
func (l *lazyStore) Delete(name string) error        { return l.get().Delete(name) }
func (l *lazyStore) Where() string                   { return l.get().Where() }
func (l *lazyStore) getWithOrigin(name string) (string, string, error) {
	return getSecret(l.get(), name)
}

// SavedWhere says where Set puts a secret, in words for the user: "in
// the OS keyring (service semgrep-wiz)" or "in /path (file, mode 0600)".
// For the default store it may probe the keyring (a second at most), so
// call it off any UI event loop.
func SavedWhere(s SecretStore) string {
	switch st := s.(type) {
	case *lazyStore:
		return SavedWhere(st.get())
	case *chainStore:
		return SavedWhere(st.kr) // it writes to the keyring
	case *keyringStore:
		return "in the OS keyring (service " + st.service + ")"
	case *fileStore:
		return "in " + st.path + " (file, mode 0600)"
	}
	return "in the " + s.Where()
}
