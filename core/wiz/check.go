package wiz

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// CheckOptions tunes Check.
type CheckOptions struct {
	// IncludeUpload also tests create:external_data_ingestion by requesting
	// an upload slot (never used: nothing is PUT).
	IncludeUpload bool
}

// CheckResult is one line of the connection check.
type CheckResult struct {
	Name    string // "Wiz token", "Wiz data center", or the scope name
	Scope   string // the permission tested, for scope checks
	OK      bool
	Skipped bool
	// NeedsEarlier: skipped because a check it depends on failed (not
	// because it does not apply).
	NeedsEarlier bool
	Detail       string
	Hint         string
	// Rejected: Wiz refused the client id/secret itself (not the network
	// or a URL), so the stored secret is known not to work.
	Rejected bool
}

// Names of the non-scope checks.
const (
	CheckToken      = "Wiz token"
	CheckDataCenter = "Wiz data center"
)

// ConnectionTestFilename is the file name the upload-permission probe asks
// a slot for, so an admin who sees it in Wiz knows what it was.
const ConnectionTestFilename = "semgrep-wiz-connection-test.json"

var (
	opProbeResources = operation{op: "probe " + ScopeResources, name: "VersionControlResourcesProbe", scope: ScopeResources,
		query: `query VersionControlResourcesProbe { versionControlResources(first: 1, filterBy: {type: [REPOSITORY_BRANCH]}) { nodes { id } } }`}
	opProbeActivities = operation{op: "probe " + ScopeActivities, name: "SystemActivityProbe", scope: ScopeActivities,
		query: `query SystemActivityProbe($id: ID!) { systemActivity(id: $id) { id status } }`}
)

// Check tests the connection step by step: a fresh token, its data center
// against the endpoint, and each permission. Every check runs even when an
// earlier one failed, except that without a token the rest are skipped.
func (c *Client) Check(ctx context.Context, opts CheckOptions) []CheckResult {
	// Mint a fresh token: a cached one proves nothing about the current secret.
	c.tmu.Lock()
	c.tok = ""
	c.tmu.Unlock()

	scopes := []string{ScopeResources, ScopeActivities, ScopeIngestion}
	info, err := c.TokenInfo(ctx)
	if err != nil {
		res := []CheckResult{failed(CheckToken, "", err)}
		res = append(res, CheckResult{Name: CheckDataCenter, Skipped: true, NeedsEarlier: true, Detail: "skipped: no Wiz token"})
		for _, s := range scopes {
			res = append(res, CheckResult{Name: s, Scope: s, Skipped: true, NeedsEarlier: true, Detail: "skipped: no Wiz token"})
		}
		return res
	}
	res := []CheckResult{{Name: CheckToken, OK: true, Detail: "expires in " + humanDuration(info.ExpiresAt.Sub(c.now()))}}
	res = append(res, compareDC(info.DC, c.endpoint))
	res = append(res, c.probe(ctx, opProbeResources, nil, "the service account can list repositories"))
	res = append(res, c.probe(ctx, opProbeActivities, map[string]any{"id": randomUUID()}, "the service account can read system activities"))
	if opts.IncludeUpload {
		up, err := c.RequestUpload(ctx, ConnectionTestFilename)
		if err != nil {
			res = append(res, scopeFailed(ScopeIngestion, err))
		} else {
			res = append(res, CheckResult{Name: ScopeIngestion, Scope: ScopeIngestion, OK: true,
				Detail: "upload slot " + up.ID + " allocated; nothing was uploaded"})
		}
	} else {
		res = append(res, CheckResult{Name: ScopeIngestion, Scope: ScopeIngestion, Skipped: true,
			Detail: "run with --upload to test; it allocates an upload slot"})
	}
	return res
}

func (c *Client) probe(ctx context.Context, op operation, vars map[string]any, okDetail string) CheckResult {
	err := c.exec(ctx, op, vars, nil)
	// For the activity probe a random id is expected to be unknown: the
	// NOT_FOUND answer proves the call was allowed.
	if err == nil || (op.scope == ScopeActivities && IsKind(err, KindNotFound)) {
		return CheckResult{Name: op.scope, Scope: op.scope, OK: true, Detail: okDetail}
	}
	return scopeFailed(op.scope, err)
}

func scopeFailed(scope string, err error) CheckResult {
	r := failed(scope, scope, err)
	if IsKind(err, KindMissingScope) {
		r.Detail = "missing permission " + scope
		r.Hint = "add " + scope + " to the service account in Wiz → Settings → Service Accounts"
	}
	return r
}

func failed(name, scope string, err error) CheckResult {
	return CheckResult{Name: name, Scope: scope, Detail: err.Error(), Hint: HintOf(err), Rejected: IsKind(err, KindBadCredentials)}
}

var wizAPIHost = regexp.MustCompile(`^api\.([a-z0-9-]+)\.app\.wiz\.(io|us)$`)

// DataCenterOf returns the data center named by a Wiz API endpoint
// (api.<dc>.app.wiz.io or .wiz.us), and false for any other host.
func DataCenterOf(endpoint string) (dc string, ok bool) {
	dc, _, ok = wizHost(endpoint)
	return dc, ok
}

// wizHost splits api.<dc>.app.wiz.<tld> into dc and tld.
func wizHost(endpoint string) (dc, tld string, ok bool) {
	host := strings.TrimSuffix(strings.ToLower(hostOf(endpoint)), ".")
	m := wizAPIHost.FindStringSubmatch(host)
	if m == nil {
		return "", "", false
	}
	return m[1], m[2], true
}

// compareDC checks the token's dc claim against the endpoint host.
func compareDC(tokenDC, endpoint string) CheckResult {
	r := CheckResult{Name: CheckDataCenter}
	epDC, tld, ok := wizHost(endpoint)
	switch {
	case !ok:
		r.Skipped, r.Detail = true, "endpoint is not a Wiz host"
	case tokenDC == "":
		r.Skipped, r.Detail = true, "the token does not name a data center"
	case strings.EqualFold(tokenDC, epDC):
		r.OK, r.Detail = true, "token and endpoint both use data center "+epDC
	default:
		r.Detail = fmt.Sprintf("token data center %s, endpoint data center %s", tokenDC, epDC)
		r.Hint = fmt.Sprintf("your token belongs to data center %s but the endpoint is %s — use https://api.%s.app.wiz.%s/graphql",
			tokenDC, epDC, strings.ToLower(tokenDC), tld)
	}
	return r
}

func hostOf(raw string) string {
	u, err := url.Parse(withScheme(raw))
	if err != nil {
		return ""
	}
	return u.Hostname()
}

func humanDuration(d time.Duration) string {
	if d < time.Minute {
		return d.Round(time.Second).String()
	}
	d = d.Round(time.Minute)
	h, m := int(d/time.Hour), int((d%time.Hour)/time.Minute)
	if h == 0 {
		return fmt.Sprintf("%dm", m)
	}
	return fmt.Sprintf("%dh%02dm", h, m)
}

// randomUUID makes a version-4 UUID for the activity probe.
func randomUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
