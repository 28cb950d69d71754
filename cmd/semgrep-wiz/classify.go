package main

import (
	"errors"

	"github.com/semgrep-wiz/semgrep-wiz/core/semgrep"
	"github.com/semgrep-wiz/semgrep-wiz/core/wiz"
)

// asConfigError recognises remote answers that mean a setting is wrong —
// the token, the deployment, the credentials, the endpoint, a missing
// permission — and turns them into a usage error (exit status 2) that
// names the setting and the fix. Other failures stay job failures.
func asConfigError(err error) error {
	if err == nil {
		return nil
	}
	var se *semgrep.APIError
	if errors.As(err, &se) {
		switch {
		case se.Op == "choosing deployment":
			return usagef("semgrep.deployment: %s — set SEMGREP_DEPLOYMENT (or deployment under semgrep: in the config) to one the token can see", se.Message)
		case se.Kind == semgrep.KindUnauthorized:
			return usagef("semgrep.token: the Semgrep API rejected the token (HTTP %d) — %s", se.Status, semgrep.Hint(err))
		case se.Kind == semgrep.KindNotFound:
			return usagef("semgrep.token: the Semgrep API answered 404 — %s", semgrep.Hint(err))
		}
		return nil
	}
	var we *wiz.Error
	if errors.As(err, &we) {
		hint := we.Hint
		switch we.Kind {
		case wiz.KindBadCredentials:
			return usagef("wiz.client_id / wiz.client_secret: %s — %s", we.Message, orHint(hint, "check them in Wiz → Settings → Service Accounts"))
		case wiz.KindMissingScope:
			return usagef("wiz.client_id: the service account lacks the %s permission — %s", orHint(we.Scope, "required"), orHint(hint, "add it in Wiz → Settings → Service Accounts"))
		case wiz.KindEndpoint:
			return usagef("wiz.api_endpoint: %s — %s", we.Message, orHint(hint, "copy the API Endpoint URL from Wiz → User Settings → Tenant Info"))
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
