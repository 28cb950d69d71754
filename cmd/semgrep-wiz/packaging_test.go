package main

import (
	"bufio"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/semgrep-wiz/semgrep-wiz/config"
)

// The files the Linux packages install (see .goreleaser.yaml nfpms); these
// tests keep them in step with what the program reads. .ci/verify-unit and
// .ci/release-check verify the unit and the built packages themselves.
const (
	pkgDir        = "packaging"
	pkgUnit       = pkgDir + "/semgrep-wiz.service"
	pkgConfig     = pkgDir + "/config.yaml"
	pkgEnvFile    = pkgDir + "/semgrep-wiz.env"
	installConfig = "/etc/semgrep-wiz/config.yaml"
	installEnv    = "/etc/semgrep-wiz/semgrep-wiz.env"
)

// TestPackagedConfigSample: the sample config loads without an error (no
// unknown key, no secret), holds exactly the built-in defaults, and once
// the required settings and secrets come from the environment file it
// validates for watch.
func TestPackagedConfigSample(t *testing.T) {
	noEnv := func(string) string { return "" }
	sample, err := config.Load(config.Overrides{ConfigFile: pkgConfig}, noEnv, nil)
	if err != nil {
		t.Fatalf("the packaged sample config does not load: %v", err)
	}
	if !sample.FileExists {
		t.Fatalf("%s was not read", pkgConfig)
	}
	defaults, err := config.Load(config.Overrides{ConfigFile: filepath.Join(t.TempDir(), "none.yaml")}, noEnv, nil)
	if err != nil {
		t.Fatal(err)
	}
	// The sample says its values are the defaults; a changed default must
	// change the sample too.
	for name, pair := range map[string][2]any{
		"semgrep.api_url":     {sample.Semgrep.APIURL, defaults.Semgrep.APIURL},
		"semgrep.concurrency": {sample.Semgrep.Concurrency, defaults.Semgrep.Concurrency},
		"policy":              {sample.Policy, defaults.Policy},
		"guards":              {sample.Guards, defaults.Guards},
		"watch":               {sample.Watch, defaults.Watch},
		"wiz.integration_id":  {sample.Wiz.IntegrationID, defaults.Wiz.IntegrationID},
	} {
		// %+v: an empty list in the file and the nil default mean the same.
		if fmt.Sprintf("%+v", pair[0]) != fmt.Sprintf("%+v", pair[1]) {
			t.Errorf("sample %s = %+v, the default is %+v", name, pair[0], pair[1])
		}
	}

	// Unedited, it names every setting the operator must still give.
	err = sample.Validate(config.Needs{Wiz: true, Semgrep: true})
	var ve *config.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("the unedited sample validates: %v", err)
	}
	var fields []string
	for _, p := range ve.Problems {
		fields = append(fields, p.Field)
	}
	for _, f := range []string{config.FieldWizAPIEndpoint, config.FieldWizAuthURL, config.FieldWizClientID,
		config.FieldWizClientSecret, config.FieldSemgrepDeployment, config.FieldSemgrepToken} {
		if !slices.Contains(fields, f) {
			t.Errorf("the unedited sample's problems %v do not name %s", fields, f)
		}
	}

	env := map[string]string{
		config.EnvWizAPIEndpoint:    "https://api.us17.app.wiz.io/graphql",
		config.EnvWizAuthURL:        "https://auth.app.wiz.io/oauth/token",
		config.EnvWizClientID:       strings.Repeat("a", 53),
		config.EnvWizClientSecret:   strings.Repeat("s", 64),
		config.EnvSemgrepDeployment: "acme",
		config.EnvSemgrepToken:      "tok-value",
	}
	filled, err := config.Load(config.Overrides{ConfigFile: pkgConfig}, func(k string) string { return env[k] }, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := filled.Validate(config.Needs{Wiz: true, Semgrep: true}); err != nil {
		t.Errorf("the sample with the environment filled in does not validate: %v", err)
	}
}

// TestPackagedEnvFile: the secrets sample sets exactly the two secret
// variables the config reads, both empty (a package never ships a secret).
func TestPackagedEnvFile(t *testing.T) {
	assigned := map[string]string{}
	for _, line := range readLines(t, pkgEnvFile) {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			t.Errorf("%s: %q is not VAR=value", pkgEnvFile, line)
			continue
		}
		assigned[k] = v
	}
	names := slices.Sorted(maps.Keys(assigned))
	if want := []string{config.EnvSemgrepToken, config.EnvWizClientSecret}; !slices.Equal(names, want) {
		t.Errorf("%s assigns %v, want exactly %v", pkgEnvFile, names, want)
	}
	for k, v := range assigned {
		if v != "" {
			// Never print the value: it may be a real secret.
			t.Errorf("%s ships a value for %s; the sample must leave it empty", pkgEnvFile, k)
		}
	}
}

// TestPackagedUnit: the unit runs watch with the config and state paths
// the config package reads, the secrets only from the environment file,
// and nothing secret in the unit itself.
func TestPackagedUnit(t *testing.T) {
	unit := map[string][]string{}
	for _, line := range readLines(t, pkgUnit) {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "[") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			t.Fatalf("%s: %q is not Key=value", pkgUnit, line)
		}
		unit[k] = append(unit[k], v)
		for _, secret := range []string{config.EnvWizClientSecret, config.EnvSemgrepToken} {
			if strings.Contains(v, secret) {
				t.Errorf("%s names %s: secrets belong in the environment file", pkgUnit, secret)
			}
		}
	}
	one := func(key string) string {
		if len(unit[key]) != 1 {
			t.Errorf("%s: %s appears %d times, want once", pkgUnit, key, len(unit[key]))
			return ""
		}
		return unit[key][0]
	}
	if exec := strings.Fields(one("ExecStart")); len(exec) < 2 || exec[0] != "/usr/bin/semgrep-wiz" || exec[1] != "watch" {
		t.Errorf("ExecStart = %q, want /usr/bin/semgrep-wiz watch ...", exec)
	}
	state := one("StateDirectory")
	wantEnv := []string{
		config.EnvConfigFile + "=" + installConfig,
		config.EnvStateDir + "=%S/" + state, // %S is /var/lib: the StateDirectory systemd creates
	}
	if !reflect.DeepEqual(unit["Environment"], wantEnv) {
		t.Errorf("Environment = %q, want %q", unit["Environment"], wantEnv)
	}
	if got := one("EnvironmentFile"); got != installEnv {
		t.Errorf("EnvironmentFile = %q, want %q", got, installEnv)
	}
	if state != config.AppName {
		t.Errorf("StateDirectory = %q, want %q", state, config.AppName)
	}
	for _, key := range []string{"NoNewPrivileges", "ProtectHome", "PrivateTmp", "PrivateDevices", "MemoryDenyWriteExecute"} {
		if got := one(key); got != "yes" {
			t.Errorf("%s=%s, want yes", key, got)
		}
	}
	if got := one("ProtectSystem"); got != "strict" {
		t.Errorf("ProtectSystem=%s, want strict", got)
	}
	if got := one("CapabilityBoundingSet"); got != "" {
		t.Errorf("CapabilityBoundingSet=%s, want empty (no capabilities)", got)
	}
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return lines
}
