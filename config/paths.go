package config

import (
	"path/filepath"
	"strings"
)

// AppName names the directories under the XDG base directories.
const AppName = "semgrep-wiz"

// Paths are the files and directories the app uses.
type Paths struct {
	ConfigFile      string // config.yaml
	CredentialsFile string // credentials.yaml, the secret store when no keyring answers
	StateDir        string // ledger, upload files, log
	LogFile         string // <StateDir>/semgrep-wiz.log
}

// DefaultPaths follows the XDG base directory spec: the config and
// credentials files live in $XDG_CONFIG_HOME/semgrep-wiz (else
// ~/.config/semgrep-wiz), the state in $XDG_STATE_HOME/semgrep-wiz (else
// ~/.local/state/semgrep-wiz). As the spec says, relative XDG values are
// ignored. env is os.Getenv in production and a map in tests.
func DefaultPaths(env func(string) string) Paths {
	env = orEmpty(env)
	home := homeDir(env)
	configHome := xdgDir(env("XDG_CONFIG_HOME"), home, ".config")
	stateHome := xdgDir(env("XDG_STATE_HOME"), home, filepath.Join(".local", "state"))
	configDir := filepath.Join(configHome, AppName)
	stateDir := filepath.Join(stateHome, AppName)
	return Paths{
		ConfigFile:      filepath.Join(configDir, "config.yaml"),
		CredentialsFile: filepath.Join(configDir, "credentials.yaml"),
		StateDir:        stateDir,
		LogFile:         filepath.Join(stateDir, AppName+".log"),
	}
}

// ResolvePaths applies the --config/--state-dir flags and the
// SEMGREP_WIZ_CONFIG/SEMGREP_WIZ_STATE_DIR variables (flags first) to
// DefaultPaths. The credentials file stays in the default config directory:
// it belongs to the user, not to one config file. A leading "~/" is
// expanded, since a value from the environment never went through a shell.
func ResolvePaths(o Overrides, env func(string) string) Paths {
	env = orEmpty(env)
	p := DefaultPaths(env)
	if v := firstSet(o.ConfigFile, env(EnvConfigFile)); v != "" {
		p.ConfigFile = expandHome(v, env)
	}
	if v := firstSet(o.StateDir, env(EnvStateDir)); v != "" {
		p.StateDir = expandHome(v, env)
		p.LogFile = filepath.Join(p.StateDir, AppName+".log")
	}
	return p
}

func homeDir(env func(string) string) string {
	if h := env("HOME"); h != "" {
		return h
	}
	return env("USERPROFILE") // Windows
}

func xdgDir(val, home, fallback string) string {
	if val != "" && filepath.IsAbs(val) {
		return val
	}
	return filepath.Join(home, fallback)
}

func expandHome(p string, env func(string) string) string {
	if p == "~" {
		return homeDir(env)
	}
	if strings.HasPrefix(p, "~/") {
		if h := homeDir(env); h != "" {
			return filepath.Join(h, p[2:])
		}
	}
	return p
}

func firstSet(vals ...string) string {
	for _, v := range vals {
		if strings.TrimSpace(v) != "" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func orEmpty(env func(string) string) func(string) string {
	if env == nil {
		return func(string) string { return "" }
	}
	return env
}
