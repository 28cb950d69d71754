package semgreptest

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

var now = time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)

type result struct {
	status int
	header http.Header
	body   []byte
}

func call(t *testing.T, s *Server, method, path, token string, body string) result {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, s.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return result{resp.StatusCode, resp.Header, b}
}

func findingsOf(t *testing.T, r result) []Finding {
	t.Helper()
	if r.status != 200 {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	var v struct {
		Findings []Finding `json:"findings"`
	}
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatal(err)
	}
	return v.Findings
}

func newDemo(t *testing.T) *Server {
	s := NewServer(DemoDataset(now))
	t.Cleanup(s.Close)
	return s
}

func TestAuth(t *testing.T) {
	s := newDemo(t)
	if r := call(t, s, "GET", "/deployments", "", ""); r.status != 401 || !bytes.Contains(r.body, []byte(`"error"`)) {
		t.Errorf("no token: %d %s", r.status, r.body)
	}
	if r := call(t, s, "GET", "/deployments", "wrong", ""); r.status != 401 {
		t.Errorf("wrong token: %d", r.status)
	}
	for _, p := range []string{"/deployments", "/deployments/acme-corp/findings", "/deployments/acme-corp/projects"} {
		r := call(t, s, "GET", p, DemoNoScopeToken, "")
		if r.status != 404 || !bytes.Contains(r.body, []byte("The requested URL was not found on the server")) {
			t.Errorf("no-scope token on %s: %d %s", p, r.status, r.body)
		}
	}
	if r := call(t, s, "GET", "/deployments", DemoToken, ""); r.status != 200 || !bytes.Contains(r.body, []byte(`"slug":"acme-corp"`)) {
		t.Errorf("good token: %d %s", r.status, r.body)
	}
	if r := call(t, s, "GET", "/nothing/here", DemoToken, ""); r.status != 404 {
		t.Errorf("unknown path: %d", r.status)
	}
	if r := call(t, s, "GET", "/deployments/4242/scans/search", DemoToken, ""); r.status != 405 {
		t.Errorf("wrong method: %d", r.status)
	}
	for _, r := range s.Requests() {
		if strings.Contains(string(r.Body)+r.Path+r.Query.Encode(), DemoToken) {
			t.Error("token recorded")
		}
	}
	if reqs := s.Requests(); reqs[0].Authorization || !reqs[1].Authorization || reqs[0].Op != OpDeployments {
		t.Errorf("recorded %+v", reqs[:2])
	}
}

func TestFindingsProtocol(t *testing.T) {
	s := newDemo(t)
	base := "/deployments/acme-corp/findings?"
	for _, q := range []string{"page_size=99", "page_size=3001", "page=-1", "page=x", "status=closed", "status=open&status=fixed",
		"severities=high,critical", "issue_type=secrets", "dedup=maybe", "since=yesterday"} {
		if r := call(t, s, "GET", base+q, DemoToken, ""); r.status != 400 {
			t.Errorf("%s: %d, want 400", q, r.status)
		}
	}
	if r := call(t, s, "GET", "/deployments/other/findings", DemoToken, ""); r.status != 404 {
		t.Errorf("unknown slug: %d", r.status)
	}

	// Default page size is 100; pages from 0; newest relevant_since first.
	p0 := findingsOf(t, call(t, s, "GET", base+"status=open", DemoToken, ""))
	if len(p0) != 100 {
		t.Errorf("default page size: %d", len(p0))
	}
	for i := 1; i < len(p0); i++ {
		if parseStamp(p0[i].RelevantSince).After(parseStamp(p0[i-1].RelevantSince)) {
			t.Fatalf("not sorted at %d", i)
		}
	}
	all := 0
	for page := 0; ; page++ {
		fs := findingsOf(t, call(t, s, "GET", base+"page_size=1000&status=open&page="+strings.Repeat("", 0)+strconv.Itoa(page), DemoToken, ""))
		all += len(fs)
		if len(fs) < 1000 {
			break
		}
	}
	want := 0
	for _, p := range DemoDataset(now).Projects {
		for _, f := range p.Findings {
			if f.EffectiveStatus() == "open" && f.IssueType() == "sast" {
				want++
			}
		}
	}
	if all != want {
		t.Errorf("paged %d open findings, dataset has %d", all, want)
	}

	// repos as repeated keys; ref exact; severities.
	fs := findingsOf(t, call(t, s, "GET", base+"page_size=3000&repos=acme/payments-api&repos=platform/auth-gateway&severities=critical&severities=high", DemoToken, ""))
	seenRepos := map[string]bool{}
	for _, f := range fs {
		seenRepos[f.Repository.Name] = true
		if f.Severity != "critical" && f.Severity != "high" {
			t.Fatalf("severity leak %s", f.Severity)
		}
	}
	if len(seenRepos) != 2 || !seenRepos["acme/payments-api"] || !seenRepos["platform/auth-gateway"] {
		t.Errorf("repos %v", seenRepos)
	}
	short := findingsOf(t, call(t, s, "GET", base+"page_size=3000&repos=platform/auth-gateway&ref=master", DemoToken, ""))
	full := findingsOf(t, call(t, s, "GET", base+"page_size=3000&repos=platform/auth-gateway&ref=refs/heads/master", DemoToken, ""))
	if len(short) == 0 || len(full) != 0 {
		t.Errorf("ref is matched exactly: master %d, refs/heads/master %d", len(short), len(full))
	}

	// dedup folds the PR copies of a finding.
	plain := findingsOf(t, call(t, s, "GET", base+"page_size=3000&repos=acme/payments-api&status=open", DemoToken, ""))
	dedup := findingsOf(t, call(t, s, "GET", base+"page_size=3000&repos=acme/payments-api&status=open&dedup=true", DemoToken, ""))
	mbids := map[string]bool{}
	for _, f := range dedup {
		if mbids[f.MatchBasedID] {
			t.Fatal("dedup left a duplicate")
		}
		mbids[f.MatchBasedID] = true
	}
	if len(dedup) >= len(plain) {
		t.Errorf("dedup %d, plain %d", len(dedup), len(plain))
	}

	// since is epoch seconds on relevant_since.
	recent := findingsOf(t, call(t, s, "GET", base+"page_size=3000&status=open&since="+strconv.Itoa(int(now.Add(-10*day).Unix())), DemoToken, ""))
	for _, f := range recent {
		if parseStamp(f.RelevantSince).Before(now.Add(-10 * day)) {
			t.Fatal("since leak")
		}
	}
	if len(recent) == 0 || len(recent) >= want {
		t.Errorf("since: %d", len(recent))
	}
}

func TestProjectsAndScans(t *testing.T) {
	s := newDemo(t)
	var pr struct {
		Projects []map[string]any `json:"projects"`
	}
	r := call(t, s, "GET", "/deployments/acme-corp/projects", DemoToken, "")
	if err := json.Unmarshal(r.body, &pr); err != nil || len(pr.Projects) != 8 {
		t.Fatalf("%d projects, %v", len(pr.Projects), err)
	}
	for _, p := range pr.Projects {
		if p["name"] == "acme/old-reporting" {
			t.Error("archived project listed")
		}
		if _, ok := p["tags"].([]any); !ok {
			t.Errorf("tags not a list: %v", p["tags"])
		}
	}
	r = call(t, s, "GET", "/deployments/acme-corp/projects?page=1&page_size=5", DemoToken, "")
	_ = json.Unmarshal(r.body, &pr)
	if len(pr.Projects) != 3 {
		t.Errorf("page 1 of 5: %d", len(pr.Projects))
	}

	type scanResp struct {
		Scans  []map[string]any `json:"scans"`
		Cursor string           `json:"cursor"`
	}
	for _, body := range []string{`{"limit": 501}`, `{"statuses": ["done"]}`, `{"since": "last week"}`, `{"cursor": "zzz"}`, `not json`} {
		if r := call(t, s, "POST", "/deployments/4242/scans/search", DemoToken, body); r.status != 400 {
			t.Errorf("%s: %d", body, r.status)
		}
	}
	if r := call(t, s, "POST", "/deployments/1/scans/search", DemoToken, `{}`); r.status != 404 {
		t.Errorf("wrong id: %d", r.status)
	}
	var sr scanResp
	r = call(t, s, "POST", "/deployments/4242/scans/search", DemoToken, `{"limit": 7}`)
	_ = json.Unmarshal(r.body, &sr)
	if len(sr.Scans) != 7 || sr.Cursor == "" {
		t.Fatalf("%d scans, cursor %q", len(sr.Scans), sr.Cursor)
	}
	if _, isString := sr.Scans[0]["id"].(string); !isString {
		t.Errorf("ScanPublic ids are strings on the wire: %T", sr.Scans[0]["id"])
	}
	total, cursor := 0, ""
	for {
		body, _ := json.Marshal(map[string]any{"limit": 7, "cursor": cursor})
		if cursor == "" {
			body = []byte(`{"limit": 7}`)
		}
		var page scanResp
		_ = json.Unmarshal(call(t, s, "POST", "/deployments/4242/scans/search", DemoToken, string(body)).body, &page)
		total += len(page.Scans)
		for _, sc := range page.Scans {
			st, _ := time.Parse(time.RFC3339, sc["started_at"].(string))
			if st.Before(now.Add(-30 * day)) {
				t.Fatalf("scan older than 30 days: %v", sc)
			}
		}
		if page.Cursor == "" {
			break
		}
		cursor = page.Cursor
	}
	want := 0
	for _, p := range DemoDataset(now).Projects {
		for _, sc := range p.Scans {
			if !sc.StartedAt.Before(now.Add(-30 * day)) {
				want++
			}
		}
	}
	if total != want {
		t.Errorf("cursor walk gave %d scans, want %d", total, want)
	}
	// The stale repository has no full scan in the window.
	ds := DemoDataset(now)
	stale := ds.project("acme/legacy-billing")
	r = call(t, s, "POST", "/deployments/4242/scans/search", DemoToken, `{"repository_id": `+strconv.Itoa(int(stale.ID))+`, "is_full_scan": true}`)
	_ = json.Unmarshal(r.body, &sr)
	if len(sr.Scans) != 0 {
		t.Errorf("stale repository has %d full scans in 30 days", len(sr.Scans))
	}
}

func TestFaults(t *testing.T) {
	s := newDemo(t)
	s.Inject(Fault{Op: OpFindings, Query: url.Values{"page": {"1"}}, Status: 503, RetryAfter: "2", Times: 2})
	if r := call(t, s, "GET", "/deployments/acme-corp/findings?page=0", DemoToken, ""); r.status != 200 {
		t.Errorf("page 0 hit: %d", r.status)
	}
	for i := range 2 {
		r := call(t, s, "GET", "/deployments/acme-corp/findings?page=1", DemoToken, "")
		if r.status != 503 || r.header.Get("Retry-After") != "2" {
			t.Errorf("hit %d: %d %v", i, r.status, r.header)
		}
	}
	if r := call(t, s, "GET", "/deployments/acme-corp/findings?page=1", DemoToken, ""); r.status != 200 {
		t.Errorf("fault not used up: %d", r.status)
	}
	// Faults come before auth, as a gateway would.
	s.Inject(Fault{Op: OpDeployments, Body: "<html>maintenance</html>", Times: 1})
	if r := call(t, s, "GET", "/deployments", "", ""); r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
		t.Errorf("html fault: %d %v", r.status, r.header)
	}
	// Reset: no response at all.
	s.Inject(Fault{Reset: true, Times: 1})
	req, _ := http.NewRequest("GET", s.URL+"/deployments", nil)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Error("reset fault answered")
	}
	// Truncate: full Content-Length, half the body.
	s.Inject(Fault{Op: OpDeployments, Truncate: true, Times: 1})
	req, _ = http.NewRequest("GET", s.URL+"/deployments", nil)
	req.Header.Set("Authorization", "Bearer "+DemoToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, err = io.ReadAll(resp.Body)
	resp.Body.Close()
	if err == nil {
		t.Error("truncated body read without error")
	}
	// Delay, and latency option.
	s.Inject(Fault{Op: OpDeployments, Delay: 150 * time.Millisecond, Times: 1})
	start := time.Now()
	if r := call(t, s, "GET", "/deployments", DemoToken, ""); r.status != 200 || time.Since(start) < 150*time.Millisecond {
		t.Errorf("delay: %d after %v", r.status, time.Since(start))
	}
	slow := NewServer(DemoDataset(now), WithLatency(100*time.Millisecond))
	defer slow.Close()
	start = time.Now()
	call(t, slow, "GET", "/ping", "", "")
	if time.Since(start) < 100*time.Millisecond {
		t.Error("latency option ignored")
	}
	s.Inject(Fault{Status: 500})
	s.ClearFaults()
	if r := call(t, s, "GET", "/deployments", DemoToken, ""); r.status != 200 {
		t.Errorf("ClearFaults: %d", r.status)
	}
}

func TestMutation(t *testing.T) {
	s := newDemo(t)
	q := "/deployments/acme-corp/findings?page_size=3000&status=open&repos=acme/inventory-service"
	before := findingsOf(t, call(t, s, "GET", q, DemoToken, ""))
	if err := s.SetFindings("acme/inventory-service", before[:3]...); err != nil {
		t.Fatal(err)
	}
	if after := findingsOf(t, call(t, s, "GET", q, DemoToken, "")); len(after) != 3 {
		t.Errorf("after SetFindings: %d", len(after))
	}
	if err := s.SetFindings("nope/nope"); err == nil {
		t.Error("unknown project accepted")
	}
	s.Update(func(d *Dataset) { d.Token = "rotated" })
	if r := call(t, s, "GET", "/deployments", DemoToken, ""); r.status != 401 {
		t.Errorf("old token after rotation: %d", r.status)
	}
}

func TestDemoDataset(t *testing.T) {
	a, b := DemoDataset(now), DemoDataset(now)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("DemoDataset is not deterministic")
	}
	if n := a.FindingCount(); n < 2500 || n > 4000 {
		t.Errorf("%d findings", n)
	}
	hosts := map[string]bool{}
	sev := map[string]int{}
	status := map[string]int{}
	refs := map[string]bool{}
	var pyTime, rfcTime, noStatus, diffOnly, sca int
	for _, p := range a.Projects {
		u, _ := url.Parse(p.URL)
		hosts[u.Host] = true
		scans := map[int64]Scan{}
		for _, sc := range p.Scans {
			scans[sc.ID] = sc
		}
		for _, f := range p.Findings {
			sev[f.Severity]++
			status[f.EffectiveStatus()]++
			switch {
			case strings.HasPrefix(f.Ref, "refs/pull/"):
				refs["pull"] = true
			case strings.HasPrefix(f.Ref, "refs/heads/"):
				refs["full"] = true
			default:
				refs["short"] = true
			}
			if strings.Contains(f.CreatedAt, " ") {
				pyTime++
			} else {
				rfcTime++
			}
			if f.Status == "" {
				noStatus++
			}
			if sc, ok := scans[f.FirstSeenScanID]; ok && !sc.IsFullScan {
				diffOnly++
			}
			if f.IssueType() == "sca" {
				sca++
			}
			if len(f.MatchBasedID) < 130 || f.MatchBasedID[128] != '_' || !strings.Contains(f.LineOfCodeURL, "/blob/") ||
				len(f.Rule.CWENames) == 0 || f.Location == nil || f.ID == 0 {
				t.Fatalf("incomplete finding %+v", f)
			}
		}
	}
	if !hosts["github.com"] || !hosts["gitlab.com"] || !hosts["git.acme-corp.internal"] {
		t.Errorf("hosts %v", hosts)
	}
	for _, s := range []string{"low", "medium", "high", "critical"} {
		if sev[s] == 0 {
			t.Errorf("no %s findings", s)
		}
	}
	for _, s := range []string{"open", "fixed", "ignored", "reviewing", "fixing", "provisionally_ignored"} {
		if status[s] == 0 {
			t.Errorf("no %s findings", s)
		}
	}
	if len(refs) != 3 || pyTime == 0 || rfcTime == 0 || noStatus == 0 || diffOnly == 0 || sca == 0 {
		t.Errorf("refs %v, py %d rfc %d, no status %d, diff-only %d, sca %d", refs, pyTime, rfcTime, noStatus, diffOnly, sca)
	}
	if p := a.project("acme/old-reporting"); p == nil || !p.Archived {
		t.Error("no archived project")
	}
	if p := a.project("acme/docs-site"); p == nil || len(p.Findings) != 0 {
		t.Error("no empty project")
	}
	if DemoDataset(now.Add(time.Hour)).Projects[0].Findings[0].CreatedAt == a.Projects[0].Findings[0].CreatedAt {
		t.Error("dataset ignores now")
	}
}

func TestGenerateDataset(t *testing.T) {
	ds := GenerateDataset(5, 7, 1001, now)
	if len(ds.Projects) != 7 || ds.FindingCount() != 1001 {
		t.Errorf("%d projects, %d findings", len(ds.Projects), ds.FindingCount())
	}
	if !reflect.DeepEqual(ds, GenerateDataset(5, 7, 1001, now)) {
		t.Error("not deterministic")
	}
	ids := map[int64]bool{}
	for _, p := range ds.Projects {
		for _, f := range p.Findings {
			if ids[f.ID] {
				t.Fatal("duplicate id")
			}
			ids[f.ID] = true
		}
	}
}

func BenchmarkFindingsPage(b *testing.B) {
	s := NewServer(GenerateDataset(1, 50, 100_000, now))
	defer s.Close()
	req, _ := http.NewRequest("GET", s.URL+"/deployments/scale-org/findings?page_size=3000&page=10", nil)
	req.Header.Set("Authorization", "Bearer "+DemoToken)
	for b.Loop() {
		resp, err := s.Client().Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}

func TestHandlerOnOwnListener(t *testing.T) {
	s := NewUnstartedServer(DemoDataset(now))
	defer s.Close()
	if s.URL != "" {
		t.Fatal("unstarted server has a URL")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: s.Handler()}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	req, _ := http.NewRequest("GET", "http://"+ln.Addr().String()+"/api/v1/deployments", nil)
	req.Header.Set("Authorization", "Bearer "+DemoToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || len(s.Requests()) != 1 {
		t.Errorf("%d, %d requests", resp.StatusCode, len(s.Requests()))
	}
}
