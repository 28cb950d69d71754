package app

import (
	"errors"
	"fmt"

	"github.com/semgrep-wiz/semgrep-wiz/config"
	"github.com/semgrep-wiz/semgrep-wiz/core/semgrep"
	"github.com/semgrep-wiz/semgrep-wiz/core/wiz"
)

// ConfigError is bad configuration or a bad option: a setting that is
// missing or wrong, or a remote answer that means one is. Its message
// names the setting (or flag) and the fix. Nothing has been sent when it
// is returned; the commands exit with status 2 on it.
type ConfigError struct{ Err error }

func (e ConfigError) Error() string { return e.Err.Error() }
func (e ConfigError) Unwrap() error { return e.Err }

func configf(format string, a ...any) error { return ConfigError{fmt.Errorf(format, a...)} }

// AsConfigError recognises remote answers that mean a setting is wrong —
// the token, the deployment, the credentials, the endpoint, a missing
// permission — and turns them into a ConfigError that names the setting
// and the fix. It returns nil for other failures: they stay failures of
// the job.
func AsConfigError(err error) error {
	if err == nil {
		return nil
	}
	var se *semgrep.APIError
	if errors.As(err, &se) {
		switch {
		case se.Op == "choosing deployment":
			return configf("semgrep.deployment: %s — set SEMGREP_DEPLOYMENT (or deployment under semgrep: in the config) to one the token can see", se.Message)
		case se.Kind == semgrep.KindUnauthorized:
			return configf("semgrep.token: the Semgrep API rejected the token (HTTP %d) — %s", se.Status, semgrep.Hint(err))
		case se.Kind == semgrep.KindNotFound:
			return configf("semgrep.token: the Semgrep API answered 404 — %s", semgrep.Hint(err))
		}
		return nil
	}
	var we *wiz.Error
	if errors.As(err, &we) {
		hint := we.Hint
		switch we.Kind {
		case wiz.KindBadCredentials:
			return configf("wiz.client_id / wiz.client_secret: %s — %s", we.Message, orHint(hint, "check them in Wiz → Settings → Service Accounts"))
		case wiz.KindMissingScope:
			return configf("wiz.client_id: the service account lacks the %s permission — %s", orHint(we.Scope, "required"), orHint(hint, "add it in Wiz → Settings → Service Accounts"))
		case wiz.KindEndpoint:
			return configf("wiz.api_endpoint: %s — %s", we.Message, orHint(hint, "copy the API Endpoint URL from Wiz → User Settings → Tenant Info"))
		}
	}
	return nil
}

func orHint(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// explain is err with a configuration-class failure replaced by its
// one-line, setting-naming message (the same as the headless commands
// print).
func explain(err error) error {
	if ce := AsConfigError(err); ce != nil {
		return ce
	}
	return err
}

// MissingSettings reports a configuration error about a required setting
// that is not set at all (as opposed to one set to a wrong value): the
// setup wizard is then the easy way to enter it.
func MissingSettings(err error) bool {
	return len(missing(err)) > 0
}

// missing names the settings err says are set nowhere.
func missing(err error) []string {
	var ve *config.ValidationError
	if !errors.As(err, &ve) {
		return nil
	}
	var out []string
	for _, p := range ve.Problems {
		if p.Origin == "" {
			out = append(out, p.Field)
		}
	}
	return out
}
