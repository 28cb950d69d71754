package pipeline

import (
	"context"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/semgrep-wiz/semgrep-wiz/core/finding"
	"github.com/semgrep-wiz/semgrep-wiz/core/semgrep/semgreptest"
	"github.com/semgrep-wiz/semgrep-wiz/core/wiz/wiztest"
	"github.com/semgrep-wiz/semgrep-wiz/core/wizschema"
)

// liveCounter follows testHookLive: the findings the pipeline holds.
func liveCounter(t *testing.T) (top func() (top, now int)) {
	var mu sync.Mutex
	var n, most int
	testHookLive = func(d int) {
		mu.Lock()
		n += d
		most = max(most, n)
		mu.Unlock()
	}
	t.Cleanup(func() { testHookLive = nil })
	return func() (int, int) {
		mu.Lock()
		defer mu.Unlock()
		return most, n
	}
}

// A repository of 50 pages of 100 findings is never held whole: at most a
// page per repository being read is alive in the pipeline, and the upload
// still carries all of it, checked against the schema.
func TestARepositoryOfManyPagesIsNeverHeldWhole(t *testing.T) {
	// Every finding in one repository; about half are open, high or
	// critical, on the default branch: 50 pages of 100.
	ds := semgreptest.GenerateSpread(7, 1, 12000, semgreptest.SpreadMono, time.Now())
	r := newRigDS(t, ds, wiztest.Options{}, nil)
	live := liveCounter(t)
	o := r.options()
	o.Collect.PageSize, o.Collect.Concurrency = 100, 2
	o.DryRun, o.Wiz, o.OutDir = true, nil, t.TempDir()
	res, err := Run(context.Background(), o)
	if err != nil || res.Status != StatusDryRun {
		t.Fatalf("status %s err %v", res.Status, err)
	}
	big := ds.Projects[0]
	pages := 0
	for _, q := range r.sg.RequestsFor(semgreptest.OpFindings) {
		if q.Query.Get("repos") == big.Name {
			pages++
		}
	}
	if pages < 45 {
		t.Fatalf("the largest repository took %d pages; the test needs many", pages)
	}
	top, now := live()
	if now != 0 {
		t.Errorf("%d findings were never let go", now)
	}
	// Each fetcher hands the pipeline one page at a time.
	if limit := o.Collect.Concurrency * 100; top > limit || top == 0 {
		t.Errorf("held %d findings at once; at most %d expected", top, limit)
	}
	if err := wizschema.ValidateFile(res.Files[0]); err != nil {
		t.Fatal(err)
	}
	var sent, read int
	for _, rs := range res.Repositories {
		if rs.Name == big.Name {
			sent, read = rs.Sent, rs.Sent+rs.Excluded
		}
	}
	if read < (pages-1)*100 || sent == 0 || sent != res.Findings.Sent {
		t.Errorf("the largest repository: %d findings read, %d sent", read, sent)
	}
}

// A repository whose reading fails on page 7 of 10 is absent from the
// upload: its first six pages were planned and encoded, and dropped.
func TestASourceFailingPartWayIsAbsentFromTheUpload(t *testing.T) {
	ds := semgreptest.GenerateSpread(3, 4, 4*2500, semgreptest.SpreadEven, time.Now())
	r := newRigDS(t, ds, wiztest.Options{}, nil)
	bad := ds.Projects[1]
	r.sg.Inject(semgreptest.Fault{Op: semgreptest.OpFindings, Status: 400, Query: url.Values{"repos": {bad.Name}, "page": {"6"}}})
	live := liveCounter(t)
	o := r.options()
	o.Collect.PageSize = 100
	o.OutDir = t.TempDir()
	res, err := Run(context.Background(), o)
	if err != nil || res.Status != StatusPartial {
		t.Fatalf("status %s err %v", res.Status, err)
	}
	var pagesRead int
	for _, q := range r.sg.RequestsFor(semgreptest.OpFindings) {
		if q.Query.Get("repos") == bad.Name && q.Query.Get("page") < "6" {
			pagesRead++
		}
	}
	if pagesRead < 6 {
		t.Fatalf("only %d pages of the failing repository were read before it failed", pagesRead)
	}
	if _, now := live(); now != 0 {
		t.Errorf("%d findings were never let go", now)
	}
	id := finding.DataSourceID(finding.Repository{Name: bad.Name, URL: bad.URL, Deployment: ds.Deployment.Slug})
	sent := lastUploadIDs(t, r.wz)
	if _, in := sent[id]; in || len(sent) != len(ds.Projects)-1 {
		t.Errorf("the upload holds %d data sources (the failed one: %v)", len(sent), in)
	}
	if err := wizschema.ValidateFile(res.Files[0]); err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile(res.Files[0])
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(doc), bad.Name) {
		t.Error("the upload file names the failed repository")
	}
	for _, rs := range res.Repositories {
		if rs.Name == bad.Name && (rs.State != "failed" || rs.Sent != 0 || rs.Excluded != 0) {
			t.Errorf("the failed repository: %+v", rs)
		}
	}
}

// A data source the mass-resolve guard holds back is spooled aside and
// never reaches an upload that goes without it; the others do.
func TestAHeldSourceNeverReachesTheUpload(t *testing.T) {
	m := newMemRig(t)
	first := m.sync(t, m.opts())
	var name, id string
	for _, r := range first.Repositories {
		if r.State == "sent" && r.Sent >= 40 {
			name, id = r.Name, r.DataSourceID
			break
		}
	}
	dropFindings(t, m.sg, name, func(i int, _ semgreptest.Finding) bool { return i%5 == 0 })
	o := m.opts()
	o.OutDir = t.TempDir()
	res, err := Run(context.Background(), o)
	if err != nil || res.Status != StatusPartial {
		t.Fatalf("status %s err %v", res.Status, err)
	}
	sent := lastUploadIDs(t, m.wz)
	if _, in := sent[id]; in || len(sent) == 0 {
		t.Errorf("the held source went out (%d sources sent)", len(sent))
	}
	if err := wizschema.ValidateFile(res.Files[0]); err != nil {
		t.Fatal(err)
	}
	doc, _ := os.ReadFile(res.Files[0])
	if strings.Contains(string(doc), `"`+id+`"`) {
		t.Error("the upload file holds the held source")
	}
}
