package semgrep

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// CheckResult is one row of the connection check.
type CheckResult struct {
	Name    string
	OK      bool
	Skipped bool
	// NeedsEarlier: skipped because a check it depends on failed.
	NeedsEarlier bool
	Detail       string // what was found, in plain words
	Hint         string // what to do, when not OK
	// Rejected: Semgrep refused the token itself (HTTP 401/403), so the
	// stored token is known not to work.
	Rejected bool
}

// Check names.
const (
	CheckToken      = "Semgrep token"
	CheckDeployment = "Semgrep deployment"
)

// Check proves the token works (GET /deployments) and that the deployment
// slug exists. A check that cannot run because an earlier one failed is
// Skipped.
func (c *Client) Check(ctx context.Context, slug string) []CheckResult {
	tok := CheckResult{Name: CheckToken}
	dep := CheckResult{Name: CheckDeployment}
	if c.token == "" {
		tok.Detail = "no Semgrep token is configured"
		tok.Hint = "create an API token with Web API access in Semgrep under Settings → Tokens and set it as SEMGREP_APP_TOKEN"
		dep.Skipped, dep.NeedsEarlier, dep.Detail = true, true, "skipped: needs a working token"
		return []CheckResult{tok, dep}
	}
	ds, err := c.Deployments(ctx)
	if err != nil {
		tok.Detail = err.Error()
		tok.Hint = Hint(err)
		var ae *APIError
		tok.Rejected = errors.As(err, &ae) && ae.Kind == KindUnauthorized
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			tok.Hint = "the check was interrupted; run it again"
		}
		dep.Skipped, dep.NeedsEarlier, dep.Detail = true, true, "skipped: needs a working token"
		return []CheckResult{tok, dep}
	}
	tok.OK = true
	tok.Detail = fmt.Sprintf("the token works and can see %d deployment(s)", len(ds))

	d, err := pickDeployment(ds, slug)
	if err != nil {
		var ae *APIError
		if errors.As(err, &ae) {
			dep.Detail = ae.Message
		} else {
			dep.Detail = err.Error()
		}
		switch {
		case len(ds) == 0:
			dep.Hint = "the token belongs to no deployment; create the token from inside your Semgrep organisation"
		default:
			dep.Hint = "set SEMGREP_DEPLOYMENT (or the deployment in setup) to one of: " + slugList(ds)
		}
		return []CheckResult{tok, dep}
	}
	dep.OK = true
	name := strings.TrimSpace(d.Name)
	if name == "" {
		name = d.Slug
	}
	dep.Detail = fmt.Sprintf("%s (slug %s, id %d)", name, d.Slug, d.ID)
	return []CheckResult{tok, dep}
}
