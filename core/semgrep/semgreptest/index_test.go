package semgreptest

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"
)

// serveDirect runs one request through the handler without a network.
func serveDirect(s *Server, rawQuery string) *httptest.ResponseRecorder {
	req := httptest.NewRequest("GET", "/api/v1/deployments/"+s.ds.Deployment.Slug+"/findings?"+rawQuery, nil)
	req.Header.Set("Authorization", "Bearer "+DemoToken)
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	return rec
}

func setFullWalk(s *Server, on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fullWalk = on
}

// indexQueries is every combination of repository selection, filter and
// page worth comparing for ds.
func indexQueries(ds *Dataset) []string {
	p := ds.Projects
	last := len(p) - 1
	id := func(i int) string { return strconv.FormatInt(p[i].ID, 10) }
	sels := []url.Values{
		{"repos": {p[0].Name}},
		{"repos": {p[1].Name, p[0].Name}},
		{"repos": {p[last].Name, "no/such-repo", p[2].Name}},
		{"repos": {p[3].Name, p[3].Name}},
		{"repos": {"no/such-repo"}},
		{"repository_ids": {id(1)}},
		{"repository_ids": {id(0), id(2), "12345"}},
		{"repos": {p[0].Name}, "repository_ids": {id(1)}},            // disjoint: nothing
		{"repos": {p[0].Name, p[1].Name}, "repository_ids": {id(1)}}, // both: p[1] only
	}
	since := strconv.FormatInt(ds.Now.Add(-15*day).Unix(), 10)
	filters := []url.Values{
		{},
		{"status": {"open"}},
		{"status": {"fixed"}},
		{"severities": {"high", "critical"}},
		{"ref": {"refs/heads/main"}},
		{"ref": {"main"}},
		{"since": {since}},
		{"dedup": {"true"}},
		{"dedup": {"true"}, "status": {"open"}, "severities": {"low", "medium"}},
		{"issue_type": {"sca"}},
	}
	pages := []url.Values{
		{"page_size": {"100"}, "page": {"0"}},
		{"page_size": {"100"}, "page": {"2"}},
		{"page_size": {"250"}, "page": {"1"}},
		{"page_size": {"3000"}},
		{"page_size": {"3000"}, "page": {"7"}},
	}
	// Every selection with every filter; the page specs take turns (all of
	// them would only repeat the same walk, slowly under -race).
	var out []string
	for i, sel := range sels {
		for j, f := range filters {
			q := url.Values{}
			for _, part := range []url.Values{sel, f, pages[(i+j)%len(pages)]} {
				for k, vs := range part {
					q[k] = append(q[k], vs...)
				}
			}
			out = append(out, q.Encode())
		}
	}
	return out
}

// TestFindingsIndexMatchesFullWalk: a query naming repositories walks only
// their findings, and its answer is byte for byte the full walk's.
func TestFindingsIndexMatchesFullWalk(t *testing.T) {
	gen := GenerateDataset(3, 30, 6000, now)
	// Ties the order must break the same way both walks: two findings of
	// different projects with the same relevant_since and id, and two
	// projects with one name.
	gen.Projects[1].Findings[0].ID = gen.Projects[0].Findings[0].ID
	gen.Projects[1].Findings[0].RelevantSince = gen.Projects[0].Findings[0].RelevantSince
	gen.Projects[4].Name = gen.Projects[3].Name
	for _, tc := range []struct {
		name string
		ds   *Dataset
	}{{"demo", DemoDataset(now)}, {"generated", gen}} {
		t.Run(tc.name, func(t *testing.T) {
			s := NewUnstartedServer(tc.ds)
			queries := indexQueries(tc.ds)
			nonEmpty := 0
			for _, q := range queries {
				setFullWalk(s, true)
				want := serveDirect(s, q)
				setFullWalk(s, false)
				got := serveDirect(s, q)
				if got.Code != want.Code || got.Header().Get("Content-Type") != want.Header().Get("Content-Type") || !bytes.Equal(got.Body.Bytes(), want.Body.Bytes()) {
					t.Fatalf("%s: indexed answer differs: %d %d bytes, full walk %d %d bytes", q, got.Code, got.Body.Len(), want.Code, want.Body.Len())
				}
				if got.Code != http.StatusOK {
					t.Fatalf("%s: %d %s", q, got.Code, got.Body)
				}
				if !bytes.Equal(got.Body.Bytes(), []byte(`{"findings":[]}`)) {
					nonEmpty++
				}
			}
			if nonEmpty < len(queries)/3 {
				t.Errorf("only %d of %d queries found anything: the comparison proves little", nonEmpty, len(queries))
			}
			s.mu.Lock()
			built := s.idx.v == s.version && s.idx.byName != nil
			s.mu.Unlock()
			if !built {
				t.Error("the index was never used")
			}

			// A change to the dataset is seen by the index too.
			name := tc.ds.Projects[0].Name
			q := "page_size=3000&repos=" + url.QueryEscape(name)
			before := len(findingsOf(t, result{200, nil, serveDirect(s, q).Body.Bytes()}))
			s.Update(func(d *Dataset) { d.Projects[0].Findings = d.Projects[0].Findings[:len(d.Projects[0].Findings)/2] })
			after := serveDirect(s, q).Body.Bytes()
			setFullWalk(s, true)
			full := serveDirect(s, q).Body.Bytes()
			if !bytes.Equal(after, full) || len(findingsOf(t, result{200, nil, after})) >= before {
				t.Errorf("after Update: indexed %d bytes, full walk %d bytes, %d findings before", len(after), len(full), before)
			}
		})
	}
}

// TestFindingsWhileUpdating: pages are encoded outside the server's lock
// while Update replaces findings; -race checks that this is safe.
func TestFindingsWhileUpdating(t *testing.T) {
	s := NewServer(GenerateDataset(4, 8, 4000, now))
	defer s.Close()
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			s.Update(func(d *Dataset) {
				p := &d.Projects[i%len(d.Projects)]
				fs := append([]Finding(nil), p.Findings...)
				for j := range fs {
					fs[j].Status = []string{"open", "fixed"}[i%2]
				}
				p.Findings = fs
			})
			time.Sleep(5 * time.Millisecond)
		}
	}()
	for w := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 10 {
				q := fmt.Sprintf("page_size=3000&repos=scale-org/service-%04d", (w+i)%8)
				if i%5 == 0 {
					q = "page_size=100&page=3"
				}
				if rec := serveDirect(s, q); rec.Code != 200 {
					t.Errorf("%s: %d", q, rec.Code)
				}
			}
		}()
	}
	time.Sleep(50 * time.Millisecond)
	close(stop)
	wg.Wait()
}

// BenchmarkFindingsPageScale: a sync's findings requests against 1,000,000
// findings in 2,000 repositories, one repository per request (500
// findings, one page), cycling through the repositories. The full-walk
// variant is the stand-in before the index, for comparison; its one-off
// sort of every finding is done before the timer starts.
func BenchmarkFindingsPageScale(b *testing.B) {
	const repos, findings = 2000, 1_000_000
	ds := GenerateDataset(1, repos, findings, now)
	s := NewUnstartedServer(ds)
	reqs := make([]*http.Request, repos)
	for i, p := range ds.Projects {
		reqs[i] = httptest.NewRequest("GET", "/api/v1/deployments/scale-org/findings?page_size=3000&status=open&repos="+url.QueryEscape(p.Name), nil)
		reqs[i].Header.Set("Authorization", "Bearer "+DemoToken)
	}
	h := s.Handler()
	for _, full := range []bool{false, true} {
		name := "index"
		if full {
			name = "fullwalk"
		}
		b.Run(name, func(b *testing.B) {
			setFullWalk(s, full)
			s.Update(func(*Dataset) {}) // cold caches
			h.ServeHTTP(httptest.NewRecorder(), reqs[repos-1])
			served := 0
			for i := 0; b.Loop(); i++ {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, reqs[i%repos])
				if rec.Code != http.StatusOK {
					b.Fatalf("%d %s", rec.Code, rec.Body)
				}
				served += bytes.Count(rec.Body.Bytes(), []byte(`"match_based_id"`))
			}
			b.ReportMetric(float64(served)/float64(b.N), "findings/op")
		})
	}
}

func TestSpreadShares(t *testing.T) {
	sum := func(l []int) (n int) {
		for _, v := range l {
			n += v
		}
		return
	}
	z := SpreadZipf.Shares(2000, 1_000_000)
	if sum(z) != 1_000_000 || z[0] < 115_000 || z[0] > 130_000 || z[1999] > 100 || z[1999] < 40 {
		t.Errorf("zipf: total %d, largest %d, smallest %d", sum(z), z[0], z[1999])
	}
	e := SpreadEven.Shares(3, 10)
	if e[0] != 4 || e[1] != 3 || e[2] != 3 {
		t.Errorf("even %v", e)
	}
	m := SpreadMono.Shares(5, 300_000)
	if m[0] != 300_000 || sum(m) != 300_000 {
		t.Errorf("mono %v", m)
	}
	if _, err := ParseSpread("lognormal"); err == nil {
		t.Error("an unknown spread was accepted")
	}
}
