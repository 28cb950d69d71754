package wiz

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/semgrep-wiz/semgrep-wiz/core/wiz/wiztest"
)

func TestAudienceFor(t *testing.T) {
	cases := map[string]string{
		"https://auth.wiz.io/oauth/token":       "beyond-api",
		"https://auth0.gov.wiz.io/oauth/token":  "beyond-api",
		"https://auth0.test.wiz.io/oauth/token": "beyond-api",
		"https://AUTH.WIZ.IO/oauth/token":       "beyond-api",
		"https://auth.app.wiz.io/oauth/token":   "wiz-api",
		"https://auth.gov.wiz.io/oauth/token":   "wiz-api",
		"https://auth.app.wiz.us/oauth/token":   "wiz-api",
		"https://auth.demo.wiz.io/oauth/token":  "wiz-api",
		"auth.wiz.io":                           "beyond-api",
		"http://127.0.0.1:8080/oauth/token":     "wiz-api",
	}
	for in, want := range cases {
		if got := AudienceFor(in); got != want {
			t.Errorf("AudienceFor(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNewNormalisesAndValidatesURLs(t *testing.T) {
	base := Config{ClientID: "id", ClientSecret: "secret", AuthURL: "https://auth.app.wiz.io/oauth/token"}
	ok := map[string]string{
		"https://api.us17.app.wiz.io/graphql":   "https://api.us17.app.wiz.io/graphql",
		"https://api.us17.app.wiz.io":           "https://api.us17.app.wiz.io/graphql",
		"https://api.us17.app.wiz.io/":          "https://api.us17.app.wiz.io/graphql",
		"api.eu3.app.wiz.io/graphql/":           "https://api.eu3.app.wiz.io/graphql",
		"http://127.0.0.1:9/graphql":            "http://127.0.0.1:9/graphql",
		"http://127.8.9.10:9":                   "http://127.8.9.10:9/graphql",
		"http://localhost:9/graphql":            "http://localhost:9/graphql",
		"http://[::1]:9/graphql":                "http://[::1]:9/graphql",
		"https://proxy.example.com/wiz/graphql": "https://proxy.example.com/wiz/graphql",
	}
	for in, want := range ok {
		cfg := base
		cfg.APIEndpoint = in
		c, err := New(cfg)
		if err != nil {
			t.Errorf("New(%q): %v", in, err)
			continue
		}
		if c.Endpoint() != want {
			t.Errorf("endpoint %q normalised to %q, want %q", in, c.Endpoint(), want)
		}
	}
	bad := []string{"", "http://api.us17.app.wiz.io/graphql", "ftp://api.us17.app.wiz.io", "https://user:pw@api.us17.app.wiz.io", "https://api.us17.app.wiz.io/graphql?x=1", "http://10.0.0.1/graphql"}
	for _, in := range bad {
		cfg := base
		cfg.APIEndpoint = in
		_, err := New(cfg)
		e := mustKind(t, err, KindConfig)
		if !strings.Contains(e.Message, "API endpoint") {
			t.Errorf("error for %q does not name the setting: %v", in, err)
		}
	}
	cfg := base
	cfg.APIEndpoint = "https://api.us17.app.wiz.io"
	cfg.AuthURL = "https://auth.app.wiz.io"
	c, err := New(cfg)
	if err != nil || c.AuthURL() != "https://auth.app.wiz.io/oauth/token" {
		t.Errorf("auth URL without path: %v %v", c, err)
	}
	cfg.ClientSecret = ""
	if _, err := New(cfg); !strings.Contains(err.Error(), "client secret") {
		t.Errorf("empty secret: %v", err)
	}
}

func TestTokenRequestForm(t *testing.T) {
	type seen struct {
		ct, accept string
		form       map[string]string
	}
	var got seen
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		got = seen{ct: r.Header.Get("Content-Type"), accept: r.Header.Get("Accept"), form: map[string]string{}}
		for k := range r.PostForm {
			got.form[k] = r.PostForm.Get(k)
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"access_token":"not-a-jwt","token_type":"Bearer"}`))
	}))
	defer srv.Close()
	c, err := New(Config{APIEndpoint: srv.URL, AuthURL: srv.URL + "/oauth/token", ClientID: "cid", ClientSecret: "csecret", Audience: "beyond-api"})
	if err != nil {
		t.Fatal(err)
	}
	info, err := c.TokenInfo(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	if got.ct != "application/x-www-form-urlencoded" || got.accept != "application/json" {
		t.Errorf("headers: content-type %q accept %q", got.ct, got.accept)
	}
	want := map[string]string{"grant_type": "client_credentials", "client_id": "cid", "client_secret": "csecret", "audience": "beyond-api"}
	if len(got.form) != len(want) {
		t.Errorf("form fields %v, want %v", got.form, want)
	}
	for k, v := range want {
		if got.form[k] != v {
			t.Errorf("form %s = %q, want %q", k, got.form[k], v)
		}
	}
	if info.DC != "" {
		t.Errorf("dc of a non-JWT token = %q", info.DC)
	}
	// expires_in missing → one hour.
	if d := time.Until(info.ExpiresAt); d < 59*time.Minute || d > 61*time.Minute {
		t.Errorf("expiry without expires_in is %v away, want about 1h", d)
	}
}

func TestTokenWithoutAccessTokenFails(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"message":"echo ` + testSecret + `"}`))
	}))
	defer srv.Close()
	c, _ := New(Config{APIEndpoint: srv.URL, AuthURL: srv.URL, ClientID: "cid", ClientSecret: testSecret})
	_, err := c.Token(testCtx(t))
	mustKind(t, err, KindProtocol)
	noSecrets(t, err.Error(), HintOf(err))
}

func TestTokenFromStandInCarriesDC(t *testing.T) {
	c, s := newPair(t, wiztest.Options{DC: "eu3", TokenTTL: 2 * time.Hour}, nil)
	info, err := c.TokenInfo(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	if info.DC != "eu3" {
		t.Errorf("dc = %q, want eu3", info.DC)
	}
	if d := time.Until(info.ExpiresAt); d < 119*time.Minute || d > 121*time.Minute {
		t.Errorf("expires in %v, want ~2h", d)
	}
	if s.TokensIssued() != 1 {
		t.Errorf("tokens issued %d", s.TokensIssued())
	}
	// The documented fixture's payload names us17.
	fixture := "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6ImZpeHR1cmUta2V5LTEifQ.eyJzdWIiOiJmaXh0dXJlc2VydmljZWFjY291bnQwMDAxIiwiZGMiOiJ1czE3IiwiaXNzIjoiaHR0cHM6Ly9hdXRoLmFwcC53aXouaW8iLCJhdWQiOiJ3aXotYXBpIiwiaWF0IjoxNzY3MjI1NjAwLCJleHAiOjE3NjczMTIwMDB9.ZmFrZS1zaWduYXR1cmUtZm9yLXRlc3RzLW9ubHk"
	if dc := jwtDC(fixture); dc != "us17" {
		t.Errorf("fixture dc = %q", dc)
	}
}

func TestTokenIsCachedAndShared(t *testing.T) {
	c, s := newPair(t, wiztest.Options{}, nil)
	ctx := testCtx(t)
	// Slow token endpoint so concurrent callers overlap.
	s.Inject(wiztest.Fault{Op: "token", Delay: 100 * time.Millisecond})
	var wg sync.WaitGroup
	toks := make([]string, 8)
	for i := range toks {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			tok, err := c.Token(ctx)
			if err != nil {
				t.Error(err)
			}
			toks[i] = tok
		}(i)
	}
	wg.Wait()
	if _, err := c.Token(ctx); err != nil {
		t.Fatal(err)
	}
	if n := s.TokensIssued(); n != 1 {
		t.Errorf("tokens issued = %d, want 1", n)
	}
	for _, tok := range toks[1:] {
		if tok != toks[0] {
			t.Error("concurrent callers got different tokens")
		}
	}
}

func TestTokenRenewedBeforeExpiry(t *testing.T) {
	c, s := newPair(t, wiztest.Options{TokenTTL: time.Hour}, nil)
	ctx := testCtx(t)
	first, err := c.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	base := time.Now()
	c.now = func() time.Time { return base.Add(58 * time.Minute) } // 2 min left: outside the 60 s margin
	if tok, _ := c.Token(ctx); tok != first || s.TokensIssued() != 1 {
		t.Fatalf("token renewed too early (issued %d)", s.TokensIssued())
	}
	c.now = func() time.Time { return base.Add(59*time.Minute + 30*time.Second) } // within the margin
	second, err := c.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if second == first || s.TokensIssued() != 2 {
		t.Errorf("token not renewed inside the margin (issued %d)", s.TokensIssued())
	}
}

func TestShortTokenMarginIsTenPercent(t *testing.T) {
	c, s := newPair(t, wiztest.Options{TokenTTL: 10 * time.Second}, nil)
	ctx := testCtx(t)
	if _, err := c.Token(ctx); err != nil {
		t.Fatal(err)
	}
	base := time.Now()
	c.now = func() time.Time { return base.Add(8500 * time.Millisecond) } // 1.5 s left > 1 s margin
	_, _ = c.Token(ctx)
	if s.TokensIssued() != 1 {
		t.Fatalf("renewed with 1.5 s left of 10 s (issued %d)", s.TokensIssued())
	}
	c.now = func() time.Time { return base.Add(9500 * time.Millisecond) }
	_, _ = c.Token(ctx)
	if s.TokensIssued() != 2 {
		t.Errorf("not renewed with 0.5 s left (issued %d)", s.TokensIssued())
	}
}

func TestBadCredentials(t *testing.T) {
	c, s := newPair(t, wiztest.Options{}, func(cfg *Config) { cfg.ClientSecret = testSecret + "-wrong" })
	_, err := c.Token(testCtx(t))
	e := mustKind(t, err, KindBadCredentials)
	if e.HTTPStatus != 401 || !strings.Contains(e.Hint, "Service Accounts") {
		t.Errorf("error %+v", e)
	}
	noSecrets(t, err.Error(), e.Hint)
	if n := s.RequestCount("token"); n != 1 {
		t.Errorf("bad credentials retried: %d token requests", n)
	}

	// An identity provider that reflects the request must not leak it.
	s.Inject(wiztest.Fault{Op: "token", Status: 401, Body: `{"error":"invalid_client","request":"client_secret=` + testSecret + `"}`})
	_, err = c.Token(testCtx(t))
	mustKind(t, err, KindBadCredentials)
	noSecrets(t, err.Error(), HintOf(err))
}

func TestWrongAudienceIsRejected(t *testing.T) {
	c, _ := newPair(t, wiztest.Options{}, func(cfg *Config) { cfg.Audience = "beyond-api" })
	_, err := c.Token(testCtx(t))
	e := mustKind(t, err, KindBadCredentials)
	if e.HTTPStatus != 400 || !strings.Contains(e.Hint, "beyond-api") {
		t.Errorf("error %+v", e)
	}
}

func TestTokenServerErrorsRetried(t *testing.T) {
	c, s := newPair(t, wiztest.Options{}, nil)
	s.Inject(wiztest.Fault{Op: "token", Status: 503, Times: 2})
	if _, err := c.Token(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	if n := s.RequestCount("token"); n != 3 {
		t.Errorf("token requests = %d, want 3", n)
	}
}

func TestTokenCancelReturnsPromptly(t *testing.T) {
	c, s := newPair(t, wiztest.Options{}, nil)
	s.Inject(wiztest.Fault{Op: "token", Delay: time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.Token(ctx)
	mustKind(t, err, KindCanceled)
	if time.Since(start) > 500*time.Millisecond {
		t.Errorf("Token took %v after cancel", time.Since(start))
	}
}

func TestTokenRetriesAreNotMultiplied(t *testing.T) {
	c, s := newPair(t, wiztest.Options{}, func(cfg *Config) { cfg.MaxRetries = 2 })
	s.Inject(wiztest.Fault{Op: "token", Status: 500, Times: 100})
	_, err := c.RequestUpload(testCtx(t), "a.json")
	mustKind(t, err, KindServer)
	if n := s.RequestCount("token"); n != 3 {
		t.Errorf("token requests = %d, want 3", n)
	}
	if n := s.RequestCount("upload-request"); n != 0 {
		t.Errorf("GraphQL called without a token: %d", n)
	}
}

func TestExpiresIn(t *testing.T) {
	cases := map[string]time.Duration{``: time.Hour, `null`: time.Hour, `900`: 900 * time.Second, `"86400"`: 24 * time.Hour, `0`: time.Hour, `-5`: time.Hour, `"soon"`: time.Hour, `1.5`: 1500 * time.Millisecond}
	for in, want := range cases {
		if got := expiresIn([]byte(in)); got != want {
			t.Errorf("expiresIn(%s) = %v, want %v", in, got, want)
		}
	}
}
