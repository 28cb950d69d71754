package config

import (
	"path/filepath"
	"testing"
)

func TestDefaultPaths(t *testing.T) {
	tests := []struct {
		name string
		env  envMap
		want Paths
	}{
		{"xdg set", envMap{"HOME": "/home/u", "XDG_CONFIG_HOME": "/xc", "XDG_STATE_HOME": "/xs"}, Paths{
			ConfigFile: "/xc/semgrep-wiz/config.yaml", CredentialsFile: "/xc/semgrep-wiz/credentials.yaml",
			StateDir: "/xs/semgrep-wiz", LogFile: "/xs/semgrep-wiz/semgrep-wiz.log"}},
		{"xdg unset", envMap{"HOME": "/home/u"}, Paths{
			ConfigFile: "/home/u/.config/semgrep-wiz/config.yaml", CredentialsFile: "/home/u/.config/semgrep-wiz/credentials.yaml",
			StateDir: "/home/u/.local/state/semgrep-wiz", LogFile: "/home/u/.local/state/semgrep-wiz/semgrep-wiz.log"}},
		{"relative xdg ignored", envMap{"HOME": "/home/u", "XDG_CONFIG_HOME": "rel/cfg", "XDG_STATE_HOME": "./st"}, Paths{
			ConfigFile: "/home/u/.config/semgrep-wiz/config.yaml", CredentialsFile: "/home/u/.config/semgrep-wiz/credentials.yaml",
			StateDir: "/home/u/.local/state/semgrep-wiz", LogFile: "/home/u/.local/state/semgrep-wiz/semgrep-wiz.log"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := DefaultPaths(tt.env.get)
			want := tt.want
			for _, p := range []*string{&want.ConfigFile, &want.CredentialsFile, &want.StateDir, &want.LogFile} {
				*p = filepath.FromSlash(*p)
			}
			if got != want {
				t.Errorf("got  %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestResolvePaths(t *testing.T) {
	env := envMap{"HOME": "/home/u", "XDG_CONFIG_HOME": "/xc", "XDG_STATE_HOME": "/xs"}
	def := DefaultPaths(env.get)

	if got := ResolvePaths(Overrides{}, env.get); got != def {
		t.Errorf("no overrides: %+v, want %+v", got, def)
	}

	env[EnvConfigFile] = "/env/config.yaml"
	env[EnvStateDir] = "~/state"
	got := ResolvePaths(Overrides{}, env.get)
	if got.ConfigFile != "/env/config.yaml" || got.StateDir != filepath.Join("/home/u", "state") ||
		got.LogFile != filepath.Join("/home/u", "state", "semgrep-wiz.log") {
		t.Errorf("env: %+v", got)
	}
	if got.CredentialsFile != def.CredentialsFile {
		t.Errorf("credentials file moved with --config: %s", got.CredentialsFile)
	}

	got = ResolvePaths(Overrides{ConfigFile: "/flag/c.yaml", StateDir: "/flag/state"}, env.get)
	if got.ConfigFile != "/flag/c.yaml" || got.StateDir != "/flag/state" || got.LogFile != filepath.Join("/flag/state", "semgrep-wiz.log") {
		t.Errorf("flags must beat env: %+v", got)
	}

	if p := ResolvePaths(Overrides{}, nil); p.ConfigFile == "" {
		t.Error("nil env must still give paths")
	}
}
