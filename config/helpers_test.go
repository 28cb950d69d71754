package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// Credential-shaped test values (Cognito: id 53–56, secret 64 alphanumerics).
var (
	testClientID = strings.Repeat("aB3", 18)          // 54
	testSecret   = strings.Repeat("Zx9Qw2Er", 8)      // 64
	testToken    = "sgp_" + strings.Repeat("t0k", 12) // Semgrep token stand-in
)

// envMap is a fake environment.
type envMap map[string]string

func (e envMap) get(k string) string { return e[k] }

// memStore is an in-memory SecretStore that counts reads.
type memStore struct {
	mu     sync.Mutex
	m      map[string]string
	getErr error
	setErr error
	gets   int
}

func newMemStore(kv ...string) *memStore {
	s := &memStore{m: map[string]string{}}
	for i := 0; i+1 < len(kv); i += 2 {
		s.m[kv[i]] = kv[i+1]
	}
	return s
}

func (s *memStore) Get(name string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gets++
	if s.getErr != nil {
		return "", s.getErr
	}
	v, ok := s.m[name]
	if !ok {
		return "", fmt.Errorf("%s: %w", name, ErrSecretNotFound)
	}
	return v, nil
}

func (s *memStore) Set(name, value string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.setErr != nil {
		return s.setErr
	}
	s.m[name] = value
	return nil
}

func (s *memStore) Delete(name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.m[name]; !ok {
		return fmt.Errorf("%s: %w", name, ErrSecretNotFound)
	}
	delete(s.m, name)
	return nil
}

func (s *memStore) Where() string { return "memory" }

// testEnv returns an environment whose XDG directories live in a temp dir,
// and the resulting paths.
func testEnv(t *testing.T) (envMap, Paths) {
	t.Helper()
	dir := t.TempDir()
	env := envMap{
		"HOME":            filepath.Join(dir, "home"),
		"XDG_CONFIG_HOME": filepath.Join(dir, "cfg"),
		"XDG_STATE_HOME":  filepath.Join(dir, "state"),
	}
	return env, DefaultPaths(env.get)
}

func writeFile(t *testing.T, path, data string, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil { // umask-proof
		t.Fatal(err)
	}
}

// validConfig is a configuration that passes Validate(Needs{true, true}).
func validConfig() *Config {
	c := Default()
	c.Path = "/cfg/config.yaml"
	c.Wiz.APIEndpoint = "https://api.us17.app.wiz.io/graphql"
	c.Wiz.AuthURL = "https://auth.app.wiz.io/oauth/token"
	c.Wiz.ClientID = testClientID
	c.Wiz.ClientSecret = testSecret
	c.Semgrep.Deployment = "acme-corp"
	c.Semgrep.Token = testToken
	return c
}

func problemFields(err error) []string {
	var ve *ValidationError
	if !errors.As(err, &ve) {
		return nil
	}
	var out []string
	for _, p := range ve.Problems {
		out = append(out, p.Field)
	}
	return out
}
