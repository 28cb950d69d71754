package wiz

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/semgrep-wiz/semgrep-wiz/core/wiz/wiztest"
)

func byName(t *testing.T, res []CheckResult) map[string]CheckResult {
	t.Helper()
	m := map[string]CheckResult{}
	for _, r := range res {
		m[r.Name] = r
	}
	want := []string{CheckToken, CheckDataCenter, ScopeResources, ScopeActivities, ScopeIngestion}
	if len(res) != len(want) {
		t.Fatalf("got %d results, want %d: %+v", len(res), len(want), res)
	}
	for i, n := range want {
		if res[i].Name != n {
			t.Errorf("result %d is %q, want %q", i, res[i].Name, n)
		}
	}
	return m
}

func TestCheckAllGood(t *testing.T) {
	c, s := newPair(t, wiztest.Options{}, nil)
	ctx := testCtx(t)
	_, _ = c.Token(ctx) // cached; Check must still mint a fresh one
	m := byName(t, c.Check(ctx, CheckOptions{}))
	if s.TokensIssued() != 2 {
		t.Errorf("Check reused the cached token (issued %d)", s.TokensIssued())
	}
	if r := m[CheckToken]; !r.OK || !strings.HasPrefix(r.Detail, "expires in ") {
		t.Errorf("token %+v", r)
	}
	if r := m[CheckDataCenter]; !r.Skipped || r.NeedsEarlier || r.Detail != "endpoint is not a Wiz host" {
		t.Errorf("dc on loopback %+v", r)
	}
	for _, sc := range []string{ScopeResources, ScopeActivities} {
		if r := m[sc]; !r.OK || r.Scope != sc {
			t.Errorf("%s %+v", sc, r)
		}
	}
	if r := m[ScopeIngestion]; !r.Skipped || r.NeedsEarlier || !strings.Contains(r.Detail, "--upload") {
		t.Errorf("ingestion without --upload %+v", r)
	}
	if s.SlotsRequested() != 0 {
		t.Error("Check without IncludeUpload allocated a slot")
	}

	m = byName(t, c.Check(ctx, CheckOptions{IncludeUpload: true}))
	if r := m[ScopeIngestion]; !r.OK || r.Skipped {
		t.Errorf("ingestion with upload %+v", r)
	}
	if s.SlotsRequested() != 1 || len(s.Uploads()) != 0 || s.RequestCount("put") != 0 {
		t.Errorf("upload probe: %d slots, %d uploads, %d PUTs", s.SlotsRequested(), len(s.Uploads()), s.RequestCount("put"))
	}
}

func TestCheckMissingScope(t *testing.T) {
	c, _ := newPair(t, wiztest.Options{Scopes: []string{ScopeResources, ScopeIngestion}}, nil)
	m := byName(t, c.Check(testCtx(t), CheckOptions{IncludeUpload: true}))
	if r := m[ScopeActivities]; r.OK || r.Skipped || !strings.Contains(r.Detail, ScopeActivities) || !strings.Contains(r.Hint, "Service Accounts") {
		t.Errorf("missing activities scope %+v", r)
	}
	// The other checks still ran.
	if !m[ScopeResources].OK || !m[ScopeIngestion].OK || !m[CheckToken].OK {
		t.Errorf("other checks %+v", m)
	}
}

func TestCheckBadSecretSkipsTheRest(t *testing.T) {
	c, s := newPair(t, wiztest.Options{}, func(cfg *Config) { cfg.ClientSecret = testSecret + "x" })
	res := c.Check(testCtx(t), CheckOptions{IncludeUpload: true})
	m := byName(t, res)
	if r := m[CheckToken]; r.OK || !strings.Contains(r.Hint, "Service Accounts") {
		t.Errorf("token %+v", r)
	}
	for _, n := range []string{CheckDataCenter, ScopeResources, ScopeActivities, ScopeIngestion} {
		if r := m[n]; !r.Skipped || !r.NeedsEarlier || r.OK || !strings.Contains(r.Detail, "no Wiz token") {
			t.Errorf("%s %+v", n, r)
		}
	}
	for _, r := range res {
		noSecrets(t, r.Detail, r.Hint)
	}
	for _, r := range s.Requests() {
		if r.Op != "token" {
			t.Errorf("Check called %s without a token", r.Op)
		}
	}
}

// rewriteTransport sends requests for any host to the stand-in, so the
// client can be configured with a real-looking Wiz endpoint.
type rewriteTransport struct{ target *url.URL }

func (rt rewriteTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r2 := r.Clone(r.Context())
	r2.URL.Scheme, r2.URL.Host, r2.Host = rt.target.Scheme, rt.target.Host, ""
	return http.DefaultTransport.RoundTrip(r2)
}

func TestCheckDataCenter(t *testing.T) {
	for _, tc := range []struct {
		endpoint string
		ok       bool
		hint     string
	}{
		{"https://api.eu3.app.wiz.io/graphql", false, "your token belongs to data center us17 but the endpoint is eu3 — use https://api.us17.app.wiz.io/graphql"},
		{"https://api.us17.app.wiz.io", true, ""},
		{"https://api.us17.app.wiz.us/graphql", true, ""},
	} {
		c, _ := newPair(t, wiztest.Options{DC: "us17"}, func(cfg *Config) {
			target, _ := url.Parse(cfg.APIEndpoint)
			cfg.APIEndpoint = tc.endpoint
			cfg.AuthURL = "https://auth.app.wiz.io/oauth/token"
			cfg.HTTPClient = &http.Client{Transport: rewriteTransport{target: target}}
		})
		m := byName(t, c.Check(testCtx(t), CheckOptions{}))
		r := m[CheckDataCenter]
		if r.OK != tc.ok || r.Skipped || r.Hint != tc.hint {
			t.Errorf("%s: %+v", tc.endpoint, r)
		}
		if !m[ScopeResources].OK {
			t.Errorf("%s: probes should still run: %+v", tc.endpoint, m[ScopeResources])
		}
	}
}

func TestCompareDC(t *testing.T) {
	cases := []struct {
		tokenDC, endpoint string
		ok, skipped       bool
	}{
		{"us17", "https://api.us17.app.wiz.io/graphql", true, false},
		{"US17", "https://API.us17.app.wiz.io/graphql", true, false},
		{"eu3", "https://api.us17.app.wiz.io/graphql", false, false},
		{"fed1", "https://api.fed1.app.wiz.us/graphql", true, false},
		{"us17", "https://wiz-proxy.corp.example/graphql", false, true},
		{"us17", "http://127.0.0.1:8080/graphql", false, true},
		{"us17", "https://api.us17.app.wiz.io.evil.example/graphql", false, true},
		{"", "https://api.us17.app.wiz.io/graphql", false, true},
	}
	for _, tc := range cases {
		r := compareDC(tc.tokenDC, tc.endpoint)
		if r.OK != tc.ok || r.Skipped != tc.skipped {
			t.Errorf("compareDC(%q, %q) = %+v", tc.tokenDC, tc.endpoint, r)
		}
	}
	if dc, ok := DataCenterOf("https://api.eu3.app.wiz.io/graphql"); !ok || dc != "eu3" {
		t.Errorf("DataCenterOf = %q %v", dc, ok)
	}
}

// An endpoint of another data center refuses the tenant's token; the hint
// names the endpoint of the token's data center (on the wire: the probes
// reached the stand-in with a token it refused).
func TestCheckWrongDataCenterNamesTheRightEndpoint(t *testing.T) {
	c, s := newPair(t, wiztest.Options{DC: "eu3", APIDC: "us17"}, nil)
	m := byName(t, c.Check(testCtx(t), CheckOptions{}))
	if r := m[CheckToken]; !r.OK {
		t.Fatalf("token %+v", r)
	}
	want := "use https://api.eu3.app.wiz.io/graphql"
	for _, sc := range []string{ScopeResources, ScopeActivities} {
		r := m[sc]
		if r.OK || r.Rejected || !strings.Contains(r.Hint, want) || !strings.Contains(r.Hint, "wrong for this tenant") {
			t.Errorf("%s %+v", sc, r)
		}
	}
	if n := s.RequestCount("vcs"); n < 1 {
		t.Errorf("the resources probe never reached the stand-in (%d)", n)
	}
}

// The hint's URL: a Wiz for Government auth URL means wiz.us, a Wiz
// endpoint of the token's own data center keeps the general hint.
func TestRejectedTokenHint(t *testing.T) {
	c, _ := newPair(t, wiztest.Options{}, func(cfg *Config) { cfg.AuthURL = "https://auth.app.wiz.us/oauth/token" })
	tok := fakeJWT(`{"dc":"fed2"}`)
	if h := c.rejectedTokenHint(tok); !strings.Contains(h, "https://api.fed2.app.wiz.us/graphql") {
		t.Errorf("gov auth URL: %q", h)
	}
	c.endpoint = "https://api.us17.app.wiz.io/graphql"
	if h := c.rejectedTokenHint(fakeJWT(`{"dc":"us17"}`)); h != sameTenantHint {
		t.Errorf("matching data center: %q", h)
	}
	if h := c.rejectedTokenHint(fakeJWT(`{"dc":"US20"}`)); !strings.Contains(h, "https://api.us20.app.wiz.io/graphql") {
		t.Errorf("other data center: %q", h)
	}
	if h := c.rejectedTokenHint("opaque"); h != sameTenantHint {
		t.Errorf("not a JWT: %q", h)
	}
}

func fakeJWT(payload string) string {
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(`{"alg":"none"}`)) + "." + enc.EncodeToString([]byte(payload)) + ".sig"
}

// A wrong secret is reported as rejected (the stored secret does not work).
func TestCheckWrongSecretIsRejected(t *testing.T) {
	c, _ := newPair(t, wiztest.Options{}, func(cfg *Config) { cfg.ClientSecret = "wrong" })
	m := byName(t, c.Check(testCtx(t), CheckOptions{}))
	if r := m[CheckToken]; r.OK || !r.Rejected || !strings.Contains(r.Hint, "client id and secret") {
		t.Errorf("token %+v", r)
	}
}
