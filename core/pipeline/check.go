package pipeline

import (
	"context"

	"github.com/semgrep-wiz/semgrep-wiz/core/semgrep"
	"github.com/semgrep-wiz/semgrep-wiz/core/wiz"
)

// CheckResult is one line of the connection check.
type CheckResult struct {
	Name    string `json:"name"`
	OK      bool   `json:"ok"`
	Skipped bool   `json:"skipped,omitempty"`
	// NeedsEarlier: skipped because a check it depends on failed.
	NeedsEarlier bool   `json:"needs_earlier,omitempty"`
	Detail       string `json:"detail"`
	Hint         string `json:"hint,omitempty"`
	// Rejected: the service refused the secret itself (a wrong client
	// secret or token), not the network or a URL.
	Rejected bool `json:"rejected,omitempty"`
}

// CheckOptions says what to check. A nil client skips its checks (a run
// from --from files needs no Semgrep token).
type CheckOptions struct {
	Wiz           *wiz.Client
	Semgrep       *semgrep.Client
	Deployment    string
	IncludeUpload bool
}

// Check tests the Wiz credentials, data center and scopes, then the
// Semgrep token and deployment. Every check runs, so one report shows
// everything that needs fixing.
func Check(ctx context.Context, o CheckOptions) []CheckResult {
	var out []CheckResult
	if o.Wiz != nil {
		for _, r := range o.Wiz.Check(ctx, wiz.CheckOptions{IncludeUpload: o.IncludeUpload}) {
			out = append(out, CheckResult{Name: r.Name, OK: r.OK, Skipped: r.Skipped, NeedsEarlier: r.NeedsEarlier, Detail: r.Detail, Hint: r.Hint, Rejected: r.Rejected})
		}
	}
	if o.Semgrep != nil {
		for _, r := range o.Semgrep.Check(ctx, o.Deployment) {
			out = append(out, CheckResult{Name: r.Name, OK: r.OK, Skipped: r.Skipped, NeedsEarlier: r.NeedsEarlier, Detail: r.Detail, Hint: r.Hint, Rejected: r.Rejected})
		}
	}
	return out
}

// Passed reports whether no check failed (skipped checks do not fail).
func Passed(rs []CheckResult) bool {
	for _, r := range rs {
		if !r.OK && !r.Skipped {
			return false
		}
	}
	return true
}
