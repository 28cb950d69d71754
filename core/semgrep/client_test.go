package semgrep

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/semgrep-wiz/semgrep-wiz/core/finding"
	"github.com/semgrep-wiz/semgrep-wiz/core/semgrep/semgreptest"
)

var testNow = time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)

// secretToken is what every test client uses; no error may contain it.
const secretToken = "sgp_SECRET-do-not-print-4f9a"

// note fails the test when an error the client returned contains the
// token or more than one line. Every test passes its errors through it.
func note(t *testing.T, err error) error {
	t.Helper()
	if err == nil {
		return nil
	}
	for _, m := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
		if strings.Contains(m, secretToken) || strings.Contains(m, "SECRET") {
			t.Errorf("token leaked: %s", m)
		}
	}
	if strings.ContainsAny(err.Error(), "\n\r") {
		t.Errorf("multi-line error: %q", err.Error())
	}
	return err
}

func demo(t *testing.T, opts ...semgreptest.Option) (*semgreptest.Server, *Client) {
	t.Helper()
	ds := semgreptest.DemoDataset(testNow)
	ds.Token = secretToken
	return serve(t, ds, opts...)
}

func serve(t *testing.T, ds *semgreptest.Dataset, opts ...semgreptest.Option) (*semgreptest.Server, *Client) {
	t.Helper()
	s := semgreptest.NewServer(ds, opts...)
	t.Cleanup(s.Close)
	c := New(Options{BaseURL: s.URL + "/", Token: ds.Token, UserAgent: "semgrep-wiz-test/1", RetryBase: time.Millisecond})
	return s, c
}

func kindOf(err error) ErrorKind {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Kind
	}
	return KindUnknown
}

func pages(reqs []semgreptest.Request) []string {
	var out []string
	for _, r := range reqs {
		out = append(out, r.Query.Get("page"))
	}
	return out
}

func TestDeployments(t *testing.T) {
	s, c := demo(t)
	ctx := context.Background()
	ds, err := c.Deployments(ctx)
	if note(t, err) != nil || len(ds) != 1 || ds[0] != (Deployment{ID: 4242, Slug: "acme-corp", Name: "Acme Corp"}) {
		t.Fatalf("Deployments = %+v, %v", ds, err)
	}
	for _, slug := range []string{"", "acme-corp", "ACME-Corp"} {
		d, err := c.Deployment(ctx, slug)
		if note(t, err) != nil || d.Slug != "acme-corp" {
			t.Errorf("Deployment(%q) = %+v, %v", slug, d, err)
		}
	}
	_, err = c.Deployment(ctx, "acme")
	note(t, err)
	if err == nil || !strings.Contains(err.Error(), `"acme"`) || !strings.Contains(err.Error(), "acme-corp") || kindOf(err) != KindNotFound {
		t.Errorf("unknown slug: %v", err)
	}
	r := s.Requests()[0]
	if !r.Authorization || r.UserAgent != "semgrep-wiz-test/1" || r.Path != "/api/v1/deployments" || r.Method != http.MethodGet {
		t.Errorf("request %+v", r)
	}
	if _, err := pickDeployment([]Deployment{{Slug: "a"}, {Slug: "b"}}, ""); err == nil || !strings.Contains(err.Error(), "a, b") {
		t.Errorf("several deployments, no slug: %v", err)
	}
	if _, err := pickDeployment(nil, "a"); err == nil || !strings.Contains(err.Error(), "no deployment") {
		t.Errorf("no deployments: %v", err)
	}
}

func TestProjectsPaging(t *testing.T) {
	ds := semgreptest.GenerateDataset(7, 250, 500, testNow)
	ds.Token = secretToken
	s, c := serve(t, ds)
	ps, err := c.Projects(context.Background(), "scale-org")
	if note(t, err) != nil || len(ps) != 250 {
		t.Fatalf("%d projects, %v", len(ps), err)
	}
	if got := pages(s.RequestsFor(semgreptest.OpProjects)); !slices.Equal(got, []string{"0", "1", "2"}) {
		t.Errorf("pages requested %v", got)
	}
	if q := s.RequestsFor(semgreptest.OpProjects)[0].Query; q.Get("page_size") != "100" {
		t.Errorf("query %v", q)
	}
	if ps[0].Name != "scale-org/service-0000" || ps[0].DefaultBranch != "refs/heads/main" || ps[0].LatestScanAt.IsZero() {
		t.Errorf("project %+v", ps[0])
	}
}

func TestProjectsDemo(t *testing.T) {
	_, c := demo(t)
	ps, err := c.Projects(context.Background(), "acme-corp")
	if note(t, err) != nil {
		t.Fatal(err)
	}
	names := map[string]Project{}
	for _, p := range ps {
		names[p.Name] = p
	}
	if len(ps) != 8 || names["acme/old-reporting"].ID != 0 {
		t.Errorf("archived project listed or count wrong: %d", len(ps))
	}
	mb := names["acme/mobile-backend"]
	if mb.DefaultBranch != "refs/heads/develop" || mb.PrimaryBranch != "refs/heads/main" || !slices.Equal(mb.Tags, []string{"team:mobile"}) {
		t.Errorf("mobile-backend %+v", mb)
	}
}

func TestProjectsServerIgnoresPage(t *testing.T) {
	ds := semgreptest.GenerateDataset(3, 150, 0, testNow)
	ds.Token = secretToken
	s, c := serve(t, ds)
	// Capture page 0, then serve it for every page.
	req, _ := http.NewRequest("GET", s.URL+"/deployments/scale-org/projects?page=0&page_size=100", nil)
	req.Header.Set("Authorization", "Bearer "+secretToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var body strings.Builder
	_, _ = fmt.Fprint(&body, mustRead(t, resp))
	s.Inject(semgreptest.Fault{Op: semgreptest.OpProjects, Body: body.String()})
	s.ResetRequests()
	ps, err := c.Projects(context.Background(), "scale-org")
	if note(t, err) != nil || len(ps) != 100 || len(s.Requests()) != 2 {
		t.Errorf("%d projects after %d requests, %v", len(ps), len(s.Requests()), err)
	}
}

func mustRead(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return b.String()
}

// expected counts findings of the demo dataset the way the server filters.
func expected(ds *semgreptest.Dataset, repo, status string, sevs ...string) int {
	n := 0
	for _, p := range ds.Projects {
		if repo != "" && p.Name != repo {
			continue
		}
		for _, f := range p.Findings {
			if f.IssueType() == "sast" && (status == "" || f.EffectiveStatus() == status) && (len(sevs) == 0 || slices.Contains(sevs, f.Severity)) {
				n++
			}
		}
	}
	return n
}

func collect(t *testing.T, c *Client, slug string, q FindingsQuery) ([]finding.Finding, error) {
	t.Helper()
	var all []finding.Finding
	err := c.Findings(context.Background(), slug, q, func(page []finding.Finding) error {
		all = append(all, page...)
		return nil
	})
	return all, note(t, err)
}

func TestFindingsPaging(t *testing.T) {
	s, c := demo(t)
	ds := semgreptest.DemoDataset(testNow)
	want := expected(ds, "acme/payments-api", "")
	fs, err := collect(t, c, "acme-corp", FindingsQuery{Repos: []string{"acme/payments-api"}, Status: "any", PageSize: 100})
	if err != nil || len(fs) != want {
		t.Fatalf("%d findings, want %d, %v", len(fs), want, err)
	}
	reqs := s.RequestsFor(semgreptest.OpFindings)
	wantPages := []string{}
	for i := 0; i <= want/100; i++ {
		wantPages = append(wantPages, fmt.Sprint(i))
	}
	if got := pages(reqs); !slices.Equal(got, wantPages) {
		t.Errorf("pages requested %v, want %v", got, wantPages)
	}
	q := reqs[0].Query
	if q.Get("issue_type") != "sast" || q.Has("status") || q.Get("page_size") != "100" || !slices.Equal(q["repos"], []string{"acme/payments-api"}) {
		t.Errorf("query %v", q)
	}
	ids := map[string]bool{}
	for _, f := range fs {
		if f.Repo.Name != "acme/payments-api" || f.Repo.Deployment != "acme-corp" || !strings.HasPrefix(f.Link, strings.TrimSuffix(s.URL, "/api/v1")+"/orgs/acme-corp/findings/") {
			t.Fatalf("finding %+v", f)
		}
		if ids[f.PlatformID] {
			t.Fatalf("duplicate %s", f.PlatformID)
		}
		ids[f.PlatformID] = true
	}
}

func TestFindingsFilters(t *testing.T) {
	s, c := demo(t)
	ds := semgreptest.DemoDataset(testNow)

	// Defaults: status open, page size 3000, repeated keys for arrays.
	fs, err := collect(t, c, "acme-corp", FindingsQuery{Repos: []string{"acme/web-frontend", "acme/legacy-billing"}, Severities: []string{"High", "critical"}})
	want := expected(ds, "acme/web-frontend", "open", "high", "critical") + expected(ds, "acme/legacy-billing", "open", "high", "critical")
	if err != nil || len(fs) != want || want == 0 {
		t.Errorf("%d findings, want %d, %v", len(fs), want, err)
	}
	q := s.RequestsFor(semgreptest.OpFindings)[0].Query
	if q.Get("status") != "open" || q.Get("page_size") != "3000" || len(q["repos"]) != 2 || !slices.Equal(q["severities"], []string{"high", "critical"}) {
		t.Errorf("query %v", q)
	}
	for _, f := range fs {
		if f.Status != "open" || (f.Severity != finding.SeverityHigh && f.Severity != finding.SeverityCritical) {
			t.Fatalf("filter leak: %+v", f)
		}
	}

	// The server matches ref exactly: normalisation is our job.
	short, _ := collect(t, c, "acme-corp", FindingsQuery{Repos: []string{"acme/payments-api"}, Ref: "main"})
	full, _ := collect(t, c, "acme-corp", FindingsQuery{Repos: []string{"acme/payments-api"}, Ref: "refs/heads/main"})
	if len(short) != 0 || len(full) == 0 {
		t.Errorf("ref main: %d, refs/heads/main: %d", len(short), len(full))
	}
	for _, f := range full {
		if f.Branch != "main" || f.Ref != "refs/heads/main" {
			t.Fatalf("branch %q ref %q", f.Branch, f.Ref)
		}
	}

	// Page size is clamped to [100, 3000].
	s.ResetRequests()
	_, _ = collect(t, c, "acme-corp", FindingsQuery{Repos: []string{"acme/docs-site"}, PageSize: 5})
	_, _ = collect(t, c, "acme-corp", FindingsQuery{Repos: []string{"acme/docs-site"}, PageSize: 50000, Dedup: true, Since: testNow.Add(-time.Hour)})
	reqs := s.RequestsFor(semgreptest.OpFindings)
	if reqs[0].Query.Get("page_size") != "100" || reqs[1].Query.Get("page_size") != "3000" || reqs[1].Query.Get("dedup") != "true" || reqs[1].Query.Get("since") == "" {
		t.Errorf("clamping/dedup/since: %v / %v", reqs[0].Query, reqs[1].Query)
	}

	// Supply Chain findings only come with issue_type=sca.
	sca, err := collect(t, c, "acme-corp", FindingsQuery{IssueType: "sca", Status: "any"})
	if err != nil || len(sca) == 0 {
		t.Fatalf("sca: %d, %v", len(sca), err)
	}
	for _, f := range sca {
		if f.Product != finding.ProductSCA {
			t.Fatalf("sca finding mapped as %q", f.Product)
		}
	}
}

func TestFindingsServerIgnoresPage(t *testing.T) {
	s, c := demo(t)
	var items []semgreptest.Finding
	for _, p := range semgreptest.DemoDataset(testNow).Projects {
		items = append(items, p.Findings...)
	}
	b, _ := json.Marshal(map[string]any{"findings": items[:100]})
	s.Inject(semgreptest.Fault{Op: semgreptest.OpFindings, Body: string(b)})
	fs, err := collect(t, c, "acme-corp", FindingsQuery{PageSize: 100})
	if err != nil || len(fs) != 100 || len(s.RequestsFor(semgreptest.OpFindings)) != 2 {
		t.Errorf("%d findings after %d requests, %v", len(fs), len(s.RequestsFor(semgreptest.OpFindings)), err)
	}
}

func TestFindingsCallbackError(t *testing.T) {
	_, c := demo(t)
	stop := errors.New("stop here")
	calls := 0
	err := c.Findings(context.Background(), "acme-corp", FindingsQuery{PageSize: 100}, func([]finding.Finding) error {
		calls++
		return stop
	})
	if !errors.Is(err, stop) || calls != 1 {
		t.Errorf("err %v after %d calls", err, calls)
	}
}

func TestAPISamplesThroughClient(t *testing.T) {
	data, err := os.ReadFile(sample(t, "api-v1-findings--sast-real-capture--openctx.json"))
	if err != nil {
		t.Fatal(err)
	}
	s, c := demo(t)
	s.Inject(semgreptest.Fault{Op: semgreptest.OpFindings, Body: string(data), Times: 1})
	fs, err := collect(t, c, "acme-corp", FindingsQuery{})
	if err != nil || len(fs) != 1 || fs[0].PlatformID != "67557107" || fs[0].Link != strings.TrimSuffix(s.URL, "/api/v1")+"/orgs/acme-corp/findings/67557107" {
		t.Errorf("%+v, %v", fs, err)
	}
}

func TestRetries(t *testing.T) {
	ctx := context.Background()
	t.Run("429 with Retry-After", func(t *testing.T) {
		s, c := demo(t)
		s.Inject(semgreptest.Fault{Op: semgreptest.OpDeployments, Status: 429, RetryAfter: "1", Times: 1})
		start := time.Now()
		_, err := c.Deployments(ctx)
		if note(t, err) != nil || len(s.Requests()) != 2 {
			t.Fatalf("%v after %d requests", err, len(s.Requests()))
		}
		if el := time.Since(start); el < 900*time.Millisecond {
			t.Errorf("Retry-After: 1 not honoured, retried after %v", el)
		}
	})
	t.Run("503 twice", func(t *testing.T) {
		s, c := demo(t)
		s.Inject(semgreptest.Fault{Op: semgreptest.OpFindings, Status: 503, Times: 2})
		fs, err := collect(t, c, "acme-corp", FindingsQuery{Repos: []string{"acme/inventory-service"}})
		if err != nil || len(fs) == 0 || len(s.RequestsFor(semgreptest.OpFindings)) != 3 {
			t.Errorf("%d findings after %d requests, %v", len(fs), len(s.Requests()), err)
		}
	})
	for _, st := range []int{500, 502, 504} {
		t.Run(fmt.Sprint(st), func(t *testing.T) {
			s, c := demo(t)
			s.Inject(semgreptest.Fault{Op: semgreptest.OpDeployments, Status: st, Times: 1})
			if _, err := c.Deployments(ctx); note(t, err) != nil || len(s.Requests()) != 2 {
				t.Errorf("%v after %d requests", err, len(s.Requests()))
			}
		})
	}
	t.Run("storm gives up", func(t *testing.T) {
		s, _ := demo(t)
		c := New(Options{BaseURL: s.URL, Token: secretToken, MaxRetries: 2, RetryBase: time.Millisecond})
		s.Inject(semgreptest.Fault{Op: semgreptest.OpDeployments, Status: 503})
		_, err := c.Deployments(ctx)
		note(t, err)
		if kindOf(err) != KindServer || len(s.Requests()) != 3 || !strings.Contains(err.Error(), "gave up after 3 attempts") || !strings.Contains(err.Error(), "HTTP 503") {
			t.Errorf("%v after %d requests", err, len(s.Requests()))
		}
		if Hint(err) == "" {
			t.Error("no hint")
		}
	})
	t.Run("501 not retried", func(t *testing.T) {
		s, c := demo(t)
		s.Inject(semgreptest.Fault{Op: semgreptest.OpDeployments, Status: 501})
		_, err := c.Deployments(ctx)
		if kindOf(note(t, err)) != KindServer || len(s.Requests()) != 1 {
			t.Errorf("%v after %d requests", err, len(s.Requests()))
		}
	})
	t.Run("connection reset", func(t *testing.T) {
		s, c := demo(t)
		s.Inject(semgreptest.Fault{Op: semgreptest.OpProjects, Reset: true, Times: 1})
		ps, err := c.Projects(ctx, "acme-corp")
		if note(t, err) != nil || len(ps) != 8 || len(s.Requests()) != 2 {
			t.Errorf("%d projects after %d requests, %v", len(ps), len(s.Requests()), err)
		}
	})
	t.Run("truncated body", func(t *testing.T) {
		s, c := demo(t)
		s.Inject(semgreptest.Fault{Op: semgreptest.OpFindings, Truncate: true, Times: 2})
		fs, err := collect(t, c, "acme-corp", FindingsQuery{Repos: []string{"acme/inventory-service"}})
		if err != nil || len(fs) == 0 || len(s.Requests()) != 3 {
			t.Errorf("%d findings after %d requests, %v", len(fs), len(s.Requests()), err)
		}
	})
	t.Run("truncated for good", func(t *testing.T) {
		s, _ := demo(t)
		c := New(Options{BaseURL: s.URL, Token: secretToken, MaxRetries: 1, RetryBase: time.Millisecond})
		s.Inject(semgreptest.Fault{Op: semgreptest.OpDeployments, Truncate: true})
		_, err := c.Deployments(ctx)
		if kindOf(note(t, err)) != KindTransport || len(s.Requests()) != 2 {
			t.Errorf("%v after %d requests", err, len(s.Requests()))
		}
	})
	t.Run("connection refused", func(t *testing.T) {
		s, _ := demo(t)
		url := s.URL
		s.Close()
		c := New(Options{BaseURL: url, Token: secretToken, MaxRetries: 1, RetryBase: time.Millisecond})
		_, err := c.Deployments(ctx)
		if kindOf(note(t, err)) != KindTransport || !strings.Contains(err.Error(), "127.0.0.1") {
			t.Errorf("%v", err)
		}
	})
}

func TestErrorClassification(t *testing.T) {
	ctx := context.Background()
	t.Run("401", func(t *testing.T) {
		s, _ := demo(t)
		c := New(Options{BaseURL: s.URL, Token: "wrong-" + secretToken, RetryBase: time.Millisecond})
		_, err := c.Deployments(ctx)
		note(t, err)
		var ae *APIError
		if !errors.As(err, &ae) || ae.Kind != KindUnauthorized || ae.Status != 401 || ae.Op != "listing deployments" || len(s.Requests()) != 1 {
			t.Fatalf("%#v after %d requests", err, len(s.Requests()))
		}
		if !strings.Contains(err.Error(), "Settings → Tokens") || !strings.Contains(Hint(err), "Web API") {
			t.Errorf("message %q hint %q", err, Hint(err))
		}
	})
	t.Run("no token", func(t *testing.T) {
		s, _ := demo(t)
		c := New(Options{BaseURL: s.URL})
		_, err := c.Deployments(ctx)
		if kindOf(note(t, err)) != KindUnauthorized || s.Requests()[0].Authorization {
			t.Errorf("%v", err)
		}
	})
	t.Run("404 token without Web API scope", func(t *testing.T) {
		s, _ := demo(t)
		c := New(Options{BaseURL: s.URL, Token: semgreptest.DemoNoScopeToken, RetryBase: time.Millisecond})
		_, err := c.Deployments(ctx)
		note(t, err)
		if kindOf(err) != KindNotFound || len(s.Requests()) != 1 || !strings.Contains(err.Error(), "lacks the Web API scope") || !strings.Contains(Hint(err), "Web API") {
			t.Errorf("%v / %s", err, Hint(err))
		}
	})
	t.Run("404 unknown slug", func(t *testing.T) {
		_, c := demo(t)
		_, err := c.Projects(ctx, "not-ours")
		if kindOf(note(t, err)) != KindNotFound {
			t.Errorf("%v", err)
		}
		err = c.Findings(ctx, "not-ours", FindingsQuery{}, func([]finding.Finding) error { return nil })
		if kindOf(note(t, err)) != KindNotFound {
			t.Errorf("%v", err)
		}
	})
	t.Run("HTML page", func(t *testing.T) {
		s, c := demo(t)
		s.Inject(semgreptest.Fault{Op: semgreptest.OpDeployments, Body: "<html><body>Sign in to corporate proxy</body></html>"})
		_, err := c.Deployments(ctx)
		note(t, err)
		if kindOf(err) != KindBadResponse || len(s.Requests()) != 1 || !strings.Contains(err.Error(), "HTML") || strings.Contains(err.Error(), "corporate") {
			t.Errorf("%v after %d requests", err, len(s.Requests()))
		}
		if !strings.Contains(err.Error(), `"deployments" array`) || !strings.Contains(err.Error(), "text/html") {
			t.Errorf("does not say what was expected: %v", err)
		}
	})
	t.Run("malformed JSON", func(t *testing.T) {
		s, c := demo(t)
		s.Inject(semgreptest.Fault{Op: semgreptest.OpFindings, Body: `{"findings": [}, secret-ish garbage`})
		_, err := collect(t, c, "acme-corp", FindingsQuery{})
		if kindOf(err) != KindBadResponse || len(s.Requests()) != 1 || strings.Contains(err.Error(), "garbage") {
			t.Errorf("%v", err)
		}
	})
	t.Run("HTML error status", func(t *testing.T) {
		s, c := demo(t)
		s.Inject(semgreptest.Fault{Op: semgreptest.OpDeployments, Status: 502, Body: "<html>Bad gateway " + secretToken + "</html>"})
		_, err := c.Deployments(ctx)
		if kindOf(note(t, err)) != KindServer || strings.Contains(err.Error(), "Bad gateway") {
			t.Errorf("%v", err)
		}
	})
	t.Run("400 with reflected token", func(t *testing.T) {
		s, c := demo(t)
		s.Inject(semgreptest.Fault{Op: semgreptest.OpDeployments, Status: 400, Body: `{"error": "token ` + secretToken + ` is malformed"}`})
		_, err := c.Deployments(ctx)
		note(t, err)
		if kindOf(err) != KindRequest || !strings.Contains(err.Error(), "[redacted] is malformed") {
			t.Errorf("%v", err)
		}
	})
	t.Run("wrong types", func(t *testing.T) {
		s, c := demo(t)
		s.Inject(semgreptest.Fault{Op: semgreptest.OpDeployments, Body: `{"deployments": [{"id": {"x": 1}, "slug": "a"}]}`})
		_, err := c.Deployments(ctx)
		if kindOf(note(t, err)) != KindBadResponse {
			t.Errorf("%v", err)
		}
		s.ClearFaults()
		s.Inject(semgreptest.Fault{Op: semgreptest.OpDeployments, Body: `{"deployments": [{"id": "42", "slug": "a", "name": "A"}]}`})
		ds, err := c.Deployments(ctx)
		if note(t, err) != nil || ds[0].ID != 42 {
			t.Errorf("id as string: %+v %v", ds, err)
		}
	})
}

func TestContextCancel(t *testing.T) {
	t.Run("during a slow response", func(t *testing.T) {
		s, c := demo(t)
		s.Inject(semgreptest.Fault{Op: semgreptest.OpDeployments, Delay: 10 * time.Second})
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(100*time.Millisecond, cancel)
		start := time.Now()
		_, err := c.Deployments(ctx)
		note(t, err)
		if !errors.Is(err, context.Canceled) || time.Since(start) > 2*time.Second {
			t.Errorf("%v after %v", err, time.Since(start))
		}
	})
	t.Run("during back-off", func(t *testing.T) {
		s, _ := demo(t)
		c := New(Options{BaseURL: s.URL, Token: secretToken, RetryBase: 20 * time.Second})
		s.Inject(semgreptest.Fault{Op: semgreptest.OpFindings, Status: 503, RetryAfter: "30"})
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(100*time.Millisecond, cancel)
		start := time.Now()
		err := c.Findings(ctx, "acme-corp", FindingsQuery{}, func([]finding.Finding) error { return nil })
		note(t, err)
		if !errors.Is(err, context.Canceled) || time.Since(start) > 2*time.Second || len(s.Requests()) != 1 {
			t.Errorf("%v after %v and %d requests", err, time.Since(start), len(s.Requests()))
		}
	})
	t.Run("already cancelled", func(t *testing.T) {
		s, c := demo(t)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := c.Deployments(ctx); !errors.Is(note(t, err), context.Canceled) || len(s.Requests()) != 0 {
			t.Errorf("%v", err)
		}
	})
}

func TestSearchScans(t *testing.T) {
	ds := semgreptest.GenerateDataset(11, 60, 600, testNow)
	ds.Token = secretToken
	s, c := serve(t, ds)
	ctx := context.Background()
	all, err := c.SearchScans(ctx, ds.Deployment.ID, ScanQuery{})
	if note(t, err) != nil {
		t.Fatal(err)
	}
	inWindow := 0
	for _, p := range ds.Projects {
		for _, sc := range p.Scans {
			if !sc.StartedAt.Before(testNow.Add(-30 * 24 * time.Hour)) {
				inWindow++
			}
		}
	}
	if len(all) != inWindow || inWindow <= scansLimit {
		t.Fatalf("%d scans, want %d (> %d, to need a second page)", len(all), inWindow, scansLimit)
	}
	reqs := s.RequestsFor(semgreptest.OpScans)
	var first, second map[string]any
	_ = json.Unmarshal(reqs[0].Body, &first)
	_ = json.Unmarshal(reqs[1].Body, &second)
	if len(reqs) != 2 || first["limit"] != float64(500) || first["cursor"] != nil || second["cursor"] == nil || reqs[0].Method != http.MethodPost {
		t.Errorf("cursor paging: %d requests, %v then %v", len(reqs), first, second)
	}
	for _, sc := range all {
		if sc.StartedAt.Before(testNow.Add(-30*24*time.Hour)) || sc.ID == 0 || sc.RepositoryID == 0 || sc.Commit == "" {
			t.Fatalf("scan %+v", sc)
		}
	}

	yes := true
	p := ds.Projects[3]
	s.ResetRequests()
	full, err := c.SearchScans(ctx, ds.Deployment.ID, ScanQuery{RepositoryID: p.ID, IsFullScan: &yes, Branch: "refs/heads/main",
		Since: testNow.Add(-20 * 24 * time.Hour), Statuses: []string{"completed"}})
	if note(t, err) != nil || len(full) == 0 {
		t.Fatalf("%d, %v", len(full), err)
	}
	for _, sc := range full {
		if !sc.IsFullScan || sc.RepositoryID != p.ID || sc.Status != ScanStatusCompleted || sc.Branch != "refs/heads/main" || sc.StartedAt.Before(testNow.Add(-20*24*time.Hour)) {
			t.Fatalf("filter leak %+v", sc)
		}
	}
	var body map[string]any
	_ = json.Unmarshal(s.Requests()[0].Body, &body)
	if fmt.Sprint(body["statuses"]) != "[SCAN_STATUS_COMPLETED]" || body["is_full_scan"] != true || body["repository_id"] != float64(p.ID) {
		t.Errorf("body %v", body)
	}
	if _, err := c.SearchScans(ctx, 1, ScanQuery{}); kindOf(note(t, err)) != KindNotFound {
		t.Errorf("wrong deployment id: %v", err)
	}
}

func TestCheck(t *testing.T) {
	ctx := context.Background()
	s, c := demo(t)
	res := c.Check(ctx, "acme-corp")
	if len(res) != 2 || !res[0].OK || !res[1].OK || !strings.Contains(res[1].Detail, "Acme Corp") || res[0].Name != CheckToken || res[1].Name != CheckDeployment {
		t.Errorf("good: %+v", res)
	}
	res = c.Check(ctx, "acme")
	if !res[0].OK || res[1].OK || !strings.Contains(res[1].Detail, `"acme"`) || !strings.Contains(res[1].Hint, "acme-corp") {
		t.Errorf("wrong slug: %+v", res)
	}
	bad := New(Options{BaseURL: s.URL, Token: "nope", RetryBase: time.Millisecond})
	res = bad.Check(ctx, "acme-corp")
	if res[0].OK || !res[0].Rejected || !res[1].Skipped || !res[1].NeedsEarlier || !strings.Contains(res[0].Hint, "Settings → Tokens") {
		t.Errorf("bad token: %+v", res)
	}
	noScope := New(Options{BaseURL: s.URL, Token: semgreptest.DemoNoScopeToken})
	res = noScope.Check(ctx, "")
	if res[0].OK || res[0].Rejected || !strings.Contains(res[0].Hint, "Web API ticked") {
		t.Errorf("no scope: %+v", res)
	}
	res = New(Options{BaseURL: s.URL}).Check(ctx, "")
	if res[0].OK || !res[1].Skipped || !res[1].NeedsEarlier || !strings.Contains(res[0].Detail, "no Semgrep token") {
		t.Errorf("empty token: %+v", res)
	}
	for _, r := range res {
		if strings.Contains(r.Detail+r.Hint, secretToken) {
			t.Error("token in check output")
		}
	}
}

// pageBody fetches page 0 of repo's findings straight from the stand-in.
func pageBody(t *testing.T, s *semgreptest.Server, slug, repo string, size int) []byte {
	t.Helper()
	req, err := http.NewRequest("GET", fmt.Sprintf("%s/deployments/%s/findings?page_size=%d&repos=%s", s.URL, slug, size, repo), nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+secretToken)
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body json.RawMessage
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != 200 {
		t.Fatalf("%d, %v", resp.StatusCode, err)
	}
	return body
}

func platformIDs(fs []finding.Finding) []string {
	ids := make([]string, len(fs))
	for i, f := range fs {
		ids[i] = f.PlatformID
	}
	return ids
}

// TestFindingsReadAhead: a repository of 10,000 findings is read in four
// pages of 3000, with pages fetched ahead (several in flight at once) yet
// delivered in order; one of 500 findings costs exactly one request.
func TestFindingsReadAhead(t *testing.T) {
	ds := semgreptest.GenerateDataset(31, 1, 10_000, testNow)
	ds.Token = secretToken
	// The small repository: a copy of the first 500 findings under
	// another name and other ids (generating a second one is slow under
	// -race).
	sp := ds.Projects[0]
	sp.ID, sp.Name = sp.ID+1, sp.Name+"-small"
	sp.Findings = slices.Clone(sp.Findings[:500])
	for i := range sp.Findings {
		sp.Findings[i].ID += 1 << 40
		sp.Findings[i].Repository.Name = sp.Name
	}
	ds.Projects = append(ds.Projects, sp)
	big, small, slug := ds.Projects[0].Name, sp.Name, ds.Deployment.Slug

	// The server's order: newest relevant_since first, then id descending.
	// Both of Semgrep's timestamp forms occur.
	since := func(f semgreptest.Finding) time.Time {
		t, err := time.Parse(time.RFC3339Nano, f.RelevantSince)
		if err != nil {
			t, _ = time.Parse("2006-01-02 15:04:05.999999999-07:00", f.RelevantSince)
		}
		return t
	}
	type key struct {
		since time.Time
		id    int64
	}
	var sorted []key
	for _, f := range ds.Projects[0].Findings {
		sorted = append(sorted, key{since(f), f.ID})
	}
	slices.SortFunc(sorted, func(a, b key) int {
		if c := b.since.Compare(a.since); c != 0 {
			return c
		}
		return int(b.id - a.id)
	})
	var want [][]string
	for i := 0; i < len(sorted); i += 3000 {
		var ids []string
		for _, k := range sorted[i:min(i+3000, len(sorted))] {
			ids = append(ids, fmt.Sprint(k.id))
		}
		want = append(want, ids)
	}
	s, c := serve(t, ds, semgreptest.WithLatency(30*time.Millisecond))

	// Page 2 answers after page 3: delivery still waits for it.
	s.Inject(semgreptest.Fault{Op: semgreptest.OpFindings, Query: map[string][]string{"page": {"2"}}, Delay: 150 * time.Millisecond, Times: 1})
	var got [][]string
	err := c.Findings(context.Background(), slug, FindingsQuery{Repos: []string{big}, Status: "any"}, func(page []finding.Finding) error {
		got = append(got, platformIDs(page))
		return nil
	})
	if note(t, err) != nil || len(got) != 4 {
		t.Fatalf("%d pages delivered, %v", len(got), err)
	}
	for i := range got {
		if len(want[i]) != []int{3000, 3000, 3000, 1000}[i] || !slices.Equal(got[i], want[i]) {
			t.Fatalf("page %d: %d findings delivered, want the server's %d in its order", i, len(got[i]), len(want[i]))
		}
	}
	peak := s.PeakInFlight()
	if peak < 2 || peak > DefaultMaxConcurrency {
		t.Errorf("peak in flight %d: pages were not read ahead", peak)
	}
	// Pages 0-3 once each; at most two more fetched past the end.
	ps := pages(s.RequestsFor(semgreptest.OpFindings))
	slices.Sort(ps)
	if len(ps) < 4 || len(ps) > 6 || !slices.Equal(ps[:4], []string{"0", "1", "2", "3"}) {
		t.Errorf("pages requested %v", ps)
	}
	t.Logf("peak in flight %d; pages requested %v", peak, ps)

	fs, err := collect(t, c, slug, FindingsQuery{Repos: []string{small}, Status: "any"})
	// Cancelled requests of the big walk may still reach the server late:
	// count the small repository's own.
	n := 0
	for _, r := range s.RequestsFor(semgreptest.OpFindings) {
		if r.Query.Get("repos") == small {
			n++
		}
	}
	if err != nil || len(fs) != 500 || n != 1 {
		t.Errorf("small repository: %d findings in %d requests, %v", len(fs), n, err)
	}
}

// TestFindingsReadAheadStops: with pages in flight ahead, the walk still
// stops where the sequential walk would, and delivers nothing after.
func TestFindingsReadAheadStops(t *testing.T) {
	ds := semgreptest.GenerateDataset(32, 1, 3500, testNow)
	ds.Token = secretToken
	repo, slug := ds.Projects[0].Name, ds.Deployment.Slug
	s, c := serve(t, ds)
	// The smallest page size read ahead: pages 0-2 full, 3 short.
	q := FindingsQuery{Repos: []string{repo}, Status: "any", PageSize: readAheadMinPage}
	ctx := context.Background()

	t.Run("error on a page", func(t *testing.T) {
		s.ClearFaults()
		s.Inject(semgreptest.Fault{Op: semgreptest.OpFindings, Query: map[string][]string{"page": {"2"}}, Status: 400})
		var n []int
		err := c.Findings(ctx, slug, q, func(page []finding.Finding) error { n = append(n, len(page)); return nil })
		if kindOf(note(t, err)) != KindRequest || !slices.Equal(n, []int{1000, 1000}) {
			t.Errorf("pages %v delivered, %v", n, err)
		}
	})
	t.Run("callback error", func(t *testing.T) {
		s.ClearFaults()
		stop := errors.New("stop here")
		calls := 0
		err := c.Findings(ctx, slug, q, func([]finding.Finding) error {
			if calls++; calls == 3 {
				return stop
			}
			return nil
		})
		if !errors.Is(err, stop) || calls != 3 {
			t.Errorf("err %v after %d calls", err, calls)
		}
	})
	t.Run("server ignores page", func(t *testing.T) {
		s.ClearFaults()
		// A page size of its own: cancelled requests of the walks above
		// may still reach the server late, and are not counted.
		const size = readAheadMinPage + 100
		body := pageBody(t, s, slug, repo, size)
		s.Inject(semgreptest.Fault{Op: semgreptest.OpFindings, Body: string(body)})
		s.ResetRequests()
		q := q
		q.PageSize = size
		fs, err := collect(t, c, slug, q)
		n := 0
		for _, r := range s.RequestsFor(semgreptest.OpFindings) {
			if r.Query.Get("page_size") == fmt.Sprint(size) {
				n++
			}
		}
		if err != nil || len(fs) != size || n != 2 {
			t.Errorf("%d findings after %d requests, %v", len(fs), n, err)
		}
	})
	s.ClearFaults()
}

// Over every walk of a Client, fewer pages are fetched ahead of their
// delivery than requests can be in flight: three walks each stopped on
// their fourth page hold at most MaxConcurrency pages ahead between them
// (half of it, in fact), where each alone would read up to two pages past
// it.
func TestFindingsReadAheadIsBoundedAcrossWalks(t *testing.T) {
	ds := semgreptest.GenerateDataset(33, 3, 3*9000, testNow)
	ds.Token = secretToken
	s := semgreptest.NewServer(ds)
	t.Cleanup(s.Close)
	const maxConc = 2
	c := New(Options{BaseURL: s.URL, Token: ds.Token, RetryBase: time.Millisecond, MaxConcurrency: maxConc})
	release := make(chan struct{})
	var wg sync.WaitGroup
	var blocked atomic.Int32
	for _, p := range ds.Projects {
		wg.Add(1)
		go func() {
			defer wg.Done()
			q := FindingsQuery{Repos: []string{p.Name}, Status: "any", PageSize: readAheadMinPage}
			n := 0
			_ = c.Findings(context.Background(), ds.Deployment.Slug, q, func([]finding.Finding) error {
				if n++; n == 4 {
					blocked.Add(1)
					<-release
				}
				return nil
			})
		}()
	}
	for blocked.Load() < 3 {
		time.Sleep(5 * time.Millisecond)
	}
	// Let the read-ahead that was allowed finish.
	time.Sleep(200 * time.Millisecond)
	got := len(s.RequestsFor(semgreptest.OpFindings))
	close(release)
	wg.Wait()
	if want := 3*4 + maxConc; got > want {
		t.Errorf("%d pages requested while the walks waited; at most %d (4 each and %d ahead)", got, want, maxConc)
	}
}
