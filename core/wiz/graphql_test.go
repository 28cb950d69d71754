package wiz

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/semgrep-wiz/semgrep-wiz/core/wiz/wiztest"
)

func TestRequestUpload(t *testing.T) {
	c, s := newPair(t, wiztest.Options{}, func(cfg *Config) { cfg.UserAgent = "semgrep-wiz-test/1" })
	up, err := c.RequestUpload(testCtx(t), "semgrep-acme-app.json")
	if err != nil {
		t.Fatal(err)
	}
	if up.ID == "" || up.SystemActivityID == "" || !strings.HasPrefix(up.URL, s.URL+"/s3/") || !strings.Contains(up.URL, "X-Amz-Signature=") {
		t.Errorf("upload %+v", up)
	}
	var gq []wiztest.Request
	for _, r := range s.Requests() {
		if r.Op == "upload-request" {
			gq = append(gq, r)
		}
	}
	if len(gq) != 1 || !gq[0].Authorization || gq[0].UserAgent != "semgrep-wiz-test/1" || !strings.HasPrefix(gq[0].ContentType, "application/json") {
		t.Errorf("GraphQL request as seen by Wiz: %+v", gq)
	}
}

func TestExpiredTokenRefreshedOnce(t *testing.T) {
	c, s := newPair(t, wiztest.Options{}, nil)
	ctx := testCtx(t)
	if _, err := c.Token(ctx); err != nil {
		t.Fatal(err)
	}
	s.ExpireTokens() // the server now answers 401 to the cached token
	if _, err := c.RequestUpload(ctx, "a.json"); err != nil {
		t.Fatalf("after a 401 the call should succeed with a fresh token: %v", err)
	}
	if s.TokensIssued() != 2 || s.RequestCount("upload-request") != 2 {
		t.Errorf("tokens %d, upload requests %d; want 2 and 2", s.TokensIssued(), s.RequestCount("upload-request"))
	}

	// A 401 that persists is reported after exactly one refresh.
	s.Inject(wiztest.Fault{Op: "upload-request", Status: 401, Times: 10})
	before := s.RequestCount("upload-request")
	_, err := c.RequestUpload(ctx, "a.json")
	mustKind(t, err, KindUnauthenticated)
	if n := s.RequestCount("upload-request") - before; n != 2 {
		t.Errorf("persistent 401: %d attempts, want 2", n)
	}
	if s.TokensIssued() != 3 {
		t.Errorf("tokens issued %d, want 3", s.TokensIssued())
	}
}

func TestUnauthenticatedCodeOn200RefreshesToo(t *testing.T) {
	c, s := newPair(t, wiztest.Options{}, nil)
	s.Inject(wiztest.Fault{Op: "vcs", GraphQLCode: "UNAUTHENTICATED"})
	if _, err := c.RepositoryBranches(testCtx(t), ""); err != nil {
		t.Fatal(err)
	}
	if s.TokensIssued() != 2 {
		t.Errorf("tokens issued %d, want 2", s.TokensIssued())
	}
}

func TestMissingScope(t *testing.T) {
	c, s := newPair(t, wiztest.Options{Scopes: []string{ScopeResources}}, nil)
	_, err := c.RequestUpload(testCtx(t), "a.json")
	e := mustKind(t, err, KindMissingScope)
	if e.Scope != ScopeIngestion || !strings.Contains(e.Hint, ScopeIngestion) {
		t.Errorf("error %+v", e)
	}
	if !errors.Is(err, ErrMissingScope) {
		t.Error("errors.Is(err, ErrMissingScope) is false")
	}
	if n := s.RequestCount("upload-request"); n != 1 {
		t.Errorf("missing scope retried: %d requests", n)
	}
	// Access denied without a code and without naming the permission: the
	// operation's own scope is reported.
	s.Inject(wiztest.Fault{Op: "vcs", Body: `{"data":null,"errors":[{"message":"Access denied"}]}`})
	_, err = c.RepositoryBranches(testCtx(t), "")
	if e := mustKind(t, err, KindMissingScope); e.Scope != ScopeResources {
		t.Errorf("scope %q, want %q", e.Scope, ScopeResources)
	}
}

func TestForbidden403(t *testing.T) {
	c, s := newPair(t, wiztest.Options{}, nil)
	s.Inject(wiztest.Fault{Op: "activity", Status: 403})
	_, err := c.SystemActivity(testCtx(t), "x")
	e := mustKind(t, err, KindForbidden)
	if e.HTTPStatus != 403 || e.Scope != ScopeActivities {
		t.Errorf("error %+v", e)
	}
}

func TestWrongEndpoint404(t *testing.T) {
	c, _ := newPair(t, wiztest.Options{}, func(cfg *Config) { cfg.APIEndpoint = strings.TrimSuffix(cfg.APIEndpoint, "/graphql") + "/v2/graphql" })
	_, err := c.RequestUpload(testCtx(t), "a.json")
	e := mustKind(t, err, KindEndpoint)
	if e.HTTPStatus != 404 || !strings.Contains(e.Hint, "Tenant Info") {
		t.Errorf("error %+v", e)
	}
}

func TestNotGraphQLAnswerIsEndpointError(t *testing.T) {
	c, s := newPair(t, wiztest.Options{}, nil)
	s.Inject(wiztest.Fault{Op: "upload-request", Body: "<html>login page</html>"})
	_, err := c.RequestUpload(testCtx(t), "a.json")
	mustKind(t, err, KindEndpoint)
}

func TestRateLimitHonoursRetryAfter(t *testing.T) {
	c, s := newPair(t, wiztest.Options{}, nil)
	s.Inject(wiztest.Fault{Op: "upload-request", Status: http.StatusTooManyRequests, RetryAfter: "1"})
	start := time.Now()
	if _, err := c.RequestUpload(testCtx(t), "a.json"); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 900*time.Millisecond {
		t.Errorf("retried after %v, Retry-After said 1s", d)
	}
	if n := s.RequestCount("upload-request"); n != 2 {
		t.Errorf("upload requests = %d, want 2", n)
	}
	var statuses []int
	for _, r := range s.Requests() {
		if r.Op == "upload-request" {
			statuses = append(statuses, r.Status)
		}
	}
	if len(statuses) != 2 || statuses[0] != 429 || statuses[1] != 200 {
		t.Errorf("statuses %v", statuses)
	}
}

func TestRateLimitCodeOn200Retried(t *testing.T) {
	c, s := newPair(t, wiztest.Options{}, nil)
	s.Inject(wiztest.Fault{Op: "vcs", GraphQLCode: "RATE_LIMIT_EXCEEDED", Times: 2})
	if _, err := c.RepositoryBranches(testCtx(t), ""); err != nil {
		t.Fatal(err)
	}
	if n := s.RequestCount("vcs"); n != 3 {
		t.Errorf("vcs requests = %d, want 3", n)
	}
}

func TestStandInRateLimitAbsorbed(t *testing.T) {
	c, s := newPair(t, wiztest.Options{RateLimit: 20}, func(cfg *Config) { cfg.RetryBase = 50 * time.Millisecond; cfg.MaxRetries = 8 })
	ctx := testCtx(t)
	for i := 0; i < 40; i++ {
		if _, err := c.RepositoryBranches(ctx, ""); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	limited := 0
	for _, r := range s.Requests() {
		if r.Status == http.StatusTooManyRequests {
			limited++
		}
	}
	if limited == 0 {
		t.Error("the stand-in never rate limited; the test proves nothing")
	}
}

func TestServerErrorsRetriedThenReported(t *testing.T) {
	c, s := newPair(t, wiztest.Options{}, func(cfg *Config) { cfg.MaxRetries = 2 })
	s.Inject(wiztest.Fault{Op: "upload-request", Status: 502, Times: 2})
	if _, err := c.RequestUpload(testCtx(t), "a.json"); err != nil {
		t.Fatalf("two 502s then success: %v", err)
	}
	if n := s.RequestCount("upload-request"); n != 3 {
		t.Errorf("requests = %d, want 3", n)
	}
	s.Inject(wiztest.Fault{Op: "upload-request", Status: 500, Times: 3})
	_, err := c.RequestUpload(testCtx(t), "a.json")
	if e := mustKind(t, err, KindServer); e.HTTPStatus != 500 {
		t.Errorf("status %d", e.HTTPStatus)
	}
	if n := s.RequestCount("upload-request"); n != 6 {
		t.Errorf("requests = %d, want 3 + 3", n)
	}
	if s.PendingFaults() != 0 {
		t.Fatalf("%d faults left over", s.PendingFaults())
	}
	s.Inject(wiztest.Fault{Op: "upload-request", GraphQLCode: "INTERNAL"})
	if _, err := c.RequestUpload(testCtx(t), "a.json"); err != nil {
		t.Errorf("INTERNAL then success: %v", err)
	}
}

func TestConnectionResetAndTruncationRetried(t *testing.T) {
	c, s := newPair(t, wiztest.Options{}, nil)
	s.Inject(wiztest.Fault{Op: "upload-request", Reset: true})
	s.Inject(wiztest.Fault{Op: "upload-request", Truncate: true})
	if _, err := c.RequestUpload(testCtx(t), "a.json"); err != nil {
		t.Fatal(err)
	}
	if n := s.RequestCount("upload-request"); n != 3 {
		t.Errorf("requests = %d, want 3", n)
	}
}

func TestBadUserInputNotRetried(t *testing.T) {
	c, s := newPair(t, wiztest.Options{}, nil)
	s.Inject(wiztest.Fault{Op: "vcs", GraphQLCode: "BAD_USER_INPUT", Times: 3})
	_, err := c.RepositoryBranches(testCtx(t), "")
	mustKind(t, err, KindBadRequest)
	if n := s.RequestCount("vcs"); n != 1 {
		t.Errorf("requests = %d, want 1", n)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	cases := map[string]time.Duration{
		"":                              0,
		"3":                             3 * time.Second,
		"-1":                            0,
		"soon":                          0,
		"Thu, 01 Jan 2026 12:00:10 GMT": 10 * time.Second,
		"Thu, 01 Jan 2026 11:00:00 GMT": 0,
	}
	for in, want := range cases {
		if got := parseRetryAfter(in, now); got != want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestRepositoryBranchesPagesAndFilters(t *testing.T) {
	var branches []wiztest.VCSBranch
	for i := 0; i < 120; i++ {
		branches = append(branches, wiztest.VCSBranch{RepoName: "acme/repo" + itoa(i), RepoURL: "https://github.com/acme/repo" + itoa(i), Branch: "main"})
	}
	branches = append(branches, wiztest.VCSBranch{RepoName: "other/payments-api", RepoURL: "https://gitlab.com/other/payments-api", Branch: "main", CloudPlatform: "GitLab"})
	c, s := newPair(t, wiztest.Options{VCSBranches: branches}, nil)
	all, err := c.RepositoryBranches(testCtx(t), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 121 || s.RequestCount("vcs") != 3 {
		t.Errorf("got %d branches in %d requests, want 121 in 3", len(all), s.RequestCount("vcs"))
	}
	one, err := c.RepositoryBranches(testCtx(t), "other/payments-api")
	if err != nil {
		t.Fatal(err)
	}
	if len(one) != 1 || one[0].CloudPlatform != "GitLab" || one[0].Repository.URL != "https://gitlab.com/other/payments-api" ||
		one[0].Type != "REPOSITORY_BRANCH" || one[0].ProviderID != "gitlab.com##other/payments-api##main" {
		t.Errorf("search result %+v", one)
	}
}

func TestErrorsNeverCarrySecrets(t *testing.T) {
	c, s := newPair(t, wiztest.Options{Scopes: []string{}}, nil)
	ctx := testCtx(t)
	var texts []string
	collect := func(err error) {
		if err != nil {
			texts = append(texts, err.Error(), HintOf(err))
		}
	}
	_, err := c.RequestUpload(ctx, "a.json")
	collect(err)
	_, err = c.SystemActivity(ctx, "x")
	collect(err)
	s.Inject(wiztest.Fault{Op: "graphql", Status: 500, Times: 10})
	_, err = c.RepositoryBranches(ctx, "")
	collect(err)
	for _, r := range c.Check(ctx, CheckOptions{IncludeUpload: true}) {
		texts = append(texts, r.Detail, r.Hint)
	}
	if len(texts) < 6 {
		t.Fatalf("expected errors to inspect, got %v", texts)
	}
	noSecrets(t, texts...)
}

func TestHTTPStatusClassification(t *testing.T) {
	cases := []struct {
		fault wiztest.Fault
		kind  Kind
	}{
		{wiztest.Fault{Op: "upload-request", Status: 403, Body: `{"data":null,"errors":[{"message":"Unauthorized: access denied, missing permission create:external_data_ingestion, your permissions: []","extensions":{"code":"UNAUTHORIZED"}}]}`}, KindMissingScope},
		{wiztest.Fault{Op: "upload-request", Status: 400}, KindBadRequest},
		{wiztest.Fault{Op: "upload-request", Status: 418, Body: "teapot"}, KindProtocol},
		{wiztest.Fault{Op: "upload-request", Status: 301, Body: "moved"}, KindEndpoint},
		{wiztest.Fault{Op: "upload-request", GraphQLCode: "FORBIDDEN_IP"}, KindForbidden},
		{wiztest.Fault{Op: "upload-request", GraphQLCode: "SOMETHING_NEW"}, KindProtocol},
		{wiztest.Fault{Op: "upload-request", Body: `{"data":{"requestSecurityScanUpload":null}}`}, KindProtocol},
	}
	for _, tc := range cases {
		c, s := newPair(t, wiztest.Options{}, nil)
		s.Inject(tc.fault)
		_, err := c.RequestUpload(testCtx(t), "a.json")
		if KindOf(err) != tc.kind {
			t.Errorf("%+v: got %v (%s), want %s", tc.fault, err, KindOf(err), tc.kind)
		}
		if tc.kind == KindMissingScope {
			if e := mustKind(t, err, KindMissingScope); e.Scope != ScopeIngestion || e.HTTPStatus != 403 {
				t.Errorf("403 missing scope: %+v", e)
			}
		}
	}
}

func TestTolerantDecoding(t *testing.T) {
	c, s := newPair(t, wiztest.Options{}, nil)
	s.Inject(wiztest.Fault{Op: "upload-request", Body: `{"data":{"requestSecurityScanUpload":{"upload":{"id":48213,"url":"https://bucket.example/x?sig=1","systemActivityId":"abc"}}}}`})
	up, err := c.RequestUpload(testCtx(t), "a.json")
	if err != nil || up.ID != "48213" || up.SystemActivityID != "abc" {
		t.Errorf("numeric id: %+v %v", up, err)
	}
	s.Inject(wiztest.Fault{Op: "activity", Body: `{"data":{"systemActivity":{"id":"abc","status":"SUCCESS","statusInfo":null,"result":{"dataSources":{"incoming":1,"handled":1},"findings":{"incoming":3,"handled":3}},"context":{"fileUploadId":48213}}}}`})
	a, err := c.SystemActivity(testCtx(t), "abc")
	if err != nil || a.FileUploadID != "48213" || a.UnresolvedAssets != 0 || a.Findings != (Stats{3, 3}) {
		t.Errorf("activity without unresolvedAssets: %+v %v", a, err)
	}
	s.Inject(wiztest.Fault{Op: "upload-request", Body: `{"data":{"requestSecurityScanUpload":{"upload":{"id":"1","url":"http://bucket.example/x?sig=1","systemActivityId":"abc"}}}}`})
	if _, err := c.RequestUpload(testCtx(t), "a.json"); KindOf(err) != KindProtocol {
		t.Errorf("plain-http upload URL on a public host accepted: %v", err)
	}
}
